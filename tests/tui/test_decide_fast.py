"""Deciding at speed: marked rows decided at once, the dialog starting from the last decision,
and "not verified, accept the risk" in one step."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from conftest import AppFactory
from test_decision_dialog import decisions_on_row
from test_stage_flows import brightlane_app, opened, stage_screen, toml_of
from textual.widgets import Checkbox, RadioButton, Select

from launch_tui.core.model import Action
from launch_tui.tui import edits
from launch_tui.tui.screens.decision import DecisionModal
from launch_tui.tui.widgets.check_table import CheckTable


async def _accept(pilot, app, text: str, *, owner: str | None = "priya") -> DecisionModal:  # type: ignore[no-untyped-def]
    await pilot.press("d")
    await pilot.pause()
    dialog = app.screen
    assert isinstance(dialog, DecisionModal)
    if owner is not None:
        dialog.query_one("#action-accept-risk", RadioButton).value = True
        dialog.query_one("#decision-owner", Select).value = owner
    dialog.query_one("#decision-text-input").focus()
    await pilot.press("ctrl+a", "ctrl+k", *text)
    await pilot.pause()
    return dialog


async def test_marked_rows_are_decided_at_once(make_app: AppFactory, sessions_dir: Path) -> None:
    app, path = brightlane_app(make_app, sessions_dir)
    async with opened(app, size=(100, 30)) as pilot:
        table = stage_screen(app).query_one(CheckTable)
        keys = [str(k.value) for k in (r.key for r in table.ordered_rows)][:2]
        assert table.select_key(keys[0])
        await pilot.press("space", "space")  # marks a row and moves down, twice
        assert table.marked_keys() == keys
        dialog = await _accept(pilot, app, "Both accepted until launch")
        assert "2 marked rows" in dialog.heading
        await pilot.press("ctrl+s")
        await pilot.pause()
        await app.wait_saved()
        assert table.marked_keys() == []
    decisions = toml_of(path)["decisions"]
    assert isinstance(decisions, list)
    recorded = [d for d in decisions if d["text"] == "Both accepted until launch"]
    assert sorted((d["check"], d.get("target", "")) for d in recorded) == sorted(
        tuple(k.split(":", 1)) for k in keys
    )


async def test_the_next_dialog_starts_from_the_last_decision(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    app, _path = brightlane_app(make_app, sessions_dir)
    async with opened(app, size=(100, 30)) as pilot:
        table = stage_screen(app).query_one(CheckTable)
        fail_rows = [str(r.key.value) for r in table.ordered_rows][:3]
        assert table.select_key(fail_rows[1])
        await _accept(pilot, app, "Accepted")
        app.screen.query_one("#decision-due-input").focus()
        await pilot.press("ctrl+a", "ctrl+k", *"+5d")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert table.select_key(fail_rows[2])
        await pilot.press("d")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, DecisionModal)
        if not dialog.existing:
            assert dialog._action() is Action.ACCEPT_RISK
            assert dialog.query_one("#decision-owner", Select).value == "priya"
            assert dialog.query_one("#decision-due-input").value == "2026-05-10"
        await app.wait_saved()
    ui = toml_of(_path)["ui"]
    assert (ui["last_action"], ui["last_owner"], ui["last_due"]) == (  # type: ignore[index]
        "accept-risk",
        "priya",
        date(2026, 5, 10),
    )
    # Opened again, the dialog still starts from it.
    again = make_app(open_path=_path)
    async with opened(again, size=(100, 30)) as pilot:
        table = stage_screen(again).query_one(CheckTable)
        session = stage_screen(again).session
        fresh = next(
            str(r.key.value)
            for r in table.ordered_rows
            if not edits.superseded_by(session, *edits.parse_row_key(str(r.key.value)))
        )
        assert table.select_key(fresh)
        await pilot.press("d")
        await pilot.pause()
        dialog = again.screen
        assert isinstance(dialog, DecisionModal)
        assert not dialog.existing
        assert dialog._action() is Action.ACCEPT_RISK
        assert dialog.query_one("#decision-owner", Select).value == "priya"
        assert dialog.query_one("#decision-due-input").value == "2026-05-10"


async def test_not_verified_and_accepted_in_one_step(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    app, path = brightlane_app(make_app, sessions_dir)
    async with opened(app, size=(100, 30)) as pilot:
        table = stage_screen(app).query_one(CheckTable)
        assert table.select_key("edge.ddos:")  # a manual check waiting for confirmation
        dialog = await _accept(pilot, app, "No DDoS rules until launch")
        assert dialog.query_one("#decision-unverified", Checkbox).value
        assert "not verified first" in str(dialog.query_one("#decision-echo").render())
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is not dialog, (
            str(dialog.query_one("#owner-reason").render()),
            [str(f.render()) for f in dialog.query(".field-reason")],
        )
        await app.wait_saved()
    document = toml_of(path)
    results = [r for r in document["results"] if r["check"] == "edge.ddos"]  # type: ignore[union-attr]
    assert [r["status"] for r in results] == ["fail"]
    assert results[0]["summary"].startswith("Not verified: No DDoS rules")
    assert [d["action"] for d in decisions_on_row_of(path, "edge.ddos", "")] == ["accept-risk"]


def decisions_on_row_of(path: Path, check: str, target: str) -> list[dict[str, object]]:
    decisions = toml_of(path).get("decisions", [])
    assert isinstance(decisions, list)
    return [d for d in decisions if (d.get("check"), d.get("target", "")) == (check, target)]


del decisions_on_row

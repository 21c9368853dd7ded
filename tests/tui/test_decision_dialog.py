"""The decision dialog: arrows choose, the choice is said before Save, a new decision on the same
row replaces the old one, and ``d`` never acts on a table that is not on show; Escape leaves the
notes editor."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from conftest import FIXED_NOW, AppFactory
from test_stage_flows import brightlane_app, opened, stage_screen, toml_of
from textual.widgets import Select

from launch_tui.tui.screens.decision import DecisionModal, due_placeholder
from launch_tui.tui.screens.stage import StageScreen
from launch_tui.tui.widgets.check_table import CheckTable
from launch_tui.tui.widgets.footer import KeyFooter

ROW = ("tls.certificate", "app.brightlane.test")


def decisions_on_row(path: Path) -> list[dict[str, object]]:
    decisions = toml_of(path).get("decisions", [])
    assert isinstance(decisions, list)
    return [d for d in decisions if (d.get("check"), d.get("target", "")) == ROW]


async def test_arrow_keys_choose_the_action_and_the_dialog_says_it_before_saving(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    app, path = brightlane_app(make_app, sessions_dir)
    async with opened(app, size=(100, 30)) as pilot:
        await pilot.press("d")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, DecisionModal)
        dialog.query_one("#decision-action").focus()
        await pilot.press("right")  # Fix -> Accept risk, no Space needed
        await pilot.pause()
        dialog.query_one("#decision-owner", Select).value = "priya"
        await pilot.pause()
        echo = str(dialog.query_one("#decision-echo").render())
        assert "accept risk" in echo and "app.brightlane.test only" in echo
        await pilot.click("#decision-text-input")
        await pilot.press(*"Renewal booked")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, StageScreen)
        await app.wait_saved()
    recorded = decisions_on_row(path)[-1]
    assert recorded["action"] == "accept-risk"


async def test_a_second_decision_on_the_same_row_replaces_the_first(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    app, path = brightlane_app(make_app, sessions_dir)
    async with opened(app, size=(100, 30)) as pilot:
        # The second dialog starts from the first decision (fix); right moves it to accept risk.
        for keys, text in (((), "Fix it"), (("right",), "Accept it")):
            await pilot.press("d")
            await pilot.pause()
            dialog = app.screen
            assert isinstance(dialog, DecisionModal)
            dialog.query_one("#decision-action").focus()
            await pilot.press(*keys)
            dialog.query_one("#decision-owner", Select).value = "priya"
            await pilot.click("#decision-text-input")
            await pilot.press("ctrl+a", "ctrl+k", *text)
            await pilot.pause()
            if text == "Accept it":
                # The form starts from the decision it replaces, and says so.
                assert "replaces" in str(dialog.query_one("#decision-echo").render())
            await pilot.press("ctrl+s")
            await pilot.pause()
            await app.wait_saved()
        live = decisions_on_row(path)
        assert [(d["action"], d["text"]) for d in live] == [("accept-risk", "Accept it")]
        notes = [n.message for n in app._notifications]
        assert any("replaces" in n for n in notes), notes


async def test_d_on_another_tab_does_not_decide_on_the_hidden_table(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    app, _path = brightlane_app(make_app, sessions_dir)
    async with opened(app, size=(100, 30)) as pilot:
        screen = stage_screen(app)
        screen.show_tab("tab-deliverable")
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        assert app.screen is screen, "no dialog about a row the engineer cannot see"
        screen.show_tab("tab-checks")
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, DecisionModal)


def test_the_due_date_example_is_never_in_the_past() -> None:
    assert due_placeholder(FIXED_NOW.date()).startswith("2026-05-12")
    assert due_placeholder(date(2026, 12, 7)).startswith("2026-12-14")


async def test_escape_leaves_the_notes_and_the_key_bar_says_so(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    app, path = brightlane_app(make_app, sessions_dir)
    async with opened(app, size=(100, 30)) as pilot:
        screen = stage_screen(app)
        await pilot.press("n")
        await pilot.pause()
        assert screen.active_tab == "tab-notes"
        footer = screen.query_one(KeyFooter)
        assert any(k.description == "Back to checks" for k in footer.keys), footer.keys
        await pilot.press(*"call Sam")
        await pilot.press("escape")
        await pilot.pause()
        assert screen.active_tab == "tab-checks"
        assert screen.focused is screen.query_one(CheckTable)
        await app.wait_saved()
    assert "call Sam" in path.read_text(encoding="utf-8")


async def test_an_accepted_risk_on_a_passing_result_is_refused_with_the_reason(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    app, path = brightlane_app(make_app, sessions_dir)
    async with opened(app, size=(100, 30)) as pilot:
        table = stage_screen(app).query_one(CheckTable)
        assert table.select_key("tls.certificate:www.brightlane.test")  # it passes
        await pilot.press("d")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, DecisionModal)
        dialog.query_one("#decision-action").focus()
        await pilot.press("right")
        dialog.query_one("#decision-owner", Select).value = "priya"
        await pilot.click("#decision-text-input")
        await pilot.press(*"Accept it anyway")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is dialog, "refused: it would change nothing"
        reason = str(dialog.query_one("#owner-reason").render())
        assert "would not count" in reason and "passes" in reason
    assert "Accept it anyway" not in path.read_text(encoding="utf-8")

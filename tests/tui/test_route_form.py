"""A skipped write route is unblocked from the app: e opens its settings, safe to repeat needs
the client's consent, which goes into the request-path notes with the change."""

from __future__ import annotations

from pathlib import Path

from conftest import AppFactory, copy_session
from test_stage_flows import opened, stage_screen, toml_of
from textual.widgets import Checkbox

from launch_tui.tui.screens.route_form import RouteForm
from launch_tui.tui.widgets.check_table import CheckTable


async def test_marking_a_route_safe_to_repeat_needs_and_records_consent(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    path = copy_session("brightlane", sessions_dir)
    routes = toml_of(path)["targets"]["routes"]  # type: ignore[index]
    write = next(
        r for r in routes if r.get("kind") in ("write", "auth") and not r.get("safe_to_repeat")
    )
    app = make_app(open_path=path)
    async with opened(app, size=(100, 34)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        table = stage_screen(app).query_one(CheckTable)
        key = next(
            str(r.key.value)
            for r in table.ordered_rows
            if str(r.key.value).endswith(":" + write["name"])
        )
        assert table.select_key(key)
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, RouteForm)
        form.query_one("#route-safe", Checkbox).value = True
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form, "refused without consent"
        assert "who agreed" in str(form.query_one("#route-reason").render())
        form.query_one("#route-consent-input").focus()
        await pilot.press(*"Maya Okafor, by email")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is not form
        await app.wait_saved()
    document = toml_of(path)
    saved = next(r for r in document["targets"]["routes"] if r["name"] == write["name"])  # type: ignore[index]
    assert saved["safe_to_repeat"] is True
    notes = document["stages"]["request-path"]["notes"]  # type: ignore[index]
    assert (
        f"route {write['name']} marked safe to repeat" in notes and "Maya Okafor, by email" in notes
    )

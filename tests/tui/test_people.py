"""People and owners: assign any item to a person, add people, see what one person owns."""

from __future__ import annotations

import tomllib
from pathlib import Path

from conftest import AppFactory, copy_session
from textual.widgets import DataTable, OptionList

from launch_tui.tui.screens.modals import PersonForm, PersonPicker
from launch_tui.tui.screens.people import PeopleScreen
from launch_tui.tui.screens.stage import StageScreen


async def open_people(app: object, pilot: object) -> PeopleScreen:
    await pilot.pause()  # type: ignore[attr-defined]
    await app.wait_opened()  # type: ignore[attr-defined]
    await pilot.press("p")  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, PeopleScreen)
    return screen


async def test_assign_a_service_to_a_person(make_app: AppFactory, sessions_dir: Path) -> None:
    path = copy_session("brightlane", sessions_dir)
    app = make_app(open_path=path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_people(app, pilot)
        vercel = next(i for i, item in enumerate(screen.items) if item.ref == "Vercel")
        screen.query_one("#owned", DataTable).move_cursor(row=vercel)
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, PersonPicker)
        options = app.screen.query_one(OptionList)
        options.highlighted = 2  # (nobody), Maya, Priya…
        await pilot.press("enter")
        await pilot.pause()
        await app.wait_saved()
    services = tomllib.loads(path.read_text(encoding="utf-8"))["services"]
    assert next(s for s in services if s["name"] == "Vercel")["owner"] == "priya"


async def test_add_a_person_and_filter_to_their_items(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    path = copy_session("brightlane", sessions_dir)
    app = make_app(open_path=path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_people(app, pilot)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, PersonForm)
        await pilot.press(*"Lee Park", "enter")
        await pilot.pause()
        assert isinstance(app.screen, PeopleScreen)
        assert app.controller is not None
        assert app.controller.session.people[-1].name == "Lee Park"
        people = screen.query_one("#people", DataTable)
        people.move_cursor(row=1)  # Priya
        await pilot.press("f")
        await pilot.pause()
        assert screen.items and all(item.owner == "priya" for item in screen.items)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, StageScreen)
        await app.wait_saved()
    assert "Lee Park" in path.read_text(encoding="utf-8")

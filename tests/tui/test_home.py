"""The home screen: saved sessions, open, copy as template, archive, demo, a lock elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import AppFactory, copy_session
from textual.widgets import Button, DataTable

from launch_tui.store import load_session
from launch_tui.tui.screens.home import HomeScreen
from launch_tui.tui.screens.modals import ConfirmModal, ErrorModal, TemplateForm
from launch_tui.tui.screens.stage import StageScreen
from launch_tui.tui.screens.wizard import WizardScreen
from launch_tui.tui.widgets.banner import Banner


async def loaded_home(app: object, pilot: object) -> HomeScreen:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, HomeScreen)
    await app.workers.wait_for_complete()  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]
    assert screen.loaded
    return screen


async def test_empty_folder_offers_the_wizard_and_the_demo(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        screen = await loaded_home(app, pilot)
        assert screen.query_one("#empty").display
        assert screen.query_one("#new", Button).display
        assert screen.query_one("#demo", Button).display
        await pilot.click("#new")
        await pilot.pause()
        assert isinstance(app.screen, WizardScreen)


async def test_demo_button_asks_the_cli_to_start_the_demo(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await loaded_home(app, pilot)
        await pilot.press("d")
        await pilot.pause()
    assert app.return_value == "demo"


async def test_sessions_are_listed_with_progress_and_verdict(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    good = copy_session("brightlane", sessions_dir)
    broken = sessions_dir / "broken.toml"
    broken.write_text("this is [not toml", encoding="utf-8")
    os.utime(good, (1_700_000_000, 1_700_000_000))
    os.utime(broken, (1_700_000_100, 1_700_000_100))  # most recent first
    app = make_app()
    async with app.run_test() as pilot:
        screen = await loaded_home(app, pilot)
        assert [row.name for row in screen.rows] == ["broken", "brightlane"]
        rows = {row.name: row for row in screen.rows}
        assert rows["brightlane"].verdict == "not_ready"
        assert rows["brightlane"].stages_done == 1
        assert rows["brightlane"].current_stage == "delivery"
        assert "broken.toml:1" in rows["broken"].error
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ErrorModal)
        assert app.screen.error_title == "Session file is not valid TOML"
        await pilot.press("enter", "down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, StageScreen)


async def test_open_a_session_then_go_home_releases_it(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    copy_session("brightlane", sessions_dir)
    app = make_app()
    async with app.run_test() as pilot:
        await loaded_home(app, pilot)
        await pilot.press("enter")
        await app.wait_opened()
        await pilot.pause()
        assert isinstance(app.screen, StageScreen)
        assert app.controller is not None
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert app.controller is None
        assert not (sessions_dir / ".brightlane.toml.lock").exists()


async def test_copy_as_template_creates_a_new_sprint(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    copy_session("brightlane", sessions_dir)
    app = make_app()
    async with app.run_test() as pilot:
        await loaded_home(app, pilot)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, TemplateForm)
        await pilot.press(*"Harbourline Ltd", "enter")
        await pilot.pause()
        assert isinstance(app.screen, StageScreen)
        await app.wait_saved()
    copy = load_session(sessions_dir / "harbourline-ltd.toml")
    assert copy.sprint.client == "Harbourline Ltd"
    assert copy.results == () and len(copy.targets.hosts) == 6


async def test_archive_moves_the_file_aside(make_app: AppFactory, sessions_dir: Path) -> None:
    copy_session("brightlane", sessions_dir)
    app = make_app()
    async with app.run_test() as pilot:
        await loaded_home(app, pilot)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.click("#yes")
        await pilot.pause()
        screen = await loaded_home(app, pilot)
        assert screen.rows == ()
    assert (sessions_dir / "archive" / "brightlane.toml").exists()
    assert not (sessions_dir / "brightlane.toml").exists()


@pytest.fixture
def held_elsewhere(sessions_dir: Path) -> Iterator[Path]:
    """The Brightlane session, held open by another process until the test ends."""
    path = copy_session("brightlane", sessions_dir)
    code = (
        "import sys\n"
        "from launch_tui.store import open_session\n"
        "handle = open_session(sys.argv[1])\n"
        "print('held', flush=True)\n"
        "sys.stdin.read()\n"
        "handle.close()\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        yield path
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
        assert holder.stdout is not None
        holder.stdout.close()


async def test_session_open_in_another_process_is_marked_and_opens_read_only(
    make_app: AppFactory, held_elsewhere: Path
) -> None:
    before = held_elsewhere.read_bytes()
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await loaded_home(app, pilot)
        assert screen.rows[0].locked_by
        table = screen.query_one("#sessions", DataTable)
        assert "open elsewhere" in str(table.get_row_at(0)[-1])
        await pilot.press("enter")
        await app.wait_opened()
        await pilot.pause()
        assert isinstance(app.screen, StageScreen)
        banner = app.screen.query_one("#banner", Banner)
        assert banner.display and "another launch-tui" in str(banner.render())
        await pilot.press("D")
        await pilot.pause()
    assert held_elsewhere.read_bytes() == before


async def test_a_broken_file_given_to_open_shows_its_error_above_the_home_screen(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    broken = sessions_dir / "broken.toml"
    broken.write_text('schema_version = 1\nclient = "unclosed\n', encoding="utf-8")
    app = make_app(open_path=broken)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ErrorModal)
        assert app.screen.error_title == "Session file is not valid TOML"
        assert f"{broken}:2:" in app.screen.message
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)

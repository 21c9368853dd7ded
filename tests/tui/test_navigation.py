"""Finding the next thing to do: jump between failing rows, tabs both ways, stage keys that land
on the checks, and a filter of the rows."""

from __future__ import annotations

from pathlib import Path

from conftest import AppFactory
from test_stage_flows import brightlane_app, opened, stage_screen

from launch_tui.core.model import Status
from launch_tui.tui.widgets.check_table import CheckTable

FAILING = {Status.FAIL, Status.ERROR, Status.WARN}


async def test_f_and_shift_f_move_between_failing_rows(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    app, _path = brightlane_app(make_app, sessions_dir)
    async with opened(app, size=(100, 30)) as pilot:
        table = stage_screen(app).query_one(CheckTable)
        statuses = table.row_statuses()
        failing = [i for i, s in enumerate(statuses) if s in FAILING]
        assert len(failing) >= 2
        table.move_cursor(row=len(statuses) - 1, animate=False)  # a passing row at the end
        await pilot.press("f")  # wraps to the first failing row
        assert table.cursor_row == failing[0]
        await pilot.press("f")
        assert table.cursor_row == failing[1]
        await pilot.press("F")
        assert table.cursor_row == failing[0]


async def test_tabs_both_ways_and_stage_keys_land_on_the_checks(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    app, _path = brightlane_app(make_app, sessions_dir)
    async with opened(app, size=(100, 30)) as pilot:
        screen = stage_screen(app)
        await pilot.press("T")
        assert screen.active_tab == "tab-about"
        await pilot.press("t")
        assert screen.active_tab == "tab-checks"
        await pilot.press("T")  # leave stage 3 on its About tab
        await pilot.press("2")
        await pilot.pause()
        await pilot.press("3")  # back to stage 3 by key: on its checks, not on About
        await pilot.pause()
        assert stage_screen(app) is screen and screen.active_tab == "tab-checks"


async def test_the_filter_cycles_failing_undecided_mine_all(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    app, _path = brightlane_app(make_app, sessions_dir)
    async with opened(app, size=(100, 30)) as pilot:
        table = stage_screen(app).query_one(CheckTable)
        everything = table.row_count
        await pilot.press("slash")
        await pilot.pause()
        assert set(table.row_statuses()) <= FAILING and 0 < table.row_count < everything
        assert (
            "[failing]"
            in table.columns[
                next(iter(k for k in table.columns if str(k.value) == "Check"))
            ].label.plain
        )
        failing = table.row_count
        await pilot.press("slash")  # undecided: failing rows without a decision
        await pilot.pause()
        assert table.row_count <= failing
        await pilot.press("slash", "slash")  # mine, then all again
        await pilot.pause()
        assert table.row_count == everything

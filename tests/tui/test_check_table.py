"""The check table: failures first, the rows below the fold counted, the summary as wide as
there is room; it changes only what changed while results stream in, and keeps the cursor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import AppFactory
from rich.segment import Segment
from rich.text import Text
from test_stage_flows import brightlane_app, opened, stage_screen
from textual.app import App, ComposeResult
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from launch_tui.core.model import Severity, Status
from launch_tui.tui.views import CheckRow, row_order, stage_rows
from launch_tui.tui.widgets.check_table import CheckTable


def _row(
    check_id: str, target: str = "", status: Status | None = None, summary: str = ""
) -> CheckRow:
    return CheckRow(
        key=f"{check_id}:{target}",
        check_id=check_id,
        title=check_id,
        target=target,
        status=status,
        severity=Severity.HIGH,
        summary=summary or ("not run yet" if status is None else status.value),
        duration_ms=None,
        changed=False,
        manual=False,
        runnable=True,
        decision=None,
    )


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield CheckTable(id="checks")


def _keys(table: CheckTable) -> list[str]:
    return [str(row.key.value) for row in table.ordered_rows]


async def test_results_take_the_place_of_their_check_and_the_cursor_follows() -> None:
    app = TableApp()
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(CheckTable)
        table.show_rows([_row("dns.records"), _row("tls.certificate"), _row("http.hsts")])
        await pilot.pause()
        assert table.select_key("tls.certificate:")
        untouched = table.rows["http.hsts:"]

        table.show_rows(
            [
                _row("dns.records"),
                _row("tls.certificate", "a.test", Status.PASS),
                _row("tls.certificate", "b.test", Status.FAIL),
                _row("http.hsts"),
            ]
        )
        await pilot.pause()
        assert _keys(table) == [
            "dns.records:",
            "tls.certificate:a.test",
            "tls.certificate:b.test",
            "http.hsts:",
        ]
        # The "not run yet" row under the cursor made way for its results: the cursor stays
        # with the check.
        assert table.selected_key == "tls.certificate:a.test"
        # Rows that did not change were left alone, not rebuilt.
        assert table.rows["http.hsts:"] is untouched


async def test_a_changed_result_is_updated_in_place_and_the_cursor_stays() -> None:
    app = TableApp()
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(CheckTable)
        first = [_row("a", "x", Status.PASS), _row("b", "y", Status.PASS), _row("c")]
        table.show_rows(first)
        await pilot.pause()
        assert table.select_key("c:")

        table.show_rows([first[0], _row("b", "y", Status.FAIL, "broken now"), first[2]])
        await pilot.pause()
        assert _keys(table) == ["a:x", "b:y", "c:"]
        assert table.get_row("b:y")[3].plain == "broken now"
        assert table.selected_key == "c:"

        # A row that goes away entirely takes the cursor to the row now in its place.
        table.show_rows([first[0], first[1]])
        await pilot.pause()
        assert _keys(table) == ["a:x", "b:y"]
        assert table.selected_key == "b:y"


def _backgrounds(table: CheckTable, y: int) -> set[object]:
    """The background colours line ``y`` of the table is drawn in."""
    line = table.render_lines(table.region.reset_offset)[y]
    return {segment.style.bgcolor for segment in line if segment.style is not None}


def _screen_text(table: CheckTable) -> list[str]:
    return [strip.text for strip in table.render_lines(table.region.reset_offset)]


async def test_rows_drawn_before_are_reused_where_they_move_and_clicks_find_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rendered: list[int] = []
    render_cell = DataTable._render_cell
    draw_cell = CheckTable._draw_cell

    def counted(table: DataTable[Text], row: int, *args: Any, **kwargs: Any) -> Any:
        rendered.append(row)
        return render_cell(table, row, *args, **kwargs)

    def drawn(table: CheckTable, value: Text, row: int, *args: Any) -> Any:
        rendered.append(row)
        return draw_cell(table, value, row, *args)

    monkeypatch.setattr(DataTable, "_render_cell", counted)
    monkeypatch.setattr(CheckTable, "_draw_cell", drawn)
    app = TableApp()
    async with app.run_test(size=(100, 12)) as pilot:
        table = app.query_one(CheckTable)
        rows = [_row(f"check{i}", "t.test", Status.PASS, f"summary {i}") for i in range(6)]
        table.show_rows(rows)
        await pilot.pause()
        assert "summary 2" in _screen_text(table)[3]
        rendered.clear()

        # A failure arrives and goes first: every row moves down one line.
        failed = _row("check4", "t.test", Status.FAIL, "broken now")
        rows = [failed, *rows[:4], rows[5]]
        table.show_rows(rows)
        await pilot.pause()
        lines = _screen_text(table)
        assert "broken now" in lines[1] and "✗" in lines[1]
        assert "summary 2" in lines[4] and "summary 4" not in "".join(lines)
        # Only the changed row's cells and the header were rendered again, not the rows that
        # moved...
        assert sorted(set(rendered)) == [-1, 0]  # header (-1) and new first row
        # ...and a click on a moved row reports the row it is on now.
        await pilot.click(CheckTable, offset=(20, 4))
        await pilot.pause()
        assert table.selected_key == "check2:t.test"
        await pilot.click(CheckTable, offset=(20, 1))
        await pilot.pause()
        assert table.selected_key == "check4:t.test"
        # Without a cursor the cursor's row looks as the others (not drawn from cached cells).
        assert _backgrounds(table, 1) != _backgrounds(table, 2)
        table.show_cursor = False
        await pilot.pause()
        assert _backgrounds(table, 1) == _backgrounds(table, 2)


async def test_cells_drawn_directly_look_as_datatable_draws_them() -> None:
    app = TableApp()
    async with app.run_test(size=(120, 12)) as pilot:
        table = app.query_one(CheckTable)
        rows = [
            _row("dns.records"),
            _row(
                "tls.certificate", "[::1]", Status.FAIL, "✗ expired — 3 days ago [@click=app.quit]"
            ),
            _row("http.hsts", "www.example.test", Status.PASS, "x" * 300),
            _row("email.dmarc", "", Status.WARN, ""),
            _row("漢字.check", "ターゲット", Status.ERROR, "全角の要約です"),
        ]
        table.show_rows(rows)
        spans = Text.assemble(("bold", "bold"), " plain ", ("red on blue", "red on blue"))
        spans.stylize("italic", 2, 9)
        table.update_cell("http.hsts:www.example.test", "Summary", spans)
        await pilot.pause()
        base = table.rich_style
        widths = [column.get_render_width(table) for column in table.ordered_columns]
        compared = 0
        for row_index in range(len(rows)):
            for column_index, width in enumerate(widths):
                value = table.get_row_at(row_index)[column_index]
                for cursor, hover in ((False, False), (True, False), (False, True), (True, True)):
                    fast = table._draw_cell(
                        value, row_index, column_index, base, width, cursor, hover
                    )
                    slow = DataTable._render_cell(
                        table, row_index, column_index, base, width, cursor, hover
                    )
                    assert [list(Segment.simplify(line)) for line in fast] == [
                        list(Segment.simplify(line)) for line in slow
                    ], (row_index, column_index, cursor, hover)
                    compared += 1
        assert compared == len(rows) * len(widths) * 4


async def test_failures_come_first_the_fold_is_counted_and_the_summary_gets_the_room(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    app, _path = brightlane_app(make_app, sessions_dir)
    async with opened(app, size=(100, 30)) as pilot:
        table = stage_screen(app).query_one(CheckTable)
        rows = stage_rows(stage_screen(app).session, app.playbook, "delivery", app.implemented_ids)
        shown = [table.get_row(key)[0].plain for key in _keys(table)]
        # fail, error and warn rows before any other, worst severity first within a status
        ranks = [row_order(r) for r in rows]
        assert ranks == sorted(ranks)
        first_other = next(i for i, r in enumerate(rows) if r.status not in BAD)
        assert all(r.status not in BAD for r in rows[first_other:])
        assert shown[0] == "✗"
        # rows below the fold are counted in the header, and the count follows the scroll
        visible = table.scrollable_content_region.height - 1
        label = table.columns[ColumnKey("Check")].label.plain
        assert label == f"Check ↓{table.row_count - visible} more"
        table.scroll_end(animate=False)
        await pilot.pause()
        assert table.columns[ColumnKey("Check")].label.plain == "Check"
        # the summary column takes what the other columns leave
        widths = [c.width for c in table.columns.values()]
        padding = 2 * len(widths)
        assert sum(widths) + padding == table.size.width - 2
        longest_check = max(len(r.check_id) for r in rows)
        assert widths[1] == min(22, longest_check)


BAD = {Status.FAIL, Status.ERROR, Status.WARN}


def test_a_decision_on_every_target_marks_only_the_rows_it_covers() -> None:
    from datetime import UTC, datetime

    from launch_tui.core.model import Action, CheckResult, Decision, Session, Sprint, Targets
    from launch_tui.core.playbook import builtin_playbook

    results = (
        CheckResult("tls.certificate", "www.acme.test", Status.PASS, Severity.HIGH, "ok", {}),
        CheckResult("tls.certificate", "app.acme.test", Status.FAIL, Severity.HIGH, "bad", {}),
    )
    accept = Decision("d1", "delivery", Action.ACCEPT_RISK, "later", "tls.certificate", "", "ann")
    session = Session(
        sprint=Sprint("s", "Acme", "", "eng", datetime(2026, 5, 4, tzinfo=UTC)),
        targets=Targets(apex="acme.test"),
        results=results,
        decisions=(accept,),
    )
    rows = {r.target: r for r in stage_rows(session, builtin_playbook(), "delivery")}
    assert rows["app.acme.test"].decision is Action.ACCEPT_RISK
    assert rows["www.acme.test"].decision is None

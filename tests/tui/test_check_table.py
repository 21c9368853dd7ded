"""The check table changes only what changed while results stream in, and keeps the cursor."""

from __future__ import annotations

from textual.app import App, ComposeResult

from launch_tui.core.model import Severity, Status
from launch_tui.tui.views import CheckRow
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

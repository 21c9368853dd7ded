"""The full readiness view: the nine minimum-bar items, why each stands where it does, the verdict,
and the sprint clock with the time spent on each stage."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable

from launch_tui.core.bar_actions import Move, bar_blockers, decision_problem
from launch_tui.core.display import person_name
from launch_tui.core.readiness import BarItemState, compute_readiness
from launch_tui.core.sanitize import clean
from launch_tui.tui import commands
from launch_tui.tui.app_state import SessionChange
from launch_tui.tui.screens.base import LaunchScreen
from launch_tui.tui.text import BAR_STYLE, BAR_WORD, STAGE_GLYPH, bar_text, verdict_text
from launch_tui.tui.views import bar_label, clock_view, fmt_minutes, stage_lines
from launch_tui.tui.widgets.footer import KeyFooter
from launch_tui.tui.widgets.plain import Plain

#: How each kind of action is marked in the list of blockers.
MOVE_GLYPH = {Move.DECIDE: "✗", Move.RUN: "▶", Move.CONFIRM: "?", Move.EDIT: "✎"}


class ReadinessScreen(LaunchScreen):
    """Is this backend launch ready, and if not, what stands in the way."""

    SCOPE: ClassVar[str] = commands.READINESS
    BINDINGS = commands.bindings(commands.READINESS)

    def compose(self) -> ComposeResult:
        yield Plain("", id="readiness-title")
        yield DataTable[Text](id="bar-items", cursor_type="row")
        with VerticalScroll(id="bar-detail"):
            yield Plain("", id="bar-detail-text")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#bar-items", DataTable)
        table.add_column(Text(""), width=1, key="state")
        table.add_column(Text("Minimum bar", style="bold"), width=19, key="title")
        table.add_column(Text("State", style="bold"), width=13, key="word")
        table.add_column(Text("Why", style="bold"), key="reason")
        self.launch.session_changed.subscribe(self, self._on_session_changed)
        self._refresh()
        table.focus()

    def _on_session_changed(self, change: SessionChange) -> None:
        self._refresh()

    def _items(self) -> tuple[BarItemState, ...]:
        return compute_readiness(self.session, self.launch.playbook).items

    def _refresh(self) -> None:
        if self.launch.controller is None:
            return
        session = self.session
        readiness = compute_readiness(session, self.launch.playbook)
        clock = clock_view(session, self.launch.now())
        title = Text(" Launch readiness  ", style="bold")
        title.append_text(verdict_text(readiness.verdict))
        title.append(f"   sprint {clock.label}", style="dim")
        self.query_one("#readiness-title", Plain).show(title)
        table = self.query_one("#bar-items", DataTable)
        row = table.cursor_row
        table.clear()
        # The table spans the screen; the screen's width is known before the table is laid
        # out, so the first fill already fits (the table keeps column widths it has measured).
        width = table.size.width or self.size.width
        room = max(12, width - (1 + 19 + 13) - 2 * 4 - 2)
        for state in readiness.items:
            reason = Text(clean(state.reason, max_len=300), style="dim")
            reason.truncate(room, overflow="ellipsis")
            table.add_row(
                bar_text(state.state),
                Text(bar_label(state.item.id)),
                Text(BAR_WORD[state.state], style=BAR_STYLE[state.state]),
                reason,
                key=state.item.id,
            )
        if readiness.items:
            table.move_cursor(row=min(row, len(readiness.items) - 1), animate=False)
        self._show_item()

    def on_resize(self) -> None:
        self.call_after_refresh(self._refresh)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_item()

    def _show_item(self) -> None:
        items = self._items()
        table = self.query_one("#bar-items", DataTable)
        if not items:
            return
        state = items[min(table.cursor_row, len(items) - 1)]
        session = self.session
        text = Text()
        text.append_text(bar_text(state.state))
        text.append(f" {state.item.title}\n", style="bold")
        text.append(clean(state.reason, max_len=400))
        text.append("\n")
        text.append(f"Checks: {', '.join(state.item.checks)}", style="dim")
        if state.item.route_kinds:
            kinds = ", ".join(k.value for k in state.item.route_kinds)
            text.append(f" (on {kinds} routes)", style="dim")
        text.append("\n")
        blockers = bar_blockers(session, self.launch.playbook, self.launch.implemented_ids)
        if state.item.id in blockers:
            text.append("\nWhat blocks it now, and the one thing that moves it\n", style="bold")
            for blocker in blockers[state.item.id]:
                text.append(f"  {MOVE_GLYPH[blocker.move]} ", style="bold")
                text.append(clean(blocker.what, max_len=200))
                text.append("\n    → ", style="dim")
                text.append(clean(blocker.action, max_len=200), style="italic")
                text.append("\n")
        if state.accepted:
            text.append("\nAccepted as risks\n", style="bold yellow")
            for decision in state.accepting:
                due = f", due {decision.due.isoformat()}" if decision.due else ""
                owner = person_name(session, decision.owner)
                text.append(f"  ~ {clean(decision.text, max_len=200)} ({owner}{due})\n")
        useless = [
            (d, problem)
            for d in session.decisions
            if (problem := decision_problem(session, d)) is not None
            and any(d.check_id == c for c in state.item.checks)
        ]
        if useless:
            text.append("\nDecisions that do not count\n", style="bold")
            for decision, problem in useless:
                text.append(f"  ✗ {clean(decision.id, max_len=20)} on {decision.check_id}: ")
                text.append(clean(problem, max_len=200))
                text.append("\n")
        text.append("\nTime per stage\n", style="bold")
        for line in stage_lines(session, self.launch.playbook):
            text.append(
                f"  {STAGE_GLYPH[line.status]}{line.number} {line.title:<28} "
                f"{fmt_minutes(line.minutes):>6}   {line.checks_with_result}/{line.checks_total}"
                " checks\n"
            )
        self.query_one("#bar-detail-text", Plain).show(text)

    def action_close(self) -> None:
        self.app.pop_screen()

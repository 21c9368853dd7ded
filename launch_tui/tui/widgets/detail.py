"""The detail pane: one check on one target, with its evidence and what to do about it."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll

from launch_tui.core.display import fmt_ms
from launch_tui.tui.text import (
    ACTION_WORD,
    SEVERITY_STYLE,
    STATUS_GLYPH,
    STATUS_STYLE,
    STATUS_WORD,
)
from launch_tui.tui.views import DetailView
from launch_tui.tui.widgets.plain import Plain


def render_detail(view: DetailView | None, *, show_times: bool = True) -> Text:
    """The detail as literal text (never markup)."""
    if view is None:
        return Text("Select a check to see its evidence and remediation.", style="dim")
    out = Text()
    out.append(f"{STATUS_GLYPH[view.status]} ", style=STATUS_STYLE[view.status])
    out.append(view.title, style="bold")
    out.append("\n")
    out.append(view.check_id, style="dim")
    if view.target:
        out.append(" on ", style="dim")
        out.append(view.target)
    out.append("  ")
    out.append(view.severity.value, style=SEVERITY_STYLE[view.severity])
    out.append("  ")
    out.append(STATUS_WORD[view.status], style=STATUS_STYLE[view.status])
    if view.previous_status is not None and view.previous_status != view.status:
        out.append(f" (was {STATUS_WORD[view.previous_status]})", style="dim")
    if show_times and view.measured_at is not None:
        out.append(f"  {_when(view.measured_at)}", style="dim")
        if view.duration_ms and not view.manual:
            out.append(f" in {fmt_ms(view.duration_ms)}", style="dim")
    if view.owner:
        out.append(f"  owner {view.owner}", style="dim")
    out.append("\n")
    if view.summary:
        out.append("\n")
        out.append(view.summary)
        out.append("\n")
    _section(out, "Why it matters", view.why)
    if view.manual or (view.status is None and view.closing.startswith("Press m")):
        _section(out, "What to look at", view.look_at)
    if view.closing:
        out.append("\n")
        out.append(view.closing, style="bold")
        out.append("\n")
    _section(out, "Remediation", view.fix)
    if view.evidence:
        out.append("\nEvidence\n", style="bold")
        width = min(24, max(len(k) for k, _ in view.evidence))
        for key, value in view.evidence:
            out.append(f"  {key:<{width}}  ", style="dim")
            out.append(value)
            out.append("\n")
    if view.decisions:
        out.append("\nDecisions\n", style="bold")
        for line in view.decisions:
            out.append(f"  {line.id} ", style="dim")
            out.append(ACTION_WORD[line.action], style="bold")
            out.append(f" ({line.scope})", style="dim")
            out.append(f": {line.text}")
            extra = []
            if line.owner:
                extra.append(f"owner {line.owner}")
            if line.due:
                extra.append(f"due {line.due.isoformat()}")
            if extra:
                out.append(f" — {', '.join(extra)}", style="dim")
            out.append("\n")
    return out


def _section(out: Text, title: str, body: str) -> None:
    if not body:
        return
    out.append(f"\n{title}\n", style="bold")
    out.append(body)
    out.append("\n")


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


class DetailPane(VerticalScroll):
    """Scrollable detail of the selected row."""

    can_focus = True

    def compose(self) -> ComposeResult:
        yield Plain("", id="detail-text")

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: DetailView | None = None

    def show_detail(self, view: DetailView | None, *, show_times: bool = True) -> None:
        """Show ``view``; the scroll position is kept while the same row is refreshed."""
        if view == self._shown and view is not None:
            return
        other_row = self._shown is None or view is None or self._shown.key != view.key
        self._shown = view
        self.query_one("#detail-text", Plain).show(render_detail(view, show_times=show_times))
        if other_row:
            self.scroll_home(animate=False)

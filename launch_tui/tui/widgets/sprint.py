"""The sprint overview that is always on screen: title bar, and a sidebar or a one-line strip.

Wide terminals get :class:`SprintSidebar` (clock, time per stage, the nine minimum-bar items);
at 80 columns the screen shows :class:`SprintStrip` instead, the same facts in one line of glyphs.
The stylesheet picks one by the screen's breakpoint class (``-wide`` / ``-narrow``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical

from launch_tui.core.model import Session
from launch_tui.core.playbook import Playbook
from launch_tui.core.readiness import BarState, Readiness, compute_readiness
from launch_tui.core.sanitize import clean
from launch_tui.tui.messages import PartReady
from launch_tui.tui.text import BAR_GLYPH, BAR_STYLE, STAGE_GLYPH, verdict_text
from launch_tui.tui.views import (
    ClockView,
    StageLine,
    bar_label,
    clock_view,
    fmt_minutes,
    short_stage_title,
    stage_lines,
)
from launch_tui.tui.widgets.plain import Plain

#: Width of the sidebar on wide terminals (``#sidebar`` in app.tcss).
SIDEBAR_COLUMNS = 30


@dataclass(frozen=True)
class SprintView:
    """Everything the overview widgets show, computed once per change."""

    client: str
    product: str
    clock: ClockView
    stages: tuple[StageLine, ...]
    readiness: Readiness
    current: str
    """The stage on screen (``""`` on overlays without one)."""


def sprint_view(session: Session, playbook: Playbook, now: datetime, current: str) -> SprintView:
    return SprintView(
        client=clean(session.sprint.client, max_len=60),
        product=clean(session.sprint.product, max_len=60),
        clock=clock_view(session, now),
        stages=stage_lines(session, playbook),
        readiness=compute_readiness(session, playbook),
        current=current,
    )


def bar(fraction: float, width: int) -> Text:
    """A text progress bar, ``███░░░``."""
    width = max(1, width)
    filled = round(fraction * width)
    return Text("█" * filled, style="bold") + Text("░" * (width - filled), style="dim")


def clock_text(view: SprintView, compact: bool = False) -> Text:
    clock = view.clock
    style = "bold red" if clock.overdue else "bold"
    if compact:
        return Text(f"{clock.elapsed.replace(' ', '')}/{clock.deadline_hours}h", style=style)
    return Text("Sprint ", style="dim") + Text(clock.label, style=style)


class TitleBar(Plain):
    """One line: the client and the stage on screen, with the time spent there."""

    def __init__(self, content: str = "", *, id: str | None = None) -> None:
        super().__init__(content, id=id)
        self._line = Text()

    def show_view(self, view: SprintView, heading: str) -> None:
        line = Text(" ")
        line.append(view.client or "(no client)", style="bold")
        if view.product:
            line.append(f" — {view.product}", style="dim")
        if heading:
            line.append("  │  ", style="dim")
            line.append(clean(heading))
        current = next((s for s in view.stages if s.id == view.current), None)
        if current is not None and current.minutes:
            line.append(f" · {fmt_minutes(current.minutes)} spent", style="dim")
        self._line = line
        self._fit()

    def _fit(self) -> None:
        line = self._line.copy()
        line.truncate(max(1, self.size.width or 200), overflow="ellipsis")
        self.show(line)

    def on_resize(self, event: events.Resize) -> None:
        # The line may have been made before the bar had a width: cut it again to fit.
        self._fit()


class SprintStrip(Plain):
    """The overview in one line for narrow terminals: clock, stages, bar items, verdict."""

    def show_view(self, view: SprintView) -> None:
        line = Text(" ")
        line.append_text(clock_text(view, compact=True))
        line.append(" ")
        line.append_text(bar(view.clock.fraction, 6))
        line.append("  Stages ", style="dim")
        for stage in view.stages:
            glyph = STAGE_GLYPH[stage.status].strip() or "○"
            style = "reverse" if stage.id == view.current else ""
            line.append(glyph if stage.id != view.current else str(stage.number), style=style)
        met = view.readiness.count(BarState.MET) + view.readiness.count(BarState.ACCEPTED)
        line.append(f"  Bar {met}/{len(view.readiness.items)} ", style="dim")
        for item in view.readiness.items:
            line.append(BAR_GLYPH[item.state], style=BAR_STYLE[item.state])
        line.append("  ")
        line.append_text(verdict_text(view.readiness.verdict))
        self.show(line)


class StageLink(Plain):
    """One stage in the sidebar; clicking it opens the stage."""

    def __init__(self, number: int) -> None:
        super().__init__("", classes="stage-link")
        self.number = number

    async def on_click(self, event: events.Click) -> None:
        event.stop()
        await self.app.run_action(f"goto_stage({self.number})", self.screen)


class BarList(Plain):
    """The nine minimum-bar items; clicking opens the readiness view."""

    async def on_click(self, event: events.Click) -> None:
        event.stop()
        await self.app.run_action("app.show_readiness")


class SprintSidebar(Vertical):
    """Clock, stages with time spent, minimum bar and verdict, for wide terminals."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._view: SprintView | None = None

    def compose(self) -> ComposeResult:
        yield Plain("", id="sidebar-clock")
        yield Plain("", id="sidebar-bar")
        yield Plain(Text("Stages", style="bold"), classes="sidebar-title")
        for number in range(1, 8):
            yield StageLink(number)
        yield Plain("", id="sidebar-bar-title", classes="sidebar-title")
        yield BarList("", id="sidebar-items")
        yield Plain("", id="sidebar-verdict")

    def on_mount(self) -> None:
        self.post_message(PartReady())

    def on_resize(self, event: events.Resize) -> None:
        # Lines are fitted to the width, which may not have been known when they were made.
        if self._view is not None:
            self.show_view(self._view)

    def show_view(self, view: SprintView) -> None:
        self._view = view
        # One column of air before the border (27 columns inside the sidebar's padding).
        width = max(10, (self.size.width or 27) - 1)
        self.query_one("#sidebar-clock", Plain).show(clock_text(view))
        self.query_one("#sidebar-bar", Plain).show(bar(view.clock.fraction, width))
        for link, stage in zip(self.query(StageLink), view.stages, strict=False):
            link.show(_stage_line(stage, width, stage.id == view.current))
        met = view.readiness.count(BarState.MET) + view.readiness.count(BarState.ACCEPTED)
        self.query_one("#sidebar-bar-title", Plain).show(
            Text(f"Minimum bar {met}/{len(view.readiness.items)}", style="bold")
        )
        items = Text()
        for index, item in enumerate(view.readiness.items):
            if index:
                items.append("\n")
            items.append(BAR_GLYPH[item.state], style=BAR_STYLE[item.state])
            items.append(" " + bar_label(item.item.id)[: width - 2])
        self.query_one("#sidebar-items", BarList).show(items)
        self.query_one("#sidebar-verdict", Plain).show(verdict_text(view.readiness.verdict))


def _stage_line(stage: StageLine, width: int, current: bool) -> Text:
    glyph = STAGE_GLYPH[stage.status]
    minutes = fmt_minutes(stage.minutes) if stage.minutes else ""
    title = short_stage_title(stage.title)
    room = width - len(minutes) - 4
    if len(title) > room:
        title = title[: max(1, room - 1)] + "…"
    line = Text(f"{glyph}{stage.number} {title}".ljust(width - len(minutes)) + minutes)
    if stage.checks_failing:
        line.stylize("red", 0, 1)
    if current:
        line.stylize("reverse")
    return line

"""The live monitor dashboard (stage 6): the session's monitored routes probed from the app.

A :class:`~launch_tui.checks.monitor.live.MonitorLoop` runs in an async worker (HTTP is async,
so the event loop only ever does bookkeeping); the table and the chart are refreshed from its
figures twice a second, never per probe. Per route: uptime and error rate, p50/p95/p99 over the
sliding window, the last answer; the chart shows the selected route's recent probes against its
p95 budget. Closing the screen stops the loop and hands its bounded summary to
:attr:`MonitorScreen.on_summary` (the app stores it in the session).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult

from launch_tui.checks.monitor.live import MonitorLoop, ProbeFunc, WindowStats, http_probe
from launch_tui.checks.monitor.plan import monitor_plan
from launch_tui.core.errors import LaunchError
from launch_tui.core.model import JSONValue
from launch_tui.core.monitor_plan import Monitor
from launch_tui.core.sanitize import clean
from launch_tui.tui import commands
from launch_tui.tui.screens.base import LaunchScreen
from launch_tui.tui.widgets.footer import KeyFooter
from launch_tui.tui.widgets.latency_chart import LatencyChart
from launch_tui.tui.widgets.plain import Plain
from launch_tui.tui.workers import open_services

REFRESH_S = 0.5
#: Columns of the route table: title, width (the route column takes what is left).
COLUMNS: tuple[tuple[str, int], ...] = (
    ("Route", 0),
    ("", 5),
    ("Uptime", 8),
    ("p50", 7),
    ("p95", 7),
    ("p99", 7),
    ("Budget", 7),
    ("Errors", 7),
    ("n", 6),
)


def _ms(value: float | None) -> Text:
    return Text("—" if value is None else f"{value:.0f}", justify="right")


def stats_cells(stats: WindowStats, budget_ms: int) -> tuple[Text, ...]:
    """The table cells of one route (pure, for tests)."""
    up = stats.uptime_pct
    rate = stats.error_rate
    state = Text("…", style="dim")
    if stats.last_ok is not None:
        state = Text("up", style="green") if stats.last_ok else Text("DOWN", style="bold red")
    p95 = _ms(stats.p95_ms)
    if stats.p95_ms is not None and stats.p95_ms > budget_ms:
        p95.stylize("bold red")
    return (
        state,
        Text("—" if up is None else f"{up:.1f}%", justify="right"),
        _ms(stats.p50_ms),
        p95,
        _ms(stats.p99_ms),
        Text(f"{budget_ms}", justify="right", style="dim"),
        Text("—" if rate is None else f"{rate * 100:.1f}%", justify="right"),
        Text(str(stats.samples), justify="right", style="dim"),
    )


def table_text(rows: list[tuple[Text, ...]], selected: int, width: int) -> Text:
    """The route table as one text (a DataTable re-renders every cell on each update: about
    150 ms a refresh for 20 routes, which the event loop cannot afford twice a second)."""
    fixed = sum(w for _, w in COLUMNS[1:])
    widths = [max(10, width - fixed - 1), *(w for _, w in COLUMNS[1:])]

    def line(cells: tuple[Text, ...], style: str = "") -> Text:
        out = Text(style=style)
        for cell, w in zip(cells, widths, strict=True):
            piece = cell.copy()
            piece.truncate(w - 1, overflow="ellipsis")
            if piece.justify == "right":
                piece.pad_left(w - 1 - piece.cell_len)
            piece.pad_right(w - piece.cell_len)
            out.append_text(piece)
        return out

    header = line(tuple(Text(t, style="bold") for t, _ in COLUMNS))
    body = [line(r, "reverse" if i == selected else "") for i, r in enumerate(rows)]
    return Text("\n").join([header, *body])


class MonitorScreen(LaunchScreen):
    """Synthetic monitors over the session's routes, live."""

    SCOPE: ClassVar[str] = commands.MONITOR
    BINDINGS = commands.bindings(commands.MONITOR)

    def __init__(
        self,
        *,
        interval_s: float = 5.0,
        window_s: float = 300.0,
        probe: ProbeFunc | None = None,
        on_summary: Callable[[dict[str, JSONValue]], None] | None = None,
    ) -> None:
        super().__init__()
        self.interval_s = interval_s
        self.window_s = window_s
        self._probe = probe
        self.on_summary = on_summary
        self.loop: MonitorLoop | None = None
        self._stop = asyncio.Event()
        self._monitors: tuple[Monitor, ...] = ()
        self.selected = 0
        """Index of the route whose chart is shown."""

    def compose(self) -> ComposeResult:
        yield Plain("", id="monitor-title")
        yield Plain("", id="monitor-routes")
        yield Plain("", id="monitor-chart-title")
        yield LatencyChart(id="monitor-chart")
        yield KeyFooter()

    def on_mount(self) -> None:
        try:
            self._monitors = monitor_plan(self.session)
        except LaunchError as exc:
            self.query_one("#monitor-title", Plain).show(Text(exc.message, style="bold red"))
            return
        self.query_one("#monitor-title", Plain).show(
            Text(
                f" Live monitors: {len(self._monitors)} route(s) every {self.interval_s:g} s, "
                f"figures over the last {self.window_s:g} s",
                style="bold",
            )
        )
        self.run_worker(self._run(), exclusive=True, group="monitor", name="monitor-loop")
        self.set_interval(REFRESH_S, self.refresh_figures)
        self.refresh_figures()

    async def _run(self) -> None:
        if self._probe is not None:
            await self._loop(self._probe).run(self._stop)
            return
        async with open_services(self.launch.services_factory, self.session) as services:
            assert services.http is not None
            await self._loop(http_probe(services.http, services.deadline_s)).run(self._stop)

    def _loop(self, probe: ProbeFunc) -> MonitorLoop:
        self.loop = MonitorLoop(
            self._monitors, probe, interval_s=self.interval_s, window_s=self.window_s
        )
        return self.loop

    def refresh_figures(self) -> None:
        if not self._monitors:
            return
        loop = self.loop
        stats = {s.route: s for s in loop.stats()} if loop is not None else {}
        rows = []
        for m in self._monitors:
            figures = stats.get(m.route)
            cells = (
                stats_cells(figures, m.budget_ms)
                if figures is not None
                else (Text("…", style="dim"), *(Text("") for _ in range(7)))
            )
            rows.append((Text(clean(m.route, max_len=60)), *cells))
        self.selected = min(max(self.selected, 0), len(self._monitors) - 1)
        width = self.size.width or 100
        self.query_one("#monitor-routes", Plain).show(table_text(rows, self.selected, width))
        if loop is None:
            return
        chosen = self._monitors[self.selected]
        track = loop.tracks[chosen.route]
        values = [s.latency_ms if s.ok else None for s in track.window]
        self.query_one("#monitor-chart", LatencyChart).show(values, chosen.budget_ms)
        self.query_one("#monitor-chart-title", Plain).show(
            Text.assemble(
                (f" {clean(chosen.route, max_len=40)} ", "bold"),
                (f"latency per probe, ms; the line is the {chosen.budget_ms} ms p95 budget", "dim"),
            )
        )

    def action_cursor_up(self) -> None:
        self.selected = max(0, self.selected - 1)
        self.refresh_figures()

    def action_cursor_down(self) -> None:
        self.selected = min(len(self._monitors) - 1, self.selected + 1)
        self.refresh_figures()

    async def stop_monitoring(self) -> dict[str, JSONValue] | None:
        """Stop the loop, wait for probes in flight, and return its summary."""
        self._stop.set()
        await self.workers.wait_for_complete()
        if self.loop is None or self.loop.started is None:
            return None
        return self.loop.summary()

    async def action_close(self) -> None:
        summary = await self.stop_monitoring()
        if summary is not None and self.on_summary is not None:
            self.on_summary(summary)
        self.dismiss()

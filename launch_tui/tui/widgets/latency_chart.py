"""A latency chart: one column per probe, the route's budget drawn as a line across it.

Columns are block characters scaled to the larger of the slowest probe and 1.5 x the budget,
so the budget line always sits inside the chart; a failed probe is a red ``×`` at the bottom.
Rendering is pure (:func:`chart_lines`), so tests can read the chart without a terminal.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widget import Widget

_BLOCKS = " ▁▂▃▄▅▆▇█"


def chart_lines(
    values: Sequence[float | None], budget_ms: float, width: int, height: int
) -> list[Text]:
    """``height`` lines of ``width`` cells; ``None`` values are failed probes."""
    width = max(1, width)
    height = max(2, height)
    shown = list(values)[-width:]
    peak = max([v for v in shown if v is not None] + [budget_ms * 1.5, 1.0])
    per_row = peak / height
    budget_row = min(height - 1, int(budget_ms / per_row)) if budget_ms > 0 else -1
    lines: list[Text] = []
    for row in range(height - 1, -1, -1):
        lo = row * per_row
        line = Text()
        for value in shown:
            if value is None:
                line.append("×" if row == 0 else " ", style="bold red")
                continue
            if value >= lo + per_row:
                cell = "█"
            elif value > lo:
                cell = _BLOCKS[max(1, int((value - lo) / per_row * 8))]
            else:
                cell = ""
            over = value > budget_ms
            if cell:
                line.append(cell, style="red" if over else "green")
            elif row == budget_row:
                line.append("─", style="yellow")
            else:
                line.append(" ")
        pad = width - len(shown)
        if pad > 0:
            line.append(("─" if row == budget_row else " ") * pad, style="yellow")
        lines.append(line)
    return lines


class LatencyChart(Widget):
    """Shows :func:`chart_lines` for the latest values; call :meth:`show` to update."""

    DEFAULT_CSS = """
    LatencyChart {
        height: 8;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._values: list[float | None] = []
        self._budget = 500.0

    def show(self, values: Sequence[float | None], budget_ms: float) -> None:
        self._values = list(values)
        self._budget = budget_ms
        self.refresh()

    def render(self) -> Text:
        lines = chart_lines(self._values, self._budget, self.size.width, self.size.height)
        return Text("\n").join(lines)

"""A stage's deliverable as it stands: titled tables, and latency sparklines per route."""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Sparkline

from launch_tui.tui.deliverables import Cell, DeliverableView, SeriesView, TableView
from launch_tui.tui.messages import PartReady
from launch_tui.tui.text import STATUS_STYLE
from launch_tui.tui.widgets.plain import Plain


def render_table(view: TableView, width: int) -> RenderableType:
    """A :class:`TableView` fitted to ``width`` columns, all cells literal ``Text``.

    When every column fits at its natural width, a plain table. Otherwise each row becomes a
    first line of its ``head`` columns and an indented line of ``label value`` pairs that wraps:
    at 80 columns a domain map stays readable instead of folding hostnames mid-word.
    """
    natural = [
        max([len(column), *(len(row[i].text) for row in view.rows)]) + 2
        for i, column in enumerate(view.columns)
    ]
    if sum(natural) <= width or len(view.columns) <= view.head:
        return _grid(view)
    parts: list[RenderableType] = []
    for row in view.rows:
        first = Text()
        for index, cell in enumerate(row[: view.head]):
            if index:
                first.append("  ")
            first.append(cell.text, style=_style(cell, bold=index == 0))
        parts.append(first)
        rest = Text()
        for index, (column, cell) in enumerate(
            zip(view.columns[view.head :], row[view.head :], strict=True)
        ):
            if index:
                rest.append(" · ", style="dim")
            rest.append(f"{column} ", style="dim")
            rest.append(cell.text, style=_style(cell))
        # A hanging indent keeps the wrapped details under their row.
        parts.append(Padding(rest, (0, 0, 0, 4)))
    return Group(*parts)


def _style(cell: Cell, bold: bool = False) -> str:
    style = STATUS_STYLE[cell.status] if cell.status else ""
    return f"{style} bold".strip() if bold else style


def _grid(view: TableView) -> Table:
    table = Table(
        box=box.SIMPLE_HEAD, expand=False, show_edge=False, pad_edge=False, header_style="bold"
    )
    for column in view.columns:
        table.add_column(Text(column), overflow="fold")
    for row in view.rows:
        table.add_row(*(Text(cell.text, style=_style(cell)) for cell in row))
    return table


class ViewTable(Plain):
    """A read-only table of a :class:`TableView`, re-laid out when its width changes."""

    def __init__(self, view: TableView) -> None:
        super().__init__(classes="view-table")
        self.view = view
        self._width = 0

    def on_mount(self) -> None:
        self.show_table(self.view)

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._width:
            self.show_table(self.view)

    def show_table(self, view: TableView) -> None:
        self.view = view
        self._width = self.size.width or 120
        self.update(render_table(view, self._width))


class SeriesRow(Horizontal):
    """One route's latency samples as a sparkline with its label and caption."""

    def __init__(self, series: SeriesView) -> None:
        super().__init__(classes="series-row")
        self.series = series

    def compose(self) -> ComposeResult:
        yield Plain(Text(self.series.label, style="bold"), classes="series-label")
        yield Sparkline(list(self.series.values), classes="series-spark")
        yield Plain(Text(self.series.caption, style="dim"), classes="series-caption")


class DeliverablePane(VerticalScroll):
    """The deliverable of one stage; rebuilt when the session changes."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._view: DeliverableView | None = None

    def on_mount(self) -> None:
        self.post_message(PartReady())

    async def show_view(self, view: DeliverableView) -> None:
        if view == self._view:
            return
        same_shape = (
            self._view is not None
            and _shape(self._view) == _shape(view)
            and self._view.series == view.series
        )
        self._view = view
        if same_shape:
            shown = [t for t in view.tables if t.rows]
            for table, table_view in zip(self.query(ViewTable), shown, strict=True):
                table.show_table(table_view)
            return
        await self.remove_children()
        widgets: list[Plain | ViewTable | SeriesRow] = [
            Plain(Text(view.name, style="bold"), classes="deliverable-title"),
            Plain(Text(view.description, style="dim"), classes="deliverable-description"),
        ]
        for index, table_view in enumerate(view.tables):
            # The first table often is the deliverable itself (the domain map): no second title.
            if index or table_view.title != view.name:
                widgets.append(Plain(Text(table_view.title, style="bold"), classes="table-title"))
            if table_view.rows:
                widgets.append(ViewTable(table_view))
            else:
                widgets.append(
                    Plain(Text(table_view.empty, style="dim italic"), classes="table-empty")
                )
        if view.series:
            widgets.append(Plain(Text("Latency by route", style="bold"), classes="table-title"))
            widgets.extend(SeriesRow(series) for series in view.series)
        await self.mount_all(widgets)


def _shape(view: DeliverableView) -> list[tuple[str, tuple[str, ...], bool]]:
    """What decides the widgets: table titles, columns, and whether each has rows."""
    return [(t.title, t.columns, bool(t.rows)) for t in view.tables]

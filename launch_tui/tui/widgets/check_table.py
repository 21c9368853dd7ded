"""A stage's checks as a table that fills in live while a run goes on.

Columns: status glyph, check id, target, summary, duration and a ``Δ`` marker for results whose
status changed since the previous run. Widths follow the widget's width so that the summary keeps
what room is left (at 80 columns the duration moves to the detail pane). Every cell is a literal
``Text``: a target such as ``[::1]`` or a summary quoting ``[@click=app.quit]`` is shown as is.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.cache import LRUCache
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowDoesNotExist

from launch_tui.core.display import fmt_ms
from launch_tui.core.model import Action, Status
from launch_tui.tui.edits import parse_row_key
from launch_tui.tui.text import STATUS_STYLE, status_cell
from launch_tui.tui.views import CheckRow

_DECISION_MARK = {Action.FIX: "F", Action.ACCEPT_RISK: "A", Action.DEFER: "D"}


def _content_widths(rows: Sequence[CheckRow]) -> tuple[int, int]:
    """The longest check id and shown target of ``rows`` (``(session)``/``—`` included)."""
    if not rows:
        return (24, 26)
    check = max(len(r.check_id) for r in rows)
    target = max(len(r.target) if r.target else 9 for r in rows)
    return (check, target)


def _shown(value: Text) -> tuple[object, ...]:
    """What a cell shows: equal for two ``Text`` values that render the same."""
    return (
        value.plain,
        value.style,
        tuple(value.spans),
        value.justify,
        value.overflow,
        value.no_wrap,
    )


class _CellLines:
    """One rendered cell, as drawn at each row and column it was shown at."""

    __slots__ = ("at",)

    def __init__(self, row: int, column: int, lines: list[list[Segment]]) -> None:
        self.at = {(row, column): lines}

    def drawn_at(self, row: int, column: int) -> list[list[Segment]]:
        """The cell's lines with the row and column that mouse clicks on it report."""
        lines = self.at.get((row, column))
        if lines is None:
            where = Style.from_meta({"row": row, "column": column})
            lines = [
                [
                    Segment(text, (style + where) if style else where, control)
                    for text, style, control in line
                ]
                for line in next(iter(self.at.values()))
            ]
            if len(self.at) >= 64:  # a status glyph is on many rows; keep the last few
                self.at.clear()
            self.at[(row, column)] = lines
        return lines


class CheckTable(DataTable[Text]):
    """The check table of one stage; rows are keyed ``check_id:target``."""

    def __init__(self, *, id: str | None = None, width_hint: int = 80) -> None:
        """``width_hint``: the width the table is expected to get; its columns are sized for it
        before the first layout (and again on a resize to another width)."""
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, cell_padding=1)
        self._rows: tuple[CheckRow, ...] = ()
        self._column_widths: tuple[int, ...] = ()
        self._width_hint = width_hint
        self._content: tuple[int, int] = (24, 26)
        """Length of the longest check id and target among the rows."""
        self.filter_note = ""
        """The filter the rows went through (``failing``...), named in the header; ``""``
        for all rows."""
        self._marked: set[str] = set()
        """Keys of the rows marked (space) for one decision about several rows."""
        self._cell_lines: LRUCache[tuple[object, ...], _CellLines] = LRUCache(4096)
        """Rendered data cells by what they show (see :meth:`_render_cell`)."""
        self._row_lines: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
        """Rendered table lines by the row they show (see :meth:`_render_line`)."""

    def _clear_caches(self) -> None:
        super()._clear_caches()
        self._cell_lines.clear()
        self._row_lines.clear()

    def notify_style_update(self) -> None:
        self._cell_lines.clear()
        self._row_lines.clear()
        super().notify_style_update()

    def _render_line(self, y: int, x1: int, x2: int, base_style: Style) -> Strip:
        """A line of a data row, rendered again only when that row or its place changed.

        DataTable keys its line cache on a count bumped by any change to the table; here the
        key is what the line shows: the row's cell values, its index (mouse clicks report
        it), whether the cursor or the mouse is on it, the widths and the styles.
        """
        try:
            row_key, line_no = self._get_offsets(y)
        except LookupError:
            return super()._render_line(y, x1, x2, base_style)
        cells = self._data.get(row_key)
        if cells is None or self.cursor_type != "row" or row_key is self._header_row_key:
            return super()._render_line(y, x1, x2, base_style)
        row_index = self._row_locations.get(row_key)
        key = (
            row_index,
            line_no,
            tuple(_shown(value) for value in cells.values()),
            tuple(column.get_render_width(self) for column in self.ordered_columns),
            x1,
            x2,
            self.size.width,
            base_style,
            self.show_cursor,
            self.cursor_coordinate.row == row_index,
            self._show_hover_cursor and self.hover_coordinate.row == row_index,
            self._pseudo_class_state,
        )
        strip = self._row_lines.get(key)
        if strip is None:
            strip = super()._render_line(y, x1, x2, base_style)
            self._row_lines[key] = strip
        return strip

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        """A data cell rendered once for what it shows, not once per change to the table.

        DataTable keys its cell cache on a count bumped by any change, so one new result
        renders every visible cell again (~30 ms for a screenful during a run). Here a cell is
        rendered once for what it shows (text and styles), its width, styles, cursor and
        hover, and reused wherever the same is shown: after a change elsewhere, on a row that
        moved (rows are sorted by status as results come in) or on another row (status glyphs,
        a check id on each of its targets). Only the row and column its mouse clicks report
        are put right for the place it is drawn at.
        """
        row_key = self._row_locations.get_key(row_index) if row_index >= 0 else None
        column_key = self._column_locations.get_key(column_index)
        datum = self._data.get(row_key, {}).get(column_key) if row_key and column_key else None
        if datum is None:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        key = (
            _shown(datum),
            width,
            base_style,
            cursor and self.show_cursor,  # the cursor style is drawn only then
            hover and self.show_cursor and self._show_hover_cursor,  # the hover style too
            self.cursor_foreground_priority,
            self.cursor_background_priority,
            self._pseudo_class_state,
        )
        cached = self._cell_lines.get(key)
        if cached is None:
            lines = self._draw_cell(
                datum, row_index, column_index, base_style, width, cursor, hover
            )
            self._cell_lines[key] = _CellLines(row_index, column_index, lines)
            return lines
        return cached.drawn_at(row_index, column_index)

    def _draw_cell(
        self,
        value: Text,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool,
        hover: bool,
    ) -> list[list[Segment]]:
        """One line of one cell, drawn as DataTable draws it, without Rich's layout machinery.

        DataTable renders each cell through ``Styled(Padding(text))`` and the console's line
        splitter: about 0.1 ms a cell, 0.3 ms with the checks busy on both cores, which is
        most of a repaint when a burst of results changes every visible row. A cell here is
        one line of text that fits (the table truncates it to its column): the same
        segments are built directly, padding, text, fill and padding, with the same styles
        (tests compare both). Anything else goes the library's way.
        """
        padding = self.cell_padding
        plain = value.plain
        room = width - 2 * padding
        length = cell_len(plain)
        row_key = self._row_locations.get_key(row_index)
        if (
            row_key is None
            or self.rows[row_key].height != 1
            or "\n" in plain
            or "\t" in plain
            or value.justify not in (None, "default", "left")
            or length > room
        ):
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        component, post = self._get_styles_to_render_cell(
            False,
            False,
            False,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        where = Style.from_meta({"row": row_index, "column": column_index})
        pre = base_style + where + component
        console = self.app.console
        blank = Style.null()
        if value.spans:  # the text's own style first, then its spans'
            body = list(value.render(console, end=""))
        else:
            body = [Segment(plain, console.get_style(value.style, default=blank))] if plain else []
        segments = [
            Segment(" " * padding, blank),
            *body,
            Segment(" " * (room - length + padding), blank),
        ]
        return [list(Segment.apply_style(segments, pre, post))]

    def on_mount(self) -> None:
        self._build_columns(self.size.width or self._width_hint)

    def on_resize(self, event: events.Resize) -> None:
        widths = self._widths(event.size.width)
        if widths != self._column_widths:
            selected = self.selected_key
            self._build_columns(event.size.width)
            self._fill(self._rows)
            if selected:
                self.select_key(selected)
        elif self.row_count:
            self._show_fold()
            # A row selected before the table had a size (a session reopened on its row) is
            # scrolled into view as soon as the size is known, not after the screen settles.
            self.move_cursor(row=self.cursor_row, animate=False, scroll=True)

    @property
    def selected_key(self) -> str:
        """Key of the row under the cursor (``""`` when the table is empty)."""
        if not self.row_count:
            return ""
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:  # cursor beyond the rows while they are being replaced
            return ""
        return str(key.value or "")

    def select_key(self, key: str) -> bool:
        """Move the cursor to the row ``key``; False when there is none."""
        try:
            index = self.get_row_index(key)
        except RowDoesNotExist:
            return False
        self.move_cursor(row=index, animate=False, scroll=True)
        return True

    def row_statuses(self) -> list[Status | None]:
        """The status of each row, in table order."""
        by_key = {r.key: r.status for r in self._rows}
        return [by_key.get(str(row.key.value)) for row in self.ordered_rows]

    def marked_keys(self) -> list[str]:
        """The marked rows' keys, in table order (rows that went away are forgotten)."""
        order = [r.key for r in self._rows]
        self._marked &= set(order)
        return [key for key in order if key in self._marked]

    def toggle_mark(self) -> None:
        """Mark the row under the cursor (or unmark it), then move to the next row."""
        key = self.selected_key
        if not key:
            return
        self._marked ^= {key}
        self._refresh_marks(key)
        if self.cursor_row + 1 < self.row_count:
            self.move_cursor(row=self.cursor_row + 1, animate=False, scroll=True)

    def clear_marks(self) -> None:
        marked, self._marked = self._marked, set()
        for key in marked:
            self._refresh_marks(key)

    def _refresh_marks(self, key: str) -> None:
        row = next((r for r in self._rows if r.key == key), None)
        if row is not None:
            self.update_cell(key, "Δ", self._cells(row)[-1])

    def show_rows(self, rows: Sequence[CheckRow]) -> None:
        """Show ``rows``, changing only what differs from the rows on screen.

        Cells of rows that changed are updated in place, rows that appeared are added and rows
        that went are removed, then the order is put right. Rebuilding the table instead makes
        it measure every cell again, which during a check run blocked the screen for tens of
        milliseconds per batch of results. The cursor stays on its row; when that row is gone
        (a check's "not run yet" row replaced by its results) it goes to the first row of the
        same check.
        """
        rows = tuple(rows)
        keys = [r.key for r in rows]
        content = _content_widths(rows)
        if content != self._content:
            # Longer ids or targets arrived: the columns are sized again for them.
            self._content = content
            if self._column_widths and self._widths(self.size.width or self._width_hint) != (
                self._column_widths
            ):
                selected = self.selected_key
                self._rows = rows
                self._build_columns(self.size.width or self._width_hint)
                self._fill(rows)
                if not (selected and self.select_key(selected)) and self.row_count:
                    self.move_cursor(row=0, animate=False)
                return
        if not self.row_count or len(set(keys)) != len(keys):
            self._rows = rows
            self._fill(rows)
            if self.row_count:
                self.move_cursor(row=0, animate=False)
            return
        selected = self.selected_key
        index = self.cursor_row
        old = {r.key: r for r in self._rows}
        wanted = set(keys)
        for key in old:
            if key not in wanted:
                self.remove_row(key)
        for row in rows:
            before = old.get(row.key)
            if before is None:
                self.add_row(*self._cells(row), key=row.key)
            elif before != row:
                for column, cell in zip(self.columns, self._cells(row), strict=True):
                    self.update_cell(row.key, column, cell)
        self._rows = rows
        if [r.key.value for r in self.ordered_rows] != keys:
            self._put_in_order(keys)
        self._restore_cursor(selected, index)
        self._show_fold()

    def _put_in_order(self, keys: Sequence[str]) -> None:
        """Order the rows as ``keys`` (rows are added at the end; sorting moves them)."""
        # sort() hands the key function a row's cells; the first cell object of each row
        # identifies it.
        position = {id(self.get_row(key)[0]): i for i, key in enumerate(keys)}
        self.sort(key=lambda cells: position[id(cells[0])])

    def _restore_cursor(self, selected: str, index: int) -> None:
        if not selected or self.selected_key == selected:
            return
        if self.select_key(selected):
            return
        check_id, _ = parse_row_key(selected)
        same_check = next((r.key for r in self._rows if r.check_id == check_id), None)
        if same_check is None or not self.select_key(same_check):
            self.move_cursor(row=min(index, self.row_count - 1), animate=False)

    def _widths(self, width: int) -> tuple[int, ...]:
        """Column widths (glyph, check, target, summary[, time], Δ) for a table ``width`` wide.

        The check and target columns are as wide as their longest entry up to a cap that
        grows with the width; the summary gets all the rest.
        """
        usable = max(40, width - 2)  # the vertical scrollbar
        longest_check, longest_target = self._content
        if usable >= 110:
            caps, time = (28, 28), 7
        elif usable >= 84:
            caps, time = (22, 24), 0
        elif usable >= 70:
            caps, time = (18, 22), 0
        else:
            caps, time = (16, 16), 0
        check = max(8, min(caps[0], longest_check))
        target = max(9, min(caps[1], longest_target))
        if time:
            padding = 2 * 6
            summary = usable - padding - (1 + check + target + time + 2)
            return (1, check, target, max(10, summary), time, 2)
        padding = 2 * 5
        summary = usable - padding - (1 + check + target + 2)
        return (1, check, target, max(8, summary), 2)

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self._show_fold()

    def _show_fold(self) -> None:
        """Say in the check column's header how many rows are below the visible ones."""
        if not self.columns or "Check" not in {str(k.value) for k in self.columns}:
            return
        shown = max(0, self.scrollable_content_region.height - 1)  # less the header row
        below = max(0, self.row_count - round(self.scroll_y) - shown) if shown else 0
        label = Text("Check", style="bold")
        if self.filter_note:
            label.append(f" [{self.filter_note}]", style="bold reverse")
        if below:
            label.append(f" ↓{below} more", style="dim")
        column = self.columns[ColumnKey("Check")]
        if column.label != label:
            column.label = label
            self._update_count += 1  # the header row is cached by this count
            self.refresh()

    def _build_columns(self, width: int) -> None:
        self.clear(columns=True)
        widths = self._widths(width)
        self._column_widths = widths
        labels = ["", "Check", "Target", "Summary"]
        if len(widths) == 6:
            labels.append("Time")
        labels.append("Δ")
        for label, column_width in zip(labels, widths, strict=True):
            self.add_column(Text(label, style="bold"), width=column_width, key=label or "status")

    def _fill(self, rows: Sequence[CheckRow]) -> None:
        self.clear()
        for row in rows:
            self.add_row(*self._cells(row), key=row.key)
        self._show_fold()

    def _cells(self, row: CheckRow) -> list[Text]:
        widths = self._column_widths
        check = Text(row.check_id, style="dim" if row.status is None else "")
        target = Text(row.target or ("—" if row.status is None else "(session)"), style="dim")
        summary = Text(row.summary, style="dim" if row.status is None else "")
        for text, width in ((check, widths[1]), (target, widths[2]), (summary, widths[3])):
            text.truncate(width, overflow="ellipsis")
        cells = [status_cell(row.status), check, target, summary]
        if len(widths) == 6:
            cells.append(Text(fmt_ms(row.duration_ms) if row.duration_ms else "", style="dim"))
        marks = ("●" if row.key in self._marked else "Δ" if row.changed else " ") + (
            _DECISION_MARK.get(row.decision, " ") if row.decision else " "
        )
        style = STATUS_STYLE[row.status] if row.changed else "dim"
        cells.append(Text(marks, style="bold reverse" if row.key in self._marked else style))
        return cells

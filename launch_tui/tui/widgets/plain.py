"""A ``Static`` that never parses markup: the only kind of label untrusted text may reach."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.content import Content
from textual.css.scalar import Unit
from textual.widgets import Static

from launch_tui.core.sanitize import clean_multiline


class Plain(Static):
    """A label whose text is always literal: strings are cleaned and shown as they are."""

    def __init__(
        self,
        content: str | Text | Content = "",
        *,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(_literal(content), markup=False, id=id, classes=classes)
        self._shown: object = None
        self._literal: Text | Content | None = None
        self._lines: int | None = None
        """Lines the shown text takes when none of them wraps (``None``: unknown)."""

    def show(self, content: str | Text | Content) -> None:
        """Replace the text (strings are cleaned, never parsed); unchanged text costs nothing.

        A label that keeps its size skips the relayout of the whole screen (tens of
        milliseconds on a big screen): one that is one line high by style, or whose new text
        takes as many lines as the old one without wrapping.
        """
        literal = _literal(content)
        key = _key(literal)
        if key == self._shown:
            return
        self._shown = key
        self._literal = literal
        height = self.styles.height
        one_line = height is not None and height.unit is Unit.CELLS and height.value == 1
        lines = self._count_lines(literal)
        same_size = one_line or (lines is not None and lines == self._lines)
        self._lines = lines
        self.update(literal, layout=not same_size)

    def on_resize(self, event: events.Resize) -> None:
        # Text shown before the label had a width (composed, not yet laid out) could not be
        # measured: measure it now, so that the next text of as many lines does not relayout
        # the whole screen (the sidebar's stage lines changed in each early repaint of a run).
        if self._literal is not None:
            self._lines = self._count_lines(self._literal)

    def _count_lines(self, literal: Text | Content) -> int | None:
        width = self.styles.width
        if width is not None and width.unit is Unit.AUTO:
            return None  # the width follows the text
        return _unwrapped_lines(literal, self.size.width)


def _literal(content: str | Text | Content) -> Text | Content:
    if isinstance(content, str):
        return Text(clean_multiline(content))
    return content


def _unwrapped_lines(content: Text | Content, width: int) -> int | None:
    """How many lines ``content`` takes at ``width`` when no line is wider; else ``None``."""
    if not isinstance(content, Text) or width <= 0:
        return None
    plain = content.plain
    if "\t" in plain:
        return None
    lines = plain.split("\n")
    if any(cell_len(line) > width for line in lines):
        return None
    return len(lines)


def _key(content: Text | Content) -> object:
    """What decides how ``content`` looks (rich ``Text`` equality ignores its base style)."""
    if isinstance(content, Text):
        return (content.plain, tuple(content.spans), str(content.style), content.justify)
    return content

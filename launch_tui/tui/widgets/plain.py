"""A ``Static`` that never parses markup: the only kind of label untrusted text may reach."""

from __future__ import annotations

from rich.text import Text
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

    def show(self, content: str | Text | Content) -> None:
        """Replace the text (strings are cleaned, never parsed); unchanged text costs nothing.

        A label that keeps its height (one line) skips the relayout of the whole screen.
        """
        literal = _literal(content)
        key = _key(literal)
        if key == self._shown:
            return
        self._shown = key
        height = self.styles.height
        one_line = height is not None and height.unit is Unit.CELLS and height.value == 1
        self.update(literal, layout=not one_line)


def _literal(content: str | Text | Content) -> Text | Content:
    if isinstance(content, str):
        return Text(clean_multiline(content))
    return content


def _key(content: Text | Content) -> object:
    """What decides how ``content`` looks (rich ``Text`` equality ignores its base style)."""
    if isinstance(content, Text):
        return (content.plain, tuple(content.spans), str(content.style), content.justify)
    return content

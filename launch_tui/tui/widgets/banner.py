"""A one-line banner for conditions the engineer must not miss (read-only, demo, run status)."""

from __future__ import annotations

from rich.text import Text

from launch_tui.core.sanitize import clean
from launch_tui.tui.widgets.plain import Plain


class Banner(Plain):
    """Hidden while empty; shows a literal message otherwise."""

    def set_message(self, message: str, style: str = "bold") -> None:
        self.display = bool(message)
        self.show(Text(f" {clean(message)}", style=style) if message else Text(""))

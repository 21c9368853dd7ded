"""Textual's footer, rebuilt only when the keys it shows change.

Textual's ``Footer`` recomposes (removes and mounts a widget per key, each styled afresh) every
time the screen's bindings are updated, which happens on every focus change, even when the keys
shown stay the same. On a stage screen that was the largest single cost of settling after the
first paint. This footer shows the keys from its first compose, compares what it would show with
what it shows and skips the rebuild when they are equal; it looks exactly the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import Footer

if TYPE_CHECKING:
    from textual.screen import Screen

#: What one key of the footer shows: key, key as displayed, description, action, enabled,
#: tooltip, group.
_Shown = tuple[str, str, str, str, bool, str, object]


class KeyFooter(Footer):
    """A compact ``Footer`` that recomposes only when its keys change."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, compact=True)
        self._shown: tuple[_Shown, ...] | None = None

    def compose(self) -> ComposeResult:
        # Textual's footer starts empty and fills in after the screen's first refresh (a second
        # round of mounting and painting); the screen's bindings are known now, so show them.
        screen = self.screen
        self.set_reactive(Footer._bindings_ready, True)
        self._shown = self._keys(screen)
        yield from super().compose()

    def bindings_changed(self, screen: Screen[object]) -> None:
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            shown = self._keys(screen)
            if shown == self._shown:
                return
            self._shown = shown
        super().bindings_changed(screen)

    def _keys(self, screen: Screen[object]) -> tuple[_Shown, ...]:
        app = screen.app
        keys = [
            (
                binding.key,
                app.get_key_display(binding),
                binding.description,
                binding.action,
                enabled,
                tooltip,
                binding.group,
            )
            for (_, binding, enabled, tooltip) in screen.active_bindings.values()
            if binding.show or binding.key == app.COMMAND_PALETTE_BINDING
        ]
        return tuple(keys)

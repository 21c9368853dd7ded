"""The key bar at the bottom of every screen, drawn by one widget.

It shows what Textual's compact ``Footer`` shows (each shown binding's key and description, the
command palette key on the right, disabled keys dimmed, a key's tooltip on hover, a click runs
the key) but is a single widget that redraws a line. Textual's footer is a container with a
widget per key, rebuilt (removed, mounted and styled again) whenever the screen's bindings are
updated, which happens on every focus change; with its CSS it was a tenth of a stage screen's
cost before the first frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.widget import Widget

from launch_tui.tui.commands import SPARE_IN_KEY_BAR

if TYPE_CHECKING:
    from textual.screen import Screen

#: Drawn before the command palette key (Textual's footer draws a ``vkey`` border there).
PALETTE_SEPARATOR = "▏"


def _spare_rank(binding_id: str | None) -> int:
    """``len(SPARE_IN_KEY_BAR)`` for the first key to make way, down to 1; 0 for the rest."""
    if binding_id not in SPARE_IN_KEY_BAR:
        return 0
    return len(SPARE_IN_KEY_BAR) - SPARE_IN_KEY_BAR.index(binding_id)


@dataclass(frozen=True)
class FooterKey:
    """One key as the bar shows it."""

    key: str
    """The key pressed when the entry is clicked."""
    display: str
    description: str
    enabled: bool
    tooltip: str
    spare: int = 0
    """Non-zero for a key left out when the bar is too narrow for every key; the highest
    goes first (:data:`SPARE_IN_KEY_BAR`)."""


class KeyFooter(Widget, can_focus=False):
    """One line of keys for the screen it is on; redrawn when the screen's keys change."""

    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .key-footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .key-footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .key-footer--hover {
            background: $block-hover-background;
        }
        & > .key-footer--separator {
            color: $foreground 20%;
        }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "key-footer--key",
        "key-footer--description",
        "key-footer--hover",
        "key-footer--separator",
    }

    ALLOW_SELECT = False

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._keys: tuple[FooterKey, ...] = ()
        self._palette: FooterKey | None = None
        self._hover: int | None = None
        """Index of the entry under the mouse (the palette key is ``len(keys)``)."""
        self._spans: list[tuple[int, int]] = []
        """Columns each entry covers in the last drawn line, in the order of ``_entries``."""

    def on_mount(self) -> None:
        screen = self.screen
        self._read_keys(screen)
        screen.bindings_updated_signal.subscribe(self, self.bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen[object]) -> None:
        if self.is_attached and screen is self.screen and self._read_keys(screen):
            # The entry under the mouse may be another key now: the next move finds it.
            self._hover = None
            self.tooltip = None
            self.refresh()

    def _read_keys(self, screen: Screen[object]) -> bool:
        """Take the screen's shown keys; True when they differ from those on the bar."""
        app = screen.app
        keys: list[FooterKey] = []
        palette: FooterKey | None = None
        seen_actions: set[str] = set()
        for _node, binding, enabled, tooltip in screen.active_bindings.values():
            if binding.key == app.COMMAND_PALETTE_BINDING and app.ENABLE_COMMAND_PALETTE:
                palette = FooterKey(
                    binding.key,
                    app.get_key_display(binding),
                    binding.description,
                    enabled,
                    binding.tooltip or binding.description,
                )
                continue
            # Like Textual's footer: one entry per action (the first of its keys).
            if not binding.show or binding.action in seen_actions:
                continue
            seen_actions.add(binding.action)
            keys.append(
                FooterKey(
                    binding.key,
                    app.get_key_display(binding),
                    binding.description,
                    enabled,
                    tooltip or binding.tooltip,
                    spare=_spare_rank(binding.id),
                )
            )
        new = (tuple(keys), palette)
        if new == (self._keys, self._palette):
            return False
        self._keys, self._palette = new
        return True

    @property
    def keys(self) -> tuple[FooterKey, ...]:
        """The keys shown on the left, in order (the palette key is not among them); spare
        keys only when there is room for them."""
        return self._fitting()

    def _entries(self) -> list[FooterKey]:
        return [*self._fitting(), *([self._palette] if self._palette else [])]

    def _fitting(self) -> tuple[FooterKey, ...]:
        """The keys that fit the bar's width: spare keys make way when not all of them do."""
        room = self.size.width
        if self._palette is not None:
            room -= len(PALETTE_SEPARATOR) + len(self._palette.display) + 2
            room -= len(self._palette.description)
        keys = list(self._keys)
        while sum(len(k.display) + len(k.description) + 2 for k in keys) > room:
            spare = [k for k in keys if k.spare]
            if not spare:
                break
            keys.remove(max(spare, key=lambda k: k.spare))
        return self._keys if len(keys) == len(self._keys) else tuple(keys)

    def render(self) -> Text:
        width = self.size.width
        key_style = self.get_component_rich_style("key-footer--key")
        description_style = self.get_component_rich_style("key-footer--description")
        # Only the background, blended over the bar's (the theme's hover colour is translucent).
        hover_style = Style(bgcolor=self.get_component_rich_style("key-footer--hover").bgcolor)
        dim = self.get_component_rich_style("key-footer--separator")

        def entry(index: int, item: FooterKey) -> Text:
            text = Text.assemble(
                (item.display, key_style),
                (f" {item.description}" if item.description else "", description_style),
            )
            if not item.enabled:
                text.stylize("dim")
            if index == self._hover:
                text.stylize(hover_style)
            return text

        line = Text(no_wrap=True, overflow="crop", end="")
        spans: list[tuple[int, int]] = []
        for index, item in enumerate(self._fitting()):
            part = entry(index, item)
            spans.append((line.cell_len, line.cell_len + part.cell_len))
            line.append_text(part)
            line.append(" ")
        if self._palette is not None:
            right = Text(PALETTE_SEPARATOR, style=dim, end="")
            part = entry(len(self._fitting()), self._palette)
            right.append_text(part)
            right.append(" ")  # Textual's footer keeps one blank column after every key
            start = max(line.cell_len, width - right.cell_len)
            line.append(" " * (start - line.cell_len))
            spans.append((start + 1, start + right.cell_len - 1))
            line.append_text(right)
        self._spans = spans
        line.truncate(max(width, 0), overflow="crop")
        return line

    # --- mouse ---------------------------------------------------------------------------------

    def _entry_at(self, x: int) -> int | None:
        for index, (start, end) in enumerate(self._spans):
            if start <= x < end:
                return index
        return None

    def on_mouse_move(self, event: events.MouseMove) -> None:
        index = self._entry_at(event.x)
        if index != self._hover:
            self._hover = index
            entries = self._entries()
            item = entries[index] if index is not None and index < len(entries) else None
            self.tooltip = (item.tooltip or item.description) if item is not None else None
            self.refresh()

    def on_leave(self, event: events.Leave) -> None:
        if self._hover is not None:
            self._hover = None
            self.tooltip = None
            self.refresh()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        index = self._entry_at(event.x)
        entries = self._entries()
        if index is None or index >= len(entries):
            return
        item = entries[index]
        if item.enabled:
            self.app.simulate_key(item.key)
        else:
            self.app.bell()

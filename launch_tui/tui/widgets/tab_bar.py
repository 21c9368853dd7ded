"""A stage screen's tab bar: labels with the active one underlined, drawn by one widget.

Textual's ``TabbedContent`` builds about twenty widgets (a tab per label, containers, an
underline, a content switcher), each styled, laid out and painted, and imports and parses the CSS
of eight widget classes: together about a third of the stage screen's cost before its first
frame. This bar looks the same (label row, then an underline bar under the active label) and the
screen shows or hides its panes itself.

Keyboard: when the bar has focus, left and right move between tabs. Mouse: a click on a label
activates it. Either way the bar posts :class:`TabBar.Activated`; the screen decides what to show.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.renderables.bar import Bar
from textual.widget import Widget

#: Blank cells on each side of a label (Textual's tabs have ``padding: 0 1``).
LABEL_PADDING = 1


@dataclass(frozen=True)
class Tab:
    """One tab: the id of the pane it shows and its label."""

    id: str
    label: str


class TabBar(Widget, can_focus=True):
    """Two lines: the tab labels, then a bar highlighted under the active label."""

    DEFAULT_CSS = """
    TabBar {
        width: 1fr;
        height: 2;
        & > .tab-bar--tab {
            color: $foreground 50%;
        }
        & > .tab-bar--active {
            color: $foreground;
        }
        & > .tab-bar--hover {
            color: $foreground;
        }
        & > .tab-bar--bar {
            color: $block-cursor-background;
            background: $foreground 10%;
        }
        &:focus {
            & > .tab-bar--active {
                text-style: $block-cursor-text-style;
                color: $block-cursor-foreground;
                background: $block-cursor-background;
            }
            & > .tab-bar--bar {
                background: $foreground 30%;
            }
        }
        &:ansi {
            & > .tab-bar--tab {
                text-style: dim;
            }
            & > .tab-bar--active {
                text-style: not dim bold;
            }
            & > .tab-bar--bar {
                color: $block-cursor-background;
                background: $border-blurred;
            }
        }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "tab-bar--tab",
        "tab-bar--active",
        "tab-bar--hover",
        "tab-bar--bar",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "previous_tab", "Previous tab", show=False),
        Binding("right", "next_tab", "Next tab", show=False),
    ]

    class Activated(Message):
        """The engineer picked a tab (click, or left/right on the focused bar)."""

        def __init__(self, bar: TabBar, tab_id: str) -> None:
            super().__init__()
            self.bar = bar
            self.tab_id = tab_id

        @property
        def control(self) -> TabBar:
            return self.bar

    def __init__(self, tabs: Sequence[Tab], *, active: str, id: str | None = None) -> None:
        super().__init__(id=id)
        if not tabs:
            raise ValueError("a tab bar needs at least one tab")
        self.tabs = tuple(tabs)
        self._active = active if any(t.id == active for t in self.tabs) else self.tabs[0].id
        self._hover: str | None = None

    @property
    def active(self) -> str:
        """Id of the active tab."""
        return self._active

    @active.setter
    def active(self, tab_id: str) -> None:
        if tab_id == self._active or not any(t.id == tab_id for t in self.tabs):
            return
        self._active = tab_id
        self.refresh()

    def spans(self) -> list[tuple[Tab, int, int]]:
        """Each tab with the first and one-past-last column of its label (padding excluded)."""
        spans: list[tuple[Tab, int, int]] = []
        x = 0
        for tab in self.tabs:
            start = x + LABEL_PADDING
            end = start + Text(tab.label).cell_len
            spans.append((tab, start, end))
            x = end + LABEL_PADDING
        return spans

    def tab_at(self, x: int) -> str | None:
        """Id of the tab whose label (with its padding) covers column ``x``."""
        for tab, start, end in self.spans():
            if start - LABEL_PADDING <= x < end + LABEL_PADDING:
                return tab.id
        return None

    def render(self) -> RenderableType:
        labels = Text(no_wrap=True, overflow="ellipsis")
        active_span = (0, 0)
        for tab, start, end in self.spans():
            if tab.id == self._active:
                part = "tab-bar--active"
                active_span = (start, end)
            elif tab.id == self._hover:
                part = "tab-bar--hover"
            else:
                part = "tab-bar--tab"
            pad = " " * LABEL_PADDING
            labels.append(f"{pad}{tab.label}{pad}", style=self.get_component_rich_style(part))
        bar_style = self.get_component_rich_style("tab-bar--bar")
        bar = Bar(
            highlight_range=active_span,
            highlight_style=Style.from_color(bar_style.color),
            background_style=Style.from_color(bar_style.bgcolor),
        )
        return Group(labels, bar)

    # --- input -------------------------------------------------------------------------------

    def _pick(self, tab_id: str) -> None:
        self.post_message(self.Activated(self, tab_id))

    def _step(self, offset: int) -> None:
        ids = [t.id for t in self.tabs]
        index = ids.index(self._active) if self._active in ids else 0
        self._pick(ids[(index + offset) % len(ids)])

    def action_next_tab(self) -> None:
        self._step(1)

    def action_previous_tab(self) -> None:
        self._step(-1)

    def on_click(self, event: events.Click) -> None:
        tab_id = self.tab_at(event.x)
        if tab_id is not None:
            event.stop()
            self._pick(tab_id)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self._set_hover(self.tab_at(event.x) if event.y == 0 else None)

    def on_leave(self, event: events.Leave) -> None:
        self._set_hover(None)

    def _set_hover(self, tab_id: str | None) -> None:
        if tab_id != self._hover:
            self._hover = tab_id
            self.refresh()

"""The tab bar and the key footer: alone in small apps, then on a stage screen of the real app.

The small apps drive each widget with Pilot (no mocks of Textual): geometry, mouse, keys and
what the widget draws. The stage tests open the Brightlane session and check that the screen
and its two bars agree: which tab is shown, which pane is mounted and displayed, which keys the
footer offers and what clicking them does.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest
from conftest import AppFactory
from rich.style import Style
from test_stage_flows import brightlane_app, opened, stage_screen
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import TextArea

from launch_tui.tui.screens.help import HelpScreen
from launch_tui.tui.screens.stage import TABS, StageScreen
from launch_tui.tui.widgets.check_table import CheckTable
from launch_tui.tui.widgets.footer import PALETTE_SEPARATOR, FooterKey, KeyFooter
from launch_tui.tui.widgets.tab_bar import LABEL_PADDING, Tab, TabBar

# --- shared: small apps, and reading what a widget draws --------------------------------------

THREE = (Tab("one", "Alpha"), Tab("two", "Beta"), Tab("three", "Gamma"))
HOSTILE = (Tab("quit", "[@click=app.quit]"), Tab("open", "[/"), Tab("plain", "Plain"))


class TabBarApp(App[None]):
    """A tab bar on its own; the app keeps every ``Activated`` and applies it, as a screen does."""

    def __init__(self, tabs: Sequence[Tab] = THREE, *, active: str = "one") -> None:
        super().__init__()
        self.bar_tabs = tuple(tabs)
        self.first_active = active
        self.picked: list[str] = []

    def compose(self) -> ComposeResult:
        yield TabBar(self.bar_tabs, active=self.first_active, id="bar")

    def on_tab_bar_activated(self, message: TabBar.Activated) -> None:
        self.picked.append(message.tab_id)
        message.bar.active = message.tab_id


class Quiet(Widget, can_focus=True):
    """Focusable, with no keys of its own."""

    DEFAULT_CSS = "Quiet { height: 1; }"


class Kicker(Widget, can_focus=True):
    """Focusable, with one shown key: the footer offers it only while this has focus."""

    DEFAULT_CSS = "Kicker { height: 1; }"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("k", "kick", "Kick", tooltip="Kick the widget."),
    ]

    def action_kick(self) -> None:
        """Nothing to do: the tests only look at the footer."""


class CountingFooter(KeyFooter):
    """The real footer, counting how often it draws its line."""

    def __init__(self) -> None:
        super().__init__()
        self.renders = 0

    def render(self) -> Any:
        self.renders += 1
        return super().render()


class FooterApp(App[None]):
    """A footer under three focusable widgets, with one key that is disabled until allowed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "ping", "Ping", tooltip="Ping once."),
        Binding("b", "pong", "Pong", tooltip="Pong once."),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.pings = 0
        self.pongs = 0
        self.bells = 0
        self.pong_allowed = False

    def compose(self) -> ComposeResult:
        yield Quiet(id="quiet")
        yield Quiet(id="quiet-too")
        yield Kicker(id="kicker")
        yield CountingFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "pong" and not self.pong_allowed:
            return None  # shown, but disabled
        return True

    def action_ping(self) -> None:
        self.pings += 1

    def action_pong(self) -> None:
        self.pongs += 1

    def bell(self) -> None:
        # The app's own bell, counted instead of written to a terminal.
        self.bells += 1


def drawn(widget: Widget) -> list[Strip]:
    """The lines ``widget`` draws, with the styles they reach the terminal with."""
    return widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))


def cells(strip: Strip) -> list[tuple[str, Style]]:
    """Each cell of a line (all characters here are one cell wide) with its style."""
    return [(char, segment.style or Style()) for segment in strip for char in segment.text]


def label_x(footer: KeyFooter, key: FooterKey) -> int:
    """Column of ``key``'s entry on the footer's drawn line."""
    text = drawn(footer)[0].text
    entry = f"{key.display} {key.description}"
    assert text.count(entry) == 1, (entry, text)
    return text.index(entry)


def footer_key(footer: KeyFooter, key: str) -> FooterKey:
    """The footer's entry for the binding ``key``."""
    return next(item for item in footer.keys if item.key == key)


def shown_bindings(screen: Any) -> list[str]:
    """The keys Textual's footer would show: first shown binding per action, palette aside."""
    app = screen.app
    keys: list[str] = []
    actions: set[str] = set()
    for active in screen.active_bindings.values():
        binding = active.binding
        if binding.key == app.COMMAND_PALETTE_BINDING:
            continue
        if binding.show and binding.action not in actions:
            actions.add(binding.action)
            keys.append(binding.key)
    return keys


def palette_entry(screen: Any) -> str:
    """The palette key as the footer should draw it at its right edge."""
    app = screen.app
    binding = next(
        active.binding
        for active in screen.active_bindings.values()
        if active.binding.key == app.COMMAND_PALETTE_BINDING
    )
    return f"{PALETTE_SEPARATOR}{app.get_key_display(binding)} {binding.description} "


def displayed_panes(screen: StageScreen) -> list[str | None]:
    return [pane.id for pane in screen.query(".tab-pane") if pane.display]


def assert_on_tab(screen: StageScreen, tab_id: str) -> None:
    assert screen.active_tab == tab_id
    assert displayed_panes(screen) == [tab_id]
    assert screen.query_one("#tabs", TabBar).active == tab_id


# --- TabBar on its own ------------------------------------------------------------------------


async def test_label_spans_are_padded_one_column_each_side() -> None:
    app = TabBarApp()
    async with app.run_test(size=(40, 4)) as pilot:
        await pilot.pause()
        bar = app.query_one(TabBar)
        assert LABEL_PADDING == 1
        assert [(tab.id, start, end) for tab, start, end in bar.spans()] == [
            ("one", 1, 6),
            ("two", 8, 12),
            ("three", 14, 19),
        ]
        # Each label's padding belongs to it; nothing past the last one does.
        assert [bar.tab_at(x) for x in range(21)] == (
            ["one"] * 7 + ["two"] * 6 + ["three"] * 7 + [None]
        )
        assert bar.tab_at(39) is None


async def test_click_on_a_label_posts_activated_with_its_id() -> None:
    app = TabBarApp()
    async with app.run_test(size=(40, 4)) as pilot:
        await pilot.pause()
        bar = app.query_one(TabBar)
        _tab, start, _end = bar.spans()[1]
        await pilot.click(bar, offset=(start + 1, 0))
        await pilot.pause()
        assert app.picked == ["two"]
        assert bar.active == "two"


async def test_click_past_the_last_label_posts_nothing() -> None:
    app = TabBarApp()
    async with app.run_test(size=(40, 4)) as pilot:
        await pilot.pause()
        bar = app.query_one(TabBar)
        _tab, _start, end = bar.spans()[-1]
        for x in (end + LABEL_PADDING, bar.size.width - 1):
            await pilot.click(bar, offset=(x, 0))
        await pilot.pause()
        assert app.picked == []
        assert bar.active == "one"


async def test_left_and_right_cycle_with_wrap_around() -> None:
    app = TabBarApp()
    async with app.run_test(size=(40, 4)) as pilot:
        bar = app.query_one(TabBar)
        bar.focus()
        await pilot.pause()
        assert app.focused is bar
        await pilot.press("right", "right", "right")
        await pilot.pause()
        assert app.picked == ["two", "three", "one"]
        await pilot.press("left")
        await pilot.pause()
        assert app.picked[-1] == "three"
        assert bar.active == "three"


async def test_unknown_active_id_is_ignored() -> None:
    app = TabBarApp(active="missing")
    async with app.run_test(size=(40, 4)) as pilot:
        await pilot.pause()
        bar = app.query_one(TabBar)
        assert bar.active == "one"  # an unknown first tab falls back to the first
        before = [strip.text for strip in drawn(bar)]
        bar.active = "missing"
        await pilot.pause()
        assert bar.active == "one"
        assert [strip.text for strip in drawn(bar)] == before


async def test_labels_on_line_one_and_highlight_under_the_active_label() -> None:
    app = TabBarApp()
    async with app.run_test(size=(40, 4)) as pilot:
        await pilot.pause()
        bar = app.query_one(TabBar)
        bar_style = bar.get_component_rich_style("tab-bar--bar")
        for active in ("one", "two", "three"):
            bar.active = active
            await pilot.pause()
            labels, underline = drawn(bar)
            assert labels.text == " Alpha  Beta  Gamma ".ljust(40)
            tab, start, end = next(span for span in bar.spans() if span[0].id == active)
            assert labels.text[start:end] == tab.label
            # Textual's underline: half bars face the highlight from either side of it.
            expected = "━" * (start - 1) + "╸" + "━" * (end - start) + "╺"
            assert underline.text == expected.ljust(40, "━")
            colours = [style.color for _char, style in cells(underline)]
            highlighted = [x for x, colour in enumerate(colours) if colour == bar_style.color]
            assert highlighted == list(range(start, end))
            assert all(
                colour == bar_style.bgcolor
                for x, colour in enumerate(colours)
                if x not in range(start, end)
            )


async def test_hover_highlights_the_label_under_the_mouse() -> None:
    app = TabBarApp()
    async with app.run_test(size=(40, 4)) as pilot:
        await pilot.pause()
        bar = app.query_one(TabBar)
        tab_colour = bar.get_component_rich_style("tab-bar--tab").color
        hover_colour = bar.get_component_rich_style("tab-bar--hover").color
        assert tab_colour != hover_colour
        _tab, start, _end = bar.spans()[2]

        def colour_of_third_label() -> Any:
            return cells(drawn(bar)[0])[start][1].color

        assert colour_of_third_label() == tab_colour
        await pilot.hover(bar, offset=(start, 0))
        await pilot.pause()
        assert colour_of_third_label() == hover_colour
        await pilot.hover(bar, offset=(start, 1))  # the underline row highlights nothing
        await pilot.pause()
        assert colour_of_third_label() == tab_colour


# --- hostile labels -------------------------------------------------------------------------


async def test_markup_in_labels_is_drawn_literally_and_never_acts() -> None:
    app = TabBarApp(HOSTILE, active="plain")
    async with app.run_test(size=(40, 4)) as pilot:
        await pilot.pause()
        bar = app.query_one(TabBar)
        labels = drawn(bar)[0].text
        assert labels.startswith(" [@click=app.quit]  [/  Plain ")
        for tab, start, end in bar.spans():
            assert labels[start:end] == tab.label
        for tab, start, _end in bar.spans()[:2]:
            await pilot.click(bar, offset=(start, 0))
            await pilot.pause()
            assert app.is_running, f"clicking {tab.label!r} quit the app"
        assert app.picked == ["quit", "open"]
        assert app.return_code is None


# --- KeyFooter on its own -------------------------------------------------------------------


async def test_footer_offers_a_widgets_keys_only_while_it_has_focus() -> None:
    app = FooterApp()
    async with app.run_test(size=(60, 6)) as pilot:
        footer = app.query_one(CountingFooter)
        app.query_one("#quiet").focus()
        await pilot.pause()
        assert [key.key for key in footer.keys] == ["a", "b"]
        app.query_one("#kicker").focus()
        await pilot.pause()
        assert [key.key for key in footer.keys] == ["k", "a", "b"]
        assert "k Kick" in drawn(footer)[0].text
        app.query_one("#quiet").focus()
        await pilot.pause()
        assert [key.key for key in footer.keys] == ["a", "b"]


async def test_footer_redraws_only_when_its_keys_change() -> None:
    app = FooterApp()
    async with app.run_test(size=(60, 6)) as pilot:
        footer = app.query_one(CountingFooter)
        app.query_one("#quiet").focus()
        await pilot.pause()
        keys, renders = footer.keys, footer.renders
        app.query_one("#quiet-too").focus()  # the bindings are updated, the keys stay
        await pilot.pause()
        assert footer.keys is keys
        assert footer.renders == renders
        app.query_one("#kicker").focus()
        await pilot.pause()
        assert footer.renders > renders


async def test_disabled_key_is_dimmed_and_rings_the_bell_when_clicked() -> None:
    app = FooterApp()
    async with app.run_test(size=(60, 6)) as pilot:
        await pilot.pause()
        footer = app.query_one(CountingFooter)
        pong = footer_key(footer, "b")
        assert not pong.enabled
        x = label_x(footer, pong)

        def colours(start: int) -> list[Any]:
            """Colours of the key and description an entry at ``start`` begins with."""
            line = cells(drawn(footer)[0])
            return [line[start][1].color, line[start + 2][1].color]

        # Textual draws dim text as a fainter colour: the disabled entry is fainter than "a".
        assert colours(x) != colours(0)
        await pilot.click(footer, offset=(x, 0))
        await pilot.pause()
        assert (app.pongs, app.bells) == (0, 1)

        app.pong_allowed = True
        app.refresh_bindings()
        await pilot.pause()
        assert footer_key(footer, "b").enabled
        assert colours(x) == colours(0)
        await pilot.click(footer, offset=(label_x(footer, pong), 0))
        await pilot.pause()
        assert (app.pongs, app.bells) == (1, 1)


async def test_hovered_key_is_drawn_on_the_blended_hover_background() -> None:
    app = FooterApp()
    async with app.run_test(size=(60, 6)) as pilot:
        await pilot.pause()
        footer = app.query_one(CountingFooter)
        plain = cells(drawn(footer)[0])[0][1].bgcolor
        await pilot.hover(footer, offset=(1, 0))
        await pilot.pause()
        hovered = cells(drawn(footer)[0])[0][1].bgcolor
        assert hovered != plain
        # The hover colour laid over the footer's background, as Textual's footer draws it.
        assert hovered == footer.get_component_rich_style("key-footer--hover").bgcolor


async def test_hover_follows_when_the_keys_change_under_the_mouse() -> None:
    app = FooterApp()
    async with app.run_test(size=(60, 6)) as pilot:
        app.query_one("#kicker").focus()
        await pilot.pause()
        footer = app.query_one(CountingFooter)
        await pilot.hover(footer, offset=(1, 0))
        await pilot.pause()
        assert footer.tooltip == "Kick the widget."
        app.query_one("#quiet").focus()  # "k Kick" goes; "a Ping" is now under the mouse
        await pilot.pause()
        assert footer.tooltip in (None, "Ping once.")


async def test_click_on_the_palette_key_opens_the_command_palette() -> None:
    app = FooterApp()
    async with app.run_test(size=(60, 6)) as pilot:
        await pilot.pause()
        footer = app.query_one(CountingFooter)
        text = drawn(footer)[0].text
        assert text.endswith(palette_entry(app.screen))
        await pilot.click(footer, offset=(text.index(PALETTE_SEPARATOR) + 1, 0))
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, CommandPalette)


# --- the stage screen's tabs ----------------------------------------------------------------


async def test_t_walks_every_tab_in_order_and_back_to_checks(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    app, _path = brightlane_app(make_app, sessions_dir)
    async with opened(app, size=(100, 30)) as pilot:
        screen = stage_screen(app)
        assert_on_tab(screen, "tab-checks")
        for tab_id in (*TABS[1:], TABS[0]):
            if isinstance(screen.focused, TextArea):
                # The notes editor takes printable keys (the footer hides t there): leave it.
                await pilot.press("tab")
                assert not isinstance(screen.focused, TextArea)
            await pilot.press("t")
            await pilot.pause()
            assert_on_tab(screen, tab_id)
        assert isinstance(screen.focused, CheckTable)


async def test_click_on_decisions_label_mounts_and_shows_its_pane(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    app, _path = brightlane_app(make_app, sessions_dir)
    async with opened(app, size=(100, 30)) as pilot:
        screen = stage_screen(app)
        bar = screen.query_one("#tabs", TabBar)
        assert not screen.query("#tab-decisions")
        _tab, start, _end = next(span for span in bar.spans() if span[0].label == "Decisions")
        await pilot.click(bar, offset=(start, 0))
        await pilot.pause()
        assert screen.query("#tab-decisions")
        assert screen.query("#decisions")
        assert_on_tab(screen, "tab-decisions")
        assert screen.focused is bar  # picked with the bar: left and right keep working
        await pilot.press("right")
        await pilot.pause()
        assert_on_tab(screen, "tab-notes")


async def test_show_notes_tab_puts_focus_in_the_editor(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    app, _path = brightlane_app(make_app, sessions_dir)
    async with opened(app, size=(100, 30)) as pilot:
        screen = stage_screen(app)
        screen.show_tab("tab-notes")
        await pilot.pause()
        assert_on_tab(screen, "tab-notes")
        assert screen.focused is screen.query_one("#notes")


# --- the stage screen's footer --------------------------------------------------------------


async def test_footer_keys_are_the_screens_shown_keys_in_order(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    app, _path = brightlane_app(make_app, sessions_dir)
    async with opened(app, size=(100, 30)) as pilot:
        await pilot.pause()
        screen = stage_screen(app)
        footer = screen.query_one(KeyFooter)
        # Every shown key, in order; the spare ones (stage keys) as far as they fit.
        shown = [key.key for key in footer.keys]
        assert shown == [k for k in shown_bindings(screen) if k in shown]
        spare = {"1", "left_square_bracket"}
        assert set(shown_bindings(screen)) - set(shown) <= spare
        assert "1" in shown  # "1-7 Stages" fits at 100 columns
        # Help is bound to f1 and ? with one action: one entry, drawn as the command says.
        help_key = footer_key(footer, "f1")
        assert help_key.display == "?"
        assert not any(key.key == "question_mark" for key in footer.keys)
        text = drawn(footer)[0].text
        for key in footer.keys:
            assert f"{key.display} {key.description}" in text
        assert text.endswith(palette_entry(screen))


async def test_click_on_a_footer_key_runs_it(make_app: AppFactory, sessions_dir: Path) -> None:
    app, _path = brightlane_app(make_app, sessions_dir)
    async with opened(app, size=(100, 30)) as pilot:
        screen = stage_screen(app)
        footer = screen.query_one(KeyFooter)
        await pilot.click(footer, offset=(label_x(footer, footer_key(footer, "f1")), 0))
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        # The help screen's own footer shows its keys.
        assert "esc Close" in drawn(app.screen.query_one(KeyFooter))[0].text
        await pilot.press("escape")
        await pilot.pause()
        assert stage_screen(app) is screen


async def test_hover_on_a_footer_key_sets_its_tooltip(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    app, _path = brightlane_app(make_app, sessions_dir)
    async with opened(app, size=(100, 30)) as pilot:
        footer = stage_screen(app).query_one(KeyFooter)
        decide = footer_key(footer, "d")
        x = label_x(footer, decide)
        await pilot.hover(footer, offset=(x + 1, 0))
        await pilot.pause()
        assert decide.tooltip
        assert footer.tooltip == decide.tooltip
        await pilot.hover(footer, offset=(x - 1, 0))  # the blank between two keys
        await pilot.pause()
        assert footer.tooltip is None


async def test_footer_follows_the_focus_into_the_notes_editor_and_back(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    app, _path = brightlane_app(make_app, sessions_dir)
    async with opened(app, size=(100, 30)) as pilot:
        screen = stage_screen(app)
        footer = screen.query_one(KeyFooter)
        before = footer.keys
        assert "t" in [key.key for key in before]
        screen.show_tab("tab-notes")
        await pilot.pause()
        # The editor takes printable keys, so only keys it leaves alone are offered.
        assert [key.key for key in footer.keys] == shown_bindings(screen)
        assert "t" not in [key.key for key in footer.keys]
        assert "t Tab" not in drawn(footer)[0].text
        screen.show_tab("tab-checks")
        await pilot.pause()
        assert footer.keys == before


# --- widths ---------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_footer_fits_the_width_and_tab_labels_are_whole(
    make_app: AppFactory, sessions_dir: Path, size: tuple[int, int]
) -> None:
    width, _height = size
    app, _path = brightlane_app(make_app, sessions_dir)
    async with opened(app, size=size) as pilot:
        await pilot.pause()
        screen = stage_screen(app)
        footer = screen.query_one(KeyFooter)
        assert footer.region.width == width
        assert footer.region.height == 1
        line = drawn(footer)
        assert len(line) == 1
        assert line[0].cell_length == width
        text = line[0].text
        assert text.endswith(palette_entry(screen))
        for key in footer.keys:
            assert f"{key.display} {key.description}" in text

        bar = screen.query_one("#tabs", TabBar)
        labels = drawn(bar)[0].text
        assert "…" not in labels
        for tab, start, end in bar.spans():
            assert end <= bar.size.width, tab.label
            assert labels[start:end] == tab.label

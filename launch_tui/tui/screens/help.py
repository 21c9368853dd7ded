"""The help screen: every command of the screen underneath and of the app, from the same list
that makes the key bindings and the command palette, with the user's keymap applied."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen

from launch_tui.tui import commands
from launch_tui.tui.screens.base import LaunchScreen
from launch_tui.tui.widgets.footer import KeyFooter
from launch_tui.tui.widgets.plain import Plain

LEGEND = (
    ("✓ ! ✗ ?", "pass, warning, fail, could not check"),
    ("○ ·", "waiting for your confirmation, not run yet"),
    ("Δ", "the status changed since the previous run"),
    ("F A D", "a fix, an accepted risk or a deferral is recorded"),
)


def help_table(
    scope: str, keymap: dict[str, str], keymap_path: str, warnings: tuple[str, ...]
) -> Group:
    """The help as literal text in a grid: the screen's commands first, then the app's."""
    parts: list[Text | Table] = []
    scopes = [scope] if scope != commands.APP else []
    scopes.append(commands.APP)
    for name in scopes:
        parts.append(Text(commands.SCOPE_TITLES.get(name, name), style="bold underline"))
        grid = Table.grid(padding=(0, 1), expand=True)
        grid.add_column(width=9, no_wrap=True)
        grid.add_column(width=11, no_wrap=True)
        grid.add_column(ratio=1)
        for cmd in commands.commands_for(name):
            if cmd.id.startswith("stage.goto") and cmd.id != "stage.goto1":
                continue
            goto = cmd.id == "stage.goto1"
            key = "1-7" if goto else commands.key_label(cmd, keymap)
            description = "Stage N" if goto else cmd.description
            tooltip = Text("Go to a stage by its number." if goto else cmd.tooltip)
            tooltip.append(f"  {cmd.id}", style="dim italic")
            grid.add_row(Text(key, style="bold"), Text(description), tooltip)
        parts.append(grid)
        if name == commands.STAGE:
            legend = Table.grid(padding=(0, 1))
            legend.add_column(width=9, no_wrap=True)
            legend.add_column()
            for glyphs, meaning in LEGEND:
                legend.add_row(Text(glyphs, style="bold"), Text(meaning, style="dim"))
            parts.append(Text("In the check table", style="bold"))
            parts.append(legend)
        parts.append(Text(""))
    footer = Text("Keys can be changed in ", style="dim")
    footer.append(keymap_path or "keymap.toml", style="bold")
    footer.append(' with lines like  "stage.run" = "f5"  (the ids above).', style="dim")
    parts.append(footer)
    for warning in warnings:
        parts.append(Text(f"! {warning}", style="yellow"))
    return Group(*parts)


class HelpScreen(LaunchScreen):
    """Keys and commands of the screen it was opened from."""

    SCOPE: ClassVar[str] = commands.OVERLAY
    BINDINGS = commands.bindings(commands.OVERLAY)

    def __init__(self, under: Screen[object]) -> None:
        super().__init__(classes="help-screen")
        self.under_scope = commands.screen_scope(under)

    def compose(self) -> ComposeResult:
        yield Plain(
            Text(" Help — keys and commands (ctrl+p searches them)", style="bold"), id="help-title"
        )
        with VerticalScroll(id="help-scroll"):
            yield Plain("", id="help-text")
        yield KeyFooter()

    def on_mount(self) -> None:
        result = self.launch.keymap_result
        path = str(result.path) if result.path is not None else ""
        self.query_one("#help-text", Plain).update(
            help_table(self.under_scope, self.launch.user_keymap, path, result.warnings)
        )
        self.query_one("#help-scroll").focus()

    def action_close(self) -> None:
        self.app.pop_screen()

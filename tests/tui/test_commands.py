"""One command list feeds bindings, footer, help and the palette; the keymap remaps it."""

from __future__ import annotations

from pathlib import Path

from conftest import AppFactory, copy_session
from textual.binding import Binding
from textual.command import CommandPalette

from launch_tui.tui import commands
from launch_tui.tui.app import LaunchApp
from launch_tui.tui.command_palette import CommandsProvider
from launch_tui.tui.keymap import KeymapResult, keymap_path, load_keymap, parse_keymap
from launch_tui.tui.screens.help import HelpScreen
from launch_tui.tui.screens.home import HomeScreen
from launch_tui.tui.screens.monitor_dashboard import MonitorScreen
from launch_tui.tui.screens.people import PeopleScreen
from launch_tui.tui.screens.readiness import ReadinessScreen
from launch_tui.tui.screens.rollback_drill import DrillScreen
from launch_tui.tui.screens.stage import StageScreen
from launch_tui.tui.screens.wizard import WizardScreen


def test_every_command_has_id_description_and_tooltip() -> None:
    ids = [c.id for c in commands.COMMANDS]
    assert len(ids) == len(set(ids))
    for cmd in commands.COMMANDS:
        assert cmd.description.strip() and cmd.tooltip.strip(), cmd.id
        assert cmd.id.split(".")[0] in {
            "app",
            "home",
            "stage",
            "overlay",
            "people",
            "readiness",
            "wizard",
            "monitor",
            "drill",
        }


def test_every_binding_of_every_screen_comes_from_the_command_list() -> None:
    for owner in (
        LaunchApp,
        HomeScreen,
        StageScreen,
        ReadinessScreen,
        PeopleScreen,
        HelpScreen,
        WizardScreen,
        MonitorScreen,
        DrillScreen,
    ):
        for binding in owner.BINDINGS:
            assert isinstance(binding, Binding)
            assert binding.id in commands.COMMAND_IDS, (owner.__name__, binding)
            cmd = commands.command(binding.id)
            assert (binding.key, binding.action, binding.tooltip) == (
                cmd.key,
                cmd.action,
                cmd.tooltip,
            )


def test_keymap_file_parses_ids_tables_and_reports_problems(tmp_path: Path) -> None:
    text = """
"stage.run" = "f5"
bogus = "x"
[stage]
decide = "ctrl+d"
assign = 3
[app]
quit = "ctrl+q,q"
help = "not a key!"
"""
    result = parse_keymap(text, tmp_path / "keymap.toml")
    assert result.keymap == {"stage.run": "f5", "stage.decide": "ctrl+d", "app.quit": "ctrl+q,q"}
    joined = "\n".join(result.warnings)
    assert "bogus" in joined and "stage.assign" in joined and "app.help" in joined


def test_keymap_syntax_error_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "keymap.toml"
    path.write_text('"stage.run" = ', encoding="utf-8")
    result = load_keymap(path)
    assert result.keymap == {} and "not valid TOML" in result.warnings[0]
    assert load_keymap(tmp_path / "missing.toml").keymap == {}


def test_keymap_path_follows_xdg() -> None:
    assert keymap_path({"XDG_CONFIG_HOME": "/cfg"}) == Path("/cfg/launch-tui/keymap.toml")
    assert keymap_path({"HOME": "/home/sam", "XDG_CONFIG_HOME": "relative"}) == Path(
        "/home/sam/.config/launch-tui/keymap.toml"
    )


async def test_remapped_key_runs_the_command_and_help_shows_it(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    path = copy_session("brightlane", sessions_dir)
    keymap = KeymapResult({"app.readiness": "f6"}, path=sessions_dir / "keymap.toml")
    app = make_app(open_path=path, keymap=keymap)
    async with app.run_test() as pilot:
        await pilot.pause()
        await app.wait_opened()
        await pilot.press("f6")
        await pilot.pause()
        assert isinstance(app.screen, ReadinessScreen)
        await pilot.press("escape", "f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "f6" in commands.key_label(commands.command("app.readiness"), app.user_keymap)


async def test_palette_lists_the_screen_commands_and_runs_them(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    path = copy_session("brightlane", sessions_dir)
    app = make_app(open_path=path)
    async with app.run_test() as pilot:
        await pilot.pause()
        await app.wait_opened()
        assert isinstance(app.screen, StageScreen)
        provider = CommandsProvider(app.screen)
        found = [hit.text async for hit in provider.search("readiness")]
        assert "Readiness" in found
        discovered = [hit.text async for hit in provider.discover()]
        assert {"Run", "Decide", "Confirm"} <= set(discovered)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"people")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PeopleScreen)

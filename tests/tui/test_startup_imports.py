"""The first screen does not wait for the heavy libraries: they load after it is painted.

Each test runs a fresh interpreter (``python -c``) so that nothing imported by other tests
counts. The app is built as ``launch_tui.tui.launch.run_app`` builds it: the check registry is
a loader the app calls once the first screen is on the terminal. Here the loader records what
was imported at that moment, then loads the real registry.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import copy_session

#: Loaded when first needed, never to paint the first screen: the network stack, templates,
#: the editable TOML document, the check engine, and the installed package's metadata.
HEAVY = (
    "httpx",
    "httpcore",
    "dns",
    "jinja2",
    "cryptography",
    "tomlkit",
    "markdown_it",
    "launch_tui.checks",
    "launch_tui.net",
    "importlib.metadata",
)

FIRST_SCREEN = r"""
import asyncio, gc, json, sys
from pathlib import Path

from launch_tui import launcher
launcher.pause_collector()  # as the console script does (launch_tui.launcher.run)

import launch_tui.cli.main, launch_tui.cli.cmd_open  # the command line's way to the screen
import launch_tui.tui.launch  # the entry the CLI uses
after_import = sorted(sys.modules)

from launch_tui.core.playbook import builtin_playbook
from launch_tui.tui.app import AppOptions, LaunchApp
from launch_tui.tui.screens.stage import StageScreen
from launch_tui.tui.widgets.check_table import CheckTable

seen = {}

def registry():
    screen = app.screen
    tables = list(screen.query(CheckTable)) if isinstance(screen, StageScreen) else []
    seen["rows_shown"] = bool(tables and tables[0].row_count)
    seen["at_first_screen"] = sorted(sys.modules)
    seen["collector_on"] = gc.isenabled()
    from launch_tui.checks import default_registry

    return default_registry()

def services(session):
    from launch_tui.checks.engine.context import CheckServices

    return CheckServices()

path = Path(sys.argv[1])
app = LaunchApp(
    sessions_dir=path.parent,
    playbook=builtin_playbook(),
    registry=registry,
    services_factory=services,
    open_path=path,
    options=AppOptions(cursor_blink=False),
)

async def auto_pilot(pilot):
    while app.registry is None:
        await asyncio.sleep(0.01)
    await pilot.pause()
    # Then the saver parses the open file for editing, before any save needs it.
    assert app.controller.flush(timeout=30)
    seen["prepared"] = app.controller.handle._loaded.doc is not None
    app.exit()

app.run(headless=True, size=(80, 24), auto_pilot=auto_pilot)
print(json.dumps({
    "after_import": after_import,
    "rows_shown": seen["rows_shown"],
    "at_first_screen": seen["at_first_screen"],
    "checks": len(app.registry),
    "collector_on": seen["collector_on"],
    "prepared": seen["prepared"],
}))
"""


def _heavy(modules: list[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


def test_heavy_libraries_load_after_the_first_screen(tmp_path: Path) -> None:
    path = copy_session("brightlane", tmp_path / "sessions")
    out = subprocess.run(
        [sys.executable, "-c", FIRST_SCREEN, str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert _heavy(seen["after_import"]) == []
    assert seen["rows_shown"], "the registry was loaded before the check rows were shown"
    assert _heavy(seen["at_first_screen"]) == []
    # And the registry the app loaded afterwards is the real one.
    assert seen["checks"] > 0
    # The garbage collector, paused for the start, is on again once the screen is up.
    assert seen["collector_on"]
    # And the saver has the file parsed for its first save.
    assert seen["prepared"]

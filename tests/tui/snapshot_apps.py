"""Apps for the SVG snapshots: fixed clock, fixed session data, fixed file times, no blinking.

Snapshots compare pixels-as-text, so nothing time- or machine-dependent may show: the clock is
fixed, the sessions folder is labelled rather than shown by its temporary path, file times are
set, no check runs (no live durations), and cursors do not blink.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from pathlib import Path

from conftest import FIXED_NOW, copy_session, fake_registry, fixed_clock, no_services
from textual.pilot import Pilot

from launch_tui.core.playbook import builtin_playbook
from launch_tui.tui.app import AppOptions, LaunchApp
from launch_tui.tui.keymap import KeymapResult

SIZES = [(80, 24), (120, 40)]
SIZE_IDS = ["80x24", "120x40"]

_SAVED = FIXED_NOW.timestamp() - 2 * 3600  # "2 h ago" on the home screen


def snapshot_app(folder: Path, *, open_session: bool = True) -> LaunchApp:
    """The Brightlane session (opened on its stage, or listed on the home screen)."""
    path = copy_session("brightlane", folder)
    os.utime(path, (_SAVED, _SAVED))
    return LaunchApp(
        sessions_dir=folder,
        playbook=builtin_playbook(),
        registry=fake_registry(),
        services_factory=no_services,
        clock=fixed_clock,
        keymap=KeymapResult({}, path=Path("~/.config/launch-tui/keymap.toml")),
        open_path=path if open_session else None,
        options=AppOptions(cursor_blink=False, theme="textual-dark", sessions_label="sessions/"),
    )


def pressing(*keys: str) -> Callable[[Pilot[object]], Awaitable[None]]:
    """A ``run_before`` that waits for the session to be open, then presses ``keys``."""

    async def run_before(pilot: Pilot[object]) -> None:
        app = pilot.app
        assert isinstance(app, LaunchApp)
        await pilot.pause()
        await app.wait_opened()
        await pilot.press(*keys)
        await app.workers.wait_for_complete()
        await pilot.pause()

    return run_before

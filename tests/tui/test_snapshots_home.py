"""SVG snapshots of the home screen."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from snapshot_apps import SIZE_IDS, SIZES, snapshot_app
from textual.pilot import Pilot

Snap = Callable[..., bool]


async def _loaded(pilot: Pilot[object]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_home(snap_compare: Snap, tmp_path: Path, size: tuple[int, int]) -> None:
    app = snapshot_app(tmp_path / "sessions", open_session=False)
    assert snap_compare(app, terminal_size=size, run_before=_loaded)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_home_without_sessions(snap_compare: Snap, tmp_path: Path, size: tuple[int, int]) -> None:
    app = snapshot_app(tmp_path / "sessions", open_session=False)
    (tmp_path / "sessions" / "brightlane.toml").unlink()
    assert snap_compare(app, terminal_size=size, run_before=_loaded)

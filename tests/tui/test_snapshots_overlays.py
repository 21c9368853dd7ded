"""SVG snapshots of the readiness view and the help screen."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from snapshot_apps import SIZE_IDS, SIZES, pressing, snapshot_app

Snap = Callable[..., bool]


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_readiness(snap_compare: Snap, tmp_path: Path, size: tuple[int, int]) -> None:
    app = snapshot_app(tmp_path / "sessions")
    assert snap_compare(app, terminal_size=size, run_before=pressing("v"))


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_help(snap_compare: Snap, tmp_path: Path, size: tuple[int, int]) -> None:
    app = snapshot_app(tmp_path / "sessions")
    assert snap_compare(app, terminal_size=size, run_before=pressing("f1"))

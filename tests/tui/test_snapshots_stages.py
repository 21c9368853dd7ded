"""SVG snapshots of the seven stage screens with results, and of a deliverable."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from snapshot_apps import SIZE_IDS, SIZES, pressing, snapshot_app
from textual.pilot import Pilot

Snap = Callable[..., bool]


def _on_stage(number: int) -> Callable[[Pilot[object]], object]:
    return pressing(str(number))


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
@pytest.mark.parametrize("number", range(1, 8))
def test_stage(snap_compare: Snap, tmp_path: Path, number: int, size: tuple[int, int]) -> None:
    app = snapshot_app(tmp_path / "sessions")
    assert snap_compare(app, terminal_size=size, run_before=_on_stage(number))


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
@pytest.mark.parametrize("number", [2, 3, 7])
def test_stage_deliverable(
    snap_compare: Snap, tmp_path: Path, number: int, size: tuple[int, int]
) -> None:
    async def go(pilot: Pilot[object]) -> None:
        await _on_stage(number)(pilot)  # type: ignore[misc]
        await pilot.press("t")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    app = snapshot_app(tmp_path / "sessions")
    assert snap_compare(app, terminal_size=size, run_before=go)

"""A save pauses the cyclic garbage collector, and leaves it as it found it."""

from __future__ import annotations

import dataclasses
import gc
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_session_codec import make_session

from launch_tui.core.errors import SessionSaveError
from launch_tui.core.model import UiState
from launch_tui.store import REAL_FILE_OPS, create_session, open_session


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_the_collector_is_off_while_a_save_writes_and_on_after(
    tmp_path: Path, collector_on: None
) -> None:
    path = tmp_path / "s.toml"
    create_session(path, make_session()).close()
    seen: list[bool] = []

    def fsync(fd: int) -> None:
        seen.append(gc.isenabled())
        os.fsync(fd)

    ops = dataclasses.replace(REAL_FILE_OPS, fsync=fsync)
    with open_session(path, file_ops=ops) as handle:
        handle.save(dataclasses.replace(handle.session, ui=UiState("audit", "x")))
    assert seen and not any(seen)
    assert gc.isenabled()


def test_a_failed_save_turns_the_collector_back_on(tmp_path: Path, collector_on: None) -> None:
    path = tmp_path / "s.toml"
    create_session(path, make_session()).close()

    def fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    ops = dataclasses.replace(REAL_FILE_OPS, fsync=fsync)
    with open_session(path, file_ops=ops) as handle, pytest.raises(SessionSaveError):
        handle.save(dataclasses.replace(handle.session, ui=UiState("audit", "x")))
    assert gc.isenabled()


def test_a_collector_paused_elsewhere_stays_paused(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    create_session(path, make_session()).close()
    was = gc.isenabled()
    gc.disable()
    try:
        with open_session(path) as handle:
            handle.save(dataclasses.replace(handle.session, ui=UiState("audit", "x")))
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()

"""The TUI's saver thread parses the open file for editing before the first save needs it.

The first save after opening then only renders what changed. The parse waits until it is asked
for (the app asks once the first screen is painted: it imports tomlkit). A file that cannot be
edited must not cost the saver its thread: the save that needs the document reports the same
error.
"""

from __future__ import annotations

import dataclasses
import shutil
import time
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import pytest
from tomlkit.toml_document import TOMLDocument

from launch_tui.core.errors import LaunchError, SessionSaveError
from launch_tui.core.model import UiState
from launch_tui.core.session_codec import CodecError
from launch_tui.store import Migration, load_session, open_session
from launch_tui.store.migrate import MIGRATIONS
from launch_tui.tui.controller import Saver

HANDWRITTEN = Path(__file__).parents[1] / "data" / "sessions" / "handwritten.toml"


def _refuse_documents(data: MutableMapping[str, Any]) -> None:
    # Plain data (what opening reads) upgrades; the tomlkit document (what saving edits) cannot.
    if isinstance(data, TOMLDocument):
        raise CodecError("sprint", "cannot be edited in place")


def test_the_saver_saves_after_preparing_the_document(tmp_path: Path) -> None:
    path = tmp_path / HANDWRITTEN.name
    shutil.copyfile(HANDWRITTEN, path)
    before = path.read_text("utf-8")
    errors: list[LaunchError] = []
    with open_session(path) as handle:
        saver = Saver(handle, errors.append)
        saver.prepare()
        session = dataclasses.replace(handle.session, ui=UiState("request-path", "home"))
        saver.request(session)
        assert saver.flush(timeout=30)
        saver.close()
    assert errors == []
    assert saver.saves == 1
    assert path.read_text("utf-8") == before.replace('selection = "login"', 'selection = "home"')
    assert load_session(path).ui == session.ui


def test_a_file_that_cannot_be_edited_is_reported_by_the_save_and_the_saver_lives_on(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.toml"
    text = HANDWRITTEN.read_text("utf-8").replace("schema_version = 3", "schema_version = 0")
    path.write_text(text, "utf-8")
    refuse = Migration(0, "refuses documents", _refuse_documents)
    errors: list[LaunchError] = []
    with open_session(path, migrations=[refuse, *MIGRATIONS]) as handle:
        saver = Saver(handle, errors.append)
        saver.prepare()
        assert saver.flush(timeout=30)
        for selection in ("home", "login"):
            saver.request(
                dataclasses.replace(handle.session, ui=UiState("request-path", selection))
            )
            assert saver.flush(timeout=30)  # the thread is alive and took the request
        saver.close()
    assert len(errors) == 2
    assert all(isinstance(e, SessionSaveError) for e in errors)
    assert path.read_text("utf-8") == text  # never saved over


def test_the_saver_parses_only_when_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / HANDWRITTEN.name
    shutil.copyfile(HANDWRITTEN, path)
    with open_session(path) as handle:
        calls: list[float] = []
        real = handle.prepare

        def prepare() -> None:
            calls.append(time.monotonic())
            real()

        monkeypatch.setattr(handle, "prepare", prepare)
        saver = Saver(handle, pytest.fail)
        time.sleep(0.2)
        assert calls == []  # not before the app asks (the first screen is being painted)
        saver.prepare()
        assert saver.flush(timeout=30)
        assert len(calls) == 1
        saver.prepare()
        assert saver.flush(timeout=30)
        assert len(calls) == 2  # already parsed: the handle's prepare returns at once
        saver.close()
        assert saver.saves == 0

"""Opening a session reads it with tomllib; the editable tomlkit document waits for a save.

Showing a session must not wait for tomlkit (importing it and parsing a typical file with it
take a few hundred milliseconds on a small machine), while saves keep editing the file in
place, atomically, keeping comments and hand edits.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import pytest
from tomlkit.toml_document import TOMLDocument

from launch_tui.core.errors import SessionSaveError
from launch_tui.core.model import UiState
from launch_tui.core.session_codec import CodecError
from launch_tui.store import Migration, load_session, open_session
from launch_tui.store.migrate import MIGRATIONS

HANDWRITTEN = Path(__file__).parents[1] / "data" / "sessions" / "handwritten.toml"

OPEN_THEN_SAVE = r"""
import dataclasses, json, sys
from pathlib import Path
from launch_tui.core.model import UiState
from launch_tui.store import open_session

seen = {}
with open_session(Path(sys.argv[1])) as handle:
    seen["opened"] = "tomlkit" in sys.modules
    handle.save(dataclasses.replace(handle.session, ui=UiState("request-path", "home")))
    seen["saved"] = "tomlkit" in sys.modules
print(json.dumps(seen))
"""


def _copy(folder: Path) -> Path:
    target = folder / HANDWRITTEN.name
    shutil.copyfile(HANDWRITTEN, target)
    return target


def test_opening_does_not_import_tomlkit_and_the_first_save_does(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    before = path.read_text("utf-8")
    out = subprocess.run(
        [sys.executable, "-c", OPEN_THEN_SAVE, str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert json.loads(out.stdout) == {"opened": False, "saved": True}
    # The save edited the file in place: one value changed, comments and layout kept.
    assert path.read_text("utf-8") == before.replace('selection = "login"', 'selection = "home"')


def test_prepare_parses_ahead_and_saves_still_change_only_what_changed(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    before = path.read_text("utf-8")
    with open_session(path) as handle:
        handle.prepare()
        handle.prepare()  # once is enough; again does nothing
        saved = handle.save(dataclasses.replace(handle.session, ui=UiState("request-path", "home")))
    assert path.read_text("utf-8") == before.replace('selection = "login"', 'selection = "home"')
    assert load_session(path) == saved


def test_prepare_on_a_read_only_handle_does_nothing(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    with open_session(path, read_only=True) as handle:
        handle.prepare()
        assert handle.read_only


def _refuse_documents(data: MutableMapping[str, Any]) -> None:
    # Plain data (what opening reads) upgrades; the tomlkit document (what saving edits)
    # cannot: a stand-in for a text that tomllib reads but tomlkit cannot edit in place.
    if isinstance(data, TOMLDocument):
        raise CodecError("sprint", "cannot be edited in place")


def test_a_file_whose_document_cannot_be_edited_is_not_saved_over(tmp_path: Path) -> None:
    path = tmp_path / "old.toml"
    text = HANDWRITTEN.read_text("utf-8").replace("schema_version = 3", "schema_version = 0")
    assert text != HANDWRITTEN.read_text("utf-8")
    path.write_text(text, "utf-8")
    refuse = Migration(0, "refuses documents", _refuse_documents)
    with open_session(path, migrations=[refuse, *MIGRATIONS]) as handle:
        assert handle.migrated_from == 0  # opened and shown
        with pytest.raises(SessionSaveError, match="not saved"):
            handle.save(handle.session)
        with pytest.raises(SessionSaveError, match="not saved"):
            handle.prepare()
    assert path.read_text("utf-8") == text

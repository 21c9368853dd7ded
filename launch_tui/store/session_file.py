"""Reading a session file: read, decode, parse, migrate and validate it, and what it holds.

Opening reads the file with tomli (core.toml_read), which is fast; the comment-keeping tomlkit
document that saving edits (:func:`editable_document`) is parsed from the same text when a save
first needs it, so showing a session never waits for it. A file that fails is never written: the
error names the file, line and column and what was expected.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from launch_tui.core.errors import SessionError, SessionValidationError
from launch_tui.core.model import Session
from launch_tui.core.session_codec import CodecError, session_from_data, session_to_data
from launch_tui.store.atomic import FileSignature, describe_os_error
from launch_tui.store.migrate import Migration, migrate
from launch_tui.store.plain_parse import parse_plain
from launch_tui.store.toml_text import decode_text, locate

if TYPE_CHECKING:
    # tomlkit (with the modules that use it) is imported when a document is first edited.
    from tomlkit.toml_document import TOMLDocument

__all__ = [
    "MAX_FILE_BYTES",
    "LoadedFile",
    "editable_document",
    "fresh_text",
    "load_file",
    "parses_as_toml",
    "real_path",
]

MAX_FILE_BYTES = 32 * 1024 * 1024
"""Larger files are refused rather than parsed (a wrong file picked by mistake)."""


def parses_as_toml(text: str, path: Path) -> bool:
    """Whether ``text`` is valid TOML: checked before an in-place edit is written.

    tomlkit renders some edits of a document as text that does not parse (seen: an array of
    tables emptied to a plain table, written with no line break before the next header). Such
    text must never replace a good file. Parsing costs about 3 ms for a typical session, so it is
    done after edits that add, remove or replace tables and arrays (``Changes.reshaped``), not
    after values changed in place. That a save reads back as the session saved is what the
    store's property tests check.
    """
    try:
        parse_plain(text, path)
    except SessionError:
        return False
    return True


def fresh_text(saved: Session) -> str:
    """``saved`` written as a new session file is (comments made by hand are lost; data is not)."""
    from launch_tui.store.new_file import render_new_file

    return render_new_file(saved)


@dataclass
class LoadedFile:
    """A file as read: its text, its editable document (once parsed), what it holds."""

    text: str
    doc: TOMLDocument | None
    """The tomlkit document of ``text``, migrated; ``None`` until a save needs it."""
    session: Session
    data: dict[str, Any]
    """``session_to_data(session)``: the baseline the next save is compared with."""
    signature: FileSignature
    migrated_from: int


def real_path(path: Path) -> Path:
    # Saves replace the file a symlink points to, not the symlink; locks sit beside it.
    return Path(os.path.realpath(path))


def _read(real: Path, shown: Path) -> tuple[bytes, FileSignature]:
    try:
        fd = os.open(real, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise SessionError(
            f"{shown}: no such session file", shown, title="Session not found"
        ) from None
    except OSError as exc:
        raise SessionError(f"{shown}: cannot be read ({describe_os_error(exc)})", shown) from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise SessionError(f"{shown}: not a regular file", shown)
    with os.fdopen(fd, "rb") as handle:
        if st.st_size > MAX_FILE_BYTES:
            raise SessionError(
                f"{shown}: too large for a session file ({st.st_size // (1024 * 1024)} MB)",
                shown,
            )
        try:
            content = handle.read()
        except OSError as exc:
            raise SessionError(
                f"{shown}: cannot be read ({describe_os_error(exc)})", shown
            ) from None
    return content, FileSignature.of(st)


def load_file(real: Path, shown: Path, *, migrations: Sequence[Migration]) -> LoadedFile:
    """Read, parse (core.toml_read), migrate and validate a file; its document is parsed later."""
    content, signature = _read(real, shown)
    text = decode_text(content, shown)
    plain = parse_plain(text, shown)
    try:
        migrated_from = migrate(plain, migrations=migrations)
        session = session_from_data(plain)
    except CodecError as exc:
        line, column = locate(text, exc.key)
        raise SessionValidationError(exc.reason, shown, exc.key, line, column) from None
    return LoadedFile(text, None, session, session_to_data(session), signature, migrated_from)


def editable_document(
    text: str, shown: Path, migrations: Sequence[Migration], *, split: bool = True
) -> TOMLDocument:
    """The tomlkit document of ``text`` (already read and validated), migrated like its data;
    its ``[[results]]`` kept as their lines when that is proven sound and ``split`` allows
    (``store/document_split.py``).

    Raises :class:`SessionParseError` when tomlkit refuses the text (it is stricter than tomli
    in a few corners).
    """
    from launch_tui.store.document import parse_document
    from launch_tui.store.document_split import split_document

    lines = split_document(text) if split else None
    if lines is not None:
        return lines  # current schema: nothing to migrate
    doc = parse_document(text, shown)
    try:
        migrate(doc, migrations=migrations)
    except CodecError as exc:
        line, column = locate(text, exc.key)
        raise SessionValidationError(exc.reason, shown, exc.key, line, column) from None
    return doc

"""Open, save, create, list and load session files, without ever losing work.

* A file is parsed, migrated and validated before anything else happens; a file that fails is
  never written, and the error names the file, line and column and what was expected
  (:mod:`~launch_tui.store.session_file`).
* A session open for writing holds the session's lock; a second opener gets a read-only handle
  with a notice saying who has it (:attr:`SessionHandle.locked_by`).
* Saving changes the file's TOML document in place (only the values that changed), then
  replaces the file atomically and durably; a file edited by hand meanwhile is merged, not
  overwritten (:mod:`~launch_tui.store.session_handle`). A failed save leaves the file as it was.
* Opening reads the file with tomli (core.toml_read), which is fast; the comment-keeping tomlkit
  document that saving edits is parsed from the same text on the first save (or
  :meth:`SessionHandle.prepare`), so showing a session never waits for it, and tomlkit is not
  even imported until then.
* The saved-sessions listing is :mod:`~launch_tui.store.session_listing`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Literal

from launch_tui.core.errors import (
    SessionError,
    SessionLockedError,
    SessionSaveError,
)
from launch_tui.core.model import SCHEMA_VERSION, Session
from launch_tui.core.session_codec import CodecError, session_from_data, session_to_data
from launch_tui.store import atomic
from launch_tui.store.atomic import (
    REAL_FILE_OPS,
    FileOps,
    describe_os_error,
    temp_files_for,
    write_atomic,
)
from launch_tui.store.lock import LockOwner, SessionLock, lock_owner, read_owner_of_held, try_lock
from launch_tui.store.migrate import MIGRATIONS, Migration
from launch_tui.store.session_file import LoadedFile, load_file, real_path
from launch_tui.store.session_handle import SessionHandle

__all__ = [
    "IfLocked",
    "cleanup_temp_files",
    "create_session",
    "load_session",
    "open_session",
]

IfLocked = Literal["read-only", "raise"]
"""What :func:`open_session` does when another process has the session open."""


def open_session(
    path: Path | str,
    *,
    read_only: bool = False,
    if_locked: IfLocked = "read-only",
    file_ops: FileOps = REAL_FILE_OPS,
    migrations: Sequence[Migration] = MIGRATIONS,
) -> SessionHandle:
    """Open a session file to work on it: parse, migrate, validate and lock it.

    When another process has it open, the handle is read-only with ``locked_by`` set (or, with
    ``if_locked="raise"``, :class:`SessionLockedError` is raised). A folder or file that cannot
    be written also gives a read-only handle, with a ``notice`` saying why. Leftover temporary
    files of interrupted saves are removed.

    Raises :class:`SessionParseError` / :class:`SessionValidationError` (with line and column)
    for a bad file and :class:`SessionError` for a missing or unreadable one; the file is never
    changed by a failed open.
    """
    shown = Path(path)
    real = real_path(shown)
    lock: SessionLock | None = None
    locked_by: LockOwner | None = None
    notice: str | None = None
    if not read_only:
        try:
            lock = try_lock(real)
        except OSError as exc:
            notice = f"cannot write in {real.parent} ({describe_os_error(exc)}); opened read-only"
        else:
            if lock is None:
                locked_by = read_owner_of_held(real)
                if if_locked == "raise":
                    raise SessionLockedError(
                        f"{shown} is open in another launch-tui ({locked_by}); "
                        "close it there first",
                        shown,
                    )
                notice = (
                    f"{shown.name} is open in another launch-tui ({locked_by}); "
                    "opened read-only, so changes here cannot be saved"
                )
    try:
        loaded = load_file(real, shown, migrations=migrations)
        if lock is not None and not os.access(real, os.W_OK):
            lock.release()
            lock = None
            notice = f"{shown.name} is not writable (file permissions); opened read-only"
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    if lock is not None:
        for temp in temp_files_for(real):
            with contextlib.suppress(OSError):
                os.unlink(temp)
    return SessionHandle(
        shown,
        real,
        loaded,
        lock=lock,
        read_only=lock is None,
        locked_by=locked_by,
        notice=notice,
        file_ops=file_ops,
        migrations=migrations,
    )


def create_session(
    path: Path | str,
    session: Session,
    *,
    exist_ok: bool = False,
    file_ops: FileOps = REAL_FILE_OPS,
) -> SessionHandle:
    """Write a new, commented session file for ``session`` and return it open for writing.

    Creates the folder if needed. An existing file is an error (:class:`SessionError`, title
    "Session already exists") unless ``exist_ok``, which replaces it with the new file; a
    session open in another process is never replaced (:class:`SessionLockedError`).
    """
    shown = Path(path)
    try:
        shown.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise SessionSaveError(
            f"{shown}: not created: cannot make the folder {shown.parent} "
            f"({describe_os_error(exc)})",
            shown,
        ) from None
    real = real_path(shown)
    try:
        lock = try_lock(real)
    except OSError as exc:
        raise SessionSaveError(
            f"{shown}: not created: cannot write in {real.parent} ({describe_os_error(exc)})",
            shown,
        ) from None
    if lock is None:
        raise SessionLockedError(
            f"{shown} is open in another launch-tui ({read_owner_of_held(real)}); "
            "it was not replaced",
            shown,
        )
    try:
        if real.exists() and not exist_ok:
            raise SessionError(
                f"{shown} already exists; open it, or choose another name",
                shown,
                title="Session already exists",
            )
        session = replace(session, schema_version=SCHEMA_VERSION)
        try:
            saved = session_from_data(session_to_data(session))
        except CodecError as exc:
            raise SessionSaveError(
                f"{shown}: not created: {exc.key}: {exc.reason}", shown
            ) from None
        from launch_tui.store.document import parse_document
        from launch_tui.store.document_split import split_document
        from launch_tui.store.new_file import render_new_file

        text = render_new_file(saved)
        # Reopened files are parsed (their results kept as lines when that is sound); so is
        # this one.
        doc = split_document(text) or parse_document(text, shown)
        for temp in temp_files_for(real):
            with contextlib.suppress(OSError):
                os.unlink(temp)
        try:
            encoded = text.encode("utf-8")
        except UnicodeEncodeError:
            raise SessionSaveError(
                f"{shown}: not created: a value holds text that cannot be stored as UTF-8",
                shown,
            ) from None
        signature = write_atomic(real, encoded, ops=file_ops)
    except BaseException:
        lock.release()
        raise
    loaded = LoadedFile(text, doc, saved, session_to_data(saved), signature, SCHEMA_VERSION)
    return SessionHandle(shown, real, loaded, lock=lock, read_only=False, file_ops=file_ops)


def load_session(path: Path | str, *, migrations: Sequence[Migration] = MIGRATIONS) -> Session:
    """Read a session file without locking it (for reports, headless checks, previews)."""
    shown = Path(path)
    return load_file(real_path(shown), shown, migrations=migrations).session


def cleanup_temp_files(folder: Path | str) -> list[Path]:
    """Remove temporary files that interrupted saves left in ``folder``; return them.

    Files of sessions that some process has open are kept: they may belong to a save in
    progress. Call at start; :func:`open_session` also cleans up after the session it opens.
    """
    return atomic.cleanup_temp_files(
        Path(folder), in_use=lambda session: lock_owner(real_path(session)) is not None
    )

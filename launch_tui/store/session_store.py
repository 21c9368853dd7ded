"""Open, save, create, list and load session files, without ever losing work.

* A file is parsed, migrated and validated before anything else happens; a file that fails is
  never written, and the error names the file, line and column and what was expected.
* A session open for writing holds the session's lock; a second opener gets a read-only handle
  with a notice saying who has it (:attr:`SessionHandle.locked_by`).
* Saving changes the file's TOML document in place (only the values that changed), then
  replaces the file atomically and durably. A failed save leaves the file as it was.
* Opening reads the file with tomli (core.toml_read), which is fast; the comment-keeping tomlkit
  document that saving edits is parsed from the same text on the first save (or
  :meth:`SessionHandle.prepare`), so showing a session never waits for it, and tomlkit is not
  even imported until then.
* A file edited by hand while the app has it open is not overwritten: the hand edits are merged
  with the app's changes (the app's values win where both changed the same value).
"""

from __future__ import annotations

import contextlib
import os
import stat
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from launch_tui.core.errors import (
    SessionError,
    SessionLockedError,
    SessionReadOnlyError,
    SessionSaveError,
    SessionValidationError,
)
from launch_tui.core.model import SCHEMA_VERSION, STAGE_IDS, CheckResult, Session, StageStatus
from launch_tui.core.session_codec import (
    CodecError,
    result_from_data,
    result_to_data,
    session_from_data,
    session_to_data,
)
from launch_tui.store import atomic
from launch_tui.store.atomic import (
    REAL_FILE_OPS,
    FileOps,
    FileSignature,
    describe_os_error,
    file_signature,
    temp_files_for,
    write_atomic,
)
from launch_tui.store.lock import (
    LockOwner,
    SessionLock,
    lock_owner,
    read_owner_of_held,
    try_lock,
)
from launch_tui.store.migrate import MIGRATIONS, Migration, migrate
from launch_tui.store.plain_parse import parse_plain
from launch_tui.store.toml_text import decode_text, locate

if TYPE_CHECKING:
    # tomlkit (with the modules that use it) is imported when a document is first edited.
    from tomlkit.toml_document import TOMLDocument

    from launch_tui.store.document import Renderer

__all__ = [
    "IfLocked",
    "SessionHandle",
    "SessionSummary",
    "cleanup_temp_files",
    "create_session",
    "list_sessions",
    "load_session",
    "open_session",
]

IfLocked = Literal["read-only", "raise"]
"""What :func:`open_session` does when another process has the session open."""

MAX_FILE_BYTES = 32 * 1024 * 1024
"""Larger files are refused rather than parsed (a wrong file picked by mistake)."""


@dataclass(frozen=True)
class SessionSummary:
    """One line of the saved-sessions listing. ``error`` is set for files that cannot be read."""

    path: Path
    client: str = ""
    product: str = ""
    apex: str = ""
    sprint_id: str = ""
    started_at: datetime | None = None
    stage_counts: Mapping[StageStatus, int] = field(default_factory=dict)
    """How many of the seven stages are in each status (every status present, maybe 0)."""
    current_stage: str = ""
    """The stage the engineer was on when the session was last saved."""
    saved_at: datetime | None = None
    """Last modification time of the file (UTC)."""
    locked_by: LockOwner | None = None
    """Who has the session open for writing, if anyone (possibly this very process)."""
    error: SessionError | None = None
    """Why the file cannot be opened; the other fields are then mostly empty."""
    session: Session | None = None
    """The session itself (``None`` when unreadable), for anything else a listing shows, such
    as a readiness verdict computed with the playbook."""

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def mtime(self) -> float:
        """``saved_at`` as a POSIX timestamp (0.0 when unknown)."""
        return self.saved_at.timestamp() if self.saved_at is not None else 0.0

    @property
    def locked(self) -> bool:
        """True when another process has the session open (opening it here is read-only)."""
        return self.locked_by is not None and not self.locked_by.is_this_process

    @property
    def stages_done(self) -> int:
        return self.stage_counts.get(StageStatus.DONE, 0)

    @property
    def stages_total(self) -> int:
        return len(STAGE_IDS)


def _parses(text: str, path: Path) -> bool:
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


def _fresh_text(saved: Session) -> str:
    """``saved`` written as a new session file is (comments made by hand are lost; data is not)."""
    from launch_tui.store.new_file import render_new_file

    return render_new_file(saved)


@dataclass
class _Loaded:
    """A file as read: its text, its editable document (once parsed), what it holds."""

    text: str
    doc: TOMLDocument | None
    """The tomlkit document of ``text``, migrated; ``None`` until a save needs it."""
    session: Session
    data: dict[str, Any]
    """``session_to_data(session)``: the baseline the next save is compared with."""
    signature: FileSignature
    migrated_from: int


class _Encoder:
    """Session -> validated plain data, re-encoding only the results that changed.

    Results are most of a session's size and most saves change one or two of them. Results
    are frozen, so one that is the very same object as at the last save has the same data and
    the same validated form; those are kept here (with the object, so its id stays unique).
    """

    def __init__(self, session: Session, data: Mapping[str, Any]) -> None:
        self._memo: dict[int, tuple[CheckResult, dict[str, Any], CheckResult]] = {}
        for result, entry in zip(session.results, data["results"], strict=True):
            self._memo[id(result)] = (result, entry, result)

    def encode(self, session: Session, path: Path) -> tuple[dict[str, Any], Session]:
        """``(data, saved)``: the plain data to write, and the session reopening will give.

        Raises :class:`SessionSaveError` when a value would not read back (a file that would
        not open again is never written).
        """
        data = session_to_data(replace(session, results=()))
        try:
            saved = session_from_data(data)
            memo: dict[int, tuple[CheckResult, dict[str, Any], CheckResult]] = {}
            entries, results = [], []
            for index, result in enumerate(session.results):
                known = self._memo.get(id(result))
                if known is None or known[0] is not result:
                    entry = result_to_data(result)
                    known = (result, entry, result_from_data(entry, index))
                memo[id(result)] = known
                memo[id(known[2])] = (known[2], known[1], known[2])
                entries.append(known[1])
                results.append(known[2])
        except CodecError as exc:
            raise SessionSaveError(f"{path}: not saved: {exc.key}: {exc.reason}", path) from None
        data["results"] = entries
        self._memo = memo
        return data, replace(saved, results=tuple(results))


class SessionHandle:
    """An open session file. Use as a context manager, or call :meth:`close`.

    ``session`` is the current content; :meth:`save` writes a changed session. A read-only
    handle (``read_only``) refuses to save; ``notice`` says why it is read-only when that was
    not asked for, and ``locked_by`` who holds the session when that is the reason.
    """

    def __init__(
        self,
        path: Path,
        real_path: Path,
        loaded: _Loaded,
        *,
        lock: SessionLock | None,
        read_only: bool,
        locked_by: LockOwner | None = None,
        notice: str | None = None,
        file_ops: FileOps = REAL_FILE_OPS,
        migrations: Sequence[Migration] = MIGRATIONS,
    ) -> None:
        self._path = path
        self._real = real_path
        self._loaded = loaded
        self._lock = lock
        self._read_only = read_only
        self._locked_by = locked_by
        self._notice = notice
        self._ops = file_ops
        self._migrations = migrations
        self._closed = False
        self._mutex = threading.RLock()
        self._renderer: Renderer | None = None
        self._encoder = _Encoder(loaded.session, loaded.data)
        # A migrated file differs from what is on disk even when the session does not change.
        self._dirty = loaded.migrated_from != loaded.session.schema_version

    @property
    def path(self) -> Path:
        """The session file, as given when it was opened."""
        return self._path

    @property
    def session(self) -> Session:
        """The session as last read or saved."""
        return self._loaded.session

    @property
    def read_only(self) -> bool:
        """True when this handle cannot save."""
        return self._read_only

    @property
    def locked_by(self) -> LockOwner | None:
        """Who has the session open for writing, when that is why this handle is read-only."""
        return self._locked_by

    @property
    def notice(self) -> str | None:
        """A sentence for the user when the handle is read-only without being asked to be."""
        return self._notice

    @property
    def migrated_from(self) -> int | None:
        """The file's ``schema_version`` when it was upgraded on open, else ``None``."""
        v = self._loaded.migrated_from
        return None if v == self._loaded.session.schema_version else v

    @property
    def closed(self) -> bool:
        return self._closed

    def prepare(self) -> None:
        """Parse the editable document now, so that the first save does not have to.

        Optional (saving parses it when needed); blocking, so call it from a thread. Raises
        :class:`SessionSaveError` when the file's text cannot be edited (which a save would
        raise too); does nothing on a read-only or closed handle.
        """
        with self._mutex:
            if not self._closed and not self._read_only:
                self._document()

    def _document(self) -> tuple[TOMLDocument, Renderer]:
        """The editable document of the text last read or written, and its renderer."""
        from launch_tui.store.document import Renderer

        loaded = self._loaded
        if loaded.doc is None:
            try:
                loaded.doc = _editable_document(loaded.text, self._path, self._migrations)
            except SessionError as exc:
                # The text was read fine, but cannot be edited in place: leave it alone.
                raise SessionSaveError(
                    f"{self._path}: not saved: {exc.message}", self._path
                ) from None
            self._renderer = None
        if self._renderer is None:
            self._renderer = Renderer()
        return loaded.doc, self._renderer

    def save(self, session: Session) -> Session:
        """Write ``session`` to the file, changing only what changed; return it as saved.

        The returned session is what reopening the file gives: normally ``session`` itself (with
        timestamps in UTC); when the file was edited by hand since it was read, ``session`` with
        those edits merged in. Nothing is written when nothing changed.

        Raises :class:`SessionReadOnlyError` on a read-only handle and :class:`SessionSaveError`
        when the session cannot be written (disk full, permissions, an invalid value, a file
        broken by a hand edit); the file on disk is then unchanged.
        """
        with self._mutex:
            self._check_writable()
            if session.schema_version != SCHEMA_VERSION:
                session = replace(session, schema_version=SCHEMA_VERSION)
            if not self._dirty and session == self._loaded.session:
                return self._loaded.session
            data, saved = self._encoder.encode(session, self._path)
            on_disk = file_signature(self._real)
            if on_disk is not None and on_disk != self._loaded.signature:
                return self._save_merged(session, data)
            if on_disk is not None and not self._dirty and data == self._loaded.data:
                self._loaded.session = saved
                return saved
            from launch_tui.store.document import apply_changes

            doc, renderer = self._document()
            try:
                changes = apply_changes(doc, self._loaded.data, data)
                text = renderer.render(doc, changes)
                kept: TOMLDocument | None = doc
                if changes.reshaped and not _parses(text, self._path):
                    # The next save parses the new text again.
                    text, kept = _fresh_text(saved), None
                if on_disk is not None and text == self._loaded.text:
                    signature = self._loaded.signature
                else:
                    signature = self._write(text)
            except BaseException:
                # The document holds the unsaved change: drop it; the next save parses the
                # document again from the text the file holds.
                self._loaded.doc = None
                self._renderer = None
                raise
            self._loaded = _Loaded(text, kept, saved, data, signature, SCHEMA_VERSION)
            if kept is None:
                self._renderer = None
            self._dirty = False
            return saved

    def reload(self) -> Session:
        """Read the file again (after it was changed elsewhere) and return its session.

        On error the handle keeps what it had.
        """
        with self._mutex:
            if self._closed:
                raise SessionError(f"{self._path}: the session was closed", self._path)
            self._loaded = _load(self._real, self._path, migrations=self._migrations)
            self._dirty = self._loaded.migrated_from != self._loaded.session.schema_version
            self._renderer = None
            self._encoder = _Encoder(self._loaded.session, self._loaded.data)
            return self._loaded.session

    def close(self) -> None:
        """Release the session's lock. The handle can no longer save. Safe to call twice."""
        with self._mutex:
            self._closed = True
            if self._lock is not None:
                self._lock.release()
                self._lock = None

    def __enter__(self) -> SessionHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = "closed" if self._closed else "read-only" if self._read_only else "open"
        return f"<SessionHandle {str(self._path)!r} {mode}>"

    def _check_writable(self) -> None:
        if self._closed:
            raise SessionError(f"{self._path}: the session was closed", self._path)
        if self._read_only:
            why = f" ({self._notice})" if self._notice else ""
            raise SessionReadOnlyError(
                f"{self._path} is open read-only{why}; changes cannot be saved", self._path
            )

    def _write(self, text: str) -> FileSignature:
        try:
            encoded = text.encode("utf-8")
        except UnicodeEncodeError:
            raise SessionSaveError(
                f"{self._path}: not saved: a value holds text that cannot be stored as UTF-8 "
                "(an unpaired surrogate, often from a file name in an unknown encoding)",
                self._path,
            ) from None
        return write_atomic(self._real, encoded, ops=self._ops)

    def _save_merged(self, session: Session, data: dict[str, Any]) -> Session:
        """Save when the file changed on disk since it was read: merge, then write."""
        from launch_tui.store.document import Renderer, apply_changes, merge_data

        try:
            disk = _load(self._real, self._path, migrations=self._migrations)
            disk.doc = _editable_document(disk.text, self._path, self._migrations)
        except SessionError as exc:
            raise SessionSaveError(
                f"{self._path}: not saved: the file was changed outside launch-tui and now "
                f"has an error ({exc.message}). Fix the file, then save again",
                self._path,
            ) from None
        if disk.text == self._loaded.text:  # touched, not changed
            self._loaded.signature = disk.signature
            return self.save(session)
        merged = merge_data(self._loaded.data, data, disk.data)
        try:
            merged_session = session_from_data(merged)
        except CodecError as exc:
            raise SessionSaveError(
                f"{self._path}: not saved: the file was changed outside launch-tui, and with "
                f"those changes merged {exc.key}: {exc.reason}",
                self._path,
            ) from None
        merged_data = session_to_data(merged_session)
        apply_changes(disk.doc, disk.data, merged_data)
        renderer = Renderer()
        text = renderer.render(disk.doc)
        if not _parses(text, self._path):
            text, disk.doc = _fresh_text(merged_session), None
        signature = disk.signature if text == disk.text else self._write(text)
        self._renderer = renderer
        self._encoder = _Encoder(merged_session, merged_data)
        self._loaded = _Loaded(
            text, disk.doc, merged_session, merged_data, signature, SCHEMA_VERSION
        )
        self._dirty = False
        return merged_session


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
    real = _real_path(shown)
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
        loaded = _load(real, shown, migrations=migrations)
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
    real = _real_path(shown)
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
        from launch_tui.store.new_file import render_new_file

        text = render_new_file(saved)
        doc = parse_document(text, shown)  # reopened files are parsed; so is this one
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
    loaded = _Loaded(text, doc, saved, session_to_data(saved), signature, SCHEMA_VERSION)
    return SessionHandle(shown, real, loaded, lock=lock, read_only=False, file_ops=file_ops)


def load_session(path: Path | str, *, migrations: Sequence[Migration] = MIGRATIONS) -> Session:
    """Read a session file without locking it (for reports, headless checks, previews)."""
    shown = Path(path)
    return _load(_real_path(shown), shown, migrations=migrations).session


def list_sessions(
    folder: Path | str, *, migrations: Sequence[Migration] = MIGRATIONS
) -> list[SessionSummary]:
    """Summaries of the session files in ``folder``, most recently saved first.

    A file that cannot be read is listed with its ``error``; it never breaks the listing. A
    folder that does not exist has no sessions.
    """
    where = Path(folder)
    try:
        paths = [
            p
            for p in where.iterdir()
            if p.suffix == ".toml" and not p.name.startswith(".") and p.is_file()
        ]
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise SessionError(
            f"{where}: cannot list sessions ({describe_os_error(exc)})", where
        ) from None
    summaries = [_summary(p, migrations) for p in paths]
    summaries.sort(key=lambda s: s.path.name)
    summaries.sort(key=lambda s: s.saved_at or datetime.min.replace(tzinfo=UTC), reverse=True)
    return summaries


def cleanup_temp_files(folder: Path | str) -> list[Path]:
    """Remove temporary files that interrupted saves left in ``folder``; return them.

    Files of sessions that some process has open are kept: they may belong to a save in
    progress. Call at start; :func:`open_session` also cleans up after the session it opens.
    """
    return atomic.cleanup_temp_files(
        Path(folder), in_use=lambda session: lock_owner(_real_path(session)) is not None
    )


def _summary(path: Path, migrations: Sequence[Migration]) -> SessionSummary:
    try:
        saved_at = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except OSError:
        saved_at = None
    locked_by = lock_owner(_real_path(path))
    try:
        session = _load(_real_path(path), path, migrations=migrations).session
    except SessionError as exc:
        return SessionSummary(path=path, saved_at=saved_at, locked_by=locked_by, error=exc)
    except Exception as exc:  # a listing must survive anything one file does
        error = SessionError(f"{path}: could not be read ({exc})", path)
        return SessionSummary(path=path, saved_at=saved_at, locked_by=locked_by, error=error)
    counts = dict.fromkeys(StageStatus, 0)
    for stage_id in STAGE_IDS:
        counts[session.stage(stage_id).status] += 1
    return SessionSummary(
        path=path,
        client=session.sprint.client,
        product=session.sprint.product,
        apex=session.targets.apex,
        sprint_id=session.sprint.id,
        started_at=session.sprint.started_at,
        stage_counts=counts,
        current_stage=session.ui.stage,
        saved_at=saved_at,
        locked_by=locked_by,
        session=session,
    )


def _real_path(path: Path) -> Path:
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


def _load(real: Path, shown: Path, *, migrations: Sequence[Migration]) -> _Loaded:
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
    return _Loaded(text, None, session, session_to_data(session), signature, migrated_from)


def _editable_document(text: str, shown: Path, migrations: Sequence[Migration]) -> TOMLDocument:
    """The tomlkit document of ``text`` (already read and validated), migrated like its data.

    Raises :class:`SessionParseError` when tomlkit refuses the text (it is stricter than tomli
    in a few corners).
    """
    from launch_tui.store.document import parse_document

    doc = parse_document(text, shown)
    try:
        migrate(doc, migrations=migrations)
    except CodecError as exc:
        line, column = locate(text, exc.key)
        raise SessionValidationError(exc.reason, shown, exc.key, line, column) from None
    return doc

"""An open session file: the handle that saves a changed session in place, without losing work.

Saving changes the file's TOML document in place (only the values that changed), then replaces
the file atomically and durably; a failed save leaves the file as it was. A file edited by hand
while the app has it open is not overwritten: the hand edits are merged with the app's changes
(the app's values win where both changed the same value).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from launch_tui.core.errors import SessionError, SessionReadOnlyError, SessionSaveError
from launch_tui.core.model import SCHEMA_VERSION, Session
from launch_tui.core.session_codec import CodecError, session_from_data, session_to_data
from launch_tui.store.atomic import (
    REAL_FILE_OPS,
    FileOps,
    FileSignature,
    file_signature,
    write_atomic,
)
from launch_tui.store.lock import LockOwner, SessionLock
from launch_tui.store.migrate import MIGRATIONS, Migration
from launch_tui.store.session_encoder import SessionEncoder
from launch_tui.store.session_file import (
    LoadedFile,
    editable_document,
    fresh_text,
    load_file,
    parses_as_toml,
)

if TYPE_CHECKING:
    # tomlkit (with the modules that use it) is imported when a document is first edited.
    from tomlkit.toml_document import TOMLDocument

    from launch_tui.store.document import Renderer
    from launch_tui.store.entry_text import EntryWriter
    from launch_tui.store.text_check import TextCheck

__all__ = ["SessionHandle"]


_pauses = 0
_paused_here = False
_pauses_lock = threading.Lock()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off for the duration (when it was on; back on after).

    A save makes tens of thousands of short-lived objects (the encoded entries, their text,
    the parse check's tables); with an audit's worth of objects alive, the collections they
    set off walk the whole heap: 25-30 ms of a ~120 ms save at K=8. Reference counting still
    frees them; what is cyclic waits for the next collection. Saves on several threads share
    one pause, so the collector comes back on when the last of them ends.
    """
    global _pauses, _paused_here
    with _pauses_lock:
        _pauses += 1
        if _pauses == 1 and gc.isenabled():
            gc.disable()
            _paused_here = True
    try:
        yield
    finally:
        with _pauses_lock:
            _pauses -= 1
            if _pauses == 0 and _paused_here:
                _paused_here = False
                gc.enable()


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
        loaded: LoadedFile,
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
        self._writer: EntryWriter | None = None
        self._text_check: TextCheck | None = None
        self._encoder = SessionEncoder(loaded.session, loaded.data)
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
        """Parse the editable document now, and render it once, so that the first save does
        not have to (it then renders only what it changed).

        Optional (saving parses it when needed); blocking, so call it from a thread. Raises
        :class:`SessionSaveError` when the file's text cannot be edited (which a save would
        raise too); does nothing on a read-only or closed handle.
        """
        with self._mutex:
            if not self._closed and not self._read_only:
                doc, renderer = self._document()
                renderer.render(doc)

    def _document(self, *, split: bool = True) -> tuple[TOMLDocument, Renderer]:
        """The editable document of the text last read or written, and its renderer
        (``split=False``: parsed whole by tomlkit, results included)."""
        from launch_tui.store.document import Renderer

        loaded = self._loaded
        if loaded.doc is None:
            try:
                loaded.doc = editable_document(
                    loaded.text, self._path, self._migrations, split=split
                )
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
        with self._mutex, _collector_paused():
            # In a method of its own, so that what the save made and no longer needs is freed
            # before the collector is back on (it would otherwise walk it all at once).
            return self._save(session)

    def _save(self, session: Session) -> Session:
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
        from tomlkit.exceptions import TOMLKitError

        from launch_tui.store.document import apply_changes
        from launch_tui.store.entry_text import EntryWriter
        from launch_tui.store.text_check import TextCheck

        doc, renderer = self._document()
        if self._writer is None or self._text_check is None:
            self._writer, self._text_check = EntryWriter(), TextCheck()
        writer = self._writer
        writer.begin()
        try:
            try:
                changes = apply_changes(doc, self._loaded.data, data, writer)
            except TOMLKitError:
                # tomlkit refused an entry kept as its lines (tomli, which read the file, is
                # laxer in a few corners) when parsing it for an edit: parse the whole file.
                self._loaded.doc = None
                doc, renderer = self._document(split=False)
                writer.begin()
                changes = apply_changes(doc, self._loaded.data, data, writer)
            text = renderer.render(doc, changes)
            kept: TOMLDocument | None = doc
            whole = changes.reshaped or renderer.unproven
            checked = not (changes.texts or writer.literals.new) or self._text_check.verify(
                changes.texts, writer.literals
            )
            if not checked:
                writer.forget()
            if not checked or (whole and not parses_as_toml(text, self._path)):
                # The next save parses the new text again.
                text, kept = fresh_text(saved), None
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
        self._loaded = LoadedFile(text, kept, saved, data, signature, SCHEMA_VERSION)
        self._writer.done()
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
            self._loaded = load_file(self._real, self._path, migrations=self._migrations)
            self._dirty = self._loaded.migrated_from != self._loaded.session.schema_version
            self._renderer = None
            self._encoder = SessionEncoder(self._loaded.session, self._loaded.data)
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
            disk = load_file(self._real, self._path, migrations=self._migrations)
            disk.doc = editable_document(disk.text, self._path, self._migrations)
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
        from launch_tui.store.entry_text import EntryWriter
        from launch_tui.store.text_check import TextCheck

        writer = EntryWriter()
        changes = apply_changes(disk.doc, disk.data, merged_data, writer)
        renderer = Renderer()
        text = renderer.render(disk.doc)
        written = changes.texts or writer.literals.new
        if (written and not TextCheck().verify(changes.texts, writer.literals)) or (
            not parses_as_toml(text, self._path)
        ):
            text, disk.doc = fresh_text(merged_session), None
        signature = disk.signature if text == disk.text else self._write(text)
        self._renderer = renderer
        self._encoder = SessionEncoder(merged_session, merged_data)
        self._loaded = LoadedFile(
            text, disk.doc, merged_session, merged_data, signature, SCHEMA_VERSION
        )
        self._dirty = False
        return merged_session

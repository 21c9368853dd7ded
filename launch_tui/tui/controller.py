"""The open session: its current value and the saving of every change, off the event loop.

A change is applied to the in-memory session at once (the screen shows it) and handed to a
:class:`Saver`, whose thread writes the latest value through the store's atomic save. A burst of
changes (a check run finishing forty results) becomes as many writes as the disk can take, each
with the newest session, never an older one after a newer one. Quitting flushes the last write.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from pathlib import Path

from launch_tui.core.errors import LaunchError
from launch_tui.core.model import Session
from launch_tui.store import SessionHandle

OnSaveError = Callable[[LaunchError], None]


#: While check results stream in, at most one write per this many seconds (edits go at once,
#: and so do the last results of a run). A save of a hundred new results is a few hundred
#: milliseconds of tomlkit work on the saver's thread, all of it competing with the screen for
#: the interpreter lock: at one write a second, the check table stuttered during a full audit.
#: A crash loses at most this much of a run's results; the file itself stays whole.
BATCH_SECONDS = 3.0


class Saver:
    """Writes the newest session handed to :meth:`request` on a thread of its own.

    An edit is written at once. Results of a running check run may wait up to
    :data:`BATCH_SECONDS` so that forty results make a few writes, not forty: a save renders the
    TOML document, which is CPU work that competes with the screen for the interpreter.
    """

    def __init__(
        self,
        handle: SessionHandle,
        on_error: OnSaveError,
        *,
        batch_seconds: float = BATCH_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._handle = handle
        self._on_error = on_error
        self._batch_seconds = batch_seconds
        self._monotonic = monotonic
        self._cond = threading.Condition()
        self._pending: Session | None = None
        self._urgent = False
        self._last_write = -1e9
        self._writing = False
        self._stopping = False
        self._prepare = False
        self.saves = 0
        """How many writes were made (for tests and the benchmark)."""
        self._thread = threading.Thread(target=self._loop, name="launch-tui-saver", daemon=True)
        self._thread.start()

    def request(self, session: Session, *, urgent: bool = True) -> None:
        """Save ``session`` (replacing any value not yet written): at once when ``urgent``,
        else within :data:`BATCH_SECONDS`."""
        with self._cond:
            self._pending = session
            self._urgent = self._urgent or urgent
            self._cond.notify_all()

    def prepare(self) -> None:
        """Parse the file for editing on the saver's thread, unless a save comes first.

        The first save after opening then renders only what changed. Asked for once the first
        screen is painted: parsing imports tomlkit and takes the interpreter for a while.
        """
        with self._cond:
            self._prepare = not self._stopping
            self._cond.notify_all()

    def flush(self, timeout: float = 30.0) -> bool:
        """Block until every requested value is written; False on timeout."""
        with self._cond:
            self._urgent = True
            self._cond.notify_all()
            return self._cond.wait_for(
                lambda: (
                    self._pending is None
                    and not self._writing
                    and (not self._prepare or self._stopping)
                ),
                timeout=timeout,
            )

    def close(self, timeout: float = 30.0) -> None:
        """Write what is pending, then stop the thread. Safe to call twice."""
        self.flush(timeout)
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def _due(self) -> bool:
        if self._pending is None:
            return False
        waited = self._monotonic() - self._last_write
        return self._urgent or self._stopping or waited >= self._batch_seconds

    def _prepare_document(self) -> None:
        # Parse the file for editing before the first save needs it, off the screen's thread.
        # Whatever goes wrong here goes wrong again in the save that needs it, which reports it:
        # the thread must live on to make that save.
        with contextlib.suppress(Exception):
            self._handle.prepare()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not (
                    self._due()
                    or (self._prepare and self._pending is None and not self._stopping)
                    or (self._stopping and self._pending is None)
                ):
                    timeout = None
                    if self._pending is not None:
                        waited = self._monotonic() - self._last_write
                        timeout = max(0.0, self._batch_seconds - waited)
                    self._cond.wait(timeout)
                if self._pending is None and self._prepare and not self._stopping:
                    self._prepare = False
                    session = None
                elif self._pending is None:
                    return
                else:
                    session, self._pending = self._pending, None
                    self._prepare = False  # the save parses the file itself
                    self._urgent = False
                self._writing = True
            if session is None:
                self._prepare_document()
                with self._cond:
                    self._writing = False
                    self._cond.notify_all()
            else:
                self._save(session)

    def _save(self, session: Session) -> None:
        try:
            self._handle.save(session)
            self.saves += 1
        except LaunchError as exc:
            self._on_error(exc)
        except Exception as exc:  # a bug in the store must not kill the saver
            self._on_error(
                LaunchError(f"{type(exc).__name__}: {exc}", title="Could not save session")
            )
        finally:
            with self._cond:
                self._last_write = self._monotonic()
                self._writing = False
                self._cond.notify_all()


class SessionController:
    """One open session file: the value on screen, and its saving.

    A writable handle gets a :class:`Saver`; a read-only one (the session is open in another
    launch-tui, or the file cannot be written) keeps changes in memory only.
    """

    def __init__(self, handle: SessionHandle, on_save_error: OnSaveError) -> None:
        self.handle = handle
        self.path: Path = handle.path
        self.session: Session = handle.session
        self._saver = None if handle.read_only else Saver(handle, on_save_error)

    @property
    def read_only(self) -> bool:
        return self.handle.read_only

    @property
    def banner(self) -> str:
        """Why the session is read-only, for the banner; ``""`` when it is writable."""
        if not self.handle.read_only:
            return ""
        notice = self.handle.notice or f"{self.handle.path.name} is open read-only"
        return f"Read-only: {notice}"

    @property
    def saves(self) -> int:
        return 0 if self._saver is None else self._saver.saves

    def apply(self, session: Session, *, urgent: bool = True) -> bool:
        """Make ``session`` current and save it; False when nothing changed.

        ``urgent=False`` (check results during a run) lets the write wait up to a second.
        """
        if session is self.session:
            return False
        self.session = session
        if self._saver is not None:
            self._saver.request(session, urgent=urgent)
        return True

    def save_now(self) -> None:
        """Write the current session without waiting for the batch window (a run ended)."""
        if self._saver is not None:
            self._saver.request(self.session, urgent=True)

    def prepare_saving(self) -> None:
        """Have the saver parse the file for editing now, off the screen's thread."""
        if self._saver is not None:
            self._saver.prepare()

    def flush(self, timeout: float = 30.0) -> bool:
        """Block until the last change is on disk (call from a thread, or at exit)."""
        return True if self._saver is None else self._saver.flush(timeout)

    def close(self) -> None:
        """Flush, stop saving and release the session's lock."""
        if self._saver is not None:
            self._saver.close()
        self.handle.close()

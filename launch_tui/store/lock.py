"""One writer per session: an advisory lock on a sidecar file beside the session.

The lock is ``fcntl.flock`` on ``.<name>.lock`` in the session's folder, taken without waiting
and held while the session is open. The kernel drops it when the holder exits, however it exits,
so a crash never leaves a session locked. The file holds the holder's pid, host and start time
for the "open in another launch-tui" notice. It is removed on release; because another process
may have opened it just before, a new holder checks after locking that the file it locked is
still the one at the path, and starts over when it is not.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["LockOwner", "SessionLock", "lock_owner", "lock_path", "read_owner_of_held", "try_lock"]

_ATTEMPTS = 4
_RETRY_SECONDS = 0.005


@dataclass(frozen=True)
class LockOwner:
    """Who holds a session's lock, as written in its lock file."""

    pid: int | None
    """Process id of the holder; ``None`` when the lock file could not be read."""
    hostname: str = ""
    """Host the holder runs on (a shared folder may be used from several machines)."""
    since: datetime | None = None
    """When the holder opened the session (UTC)."""

    def __str__(self) -> str:
        who = f"process {self.pid}" if self.pid is not None else "another process"
        if self.hostname and self.hostname != socket.gethostname():
            who += f" on {self.hostname}"
        if self.since is not None:
            who += f", since {self.since.strftime('%Y-%m-%d %H:%M')} UTC"
        return who

    @property
    def is_this_process(self) -> bool:
        """True when the holder is the calling process itself."""
        return self.pid == os.getpid() and self.hostname == socket.gethostname()


def lock_path(session_path: Path) -> Path:
    """The sidecar lock file of a session file."""
    return session_path.parent / f".{session_path.name}.lock"


class SessionLock:
    """A held lock. Release it with :meth:`release` (or use it as a context manager)."""

    def __init__(self, fd: int, path: Path) -> None:
        self._fd = fd
        self.path = path
        """The lock file."""

    @property
    def held(self) -> bool:
        return self._fd >= 0

    def release(self) -> None:
        """Give the lock up and remove the lock file. Safe to call twice."""
        if self._fd < 0:
            return
        fd, self._fd = self._fd, -1
        # Unlink while still holding the lock, so nobody can lock the file we are about to drop.
        with contextlib.suppress(OSError):
            os.unlink(self.path)
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    def __enter__(self) -> SessionLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def try_lock(session_path: Path) -> SessionLock | None:
    """Take the session's lock without waiting; ``None`` when another holder has it.

    Raises ``OSError`` when the lock file cannot be created (read-only folder, permissions):
    the caller decides what that means (usually: open read-only).
    """
    path = lock_path(session_path)
    for attempt in range(_ATTEMPTS):
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            # A holder that is closing keeps the lock for a few microseconds while it removes
            # the file; a short retry avoids calling that "open elsewhere".
            time.sleep(_RETRY_SECONDS * (attempt + 1))
            continue
        except OSError:
            os.close(fd)
            raise
        if _same_file(fd, path):
            _write_owner(fd)
            return SessionLock(fd, path)
        os.close(fd)  # the file was removed by its previous holder after we opened it
    return None


def lock_owner(session_path: Path) -> LockOwner | None:
    """Who holds the session's lock, read without touching the lock; ``None`` when nobody.

    A lock file left by a process that is gone (on this host) does not count. This never takes
    the lock, so asking (as a session listing does) cannot make someone else's open fail.
    """
    owner = _read_owner(lock_path(session_path))
    if owner is None or owner.pid is None:
        return None
    if owner.hostname == socket.gethostname() and not _alive(owner.pid):
        return None
    return owner


def read_owner_of_held(session_path: Path) -> LockOwner:
    """The owner written in a lock file we failed to take (unknown if unreadable)."""
    return _read_owner(lock_path(session_path)) or LockOwner(pid=None)


def _same_file(fd: int, path: Path) -> bool:
    try:
        on_disk = os.stat(path, follow_symlinks=False)
    except OSError:
        return False
    held = os.fstat(fd)
    return (on_disk.st_dev, on_disk.st_ino) == (held.st_dev, held.st_ino)


def _write_owner(fd: int) -> None:
    since = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    content = f"{os.getpid()} {socket.gethostname()} {since}\n".encode()
    # The owner note is informative only; failing to write it must not lose the lock.
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)
        os.pwrite(fd, content, 0)


def _read_owner(path: Path) -> LockOwner | None:
    try:
        with open(path, "rb") as handle:
            text = handle.read(512).decode("utf-8", "replace")
    except OSError:
        return None
    parts = text.split()
    if not parts or not parts[0].isdigit():
        return None
    since = None
    if len(parts) > 2:
        with contextlib.suppress(ValueError):
            since = datetime.fromisoformat(parts[2]).astimezone(UTC)
    return LockOwner(pid=int(parts[0]), hostname=parts[1] if len(parts) > 1 else "", since=since)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True

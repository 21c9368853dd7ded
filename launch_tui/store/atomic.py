"""Atomic, durable file replacement: a save either fully happens or leaves the old file as it was.

The new content goes to a temporary file in the same folder (``.<name>.tmp-<random>``, mode
0600), is flushed and fsynced, then renamed over the old file with ``os.replace`` (atomic on
POSIX), and the folder is fsynced so the rename itself survives a power cut. On any ``OSError``
the temporary file is removed and :class:`SessionSaveError` says why; the old file is untouched.
A crash between the steps can leave a temporary file behind: :func:`cleanup_temp_files` removes
those at start.

The OS calls are grouped in :class:`FileOps` so tests can pass failing ones (a full disk, a
read-only file system) without patching the ``os`` module.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from launch_tui.core.errors import SessionSaveError

__all__ = [
    "REAL_FILE_OPS",
    "FileOps",
    "FileSignature",
    "cleanup_temp_files",
    "file_signature",
    "is_temp_file",
    "temp_files_for",
    "write_atomic",
]

FILE_MODE = 0o600
_CHUNK = 1 << 20

_TEMP = re.compile(r"\.(?P<name>.+)\.tmp-[0-9a-f]{12}")


@dataclass(frozen=True)
class FileOps:
    """The OS calls a save is made of. Tests substitute failing ones to simulate bad disks."""

    open: Callable[[str, int, int], int] = os.open
    """``os.open(path, flags, mode)``: creates the temporary file."""
    write: Callable[[int, bytes], int] = os.write
    """``os.write(fd, data)``: may write less than asked; the caller loops."""
    fsync: Callable[[int], None] = os.fsync
    """``os.fsync(fd)``: for the temporary file and for the folder."""
    replace: Callable[[str, str], None] = os.replace
    """``os.replace(src, dst)``: the atomic rename."""


REAL_FILE_OPS = FileOps()
"""The real OS calls."""


@dataclass(frozen=True)
class FileSignature:
    """Enough of a file's ``stat`` to notice that someone else has replaced or edited it."""

    device: int
    inode: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, st: os.stat_result) -> FileSignature:
        return cls(st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def file_signature(path: Path) -> FileSignature | None:
    """The signature of the file at ``path`` now, or ``None`` when there is none."""
    try:
        return FileSignature.of(os.stat(path))
    except OSError:
        return None


def write_atomic(path: Path, data: bytes, *, ops: FileOps = REAL_FILE_OPS) -> FileSignature:
    """Replace ``path`` with ``data`` atomically and durably; return the new file's signature.

    Raises :class:`SessionSaveError` (with the reason: disk full, read-only file system,
    permission denied...) when the new content could not be put in place; the old file is then
    exactly as it was and no temporary file is left.
    """
    folder = path.parent
    # os.urandom, not the secrets module: that one loads hashlib and hmac at start-up, and
    # the name only has to be unpredictable enough not to collide.
    temp = folder / f".{path.name}.tmp-{os.urandom(6).hex()}"
    fd = -1
    try:
        fd = ops.open(
            str(temp),
            os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW,
            FILE_MODE,
        )
        os.fchmod(fd, FILE_MODE)  # whatever the umask said
        offset = 0
        while offset < len(data):
            written = ops.write(fd, data[offset : offset + _CHUNK])
            if written <= 0:  # a regular file that accepts nothing is full
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            offset += written
        ops.fsync(fd)
        signature = FileSignature.of(os.fstat(fd))
        os.close(fd)
        fd = -1
        ops.replace(str(temp), str(path))
    except OSError as exc:
        if fd >= 0:
            _quietly(os.close, fd)
        _quietly(os.unlink, temp)
        raise SessionSaveError(
            f"{path}: not saved: {describe_os_error(exc)}; the file on disk is unchanged", path
        ) from None
    except BaseException:
        # Interrupted (KeyboardInterrupt...): the old file is intact; do not leave the temp.
        if fd >= 0:
            _quietly(os.close, fd)
        _quietly(os.unlink, temp)
        raise
    _sync_folder(folder, ops)
    return signature


def describe_os_error(exc: OSError) -> str:
    """A short human reason for a failed file operation."""
    reasons = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is used up",
        errno.EROFS: "the file system is read-only",
        errno.EACCES: "permission denied",
        errno.EPERM: "operation not permitted",
        errno.EIO: "input/output error on the disk",
        errno.ENOENT: "the folder does not exist",
        errno.ENAMETOOLONG: "the file name is too long",
    }
    if exc.errno in reasons:
        return reasons[exc.errno]
    return exc.strerror or str(exc)


def _sync_folder(folder: Path, ops: FileOps) -> None:
    # Makes the rename durable. Some file systems cannot fsync a directory (EINVAL); the data
    # itself is already on disk and the new file is in place, so that is not a failed save.
    try:
        dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return
    try:
        ops.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def is_temp_file(name: str) -> bool:
    """True for the name of one of our temporary files (``.<name>.tmp-<12 hex digits>``)."""
    return _TEMP.fullmatch(name) is not None


def temp_files_for(path: Path) -> list[Path]:
    """Temporary files left by saves of ``path``."""
    prefix = f".{path.name}.tmp-"
    try:
        names = os.listdir(path.parent)
    except OSError:
        return []
    return [path.parent / n for n in names if n.startswith(prefix) and is_temp_file(n)]


def cleanup_temp_files(folder: Path, *, in_use: Callable[[Path], bool] | None = None) -> list[Path]:
    """Remove temporary files a crashed save left in ``folder``; return the ones removed.

    ``in_use(session_path)`` says whether a session is open for writing elsewhere: its temporary
    files may belong to a save in progress and are kept. Errors are ignored: cleanup is tidying,
    never a reason to fail.
    """
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    removed = []
    for name in names:
        match = _TEMP.fullmatch(name)
        if not match:
            continue
        if in_use is not None and in_use(folder / match.group("name")):
            continue
        try:
            os.unlink(folder / name)
        except OSError:
            continue
        removed.append(folder / name)
    return removed


def _quietly(action: Callable[..., object], *args: object) -> None:
    with contextlib.suppress(OSError):
        action(*args)

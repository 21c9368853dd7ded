"""Atomic saves: the new content fully in place, or the old file exactly as it was."""

from __future__ import annotations

import errno
import os
from dataclasses import replace
from pathlib import Path

import pytest

from launch_tui.core.errors import SessionSaveError
from launch_tui.store.atomic import (
    REAL_FILE_OPS,
    FileOps,
    cleanup_temp_files,
    file_signature,
    is_temp_file,
    write_atomic,
)

OLD = b"old content\n"


@pytest.fixture
def target(tmp_path: Path) -> Path:
    path = tmp_path / "s.toml"
    path.write_bytes(OLD)
    return path


def test_write_replaces_content_with_mode_0600(target: Path) -> None:
    old_umask = os.umask(0o277)  # a umask that would leave the owner unable to write
    try:
        signature = write_atomic(target, b"new\n")
    finally:
        os.umask(old_umask)
    assert target.read_bytes() == b"new\n"
    assert target.stat().st_mode & 0o777 == 0o600
    assert signature == file_signature(target)
    assert os.listdir(target.parent) == ["s.toml"]


def test_write_creates_a_missing_file(tmp_path: Path) -> None:
    write_atomic(tmp_path / "new.toml", b"x")
    assert (tmp_path / "new.toml").read_bytes() == b"x"


def _failing(err: int) -> OSError:
    return OSError(err, os.strerror(err))


def _raise(err: int):  # type: ignore[no-untyped-def]
    def fail(*args: object) -> object:
        raise _failing(err)

    return fail


@pytest.mark.parametrize(
    ("ops", "reason"),
    [
        (replace(REAL_FILE_OPS, open=_raise(errno.EACCES)), "permission denied"),
        (replace(REAL_FILE_OPS, open=_raise(errno.EROFS)), "the file system is read-only"),
        (replace(REAL_FILE_OPS, write=_raise(errno.ENOSPC)), "the disk is full"),
        (replace(REAL_FILE_OPS, write=_raise(errno.EDQUOT)), "quota"),
        (replace(REAL_FILE_OPS, fsync=_raise(errno.EIO)), "input/output error"),
        (replace(REAL_FILE_OPS, replace=_raise(errno.EXDEV)), os.strerror(errno.EXDEV)),
        (replace(REAL_FILE_OPS, write=lambda fd, data: 0), "the disk is full"),
    ],
)
def test_failures_leave_the_old_file_and_no_temp(target: Path, ops: FileOps, reason: str) -> None:
    with pytest.raises(SessionSaveError) as caught:
        write_atomic(target, b"new content that will not land\n" * 100, ops=ops)
    assert reason in caught.value.message
    assert "unchanged" in caught.value.message
    assert caught.value.path == target
    assert target.read_bytes() == OLD
    assert os.listdir(target.parent) == ["s.toml"]


def test_partial_writes_are_completed(target: Path) -> None:
    def dribble(fd: int, data: bytes) -> int:
        return os.write(fd, data[:7])

    write_atomic(target, b"0123456789" * 50, ops=replace(REAL_FILE_OPS, write=dribble))
    assert target.read_bytes() == b"0123456789" * 50


def test_disk_filling_up_half_way(target: Path) -> None:
    budget = [100]

    def limited(fd: int, data: bytes) -> int:
        if budget[0] <= 0:
            raise _failing(errno.ENOSPC)
        chunk = data[: budget[0]]
        budget[0] -= len(chunk)
        return os.write(fd, chunk)

    with pytest.raises(SessionSaveError, match="disk is full"):
        write_atomic(target, b"x" * 1000, ops=replace(REAL_FILE_OPS, write=limited))
    assert target.read_bytes() == OLD
    assert os.listdir(target.parent) == ["s.toml"]


def test_interrupt_removes_the_temp_and_propagates(target: Path) -> None:
    def interrupted(fd: int, data: bytes) -> int:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, b"x", ops=replace(REAL_FILE_OPS, write=interrupted))
    assert target.read_bytes() == OLD
    assert os.listdir(target.parent) == ["s.toml"]


def test_folder_fsync_failure_is_not_a_failed_save(target: Path) -> None:
    calls: list[int] = []

    def fsync(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 2:  # the folder
            raise _failing(errno.EINVAL)
        os.fsync(fd)

    write_atomic(target, b"new", ops=replace(REAL_FILE_OPS, fsync=fsync))
    assert target.read_bytes() == b"new"
    assert len(calls) == 2


def test_temp_names() -> None:
    assert is_temp_file(".acme.toml.tmp-0123456789ab")
    assert not is_temp_file("acme.toml")
    assert not is_temp_file(".acme.toml.lock")
    assert not is_temp_file(".acme.toml.tmp-xyz")


def test_cleanup_skips_sessions_in_use(tmp_path: Path) -> None:
    stale = tmp_path / ".a.toml.tmp-0123456789ab"
    busy = tmp_path / ".b.toml.tmp-0123456789ab"
    for p in (stale, busy):
        p.write_text("x")
    removed = cleanup_temp_files(tmp_path, in_use=lambda session: session.name == "b.toml")
    assert removed == [stale]
    assert busy.exists()
    assert cleanup_temp_files(tmp_path / "missing") == []

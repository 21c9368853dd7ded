"""A full disk, a read-only file system or a folder we may not write: the old file stays intact.

The failures are injected through the store's ``file_ops`` parameter (no patching), and, when
the tests run as root and may mount, also produced for real on a tiny tmpfs.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from launch_tui.core.errors import SessionSaveError
from launch_tui.core.model import CheckResult, Session, Severity, Status, UiState
from launch_tui.store import REAL_FILE_OPS, FileOps, create_session, load_session, open_session

DATA = Path(__file__).parents[1] / "data" / "sessions"


def _files(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


def _bigger(session: Session, size: int = 40_000) -> Session:
    result = CheckResult(
        "secrets.scan", "", Status.FAIL, Severity.HIGH, "many", evidence={"paths": ["p" * size]}
    )
    return dataclasses.replace(session, results=(*session.results, result))


class FlakyDisk:
    """Writes fail with ``err`` while ``full`` is set, after ``allow`` bytes got through."""

    def __init__(self, err: int = errno.ENOSPC, allow: int = 0) -> None:
        self.err = err
        self.allow = allow
        self.full = True

    def write(self, fd: int, data: bytes) -> int:
        if not self.full:
            return os.write(fd, data)
        if self.allow <= 0:
            raise OSError(self.err, os.strerror(self.err))
        written = os.write(fd, data[: self.allow])
        self.allow -= written
        return written

    @property
    def ops(self) -> FileOps:
        return replace(REAL_FILE_OPS, write=self.write)


@pytest.fixture
def session_file(tmp_path: Path) -> Path:
    path = tmp_path / "acme.toml"
    shutil.copyfile(DATA / "handwritten.toml", path)
    return path


@pytest.mark.parametrize("allow", [0, 1000])
def test_disk_full_on_save_keeps_the_old_file(session_file: Path, allow: int) -> None:
    original = session_file.read_bytes()
    disk = FlakyDisk(allow=allow)
    with open_session(session_file, file_ops=disk.ops) as handle:
        before = handle.session
        wanted = _bigger(dataclasses.replace(before, ui=UiState("observe")))
        with pytest.raises(SessionSaveError, match="the disk is full") as caught:
            handle.save(wanted)
        assert "unchanged" in caught.value.message
        assert session_file.read_bytes() == original
        assert _files(session_file.parent) == [".acme.toml.lock", "acme.toml"]
        assert handle.session == before  # nothing pretends to be saved

        disk.full = False  # space freed: the same handle saves fine
        saved = handle.save(wanted)
    assert load_session(session_file) == saved
    assert _files(session_file.parent) == ["acme.toml"]


@pytest.mark.parametrize(
    ("where", "err", "reason"),
    [
        ("open", errno.EACCES, "permission denied"),
        ("open", errno.EROFS, "read-only"),
        ("fsync", errno.EIO, "input/output error"),
        ("replace", errno.EROFS, "read-only"),
        ("write", errno.EDQUOT, "quota"),
    ],
)
def test_other_write_failures_keep_the_old_file(
    session_file: Path, where: str, err: int, reason: str
) -> None:
    original = session_file.read_bytes()

    def fail(*args: object) -> object:
        raise OSError(err, os.strerror(err))

    ops = replace(REAL_FILE_OPS, **{where: fail})
    with open_session(session_file, file_ops=ops) as handle:
        with pytest.raises(SessionSaveError, match=reason):
            handle.save(dataclasses.replace(handle.session, ui=UiState("observe")))
        assert session_file.read_bytes() == original
    assert _files(session_file.parent) == ["acme.toml"]


def test_disk_full_on_create_leaves_nothing(tmp_path: Path) -> None:
    session = load_session(DATA / "handwritten.toml")
    with pytest.raises(SessionSaveError, match="the disk is full"):
        create_session(tmp_path / "new.toml", session, file_ops=FlakyDisk().ops)
    assert _files(tmp_path) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_folder(session_file: Path) -> None:
    original = session_file.read_bytes()
    with open_session(session_file) as handle:
        session_file.parent.chmod(0o500)
        try:
            with pytest.raises(SessionSaveError, match="permission denied"):
                handle.save(dataclasses.replace(handle.session, ui=UiState("observe")))
            assert session_file.read_bytes() == original
            with open_session(session_file) as second:
                assert second.read_only
        finally:
            session_file.parent.chmod(0o700)


# ---------------------------------------------------------------------------------------------
# The real thing: a 64 KiB tmpfs


def _mount(*args: str) -> bool:
    result = subprocess.run(["mount", *args], capture_output=True, check=False)
    return result.returncode == 0


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    where = tmp_path / "tiny"
    where.mkdir()
    if not _mount("-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", str(where)):
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True, check=False)


def _fill(folder: Path) -> Path:
    filler = folder / "filler.bin"
    with open(filler, "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


def test_a_really_full_disk(tiny_disk: Path) -> None:
    path = tiny_disk / "acme.toml"
    shutil.copyfile(DATA / "handwritten.toml", path)
    original = path.read_bytes()
    with open_session(path) as handle:
        filler = _fill(tiny_disk)
        wanted = _bigger(dataclasses.replace(handle.session, ui=UiState("observe")))
        with pytest.raises(SessionSaveError, match="the disk is full"):
            handle.save(wanted)
        assert path.read_bytes() == original
        assert _files(tiny_disk) == [".acme.toml.lock", "acme.toml", "filler.bin"]
        filler.unlink()
        saved = handle.save(wanted)
    assert load_session(path) == saved


def test_a_read_only_file_system(tiny_disk: Path, tmp_path: Path) -> None:
    path = tiny_disk / "acme.toml"
    shutil.copyfile(DATA / "handwritten.toml", path)
    original = path.read_bytes()
    view = tmp_path / "read-only-view"
    view.mkdir()
    if not _mount("--bind", str(tiny_disk), str(view)):
        pytest.skip("cannot bind-mount here")
    try:
        if not _mount("-o", "remount,ro,bind", str(view)):
            pytest.skip("cannot remount read-only here")
        with open_session(view / "acme.toml") as handle:  # no lock possible: read-only, says why
            assert handle.read_only
            assert handle.notice is not None and "read-only" in handle.notice
        with pytest.raises(SessionSaveError, match="read-only"):
            create_session(view / "other.toml", handle.session)
        assert path.read_bytes() == original
        assert _files(tiny_disk) == ["acme.toml"]
    finally:
        subprocess.run(["umount", "-l", str(view)], capture_output=True, check=False)

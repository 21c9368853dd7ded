"""The sidecar lock: one writer, an owner note, nothing left behind."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from launch_tui.store.lock import LockOwner, lock_owner, lock_path, try_lock


def test_one_holder_at_a_time(tmp_path: Path) -> None:
    session = tmp_path / "s.toml"
    first = try_lock(session)
    assert first is not None
    assert try_lock(session) is None  # a second open file description conflicts
    owner = lock_owner(session)
    assert owner is not None and owner.pid == os.getpid() and owner.is_this_process
    assert owner.hostname == socket.gethostname() and owner.since is not None
    first.release()
    first.release()
    assert not lock_path(session).exists()
    assert lock_owner(session) is None
    with try_lock(session) as again:
        assert again is not None and again.held


def test_a_lock_file_left_by_a_dead_process_does_not_count(tmp_path: Path) -> None:
    session = tmp_path / "s.toml"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    pid = int(dead.stdout)
    lock_path(session).write_text(f"{pid} {socket.gethostname()} 2026-05-04T08:30:00Z\n")
    assert lock_owner(session) is None
    lock = try_lock(session)
    assert lock is not None
    lock.release()


def test_garbage_in_the_lock_file_is_tolerated(tmp_path: Path) -> None:
    session = tmp_path / "s.toml"
    lock_path(session).write_bytes(b"\xff\xfe not a pid")
    assert lock_owner(session) is None
    lock = try_lock(session)
    assert lock is not None
    lock.release()


def test_owner_text() -> None:
    assert str(LockOwner(pid=42)) == "process 42"
    assert "on build-box" in str(LockOwner(pid=42, hostname="build-box"))
    assert str(LockOwner(pid=None)) == "another process"

"""Closing the terminal or ``kill`` during ``launch-tui demo`` still removes its temp folders.

The demo runs in a real pseudo-terminal in a child process; once its screen shows the client,
the test sends SIGHUP (the terminal went away) or SIGTERM and checks that the process exits
with 128 + signal and leaves nothing in its private TMPDIR.
"""

from __future__ import annotations

import contextlib
import os
import pty
import select
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="needs a Linux pty")

#: Generous: a cold interpreter, the sandbox and the first paint on a loaded CI machine.
STARTUP_S = 60.0


def _read(fd: int, timeout: float) -> bytes:
    ready, _, _ = select.select([fd], [], [], timeout)
    if not ready:
        return b""
    try:
        return os.read(fd, 65536)
    except OSError:  # the child closed its end
        return b""


@contextlib.contextmanager
def demo_in_a_pty(temp: Path, *args: str) -> Iterator[tuple[int, int]]:
    """``launch-tui [args] demo ...`` in a pseudo-terminal with ``TMPDIR=temp``, shown up to
    its client's name: ``(pid, pty fd)``. Killed and reaped on the way out, however it went."""
    env = {**os.environ, "TMPDIR": str(temp), "TERM": "xterm-256color", "COLUMNS": "100"}
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.execve(sys.executable, [sys.executable, "-m", "launch_tui", *args], env)
    try:
        seen = b""
        deadline = time.monotonic() + STARTUP_S
        while b"Brightlane" not in seen and time.monotonic() < deadline:
            seen += _read(fd, 0.2)
        assert b"Brightlane" in seen, "the demo never showed its client"
        yield pid, fd
    finally:
        os.close(fd)
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass


def _exit_code(pid: int, fd: int, within_s: float) -> int:
    """The demo's exit code once it ends (the pty kept drained so it never blocks writing)."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        _read(fd, 0.1)
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.WIFEXITED(status)
            return os.WEXITSTATUS(status)
    pytest.fail("the demo did not exit")


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM], ids=["SIGHUP", "SIGTERM"])
def test_demo_cleans_up_when_its_terminal_goes_away(tmp_path: Path, sig: signal.Signals) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    with demo_in_a_pty(temp, "demo") as (pid, fd):
        assert len(list(temp.iterdir())) >= 2, "sandbox and session folders exist while running"
        os.kill(pid, sig)
        assert _exit_code(pid, fd, 30) == 128 + sig
        assert list(temp.iterdir()) == []


def test_demo_keep_leaves_the_session_and_the_worlds_files_and_nothing_else(
    tmp_path: Path,
) -> None:
    """``demo --keep``: the sandbox (a process of its own) serves from the kept folder beside
    the session; quitting leaves those two and no temporary folder or process."""
    temp, sessions = tmp_path / "tmp", tmp_path / "sessions"
    temp.mkdir()
    with demo_in_a_pty(temp, "--sessions-dir", str(sessions), "demo", "--keep") as (pid, fd):
        time.sleep(1.0)  # the audit under way
        os.write(fd, b"q")
        assert _exit_code(pid, fd, 60) == 0
        [session_file] = sessions.glob("demo-*.toml")
        assert sorted(p.name for p in sessions.iterdir()) == sorted(
            [session_file.name, f"{session_file.stem}-sandbox"]
        )
        world_files = sessions / f"{session_file.stem}-sandbox"
        assert any(world_files.rglob("*.pem")), "the world's CA stays for next time"
        assert list(temp.iterdir()) == []

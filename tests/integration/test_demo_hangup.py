"""Closing the terminal or ``kill`` during ``launch-tui demo`` still removes its temp folders.

The demo runs in a real pseudo-terminal in a child process; once its screen shows the client,
the test sends SIGHUP (the terminal went away) or SIGTERM and checks that the process exits
with 128 + signal and leaves nothing in its private TMPDIR.
"""

from __future__ import annotations

import os
import pty
import select
import signal
import sys
import time
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


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM], ids=["SIGHUP", "SIGTERM"])
def test_demo_cleans_up_when_its_terminal_goes_away(tmp_path: Path, sig: signal.Signals) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "TERM": "xterm-256color", "COLUMNS": "100"}
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.execve(sys.executable, [sys.executable, "-m", "launch_tui", "demo"], env)
    try:
        seen = b""
        deadline = time.monotonic() + STARTUP_S
        while b"Brightlane" not in seen and time.monotonic() < deadline:
            seen += _read(fd, 0.2)
        assert b"Brightlane" in seen, "the demo never showed its client"
        assert len(list(temp.iterdir())) >= 2, "sandbox and session folders exist while running"

        os.kill(pid, sig)
        deadline = time.monotonic() + 30
        status = None
        while time.monotonic() < deadline:
            _read(fd, 0.1)  # keep the pty drained so the child never blocks writing
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
        else:
            pytest.fail("the demo did not exit after the signal")
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 128 + sig
        assert list(temp.iterdir()) == []
    finally:
        os.close(fd)
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass


def test_demo_keep_leaves_the_session_and_the_worlds_files_and_nothing_else(
    tmp_path: Path,
) -> None:
    """``demo --keep``: the sandbox (a process of its own) serves from the kept folder beside
    the session; quitting leaves those two and no temporary folder or process."""
    temp, sessions = tmp_path / "tmp", tmp_path / "sessions"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "TERM": "xterm-256color", "COLUMNS": "100"}
    argv = [sys.executable, "-m", "launch_tui", "--sessions-dir", str(sessions), "demo", "--keep"]
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.execve(sys.executable, argv, env)
    try:
        seen = b""
        deadline = time.monotonic() + STARTUP_S
        while b"Brightlane" not in seen and time.monotonic() < deadline:
            seen += _read(fd, 0.2)
        assert b"Brightlane" in seen, "the demo never showed its client"
        time.sleep(1.0)  # the audit under way
        os.write(fd, b"q")
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline:
            _read(fd, 0.1)
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
        else:
            pytest.fail("the demo did not quit")
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
        [session_file] = sessions.glob("demo-*.toml")
        assert sorted(p.name for p in sessions.iterdir()) == sorted(
            [session_file.name, f"{session_file.stem}-sandbox"]
        )
        world_files = sessions / f"{session_file.stem}-sandbox"
        assert any(world_files.rglob("*.pem")), "the world's CA stays for next time"
        assert list(temp.iterdir()) == []
    finally:
        os.close(fd)
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass

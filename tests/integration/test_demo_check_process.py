"""``launch-tui demo`` runs its audit in a check process, and leaves no process behind however
it ends: quitting with ``q``, or its terminal going away (SIGHUP) or ``kill`` (SIGTERM) while
the audit runs.

The demo runs in a real pseudo-terminal (tests/pty_terminal.py); the processes below it are
read from /proc while it runs: the check process, and the sampling process its latency checks
start.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest
from process_tree import alive, descendants
from pty_terminal import PtyApp

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="needs a Linux pty and /proc")

CHECK_PROCESS = b"launch_tui.checks.engine.run_process"


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _below(app: PtyApp, timeout: float) -> set[int]:
    """The processes below the demo once its check process is there (read while waiting)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = descendants(app.pid)
        if any(CHECK_PROCESS in _cmdline(pid) for pid in found):
            return found
        app.pump(0.1)  # keep the terminal drained while the process starts
    raise AssertionError(f"no check process under the demo: {app.screen.text()}")


@pytest.mark.parametrize("how", ["q", "SIGHUP", "SIGTERM"])
def test_the_demo_leaves_no_process_behind(tmp_path: Path, how: str) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path), "TERM": "xterm-256color"}
    app = PtyApp([sys.executable, "-m", "launch_tui", "demo"], env, columns=100, rows=30)
    try:
        assert app.wait_text("Brightlane", 90), app.screen.text()
        below = _below(app, 60)
        if how == "q":
            app.send("q")
            expected = 0
        else:
            sig = signal.Signals[how]
            os.kill(app.pid, sig)
            expected = 128 + sig
        assert app.wait_exit(30) == expected
        assert [pid for pid in below if alive(pid)] == []
    finally:
        app.close()

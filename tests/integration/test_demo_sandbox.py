"""The demo's sandbox process: serves a world the session points at, in a session of its own,
and goes away with its files however the app's process ends."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from launch_tui.cli.demo_sandbox import DemoSandbox, DemoSandboxError

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="process sessions, /proc")


def _endpoint(entry: str) -> tuple[str, int]:
    """``name=ip:port`` of a ``--resolve`` entry as ``(ip, port)``."""
    address = entry.split("=", 1)[1]
    ip, _, port = address.rpartition(":")
    return ip, int(port)


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def _gone(pid: int, within_s: float = 15.0) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:  # reaped meanwhile
            return True
        if state == "Z":  # exited, waiting for its parent
            return True
        time.sleep(0.05)
    return False


def test_the_session_points_at_a_world_served_by_another_process() -> None:
    sandbox = DemoSandbox("demo")
    served = sandbox.start()
    child = sandbox.pid
    try:
        assert child is not None and child in _children(os.getpid())
        assert os.getsid(child) != os.getsid(0)  # a session of its own
        ca_folder = Path(served.session.network.ca_bundle).parent
        assert ca_folder.is_dir()
        www = next(r for r in served.session.network.resolve if r.startswith("www."))
        with socket.create_connection(_endpoint(www), timeout=5):
            pass
        assert served.deploy_admin_url.startswith("http://127.")
    finally:
        sandbox.stop()
    assert _gone(child)
    assert not ca_folder.exists()  # the world's files went with it
    assert not _handover_folders()


@pytest.fixture(autouse=True)
def private_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Temporary folders (ours and the child's, through TMPDIR) in this test's own folder."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    return temp


def _handover_folders() -> list[Path]:
    """The folders a child hands the session over in (none should outlive ``start``)."""
    return list(Path(tempfile.gettempdir()).glob("launch-tui-demo-sandbox-*"))


def test_an_unknown_world_is_a_clear_error_and_leaves_nothing() -> None:
    before = set(_children(os.getpid()))
    with pytest.raises(DemoSandboxError, match="no built-in world called 'nowhere'"):
        DemoSandbox("nowhere").start()
    assert set(_children(os.getpid())) <= before
    assert not _handover_folders()


def test_a_signal_to_the_sandbox_stops_it_and_removes_its_files() -> None:
    sandbox = DemoSandbox("demo")
    served = sandbox.start()
    child = sandbox.pid
    assert child is not None
    ca_folder = Path(served.session.network.ca_bundle).parent
    try:
        os.kill(child, signal.SIGTERM)
        assert _gone(child)
        assert not ca_folder.exists()
    finally:
        sandbox.stop()


APP = r"""
import os, sys
from launch_tui.cli.demo_sandbox import DemoSandbox
served = DemoSandbox("demo").start()
print(served.session.network.ca_bundle, flush=True)
sys.stdin.readline()
os.kill(os.getpid(), 9)  # the app dies without any cleanup of its own
"""


def test_the_world_stops_and_cleans_up_when_the_app_is_killed() -> None:
    with subprocess.Popen(
        [sys.executable, "-c", APP], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as app:
        assert app.stdout is not None and app.stdin is not None
        ca_bundle = Path(app.stdout.readline().strip())
        [child] = _children(app.pid)
        assert ca_bundle.is_file()
        app.stdin.write("\n")
        app.stdin.flush()
        assert app.wait(timeout=30) == -signal.SIGKILL
    assert _gone(child)
    deadline = time.monotonic() + 15
    while ca_bundle.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not ca_bundle.parent.exists()
    assert not _handover_folders()

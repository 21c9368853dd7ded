"""Two processes, one session: the second gets a read-only handle, and no update is lost."""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from launch_tui.core.errors import SessionLockedError, SessionReadOnlyError
from launch_tui.core.model import UiState
from launch_tui.store import list_sessions, open_session

DATA = Path(__file__).parents[1] / "data" / "sessions"

HOLDER = r"""
import dataclasses, os, sys
from launch_tui.core.model import UiState
from launch_tui.store import open_session

handle = open_session(sys.argv[1])
print(f"ready {os.getpid()} {handle.read_only}", flush=True)
for line in sys.stdin:
    if line.strip() == "save":
        handle.save(dataclasses.replace(handle.session, ui=UiState("deploy", "from-the-child")))
        print("saved", flush=True)
    elif line.strip() == "exit":
        break
handle.close()
print("closed", flush=True)
"""


class Holder:
    """A child process holding the session open."""

    def __init__(self, session: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(session)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        ready = self.read().split()
        assert ready[0] == "ready" and ready[2] == "False", ready
        self.pid = int(ready[1])

    def read(self) -> str:
        assert self.proc.stdout is not None
        return self.proc.stdout.readline().strip()

    def tell(self, command: str) -> str:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self.read()

    def stop(self) -> None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        self.proc.stdin.close()
        self.proc.stdout.close()


@pytest.fixture
def session(tmp_path: Path) -> Path:
    path = tmp_path / "acme.toml"
    shutil.copyfile(DATA / "handwritten.toml", path)
    return path


@pytest.fixture
def holder(session: Path) -> Iterator[Holder]:
    child = Holder(session)
    yield child
    child.stop()


def test_second_opener_is_read_only_and_nothing_is_lost(session: Path, holder: Holder) -> None:
    with open_session(session) as mine:
        assert mine.read_only
        assert mine.locked_by is not None and mine.locked_by.pid == holder.pid
        assert mine.notice is not None and str(holder.pid) in mine.notice
        with pytest.raises(SessionReadOnlyError, match="read-only"):
            mine.save(dataclasses.replace(mine.session, ui=UiState("observe", "from-the-parent")))
        with pytest.raises(SessionLockedError, match=str(holder.pid)):
            open_session(session, if_locked="raise")
        [summary] = list_sessions(session.parent)
        assert summary.locked and summary.locked_by is not None
        assert summary.locked_by.pid == holder.pid

        assert holder.tell("save") == "saved"
        assert mine.reload().ui.selection == "from-the-child"

    assert holder.tell("exit") == "closed"
    assert holder.proc.wait(timeout=10) == 0
    with open_session(session) as mine:
        assert not mine.read_only
        assert mine.session.ui == UiState("deploy", "from-the-child")
        mine.save(dataclasses.replace(mine.session, ui=UiState("deploy", "then-the-parent")))
    assert [n for n in os.listdir(session.parent) if n.startswith(".")] == []


def test_a_crashed_holder_does_not_keep_the_session_locked(session: Path, holder: Holder) -> None:
    with open_session(session) as mine:
        assert mine.read_only
    os.kill(holder.pid, signal.SIGKILL)
    holder.proc.wait(timeout=10)
    assert (session.parent / f".{session.name}.lock").exists()  # left behind by the crash
    [summary] = list_sessions(session.parent)
    assert not summary.locked  # its process is gone
    with open_session(session) as mine:
        assert not mine.read_only
        saved = mine.save(dataclasses.replace(mine.session, ui=UiState("observe")))
    assert saved.ui.stage == "observe"

"""What the engineer writes during ``launch-tui demo`` survives quitting it.

The demo's session lives in a temporary folder deleted on quit; ``w`` on the handover stage used
to write the report there, so ``q`` removed it without a word. The demo runs in a real pty with
its working directory in a test folder: the report lands there, stays after quitting, and the
command says where it is.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from pty_terminal import PtyApp

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="needs a Linux pty")


def test_report_written_in_the_demo_outlives_it(tmp_path: Path) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "TERM": "xterm-256color"}
    app = PtyApp(
        [sys.executable, "-m", "launch_tui", "demo"], env, columns=110, rows=32, cwd=str(work)
    )
    try:
        assert app.wait_text("dns.records", 90), app.screen.text()
        app.send("7")
        assert app.wait_text("handover.renewals", 30), app.screen.text()
        app.send("w")
        assert app.wait_text("Handover written", 60), app.screen.text()
        app.send("q")
        assert app.wait_exit(60) == 0
    finally:
        app.close()
    written = sorted(p.name for p in work.iterdir())
    assert written == ["demo-handover.html", "demo-handover.md"]
    assert "Brightlane" in (work / "demo-handover.md").read_text()
    assert list(temp.iterdir()) == [], "the demo's own temp folders are still removed"
    said = bytes(app.raw).decode("utf-8", "replace")
    assert f"Report kept in {work / 'demo-handover.md'}" in said

"""``NO_COLOR=1`` in a real terminal: every visible character stands out from its background.

The demo runs in a pseudo-terminal; the test reads the SGR stream it writes into a screen of
cells (tests/pty_terminal.py) and fails on any non-blank cell drawn in the colour of its own
background. It also checks that emphasis survives without colour: the selected row is in
reverse video and each check's status is shown by its symbol.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
from pty_terminal import PtyApp, Screen

from launch_tui.tui.text import STATUS_GLYPH

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="needs a Linux pty")

STATUS_SYMBOLS = set(STATUS_GLYPH.values())
#: A line of the check table: status symbol, then a check id.
CHECK_ROW = re.compile(r"^ \S  [a-z]+\.[a-z_]")


def _symbols(screen: Screen) -> set[str]:
    """The status symbols of the check table's rows on ``screen``."""
    return {screen.line(y)[1] for y in range(screen.rows) if CHECK_ROW.match(screen.line(y))}


def _describe(screen: Screen) -> str:
    bad = screen.invisible_cells()
    sample = ", ".join(f"{char!r} at {x},{y} ({cell.shown_fg})" for x, y, char, cell in bad[:5])
    return f"{len(bad)} invisible cells: {sample}\n{screen.text()}"


def test_no_color_draws_a_readable_monochrome_screen(tmp_path: Path) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {
        **os.environ,
        "TMPDIR": str(temp),
        "TERM": "xterm-256color",
        "NO_COLOR": "1",
        "COLORTERM": "truecolor",
    }
    env.pop("LAUNCH_TUI_THEME", None)
    app = PtyApp([sys.executable, "-m", "launch_tui", "demo"], env, columns=100, rows=30)
    try:
        assert app.wait_text("dns.records", 90), app.screen.text()
        # The demo's audit has started: wait for its first results to reach the table (the
        # check process yields the CPU to the screen, so under a loaded machine they may take
        # longer than a short pause).
        app.wait_for(lambda screen: len(_symbols(screen)) > 1, 90)
        app.settle(0.5)
        screen = app.screen
        assert not screen.invisible_cells(), _describe(screen)
        # No colour at all: only the terminal's own foreground and background.
        colours = {c.pen.fg for row in screen.cells for c in row} | {
            c.pen.bg for row in screen.cells for c in row
        }
        assert colours == {"default"}, colours
        # The selected row stands out by reverse video, and statuses by their symbols.
        rows = [y for y in range(screen.rows) if CHECK_ROW.match(screen.line(y))]
        assert rows, screen.text()
        reversed_rows = [y for y in rows if all(c.pen.reverse for c in screen.cells[y][2:40])]
        assert len(reversed_rows) == 1, screen.text()
        symbols = {screen.line(y)[1] for y in rows}
        assert symbols <= STATUS_SYMBOLS and len(symbols) > 1, symbols

        app.send("d")  # the decision dialog: inputs, radio buttons, buttons
        assert app.wait_text("Record a decision", 30), app.screen.text()
        app.settle(0.3)
        assert not app.screen.invisible_cells(), _describe(app.screen)
        app.send("\x1b")
        app.settle(0.3)
        app.send("q")
        assert app.wait_exit(60) == 0
    finally:
        app.close()

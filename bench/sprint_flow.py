"""The fastest honest path to a verdict, by keys only: how many keystrokes the demo sprint takes.

Run: ``uv run python bench/sprint_flow.py`` (``--columns``/``--rows`` for the terminal size,
``--text`` for the decision text typed each time, ``--show`` to print the final screen).

``launch-tui demo`` runs in a real pseudo-terminal (``NO_COLOR=1``, so the selected row is the
one drawn in reverse video) and this driver plays the engineer: it reads the screen, and only
the screen, to decide each key. After the audit that the demo runs by itself, it goes through
the seven stages by their number keys; on each it walks the check table from the top, reading
the status symbol of the row under the cursor, and marks (space) every row that is failing or
not verified yet (a fail, an error, a check with no result, skipped or waiting for
confirmation), stepping over rows that pass or only warn; then one decision (``d``) accepts the
risk for all the marked rows with an owner, recording the unverified ones as not verified in the
same step. The dialog's summary line ("Saves: accept risk · owner ...") says what is set
already; the driver only changes what it does not say. Finally ``v`` shows the readiness view,
whose title carries the verdict.

It prints the keystrokes by kind (navigation, the dialog's fixed keys, typed text), the verdict
reached, and, as the baseline measured in the same run, what the same decisions cost one row at
a time with every field set by hand (the path the app offered before marking rows, remembering
the last decision and "not verified, accept the risk" in one step): per decided row ``d``,
choosing the action, owner and the text, plus a separate confirmation for each unverified row.
The driver never reads or writes the session file.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))  # the pty terminal the tests use

from pty_terminal import PtyApp, Screen  # noqa: E402

DOWN, SHIFT_TAB, RIGHT, ENTER, TAB, CTRL_S, ESC = (
    "\x1b[B",
    "\x1b[Z",
    "\x1b[C",
    "\r",
    "\t",
    "\x13",
    "\x1b",
)
#: Status symbols (tui/text.py STATUS_GLYPH) of rows to decide: fail, error, not run yet,
#: skipped, waiting for confirmation. Pass (✓) and warn (!) hold the bar as they are.
TO_DECIDE = set("✗?·-○")
STAGES = 7


@dataclass
class Keys:
    navigation: int = 0
    dialog: int = 0
    typed: int = 0
    log: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.navigation + self.dialog + self.typed


class Driver:
    def __init__(self, app: PtyApp, keys: Keys) -> None:
        self.app = app
        self.keys = keys

    def send(self, key: str, kind: str) -> None:
        self.app.send(key)
        count = len(key) if kind == "typed" else 1
        setattr(self.keys, kind, getattr(self.keys, kind) + count)
        self.app.settle(quiet=0.06, timeout=3)

    @property
    def screen(self) -> Screen:
        return self.app.screen

    def cursor_line(self) -> tuple[int, str] | None:
        """The table row drawn in reverse video (a run of 40 or more reversed cells): its
        screen line and the text of that run (the row, without the sidebar)."""
        for y in range(self.screen.rows):
            row = self.screen.cells[y]
            x = 0
            while x < len(row):
                if not row[x].pen.reverse:
                    x += 1
                    continue
                end = x
                while end < len(row) and row[end].pen.reverse:
                    end += 1
                if end - x >= 40:
                    return y, "".join(c.char for c in row[x:end])
                x = end
        return None

    def wait(self, needle: str, timeout: float = 120) -> None:
        if not self.app.wait_text(needle, timeout):
            raise SystemExit(f"never saw {needle!r} on the screen:\n{self.screen.text()}")


def _moved(before: tuple[int, str], now: tuple[int, str] | None) -> bool:
    """Whether the cursor is on another row (the table may have scrolled under it instead of
    the cursor moving down the screen; a mark changes only the last column)."""
    if now is None:
        return False

    def plain(text: str) -> str:
        return text.replace("●", " ").replace("Δ", " ")

    return now[0] != before[0] or plain(now[1]) != plain(before[1])


def decide_stage(d: Driver, number: int, text: str, baseline: Keys) -> int:
    """Mark and decide the stage's open rows; the number of rows decided."""
    d.send(str(number), "navigation")
    d.wait(f"{number}/{STAGES} ")
    marked = 0
    unverified = 0
    seen: set[str] = set()
    while True:
        found = d.cursor_line()
        if found is None:
            break
        _, line = found
        if line in seen:
            break
        seen.add(line)
        glyph = line.strip()[:1]
        if glyph in TO_DECIDE:
            d.send(" ", "navigation")
            marked += 1
            unverified += glyph in "·-○"
        else:
            d.send(DOWN, "navigation")
        before = found
        if not d.app.wait_for(lambda _s, b=before: _moved(b, d.cursor_line()), 1.5):
            break  # the last row: the cursor did not move
    if not marked:
        return 0
    d.send("d", "dialog")
    d.wait("Record a decision")
    if "accept risk" not in d.screen.text().split("Saves:", 1)[-1][:20]:
        d.send(SHIFT_TAB, "dialog")
        while "Saves: accept risk" not in d.screen.text():
            d.send(RIGHT, "dialog")
        d.send(TAB, "dialog")
    d.send(text, "typed")
    if "· owner" not in d.screen.text():
        d.send(TAB, "dialog")  # the owner list
        d.send(ENTER, "dialog")
        d.send(DOWN, "dialog")  # the first person after "(nobody)"
        d.send(ENTER, "dialog")
    d.send(CTRL_S, "dialog")
    if not d.app.wait_for(lambda s: "Record a decision" not in s.text(), 10):
        raise SystemExit(f"the decision was refused:\n{d.screen.text()}")
    d.wait("Decision saved", 10)
    # The baseline: each row its own dialog, every field by hand (d, shift+tab, right, tab,
    # the text, tab, enter, down, enter, ctrl+s), and each unverified row confirmed first
    # (m, right to "does not hold", tab, the text, ctrl+s); plus one step down per row.
    baseline.dialog += marked * 9 + unverified * 4
    baseline.typed += (marked + unverified) * len(text)
    baseline.navigation += marked
    return marked


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--columns", type=int, default=110)
    parser.add_argument("--rows", type=int, default=40)
    parser.add_argument("--text", default="Accepted for launch")
    parser.add_argument("--show", action="store_true", help="print the final screen")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "NO_COLOR": "1", "TERM": "xterm-256color", "TMPDIR": tmp}
        env.pop("LAUNCH_TUI_THEME", None)
        started = time.perf_counter()
        app = PtyApp(
            [sys.executable, "-m", "launch_tui", "demo"],
            env,
            columns=args.columns,
            rows=args.rows,
            cwd=tmp,
        )
        keys, baseline = Keys(), Keys()
        d = Driver(app, keys)
        try:
            d.wait("dns.records")
            # The demo's own audit has finished: its last line, no longer "Running ...".
            if not app.wait_for(
                lambda s: "full audit:" in s.text() and "Running" not in s.text(), 300
            ):
                raise SystemExit(f"the demo's audit never finished:\n{app.screen.text()}")
            audit_s = time.perf_counter() - started
            decided = 0
            for number in range(1, STAGES + 1):
                rows = decide_stage(d, number, args.text, baseline)
                print(f"  stage {number}: {rows} rows decided, {keys.total} keys so far")
                decided += rows
            d.send("v", "navigation")
            d.wait("Launch readiness")
            title = next(
                line for line in d.screen.text().splitlines() if "Launch readiness" in line
            )
            verdict = re.sub(r"\s+", " ", title.split("Launch readiness", 1)[1].split("sprint")[0])
            if args.show:
                print(d.screen.text())
            d.send(ESC, "navigation")
            app.send("q")
            app.wait_exit(60)
        finally:
            app.close()

    print(f"sprint_flow: launch-tui demo at {args.columns}x{args.rows}, keys only")
    print(f"  demo audit finished after     {audit_s:6.1f} s")
    print(f"  rows decided                  {decided:6d}")
    print(f"  keystrokes: navigation        {keys.navigation:6d}")
    print(f"              dialog keys       {keys.dialog:6d}")
    print(f"              typed text        {keys.typed:6d}")
    print(f"              total             {keys.total:6d}   (target <= 600)")
    one_by_one = baseline.total + keys.navigation - baseline.navigation
    print(
        f"  baseline, one row at a time   {one_by_one:6d}"
        "   (same rows; every field typed, unverified rows confirmed first)"
    )
    print(f"  verdict reached               {verdict.strip()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

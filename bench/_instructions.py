"""Instructions counted by valgrind's callgrind: a figure a busy machine does not move.

On a shared machine the wall clock and even a thread's CPU time of the same code drift by 10-35 %
from one child process to the next (measured: one tree against a worktree of itself gave
1.13-1.39x), which buries a change of a few percent. The number of instructions a piece of work
executes is the same on every run: :func:`instructions` runs a child under callgrind and reads
the total it reports. The work of one step is the difference between a child that stops before
it and one that stops after it (what comes before is the same in both). The children run with
one hash seed (``PYTHONHASHSEED=0``: set and dict orders, and so the work, are the same each
time) and should leave with ``os._exit`` once done, so that tearing down what they built, which
grows with every step, is not counted as the step's work.

Callgrind runs the child about 50 times slower; it counts instructions, not cache misses or
time spent waiting, so it complements the timed figures rather than replacing them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

_COLLECTED = re.compile(r"Collected : (\d+)")


def available() -> bool:
    """Whether valgrind is installed (Debian: ``apt-get install valgrind``)."""
    return shutil.which("valgrind") is not None


def instructions(argv: list[str], tree: Path | None) -> int:
    """Instructions the command ``argv`` executed (it imports launch-tui from ``tree`` when
    given); raises SystemExit with its error output when it fails."""
    env = dict(os.environ, PYTHONHASHSEED="0")  # the same hashes, so the same work, each run
    if tree is not None:
        env["PYTHONPATH"] = str(tree.resolve())
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *argv]
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    found = _COLLECTED.search(done.stderr)
    if done.returncode or found is None:
        raise SystemExit(f"callgrind failed ({done.returncode}): {done.stderr[-3000:]}")
    return int(found.group(1))

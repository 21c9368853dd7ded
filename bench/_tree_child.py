"""One of our benchmarks run again in a child process, on the launch-tui of another source tree.

Used by the benchmarks that compare this tree with an older one (``--against DIR``) in one run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any


def child_figures(script: str, args: list[str], tree: str) -> tuple[dict[str, Any] | None, str]:
    """Run ``script`` with ``args`` importing launch-tui from ``tree`` (``""``: the tree the
    script is in); the last line it prints, read as JSON, or ``None`` and why it failed.

    The child runs in that tree, not only with it on ``PYTHONPATH``: the processes it starts with
    ``python -m`` (the sandbox, the sampling processes) put their working folder first on
    ``sys.path``, and would otherwise import whatever tree the bench was started from.
    """
    here = Path(script).resolve()
    root = Path(tree).resolve() if tree else here.parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, str(here), *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=root,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode or not lines:
        return None, f"the child failed ({done.returncode}): {done.stderr[-2000:]}"
    figures: dict[str, Any] = json.loads(lines[-1])
    return figures, ""

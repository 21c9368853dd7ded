"""The console script's entry: ``launch-tui`` runs :func:`run`.

It lives outside :mod:`launch_tui.cli` because importing that package imports the command line
(and the session model, the store, the playbook) at once, and the garbage collector must be
paused before that: see :mod:`launch_tui.cli.startup`.
"""

from __future__ import annotations

import gc
import sys


def run() -> None:
    """Pause the collector for the start, then run the command line and exit with its code."""
    gc.disable()  # launch_tui.cli.startup.pause_collector, before anything heavy is imported
    from launch_tui.cli.main import main

    sys.exit(main())

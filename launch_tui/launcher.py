"""The console script's entry: ``launch-tui`` runs :func:`run`.

:func:`run` pauses the garbage collector before the first import (why, and who resumes it:
:mod:`launch_tui.collector`), then runs the command line. This module lives outside
:mod:`launch_tui.cli` because importing that package imports the command line (and the session
model, the store, the playbook) at once.
"""

from __future__ import annotations

import sys

from launch_tui.collector import pause_collector, resume_collector

__all__ = ["pause_collector", "resume_collector", "run"]


def run() -> None:
    """Pause the collector for the start, then run the command line and exit with its code."""
    pause_collector()
    from launch_tui.cli.main import main

    sys.exit(main())

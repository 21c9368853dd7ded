"""The ``launch-tui`` command line. ``main`` runs it; the console script enters through
:func:`launch_tui.launcher.run`, which pauses the garbage collector first."""

from launch_tui.cli.main import main

__all__ = ["main"]

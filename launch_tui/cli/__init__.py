"""The ``launch-tui`` command line. ``main`` is the console-script entry point."""

from launch_tui.cli.main import main

__all__ = ["main", "run"]


def run() -> None:
    """Console-script entry: exit with main()'s code."""
    import sys

    sys.exit(main())

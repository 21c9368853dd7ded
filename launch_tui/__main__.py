"""``python -m launch_tui`` runs the command line, as the ``launch-tui`` script does."""

from launch_tui.launcher import run

run()

"""``python -m launch_tui`` runs the command line."""

import sys

from launch_tui.cli import main

sys.exit(main())

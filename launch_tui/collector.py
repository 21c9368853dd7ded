"""The garbage collector while the program starts: paused by the console script, resumed once the
start is over.

Starting the terminal UI imports Textual, Rich and the app and builds the first screen: hundreds
of thousands of objects that live as long as the process. The collector, left on, walks them
over and over as they are made (about 120 collections, one of them a full one), which cost
50 ms of a first screen that should take under 0.5 s. So ``launch_tui.launcher.run`` pauses it
before the first import, and it is resumed as soon as the start is over:

* by the app once its first screen is on the terminal (after moving everything alive then out
  of the collector's way with ``gc.freeze``; see ``LaunchApp.first_screen_painted``);
* by :func:`launch_tui.cli.main.main` before any command that is not a terminal UI;
* by ``launch_tui.tui.launch.run_app`` when the app ends, whatever happened.

Resuming is idempotent, and harmless where the collector was never paused (tests that call
``main`` directly). This module imports nothing of launch-tui, so both the console script's
entry and the command line it runs can use it.
"""

from __future__ import annotations

import gc

__all__ = ["pause_collector", "resume_collector"]


def pause_collector() -> None:
    """Switch the cyclic garbage collector off (reference counting still frees most objects)."""
    gc.disable()


def resume_collector() -> None:
    """Switch the collector back on."""
    gc.enable()

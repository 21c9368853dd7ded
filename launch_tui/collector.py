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

During a check run there is no full collection (:func:`no_full_collections`): a run makes
objects fast (events, results, and in the app rows and rendered lines), so the collector soon
decides on a full one, which walks everything made since the last ``gc.freeze`` (10-35 ms, with
every thread of the process stopped: the screen, and the event loop timing the checks' answers).
Young collections go on, so short-lived cycles are freed as usual; older ones wait for the first
full collection after the run.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

__all__ = [
    "hold_full_collections",
    "no_full_collections",
    "pause_collector",
    "release_full_collections",
    "resume_collector",
]

#: Python's own setting: a full collection after this many middle ones (when worth it).
_FULL_COLLECTION_EVERY = gc.get_threshold()[2]
_NO_FULL_COLLECTION = 1_000_000
_holds = 0
_holds_lock = threading.Lock()


def pause_collector() -> None:
    """Switch the cyclic garbage collector off (reference counting still frees most objects)."""
    gc.disable()


def resume_collector() -> None:
    """Switch the collector back on."""
    gc.enable()


def hold_full_collections() -> None:
    """No full collection until every hold is released (holds nest and may overlap: the app's
    run and the engine's, or two runs on two threads)."""
    global _holds
    with _holds_lock:
        _holds += 1
        young, middle, _ = gc.get_threshold()
        gc.set_threshold(young, middle, _NO_FULL_COLLECTION)


def release_full_collections() -> None:
    """Release one hold; the last one puts full collections back as Python has them."""
    global _holds
    with _holds_lock:
        _holds = max(0, _holds - 1)
        if not _holds:
            young, middle, _ = gc.get_threshold()
            gc.set_threshold(young, middle, _FULL_COLLECTION_EVERY)


@contextlib.contextmanager
def no_full_collections() -> Iterator[None]:
    """No full collection while the block runs (see the module's note)."""
    hold_full_collections()
    try:
        yield
    finally:
        release_full_collections()

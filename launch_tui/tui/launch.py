"""Start the app from the command line: the one place the CLI reaches into the TUI.

``launch_tui.cli`` must not import textual (an import contract says so), so the ``home``,
``open`` and ``demo`` commands load this module by name when they need the screen.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from launch_tui.core.playbook import Playbook
from launch_tui.tui.app import AppOptions, LaunchApp
from launch_tui.tui.app_base import THEME_ENV
from launch_tui.tui.keymap import keymap_path, load_keymap

if TYPE_CHECKING:
    from launch_tui.checks import Registry
    from launch_tui.tui.workers import ServicesFactory


def pick_theme(environ: Mapping[str, str]) -> str:
    """The theme that follows the terminal: its own ANSI palette, light or dark.

    ``$LAUNCH_TUI_THEME`` wins. Otherwise ``COLORFGBG`` (set by many terminals as ``fg;bg``)
    says whether the background is light; the ANSI themes then draw with the terminal's own
    colours, so the app looks like the terminal it runs in.
    """
    chosen = environ.get(THEME_ENV, "").strip()
    if chosen:
        return chosen
    background = environ.get("COLORFGBG", "").split(";")[-1].strip()
    if background in {"7", "15"}:
        return "ansi-light"
    return "ansi-dark"


#: Signals that mean "stop now": the terminal went away (SIGHUP) or ``kill`` (SIGTERM).
STOP_SIGNALS = (signal.SIGHUP, signal.SIGTERM)


@contextlib.contextmanager
def exit_on_stop_signals(app: LaunchApp) -> Iterator[list[int]]:
    """While the app runs, SIGHUP and SIGTERM ask it to exit the normal way.

    Without this the process dies on the spot: no cleanup runs (``launch-tui demo`` leaves its
    sandbox folders behind) and, since Textual's input thread is not a daemon, an exception
    raised from a signal handler can leave the process waiting on it. Here the handler only
    schedules ``app.exit()`` on the app's event loop; the app closes its screens, workers and
    driver, and the caller learns which signal arrived from the yielded list. Before the loop
    runs, a signal exits at once with 128 + its number.
    """
    received: list[int] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise SystemExit(128 + signum) from None
        loop.call_soon_threadsafe(app.exit)

    previous = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}
    try:
        yield received
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def run_app(
    *,
    sessions_dir: Path,
    playbook: Playbook,
    services_factory: ServicesFactory,
    environ: Mapping[str, str],
    clock: Callable[[], datetime],
    open_path: Path | None = None,
    options: AppOptions | None = None,
    registry: Registry | Callable[[], Registry] | None = None,
) -> str | None:
    """Run the app until it quits; returns ``"demo"`` when the user asked for the demo.

    SIGHUP or SIGTERM close the app in order and then raise ``SystemExit(128 + signal)``.
    """
    base = options or AppOptions()
    if base.theme is None:
        base = AppOptions(**{**base.__dict__, "theme": pick_theme(environ)})
    app = LaunchApp(
        sessions_dir=sessions_dir,
        playbook=playbook,
        registry=registry if registry is not None else _default_registry,
        services_factory=services_factory,
        clock=clock,
        keymap=load_keymap(keymap_path(environ)),
        open_path=open_path,
        options=base,
    )
    with exit_on_stop_signals(app) as received:
        try:
            result = app.run()
        finally:
            gc.enable()  # paused by the command line for the start; on again whatever happened
    if received:
        raise SystemExit(128 + received[0])
    return result if isinstance(result, str) else None


def _default_registry() -> Registry:
    """Every check module's checks; called by the app in a thread after the first screen."""
    from launch_tui.checks import default_registry

    return default_registry()

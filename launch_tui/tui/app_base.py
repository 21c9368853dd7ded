"""What the launch-tui app is before it holds a session: its look and how it speaks to the user.

:class:`AppBase` sets the theme before any stylesheet is parsed, draws readably under
``NO_COLOR``, and shows toasts and error dialogs with literal, cleaned text. The app itself
(:class:`~launch_tui.tui.app.LaunchApp`) adds the session, the screens and the check runs.
"""

from __future__ import annotations

import gc

from textual.app import App
from textual.filter import ANSIToTruecolor, Monochrome, NoColor
from textual.notifications import SeverityLevel
from textual.worker import Worker

from launch_tui.core.errors import LaunchError, UsageError
from launch_tui.core.sanitize import clean
from launch_tui.tui.app_state import RunState

THEME_ENV = "LAUNCH_TUI_THEME"
"""Environment variable naming a Textual theme (``textual-dark``, ``ansi-dark``...)."""


class AppBase(App[str | None]):
    """The app's look (theme, ``NO_COLOR``) and its messages to the user."""

    _run_state = RunState()

    @property
    def run_state(self) -> RunState:
        """The check run, as the screens show it."""
        return self._run_state

    @run_state.setter
    def run_state(self, state: RunState) -> None:
        self._run_state = state
        defer_full_collections(state.active)

    def _drop_colours(self) -> None:
        """With ``NO_COLOR``, draw in the terminal's own foreground and background only.

        Textual's choice for ``NO_COLOR`` is made before the theme is known: for a truecolor
        theme it greys every colour, and with an ANSI theme (the default here) that greying
        turns the terminal's palette colours into black on black. The terminal's default
        colours are always readable; emphasis comes from bold, reverse and underline
        (``:nocolor`` rules in app.tcss) and a check's status from its symbol.
        """
        self._filters = [
            NoColor() if isinstance(f, Monochrome) else f
            for f in self._filters
            if not isinstance(f, ANSIToTruecolor)
        ]
        if not any(isinstance(f, NoColor) for f in self._filters):
            self._filters.append(NoColor())

    def _start_with_theme(self, name: str) -> None:
        """Use theme ``name`` from the start, before any stylesheet is parsed.

        Assigning ``self.theme`` does what Textual's theme watcher does, and that watcher also
        queues a re-parse of every stylesheet (the app's and each widget's) for just after the
        first parse: about 15 ms of start-up spent parsing the same CSS twice. Nothing is parsed
        yet here, so the theme's classes, colour filter and CSS variables are set directly and
        the first parse uses them. An unknown name is a usage error that lists the known ones.
        """
        if name not in self.available_themes:
            known = ", ".join(sorted(self.available_themes))
            raise UsageError(f"unknown theme {name!r} (${THEME_ENV}); known themes: {known}")
        self.set_reactive(App.theme, name)
        theme = self.current_theme
        classes = {c: False for c in self.classes if c.startswith("-theme-")}
        classes[f"-theme-{theme.name}"] = True
        classes["-dark-mode"] = theme.dark
        classes["-light-mode"] = not theme.dark
        self.update_classes(classes, update=False)
        # Textual keeps the ANSI-to-truecolor filter in step with the theme (an ANSI theme
        # draws with the terminal's own palette); the watcher does this, so it is done here.
        self._refresh_truecolor_filter(self.ansi_theme)
        self.stylesheet.set_variables(self.get_css_variables())

    def say(
        self, message: str, *, title: str = "", severity: SeverityLevel = "information"
    ) -> None:
        """A toast with literal, cleaned text (never markup)."""
        self.notify(
            clean(message, max_len=500),
            title=clean(title, max_len=80),
            severity=severity,
            markup=False,
        )

    def show_error(self, title: str, message: str) -> None:
        """A titled, escaped error dialog."""
        from launch_tui.tui.screens.modals import ErrorModal

        self.push_screen(ErrorModal(title, message))

    def show_worker_error(self, worker: Worker[object]) -> None:
        """The error dialog for a worker that failed: its own title, or a calm generic one."""
        error = worker.error
        if isinstance(error, LaunchError):
            self.show_error(error.title, error.message)
            return
        name = type(error).__name__ if error is not None else "Error"
        self.show_error(
            f"{worker.description or worker.name or 'A task'} failed",
            f"{name}: {error}\n\nThe session is safe; nothing was lost. "
            "Set LAUNCH_TUI_DEBUG=1 and see the log for details.",
        )


_FULL_COLLECTION_EVERY = gc.get_threshold()[2]
"""Python's own setting: a full collection after this many young ones (when worth it)."""
_NO_FULL_COLLECTION = 1_000_000


def defer_full_collections(during_run: bool) -> None:
    """While a check run goes on, no full collection; when it ends, as before.

    A run makes objects fast (results, rows, rendered lines), so the collector soon decides
    on a full collection: it walks every object made since the last freeze, 10-35 ms during
    which the screen cannot repaint, several times in a run. Young collections still run,
    so short-lived cycles are freed as usual; older cycles wait for the first full
    collection after the run (and each run starts with one, see :func:`freeze_heap`).
    """
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, _NO_FULL_COLLECTION if during_run else _FULL_COLLECTION_EVERY)


def freeze_heap(*, collect: bool = False) -> None:
    """Take the objects alive now out of the garbage collector's full collections.

    A full collection walks every tracked object: after the imports (Textual, Rich, the
    network stack, the check modules) that is a few hundred thousand, and it stopped every
    thread for 100-200 ms in the middle of check runs. Those objects live as long as the
    app, so they are frozen (``gc.freeze``) when the app is up and when a run starts; later
    collections walk only what came after.

    ``collect`` first collects the garbage made since the last freeze (a collection walks
    only objects that are not frozen, so this costs milliseconds, not the full pause), so
    that runs do not pile up frozen garbage; what was garbage at start-up stays until the
    app ends (the app's ``on_unmount`` unfreezes).
    """
    if collect:
        gc.collect()
    gc.freeze()
    # The command line pauses the collector for the start (launch_tui.launcher): what
    # the start made is frozen now, so collections from here on walk only newer objects.
    gc.enable()

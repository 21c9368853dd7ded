"""The launch-tui Textual app: screens over one open session, checks run in workers.

The app is handed everything it uses (sessions folder, clock, playbook, check registry, a factory
of check services, the user's keymap), so tests run it against fakes or the loopback sandbox.
It owns the open session (:class:`~launch_tui.tui.controller.SessionController`): every change
goes through :meth:`LaunchApp.update_session`, which shows it at once, saves it in the background
and tells the screens through the ``session_changed`` signal.

Screen stack: the home screen at the bottom; a stage screen on top while a session is open
(switching stages swaps it); help, readiness and people overlays pushed above; modals above all.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import App
from textual.signal import Signal
from textual.worker import Worker, WorkerError, WorkerState

from launch_tui.core.errors import LaunchError
from launch_tui.core.model import STAGE_IDS, JSONValue, NetworkSettings, Session
from launch_tui.core.playbook import CheckMode, Playbook
from launch_tui.store import SessionHandle, create_session, open_session
from launch_tui.tui import edits
from launch_tui.tui.app_base import AppBase, freeze_heap
from launch_tui.tui.app_state import WIDE_COLUMNS, RunState, SessionChange
from launch_tui.tui.cancel import CancelToken
from launch_tui.tui.check_runs import CheckRuns, run_ended_text
from launch_tui.tui.command_palette import CommandsProvider
from launch_tui.tui.commands import APP, bindings
from launch_tui.tui.controller import SessionController
from launch_tui.tui.keymap import KeymapResult
from launch_tui.tui.messages import ResultsArrived, RunEnded, RunProgress, SaveFailed

if TYPE_CHECKING:
    # The check engine (and the work behind the screens) is imported when first used, after
    # the first screen is painted: see first_screen_painted.
    from textual.screen import Screen

    from launch_tui.checks import Registry, Selection
    from launch_tui.checks.deploy.drill import DrillRecord
    from launch_tui.tui.workers import ServicesFactory


@dataclass(frozen=True)
class AppOptions:
    """How the app behaves, beyond its data sources."""

    autorun: bool = False
    """Start a full audit as soon as the session opens (the demo does)."""
    cursor_blink: bool = True
    """Snapshot tests turn blinking off so screenshots are stable."""
    theme: str | None = None
    """A Textual theme name; ``None`` keeps Textual's default."""
    default_network: NetworkSettings = field(default_factory=NetworkSettings)
    """Network settings given to sessions made by the wizard (the demo points them at the
    sandbox)."""
    notice: str = ""
    """A line shown above every stage screen (the demo says what it is)."""
    allow_demo: bool = True
    """Whether the home screen offers the demo."""
    sessions_label: str | None = None
    """How the home screen names the sessions folder (default: its path)."""
    reports_dir: Path | None = None
    """Where ``w`` writes the handover; ``None``: beside the session file. The demo's session
    lives in a folder deleted on quit, so its reports go to the current folder instead."""
    sandbox_deploys: str = ""
    """The demo sandbox's deploy admin URL: the rollback drill can then deploy a bad release
    and roll it back itself (what the engineer's platform does for a real client)."""
    parallelism: int = 128
    """Checks run at once: ``checks.session_run.DEFAULT_PARALLELISM``, the CLI's number (a
    test keeps them equal; it is not imported here so that the first screen does not wait for
    the run machinery). The runner's deadlines follow from it and the network deadline."""


class LaunchApp(AppBase):
    """The terminal face of launch-tui."""

    CSS_PATH = "app.tcss"
    TITLE = "launch-tui"
    COMMANDS: ClassVar = App.COMMANDS | {CommandsProvider}
    BINDINGS = bindings(APP)
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE_COLUMNS, "-wide")]  # noqa: RUF012 - Textual's API

    def __init__(
        self,
        *,
        sessions_dir: Path,
        playbook: Playbook,
        registry: Registry | Callable[[], Registry],
        services_factory: ServicesFactory,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        keymap: KeymapResult | None = None,
        open_path: Path | None = None,
        options: AppOptions | None = None,
    ) -> None:
        super().__init__()
        self.sessions_dir = sessions_dir
        self.playbook = playbook
        # A callable is called in a thread after the first screen: check modules import the
        # network stack (the HTTP client, dnspython), which would otherwise delay the first paint.
        self._check_registry: Registry | None = None if callable(registry) else registry
        self._registry_source = registry
        self.services_factory = services_factory
        self.clock = clock
        self.options = options or AppOptions()
        self.check_runs = CheckRuns(services_factory, clock, self.options.parallelism)
        self.keymap_result = keymap or KeymapResult({})
        self.user_keymap: dict[str, str] = dict(self.keymap_result.keymap)
        self.open_path = open_path
        self.cursor_blink_enabled = self.options.cursor_blink
        self.controller: SessionController | None = None
        self.session_changed: Signal[SessionChange] = Signal(self, "session-changed")
        self.run_changed: Signal[RunState] = Signal(self, "run-changed")
        self.run_state = RunState()
        self._run_id = 0
        self._cancel = CancelToken()
        self._stage_since: datetime | None = None
        self._stage_timed = ""
        self._first_painted = False
        self._startup_done = False  # the registry loaded after the first screen
        if self.user_keymap:
            self.set_keymap(self.user_keymap)
        if self.options.theme:
            self._start_with_theme(self.options.theme)
        if self.no_color:
            self._drop_colours()

    # --- start and stop ---------------------------------------------------------------------

    def on_mount(self) -> None:
        for warning in self.keymap_result.warnings:
            self.say(warning, title="Keymap", severity="warning")
        # Textual holds every repaint until the app's own mount has finished, and a screen
        # pushed from here is mounted inside that hold: its first full render is computed and
        # thrown away, and the screen waits for the hold to end before it is rendered again.
        # Building the first screen just after the mount puts its first render on the terminal.
        self.call_later(self._show_first_screen)

    def _show_first_screen(self) -> None:
        # With a session to open, its stage is the first screen; the home screen is only
        # built if the engineer goes there. A session that cannot be opened leaves the home
        # screen with the error dialog above it.
        if self.open_path is None:
            self._push_home()
            return
        try:
            handle = open_session(self.open_path)
        except LaunchError as exc:
            self._push_home()
            self.show_error(exc.title, exc.message)
            return
        self._attach_handle(handle)

    def _push_home(self) -> None:
        from launch_tui.tui.screens.home import HomeScreen

        self.push_screen(HomeScreen())

    def first_screen_painted(self) -> None:
        """Start what the first screen did not need; screens call this after painting.

        Importing the check modules (and the network stack with them) is CPU work that would
        otherwise compete with the first paint for the interpreter. Only the first call acts.
        """
        if self._first_painted:
            return
        self._first_painted = True
        freeze_heap()
        self._load_registry()

    def on_unmount(self) -> None:
        # Whatever ended the app, the last change reaches the disk and the lock is released,
        # and no check process is left behind.
        self._close_session()
        self.check_runs.close()
        self.run_state = RunState()  # full collections as before (see defer_full_collections)
        gc.unfreeze()  # what this app froze can be collected again (see _freeze_heap)

    @property
    def registry(self) -> Registry | None:
        """The check registry, once loaded."""
        return self._check_registry

    @property
    def implemented_ids(self) -> frozenset[str]:
        """Ids of the checks the registry can run (until it is loaded: every auto check)."""
        if self._check_registry is None:
            return frozenset(c.id for c in self.playbook.checks(CheckMode.AUTO))
        return frozenset(self._check_registry.ids())

    @work(thread=True, exclusive=True, group="registry", exit_on_error=False)
    def _load_registry(self) -> None:
        # A registry given as a loader is loaded here; either way the check process (when
        # runs go to one) is started now, so that the first run does not wait for it.
        self.check_runs.warm()
        registry = self._registry_for_thread()
        self.call_from_thread(self._registry_loaded, registry)

    def _registry_loaded(self, registry: Registry) -> None:
        # Then the saver parses the open file for editing (one heavy import after the other).
        self._startup_done = True
        if self.controller is not None:
            self.controller.prepare_saving()
        if self._check_registry is not None:
            return
        assumed = self.implemented_ids
        self._check_registry = registry
        freeze_heap()  # the check modules and the network stack are imported now
        controller = self.controller
        if controller is not None and self.implemented_ids != assumed:
            # Rows of checks the registry cannot run say so now.
            self.session_changed.publish(SessionChange(controller.session))

    def now(self) -> datetime:
        """The app's clock (injected; fixed in tests and snapshots)."""
        return self.clock()

    # --- the open session --------------------------------------------------------------------

    def open_session_path(self, path: Path) -> bool:
        """Open a session file (locked, editable) and show it on the stage it was left at.

        Opening reads the file with tomli and takes its lock, which is about as fast as
        reading it: the comment-keeping document that saving edits is parsed by the first save,
        on the saver's thread.
        """
        try:
            handle = open_session(path)
        except LaunchError as exc:
            self.show_error(exc.title, exc.message)
            return False
        self._attach_handle(handle)
        return True

    async def wait_opened(self) -> None:
        """Return once the open session is ready to edit: at once, since a session is opened
        (editable or read-only) before it is shown. Kept for the tests that await it."""

    def create_session_file(self, session: Session) -> Path | None:
        """Write a new session file in the sessions folder and open it; ``None`` on failure."""
        folder = self.sessions_dir
        base = session.sprint.id or "session"
        path = folder / f"{base}.toml"
        counter = 2
        while path.exists():
            path = folder / f"{base}-{counter}.toml"
            counter += 1
        try:
            handle = create_session(path, session)
        except LaunchError as exc:
            self.show_error(exc.title, exc.message)
            return None
        self._attach_handle(handle)
        return path

    def _attach_handle(self, handle: SessionHandle) -> None:
        self._close_session()
        self._show_session(SessionController(handle, self._on_save_error))

    def _show_session(self, controller: SessionController) -> None:
        self.controller = controller
        if self._startup_done:  # else once the registry has loaded after the first screen
            controller.prepare_saving()
        self.run_state = RunState()
        stage = controller.session.ui.stage
        self.goto_stage(stage if stage in STAGE_IDS else STAGE_IDS[0], initial=True)
        if self.options.autorun and not controller.read_only:
            from launch_tui.checks import Selection

            self.start_run(Selection(), "full audit")

    def _on_save_error(self, error: LaunchError) -> None:
        # Called on the saver's thread: hand it to the event loop as a message.
        self.post_message(SaveFailed(error.title, error.message))

    def on_save_failed(self, message: SaveFailed) -> None:
        self.show_error(message.title, message.message)

    def update_session(
        self, session: Session, *, keys: frozenset[str] | None = None, edit: bool = True
    ) -> bool:
        """Make ``session`` the open session's value, save it and tell the screens.

        ``edit`` marks a change the engineer made; on a read-only session those are refused
        with a notice (check results and the UI position are kept in memory only).
        """
        controller = self.controller
        if controller is None:
            return False
        if edit and self.refuse_edit():
            return False
        if not controller.apply(session, urgent=edit):
            return False
        self.session_changed.publish(SessionChange(session, keys))
        return True

    def refuse_edit(self) -> bool:
        """True (after telling the engineer why) when the open session cannot be edited."""
        controller = self.controller
        if controller is None:
            return True
        if controller.read_only:
            self.say(controller.banner, title="Read-only", severity="warning")
            return True
        return False

    def remember_selection(self, stage: str, selection: str) -> None:
        """Keep the stage and row on screen in the session (reopening returns here)."""
        controller = self.controller
        if controller is None:
            return
        updated = edits.set_ui(controller.session, stage, selection)
        if updated is not controller.session:
            # Where the cursor is matters, but not enough to write on every arrow key.
            controller.apply(updated, urgent=False)

    def _account_stage_time(self) -> None:
        """Add the whole minutes spent on the current stage to its ``minutes_spent``."""
        controller = self.controller
        if controller is None or self._stage_since is None or not self._stage_timed:
            return
        now = self.clock()
        minutes = int((now - self._stage_since).total_seconds() // 60)
        if minutes > 0:
            self._stage_since += timedelta(minutes=minutes)
            controller.apply(
                edits.add_stage_minutes(controller.session, self._stage_timed, minutes)
            )

    def _close_session(self) -> None:
        controller = self.controller
        if controller is None:
            return
        self._run_id += 1  # a run of the closed session: its late messages are ignored
        self._cancel.cancel()
        self._account_stage_time()
        self.controller = None
        self._forget_stage_screens()
        try:
            controller.close()
        except LaunchError as exc:  # pragma: no cover - the saver reports its own failures
            self.log.error(exc.one_line())

    def _forget_stage_screens(self) -> None:
        """Drop the kept stage screens of a closed session (those not on screen now)."""
        stack = set(self.screen_stack)
        for stage_id in STAGE_IDS:
            name = stage_screen_name(stage_id)
            if self.is_screen_installed(name) and self.get_screen(name) not in stack:
                self.uninstall_screen(name)

    # --- navigation ------------------------------------------------------------------------

    def goto_stage(self, stage_id: str, *, initial: bool = False) -> None:
        """Show the stage screen of ``stage_id`` (replacing the current stage screen)."""
        from launch_tui.tui.screens.base import LaunchScreen
        from launch_tui.tui.screens.stage import StageScreen

        controller = self.controller
        if controller is None or stage_id not in STAGE_IDS:
            return
        self._account_stage_time()
        self._stage_since = self.clock()
        self._stage_timed = stage_id
        keep = controller.session.ui.selection if initial else ""
        if controller.session.ui.stage != stage_id or initial:
            self.remember_selection(stage_id, keep)
        # Stage screens are built once per open session and kept (installed), so coming back
        # to a stage is instant; each catches up with the session when it is shown again.
        name = stage_screen_name(stage_id)
        if not self.is_screen_installed(name):
            self.install_screen(StageScreen(stage_id), name)
        # Overlays and modals go; the stage screen is replaced; whatever is below stays.
        while len(self.screen_stack) > 1 and not (
            isinstance(self.screen, LaunchScreen) and self.screen.STACK_BASE
        ):
            self.pop_screen()
        if self.screen is self.get_screen(name):
            return
        if isinstance(self.screen, StageScreen):
            self.switch_screen(name)
        else:
            self.push_screen(name)

    async def action_goto_stage(self, number: int) -> None:
        if 1 <= number <= len(STAGE_IDS):
            self.goto_stage(STAGE_IDS[number - 1])

    def action_show_help(self) -> None:
        from launch_tui.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def _show_over_session(
        self, kind: type[Screen[Any]], title: str, make: Callable[[], Screen[Any]] | None = None
    ) -> None:
        """Push a view of the open session (``make()``, else ``kind()``; not over itself)."""
        if self.controller is None:
            self.say("Open a session first.", title=title)
        elif not isinstance(self.screen, kind):
            self.push_screen(make() if make is not None else kind())

    def action_show_readiness(self) -> None:
        from launch_tui.tui.screens.readiness import ReadinessScreen

        self._show_over_session(ReadinessScreen, "Readiness")

    def action_show_people(self) -> None:
        from launch_tui.tui.screens.people import PeopleScreen

        self._show_over_session(PeopleScreen, "People")

    def action_show_monitor(self) -> None:
        from launch_tui.tui.screens.monitor_dashboard import MonitorScreen

        self._show_over_session(
            MonitorScreen, "Monitors", lambda: MonitorScreen(on_summary=self.store_monitor_summary)
        )

    def action_show_drill(self) -> None:
        from launch_tui.tui.screens.rollback_drill import DrillScreen

        self._show_over_session(
            DrillScreen, "Rollback drill", lambda: DrillScreen(on_record=self.store_drill)
        )

    def store_drill(self, record: DrillRecord) -> None:
        """Keep a finished rollback drill as its check's result."""
        from launch_tui.tui.drill_store import with_drill

        if self.controller is not None:
            self.update_session(with_drill(self.controller.session, self.playbook, record))

    def store_monitor_summary(self, summary: dict[str, JSONValue]) -> None:
        """Keep the bounded summary of a monitoring session."""
        from launch_tui.tui.drill_store import with_monitor_summary

        if self.controller is not None:
            self.update_session(
                with_monitor_summary(self.controller.session, summary, self.clock())
            )

    async def action_go_home(self) -> None:
        from launch_tui.tui.screens.home import HomeScreen

        await self._stop_run()
        self._close_session()
        while len(self.screen_stack) > 1 and not isinstance(self.screen, HomeScreen):
            self.pop_screen()
        self._forget_stage_screens()
        screen = self.screen
        if isinstance(screen, HomeScreen):
            screen.reload()
        else:
            # Opened straight into a session: the home screen is built now.
            self.push_screen(HomeScreen())

    async def action_quit_app(self) -> None:
        await self._stop_run()
        self._close_session()
        self.exit()

    # --- check runs ----------------------------------------------------------------------------

    def start_run(self, selection: Selection, label: str) -> None:
        """Run the checks ``selection`` picks, in a worker; a running one is replaced."""
        if self.controller is None:
            return
        self._run_id += 1
        self._cancel.cancel()  # a run still going stops; its late results are ignored
        freeze_heap(collect=True)
        self._cancel = CancelToken()
        for stage in selection.stages or ():
            self.update_session(
                edits.touch_stage(self.controller.session, stage, self.clock()), edit=False
            )
        self.run_state = RunState(active=True, label=label, last=self.run_state.last)
        self.run_changed.publish(self.run_state)
        self._run_worker(self._run_id, selection, label, self.controller.session, self._cancel)

    @work(thread=True, group="checks", exit_on_error=False, description="check run")
    def _run_worker(
        self, run_id: int, selection: Selection, label: str, session: Session, cancel: CancelToken
    ) -> None:
        # A thread of its own, which runs the checks on its own event loop or hands them to the
        # check process (tui.check_runs): their CPU work never stalls the screen's loop.
        self.check_runs.run(
            run_id=run_id,
            label=label,
            session=session,
            registry=self._registry_for_thread,
            selection=selection,
            post=self.post_message,
            cancel=cancel,
        )

    def _registry_for_thread(self) -> Registry:
        """The registry, from a worker thread: loaded here if the loader has not finished."""
        registry = self._check_registry
        if registry is not None:
            return registry
        source = self._registry_source
        return source() if callable(source) else source

    def cancel_run(self) -> bool:
        """Ask the running checks to stop; False when nothing runs."""
        if not self.run_state.active:
            return False
        self._cancel.cancel()
        return True

    async def _stop_run(self) -> None:
        self._cancel.cancel()
        await self.wait_for_run()

    async def wait_for_run(self) -> None:
        """Wait until the current check run (if any) has ended and its results are merged,
        however it ended (a run that failed has shown its error)."""
        for worker in [w for w in self.workers if w.group == "checks"]:
            with contextlib.suppress(WorkerError):
                await worker.wait()

    async def wait_saved(self) -> None:
        """Wait until the last change is on disk (tests and the benchmark use this)."""
        controller = self.controller
        if controller is not None:
            await asyncio.to_thread(controller.flush)

    def on_run_progress(self, message: RunProgress) -> None:
        if message.run_id != self._run_id:
            return
        planned = message.planned
        queued = self.run_state.queued if planned is None else frozenset(planned)
        state = replace(self.run_state, active=True, label=message.label, queued=queued)
        self.run_state = replace(
            state, done=message.done, total=message.total, running=message.running
        )
        self.run_changed.publish(self.run_state)

    def on_results_arrived(self, message: ResultsArrived) -> None:
        controller = self.controller
        if controller is None or message.run_id != self._run_id:
            return
        from launch_tui.checks import merge_results

        # The app's registry's merge rules: a custom registry (tests, benches) is not replaced by
        # the default one, whose import would load every check module on this loop.
        registry = self._check_registry
        rules = registry.merge_rules() if registry is not None else None
        merged = merge_results(controller.session, message.results, rules=rules)
        keys = frozenset(edits.row_key(r.check_id, r.target) for r in message.results)
        self.update_session(merged, keys=keys, edit=False)

    def on_run_ended(self, message: RunEnded) -> None:
        if message.run_id != self._run_id:
            return
        if self.controller is not None:
            self.controller.save_now()  # the run's last results need not wait for the batch
        last = run_ended_text(message)
        self.run_state = RunState(active=False, label=message.label, last=last)
        self.run_changed.publish(self.run_state)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state is not WorkerState.ERROR:
            return
        if worker.group == "checks":
            self.run_state = RunState(active=False, last="the check run failed")
            self.run_changed.publish(self.run_state)
        if worker.group == "registry":
            from launch_tui.checks import Registry  # the check modules failed to load

            self._check_registry = self._check_registry or Registry()  # the app opens, runs nothing
        self.show_worker_error(worker)

    def manual_specs(self) -> frozenset[str]:
        """Ids of the checks the engineer may confirm by hand (manual, or not automated yet)."""
        implemented = self.implemented_ids
        return frozenset(
            c.id
            for c in self.playbook.checks()
            if c.mode is CheckMode.MANUAL or c.id not in implemented
        )


def stage_screen_name(stage_id: str) -> str:
    """The name a stage's screen is installed under."""
    return f"stage:{stage_id}"

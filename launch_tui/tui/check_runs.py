"""Where the app's check runs happen: a child process against the real network, else a thread.

With the real services (the factory ``launch-tui open``, ``demo`` and the home screen give the
app, :class:`NetworkServicesFactory`), a run happens in a Python process of its own
(:mod:`launch_tui.checks.engine.run_process`): the checks' TLS, parsing and merging never hold
this process's interpreter while the screen redraws. The child builds its services from the
session's network settings and the same command-line overrides, and sends back batches that
become the same messages (``RunProgress``, ``ResultsArrived``, ``RunEnded``) as a run on a
thread (:func:`launch_tui.tui.workers.run_checks_in_thread`), which is what every other factory
gets: the fakes tests inject, and anything the child could not rebuild. :func:`child_run_plan`
is the one rule.

One child is kept warm for the app's life (started after the first screen, in the background),
reused by every run, and replaced when it has died; :meth:`CheckRuns.close` (the app's unmount,
whatever ended the app) stops it, and an exit hook stops any left at interpreter exit.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import sys
import threading
import weakref
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeGuard, runtime_checkable

from launch_tui.core.model import Session
from launch_tui.tui.messages import RunEnded, RunProgress

if TYPE_CHECKING:
    from launch_tui.checks import CheckDef, CheckServices, Registry, Selection
    from launch_tui.checks.engine.run_process import CheckProcess
    from launch_tui.tui.cancel import CancelToken
    from launch_tui.tui.workers import Post, ServicesFactory


@runtime_checkable
class NetworkServicesFactory(Protocol):
    """The real services: ``open_check_services(session, NetworkOverrides(**overrides))``.

    What ``launch_tui.cli.cmd_open.services_factory`` makes. A child process can build the same
    services from the same plain values, which is what makes a run in a child possible.
    """

    network_overrides: Mapping[str, Any]
    """``NetworkOverrides`` field values given on the command line."""

    def __call__(self, session: Session) -> AbstractAsyncContextManager[CheckServices]: ...


@dataclass(frozen=True)
class ChildRunPlan:
    """What a child needs, besides the session and the selection, to run as the app would."""

    overrides: Mapping[str, Any]
    checks: tuple[CheckDef, ...]
    """The registry's definitions without merge rules (the app merges; rules may be lambdas)."""
    clock: Callable[[], datetime]


def _by_name(func: object) -> bool:
    """True when ``func`` is a module-level function of this package outside the TUI, so that
    a child imports the very same function by its name (and no Textual with it)."""
    module = getattr(func, "__module__", None) or ""
    qualname = getattr(func, "__qualname__", "")
    if not module.startswith("launch_tui.") or module.startswith("launch_tui.tui"):
        return False
    if "<" in qualname or module not in sys.modules:
        return False
    try:
        return functools.reduce(getattr, qualname.split("."), sys.modules[module]) is func
    except AttributeError:
        return False


def child_run_plan(
    services_factory: ServicesFactory, registry: Registry, clock: Callable[[], datetime]
) -> ChildRunPlan | None:
    """The rule: a run goes to a child when the app has the real services, and its checks and
    clock are this package's own functions (a child imports them by name). Anything else (a
    test's fake services, checks or fixed clock) runs on a thread of the app, as given."""
    if not may_run_in_child(services_factory, clock):
        return None
    if not all(_by_name(check.func) for check in registry):
        return None
    return ChildRunPlan(
        overrides=dict(services_factory.network_overrides),
        checks=tuple(replace(check, merge=None) for check in registry),
        clock=clock,
    )


def may_run_in_child(
    services_factory: ServicesFactory, clock: Callable[[], datetime]
) -> TypeGuard[NetworkServicesFactory]:
    """The half of :func:`child_run_plan` known before the registry is loaded (a child can
    then be started while the registry loads)."""
    return isinstance(services_factory, NetworkServicesFactory) and _by_name(clock)


def run_ended_text(message: RunEnded) -> str:
    """The line the status bar keeps about a run that has ended."""
    if message.total == 0:
        return f"{message.label}: no automated checks to run here yet"
    if message.cancelled:
        return f"{message.label} cancelled after {message.done} of {message.total} checks"
    text = f"{message.label}: {message.done} checks"
    if message.failed:
        text += f", {message.failed} failing"
    if message.timed_out:
        text += " (run deadline reached)"
    return text


#: Shown as running while a run waits for its check process to start.
STARTING = "starting the check process"

_live: weakref.WeakSet[CheckRuns] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for runs in list(_live):
        runs.close()


class CheckRuns:
    """The app's check runs: the path each takes, and the one warm child."""

    def __init__(
        self,
        services_factory: ServicesFactory,
        clock: Callable[[], datetime],
        parallelism: int,
    ) -> None:
        self.services_factory = services_factory
        self.clock = clock
        self.parallelism = parallelism
        self._lock = threading.Lock()
        self._process: CheckProcess | None = None
        self._closed = False

    @property
    def process(self) -> CheckProcess | None:
        """The child, when one was started (tests look at it)."""
        return self._process

    def warm(self) -> None:
        """Start the child if runs may go there (it returns at once; the child imports on its
        own): after the first screen, or when a run begins."""
        if may_run_in_child(self.services_factory, self.clock):
            self._child()

    def _child(self) -> CheckProcess | None:
        from launch_tui.checks.engine.run_process import CheckProcess

        with self._lock:
            if self._closed:
                return None
            old, process = self._process, self._process
            if process is None or process.gone:
                process = self._process = CheckProcess()
                _live.add(self)
        if old is not None and old is not process:
            old.close()
        process.start()
        return process

    def close(self) -> None:
        """Stop the child (its runs are cancelled); a run asked for later ends at once,
        cancelled (the app is closing)."""
        with self._lock:
            self._closed = True
            process, self._process = self._process, None
        if process is not None:
            process.close()

    def run(
        self,
        *,
        run_id: int,
        label: str,
        session: Session,
        registry: Callable[[], Registry],
        selection: Selection,
        post: Post,
        cancel: CancelToken,
    ) -> None:
        """Run the checks ``selection`` picks and post what happens; blocking (a thread
        worker). ``registry`` gives the registry (it may load it: meanwhile the child starts).
        Raises what the run raised (the app's worker-error dialog shows it)."""
        from launch_tui.checks import expand_selection
        from launch_tui.tui.edits import row_key
        from launch_tui.tui.workers import run_checks_in_thread

        self.warm()
        checks = registry()
        items = expand_selection(checks, session, selection)
        # Every item's row from the start: results then fill rows in (views.stage_rows).
        planned = tuple(row_key(item.check.id, item.target) for item in items)
        post(RunProgress(run_id, label, 0, len(items), (), planned=planned))
        plan = child_run_plan(self.services_factory, checks, self.clock)
        if plan is None:
            run_checks_in_thread(
                run_id=run_id,
                label=label,
                session=session,
                registry=checks,
                selection=selection,
                services_factory=self.services_factory,
                post=post,
                cancel=cancel,
                clock=self.clock,
                parallelism=self.parallelism,
            )
            return
        asyncio.run(
            self._run_in_child(plan, run_id, label, session, len(items), selection, post, cancel)
        )

    async def _run_in_child(
        self,
        plan: ChildRunPlan,
        run_id: int,
        label: str,
        session: Session,
        total: int,
        selection: Selection,
        post: Post,
        cancel: CancelToken,
    ) -> None:
        from launch_tui.checks.engine.run_process import RunRequest
        from launch_tui.checks.engine.services import NetworkOverrides
        from launch_tui.tui.workers import RESULTS_BATCH_SECONDS, post_batch

        process = self._child() if total else None
        waiting = (STARTING,) if process is not None and not process.ready else ()
        post(RunProgress(run_id, label, 0, total, waiting))
        if process is None:  # nothing to run, or the app is closing
            post(RunEnded(run_id, label, 0, total, cancelled=bool(total)))
            return
        request = RunRequest(
            session=session,
            selection=selection,
            checks=plan.checks,
            overrides=NetworkOverrides(**plan.overrides),
            clock=plan.clock,
            parallelism=self.parallelism,
            batch_seconds=RESULTS_BATCH_SECONDS,
        )
        await process.run(
            request,
            functools.partial(post_batch, post, run_id, label),
            cancel.bind(),
            expected_total=total,
        )

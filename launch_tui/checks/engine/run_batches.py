"""A check run over a session, told in batches: what a screen needs, not every runner event.

A screen redraws once per message it handles, and an audit finishes a hundred checks in the
same second; :func:`run_in_batches` collects the run's events and hands on at most one
:class:`RunBatch` every ``batch_seconds`` (the results since the last one, how far the run has
got, which checks are running), then one :class:`RunOutcome` however the run ends. Both are plain
frozen values: the TUI turns them into its messages whether the run happened on a thread of its
own (``tui.workers``) or in a child process that sent them over a pipe
(:mod:`launch_tui.checks.engine.run_process`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

from launch_tui.checks.engine.context import CheckServices
from launch_tui.checks.engine.registry import Registry
from launch_tui.checks.engine.runner import (
    CheckFinished,
    CheckStarted,
    RunEvent,
    RunFinished,
)
from launch_tui.checks.engine.targets import Selection, expand_selection
from launch_tui.core.model import CheckResult, Session, Status
from launch_tui.core.sanitize import clean

__all__ = ["BatchEvent", "OpenServices", "RunBatch", "RunOutcome", "run_in_batches"]

#: Opens the checks' services for one run (and closes them after it).
OpenServices = Callable[[], AbstractAsyncContextManager[CheckServices]]

#: Checks shown as running in a batch (the screen shows a few, not a hundred).
RUNNING_SHOWN = 3


@dataclass(frozen=True)
class RunBatch:
    """What happened since the last batch."""

    done: int
    """Checks finished so far."""
    total: int
    """Checks the run holds."""
    running: tuple[str, ...]
    """``check on target`` for a few of the checks running now (cleaned)."""
    results: tuple[CheckResult, ...] = ()
    """Results produced since the last batch."""


@dataclass(frozen=True)
class RunOutcome:
    """How the run ended (always the last thing a run gives)."""

    done: int
    total: int
    cancelled: bool = False
    timed_out: bool = False
    wall_s: float = 0.0
    failed: int = 0
    """Results with status ``fail`` or ``error``."""


BatchEvent: TypeAlias = RunBatch | RunOutcome


def _label(check_id: str, target: str) -> str:
    return f"{check_id} on {clean(target, max_len=40)}" if target else check_id


async def run_in_batches(
    *,
    session: Session,
    selection: Selection,
    registry: Registry,
    open_services: OpenServices,
    emit: Callable[[BatchEvent], object],
    cancel: asyncio.Event,
    clock: Callable[[], datetime],
    parallelism: int,
    batch_seconds: float,
) -> None:
    """Run the checks ``selection`` picks (``run_session_checks``, nothing saved) and ``emit``
    batches of what happens, then a :class:`RunOutcome`, even when the run fails (the error is
    raised after it) or is cancelled (``cancel`` set)."""
    # Loaded here, on the run's side: the first screen does not wait for it.
    from launch_tui.checks.engine.session_run import run_session_checks

    total = len(expand_selection(registry, session, selection))
    emit(RunBatch(0, total, ()))
    if not total:
        emit(RunOutcome(0, 0))
        return
    running: dict[tuple[str, str], str] = {}
    tally = {"done": 0, "failed": 0}
    finished: list[RunFinished] = []
    pending: list[CheckResult] = []

    def flush() -> None:
        shown = tuple(running.values())[:RUNNING_SHOWN]
        emit(RunBatch(tally["done"], total, shown, tuple(pending)))
        pending.clear()

    def on_event(event: RunEvent) -> None:
        if isinstance(event, CheckStarted):
            running[(event.check_id, event.target)] = _label(event.check_id, event.target)
        elif isinstance(event, CheckFinished):
            result = event.result
            running.pop(result.key, None)
            tally["done"] += 1
            tally["failed"] += result.status in (Status.FAIL, Status.ERROR)
            pending.append(result)
        elif isinstance(event, RunFinished):
            finished.append(event)

    async def flusher() -> None:
        while True:
            await asyncio.sleep(batch_seconds)
            flush()

    ticker = asyncio.create_task(flusher())
    try:
        async with open_services() as services:
            await run_session_checks(
                session,
                selection,
                services,
                registry=registry,
                on_event=on_event,
                cancel=cancel,
                parallelism=parallelism,
                clock=clock,
            )
    finally:
        ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticker
        flush()
        end = finished[0] if finished else None
        emit(
            RunOutcome(
                tally["done"],
                total,
                cancelled=end.cancelled if end else True,
                timed_out=end.timed_out if end else False,
                wall_s=end.wall_s if end else 0.0,
                failed=tally["failed"],
            )
        )

"""Run work items concurrently and report progress as an async stream of events.

The guarantees:

- at most ``parallelism`` checks run at once (a fixed pool of worker tasks);
- each check has ``check_deadline_s``; a check that overruns it, or raises, becomes an ``error``
  result with a human summary and the cause in its evidence, and the run goes on;
- the whole run has ``total_deadline_s``; when it passes, outstanding checks are cancelled and
  every item without a result gets an ``error`` result, so each item has exactly one result;
- setting the ``cancel`` event stops the run promptly: running checks are cancelled, results
  already produced are kept, the rest are absent, and ``RunFinished(cancelled=True)`` follows;
- if the consumer stops iterating or its task is cancelled, every task the run started is
  cancelled and awaited before the stream closes. Iterate inside ``contextlib.aclosing`` to make
  that happen at the ``break`` rather than when the event loop finalizes the stream;
- items start longest first when ``expected_ms`` gives how long each took last time, the
  others check by check in turns (see :func:`start_order`); results are in item order
  whatever the start order.

Deadlines are enforced on the event loop's clock. The injected ``monotonic`` and ``clock`` only
stamp reported durations and times, so tests can make those deterministic.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal, TypeAlias

from launch_tui.checks.engine.context import CheckContext, utc_now
from launch_tui.checks.engine.targets import WorkItem
from launch_tui.core.errors import CheckError
from launch_tui.core.model import CheckResult, Evidence, Status
from launch_tui.core.sanitize import clean

logger = logging.getLogger(__name__)

_SUMMARY_LIMIT = 200


@dataclass(frozen=True)
class CheckStarted:
    """A check began running on a target."""

    check_id: str
    target: str
    at: datetime
    """Wall-clock time it started (from the injected clock)."""


@dataclass(frozen=True)
class CheckFinished:
    """A check produced its result (possibly an ``error`` result made by the runner)."""

    result: CheckResult


@dataclass(frozen=True)
class RunFinished:
    """The last event of a run."""

    results: tuple[CheckResult, ...]
    """One per item that produced a result, in item order."""
    cancelled: bool
    """The cancel event was set; items that had not finished have no result."""
    timed_out: bool
    """The total deadline passed; unfinished items have ``error`` results saying so."""
    wall_s: float
    """Wall time of the run in seconds (injected monotonic clock)."""


RunEvent: TypeAlias = CheckStarted | CheckFinished | RunFinished
MakeContext: TypeAlias = Callable[[WorkItem], CheckContext]
_Stop: TypeAlias = Literal["cancelled", "timed_out", "failed"]


async def run_checks(
    items: Iterable[WorkItem],
    make_context: MakeContext,
    *,
    parallelism: int = 8,
    check_deadline_s: float | None = 30.0,
    total_deadline_s: float | None = 300.0,
    cancel: asyncio.Event | None = None,
    clock: Callable[[], datetime] = utc_now,
    monotonic: Callable[[], float] = time.monotonic,
    expected_ms: Mapping[tuple[str, str], int] | None = None,
) -> AsyncGenerator[RunEvent, None]:
    """Run ``items`` and yield a :data:`RunEvent` stream ending with one :class:`RunFinished`.

    For each item, :class:`CheckStarted` comes before its :class:`CheckFinished`. Items the run
    never reached before its total deadline get a ``CheckFinished`` without a ``CheckStarted``.
    A deadline of ``None`` means none. Bad limits are a :class:`CheckError`.
    """
    _validate_limits(parallelism, check_deadline_s, total_deadline_s)
    run = _Run(tuple(items), make_context, check_deadline_s, total_deadline_s, clock, monotonic)
    run.order(expected_ms)
    began = monotonic()
    if not run.items or (cancel is not None and cancel.is_set()):
        cancelled = cancel is not None and cancel.is_set()
        yield RunFinished((), cancelled=cancelled, timed_out=False, wall_s=monotonic() - began)
        return

    run.start(parallelism, cancel)
    try:
        stop: _Stop | None = None
        finished = 0
        while finished < len(run.items):
            message = await run.queue.get()
            if message is None:
                stop = run.stop_reason
                break
            if isinstance(message, CheckFinished):
                finished += 1
            yield message
        if stop is not None:
            await run.close()
            # Events queued before the stop are true; pass them on before the verdict.
            while not run.queue.empty():
                message = run.queue.get_nowait()
                if message is not None:
                    yield message
            if stop == "failed" and run.failure is not None:
                raise run.failure
            if stop == "timed_out":
                for result in run.fill_missing():
                    yield CheckFinished(result)
        results = tuple(run.results[i] for i in sorted(run.results))
        yield RunFinished(
            results,
            cancelled=stop == "cancelled",
            timed_out=stop == "timed_out",
            wall_s=monotonic() - began,
        )
    finally:
        await run.close()


async def run_all(
    items: Iterable[WorkItem],
    make_context: MakeContext,
    *,
    on_event: Callable[[RunEvent], object] | None = None,
    parallelism: int = 8,
    check_deadline_s: float | None = 30.0,
    total_deadline_s: float | None = 300.0,
    cancel: asyncio.Event | None = None,
    clock: Callable[[], datetime] = utc_now,
    monotonic: Callable[[], float] = time.monotonic,
    expected_ms: Mapping[tuple[str, str], int] | None = None,
) -> RunFinished:
    """Run ``items`` to the end and return its :class:`RunFinished`.

    ``on_event`` (e.g. a progress callback) is called with every event, the last one included.
    """
    stream = run_checks(
        items,
        make_context,
        parallelism=parallelism,
        check_deadline_s=check_deadline_s,
        total_deadline_s=total_deadline_s,
        cancel=cancel,
        clock=clock,
        monotonic=monotonic,
        expected_ms=expected_ms,
    )
    async with contextlib.aclosing(stream):
        async for event in stream:
            if on_event is not None:
                on_event(event)
            if isinstance(event, RunFinished):
                return event
    raise AssertionError("run_checks ended without RunFinished")  # pragma: no cover


class _Run:
    """The state of one run: the work, the worker pool, the event queue, the stop switch."""

    def __init__(
        self,
        items: tuple[WorkItem, ...],
        make_context: MakeContext,
        check_deadline_s: float | None,
        total_deadline_s: float | None,
        clock: Callable[[], datetime],
        monotonic: Callable[[], float],
    ) -> None:
        self.items = items
        self.make_context = make_context
        self.check_deadline_s = check_deadline_s
        self.total_deadline_s = total_deadline_s
        self.clock = clock
        self.monotonic = monotonic
        # ``None`` is the stop marker; it wakes the consumer whatever the workers are doing.
        self.queue: asyncio.Queue[CheckStarted | CheckFinished | None] = asyncio.Queue()
        self.results: dict[int, CheckResult] = {}
        self.stop_reason: _Stop | None = None
        self.failure: BaseException | None = None
        self._pending: Iterator[tuple[int, WorkItem]] = iter(enumerate(items))
        self._started: dict[int, float] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._timer: asyncio.TimerHandle | None = None

    def order(self, expected_ms: Mapping[tuple[str, str], int] | None) -> None:
        """Start the items in :func:`start_order` (before :meth:`start`)."""
        order = start_order(self.items, expected_ms or {})
        self._pending = ((i, self.items[i]) for i in order)

    def start(self, parallelism: int, cancel: asyncio.Event | None) -> None:
        loop = asyncio.get_running_loop()
        for _ in range(min(parallelism, len(self.items))):
            task = loop.create_task(self._work())
            task.add_done_callback(self._on_task_done)
            self._tasks.append(task)
        if cancel is not None:
            watcher = loop.create_task(self._watch(cancel))
            watcher.add_done_callback(self._on_task_done)
            self._tasks.append(watcher)
        if self.total_deadline_s is not None:
            self._timer = loop.call_later(self.total_deadline_s, self.stop, "timed_out")

    def stop(self, reason: _Stop) -> None:
        """Cancel all work now (callable from a timer or a task) and wake the consumer."""
        if self.stop_reason is not None:
            return
        self.stop_reason = reason
        for task in self._tasks:
            task.cancel()
        self.queue.put_nowait(None)

    async def close(self) -> None:
        """Cancel whatever still runs and wait until it has stopped. Safe to call repeatedly."""
        if self._timer is not None:
            self._timer.cancel()
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks)

    def fill_missing(self) -> list[CheckResult]:
        """``error`` results for every item without one, after the total deadline."""
        filled = []
        for index, item in enumerate(self.items):
            if index in self.results:
                continue
            start = self._started.get(index, self.monotonic())
            result = self._error(
                item,
                start,
                f"Run deadline of {_seconds(self.total_deadline_s)} s reached",
                {"error": "run-deadline", "deadline_s": self.total_deadline_s},
            )
            self.results[index] = result
            filled.append(result)
        return filled

    async def _watch(self, cancel: asyncio.Event) -> None:
        await cancel.wait()
        self.stop("cancelled")

    def _on_task_done(self, task: asyncio.Task[None]) -> None:
        # Checks' failures become results; an exception here is a bug in the runner itself.
        # Surface it to the consumer instead of leaving it waiting for events forever.
        if task.cancelled() or task.exception() is None:
            return
        if self.failure is None:
            self.failure = task.exception()
        self.stop("failed")

    async def _work(self) -> None:
        # Workers share one iterator, so each item is taken exactly once.
        for index, item in self._pending:
            if self.stop_reason is not None:  # a check swallowed its cancellation
                return
            start = self.monotonic()
            self._started[index] = start
            self.queue.put_nowait(CheckStarted(item.check.id, item.target, self.clock()))
            result = await self._run_one(item, start)
            self.results[index] = result
            self.queue.put_nowait(CheckFinished(result))

    async def _run_one(self, item: WorkItem, start: float) -> CheckResult:
        try:
            context = self.make_context(item)
        except Exception as exc:
            _log_crash(item, exc)
            return self._error(
                item,
                start,
                f"Could not prepare the check: {_describe(exc)}",
                {"error": "context", "exception": type(exc).__name__},
            )
        deadline = asyncio.timeout(self.check_deadline_s)
        try:
            async with deadline:
                result = await item.check.func(context)
        except TimeoutError as exc:
            if not deadline.expired():  # the check's own TimeoutError, not our deadline
                return self._crashed(item, start, exc)
            return self._error(
                item,
                start,
                f"Timed out after {_seconds(self.check_deadline_s)} s",
                {"error": "timeout", "deadline_s": self.check_deadline_s},
            )
        except Exception as exc:
            return self._crashed(item, start, exc)
        return self._accept(item, context, start, result)

    def _accept(
        self, item: WorkItem, context: CheckContext, start: float, result: object
    ) -> CheckResult:
        if not isinstance(result, CheckResult) or result.key != item.key:
            got = result.key if isinstance(result, CheckResult) else type(result).__name__
            return self._error(
                item,
                start,
                "Check returned an invalid result",
                {"error": "invalid-result", "got": _one_line(str(got))},
            )
        # A result built by hand rather than with ctx.result() gets the stamps it lacks,
        # from the context's clocks like every other result of the check.
        if result.measured_at is None:
            result = replace(result, measured_at=context.clock())
        if result.duration_ms == 0:
            result = replace(result, duration_ms=context.elapsed_ms())
        return result

    def _crashed(self, item: WorkItem, start: float, exc: Exception) -> CheckResult:
        _log_crash(item, exc)
        return self._error(
            item,
            start,
            f"Check crashed: {_describe(exc)}",
            {"error": "crash", "exception": type(exc).__name__},
        )

    def _error(self, item: WorkItem, start: float, summary: str, evidence: Evidence) -> CheckResult:
        return CheckResult(
            check_id=item.check.id,
            target=item.target,
            status=Status.ERROR,
            severity=item.check.severity,
            summary=_one_line(summary),
            evidence=evidence,
            measured_at=self.clock(),
            duration_ms=self._elapsed_ms(start),
        )

    def _elapsed_ms(self, start: float) -> int:
        return max(0, round((self.monotonic() - start) * 1000))


def _validate_limits(
    parallelism: int, check_deadline_s: float | None, total_deadline_s: float | None
) -> None:
    if parallelism < 1:
        raise CheckError(f"Parallelism must be at least 1, not {parallelism}.")
    for name, value in (("check", check_deadline_s), ("run", total_deadline_s)):
        if value is not None and not value > 0:
            raise CheckError(f"The {name} deadline must be a positive number of seconds.")


def _log_crash(item: WorkItem, exc: BaseException) -> None:
    # The traceback is for developers; the result only carries the one-line cause.
    logger.debug("check %s on %r raised", item.check.id, item.target, exc_info=exc)


def _describe(exc: BaseException) -> str:
    text, name = str(exc), type(exc).__name__
    return f"{name}: {text}" if text.strip() else name


def _one_line(text: str) -> str:
    # Exception text may quote hostile network data (escape sequences, bidi overrides), and a
    # summary is one line whatever the cause wrote.
    return clean(" ".join(text.split()), max_len=_SUMMARY_LIMIT)


def _seconds(value: float | None) -> str:
    if value is None:
        return "∞"
    return f"{value:.1f}" if value >= 1 else f"{value:.3g}"


def start_order(items: Sequence[WorkItem], expected_ms: Mapping[tuple[str, str], int]) -> list[int]:
    """Indices of ``items`` in the order they start: those ``expected_ms`` times (how long each
    took last time, by ``(check_id, target)``), longest first; then the rest, each check's
    first target before any check's second (checks in the listed order).

    Longest first keeps a long check from waiting for a free slot and ending the run late: with
    more items than ``parallelism``, the items listed last start only as others finish, and an
    audit lists the repository scans and the request-id routes last (``secrets.repo``,
    ``monitor.request_id``, 0.4-0.6 s each). Ties keep the listed order. Without a time (a
    first run), taking the checks in turns leaves the waiting to the last targets of the checks
    with many (one per route or host) instead of to whole families listed last, so every check
    (a session-wide scan among them) is under way from the first burst.
    """
    turn: dict[str, int] = {}
    turns = []
    for item in items:
        turns.append(turn.get(item.check.id, 0))
        turn[item.check.id] = turns[-1] + 1

    def key(index: int) -> tuple[bool, int, int]:
        took = expected_ms.get(items[index].key)
        if took is not None:
            return (False, -took, index)
        return (True, turns[index], index)

    return sorted(range(len(items)), key=key)

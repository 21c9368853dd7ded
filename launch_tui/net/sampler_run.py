"""One sampling run's moving parts: workers, their connections, the clock and the retakes.

Private to :mod:`launch_tui.net.sampler`, whose docstring says what is measured and why; this
module is how. Workers pull request indexes from the run, send on their own connection, and
record each request as a :class:`Request` (plain values; the sampler builds its results from
them once the clock has stopped).

Retakes (closed loop only): after each answer, the run asks the loop probe how late the event
loop was when the answer was noticed (busy, or its thread waiting for a CPU: see
:mod:`launch_tui.net.loop_probe`). Over the sampler's accuracy target, ``max(2 ms, 5 %)`` of the
median (the fastest answer so far stands in for the median, not known yet), the answer is marked
retaken and one more request is allowed, while the time budget lasts and at most
``plan.max_retakes``. The probe's tick for that moment may not have run yet when the worker
looks (it runs in the same loop turn as the answer, or the next); the sampler judges every
answer again with the full record once the run is over. A retaken answer stays out only when
another took its place (:meth:`SamplingRun.keep_unreplaced`).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from launch_tui.net.loop_probe import LoopProbe
from launch_tui.net.quantiles import lag_limit_ms
from launch_tui.net.sampler_wire import Clock, Connection, RequestFailed

if TYPE_CHECKING:
    from launch_tui.net.sampler import SamplePlan, SampleTarget

__all__ = ["SPREAD_SHARE", "Request", "SamplingRun"]

#: Closed loop: the workers after the first start spread over the first answer's time, at most
#: this share of the time budget.
SPREAD_SHARE = 0.05


@dataclass(slots=True)
class Request:
    """One request as the run recorded it (times in ms, ``done`` on the run's clock)."""

    index: int
    worker: int
    latency_ms: float
    status: int | None
    failure: str
    send_lag_ms: float
    done: float
    answer_lag_ms: float = 0.0
    cpu_wait_ms: float = 0.0
    """How long the loop's thread waited for a CPU as the answer came (``Answer.cpu_wait_ms``)."""
    retaken: bool = False


class SamplingRun:
    """One sampling run's shared state; workers pull request indexes from it."""

    def __init__(
        self,
        target: SampleTarget,
        plan: SamplePlan,
        clock: Clock,
        probe: LoopProbe,
    ) -> None:
        self.target = target
        self.plan = plan
        self.clock = clock
        self.probe = probe
        self.requests: list[Request] = []
        self.next_index = 0
        self.quota = plan.samples
        """Requests to send: the plan's, plus one per retaken answer."""
        self.max_retakes = plan.max_retakes
        self.retaken = 0
        self.fastest_ms = math.inf  # the fastest answer so far
        self.t0 = 0.0
        self.deadline = 0.0
        self.budget_exhausted = False
        self.first_answer = asyncio.Event()
        self.first_latency_s = 0.0
        self.reconnect_ms: list[float] = []
        self.retried = 0
        observe = probe.cpu_wait_since_last
        self.connections = [Connection(target, plan, clock, observe) for _ in range(plan.workers)]

    def take(self) -> int | None:
        """The next request index to send, or ``None`` when the plan or the budget is done."""
        if self.next_index >= self.quota:
            return None
        if self.clock() >= self.deadline:
            self.budget_exhausted = True
            return None
        index = self.next_index
        self.next_index += 1
        return index

    async def one(self, worker: int, index: int, intended: float, ready: float) -> float:
        """Send request ``index`` on ``worker``'s connection; record it; return when done.

        A connection the server closed while idle is reopened first; a request that met a
        kept-alive connection closing before any byte of its answer is sent once more on a
        fresh one (idempotent methods only). Either way the reconnect is the server's choice
        of connection lifetime, not the route's latency: it is timed apart (``reconnects``),
        and ``sent`` is the final attempt's.
        """
        conn = self.connections[worker]
        clock = self.clock
        status: int | None = None
        failure = ""
        cpu_wait = 0.0
        detour = 0.0  # seconds spent reopening connections (and on a dropped attempt)
        retried = False
        while True:
            if not conn.is_open:
                started, reopening = clock(), conn.opened > 0
                try:
                    await conn.open()
                except RequestFailed as exc:
                    failure = exc.reason
                if reopening:
                    self.reconnect_ms.append((clock() - started) * 1000.0)
                detour += clock() - started
            sent = done = clock()
            if failure:
                break
            try:
                answer = await conn.send(sent)
                status, done, cpu_wait = answer.status, answer.done, answer.cpu_wait_ms
            except RequestFailed as exc:
                done = clock()
                if exc.unanswered and conn.can_retry and not retried:
                    retried = True
                    self.retried += 1
                    detour += done - sent
                    await conn.close()
                    continue
                failure = exc.reason
            if not conn.is_open:
                await conn.close()
            break
        if status is not None and not self.target.is_ok(status):
            failure = f"status {status}"
        latency = (done - sent) + max(0.0, ready - intended)
        lag = max(0.0, sent - detour - max(ready, intended))
        request = Request(index, worker, latency * 1000.0, status, failure, lag * 1000.0, done)
        request.cpu_wait_ms = cpu_wait
        self.requests.append(request)
        if not failure:
            self._judge(request)
        return done

    def _judge(self, request: Request) -> None:
        """Retake ``request`` if its answer was noticed late and the budget allows."""
        # cpu_wait_ms: the thread's wait for a CPU since the loop last looked (a tick, another
        # answer), read as the answer was: a short window, whatever the request's length.
        request.answer_lag_ms = max(self.probe.lateness_at(request.done), request.cpu_wait_ms)
        # The limit is the run's accuracy target, against a median not known yet: the fastest
        # answer so far is never above it, so nothing late by the final limit is let through.
        self.fastest_ms = min(self.fastest_ms, request.latency_ms)
        late = request.answer_lag_ms > lag_limit_ms(self.fastest_ms)
        if late and self.retaken < self.max_retakes:
            request.retaken = True
            self.retaken += 1
            self.quota += 1

    def keep_unreplaced(self) -> None:
        """Time the retaken answers no other answer replaced (the time budget ran out, or a
        replacement failed), least late first: a retake never leaves a run with fewer timed
        answers than it would have had, and their lag then counts against the run."""
        timed = sum(1 for r in self.requests if not r.failure and not r.retaken)
        short = self.plan.samples - timed
        if short <= 0:
            return
        retaken = sorted((r for r in self.requests if r.retaken), key=lambda r: r.answer_lag_ms)
        for request in retaken[:short]:
            request.retaken = False
            self.retaken -= 1

    async def closed_worker(self, worker: int) -> None:
        if worker:
            # Spread the workers over one answer's time so they do not stay in lockstep; at
            # most over a twentieth of the time budget, so that a first answer from the
            # route's slow tail (1.4 s on a 180 ms route) does not hold the other workers
            # back: waiting for it left three answers in a 2.7 s window.
            spread = SPREAD_SHARE * self.plan.time_budget_s
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.first_answer.wait(), spread)
            first = min(self.first_latency_s, spread) if self.first_answer.is_set() else spread
            offset = first * worker / self.plan.workers
            await asyncio.sleep(max(0.0, self.t0 + first + offset - self.clock()))
        while (index := self.take()) is not None:
            ready = self.clock()
            done = await self.one(worker, index, ready, ready)
            if not self.first_answer.is_set():
                self.first_latency_s = done - ready
                self.first_answer.set()
        self.first_answer.set()  # worker 0 may have sent nothing: do not strand the others

    async def open_worker(self, worker: int, rate: float) -> None:
        index = worker
        ready = self.clock()
        while index < self.plan.samples:
            intended = self.t0 + index / rate
            if intended >= self.deadline:
                self.budget_exhausted = True
                return
            wait = intended - self.clock()
            if wait > 0:
                await asyncio.sleep(wait)
            ready = await self.one(worker, index, intended, ready)
            index += self.plan.workers

    async def watch_timeouts(self) -> None:
        """Fail requests older than the request timeout (one task, not a timer per request)."""
        limit = self.plan.request_timeout_s
        period = min(0.1, limit / 4)
        while True:
            await asyncio.sleep(period)
            now = self.clock()
            for conn in self.connections:
                conn.expire(now - limit)

"""How late the event loop runs a timer: the sampler's measure of its own client's lag.

Two uses. A whole-run figure (``lags_ms``: every tick's lateness) says how busy the loop was.
And per answer, how late the loop was at the moment an answer was noticed, which is what a
latency sample needs to know about itself (lag while it waited for the server does not touch
its number). Two things make an answer wait unnoticed:

* the loop is busy (callbacks ahead, code blocking it) or the process is not running: a tick
  due before that moment that ran late around it (:meth:`LoopProbe.lateness_at`) means the
  loop could not run from the tick's due time on, so the answer may have sat there since then;
* the loop is idle but its thread, woken by the answer, waits for a CPU: no tick need be due
  meanwhile, so the probe also reads how long the thread has waited on a run queue, in all
  (Linux's ``/proc/thread-self/schedstat``), at each tick and as each answer is read
  (:meth:`LoopProbe.cpu_wait_since_last`); the increase since the loop last looked bounds that
  wait. Where the file is missing, only the first kind is seen.

Many sampling runs share one loop (the sampling process runs a large site's routes at once):
:func:`shared_probe` gives them one probe per loop instead of one timer each.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import math
import os
import time
import weakref
from collections.abc import Callable, Iterator

__all__ = ["PROBE_PERIOD_S", "LoopProbe", "shared_probe"]

#: How often the probe measures timer lateness.
PROBE_PERIOD_S = 0.005
#: Readings closer than this come from one loop turn (see LoopProbe.cpu_wait_since_last).
_SAME_TURN_S = 0.002
#: This thread's scheduler statistics: time on a CPU, time waiting for one (ns), time slices.
_SCHEDSTAT = "/proc/thread-self/schedstat"

Clock = Callable[[], float]


class LoopProbe:
    """How late the event loop runs a timer: a tick every few milliseconds, its lateness kept.

    Lateness covers everything that would also delay noticing an answer: callbacks queued
    ahead, code blocking the loop, and the process waiting for a CPU. On Linux a timer is
    also up to 1 ms late by design (epoll's millisecond timeout), well under the flag's floor.
    A stall shorter than the period can fall between two ticks and go unseen.

    ``clock`` stamps when each tick ran (``ran``), on the caller's time line; lateness itself
    is measured on the loop's clock.
    """

    def __init__(self, clock: Clock = time.perf_counter) -> None:
        self.lags_ms: list[float] = []
        """Each tick's lateness, in the order they ran."""
        self.ran: list[float] = []
        """When each tick ran (``clock``), parallel to :attr:`lags_ms`."""
        self._stat: int | None = None  # file descriptor of _SCHEDSTAT
        self._no_stat = False  # the system has no such file
        self._last_waited: float | None = None  # waited_ms() when last read
        self._last_wait = (-math.inf, 0.0)  # (clock, ms) of the last reading that found a wait
        self.clock = clock
        self._handle: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._due = 0.0  # when the pending tick is due, on ``clock``
        self._dropped = 0  # ticks trimmed off the front of the lists

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._schedule()

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if self._stat is not None:
            os.close(self._stat)
            self._stat = None

    def waited_ms(self) -> float | None:
        """The calling thread's total time waiting for a CPU so far (ms), if the system says.

        Only ever called on the loop's thread (the first call opens the file, and
        /proc/thread-self names the thread that opens it)."""
        if self._stat is None:
            if self._no_stat:
                return None
            try:
                self._stat = os.open(_SCHEDSTAT, os.O_RDONLY)
            except OSError:
                self._no_stat = True
                return None
        try:
            fields = os.pread(self._stat, 128, 0).split()
            return int(fields[1]) / 1e6
        except (OSError, IndexError, ValueError):
            return None

    def cpu_wait_since_last(self) -> float:
        """How long (ms) the loop's thread waited for a CPU since this probe last read it (at
        its last tick, or the last call); 0.0 when the system does not say.

        Several answers read in one loop turn came in on the same wake-up: a reading within
        :data:`_SAME_TURN_S` of one that found a wait, with no wait since, gets that wait too.
        """
        now = self.waited_ms()
        if now is None:
            return 0.0
        at = self.clock()
        last, self._last_waited = self._last_waited, now
        waited = 0.0 if last is None else max(0.0, now - last)
        if waited > 0.0:
            self._last_wait = (at, waited)
            return waited
        seen_at, seen = self._last_wait
        return seen if at - seen_at <= _SAME_TURN_S else 0.0

    @property
    def mark(self) -> int:
        """Ticks run so far (trimmed ones included): marks taken at a run's start and end
        bound its ticks (:meth:`lags_between`)."""
        return self._dropped + len(self.lags_ms)

    def lags_between(self, start: int, end: int) -> list[float]:
        """The lateness of the ticks run between two :attr:`mark` readings."""
        return self.lags_ms[max(0, start - self._dropped) : max(0, end - self._dropped)]

    def worst_since(self, mark: int, moment: float) -> float:
        """The most the loop was late (ms) from ``moment`` (``clock``) until now, by the ticks
        run since the :attr:`mark` reading ``mark``; lateness before ``moment`` is not counted."""
        start = max(0, mark - self._dropped)
        lags, ran = self.lags_ms, self.ran
        if start >= len(lags):
            return 0.0
        # A tick that ran at least the largest lateness after ``moment`` counts whole: take
        # those at C speed, and weigh only the few ticks just after ``moment`` one by one
        # (every shared fetch asks, so this must not grow with the run's length).
        most = max(lags[start:])
        split = bisect.bisect_left(ran, moment + most / 1000.0, start)
        worst = max(lags[split:], default=0.0)
        for index in range(start, split):
            worst = max(worst, min(lags[index], (ran[index] - moment) * 1000.0))
        return worst

    def trim(self, before: int) -> None:
        """Forget the ticks before mark ``before`` (no run sharing the probe needs them)."""
        cut = before - self._dropped
        if cut > 0:
            del self.lags_ms[:cut], self.ran[:cut]
            self._dropped += cut

    def lateness_at(self, moment: float) -> float:
        """How long the loop may have been unable to notice something it noticed at ``moment``
        (``clock``), in ms; ``0.0`` when it ran its ticks on time around then.

        A tick due before ``moment`` that ran late, at or after ``moment`` or less than a period
        before it, means the loop could not run from the tick's due time until the tick ran
        (the loop was busy, or the process stopped or waiting for a CPU); what came in
        meanwhile may have waited from then to ``moment``. The tick may run just before what
        it held up: a process stopped in ``epoll_wait`` (``SIGSTOP``, or a machine with nothing
        to spare) is resumed with the call interrupted and its timeout spent, so the loop runs
        its timers a turn before it reads the sockets. A tick still pending counts as late by as
        long as it has waited so far.
        """
        worst = 0.0
        at = bisect.bisect_left(self.ran, moment - PROBE_PERIOD_S)
        for ran, lateness in zip(self.ran[at:], self.lags_ms[at:], strict=True):
            due = ran - lateness / 1000.0
            if due >= moment:
                break
            worst = max(worst, min(lateness, (moment - due) * 1000.0))
        else:
            if self._loop is not None and self._due < moment:
                waited = max(self.clock(), moment) - self._due
                worst = max(worst, min(waited, moment - self._due) * 1000.0)
        return worst

    def _schedule(self) -> None:
        assert self._loop is not None
        when = self._loop.time() + PROBE_PERIOD_S
        self._due = self.clock() + PROBE_PERIOD_S
        self._handle = self._loop.call_at(when, self._tick, when)

    def _tick(self, when: float) -> None:
        assert self._loop is not None
        self.lags_ms.append(max(0.0, self._loop.time() - when) * 1000.0)
        self.ran.append(self.clock())
        self.cpu_wait_since_last()
        self._schedule()


# One probe per event loop for every sampling run on it, started by the first and stopped by
# the last (its tick lists are only as long as the runs that share them).
_shared: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, tuple[LoopProbe, list[int]]] = (
    weakref.WeakKeyDictionary()
)


@contextlib.contextmanager
def shared_probe() -> Iterator[LoopProbe]:
    """The running loop's shared probe (``time.perf_counter`` clock), running while in use.

    Ticks older than the earliest start among the runs still using it are dropped as runs end,
    so a process that samples for hours keeps only what its current runs need."""
    loop = asyncio.get_running_loop()
    entry = _shared.get(loop)
    if entry is None:
        probe = LoopProbe()
        probe.start()
        entry = _shared[loop] = (probe, [])
    probe, users = entry  # each user's start mark
    start = probe.mark
    users.append(start)
    try:
        yield probe
    finally:
        users.remove(start)
        if users:
            probe.trim(min(users))
        else:
            probe.stop()
            del _shared[loop]

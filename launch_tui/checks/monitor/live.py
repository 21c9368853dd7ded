"""Synthetic monitors run from the app: probe each route at an interval, keep figures bounded.

:class:`MonitorLoop` probes every route of a monitor plan on a fixed schedule (route ``i``'s
``k``-th probe is due at ``start + k * interval + offset_i``, offsets spreading the routes over
the interval), so a slow answer delays nothing else and the schedule does not drift. Each route
keeps:

- a sliding window of its last ``window_s`` seconds of samples (exact p50/p95/p99, uptime and
  error rate for the dashboard);
- whole-run aggregates in bounded memory: counts, a log-bucketed latency histogram (≈5 %
  resolution, 1 ms to 120 s) for run percentiles, and hourly buckets (the last
  :data:`MAX_HOURS`), so a week of monitoring summarizes into a few hundred KB at most.

``jitter_ms`` records how late each probe started against its schedule (the loop's own health).
The probe is injected (:data:`ProbeFunc`): the TUI passes the real HTTP one, tests a fake.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from launch_tui.core.model import JSONValue
from launch_tui.core.monitor_plan import Monitor
from launch_tui.net import HttpClient, NetLimits

MAX_HOURS = 168
"""Hourly buckets kept per route in a summary (a week)."""
_HIST_BASE = 1.05
_HIST_MIN_MS = 1.0
_HIST_BUCKETS = int(math.log(120_000 / _HIST_MIN_MS, _HIST_BASE)) + 2


@dataclass(frozen=True)
class Sample:
    """One probe of one route."""

    route: str
    at: float
    """Monotonic seconds when the probe started."""
    ok: bool
    status: int | None
    latency_ms: float
    reason: str = ""


ProbeFunc = Callable[[Monitor], Awaitable[Sample]]


def percentile(sorted_values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile of already sorted values; ``None`` when empty."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


@dataclass(frozen=True)
class WindowStats:
    """A route's figures over the sliding window."""

    route: str
    samples: int
    failures: int
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    last_ok: bool | None
    last_status: int | None

    @property
    def uptime_pct(self) -> float | None:
        return None if not self.samples else 100.0 * (self.samples - self.failures) / self.samples

    @property
    def error_rate(self) -> float | None:
        return None if not self.samples else self.failures / self.samples


class Histogram:
    """Log-bucketed latencies: bounded memory, ≈5 % resolution."""

    def __init__(self) -> None:
        self.counts = [0] * _HIST_BUCKETS
        self.total = 0

    def add(self, ms: float) -> None:
        index = 0 if ms <= _HIST_MIN_MS else int(math.log(ms / _HIST_MIN_MS, _HIST_BASE)) + 1
        self.counts[min(index, _HIST_BUCKETS - 1)] += 1
        self.total += 1

    def quantile(self, q: float) -> float | None:
        if not self.total:
            return None
        wanted = max(1, math.ceil(q * self.total))
        seen = 0
        for index, count in enumerate(self.counts):
            seen += count
            if seen >= wanted:
                return _HIST_MIN_MS * _HIST_BASE**index
        return None


@dataclass
class _Hour:
    hour: int
    samples: int = 0
    failures: int = 0
    worst_ms: float = 0.0


@dataclass
class RouteTrack:
    """Everything kept about one route."""

    monitor: Monitor
    window_s: float
    window: deque[Sample] = field(default_factory=deque)
    samples: int = 0
    failures: int = 0
    histogram: Histogram = field(default_factory=Histogram)
    hours: deque[_Hour] = field(default_factory=lambda: deque(maxlen=MAX_HOURS))

    def add(self, sample: Sample, started: float) -> None:
        self.window.append(sample)
        while self.window and sample.at - self.window[0].at > self.window_s:
            self.window.popleft()
        self.samples += 1
        self.failures += 0 if sample.ok else 1
        if sample.ok:
            self.histogram.add(sample.latency_ms)
        hour = int((sample.at - started) // 3600)
        if not self.hours or self.hours[-1].hour != hour:
            self.hours.append(_Hour(hour))
        bucket = self.hours[-1]
        bucket.samples += 1
        bucket.failures += 0 if sample.ok else 1
        bucket.worst_ms = max(bucket.worst_ms, sample.latency_ms)

    def stats(self) -> WindowStats:
        latencies = sorted(s.latency_ms for s in self.window if s.ok)
        last = self.window[-1] if self.window else None
        return WindowStats(
            route=self.monitor.route,
            samples=len(self.window),
            failures=sum(1 for s in self.window if not s.ok),
            p50_ms=percentile(latencies, 0.50),
            p95_ms=percentile(latencies, 0.95),
            p99_ms=percentile(latencies, 0.99),
            last_ok=last.ok if last else None,
            last_status=last.status if last else None,
        )

    def summary(self) -> dict[str, JSONValue]:
        def r(v: float | None) -> float | None:
            return None if v is None else round(v, 1)

        return {
            "route": self.monitor.route,
            "url": self.monitor.url,
            "budget_ms": self.monitor.budget_ms,
            "samples": self.samples,
            "failures": self.failures,
            "uptime_pct": r(100.0 * (self.samples - self.failures) / self.samples)
            if self.samples
            else None,
            "p50_ms": r(self.histogram.quantile(0.50)),
            "p95_ms": r(self.histogram.quantile(0.95)),
            "p99_ms": r(self.histogram.quantile(0.99)),
            "hours": [[h.hour, h.samples, h.failures, round(h.worst_ms, 1)] for h in self.hours],
        }


class MonitorLoop:
    """Probes every route of ``monitors`` every ``interval_s`` until stopped."""

    def __init__(
        self,
        monitors: Sequence[Monitor],
        probe: ProbeFunc,
        *,
        interval_s: float = 5.0,
        window_s: float = 300.0,
        on_sample: Callable[[Sample], None] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        max_jitter_samples: int = 100_000,
    ) -> None:
        if not interval_s > 0:
            raise ValueError(f"interval must be positive, not {interval_s!r}")
        self.monitors = tuple(monitors)
        self.interval_s = interval_s
        self.tracks = {m.route: RouteTrack(m, window_s) for m in self.monitors}
        self.jitter_ms: deque[float] = deque(maxlen=max_jitter_samples)
        self._probe = probe
        self._on_sample = on_sample
        self._monotonic = monotonic
        self.started: float | None = None
        self.stopped: float | None = None

    def stats(self) -> list[WindowStats]:
        return [t.stats() for t in self.tracks.values()]

    async def run(self, stop: asyncio.Event) -> None:
        """Probe on schedule until ``stop`` is set (a probe in flight then is dropped)."""
        self.started = self._monotonic()
        count = len(self.monitors)
        tasks = [
            asyncio.create_task(self._route(m, i * self.interval_s / max(count, 1), stop))
            for i, m in enumerate(self.monitors)
        ]
        try:
            await stop.wait()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self.stopped = self._monotonic()

    async def _route(self, monitor: Monitor, offset: float, stop: asyncio.Event) -> None:
        assert self.started is not None
        k = 0
        while not stop.is_set():
            due = self.started + offset + k * self.interval_s
            wait = due - self._monotonic()
            if wait > 0:
                # A plain timer: one wait_for per probe (a task each) cost the schedule its
                # precision; run() cancels this task when it stops.
                await asyncio.sleep(wait)
            begin = self._monotonic()
            self.jitter_ms.append(max(0.0, (begin - due) * 1000))
            sample = await self._probe(monitor)
            self.tracks[monitor.route].add(sample, self.started)
            if self._on_sample is not None:
                self._on_sample(sample)
            k += 1
            # Skip slots a slow probe overran instead of firing them back to back.
            now = self._monotonic()
            behind = self.started + offset + k * self.interval_s
            if now > behind:
                k += math.ceil((now - behind) / self.interval_s)

    def summary(self) -> dict[str, JSONValue]:
        """Bounded whole-run figures for the session (no raw samples)."""
        ended = self.stopped if self.stopped is not None else self._monotonic()
        duration = 0.0 if self.started is None else ended - self.started
        jitter = sorted(self.jitter_ms)
        return {
            "interval_s": self.interval_s,
            "duration_s": round(duration, 1),
            "jitter_p99_ms": None if not jitter else round(percentile(jitter, 0.99) or 0.0, 1),
            "routes": [t.summary() for t in self.tracks.values()],
        }


def http_probe(http: HttpClient, deadline_s: float) -> ProbeFunc:
    """A probe through ``http``: the monitor's method, body and expected status."""

    async def probe(monitor: Monitor) -> Sample:
        at = time.monotonic()
        headers = [("Content-Type", "application/json")] if monitor.body else None
        result = await http.fetch(
            monitor.url,
            monitor.method,
            headers,
            follow=False,
            body=monitor.body.encode() if monitor.body else None,
            limits=NetLimits(total_deadline=deadline_s, max_body_bytes=512 * 1024),
        )
        elapsed = result.elapsed_ms or (time.monotonic() - at) * 1000
        if result.status is None:
            reason = result.failure.message if result.failure else "no answer"
            return Sample(monitor.route, at, False, None, elapsed, reason)
        ok = result.status == monitor.expect_status
        reason = "" if ok else f"answers {result.status}, not {monitor.expect_status}"
        return Sample(monitor.route, at, ok, result.status, elapsed, reason)

    return probe


def over_budget(stats: WindowStats, budget_ms: int) -> bool:
    return stats.p95_ms is not None and stats.p95_ms > budget_ms


__all__ = [
    "MonitorLoop",
    "ProbeFunc",
    "Sample",
    "WindowStats",
    "http_probe",
    "over_budget",
    "percentile",
]

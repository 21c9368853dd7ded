"""Per-route latency, uptime and error rate from whatever results exist. Pure.

Feeds the fix list (stage 2: slowest routes against their budgets) and the monitoring summary
(stage 6). The playbook declares which checks and evidence keys (:mod:`launch_tui.report.parts`):

* the request path's ``timing`` part, on results whose target is the route's name — its first
  check (``perf.latency``) is the measurement and colours the route, the next ones a fallback
  (``perf.first_response``, which may give only a ``single`` time): ``p50``, ``p95``, ``p99``,
  ``budget``, ``samples``, plus the error fields below;
* the observe stage's ``monitors`` (``monitor.*``), any result on the route — ``uptime_pct``
  (percent) or ``uptime`` (a fraction 0–1, or a percent when above 1), ``error_pct``,
  ``error_rate`` (a fraction 0–1), ``errors`` over ``samples``;
* its ``coverage`` (session-wide) — ``routes``: a table ``{route name: {uptime..., ...}}``.

Budgets: the evidence's ``budget_ms``, else the route's ``p95_budget_ms``, else the minimum bar's
500 ms for reads and 800 ms for writes and sign-in; other kinds have none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from launch_tui.core.model import JSONValue, Route, RouteKind, Session, Status
from launch_tui.core.monitor_plan import READ_BUDGET_MS, WRITE_BUDGET_MS
from launch_tui.core.playbook import DeliverablePart, Playbook, builtin_playbook
from launch_tui.report import evidence as ev
from launch_tui.report import parts
from launch_tui.report.cleaning import clean

__all__ = ["RouteStats", "default_budget_ms", "route_stats", "slowest"]


@dataclass(frozen=True)
class RouteStats:
    """What is known about one configured route."""

    name: str
    url: str
    kind: str
    method: str
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    budget_ms: int | None
    samples: int | None
    uptime_pct: float | None
    error_rate_pct: float | None
    latency_status: Status | None
    """Status of the timing measurement (``perf.latency``) on this route (``None`` when it has not
    run)."""
    monitored: bool
    """Whether any monitoring check (``monitor.*``) has a result on this route."""

    @property
    def over_budget(self) -> bool | None:
        """True when p95 exceeds the budget; ``None`` when either is unknown."""
        if self.p95_ms is None or self.budget_ms is None:
            return None
        return self.p95_ms > self.budget_ms

    @property
    def measured(self) -> bool:
        return self.p95_ms is not None or self.p50_ms is not None or self.uptime_pct is not None


def default_budget_ms(route: Route) -> int | None:
    """The route's p95 budget: its own, or the minimum bar's for its kind."""
    if route.p95_budget_ms is not None:
        return route.p95_budget_ms
    if route.kind is RouteKind.READ:
        return READ_BUDGET_MS
    if route.kind in (RouteKind.WRITE, RouteKind.AUTH):
        return WRITE_BUDGET_MS
    return None


def route_stats(session: Session, playbook: Playbook | None = None) -> tuple[RouteStats, ...]:
    """One entry per configured route, in the session's order (``playbook``: the builtin one)."""
    playbook = playbook or builtin_playbook()
    timing_part = parts.ROUTE_TIMING.of(playbook)
    monitors_part = parts.ROUTE_MONITORS.of(playbook)
    per_route: Mapping[str, JSONValue] = {}
    coverage_part = parts.MONITOR_COVERAGE.of(playbook)
    for check_id in coverage_part.checks[:1]:
        coverage = session.result(check_id)
        if coverage is not None:
            routes = ev.first(coverage.evidence, *coverage_part.keys("routes"))
            if isinstance(routes, Mapping):
                per_route = routes
    stats = []
    for route in session.targets.routes:
        measured = [session.result(check_id, route.name) for check_id in timing_part.checks]
        latency = measured[0] if measured else None
        timing = next((r for r in measured if r is not None), None)
        monitors = [
            r
            for r in session.results
            if r.target == route.name and monitors_part.covers(r.check_id)
        ]
        e: Mapping[str, JSONValue] = timing.evidence if timing is not None else {}
        p95 = ev.number_of(e, *timing_part.keys("p95"))
        p50 = ev.number_of(e, *timing_part.keys("p50"))
        if timing is not None and timing is not latency and p50 is None and p95 is None:
            p50 = ev.number_of(e, *timing_part.keys("single"))
        budget = ev.number_of(e, *timing_part.keys("budget"))
        samples = ev.number_of(e, *timing_part.keys("samples"))
        sources: list[Mapping[str, JSONValue]] = [m.evidence for m in monitors]
        extra = per_route.get(route.name)
        if isinstance(extra, Mapping):
            sources.append(extra)
        if timing is not None:
            sources.append(timing.evidence)
        stats.append(
            RouteStats(
                name=clean(route.name, max_len=80),
                url=clean(route.url, max_len=300),
                kind=route.kind.value,
                method=clean(route.method, max_len=10),
                p50_ms=p50,
                p95_ms=p95,
                p99_ms=ev.number_of(e, *timing_part.keys("p99")),
                budget_ms=int(budget) if budget is not None else default_budget_ms(route),
                samples=int(samples) if samples is not None else None,
                uptime_pct=_uptime(sources, monitors_part),
                error_rate_pct=_error_rate(sources, monitors_part),
                latency_status=latency.status if latency is not None else None,
                monitored=bool(monitors) or isinstance(extra, Mapping),
            )
        )
    return tuple(stats)


def slowest(stats: tuple[RouteStats, ...], count: int = 5) -> tuple[RouteStats, ...]:
    """The ``count`` routes with the highest measured p95 (ties by name)."""
    measured = [s for s in stats if s.p95_ms is not None]
    measured.sort(key=lambda s: (-(s.p95_ms or 0.0), s.name))
    return tuple(measured[:count])


def _uptime(sources: list[Mapping[str, JSONValue]], part: DeliverablePart) -> float | None:
    for e in sources:
        pct = ev.number_of(e, *part.keys("uptime_pct"))
        if pct is not None:
            return _clamp(pct)
        value = ev.number_of(e, *part.keys("uptime"))
        if value is not None:
            return _clamp(value * 100 if value <= 1 else value)
    return None


def _error_rate(sources: list[Mapping[str, JSONValue]], part: DeliverablePart) -> float | None:
    for e in sources:
        pct = ev.number_of(e, *part.keys("error_pct"))
        if pct is not None:
            return _clamp(pct)
        fraction = ev.number_of(e, *part.keys("error_rate"))
        if fraction is not None:
            return _clamp(fraction * 100 if fraction <= 1 else fraction)
        errors = ev.number_of(e, *part.keys("errors"))
        samples = ev.number_of(e, *part.keys("samples"))
        if errors is not None and samples:
            return _clamp(errors / samples * 100)
    return None


def _clamp(pct: float) -> float:
    return min(100.0, max(0.0, pct))

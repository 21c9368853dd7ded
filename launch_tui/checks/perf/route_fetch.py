"""How the request-path route checks start and fail alike: the route, the run's probes or the
result to return instead, a failed fetch as a result, and durations as people read them.

Shared by :mod:`.perf`, :mod:`.perf_server_timing`, :mod:`.perf_caching` and
:mod:`.perf_page_weight`.
"""

from __future__ import annotations

from launch_tui.checks.engine.context import CheckContext
from launch_tui.checks.engine.fetching import no_http_result
from launch_tui.checks.perf.probes import (
    RouteProbes,
    not_repeatable_reason,
    probes_for,
    repeatable,
)
from launch_tui.core.model import CheckResult, Route, Status
from launch_tui.net import FetchResult

__all__ = ["fetch_error", "probes_or_result", "route_of"]


def route_of(ctx: CheckContext) -> Route:
    """The route a route check runs against."""
    route = ctx.route
    if route is None:  # the runner always passes one for route checks
        raise ValueError(f"{ctx.check.id} ran without a route")
    return route


async def probes_or_result(ctx: CheckContext) -> RouteProbes | CheckResult:
    """The run's probes, or the result to return instead (not repeatable, no client)."""
    route = route_of(ctx)
    if not repeatable(route):
        return ctx.result(
            Status.SKIPPED,
            not_repeatable_reason(route),
            evidence={"kind": route.kind.value, "method": route.method.upper()},
        )
    probes = probes_for(ctx)
    if probes is None:
        return no_http_result(ctx)
    return probes


def fetch_error(ctx: CheckContext, route: Route, fetched: FetchResult) -> CheckResult:
    """The ``error`` result for a fetch of ``route`` that failed (``fetched.failure`` is set)."""
    failure = fetched.failure
    assert failure is not None
    return ctx.result(
        Status.ERROR,
        f"{route.name}: {failure.message}",
        evidence={
            "failure": failure.kind.value,
            "phase": failure.phase.value,
            "elapsed_ms": round(failure.elapsed_ms, 1),
        },
    )

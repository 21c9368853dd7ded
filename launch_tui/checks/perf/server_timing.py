"""``perf.server_timing``: the Server-Timing breakdown a route sends, shown when it sends one.

Optional, so never a failure: a route without the header passes and says what it would add. The
route's first answer is the one :mod:`.probes` fetched for every request-path check.
"""

from __future__ import annotations

from launch_tui.checks.engine.context import CheckContext
from launch_tui.checks.engine.registry import Registry
from launch_tui.checks.parse.response_facts import parse_server_timing
from launch_tui.checks.perf.probes import time_left
from launch_tui.checks.perf.route_fetch import fetch_error, probes_or_result, route_of
from launch_tui.core.display import PRECISE_MS, fmt_ms
from launch_tui.core.model import CheckResult, Severity, Status
from launch_tui.core.playbook import AppliesTo
from launch_tui.core.sanitize import clean

__all__ = ["CHECKS", "server_timing"]

CHECKS = Registry()

_VALUE_CAP = 300  # characters of the raw header kept as evidence


@CHECKS.register(
    "perf.server_timing",
    stage="request-path",
    title="Server-Timing breakdown",
    severity=Severity.INFO,
    applies_to=AppliesTo.ROUTE,
)
async def server_timing(ctx: CheckContext) -> CheckResult:
    """Show the route's Server-Timing entries when it sends any (optional, never a failure)."""
    probes = await probes_or_result(ctx)
    if isinstance(probes, CheckResult):
        return probes
    route = route_of(ctx)
    fetched = (await probes.first(route, time_left(ctx))).result
    if fetched.status is None:
        return fetch_error(ctx, route, fetched)
    values = fetched.header_values("server-timing")
    if not values:
        return ctx.result(
            Status.PASS,
            "No Server-Timing header (optional: it shows where a request spends its time)",
            evidence={"present": False},
        )
    entries = parse_server_timing(", ".join(values))
    durations = [e["dur_ms"] for e in entries if isinstance(e.get("dur_ms"), float)]
    shown = ", ".join(
        f"{e['name']} {fmt_ms(e['dur_ms'], PRECISE_MS)}"
        if isinstance(e["dur_ms"], float)
        else str(e["name"])
        for e in entries
    )
    return ctx.result(
        Status.PASS,
        f"Server-Timing: {shown or 'no entries'}",
        evidence={
            "present": True,
            "entries": list(entries),
            "total_ms": round(sum(d for d in durations if isinstance(d, float)), 1),
            "raw": clean(", ".join(values), max_len=_VALUE_CAP),
        },
    )

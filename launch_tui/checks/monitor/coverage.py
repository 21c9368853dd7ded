"""``monitor.coverage``: are the homepage, login, health and webhook routes watched?

The minimum bar's uptime item. Each key route (:func:`launch_tui.core.monitor_plan.key_routes`)
must be configured, answer as configured when probed the way a monitor probes it, and be covered
by a monitor: an export (``launch-tui export``) or an external monitor declared in the session
with a link.

===============================================================  ======  ========
what is found                                                    status  severity
===============================================================  ======  ========
a key route not configured                                       fail    high
a key route not answering as configured (status, no answer)      fail    high
every key route answers but some are not covered by a monitor    fail    high
every key route answers and is covered                           pass
===============================================================  ======  ========

An uncovered key route fails rather than warns: the minimum bar's uptime item is decided by this
check alone, and a warning would satisfy it (``core.readiness``) while nothing watches the route.

The evidence also carries what the monitoring summary shows: ``links`` (every recorded monitor's
link or export folder) and ``routes``, the figures of the last in-app monitoring run per route
(uptime, error rate, samples, p50/p95/p99 and budget, from ``[monitoring]``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from launch_tui.checks.engine.context import CheckContext
from launch_tui.checks.engine.fetching import fetch_https, no_http_result
from launch_tui.checks.engine.registry import Registry
from launch_tui.core.model import CheckResult, JSONValue, Route, Session, Severity, Status
from launch_tui.core.monitor_plan import KEY_ROUTES, key_routes
from launch_tui.core.playbook import AppliesTo
from launch_tui.core.sanitize import clean

CHECKS = Registry()


def monitored_by(session: Session) -> Mapping[str, tuple[str, ...]]:
    """Route name -> where it is monitored (export folders, external monitor links)."""
    found: dict[str, list[str]] = {}
    for monitor in session.targets.monitors:
        where = f"{monitor.tool}: {monitor.link}" if monitor.link else monitor.tool
        if monitor.route and where:
            found.setdefault(monitor.route, []).append(where)
    return {k: tuple(v) for k, v in found.items()}


def run_figures(session: Session) -> dict[str, JSONValue]:
    """Per-route figures of the session's last in-app monitoring run, by route name."""
    routes = session.monitoring.get("routes")
    out: dict[str, JSONValue] = {}
    if not isinstance(routes, list):
        return out
    for entry in routes:
        if not isinstance(entry, dict) or not isinstance(entry.get("route"), str):
            continue
        samples = entry.get("samples")
        failures = entry.get("failures")
        figures: dict[str, JSONValue] = {
            k: entry[k]
            for k in ("uptime_pct", "samples", "p50_ms", "p95_ms", "p99_ms", "budget_ms")
            if k in entry
        }
        if isinstance(samples, int) and isinstance(failures, int) and samples:
            figures["error_rate"] = round(failures / samples, 4)
        out[str(entry["route"])] = figures
    return out


async def _answers(ctx: CheckContext, route: Route) -> tuple[bool, str]:
    method = route.method.upper()
    headers = [("Content-Type", "application/json")] if method == "POST" else None
    body = b"{}" if method == "POST" else None
    answer = await fetch_https(ctx, route.url, method, follow=False, headers=headers, body=body)
    status = answer.result.status
    if status is None:
        failure = answer.result.failure
        return False, clean(failure.message if failure else "no answer", max_len=160)
    if not route.expects(status):
        return False, f"answers {status}, not {route.expect_status}"
    return True, f"answers {status}"


@CHECKS.register(
    "monitor.coverage",
    stage="observe",
    title="Key routes are monitored and answering",
    severity=Severity.HIGH,
    applies_to=AppliesTo.SESSION,
)
async def coverage(ctx: CheckContext) -> CheckResult:
    """Key routes configured, answering, and covered by an export or an external monitor."""
    keys = key_routes(ctx.session)
    missing = [k for k in KEY_ROUTES if keys[k] is None]
    present = {k: r for k, r in keys.items() if r is not None}
    if present and ctx.services.http is None:
        return no_http_result(ctx)
    answered = dict(
        zip(
            present,
            await asyncio.gather(*(_answers(ctx, r) for r in present.values())),
            strict=True,
        )
    )
    covered = monitored_by(ctx.session)
    rows: dict[str, JSONValue] = {}
    for key in KEY_ROUTES:
        route = keys[key]
        if route is None:
            rows[key] = {"route": None, "answers": False, "why": "not configured", "monitors": []}
            continue
        ok, why = answered[key]
        rows[key] = {
            "route": route.name,
            "url": route.url,
            "answers": ok,
            "why": why,
            "monitors": list(covered.get(route.name, ())),
        }
    links: list[JSONValue] = []
    for monitor in ctx.session.targets.monitors:
        if monitor.link and monitor.link not in links:
            links.append(monitor.link)
    evidence: dict[str, JSONValue] = {
        "key_routes": rows,
        "routes": run_figures(ctx.session),
        "links": links,
    }
    down = [k for k in present if not answered[k][0]]
    if missing or down:
        parts = [f"no {k} route configured" for k in missing]
        parts += [f"{k} ({clean(present[k].name)}) {answered[k][1]}" for k in down]
        return ctx.result(Status.FAIL, "; ".join(parts).capitalize(), evidence=evidence)
    uncovered = [k for k in KEY_ROUTES if not covered.get(present[k].name)]
    if uncovered:
        return ctx.result(
            Status.FAIL,
            f"All four key routes answer, but {', '.join(uncovered)} "
            f"{'is' if len(uncovered) == 1 else 'are'} not covered by a monitor: export them "
            "(launch-tui export --to prometheus|gatus) or declare an external monitor with a link",
            evidence=evidence,
        )
    return ctx.result(
        Status.PASS,
        "Homepage, login, health and webhook answer and are monitored",
        evidence=evidence,
    )

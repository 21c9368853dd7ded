"""``monitor.coverage``: are the homepage, login, health and webhook routes watched?

The minimum bar's uptime item. Each key route (:func:`~.plan.key_routes`) must be configured,
answer as configured when probed the way a monitor probes it, and be covered by a monitor:
an export (``launch-tui export``) or an external monitor declared in the session with a link.

===============================================================  ======  ========
what is found                                                    status  severity
===============================================================  ======  ========
a key route not configured                                       fail    high
a key route not answering as configured (status, no answer)      fail    high
every key route answers but some are not covered by a monitor    warn    high
every key route answers and is covered                           pass
===============================================================  ======  ========
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from launch_tui.checks.engine.context import CheckContext
from launch_tui.checks.engine.fetching import fetch_https, no_http_result
from launch_tui.checks.engine.registry import Registry
from launch_tui.checks.monitor.plan import KEY_ROUTES, key_routes
from launch_tui.core.model import CheckResult, JSONValue, Route, Session, Severity, Status
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
    evidence: dict[str, JSONValue] = {"key_routes": rows}
    down = [k for k in present if not answered[k][0]]
    if missing or down:
        parts = [f"no {k} route configured" for k in missing]
        parts += [f"{k} ({clean(present[k].name)}) {answered[k][1]}" for k in down]
        return ctx.result(Status.FAIL, "; ".join(parts).capitalize(), evidence=evidence)
    uncovered = [k for k in KEY_ROUTES if not covered.get(present[k].name)]
    if uncovered:
        return ctx.result(
            Status.WARN,
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

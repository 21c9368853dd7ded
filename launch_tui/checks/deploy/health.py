"""``deploy.health``: does each health route answer healthy, and say which release runs?

One request per ``health`` route (no redirects followed: a load balancer does not follow them
either), judged by :func:`~launch_tui.checks.deploy.health_probe.judge`: the expected status, not
an HTML page, a JSON ``status`` that says ok. Unhealthy is a failure (high). A healthy route that
reports no release is noted in the evidence: without one, ``watch-deploy`` and the rollback drill
can tell healthy from unhealthy but not the old release from the new.
"""

from __future__ import annotations

from launch_tui.checks.deploy.health_probe import probe
from launch_tui.checks.engine.context import CheckContext
from launch_tui.checks.engine.fetching import no_http_result
from launch_tui.checks.engine.registry import Registry
from launch_tui.core.model import CheckResult, JSONValue, RouteKind, Severity, Status
from launch_tui.core.playbook import AppliesTo
from launch_tui.core.sanitize import clean

CHECKS = Registry()


@CHECKS.register(
    "deploy.health",
    stage="deploy",
    title="Health endpoint answers",
    severity=Severity.HIGH,
    applies_to=AppliesTo.ROUTE,
    route_kinds=(RouteKind.HEALTH,),
)
async def health(ctx: CheckContext) -> CheckResult:
    """Request the health route once and judge the answer."""
    if ctx.services.http is None:
        return no_http_result(ctx)
    route = ctx.route
    assert route is not None
    seen = await probe(ctx.services.http, route, ctx.services.deadline_s)
    evidence: dict[str, JSONValue] = {
        "url": route.url,
        "method": route.method,
        **seen.as_evidence(),
    }
    where = f"{clean(route.method)} {clean(route.url)}"
    if not seen.healthy:
        return ctx.result(Status.FAIL, f"{where} is not healthy: {seen.reason}", evidence=evidence)
    release = f", reports {seen.version}" if seen.version else ", reports no release version"
    return ctx.result(
        Status.PASS,
        f"{where} {seen.reason}{release} in {seen.elapsed_ms:.0f} ms",
        evidence=evidence,
    )

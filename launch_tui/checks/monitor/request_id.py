"""``monitor.request_id``: does the app echo a request ID, so support can find a failing request?

One request per production route (staging hosts are left out), carrying a fresh
``X-Request-ID``. Writes not marked safe to repeat are not sent; webhooks get the ``{}`` POST a
monitor sends.

===================================================================  ======  ========
answer                                                               status  severity
===================================================================  ======  ========
``X-Request-ID`` with the value we sent                              pass
another request-id header (``X-Request-ID`` with the app's own       pass
value, ``X-Correlation-ID``, ``Request-Id``, ``X-Amzn-RequestId``...)
none                                                                 warn    low
===================================================================  ======  ========
"""

from __future__ import annotations

import secrets

from launch_tui.checks.engine.context import CheckContext
from launch_tui.checks.engine.fetching import (
    absent_reason,
    fetch_evidence,
    fetch_https,
    host_of,
    is_staging,
    no_http_result,
)
from launch_tui.checks.engine.registry import Registry
from launch_tui.core.model import CheckResult, JSONValue, RouteKind, Severity, Status
from launch_tui.core.playbook import AppliesTo
from launch_tui.core.sanitize import clean

CHECKS = Registry()

#: Response headers that carry a request or trace ID the app can log. Platform edge IDs
#: (``CF-Ray``, ``X-Vercel-Id``, ``Fly-Request-Id``) are left out: the app never sees them.
ID_HEADERS: tuple[str, ...] = (
    "x-request-id",
    "x-correlation-id",
    "request-id",
    "x-amzn-requestid",
    "x-amz-request-id",
    "x-trace-id",
    "traceparent",
)


@CHECKS.register(
    "monitor.request_id",
    stage="observe",
    title="Responses carry a request ID",
    severity=Severity.MEDIUM,
    applies_to=AppliesTo.ROUTE,
)
async def request_id(ctx: CheckContext) -> CheckResult:
    """Send a fresh X-Request-ID and look for it, or another request ID, in the answer."""
    route = ctx.route
    assert route is not None
    if is_staging(ctx, host_of(route.url)):
        return ctx.result(Status.SKIPPED, "Staging route: request IDs are checked on production")
    method = route.method.upper()
    if route.kind is RouteKind.WRITE and not route.safe_to_repeat:
        return ctx.result(
            Status.SKIPPED, f"Not sent: {clean(method)} {clean(route.url)} is not safe to repeat"
        )
    if method not in ("GET", "HEAD") and not (
        route.safe_to_repeat or route.kind is RouteKind.WEBHOOK
    ):
        return ctx.result(Status.SKIPPED, f"Not sent: {clean(method)} is not safe to repeat")
    if ctx.services.http is None:
        return no_http_result(ctx)
    sent = f"launch-tui-{secrets.token_hex(8)}"
    headers = [("X-Request-ID", sent)]
    body = None
    if method == "POST":
        headers.append(("Content-Type", "application/json"))
        body = b"{}"
    answer = await fetch_https(ctx, route.url, method, follow=False, headers=headers, body=body)
    result = answer.result
    evidence: dict[str, JSONValue] = {"fetch": fetch_evidence(result), "sent": sent}
    if result.status is None:
        gone = absent_reason(result)
        if gone:
            return ctx.result(Status.SKIPPED, f"Nothing answers: {gone}", evidence=evidence)
        message = result.failure.message if result.failure else "no answer"
        return ctx.result(Status.ERROR, f"Could not check: {clean(message)}", evidence=evidence)
    echoed = result.header("x-request-id")
    if echoed is not None and echoed.strip() == sent:
        evidence["echoed"] = echoed
        return ctx.result(
            Status.PASS, f"X-Request-ID is echoed ({result.status})", evidence=evidence
        )
    found = {
        name: clean(result.header(name) or "", max_len=120)
        for name in ID_HEADERS
        if result.header(name)
    }
    if found:
        evidence["id_headers"] = dict(found)
        names = ", ".join(found)
        return ctx.result(
            Status.PASS,
            f"Not our X-Request-ID, but the answer carries a request ID ({clean(names)})",
            evidence=evidence,
        )
    return ctx.result(
        Status.WARN,
        f"No X-Request-ID echoed and no other request ID in the answer ({result.status}): "
        "failing requests cannot be traced from a support ticket",
        evidence=evidence,
        severity=Severity.LOW,
    )

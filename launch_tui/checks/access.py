"""Access checks: can anyone on the internet use the admin routes or the webhook receivers?

``access.admin_exposed`` (per ``admin`` route) requests the route anonymously, the way a
stranger who guessed the URL would, following redirects:

=====================================================================  ======  ========
answer                                                                 status  severity
=====================================================================  ======  ========
2xx with the admin content (no login form)                             fail    critical
401, 403 or 404; a redirect to a sign-in page; a sign-in form          pass
a redirect somewhere that does not look like sign-in                   warn    medium
a server error (5xx) or another status: protection cannot be told      warn    medium
=====================================================================  ======  ========

Only safe methods are sent (GET, HEAD), or the route's own method when the session marks it
safe to repeat: probing an unprotected admin *action* would perform it.

``access.webhook_unsigned`` (per ``webhook`` route) sends one POST with an empty JSON object
and no signature header. A receiver that verifies signatures refuses it (400, 401, 403); one
that answers 2xx would accept a forged event from anyone:

=====================================================================  ======  ========
answer                                                                 status  severity
=====================================================================  ======  ========
2xx: the unsigned payload was accepted                                 fail    high
400, 401, 403, 422: refused                                            pass
404, 405, 3xx: the URL is not a receiver (wrong route configured?)     warn    medium
5xx: it crashed instead of refusing                                    warn    medium
=====================================================================  ======  ========

The POST is sent even though webhook routes are not marked safe to repeat: an empty object is
not a valid event for any provider, and the probe is the point of the check.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from launch_tui.checks.engine.context import CheckContext
from launch_tui.checks.engine.fetching import (
    answer_evidence,
    fetch_https,
    is_redirect,
    no_http_result,
    unanswered,
)
from launch_tui.checks.engine.registry import Registry
from launch_tui.core.model import CheckResult, JSONValue, RouteKind, Severity, Status
from launch_tui.core.playbook import AppliesTo
from launch_tui.core.sanitize import clean
from launch_tui.net import FetchResult

CHECKS = Registry()

_LOGIN_URL = re.compile(
    r"log-?in|sign-?in|auth|sso|oauth|saml|session|account|cdn-cgi/access", re.IGNORECASE
)
_PASSWORD_FIELD = re.compile(r"<input[^>]+type\s*=\s*[\"']?password", re.IGNORECASE)
_REFUSED = (401, 403, 404)
_WEBHOOK_REFUSED = (400, 401, 403, 422)


@CHECKS.register(
    "access.admin_exposed",
    stage="audit",
    title="Admin routes require authentication",
    severity=Severity.CRITICAL,
    applies_to=AppliesTo.ROUTE,
    route_kinds=(RouteKind.ADMIN,),
)
async def admin_exposed(ctx: CheckContext) -> CheckResult:
    """Request the admin route without credentials; it must refuse or send us to sign in."""
    if ctx.services.http is None:
        return no_http_result(ctx)
    route = ctx.route
    assert route is not None
    method = route.method.upper()
    if method not in ("GET", "HEAD") and not route.safe_to_repeat:
        return ctx.result(
            Status.SKIPPED,
            f"Not requested: {clean(method)} {clean(route.url)} is an admin action not marked "
            "safe to repeat",
        )
    answer = await fetch_https(ctx, route.url, method)
    result = answer.result
    evidence: dict[str, JSONValue] = {"fetch": answer_evidence(answer), "method": method}
    where = f"{clean(method)} {clean(route.url)}"
    if not answer.headed:
        return unanswered(ctx, result, evidence)
    status = result.status
    assert status is not None
    login = _login_hop(result)
    if login:
        evidence["login_url"] = login
        return ctx.result(
            Status.PASS,
            f"Anonymous {where} is sent to sign in at {clean(login)}",
            evidence=evidence,
        )
    if status in _REFUSED:
        return ctx.result(
            Status.PASS, f"Anonymous {where} is refused with {status}", evidence=evidence
        )
    if 200 <= status < 300:
        if _PASSWORD_FIELD.search(result.text(256 * 1024)):
            evidence["login_form"] = True
            return ctx.result(
                Status.PASS,
                f"Anonymous {where} gets a sign-in form ({status})",
                evidence=evidence,
            )
        return ctx.result(
            Status.FAIL,
            f"Anonymous {where} answers {status} with no authentication: the admin route is "
            "open to anyone who finds it",
            evidence=evidence,
        )
    if result.redirects:
        return ctx.result(
            Status.WARN,
            f"Anonymous {where} is redirected to {clean(result.final_url)} ({status}), which "
            "does not look like a sign-in page: check it is protected",
            evidence=evidence,
            severity=Severity.MEDIUM,
        )
    return ctx.result(
        Status.WARN,
        f"Anonymous {where} answers {status}: cannot tell whether it is protected; it should "
        "answer 401, 403 or 404",
        evidence=evidence,
        severity=Severity.MEDIUM,
    )


def _login_hop(result: FetchResult) -> str:
    """The first redirect target that looks like a sign-in page; ``""`` if none."""
    hops = result.hops
    for i, hop in enumerate(hops[:-1]):
        if not is_redirect(hop.status):
            continue
        target = hops[i + 1].url
        try:
            parts = urlsplit(target)
        except ValueError:
            continue
        if _LOGIN_URL.search(f"{parts.hostname or ''}{parts.path}"):
            return target
    return ""


@CHECKS.register(
    "access.webhook_unsigned",
    stage="audit",
    title="Webhooks refuse unsigned payloads",
    severity=Severity.HIGH,
    applies_to=AppliesTo.ROUTE,
    route_kinds=(RouteKind.WEBHOOK,),
)
async def webhook_unsigned(ctx: CheckContext) -> CheckResult:
    """POST an unsigned, empty event to the webhook receiver; it must be refused."""
    if ctx.services.http is None:
        return no_http_result(ctx)
    route = ctx.route
    assert route is not None
    answer = await fetch_https(
        ctx,
        route.url,
        "POST",
        follow=False,
        headers=[("Content-Type", "application/json")],
        body=b"{}",
        head_only=True,
    )
    result = answer.result
    evidence: dict[str, JSONValue] = {
        "fetch": answer_evidence(answer),
        "method": "POST",
        "sent": "{} (no signature header)",
    }
    where = f"POST {clean(route.url)}"
    if not answer.headed:
        return unanswered(ctx, result, evidence)
    status = result.status
    assert status is not None
    if 200 <= status < 300:
        return ctx.result(
            Status.FAIL,
            f"Webhook accepts an unsigned POST with {status} ({where}): anyone can forge events; "
            "verify the provider's signature header",
            evidence=evidence,
        )
    if status in _WEBHOOK_REFUSED:
        return ctx.result(
            Status.PASS, f"Unsigned {where} is refused with {status}", evidence=evidence
        )
    if status >= 500:
        why = "crashes on an unsigned payload instead of refusing it"
    elif is_redirect(status) or status in (404, 405):
        why = "is not a webhook receiver as configured (providers do not follow redirects)"
    else:
        why = "gives an answer that neither accepts nor refuses the payload"
    return ctx.result(
        Status.WARN,
        f"Unsigned {where} answers {status}: the receiver {why}",
        evidence=evidence,
        severity=Severity.MEDIUM,
    )

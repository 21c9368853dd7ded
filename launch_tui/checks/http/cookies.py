"""``http.cookies`` — are the cookies a route sets flagged and scoped safely?

Per route, the route is requested once, anonymously, *without* following redirects (a cookie is
set by the response that carries it, and a login often answers 302 with its session cookie).
Write and auth routes are only requested when the session marks them safe to repeat; they get an
empty JSON object as their body. Each ``Set-Cookie`` is parsed the way a browser parses it
(:mod:`launch_tui.checks.parse.setcookie`); cookies the header deletes are not judged.

A cookie is *session-like* when its name says it carries identity (``session``, ``sid``,
``auth``, ``token``, ``jwt``, ``remember``...; CSRF tokens excluded). The rules:

=====================================================================  ======  ========
finding                                                                status  severity
=====================================================================  ======  ========
session cookie without Secure or HttpOnly                              fail    high
session cookie scoped to the registrable domain (``Domain=.example``):  fail    high
every subdomain receives it — recommend host-only or ``__Host-``
a cookie browsers reject (broken ``__Host-``/``__Secure-`` prefix,      fail    high /
``Domain`` not covering the host)                                              low
other cookie without Secure                                            fail    low
session cookie with ``SameSite=None`` or no SameSite                    warn    medium
session cookie scoped wider than its host, below the registrable       warn    medium
domain
a ``Set-Cookie`` header browsers ignore altogether                     warn    low
=====================================================================  ======  ========

The registrable domain is the session's apex when the host is under it (there is no public
suffix list here), else the host's last two labels. Evidence lists each cookie's name and
attributes — never its value, which may be a live session token.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from launch_tui.checks.engine.context import CheckContext
from launch_tui.checks.engine.fetching import (
    Finding,
    answer_evidence,
    fetch_https,
    host_of,
    no_http_result,
    outcome,
    unanswered,
)
from launch_tui.checks.engine.registry import Registry
from launch_tui.checks.parse.setcookie import (
    IgnoredCookie,
    SetCookie,
    domain_matches,
    domain_problem,
    parse_set_cookie,
    prefix_problem,
)
from launch_tui.core.model import CheckResult, JSONValue, RouteKind, Severity, Status
from launch_tui.core.playbook import AppliesTo
from launch_tui.core.sanitize import clean

CHECKS = Registry()

_SESSION = re.compile(
    r"sess|(?:^|[^a-z])sid(?:$|[^a-z])|auth|token|jwt|login|remember|identity|^u?id$|user_?id",
    re.IGNORECASE,
)
_NOT_SESSION = re.compile(r"csrf|xsrf", re.IGNORECASE)
_SAFE_METHODS = ("GET", "HEAD")


def session_like(name: str) -> bool:
    """True when a cookie's name says it carries a sign-in (CSRF tokens are not)."""
    return bool(_SESSION.search(name)) and not _NOT_SESSION.search(name)


@CHECKS.register(
    "http.cookies",
    stage="delivery",
    title="Cookies are scoped and flagged safely",
    severity=Severity.HIGH,
    applies_to=AppliesTo.ROUTE,
    route_kinds=(
        RouteKind.READ,
        RouteKind.WRITE,
        RouteKind.AUTH,
        RouteKind.HEALTH,
        RouteKind.ADMIN,
    ),
)
async def cookies(ctx: CheckContext) -> CheckResult:
    """Request the route once and judge every cookie its response sets."""
    if ctx.services.http is None:
        return no_http_result(ctx)
    route = ctx.route
    assert route is not None
    method = route.method.upper()
    if method not in _SAFE_METHODS and not route.safe_to_repeat:
        return ctx.result(
            Status.SKIPPED,
            f"Not requested: {clean(method)} {clean(route.url)} is not marked safe to repeat",
        )
    body = None if method in _SAFE_METHODS else b"{}"
    headers = None if body is None else [("Content-Type", "application/json")]
    answer = await fetch_https(
        ctx, route.url, method, follow=False, headers=headers, body=body, head_only=True
    )
    result = answer.result
    evidence: dict[str, JSONValue] = {"fetch": answer_evidence(answer)}
    if not answer.headed:
        return unanswered(ctx, result, evidence)

    host = host_of(result.final_url)
    registrable = _registrable(ctx.session.targets.apex, host)
    now = ctx.clock()
    findings: list[Finding] = []
    judged: list[str] = []
    listed: list[JSONValue] = []
    for raw in result.header_values("set-cookie"):
        parsed = parse_set_cookie(raw)
        if isinstance(parsed, IgnoredCookie):
            listed.append({"ignored": parsed.reason})
            findings.append(
                Finding(
                    Status.WARN,
                    Severity.LOW,
                    f"Browsers ignore a Set-Cookie header ({clean(parsed.reason)})",
                )
            )
            continue
        listed.append(_cookie_evidence(parsed, now))
        if parsed.deleted(now):
            continue
        judged.append(clean(parsed.name, max_len=60))
        finding = _judge(parsed, host, registrable)
        if finding is not None:
            findings.append(finding)
    evidence["cookies"] = listed
    evidence["registrable_domain"] = registrable
    where = f"{clean(method)} {clean(result.url)}"
    if not listed:
        summary = f"No cookies set by {where}"
    elif not judged:
        summary = f"{where} only deletes cookies"
    else:
        summary = f"{_count(len(judged))} set by {where}, flagged and scoped safely: "
        summary += ", ".join(judged)
    return outcome(ctx, findings, evidence, summary)


def _judge(cookie: SetCookie, host: str, registrable: str) -> Finding | None:
    session = session_like(cookie.name)
    name = clean(cookie.name, max_len=60) or "(nameless)"
    rejected = prefix_problem(cookie) or domain_problem(cookie, host)
    if rejected:
        return Finding(
            Status.FAIL,
            Severity.HIGH if session else Severity.LOW,
            f"{'Session cookie' if session else 'Cookie'} {name}: {clean(rejected)}",
        )
    if session:
        return _judge_session(cookie, name, host, registrable)
    lacks = [
        flag
        for flag, present in (
            ("Secure", cookie.secure),
            ("HttpOnly", cookie.http_only),
            ("SameSite", cookie.same_site is not None),
        )
        if not present
    ]
    if cookie.secure:
        return None
    return Finding(Status.FAIL, Severity.LOW, f"{name} cookie lacks {_and(lacks)}")


def _judge_session(cookie: SetCookie, name: str, host: str, registrable: str) -> Finding | None:
    failing: list[str] = []
    warning: list[str] = []
    domain = cookie.domain
    widened = domain is not None and domain != host
    if domain is not None and widened:
        if domain == registrable or domain_matches(registrable, domain):
            failing.append(f"is scoped to .{clean(domain)} (every subdomain receives it)")
        else:
            warning.append(f"is scoped to .{clean(domain)}, wider than {clean(host)}")
    lacks = [
        flag
        for flag, present in (("Secure", cookie.secure), ("HttpOnly", cookie.http_only))
        if not present
    ]
    if lacks:
        failing.append(f"lacks {_and(lacks)}")
    if cookie.same_site == "None":
        warning.append("has SameSite=None (sent with cross-site requests: CSRF)")
    elif cookie.same_site is None:
        warning.append("has no SameSite attribute (set Lax or Strict)")
    if not failing and not warning:
        return None
    advice = ""
    if widened:
        prefixed = name if name.lower().startswith("__host-") else f"__Host-{name.lstrip('_')}"
        advice = f"; make it host-only (drop Domain), ideally named {prefixed}"
    if failing:
        text = f"Session cookie {name} {' and '.join(failing)}"
        if warning:
            text += f"; it also {' and '.join(warning)}"
        return Finding(Status.FAIL, Severity.HIGH, text + advice)
    return Finding(
        Status.WARN, Severity.MEDIUM, f"Session cookie {name} {' and '.join(warning)}{advice}"
    )


def _registrable(apex: str, host: str) -> str:
    apex = apex.strip().rstrip(".").lower()
    if apex and domain_matches(host, apex):
        return apex
    labels = host.split(".")
    return ".".join(labels[-2:]) if len(labels) >= 2 else host


def _cookie_evidence(cookie: SetCookie, now: datetime) -> dict[str, JSONValue]:
    entry: dict[str, JSONValue] = {
        "name": cookie.name,
        "session_like": session_like(cookie.name),
        "domain": cookie.domain,
        "path": cookie.path,
        "secure": cookie.secure,
        "http_only": cookie.http_only,
        "same_site": cookie.same_site_raw,
    }
    if cookie.partitioned:
        entry["partitioned"] = True
    if cookie.max_age is not None:
        entry["max_age"] = cookie.max_age
    if cookie.expires is not None:
        entry["expires"] = cookie.expires.isoformat()
    if cookie.deleted(now):
        entry["deleted"] = True
    return entry


def _count(n: int) -> str:
    return "1 cookie" if n == 1 else f"{n} cookies"


def _and(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]

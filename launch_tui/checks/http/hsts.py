"""``http.hsts`` — does each hostname tell browsers to use HTTPS only (RFC 6797)?

Per host, ``https://host/`` is fetched *without* following redirects: HSTS binds the host that
sends it, so a redirect to another host with HSTS does not cover this one. ``http://host/`` is
fetched alongside, because a Strict-Transport-Security header over plain HTTP is ignored by
browsers (RFC 6797 §8.1) and usually means the server was configured in the wrong place.

=====================================================================  ======  ================
finding                                                                status  severity
=====================================================================  ======  ================
no Strict-Transport-Security header                                    fail    medium (staging:
                                                                               low)
header browsers ignore (no or repeated max-age, bad syntax)            fail    medium
``max-age=0`` (HSTS switched off)                                      fail    medium
max-age under 180 days                                                 warn    low
at the apex: not preload-eligible (needs max-age ≥ 1 year,             warn    low
includeSubDomains and preload)
sent over plain HTTP too                                               warn    low
=====================================================================  ======  ================

Six months is the playbook's floor; preloading (hstspreload.org) needs a year, includeSubDomains
and the preload token on the registrable domain, so preload eligibility is judged at the apex
only. A host without HTTPS is ``skipped``: HSTS needs HTTPS first, and ``http.https_forced`` and
``tls.certificate`` report that. A certificate that does not verify does not stop the check: the
header is read anyway, and ``tls.certificate`` owns the certificate finding.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from launch_tui.checks.engine.context import CheckContext
from launch_tui.checks.engine.fetching import (
    Finding,
    absent_reason,
    answer_evidence,
    fetch,
    fetch_https,
    headed,
    host_url,
    is_staging,
    no_http_result,
    outcome,
    target_host,
)
from launch_tui.checks.engine.registry import Registry
from launch_tui.core.model import CheckResult, HostRole, JSONValue, Severity, Status
from launch_tui.core.playbook import AppliesTo
from launch_tui.core.sanitize import clean
from launch_tui.net import FailureKind

CHECKS = Registry()

DAY = 86_400
#: The playbook's minimum max-age: six months.
MIN_MAX_AGE = 180 * DAY
#: hstspreload.org's minimum max-age: one year.
PRELOAD_MAX_AGE = 365 * DAY

_DIRECTIVE = re.compile(
    r'^\s*([!#$%&\'*+.^_`|~0-9A-Za-z-]+)\s*(?:=\s*("(?:[^"\\]|\\.)*"|[^\s;]*))?\s*$'
)


@dataclass(frozen=True)
class Hsts:
    """One Strict-Transport-Security header value, as a browser reads it."""

    max_age: int | None
    """Seconds; ``None`` when missing or invalid (then the header is ignored)."""
    include_subdomains: bool = False
    preload: bool = False
    problem: str = ""
    """Why browsers ignore the header; ``""`` when they honour it."""


def parse_hsts(value: str) -> Hsts:
    """Parse a header value per RFC 6797 §6.1: directives split by ``;``, names case-insensitive,
    each at most once, ``max-age`` required and made of digits."""
    seen: set[str] = set()
    max_age: int | None = None
    include = preload = False
    for part in value.split(";"):
        if not part.strip():
            continue
        match = _DIRECTIVE.match(part)
        if match is None:
            return Hsts(None, problem=f"malformed directive {part.strip()!r}")
        name = match.group(1).lower()
        raw = match.group(2)
        if name in seen:
            return Hsts(None, problem=f"{name} is given twice")
        seen.add(name)
        if name == "max-age":
            digits = (raw or "").strip('"')
            if not digits.isdigit() or not digits.isascii():
                return Hsts(None, problem=f"max-age {raw or ''!r} is not a number of seconds")
            max_age = int(digits)
        elif name == "includesubdomains":
            include = True
        elif name == "preload":
            preload = True
    if max_age is None:
        return Hsts(None, include, preload, problem="it has no max-age")
    return Hsts(max_age, include, preload)


@CHECKS.register(
    "http.hsts",
    stage="delivery",
    title="HSTS is set",
    severity=Severity.MEDIUM,
    applies_to=AppliesTo.HOST,
)
async def hsts(ctx: CheckContext) -> CheckResult:
    """Read Strict-Transport-Security on ``https://host/`` (and check it is not sent on http)."""
    if ctx.services.http is None:
        return no_http_result(ctx)
    host = target_host(ctx)
    secure, plain = await asyncio.gather(
        fetch_https(ctx, host_url("https", host), follow=False, head_only=True),
        fetch(ctx, host_url("http", host), follow=False, head_only=True),
    )
    evidence: dict[str, JSONValue] = {"https": answer_evidence(secure)}
    if not secure.headed:
        failure = secure.result.failure
        gone = absent_reason(secure.result)
        if gone and absent_reason(plain):
            return ctx.result(Status.SKIPPED, f"Nothing answers: {gone}", evidence=evidence)
        if gone or (failure is not None and failure.kind is FailureKind.TLS):
            return ctx.result(
                Status.SKIPPED,
                f"No HTTPS on {clean(host)}, so no HSTS: http.https_forced and tls.certificate "
                "report it",
                evidence=evidence,
            )
        message = failure.message if failure is not None else "no answer"
        return ctx.result(Status.ERROR, f"Could not check: {message}", evidence=evidence)

    values = secure.result.header_values("strict-transport-security")
    over_http = plain.header_values("strict-transport-security") if headed(plain) else ()
    evidence["hsts"] = list(values)
    if over_http:
        evidence["hsts_over_http"] = list(over_http)
    if not values:
        severity = Severity.LOW if is_staging(ctx) else Severity.MEDIUM
        return ctx.result(
            Status.FAIL,
            f"No HSTS header: https://{clean(host)}/ sends no Strict-Transport-Security",
            evidence=evidence,
            severity=severity,
        )
    # Browsers honour the first header only (RFC 6797 §8.1).
    parsed = parse_hsts(values[0])
    evidence.update(
        {
            "max_age": parsed.max_age,
            "include_subdomains": parsed.include_subdomains,
            "preload": parsed.preload,
        }
    )
    findings = _findings(ctx, host, parsed, values[0], bool(over_http))
    return outcome(ctx, findings, evidence, _pass_summary(parsed))


def _findings(
    ctx: CheckContext, host: str, parsed: Hsts, value: str, over_http: bool
) -> list[Finding]:
    if parsed.problem or parsed.max_age is None:
        return [
            Finding(
                Status.FAIL,
                Severity.MEDIUM,
                f"HSTS header {clean(value, max_len=120)!r} is ignored by browsers: "
                f"{clean(parsed.problem)}",
            )
        ]
    if parsed.max_age == 0:
        return [
            Finding(
                Status.FAIL,
                Severity.MEDIUM,
                "HSTS is switched off (max-age=0): browsers forget the host's HTTPS-only rule",
            )
        ]
    findings: list[Finding] = []
    if parsed.max_age < MIN_MAX_AGE:
        findings.append(
            Finding(
                Status.WARN,
                Severity.LOW,
                f"HSTS max-age of {_days(parsed.max_age)} is short: use at least 180 days "
                "(a year to preload)",
            )
        )
    if _is_apex(ctx, host):
        missing = []
        if not parsed.include_subdomains:
            missing.append("includeSubDomains")
        if parsed.max_age < PRELOAD_MAX_AGE:
            missing.append("a max-age of a year")
        if not parsed.preload:
            missing.append("preload")
        if missing:
            findings.append(
                Finding(
                    Status.WARN,
                    Severity.LOW,
                    f"HSTS without {' and '.join(missing)}: not preload-eligible (hstspreload.org)",
                )
            )
    if over_http:
        findings.append(
            Finding(
                Status.WARN,
                Severity.LOW,
                f"HSTS is also sent over plain http://{clean(host)}/, where browsers ignore it: "
                "send it on HTTPS responses only",
            )
        )
    return findings


def _is_apex(ctx: CheckContext, host: str) -> bool:
    apex = ctx.session.targets.apex.strip().rstrip(".").lower()
    return host == apex or (ctx.host is not None and ctx.host.role is HostRole.APEX)


def _pass_summary(parsed: Hsts) -> str:
    parts = [f"HSTS max-age={parsed.max_age} ({_days(parsed.max_age or 0)})"]
    if parsed.include_subdomains:
        parts.append("includeSubDomains")
    if parsed.preload:
        parts.append("preload")
    return ", ".join(parts)


def _days(seconds: int) -> str:
    days = seconds // DAY
    if days == 0:
        return f"{seconds} seconds"
    return "1 day" if days == 1 else f"{days} days"

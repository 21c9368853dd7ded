"""Redirect checks: where ``http://`` and ``https://`` of each hostname lead, and how.

``http.redirects`` (stage 1, per host) — redirect sanity. ``https://host/`` and ``http://host/``
are fetched following redirects, every hop recorded. A chain is judged on what a visitor and a
search engine live with:

=====================================================================  ======  ========
finding                                                                status  severity
=====================================================================  ======  ========
redirect loop, or more redirects than the client follows               fail    medium
a redirect leads to an error (4xx/5xx) or to a name that does not       fail    medium
answer
redirects end on plain ``http://``                                      fail    medium
more than one hop besides the ``http`` → ``https`` upgrade              warn    low
a host-level move (scheme or host changes) uses a temporary code        warn    low
=====================================================================  ======  ========

The first ``http://host/`` → ``https://host/`` hop does not count towards the hop limit: HSTS
preloading requires exactly that hop before any move to another host. A root that answers an
error without redirecting is not a redirect problem (``/`` of an API is often a 404); neither is
a temporary redirect from ``/`` to ``/login`` on the same host, which is correct for sign-in.

``http.https_forced`` (stage 3, per host) — plain HTTP must lead to HTTPS: an ``http://``
answer served as is fails (high); a chain that never reaches ``https://``, or an ``https://`` hop
that redirects back down to ``http://`` (a downgrade) fails (high); a first hop that stays on
plain HTTP before upgrading, or a port 80 that does not answer at all, is a warning (low).

``http.canonical_redirect`` (stage 3, session) — the apex and ``www.`` (over ``http`` and
``https``) must all end at the session's canonical URL: a variant that serves its own copy of the
site, ends elsewhere or breaks fails (medium); a ``www.``/apex variant that does not answer at all
is a warning (low), since visitors who type it get an error.

Hosts that do not answer at all (no address, nothing listening) are ``skipped``:
``dns.records`` and ``tls.certificate`` report those.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from urllib.parse import urlsplit

from launch_tui.checks.engine.context import CheckContext
from launch_tui.checks.engine.fetching import (
    PERMANENT_REDIRECTS,
    Answer,
    Finding,
    absent_reason,
    answer_evidence,
    fetch_https,
    fetch_roots,
    headed,
    host_of,
    host_url,
    is_redirect,
    no_http_result,
    outcome,
    target_host,
)
from launch_tui.checks.engine.registry import Registry
from launch_tui.core.model import CheckResult, JSONValue, Severity, Status
from launch_tui.core.playbook import AppliesTo
from launch_tui.core.sanitize import clean
from launch_tui.net import FailureKind, FetchResult

CHECKS = Registry()

#: Redirects a chain may make besides the first http → https upgrade.
MAX_HOPS = 1


@CHECKS.register(
    "http.redirects",
    stage="audit",
    title="Redirects arrive where they should",
    severity=Severity.MEDIUM,
    applies_to=AppliesTo.HOST,
)
async def redirects(ctx: CheckContext) -> CheckResult:
    """Follow ``https://host/`` and ``http://host/``; judge codes, hops, loops and endings."""
    if ctx.services.http is None:
        return no_http_result(ctx)
    host = target_host(ctx)
    roots = await fetch_roots(ctx, host)
    https, plain = roots.https.result, roots.http.result
    evidence: dict[str, JSONValue] = {
        "final_url": _final(https) or _final(plain),
        "https": answer_evidence(roots.https),
        "http": answer_evidence(roots.http),
    }
    gone = [absent_reason(r) for r in (https, plain)]
    if all(gone):
        return ctx.result(Status.SKIPPED, _nothing_answers(host, gone), evidence=evidence)
    answered = [r for r in (https, plain) if r.hops and r.hops[0].status is not None]
    if not answered:
        failure = https.failure or plain.failure
        message = failure.message if failure is not None else "no answer"
        return ctx.result(Status.ERROR, f"Could not check: {message}", evidence=evidence)

    findings: dict[str, Finding] = {}
    for result in answered:
        # http://host/ → https://host/ continues as the https chain: judge only its first hop,
        # or every finding of the https chain would be reported twice.
        first_only = (
            result is plain and any(r is https for r in answered) and _upgrades_to(plain, https.url)
        )
        for finding in _chain_findings(result, first_only=first_only):
            findings.setdefault(finding.summary, finding)
    summary = "; ".join(_describe_chain(r) for r in answered)
    return outcome(ctx, list(findings.values()), evidence, summary)


def _upgrades_to(result: FetchResult, url: str) -> bool:
    """True when ``result``'s first hop is a pure upgrade to ``url``."""
    moves = _moves(result)
    return bool(moves) and _pure_upgrade(moves[0][0], moves[0][1]) and moves[0][1] == url


def _chain_findings(result: FetchResult, *, first_only: bool = False) -> list[Finding]:
    if first_only:
        start, to, status = _moves(result)[0]
        return [_temporary(start, to, status)] if status not in PERMANENT_REDIRECTS else []
    findings: list[Finding] = []
    # A body cut short (capped or slow) says nothing about where the chain went.
    failure = None if headed(result) else result.failure
    if failure is not None and failure.kind in (
        FailureKind.REDIRECT_LOOP,
        FailureKind.TOO_MANY_REDIRECTS,
    ):
        findings.append(Finding(Status.FAIL, Severity.MEDIUM, failure.message))
        return findings
    moves = _moves(result)
    counted = [m for i, m in enumerate(moves) if not (i == 0 and _pure_upgrade(m[0], m[1]))]
    if failure is not None and moves:
        findings.append(
            Finding(
                Status.FAIL,
                Severity.MEDIUM,
                f"{clean(result.url)} redirects to {clean(moves[-1][1])}, which fails: "
                f"{failure.message}",
            )
        )
    elif moves and result.status is not None and result.status >= 400 and counted:
        findings.append(
            Finding(
                Status.FAIL,
                Severity.MEDIUM,
                f"{clean(result.url)} redirects to {clean(result.final_url)}, which answers "
                f"{result.status}",
            )
        )
    if moves and failure is None and _scheme(result.final_url) == "http":
        findings.append(
            Finding(
                Status.FAIL,
                Severity.MEDIUM,
                f"Redirects from {clean(result.url)} end on plain HTTP at "
                f"{clean(result.final_url)}",
            )
        )
    if len(counted) > MAX_HOPS:
        path = " → ".join(clean(u) for u in [result.url, *(to for _, to, _ in moves)])
        findings.append(
            Finding(
                Status.WARN,
                Severity.LOW,
                f"{len(moves)} redirects before the final page ({path}): make it one hop",
            )
        )
    findings += [
        _temporary(start, to, status)
        for start, to, status in moves
        if status not in PERMANENT_REDIRECTS and _host_level(start, to)
    ]
    return findings


def _temporary(start: str, to: str, status: int) -> Finding:
    return Finding(
        Status.WARN,
        Severity.LOW,
        f"{clean(start)} → {clean(to)} uses {status} (temporary): use 301 or 308 so browsers "
        "and search engines remember it",
    )


def _moves(result: FetchResult) -> list[tuple[str, str, int]]:
    """``(from, to, status)`` for each redirect that was followed."""
    hops = result.hops
    return [
        (hop.url, hops[i + 1].url, hop.status or 0)
        for i, hop in enumerate(hops[:-1])
        if is_redirect(hop.status)
    ]


def _describe_chain(result: FetchResult) -> str:
    moves = _moves(result)
    start = clean(result.url)
    if not moves:
        shown = result.status if result.status is not None else "no answer"
        return f"{start} answers {shown} without redirecting"
    codes = ", ".join(str(status) for _, _, status in moves)
    return f"{start} → {clean(result.final_url)} ({codes})"


def _nothing_answers(host: str, reasons: Sequence[str]) -> str:
    reason = next((r for r in reasons if r), "")
    return clean(f"Nothing answers for {host}: {reason}", max_len=300)


def _final(result: FetchResult) -> str:
    return result.final_url if result.status is not None else ""


def _scheme(url: str) -> str:
    try:
        return urlsplit(url).scheme.lower()
    except ValueError:
        return ""


def _pure_upgrade(start: str, to: str) -> bool:
    """``http://h/p`` → ``https://h/p``: the same resource, only the scheme upgraded."""
    try:
        a, b = urlsplit(start), urlsplit(to)
    except ValueError:
        return False
    return (
        a.scheme == "http"
        and b.scheme == "https"
        and (a.hostname or "") == (b.hostname or "")
        and (a.path or "/") == (b.path or "/")
        and a.query == b.query
    )


def _host_level(start: str, to: str) -> bool:
    """A move of scheme or host: the kind of rule that should be permanent."""
    try:
        a, b = urlsplit(start), urlsplit(to)
    except ValueError:
        return False
    return a.scheme != b.scheme or (a.hostname or "") != (b.hostname or "")


# --- http.https_forced ---------------------------------------------------------------------------


@CHECKS.register(
    "http.https_forced",
    stage="delivery",
    title="Plain HTTP redirects to HTTPS",
    severity=Severity.HIGH,
    applies_to=AppliesTo.HOST,
)
async def https_forced(ctx: CheckContext) -> CheckResult:
    """``http://host/`` must redirect to HTTPS, and no hop may go back down to HTTP."""
    if ctx.services.http is None:
        return no_http_result(ctx)
    host = target_host(ctx)
    roots = await fetch_roots(ctx, host)
    https, plain = roots.https.result, roots.http.result
    evidence: dict[str, JSONValue] = {
        "final_url": _final(plain),
        "http": answer_evidence(roots.http),
        "https": answer_evidence(roots.https),
    }
    gone = [absent_reason(r) for r in (https, plain)]
    if all(gone):
        return ctx.result(Status.SKIPPED, _nothing_answers(host, gone), evidence=evidence)

    findings: dict[str, Finding] = {}
    for finding in _plain_findings(host, plain, roots.https):
        findings.setdefault(finding.summary, finding)
    for result in (plain, https):
        for finding in _downgrades(result):
            findings.setdefault(finding.summary, finding)
    if not findings and plain.status is None and plain.failure is not None:
        return ctx.result(
            Status.ERROR, f"Could not check: {plain.failure.message}", evidence=evidence
        )
    moves = _moves(plain)
    summary = (
        f"{clean(plain.url)} redirects to {clean(moves[0][1])} ({moves[0][2]})"
        if moves
        else "http:// redirects to https://"
    )
    return outcome(ctx, list(findings.values()), evidence, summary)


def _plain_findings(host: str, plain: FetchResult, https: Answer) -> list[Finding]:
    first = plain.hops[0] if plain.hops else None
    if first is None or first.status is None:
        failure = plain.failure
        if failure is None or not https.headed:
            return []
        # Port 80 shut or silent: nothing insecure is served, but typing the bare name fails.
        if failure.kind in (
            FailureKind.CONNECT_REFUSED,
            FailureKind.CONNECT_TIMEOUT,
            FailureKind.PROTOCOL,
            FailureKind.DEADLINE,
        ):
            return [
                Finding(
                    Status.WARN,
                    Severity.LOW,
                    f"No answer over plain HTTP ({failure.message}): nothing is served "
                    f"insecurely, but visitors who type {clean(host)} without https:// see an "
                    "error; redirect it to https://",
                )
            ]
        return []
    if not is_redirect(first.status):
        return [
            Finding(
                Status.FAIL,
                Severity.HIGH,
                f"Plain http:// is served instead of redirected to https:// "
                f"({clean(first.url)} answers {first.status})",
            )
        ]
    urls = [hop.url for hop in plain.hops]
    if not any(_scheme(u) == "https" for u in urls):
        end = plain.failure.message if plain.failure is not None else clean(plain.final_url)
        return [
            Finding(
                Status.FAIL,
                Severity.HIGH,
                f"{clean(first.url)} redirects but never reaches https:// (ends at {end})",
            )
        ]
    if len(urls) > 1 and _scheme(urls[1]) == "http":
        return [
            Finding(
                Status.WARN,
                Severity.LOW,
                f"{clean(urls[0])} first redirects to {clean(urls[1])}, still plain HTTP, "
                "before reaching https://: redirect straight to https://",
            )
        ]
    return []


def _downgrades(result: FetchResult) -> list[Finding]:
    hops = result.hops
    return [
        Finding(
            Status.FAIL,
            Severity.HIGH,
            f"Downgrade: {clean(hop.url)} redirects to plain {clean(hops[i + 1].url)}",
        )
        for i, hop in enumerate(hops[:-1])
        if _scheme(hop.url) == "https" and _scheme(hops[i + 1].url) == "http"
    ]


# --- http.canonical_redirect ---------------------------------------------------------------------


@CHECKS.register(
    "http.canonical_redirect",
    stage="delivery",
    title="Apex and www lead to one canonical URL",
    severity=Severity.MEDIUM,
    applies_to=AppliesTo.SESSION,
)
async def canonical_redirect(ctx: CheckContext) -> CheckResult:
    """The apex and ``www.`` over http and https all end at the canonical URL."""
    if ctx.services.http is None:
        return no_http_result(ctx)
    canonical = ctx.session.targets.canonical_url.strip()
    canonical_host = host_of(canonical)
    if not canonical or not canonical_host:
        return ctx.result(
            Status.SKIPPED,
            "No canonical URL in the session's targets: set one (e.g. https://www.example.com/)",
        )
    hosts = _variant_hosts(ctx.session.targets.apex, canonical_host)
    urls = [host_url(scheme, h) for h in hosts for scheme in ("https", "http")]
    answers = await asyncio.gather(*(fetch_https(ctx, url) for url in urls))
    by_url = dict(zip(urls, answers, strict=True))

    findings: list[Finding] = []
    variants: list[JSONValue] = []
    for host in hosts:
        secure, plain = by_url[host_url("https", host)], by_url[host_url("http", host)]
        variants += [answer_evidence(secure), answer_evidence(plain)]
        gone = [absent_reason(a.result) for a in (secure, plain)]
        if all(gone):
            if host == canonical_host:
                findings.append(
                    Finding(
                        Status.FAIL,
                        Severity.MEDIUM,
                        f"The canonical host does not answer: {_first(gone)}",
                    )
                )
            else:
                findings.append(
                    Finding(
                        Status.WARN,
                        Severity.LOW,
                        f"{clean(host)} does not answer ({_first(gone)}): visitors who type it "
                        f"get an error; point it at {clean(canonical)}",
                    )
                )
            continue
        for answer, reason in zip((secure, plain), gone, strict=True):
            if reason:
                continue  # one scheme missing is http.https_forced's business
            finding = _arrival(answer.result, canonical)
            if finding is not None:
                findings.append(finding)
    evidence: dict[str, JSONValue] = {
        "canonical_url": canonical,
        "final_url": canonical,
        "variants": variants,
    }
    summary = f"All {len(urls)} variants ({', '.join(clean(h) for h in hosts)}; http and https) "
    summary += f"reach {clean(canonical)}"
    return outcome(ctx, findings, evidence, summary)


def _variant_hosts(apex: str, canonical_host: str) -> list[str]:
    apex = apex.strip().rstrip(".").lower()
    if not apex:
        apex = canonical_host.removeprefix("www.")
    hosts = [apex, f"www.{apex}", canonical_host]
    return list(dict.fromkeys(hosts))


def _arrival(result: FetchResult, canonical: str) -> Finding | None:
    start = clean(result.url)
    if result.status is None or result.failure is not None:
        message = result.failure.message if result.failure is not None else "no answer"
        return Finding(
            Status.FAIL, Severity.MEDIUM, f"{start} does not reach {clean(canonical)}: {message}"
        )
    if not _same_place(result.final_url, canonical):
        if result.redirects == 0:
            what = f"serves its own page ({result.status}) instead of redirecting"
        else:
            what = f"ends at {clean(result.final_url)} ({result.status})"
        return Finding(
            Status.FAIL, Severity.MEDIUM, f"{start} {what}: send it to {clean(canonical)}"
        )
    if result.status >= 400:
        verb = "answers" if result.redirects == 0 else f"reaches {clean(canonical)}, which answers"
        return Finding(Status.FAIL, Severity.MEDIUM, f"{start} {verb} {result.status}")
    return None


def _same_place(url: str, canonical: str) -> bool:
    """Same scheme, host and port, and a path within the canonical one."""
    try:
        a, b = urlsplit(url), urlsplit(canonical)
        ports = (a.port, b.port)
    except ValueError:
        return False
    base = b.path or "/"
    return (
        a.scheme == b.scheme
        and (a.hostname or "") == (b.hostname or "")
        and ports[0] == ports[1]
        and (a.path or "/").startswith(base)
    )


def _first(reasons: Sequence[str]) -> str:
    return next((r for r in reasons if r), "")

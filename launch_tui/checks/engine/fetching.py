"""Shared plumbing of the HTTP checks: fetching within the check's budget, and reading answers.

The HTTP checks (``redirects``, ``hsts``, ``cookies``, ``headers``, ``access``, ``edge``) run
concurrently and independently: each check fetches what it needs through these helpers and the
answers are plain values. Plain ``GET``/``HEAD`` requests are shared by the checks of one run
(``checks/engine/request_cache.py``): the first check to ask sends it, the others await the same
answer.

Budget: a check's network work shares one deadline, ``services.deadline_s`` from the moment the
check started, however many requests it makes in a row (a fallback after a TLS failure, a
probe after the edge's answer). Each fetch gets the time that is left as its total deadline, so
a check never overruns the network deadline by more than a scheduling slip.

Certificates: a host whose certificate does not verify (incomplete chain, expired, self-signed)
still has headers, cookies and redirects worth judging — browsers repair incomplete chains, and
``tls.certificate`` owns the certificate finding. :func:`fetch_https` therefore retries a TLS
failure without verification and says so (:attr:`Answer.verified`).

The retry (and the origin probes of ``edge.origin_exposed``) need a client like the run's but
with another SSL context or another address for one name: ``HttpClient.kept_variant`` gives
one that keeps the run's configuration, command-line ``--resolve`` entries included, the same
one for every such fetch of the run, so they share its connections and TLS sessions.
"""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from launch_tui.checks.engine.context import CheckContext
from launch_tui.checks.engine.findings import Finding, combine, outcome
from launch_tui.checks.engine.request_cache import request_cache, shareable
from launch_tui.core.errors import LaunchError
from launch_tui.core.model import (
    CheckResult,
    HostRole,
    JSONValue,
    Route,
    Status,
)
from launch_tui.core.sanitize import clean
from launch_tui.net import (
    DnsFailureKind,
    FailureKind,
    FetchResult,
    NetConfig,
    NetFailure,
    NetLimits,
    Phase,
    ResolveOverride,
    net_config,
)

__all__ = [
    "Answer",
    "Finding",
    "Roots",
    "absent_reason",
    "answer_evidence",
    "combine",
    "fetch",
    "fetch_evidence",
    "fetch_https",
    "fetch_roots",
    "fetch_via",
    "headed",
    "hops_evidence",
    "host_get_routes",
    "host_of",
    "host_url",
    "is_redirect",
    "is_staging",
    "limits_for",
    "no_http_result",
    "outcome",
    "run_config",
    "target_host",
    "title_of",
    "unanswered",
    "unanswered_verdict",
]

#: The least time a fetch is given, so a late request fails fast instead of being refused.
MIN_FETCH_S = 0.05
#: How long past its own deadline a check waits on a fetch another check started: the fetch's
#: deadline is enforced by the client, this only covers the scheduling between the two.
_JOIN_SLACK_S = 0.05
#: Body bytes read when only the response head matters: a huge body ends the fetch early.
#: Only for requests sent for one check alone: a shared plain request is read whole, so that
#: the checks that read only its head and those that read its body share one request (a
#: demo audit sent 165 requests with the cap in the shared key, 142 without).
HEAD_BODY_CAP = 64 * 1024
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})

Headers = Mapping[str, str] | Iterable[tuple[str, str]] | None


def no_http_result(ctx: CheckContext) -> CheckResult:
    """The ``error`` result of a check run without an HTTP client."""
    return ctx.result(
        Status.ERROR,
        "No HTTP client is configured for this run",
        evidence={"failure": "no-http-client"},
    )


# --- fetching within the budget ----------------------------------------------------------------


def limits_for(ctx: CheckContext, *, head_only: bool = False) -> NetLimits:
    """The HTTP client's limits with the total deadline cut to what is left of the budget.

    ``head_only`` also caps the body at :data:`HEAD_BODY_CAP`, for checks that read headers.
    """
    http = ctx.services.http
    base = http.limits if http is not None else NetLimits.from_timeout(ctx.services.deadline_s)
    left = ctx.services.deadline_s - (ctx.monotonic() - ctx.started)
    # Rounded so messages read "within 0.78 seconds", not a float's every digit.
    total = round(max(MIN_FETCH_S, min(base.total_deadline, left)), 2)
    return replace(
        base,
        total_deadline=total,
        connect_timeout=min(base.connect_timeout, total),
        dns_timeout=min(base.dns_timeout, total),
        dns_lifetime=min(base.dns_lifetime, total),
        max_body_bytes=min(base.max_body_bytes, HEAD_BODY_CAP)
        if head_only
        else base.max_body_bytes,
    )


async def fetch(
    ctx: CheckContext,
    url: str,
    method: str = "GET",
    *,
    follow: bool = True,
    headers: Headers = None,
    body: bytes | None = None,
    head_only: bool = False,
) -> FetchResult:
    """Fetch through the run's HTTP client within the check's remaining budget.

    ``head_only`` caps the body at :data:`HEAD_BODY_CAP` when the request is sent for this
    check alone; a plain request shared by the run's checks is read whole, the cap or not.
    The caller has made sure ``ctx.services.http`` is set (:func:`no_http_result` otherwise).
    """
    http = ctx.services.http
    assert http is not None
    limits = limits_for(ctx, head_only=head_only)
    if not shareable(method, headers, body):
        return await http.fetch(url, method, headers, follow=follow, body=body, limits=limits)
    # Shared, so read whole (see HEAD_BODY_CAP): a head-only caller joins the full fetch, and
    # one not following redirects takes the followed fetch's first answer.
    return await request_cache(ctx).plain(
        method,
        url,
        # Sized when sent: a retry after someone else's deadline gets the time left then.
        lambda followed, first_answer: http.fetch(
            url, method, follow=followed, limits=limits_for(ctx), first_answer=first_answer
        ),
        follow=follow,
        within=limits.total_deadline + _JOIN_SLACK_S,
    )


async def fetch_via(
    ctx: CheckContext,
    url: str,
    method: str = "GET",
    *,
    verify: bool,
    connect_to: tuple[str, int | None] | None = None,
    follow: bool = True,
    headers: Headers = None,
    body: bytes | None = None,
    head_only: bool = False,
) -> FetchResult:
    """Fetch with another client than the run's: without certificate verification
    (``verify=False``) and/or connecting to ``connect_to`` (``(ip, port)``; ``None`` port keeps
    the URL's). It is the variant the run's client keeps for that setting
    (``HttpClient.kept_variant``), shared by every such fetch of the run.

    The URL keeps its host name, so SNI and the Host header name the host being checked while
    the connection goes where we choose: this is how an origin is probed around the edge.
    """
    http = ctx.services.http
    if http is None:
        return _failed(url, method, FailureKind.ERROR, "No HTTP client for this run")
    limits = limits_for(ctx, head_only=head_only)
    overrides: tuple[ResolveOverride, ...] | None = None
    if connect_to is not None:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port or (443 if parts.scheme == "https" else 80)
        ip, ip_port = connect_to
        # host_port makes this override win over any session entry for the same name.
        overrides = (ResolveOverride(host=host, ip=ip, port=ip_port, host_port=port),)

    shared = shareable(method, headers, body)

    async def send() -> FetchResult:
        # The run's client keeps one such client per (verify, override): every retry without
        # verification, and every probe of one origin address, shares its connections and TLS
        # sessions (a demo audit made 33 clients, each paying a full handshake).
        client = http.kept_variant(verify=verify, overrides=overrides)
        # Sized when sent: a retry after someone else's deadline gets the time left then.
        # Shared, so read whole (see HEAD_BODY_CAP).
        sized = limits_for(ctx, head_only=head_only and not shared)
        return await client.fetch(url, method, headers, follow=follow, body=body, limits=sized)

    if not shared:
        return await send()
    return await request_cache(ctx).fetch(
        ("via", method.upper(), url, follow, verify, connect_to),
        send,
        url=url,
        method=method,
        within=limits.total_deadline + _JOIN_SLACK_S,
    )


def run_config(ctx: CheckContext) -> NetConfig | None:
    """The network configuration this run's HTTP client was built with (overrides included).

    Read from the client because command-line overrides never reach the session; ``None`` when
    neither the client nor the session's settings give a valid one.
    """
    if ctx.services.http is not None:
        return ctx.services.http.config
    try:
        return net_config(ctx.session.network)
    except LaunchError:
        return None


@dataclass(frozen=True)
class Answer:
    """An HTTPS fetch, possibly read without certificate verification."""

    result: FetchResult
    verified: bool = True
    """False when the certificate did not verify and the answer was read without verifying."""
    tls_failure: NetFailure | None = None
    """The verifying attempt's TLS failure, when there was one."""

    @property
    def ok(self) -> bool:
        """True when a whole response arrived (whatever its status)."""
        return self.result.status is not None and self.result.failure is None

    @property
    def headed(self) -> bool:
        """True when the response head arrived (see :func:`headed`)."""
        return headed(self.result)


def headed(result: FetchResult) -> bool:
    """True when the last response's status and headers arrived, even if its body did not.

    Header checks can judge such an answer: a slow or oversized body does not change them.
    """
    failure = result.failure
    return result.status is not None and (failure is None or failure.phase is Phase.BODY)


async def fetch_https(
    ctx: CheckContext,
    url: str,
    method: str = "GET",
    *,
    follow: bool = True,
    headers: Headers = None,
    body: bytes | None = None,
    head_only: bool = False,
) -> Answer:
    """Fetch ``url``; when TLS fails, try again without verifying the certificate.

    Works for ``http://`` URLs too: their redirects to ``https://`` can meet the same failure.
    """
    first = await fetch(
        ctx, url, method, follow=follow, headers=headers, body=body, head_only=head_only
    )
    if first.failure is None or first.failure.kind is not FailureKind.TLS:
        return Answer(first)
    second = await fetch_via(
        ctx,
        url,
        method,
        verify=False,
        follow=follow,
        headers=headers,
        body=body,
        head_only=head_only,
    )
    if headed(second):
        return Answer(second, verified=False, tls_failure=first.failure)
    return Answer(first, tls_failure=first.failure)


@dataclass(frozen=True)
class Roots:
    """A host's ``https://host/`` and ``http://host/``, fetched side by side."""

    https: Answer
    http: Answer
    """Also an :class:`Answer`: its redirect to ``https://`` may meet the same certificate."""


async def fetch_roots(
    ctx: CheckContext, host: str, *, follow: bool = True, head_only: bool = True
) -> Roots:
    """Fetch ``https://host/`` and ``http://host/`` concurrently (see :func:`fetch_https`)."""
    https, plain = await asyncio.gather(
        fetch_https(ctx, host_url("https", host), follow=follow, head_only=head_only),
        fetch_https(ctx, host_url("http", host), follow=follow, head_only=head_only),
    )
    return Roots(https=https, http=plain)


def _failed(url: str, method: str, kind: FailureKind, message: str) -> FetchResult:
    return FetchResult(
        url=url,
        method=method,
        final_url=url,
        status=None,
        failure=NetFailure(kind=kind, phase=Phase.URL, message=clean(message), elapsed_ms=0.0),
    )


# --- reading answers ---------------------------------------------------------------------------


def host_url(scheme: str, host: str, path: str = "/") -> str:
    """``scheme://host/path`` (IPv6 literals bracketed)."""
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}{path}"


def target_host(ctx: CheckContext) -> str:
    """The host being checked, lower case, without a trailing dot."""
    return ctx.target.strip().rstrip(".").lower()


def host_of(url: str) -> str:
    """The lower-case host name of ``url``; ``""`` when it has none."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def is_redirect(status: int | None) -> bool:
    """True for the statuses a client follows (301, 302, 303, 307, 308)."""
    return status in REDIRECT_STATUSES


def is_staging(ctx: CheckContext, host: str | None = None) -> bool:
    """True for the staging host (by role, or named by the session's staging URL)."""
    name = (host if host is not None else ctx.target).lower()
    if host is None and ctx.host is not None and ctx.host.role is HostRole.STAGING:
        return True
    if any(h.name == name and h.role is HostRole.STAGING for h in ctx.session.targets.hosts):
        return True
    staging = ctx.session.targets.staging_url
    return bool(staging) and host_of(staging) == name


def absent_reason(result: FetchResult) -> str:
    """Why nothing answered when the host is simply not there; ``""`` for any other outcome.

    "Not there" is a name without an address (``dns.records`` reports it) or a refused
    connection (nothing listens). Timeouts and TLS failures are not absence.
    """
    failure = result.failure
    if failure is None:
        return ""
    if failure.kind is FailureKind.DNS:
        dns = failure.dns
        if dns is not None and (dns.is_negative or dns.kind is DnsFailureKind.LOOP):
            return f"{clean(host_of(result.url))} has no address ({dns.kind.value})"
        return ""
    if failure.kind is FailureKind.CONNECT_REFUSED:
        return failure.message
    return ""


def unanswered_verdict(result: FetchResult) -> tuple[Status, str]:
    """For a fetch that got no response head: ``skipped`` when nothing is there
    (:func:`absent_reason`), else ``error`` with the failure's message."""
    gone = absent_reason(result)
    if gone:
        return Status.SKIPPED, f"Nothing answers: {gone}"
    message = result.failure.message if result.failure is not None else "no answer"
    return Status.ERROR, f"Could not check: {message}"


def unanswered(
    ctx: CheckContext, result: FetchResult, evidence: dict[str, JSONValue]
) -> CheckResult:
    """The check's result when its fetch got no response head (:func:`unanswered_verdict`)."""
    status, summary = unanswered_verdict(result)
    return ctx.result(status, summary, evidence=evidence)


def hops_evidence(result: FetchResult) -> list[JSONValue]:
    """Each hop as ``{url, status, location}``, in order (raw values; outputs sanitize)."""
    hops: list[JSONValue] = []
    for hop in result.hops:
        entry: dict[str, JSONValue] = {"url": hop.url, "status": hop.status}
        if hop.location is not None:
            entry["location"] = hop.location
        hops.append(entry)
    return hops


def fetch_evidence(result: FetchResult) -> dict[str, JSONValue]:
    """What a person needs to repeat a fetch: URL, final URL, status, hops, failure."""
    evidence: dict[str, JSONValue] = {"url": result.url, "status": result.status}
    if result.final_url != result.url:
        evidence["final_url"] = result.final_url
    if result.hops:
        evidence["hops"] = hops_evidence(result)
    if result.remote:
        evidence["remote"] = result.remote
    if result.failure is not None:
        evidence["failure"] = result.failure.kind.value
        evidence["message"] = result.failure.message
    return evidence


def answer_evidence(answer: Answer) -> dict[str, JSONValue]:
    """:func:`fetch_evidence` plus whether the certificate verified."""
    evidence = fetch_evidence(answer.result)
    if not answer.verified:
        evidence["certificate_verified"] = False
        if answer.tls_failure is not None:
            evidence["tls_failure"] = answer.tls_failure.message
    return evidence


_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)


def title_of(text: str) -> str:
    """The page's ``<title>``, entities decoded and whitespace collapsed; ``""`` if none.

    Unsanitized: clean it before showing it.
    """
    match = _TITLE.search(text[:200_000])
    if match is None:
        return ""
    return " ".join(html.unescape(match.group(1)).split())


def host_get_routes(routes: Iterable[Route], host: str) -> list[Route]:
    """The session's GET routes on ``host``, in session order."""
    return [r for r in routes if host_of(r.url) == host and r.method.upper() == "GET"]

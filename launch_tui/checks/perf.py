"""Request-path checks: how fast each route answers, and what it costs a browser to load it.

``perf.first_response`` (stage 1) times each route's first request; ``perf.latency`` samples it
(``checks/latency.py``: p50/p95/p99 against the seed's bar, reads 500 ms, writes and sign-in
800 ms, or the route's own budget); ``perf.slowest`` ranks the five slowest by p95 with their
share of the budget; ``http.caching`` reads the cache headers of public pages and asks twice to
see a cache hit; ``perf.page_weight`` weighs the page (compression, scripts, third parties by
registrable domain, render-blocking scripts in ``<head>``); ``perf.server_timing`` shows the
Server-Timing breakdown when a route sends one.

Every route is fetched once and sampled once per run, shared by these checks
(``checks/route_probes.py``). Writes, sign-in and webhooks are only sent when the session marks
them safe to repeat; otherwise the result is ``skipped`` and says so.

Latency verdicts: ``fail`` over budget, ``warn`` within 10 % of it, ``pass`` below that; ``fail``
also when 5 % or more of the requests failed. When the sampler flags the run as client-bound and
the client's lag could move p95 across a threshold, the result is ``error``: the numbers describe
this machine, not the server.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from launch_tui.checks.context import CheckContext
from launch_tui.checks.latency import SampleRun
from launch_tui.checks.page_scan import PageScan, scan_page
from launch_tui.checks.public_suffix import registrable_domain
from launch_tui.checks.registry import Registry
from launch_tui.checks.response_facts import (
    cache_facts,
    caching_verdict,
    header_text,
    parse_server_timing,
)
from launch_tui.checks.route_probes import (
    RouteProbes,
    SampleFailure,
    budget_label,
    budget_ms,
    not_repeatable_reason,
    probes_for,
    repeatable,
    time_left,
)
from launch_tui.core.model import CheckResult, JSONValue, Route, RouteKind, Severity, Status
from launch_tui.core.playbook import AppliesTo
from launch_tui.core.sanitize import clean
from launch_tui.net import FailureKind, FetchResult

__all__ = ["CHECKS", "LatencyVerdict", "fmt_ms", "latency_evidence", "latency_verdict"]

CHECKS = Registry()

#: p95 above this share of the budget is a warning. 90 %, not 80 %: with 30 requests, p95 moves
#: by about a tenth from run to run, so a wider band would warn on noise (the demo world's
#: sign-in route, p95 about 610-660 ms against 800 ms, is meant to pass).
WARN_SHARE = 0.9
#: Failed requests at or above this share fail the latency check.
ERROR_RATE_FAIL = 0.05
#: Fewest successful requests a latency verdict rests on.
MIN_SAMPLES = 5
#: Slowest routes ranked by ``perf.slowest``.
SLOWEST = 5
#: How long past its own deadline ``perf.slowest`` waits for route samples, as a share of it.
_SLOWEST_GRACE = 0.25

#: Text responses smaller than this are not worth compressing.
COMPRESS_MIN_BYTES = 10 * 1024
PAGE_WARN_BYTES = 1024 * 1024
PAGE_FAIL_BYTES = 4 * 1024 * 1024
SCRIPTS_WARN_BYTES = 1024 * 1024
THIRD_PARTY_WARN = 3
#: Scripts fetched to weigh them; the rest are counted, not weighed.
MAX_WEIGHED_SCRIPTS = 12
#: Decoded HTML parsed for scripts.
_HTML_CAP = 2 * 1024 * 1024
#: Seconds a check needs left to make a second request for the cache-hit test.
_MIN_SECOND_S = 0.3

_VALUE_CAP = 300
_COMPRESSIBLE = re.compile(
    r"^(text/|application/(json|javascript|ecmascript|xml|x-javascript)|image/svg\+xml"
    r"|application/[\w.+-]+\+(json|xml))",
    re.IGNORECASE,
)


# --- helpers shared by the route checks -------------------------------------------------------


def _route(ctx: CheckContext) -> Route:
    route = ctx.route
    if route is None:  # the runner always passes one for route checks
        raise ValueError(f"{ctx.check.id} ran without a route")
    return route


async def _probes_or_result(ctx: CheckContext) -> RouteProbes | CheckResult:
    """The run's probes, or the result to return instead (not repeatable, no client)."""
    route = _route(ctx)
    if not repeatable(route):
        return ctx.result(
            Status.SKIPPED,
            not_repeatable_reason(route),
            evidence={"kind": route.kind.value, "method": route.method.upper()},
        )
    probes = probes_for(ctx)
    if probes is None:
        return ctx.result(
            Status.ERROR,
            "No HTTP client is configured for this run",
            evidence={"failure": "no-http-client"},
        )
    return probes


def _fetch_error(ctx: CheckContext, route: Route, fetched: FetchResult) -> CheckResult:
    failure = fetched.failure
    assert failure is not None
    return ctx.result(
        Status.ERROR,
        f"{route.name}: {failure.message}",
        evidence={
            "failure": failure.kind.value,
            "phase": failure.phase.value,
            "elapsed_ms": round(failure.elapsed_ms, 1),
        },
    )


def fmt_ms(ms: float) -> str:
    """``4.2 ms``, ``142 ms``, ``1.40 s``."""
    if ms >= 1000:
        return f"{ms / 1000:.2f} s"
    if ms >= 10:
        return f"{ms:.0f} ms"
    return f"{ms:.1f} ms"


# --- perf.first_response ----------------------------------------------------------------------


@CHECKS.register(
    "perf.first_response",
    stage="audit",
    title="First response time of key routes",
    severity=Severity.MEDIUM,
    applies_to=AppliesTo.ROUTE,
)
async def first_response(ctx: CheckContext) -> CheckResult:
    """One request to the route: how long the answer took, and where the time went."""
    probes = await _probes_or_result(ctx)
    if isinstance(probes, CheckResult):
        return probes
    route = _route(ctx)
    first = await probes.first(route, time_left(ctx))
    fetched = first.result
    if not fetched.hops or fetched.hops[0].status is None:
        return _fetch_error(ctx, route, fetched)
    hop = fetched.hops[0]
    timing = hop.timing if fetched.redirects else fetched.timing
    setup = sum(t or 0.0 for t in (timing.dns_ms, timing.connect_ms, timing.tls_ms))
    # Judged on time to first byte, from sending the request: connection setup and reading the
    # body say more about this machine's network and load than about the server.
    ms = timing.ttfb_ms if timing.ttfb_ms is not None else hop.elapsed_ms - setup
    budget = budget_ms(route)
    evidence: dict[str, JSONValue] = {
        "ms": round(ms, 1),
        "ttfb_ms": _round(timing.ttfb_ms),
        "total_ms": round(timing.total_ms or hop.elapsed_ms, 1),
        "dns_ms": _round(timing.dns_ms),
        "connect_ms": _round(timing.connect_ms),
        "tls_ms": _round(timing.tls_ms),
        "status": hop.status,
        "expect_status": route.expect_status,
        "http_version": clean(hop.http_version, max_len=20),
        "remote": clean(hop.remote, max_len=60),
        "redirects": fetched.redirects,
        "certificate_verified": first.verified,
        "failure": fetched.failure.kind.value if fetched.failure is not None else None,
        "budget_ms": budget,
    }
    extra = [f"{fmt_ms(setup)} to connect first"] if setup else []
    if not first.verified:
        extra.append("certificate not verified, see tls.certificate")
    detail = f" ({'; '.join(extra)})" if extra else ""
    answered = f"First byte of {hop.status} after {fmt_ms(ms)}{detail}"
    if ms > budget:
        return ctx.result(
            Status.WARN,
            f"{answered}: over {budget_label(route)} on the first request; "
            "perf.latency samples it properly",
            evidence=evidence,
        )
    return ctx.result(Status.PASS, answered, evidence=evidence)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


# --- perf.latency ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LatencyVerdict:
    """What a latency sample means against a budget."""

    status: Status
    summary: str
    severity: Severity | None = None
    """``None``: the check's declared severity."""


def _band(ms: float, budget: float) -> int:
    return 2 if ms > budget else 1 if ms > WARN_SHARE * budget else 0


def latency_verdict(run: SampleRun, route: Route) -> LatencyVerdict:
    """Judge ``run`` against ``route``'s budget (see the module docstring). Pure."""
    s = run.summary
    budget = budget_ms(route)
    label = budget_label(route)
    failed = run.errors
    failures = ", ".join(f"{reason} x{n}" for reason, n in sorted(run.failures.items()))
    if s.p95_ms is None or s.p50_ms is None or s.p99_ms is None:
        return LatencyVerdict(
            Status.ERROR, f"No request to {route.name} succeeded ({failures or 'none sent'})"
        )
    stats = f"p50 {fmt_ms(s.p50_ms)}, p99 {fmt_ms(s.p99_ms)}, {s.count} requests"
    if run.sent and run.error_rate >= ERROR_RATE_FAIL:
        return LatencyVerdict(
            Status.FAIL,
            f"{failed} of {run.sent} requests failed ({failures}); p95 {fmt_ms(s.p95_ms)}",
        )
    if s.count < MIN_SAMPLES:
        return LatencyVerdict(
            Status.ERROR,
            f"Only {s.count} requests answered within the time budget (p95 {fmt_ms(s.p95_ms)}); "
            "too few to judge",
        )
    share = s.p95_ms / budget
    band = _band(s.p95_ms, budget)
    caveat = ""
    if run.client_bound:
        # Client lag only ever adds to a measurement; discount it and see if the band holds.
        margin = run.loop_lag_p95_ms + run.send_lag_p95_ms
        if _band(max(0.0, s.p95_ms - margin), budget) != band:
            return LatencyVerdict(
                Status.ERROR,
                f"Not measured fairly: this client was the bottleneck "
                f"({'; '.join(run.client_bound_reasons)}); p95 {fmt_ms(s.p95_ms)} against "
                f"{label} is within its error. Re-run with fewer checks at once",
            )
        caveat = f"; the client was busy (figures high by up to {fmt_ms(margin)})"
    pct = f"{share:.0%}"
    if band == 2:
        return LatencyVerdict(
            Status.FAIL, f"p95 {fmt_ms(s.p95_ms)}, over {label} ({pct}); {stats}{caveat}"
        )
    if band == 1:
        return LatencyVerdict(
            Status.WARN,
            f"p95 {fmt_ms(s.p95_ms)}, close to {label} ({pct}); {stats}{caveat}",
            Severity.MEDIUM,
        )
    if failed:
        return LatencyVerdict(
            Status.WARN,
            f"{failed} of {run.sent} requests failed ({failures}); p95 {fmt_ms(s.p95_ms)}, "
            f"within {label}",
            Severity.MEDIUM,
        )
    return LatencyVerdict(
        Status.PASS, f"p95 {fmt_ms(s.p95_ms)}, within {label} ({pct}); {stats}{caveat}"
    )


def latency_evidence(run: SampleRun, route: Route) -> dict[str, JSONValue]:
    """The run's evidence plus the route's budget, its share, kind and method."""
    evidence = run.evidence()
    budget = budget_ms(route)
    p95 = run.summary.p95_ms
    evidence.update(
        {
            "budget_ms": budget,
            "budget_share_pct": None if p95 is None else round(p95 / budget * 100, 1),
            "kind": route.kind.value,
            "method": route.method.upper(),
        }
    )
    return evidence


@CHECKS.register(
    "perf.latency",
    stage="request-path",
    title="p95 latency within budget",
    severity=Severity.HIGH,
    applies_to=AppliesTo.ROUTE,
)
async def latency(ctx: CheckContext) -> CheckResult:
    """Sample the route (30 requests, 5 at a time) and judge p95 against its budget."""
    probes = await _probes_or_result(ctx)
    if isinstance(probes, CheckResult):
        return probes
    route = _route(ctx)
    outcome = await probes.sample(route, time_left(ctx))
    if isinstance(outcome, SampleFailure):
        return ctx.result(Status.ERROR, outcome.message, evidence=outcome.evidence)
    verdict = latency_verdict(outcome, route)
    return ctx.result(
        verdict.status,
        verdict.summary,
        evidence=latency_evidence(outcome, route),
        severity=verdict.severity,
    )


# --- perf.slowest ---------------------------------------------------------------------------


@CHECKS.register(
    "perf.slowest",
    stage="request-path",
    title="Five slowest routes ranked",
    severity=Severity.MEDIUM,
    applies_to=AppliesTo.SESSION,
)
async def slowest(ctx: CheckContext) -> CheckResult:
    """Rank the sampled routes by p95, with each one's share of its budget."""
    routes = tuple(r for r in ctx.session.targets.routes if repeatable(r))
    not_sampled: list[JSONValue] = [r.name for r in ctx.session.targets.routes if not repeatable(r)]
    if not routes:
        return ctx.result(
            Status.SKIPPED,
            "No route can be sampled: add read routes, or mark writes safe to repeat",
            evidence={"not_sampled": not_sampled},
        )
    probes = probes_for(ctx)
    if probes is None:
        return ctx.result(
            Status.ERROR,
            "No HTTP client is configured for this run",
            evidence={"failure": "no-http-client"},
        )
    left = time_left(ctx)
    waits = [asyncio.ensure_future(probes.sample(r, left)) for r in routes]
    # Samples that route checks started run on their clocks, which may have started a moment
    # after ours: wait a little past our own deadline, then rank what is ready.
    grace = _SLOWEST_GRACE * ctx.services.deadline_s
    _, pending = await asyncio.wait(waits, timeout=max(0.0, time_left(ctx) + grace))
    for wait in pending:
        wait.cancel()  # the shared sample itself is shielded and goes on for its own check
    await asyncio.gather(*pending, return_exceptions=True)
    ranked: list[tuple[float, Route, SampleRun]] = []
    failed: list[JSONValue] = []
    late: list[JSONValue] = []
    for route, wait in zip(routes, waits, strict=True):
        outcome = None if wait in pending else wait.result()
        if isinstance(outcome, SampleRun) and outcome.summary.p95_ms is not None:
            ranked.append((outcome.summary.p95_ms, route, outcome))
        else:
            (late if wait in pending else failed).append(route.name)
    if not ranked:
        why = f"{len(failed)} could not be sampled" + (
            f", {len(late)} were still sampling at the deadline" if late else ""
        )
        return ctx.result(
            Status.ERROR,
            f"None of the {len(routes)} routes could be ranked: {why}",
            evidence={"failed": failed, "late": late, "not_sampled": not_sampled},
        )
    ranked.sort(key=lambda item: (-item[0], item[1].name))
    table: list[JSONValue] = []
    for p95, route, run in ranked[:SLOWEST]:
        budget = budget_ms(route)
        table.append(
            {
                "route": route.name,
                "kind": route.kind.value,
                # Rounded as perf.latency's evidence is, so the two agree to the digit.
                "p50_ms": run.evidence()["p50_ms"],
                "p95_ms": run.evidence()["p95_ms"],
                "p99_ms": run.evidence()["p99_ms"],
                "budget_ms": budget,
                "budget_share_pct": round(p95 / budget * 100, 1),
                "over_budget": p95 > budget,
                "samples": run.summary.count,
                "client_bound": run.client_bound,
            }
        )
    listed = ", ".join(
        f"{route.name} {fmt_ms(p95)} ({p95 / budget_ms(route):.0%})"
        for p95, route, _ in ranked[:SLOWEST]
    )
    over = sum(1 for p95, route, _ in ranked if p95 > budget_ms(route))
    tail = f"; {over} over budget" if over else ""
    return ctx.result(
        Status.PASS,
        f"Slowest by p95 (share of budget): {listed}{tail}",
        evidence={
            "routes": table,
            "sampled": len(ranked),
            "over_budget": over,
            "failed": failed,
            "late": late,
            "not_sampled": not_sampled,
        },
    )


# --- perf.server_timing ---------------------------------------------------------------------


@CHECKS.register(
    "perf.server_timing",
    stage="request-path",
    title="Server-Timing breakdown",
    severity=Severity.INFO,
    applies_to=AppliesTo.ROUTE,
)
async def server_timing(ctx: CheckContext) -> CheckResult:
    """Show the route's Server-Timing entries when it sends any (optional, never a failure)."""
    probes = await _probes_or_result(ctx)
    if isinstance(probes, CheckResult):
        return probes
    route = _route(ctx)
    fetched = (await probes.first(route, time_left(ctx))).result
    if fetched.status is None:
        return _fetch_error(ctx, route, fetched)
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
        f"{e['name']} {fmt_ms(e['dur_ms'])}" if isinstance(e["dur_ms"], float) else str(e["name"])
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


# --- http.caching ---------------------------------------------------------------------------


@CHECKS.register(
    "http.caching",
    stage="request-path",
    title="Public pages can be cached",
    severity=Severity.MEDIUM,
    applies_to=AppliesTo.ROUTE,
    route_kinds=(RouteKind.READ,),
)
async def caching(ctx: CheckContext) -> CheckResult:
    """Cache-Control, validators, Age and CDN status; a second request to see a cache hit."""
    probes = await _probes_or_result(ctx)
    if isinstance(probes, CheckResult):
        return probes
    route = _route(ctx)
    if route.method.upper() not in ("GET", "HEAD"):
        return ctx.result(
            Status.SKIPPED, f"{route.method.upper()} answers are not cached by browsers or CDNs"
        )
    first_fetch = await probes.first(route, time_left(ctx))
    fetched = first_fetch.result
    if fetched.status is None:
        return _fetch_error(ctx, route, fetched)
    if not 200 <= fetched.status < 300:
        return ctx.result(
            Status.SKIPPED,
            f"Answered {fetched.status}: no page to cache",
            evidence={"status": fetched.status},
        )
    first = cache_facts(fetched)
    # A second request shows whether something cached the first; only when the first came
    # back whole and the check has time left for it.
    again = None
    if fetched.failure is None and time_left(ctx) > _MIN_SECOND_S:
        again = await probes.again(route, first_fetch, time_left(ctx))
    second = cache_facts(again) if again is not None and again.status is not None else None
    status, summary = caching_verdict(first)
    if second is not None and second.hit is not None and not (first.private or first.no_store):
        summary += "; second request: " + ("a cache hit" if second.hit else "not a cache hit")
    evidence: dict[str, JSONValue] = {
        "cache_control": first.cache_control,
        "etag": first.etag,
        "last_modified": first.last_modified,
        "age": first.age,
        "cdn_cache_status": first.cdn_status,
        "max_age_s": first.max_age_s,
        "s_maxage_s": first.s_maxage_s,
        "private": first.private,
        "no_store": first.no_store,
        "no_cache": first.no_cache,
        "vary": header_text(fetched.header("vary")),
        "sets_cookie": bool(fetched.header_values("set-cookie")),
        "second_status": again.status if again is not None else None,
        "second_cdn_cache_status": second.cdn_status if second else None,
        "second_age": second.age if second else None,
        "second_hit": second.hit if second else None,
    }
    severity = Severity.LOW if status is Status.WARN else None
    return ctx.result(status, summary, evidence=evidence, severity=severity)


# --- perf.page_weight -----------------------------------------------------------------------


def _compressible(content_type: str) -> bool:
    return bool(_COMPRESSIBLE.match(content_type.strip()))


@dataclass(frozen=True)
class _Weighed:
    url: str
    third_party: bool
    blocking: bool
    bytes: int | None


async def _weigh_scripts(
    probes: RouteProbes, scan: PageScan, page_site: str, within: float
) -> list[_Weighed]:
    scripts = scan.external_scripts
    weighed = scripts[:MAX_WEIGHED_SCRIPTS]
    fetched = await asyncio.gather(*(probes.asset(s.url, within) for s in weighed))
    out = []
    for index, script in enumerate(scripts):
        host = urlsplit(script.url).hostname or ""
        size: int | None = None
        if index < len(fetched):
            result = fetched[index]
            if result.status is not None and 200 <= result.status < 300 and result.ok:
                size = len(result.body)
        out.append(
            _Weighed(
                url=script.url,
                third_party=registrable_domain(host) != page_site,
                blocking=script.blocking,
                bytes=size,
            )
        )
    return out


@CHECKS.register(
    "perf.page_weight",
    stage="request-path",
    title="Pages are not bloated",
    severity=Severity.MEDIUM,
    applies_to=AppliesTo.ROUTE,
    route_kinds=(RouteKind.READ,),
)
async def page_weight(ctx: CheckContext) -> CheckResult:
    """Transfer size, compression, scripts (weight, third parties, render-blocking in <head>)."""
    probes = await _probes_or_result(ctx)
    if isinstance(probes, CheckResult):
        return probes
    route = _route(ctx)
    fetched = (await probes.first(route, time_left(ctx))).result
    if fetched.status is None:
        return _fetch_error(ctx, route, fetched)
    if not 200 <= fetched.status < 300:
        return ctx.result(
            Status.SKIPPED,
            f"Answered {fetched.status}: no page to weigh",
            evidence={"status": fetched.status},
        )
    content_type = (fetched.header("content-type") or "").lower()
    encoding = (fetched.header("content-encoding") or "").strip().lower()
    decoded = fetched.decoded()
    body_bytes = len(fetched.body)
    evidence: dict[str, JSONValue] = {
        "transfer_bytes": len(fetched.raw_head) + body_bytes,
        "body_bytes": body_bytes,
        "decoded_bytes": len(decoded.data),
        "content_type": clean(content_type, max_len=100),
        "content_encoding": clean(encoding, max_len=40) or None,
        "truncated": fetched.body_truncated or decoded.truncated,
    }
    failure = fetched.failure
    if failure is not None and failure.kind is not FailureKind.BODY_TOO_LARGE:
        # Half a page weighs nothing useful: say why it did not arrive.
        return ctx.result(
            Status.ERROR,
            f"{route.name}: {failure.message}",
            evidence={**evidence, "failure": failure.kind.value},
        )
    findings: list[tuple[Status, str]] = []
    if failure is not None:
        findings.append((Status.FAIL, f"Response body is over the {_size(body_bytes)} cap"))
    elif body_bytes > PAGE_FAIL_BYTES:
        findings.append((Status.FAIL, f"Response body is {_size(body_bytes)}"))
    elif body_bytes > PAGE_WARN_BYTES:
        findings.append((Status.WARN, f"Response body is {_size(body_bytes)}"))
    uncompressed = encoding in ("", "identity")
    if uncompressed and _compressible(content_type) and len(decoded.data) >= COMPRESS_MIN_BYTES:
        findings.append(
            (Status.WARN, f"{_size(len(decoded.data))} of text sent without compression")
        )
    if "html" in content_type:
        page_host = urlsplit(fetched.final_url).hostname or ""
        page_site = registrable_domain(page_host)
        scan = scan_page(fetched.text(_HTML_CAP), fetched.final_url)
        scripts = await _weigh_scripts(probes, scan, page_site, time_left(ctx))
        findings += _script_findings(scripts)
        evidence.update(_script_evidence(scan, scripts, page_site))
    return _weight_result(ctx, findings, evidence)


def _script_findings(scripts: list[_Weighed]) -> list[tuple[Status, str]]:
    findings: list[tuple[Status, str]] = []
    third = [s for s in scripts if s.third_party]
    blocking_third = [s for s in third if s.blocking]
    if blocking_third:
        noun = "script" if len(blocking_third) == 1 else f"{len(blocking_third)} scripts"
        findings.append((Status.WARN, f"Render-blocking third-party {noun} in <head>"))
    if len(third) >= THIRD_PARTY_WARN:
        findings.append((Status.WARN, f"{len(third)} third-party scripts"))
    weight = sum(s.bytes or 0 for s in scripts)
    if weight > SCRIPTS_WARN_BYTES:
        findings.append((Status.WARN, f"{_size(weight)} of scripts"))
    return findings


def _script_evidence(
    scan: PageScan, scripts: list[_Weighed], page_site: str
) -> dict[str, JSONValue]:
    third = [s for s in scripts if s.third_party]
    domains = sorted({registrable_domain(urlsplit(s.url).hostname or "") for s in third})
    listed: list[JSONValue] = [
        {
            "url": clean(s.url, max_len=200),
            "third_party": s.third_party,
            "render_blocking": s.blocking,
            "bytes": s.bytes,
        }
        for s in scripts[:50]
    ]
    return {
        "site": clean(page_site, max_len=100),
        "scripts": len(scripts),
        "inline_scripts": len(scan.scripts) - len(scripts),
        "inline_script_bytes": scan.inline_script_bytes,
        "scripts_third_party": len(third),
        "third_party_domains": [clean(d, max_len=100) for d in domains],
        "render_blocking_scripts": sum(1 for s in scripts if s.blocking),
        "render_blocking_third_party": sum(1 for s in third if s.blocking),
        "script_bytes": sum(s.bytes or 0 for s in scripts),
        "scripts_weighed": sum(1 for s in scripts if s.bytes is not None),
        "stylesheets": scan.stylesheets,
        "images": scan.images,
        "script_list": listed,
    }


def _weight_result(
    ctx: CheckContext, findings: list[tuple[Status, str]], evidence: dict[str, JSONValue]
) -> CheckResult:
    size = _size(int(evidence["body_bytes"] or 0))  # type: ignore[arg-type]
    coding = evidence["content_encoding"]
    sent = f"{size}{f' {coding}' if coding else ''}"
    scripts = evidence.get("scripts")
    tally = ""
    if isinstance(scripts, int):
        noun = "script" if scripts == 1 else "scripts"
        tally = f"; {scripts} {noun}, {evidence['scripts_third_party']} third-party"
    if not findings:
        return ctx.result(Status.PASS, f"Light: {sent}{tally}", evidence=evidence)
    worst = Status.FAIL if any(s is Status.FAIL for s, _ in findings) else Status.WARN
    summary = "; ".join(text for _, text in findings) + f" ({sent})"
    return ctx.result(
        worst, summary, evidence=evidence, severity=Severity.LOW if worst is Status.WARN else None
    )


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MiB"
    if n >= 1024:
        return f"{n / 1024:.0f} KiB"
    return f"{n} B"

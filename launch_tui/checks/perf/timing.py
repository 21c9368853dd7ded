"""Request-path checks: how fast each route answers, and what it costs a browser to load it.

This module holds the timing checks. ``perf.first_response`` (stage 1) times each route's first
request; ``perf.latency`` samples it (``checks/latency.py``: p50/p95/p99 against the seed's bar,
reads 500 ms, writes and sign-in 800 ms, or the route's own budget); ``perf.slowest`` ranks the
five slowest by p95 with their share of the budget. The others have a module each:
``http.caching`` (:mod:`.perf_caching`) reads the cache headers of public pages and asks twice to
see a cache hit; ``perf.page_weight`` (:mod:`.perf_page_weight`) weighs the page (compression,
scripts, third parties by registrable domain, render-blocking scripts in ``<head>``);
``perf.server_timing`` (:mod:`.perf_server_timing`) shows the Server-Timing breakdown when a
route sends one. How they all start and fail is :mod:`.perf_route`.

Every route is fetched once and sampled once per run, shared by these checks
(``checks/perf/probes.py``). Writes, sign-in and webhooks are only sent when the session marks
them safe to repeat; otherwise the result is ``skipped`` and says so.

Latency verdicts: ``fail`` over budget, ``warn`` within 10 % of it, ``pass`` below that; ``fail``
also when 5 % or more of the requests failed. Answers the sampler noticed late (its process busy
or waiting for a CPU) are sent again and left out (``probes.RETAKE_SHARE``; the summary says how
many). When the sampler still flags the run as client-bound and the client's lag could move p95
across a threshold, the result is ``error``: the numbers describe this machine, not the server.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from launch_tui.checks.engine.context import CheckContext
from launch_tui.checks.engine.fetching import no_http_result
from launch_tui.checks.engine.registry import Registry
from launch_tui.checks.perf.probes import (
    SampleFailure,
    budget_label,
    budget_ms,
    probes_for,
    repeatable,
    time_left,
)
from launch_tui.checks.perf.route_fetch import fetch_error, probes_or_result, route_of
from launch_tui.core.display import PRECISE_MS, fmt_ms
from launch_tui.core.model import CheckResult, JSONValue, Route, Severity, Status
from launch_tui.core.playbook import AppliesTo
from launch_tui.core.sanitize import clean
from launch_tui.net.sampler import SampleRun

__all__ = [
    "CHECKS",
    "LatencyVerdict",
    "first_response",
    "latency",
    "latency_evidence",
    "latency_verdict",
    "sample_notes",
    "slowest",
]

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
    probes = await probes_or_result(ctx)
    if isinstance(probes, CheckResult):
        return probes
    route = route_of(ctx)
    first = await probes.first(route, time_left(ctx))
    fetched = first.result
    if not fetched.hops or fetched.hops[0].status is None:
        return fetch_error(ctx, route, fetched)
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
    extra = [f"{fmt_ms(setup, PRECISE_MS)} to connect first"] if setup else []
    if not first.verified:
        extra.append("certificate not verified, see tls.certificate")
    detail = f" ({'; '.join(extra)})" if extra else ""
    answered = f"First byte of {hop.status} after {fmt_ms(ms, PRECISE_MS)}{detail}"
    evidence["client_lag_ms"] = round(first.client_lag_ms, 1)
    if ms > budget and ms - first.client_lag_ms <= budget:
        # Client lag only ever adds to a measurement: discounted, the answer was in time. One
        # request says little either way; perf.latency samples the route properly.
        lag = fmt_ms(first.client_lag_ms, PRECISE_MS)
        return ctx.result(
            Status.PASS,
            f"{answered}; within {budget_label(route)} once this client's own lag (up to {lag}, "
            "it was busy) is discounted",
            evidence=evidence,
        )
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
    p50, p95, p99 = (fmt_ms(v, PRECISE_MS) for v in (s.p50_ms, s.p95_ms, s.p99_ms))
    stats = f"p50 {p50}, p99 {p99}, {s.count} requests"
    if run.sent and run.error_rate >= ERROR_RATE_FAIL:
        return LatencyVerdict(
            Status.FAIL,
            f"{failed} of {run.sent} requests failed ({failures}); p95 {p95}",
        )
    if s.count < MIN_SAMPLES:
        return LatencyVerdict(
            Status.ERROR,
            f"Only {s.count} requests answered within the time budget (p95 {p95}); "
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
                f"({'; '.join(run.client_bound_reasons)}); p95 {p95} against "
                f"{label} is within its error. Re-run with fewer checks at once",
            )
        caveat = f"; the client was busy (figures high by up to {fmt_ms(margin, PRECISE_MS)})"
    pct = f"{share:.0%}"
    if band == 2:
        return LatencyVerdict(
            Status.FAIL,
            f"p95 {p95}, over {label} ({pct}); {stats}{caveat}",
        )
    if band == 1:
        return LatencyVerdict(
            Status.WARN,
            f"p95 {p95}, close to {label} ({pct}); {stats}{caveat}",
            Severity.MEDIUM,
        )
    if failed:
        return LatencyVerdict(
            Status.WARN,
            f"{failed} of {run.sent} requests failed ({failures}); p95 {p95}, within {label}",
            Severity.MEDIUM,
        )
    return LatencyVerdict(Status.PASS, f"p95 {p95}, within {label} ({pct}); {stats}{caveat}")


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
    probes = await probes_or_result(ctx)
    if isinstance(probes, CheckResult):
        return probes
    route = route_of(ctx)
    outcome = await probes.sample(route, time_left(ctx))
    if isinstance(outcome, SampleFailure):
        return ctx.result(Status.ERROR, outcome.message, evidence=outcome.evidence)
    verdict = latency_verdict(outcome, route)
    return ctx.result(
        verdict.status,
        verdict.summary + "".join(f"; {note}" for note in sample_notes(outcome)),
        evidence=latency_evidence(outcome, route),
        severity=verdict.severity,
    )


def sample_notes(run: SampleRun) -> list[str]:
    """What a reader should know about how the numbers were got: a protected route's refusals
    timed as its answers, connections the server closed (reopened, not timed), and answers
    this machine noticed late (sent again, not timed)."""
    notes = []
    refused = sorted({s.status for s in run.samples if s.ok and s.status and s.status >= 400})
    if refused:
        codes = "/".join(str(code) for code in refused)
        notes.append(f"answers {codes}, as a protected route should (timed as its answer)")
    if run.reconnect_ms:
        retried = f", {run.retried} sent again" if run.retried else ""
        notes.append(
            f"the server closed kept-alive connections: {len(run.reconnect_ms)} reconnects"
            f"{retried}, left out of the timings"
        )
    if run.retaken:
        late = run.evidence()["retaken_lag_p50_ms"]
        typical = f" (typically {fmt_ms(late, PRECISE_MS)})" if isinstance(late, float) else ""
        notes.append(
            f"{run.retaken} answers arrived while this machine kept the sampler waiting"
            f"{typical}: sent again, left out of the timings"
        )
    return notes


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
        return no_http_result(ctx)
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
        f"{route.name} {fmt_ms(p95, PRECISE_MS)} ({p95 / budget_ms(route):.0%})"
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

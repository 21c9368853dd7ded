"""One run's requests per route, shared by the perf checks: a first fetch, a latency sample.

Five checks look at the same route (first response, latency, caching, page weight,
Server-Timing) and one ranks every route by the latency sample. Each route is therefore fetched
once and sampled once per run, whichever check asks first, and the others await the same task:
the client's server sees one sample, not two, and ``perf.slowest`` ranks exactly the numbers
``perf.latency`` judged.

The first fetch goes through the run's one request cache
(:mod:`launch_tui.checks.engine.request_cache`), with its budget rules: a ``GET`` route's is the
run's plain fetch of its URL, the one the header and body checks judge, so the route is
requested once for all of them; the latency samples and
the scripts weighed by ``perf.page_weight`` are memoised here. Both live as long as the run (in
its :class:`~launch_tui.checks.engine.context.RunShared`), so a second run with the same client
measures afresh. Checks get the probes from :func:`probes_for`.

Budget: a check's network work must end within ``services.deadline_s`` of its start. The check
that starts a shared request passes the time it has left; the fetch gets at most that as its
total deadline and the sample stops sending at half of what is left after the fetch, each request
having up to 45 % (see :func:`sampling_plan`), so one slow answer is still waited for. A first
fetch that ran out of its starter's time is dropped, and a check with at least the least time a
fetch is given (:data:`_MIN_FETCH_S`) left asks again.

Load: the routes of a run are sampled at the same time, each on :data:`DEFAULT_CONCURRENCY`
connections, so the client's server sees up to routes x 5 requests at once for a few seconds.
Taking turns would keep that load lower, but a route waiting its turn would run out of its
check's deadline.

Where: the samples run in a process of their own (:mod:`launch_tui.net.sampler_process`,
started when a run first needs probes and reused by later runs), so the other checks' CPU on
this event loop does not delay noticing answers, and a client-bound flag means the machine, not
our own audit, was busy. A process still starting is waited for up to a fifth of the time left
(at most :data:`_MAX_READY_WAIT_S`); if it is not ready by then, or cannot run, the route is
sampled here as before.

Which routes may be sent repeatedly: reads, health and admin pages fetched with a safe method;
anything else (writes, sign-in, webhooks, or any POST) only when the session marks it
``safe_to_repeat``. Budgets (:func:`launch_tui.core.monitor_plan.budget_ms`): the route's own
``p95_budget_ms``, else the seed's minimum bar — 500 ms for reads, 800 ms for writes and sign-in
(and webhooks, which are writes).

Certificates: when TLS verification fails, the first fetch is retried without verifying and the
route is sampled the same way (``Fetched.verified`` says so): browsers repair incomplete chains,
and ``tls.certificate`` owns the certificate finding.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar
from urllib.parse import urlsplit

from launch_tui.checks.engine.context import CheckContext
from launch_tui.checks.engine.request_cache import (
    RequestCache,
    deadline_failure,
    plain_key,
    ran_out,
    request_cache,
    shareable,
)
from launch_tui.core.errors import LaunchError
from launch_tui.core.model import JSONValue, Route, RouteKind
from launch_tui.core.monitor_plan import READ_BUDGET_MS, WRITE_BUDGET_MS, budget_ms
from launch_tui.net import (
    FailureKind,
    FetchResult,
    HttpClient,
    NetFailure,
    NetLimits,
    Phase,
    ResolveOverride,
    Resolver,
    parse_connect_to,
)
from launch_tui.net.loop_probe import shared_probe
from launch_tui.net.sampler import SamplePlan, SampleRun, SampleTarget, sample_latency
from launch_tui.net.sampler_process import SamplerUnavailable, TlsSpec, shared_sampler
from launch_tui.net.ssl_contexts import probe_context

__all__ = [
    "DEFAULT_CONCURRENCY",
    "DEFAULT_SAMPLES",
    "READ_BUDGET_MS",
    "RETAKE_SHARE",
    "WRITE_BUDGET_MS",
    "Fetched",
    "RouteProbes",
    "SampleFailure",
    "budget_label",
    "budget_ms",
    "not_repeatable_reason",
    "probes_for",
    "repeatable",
    "sampling_plan",
    "time_left",
]

#: Requests per route in an audit: enough for a p95 that means something, few enough that the
#: whole audit stays fast and the client's server barely notices.
DEFAULT_SAMPLES = 30
DEFAULT_CONCURRENCY = 5
#: Answers noticed while the sampling process was late (busy, or waiting for a CPU) are sent
#: again, up to this share of the requests (net.sampler): a burst of CPU elsewhere on this
#: machine costs a few more requests, not a route flagged as measured unfairly.
RETAKE_SHARE = 0.5
#: Below this many seconds left, a sample is not started.
_MIN_SAMPLE_S = 0.3
#: No fetch gets less than this, so a late start still produces a clear failure.
_MIN_FETCH_S = 0.25
#: Longest wait for the sampling process to finish starting before sampling here instead.
_MAX_READY_WAIT_S = 1.0

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_READ_KINDS = frozenset({RouteKind.READ, RouteKind.HEALTH, RouteKind.ADMIN})
_WRITE_KINDS = frozenset({RouteKind.WRITE, RouteKind.AUTH, RouteKind.WEBHOOK})
#: Body cap and deadline for a script fetched only to learn its size.
_ASSET_BODY_CAP = 2 * 1024 * 1024
_ASSET_DEADLINE_S = 5.0

T = TypeVar("T")


def budget_label(route: Route) -> str:
    """``"the 500 ms read budget"``, ``"the route's 300 ms budget"``..."""
    ms = budget_ms(route)
    if route.p95_budget_ms is not None:
        return f"the route's {ms} ms budget"
    if route.kind is RouteKind.AUTH:
        return f"the {ms} ms sign-in budget"
    return f"the {ms} ms {'write' if route.kind in _WRITE_KINDS else 'read'} budget"


def repeatable(route: Route) -> bool:
    """Whether the route may be requested again and again (see the module docstring)."""
    if route.safe_to_repeat:
        return True
    return route.kind in _READ_KINDS and route.method.upper() in _SAFE_METHODS


def not_repeatable_reason(route: Route) -> str:
    """Why ``route`` is not sent, for a ``skipped`` result's summary."""
    method = route.method.upper()
    noun = {
        RouteKind.WRITE: "a write route",
        RouteKind.AUTH: "a sign-in route",
        RouteKind.WEBHOOK: "a webhook",
    }.get(route.kind)
    what = f"is {noun} ({method})" if noun else f"uses {method}, which may change data,"
    return (
        f"Not sent: {route.name} {what} and is not marked safe to repeat; "
        "set safe_to_repeat once the client agrees"
    )


def sampling_plan(
    seconds: float,
    *,
    samples: int = DEFAULT_SAMPLES,
    concurrency: int = DEFAULT_CONCURRENCY,
    rate_per_s: float | None = None,
) -> SamplePlan:
    """A plan that ends within about ``seconds``: sends stop at half of it and each request may
    take 45 %, so a slow route yields fewer requests rather than overrunning. Late answers are
    retaken (:data:`RETAKE_SHARE`) within the same time."""
    return SamplePlan(
        samples=samples,
        concurrency=concurrency,
        rate_per_s=rate_per_s,
        time_budget_s=max(0.1, 0.50 * seconds),
        request_timeout_s=max(0.1, 0.45 * seconds),
        retake_share=RETAKE_SHARE,
    )


def time_left(ctx: CheckContext) -> float:
    """Seconds left of the check's network deadline (measured from its start)."""
    return ctx.services.deadline_s - (ctx.monotonic() - ctx.started)


@dataclass(frozen=True)
class SampleFailure:
    """Why a route could not be sampled at all."""

    message: str
    evidence: dict[str, JSONValue] = field(default_factory=dict)


@dataclass(frozen=True)
class Fetched:
    """A route's first fetch, and whether its certificate was verified."""

    result: FetchResult
    verified: bool = True
    """False when TLS failed verification and the answer was read without verifying."""
    client_lag_ms: float = 0.0
    """How late this client's event loop ran at worst while the fetch was under way: by up to
    this much the answer may have been noticed late because this machine was busy."""


class RouteProbes:
    """The shared requests of one run (see the module docstring). Get it via :func:`probes_for`."""

    def __init__(
        self,
        http: HttpClient,
        *,
        resolver: Resolver | None,
        requests: RequestCache | None = None,
        samples: int = DEFAULT_SAMPLES,
        concurrency: int = DEFAULT_CONCURRENCY,
        duration_s: float | None = None,
    ) -> None:
        """``samples``, ``concurrency`` and ``duration_s`` (most seconds a route's sample may
        take; ``None``: as long as the check's deadline allows) are the session's
        ``[sampling]``."""
        self._http = http
        self._resolver = resolver
        self._requests = requests if requests is not None else RequestCache()
        self.samples = samples
        self.concurrency = concurrency
        self.duration_s = duration_s
        # Strong references: a task nobody holds can be garbage-collected mid-flight.
        self._samples: dict[tuple[str, str, str], asyncio.Task[SampleRun | SampleFailure]] = {}
        # The samples run in a process of their own (net.sampler_process): start it now, so it
        # has imported by the time the first fetch is done.
        shared_sampler()
        self._assets: dict[str, asyncio.Task[FetchResult]] = {}

    async def first(self, route: Route, within: float) -> Fetched:
        """The route's first fetch (redirects followed), shared by every check of the run.

        ``within`` is the caller's time left; a fetch this call starts gets no more (but at
        least :data:`_MIN_FETCH_S`). A fetch another check started is awaited until it ends
        (its starter's deadline bounds it); one that ran out of that time is asked again when
        the caller has more than :data:`_MIN_FETCH_S` left.
        """
        loop = asyncio.get_running_loop()
        until = loop.time() + within
        return await self._requests.share(
            ("route-first", route.method.upper(), route.url),
            # Sized when started: a retry after someone else's deadline gets the time left then.
            lambda: self._first(route, self._limits(until - loop.time())),
            within=within,
            grace=None,
            retry_from=_MIN_FETCH_S,
            ran_out=lambda fetched: ran_out(fetched.result),
            timed_out=lambda: Fetched(deadline_failure(route.url, route.method, within)),
        )

    async def again(self, route: Route, first: Fetched, within: float) -> FetchResult:
        """Fetch the route once more, the way its first fetch succeeded (not shared)."""
        limits = self._limits(within)
        return await self._fetch(route.url, route.method, first, limits, verify=first.verified)

    async def asset(self, url: str, within: float) -> FetchResult:
        """A GET of ``url`` (a script) with a small body cap, shared across pages."""
        task = self._assets.get(url)
        if task is None:
            limits = replace(
                self._limits(min(within, _ASSET_DEADLINE_S)),
                max_body_bytes=min(self._http.limits.max_body_bytes, _ASSET_BODY_CAP),
            )
            task = self._start(self._http.fetch(url, limits=limits))
            self._assets[url] = task
        return await asyncio.shield(task)

    async def sample(self, route: Route, within: float) -> SampleRun | SampleFailure:
        """The route's latency sample, shared by ``perf.latency`` and ``perf.slowest``."""
        key = (route.name, route.method.upper(), route.url)
        task = self._samples.get(key)
        if task is None:
            until = asyncio.get_running_loop().time() + within
            task = self._start(self._sample(route, until))
            self._samples[key] = task
        return await asyncio.shield(task)

    def _start(self, work: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        return asyncio.get_running_loop().create_task(work)

    def _limits(self, within: float) -> NetLimits:
        base = self._http.limits
        total = round(max(_MIN_FETCH_S, min(base.total_deadline, within)), 2)
        return replace(
            base,
            total_deadline=total,
            connect_timeout=min(base.connect_timeout, total),
            dns_timeout=min(base.dns_timeout, total),
            dns_lifetime=min(base.dns_lifetime, total),
        )

    async def _first(self, route: Route, limits: NetLimits) -> Fetched:
        loop = asyncio.get_running_loop()
        began = loop.time()
        if shareable(route.method, None, None):
            result, client_lag = await self._plain_first(route, began + limits.total_deadline)
        else:
            # One probe for the whole run's loop (not a timer per route, on the loop it
            # measures).
            with shared_probe() as probe:
                mark, since = probe.mark, probe.clock()
                result = await self._http.fetch(route.url, route.method, limits=limits)
                client_lag = probe.worst_since(mark, since)
        failure = result.failure
        if failure is None or failure.kind is not FailureKind.TLS or self._resolver is None:
            return Fetched(result, client_lag_ms=client_lag)
        left = limits.total_deadline - (loop.time() - began)
        retry = await self._fetch(
            route.url, route.method, Fetched(result, False), self._limits(left), verify=False
        )
        return Fetched(retry, verified=False) if retry.status is not None else Fetched(result)

    async def _plain_first(self, route: Route, until: float) -> tuple[FetchResult, float]:
        """A ``GET``/``HEAD`` route's first fetch: the run's plain fetch of its URL (redirects
        followed), which the header and body checks ask for too, and how late the loop ran
        while it was under way (whichever check started it). Awaited until it ends, as
        :meth:`first` awaits a first fetch another check started, so a request that fails
        says how (a hung answer is "waiting for an answer", not this check's budget)."""
        loop = asyncio.get_running_loop()
        key = plain_key(route.method, route.url, True)
        within = max(0.0, until - loop.time())
        result = await self._requests.plain(
            route.method,
            route.url,
            # Sized when sent: a retry after someone else's deadline gets the time left then.
            lambda follow, first_answer: self._http.fetch(
                route.url,
                route.method,
                follow=follow,
                limits=self._limits(until - loop.time()),
                first_answer=first_answer,
            ),
            follow=True,
            within=within,
            grace=None,
            retry_from=_MIN_FETCH_S,
        )
        return result, self._requests.lag_ms(key)

    async def _fetch(
        self, url: str, method: str, like: Fetched, limits: NetLimits, *, verify: bool
    ) -> FetchResult:
        """Fetch with the run's client, or (``verify=False``) a throwaway non-verifying one
        that connects where ``like``'s first hop did, so the same server answers."""
        if verify:
            return await self._http.fetch(url, method, limits=limits)
        remote = like.result.hops[0].remote if like.result.hops else like.result.remote
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        overrides: tuple[ResolveOverride, ...] | None = None
        with contextlib.suppress(LaunchError):
            ip, ip_port = parse_connect_to(remote, port)
            host = (parts.hostname or "").lower()
            # host_port makes this override win over any session entry for the same name.
            overrides = (ResolveOverride(host=host, ip=ip, port=ip_port, host_port=port),)
        client = self._http.variant(verify=False, overrides=overrides, max_connections=2)
        async with client:
            return await client.fetch(url, method, limits=limits)

    async def _sample(self, route: Route, until: float) -> SampleRun | SampleFailure:
        loop = asyncio.get_running_loop()
        fetched = await self.first(route, until - loop.time())
        first = fetched.result
        if first.failure is not None or not first.hops or first.hops[0].status is None:
            failure = first.failure
            message = failure.message if failure is not None else "no answer"
            return SampleFailure(
                f"Could not sample {route.name}: its first request failed: {message}",
                {"failure": failure.kind.value if failure is not None else "no-answer"},
            )
        hop = first.hops[0]
        parts = urlsplit(route.url)
        default_port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        try:
            address, port = parse_connect_to(hop.remote, default_port)
            ok = set(route.expected_statuses)
            if hop.status is not None and hop.status < 400:
                ok.add(hop.status)
            target = SampleTarget.from_url(
                route.url,
                address,
                port,
                method=route.method,
                ssl_context=self._http.ssl_context if fetched.verified else probe_context(),
                ok_statuses=ok,
            )
        except LaunchError as exc:
            return SampleFailure(
                f"Could not sample {route.name}: {exc.message}", {"failure": "bad-target"}
            )
        left = until - loop.time()
        if left < _MIN_SAMPLE_S:
            return SampleFailure(
                f"Could not sample {route.name}: no time left within the check's deadline "
                f"after its first request ({first.elapsed_ms / 1000:.2f} s)",
                {"failure": "no-time-left"},
            )
        if self.duration_s is not None:
            left = min(left, self.duration_s)
        plan = sampling_plan(left, samples=self.samples, concurrency=self.concurrency)
        tls = TlsSpec(verify=fetched.verified, ca_bundle=self._http.config.ca_bundle)
        try:
            # A process still starting is worth up to a fifth of the time left (at most 1 s).
            wait = min(_MAX_READY_WAIT_S, 0.2 * left)
            return await shared_sampler().sample(target, plan, tls=tls, wait_ready_s=wait)
        except SamplerUnavailable:
            return await sample_latency(target, plan)


def _failed(url: str, method: str, exc: LaunchError) -> FetchResult:
    failure = NetFailure(FailureKind.ERROR, Phase.URL, exc.message, 0.0)
    return FetchResult(url=url, method=method, final_url=url, status=None, failure=failure)


def probes_for(ctx: CheckContext) -> RouteProbes | None:
    """The run's shared probes for ``ctx`` (``None`` when the run has no HTTP client)."""
    http = ctx.services.http
    if http is None:
        return None
    resolver = ctx.services.resolver
    requests = request_cache(ctx)
    sampling = ctx.session.sampling
    return ctx.run.get(
        "route_probes",
        RouteProbes,
        lambda: RouteProbes(
            http,
            resolver=resolver,
            requests=requests,
            samples=sampling.requests,
            concurrency=sampling.concurrency,
            duration_s=sampling.duration_s,
        ),
    )

"""The latency sampler: many requests to one route, timed honestly, summarized as quantiles.

::

    target = SampleTarget.from_url("https://app.example.com/login", "203.0.113.7", 443,
                                   ssl_context=context)
    run = await sample_latency(target, SamplePlan(samples=200, concurrency=10))
    run.summary.p95_ms, run.client_bound, run.evidence()

Why not the HTTP client from ``net``: a fetch does more than a sample needs (redirects, hop
records, capped bodies kept for reading, cookies), and any CPU per request queues up under
concurrency on one core and lands in the numbers (``bench/latency.py`` shows it with an httpx
pool). The sampler therefore speaks minimal HTTP/1.1 itself: one kept-alive connection per
worker, a prebuilt request, and an ``asyncio.Protocol`` that parses only the status line and the
headers that frame the body, drops the body as it arrives, and stamps the answer's end inside
the I/O callback (not a loop turn later, when a waiting task would resume). Addresses and TLS
come from the caller, who resolves them the way ``net`` does (overrides, resolver, SSL context;
SNI and Host keep the URL's name).

Two modes:

* **closed loop** (``rate_per_s=None``): ``concurrency`` workers each send a request, wait for
  the answer, send the next. A request's latency is from writing it to reading the last body
  byte. Workers start spread over the first answer's latency, so they do not stay in lockstep.
* **open loop** (``rate_per_s`` set): requests are *intended* at a constant rate, spread
  round-robin over the connections, as wrk2 does. When the server stalls, a connection's later
  requests cannot be sent on time; their latency counts from when they were intended to be
  sent, not from when they could be (the correction for *coordinated omission*). Precisely::

      latency = (done - sent) + max(0, ready - intended)
      send_lag = sent - max(ready, intended)

  where ``ready`` is when the connection became free (its previous answer read). The wait for
  a busy connection is the server's doing and is counted; the lag between "free and due" and
  "actually sent" is the client's own scheduling and is not counted, but reported.

Honesty about the client: the run records the client's CPU (``time.process_time``) and how late
the event loop runs a timer (a probe every 5 ms, :mod:`launch_tui.net.loop_probe`: callbacks
queued ahead, code blocking the loop, the process waiting for a CPU all delay it, and would delay
noticing an answer just as much). Each answer gets how late the loop was at the moment it was
noticed (its *answer lag*: the loop busy, or its thread waiting for a CPU, as it arrived); a
stall while the request waited on the server does not touch its number. In closed loop, an
answer noticed later than the accuracy the sampler aims for, ``max(2 ms, 5 %)`` of the median so
far, is left out of the figures and **retaken**: the worker sends one more request in its place,
while the time budget lasts and at most ``retake_share`` of the plan's requests (none unless the
plan asks; the checks retake up to half), so a short burst of CPU elsewhere in the client does
not spoil the run, and a client busy all the time cannot make it last for ever. Whether an
answer is late depends on when it arrived, not on how long it took, so leaving late ones out does
not favour fast answers, as long as the server's speed does not depend on this machine's load.
On one machine (the sandbox, a staging server on localhost) a CPU shortage slows the server and
the sampler together, and the answers left out may be among the slower ones: the evidence counts
the retaken requests and how late the loop was, so a reader can tell. A late answer whose
replacement never came (the time ran out) is timed after all, its lag counted.

A run is flagged ``client_bound`` when the client used most of a core; when the p95 of the timed
answers' lag, or of the sends' lag, is over ``max(2 ms, 5 %)`` of the median (more late answers
than retakes replaced); or when the retakes ran out (late answers were common, even if those
kept were on time). Such numbers describe the client, not the server. The checks run it in a
process of its own (:mod:`launch_tui.net.sampler_process`) so that "the client" is only the
sampler, not the rest of an audit.

Connections the server closes: many servers close a kept-alive connection after an answer
without sending ``Connection: close`` (nginx's ``keepalive_requests``, proxies, idle timeouts).
A connection found closed is reopened before the next request; a request that met the close
before any byte of its answer (it was written as the close arrived) is sent once more on a fresh
connection if its method is idempotent, as browsers and HTTP libraries do, and is not a failure.
The reopening is the server's choice of connection lifetime, not the route's latency: it is left
out of the request's latency and send lag, and counted and timed in the evidence (``reconnects``,
``reconnect_p50_ms``, ``retried``). A fresh connection that closes unanswered is a failure.

Quantiles are **nearest-rank** (:func:`quantile`): the q-quantile of n values is the
``ceil(q * n)``-th smallest, so every reported percentile is a latency some request really had.
Failed requests (transport errors, timeouts, an unexpected status) are counted, not timed:
their latency would describe the failure, not the route.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import ssl
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from launch_tui.core.errors import UsageError
from launch_tui.core.model import JSONValue
from launch_tui.net import DEFAULT_USER_AGENT
from launch_tui.net.loop_probe import LoopProbe, shared_probe
from launch_tui.net.quantiles import (
    LAG_FLOOR_MS,
    LAG_SHARE,
    LatencySummary,
    lag_limit_ms,
    quantile,
    summarize,
)
from launch_tui.net.sampler_run import SamplingRun
from launch_tui.net.sampler_wire import Connection, RequestFailed

__all__ = [
    "CLIENT_CPU_LIMIT",
    "LAG_FLOOR_MS",
    "LAG_SHARE",
    "LatencySummary",
    "Sample",
    "SamplePlan",
    "SampleRun",
    "SampleTarget",
    "client_bound_reasons",
    "lag_limit_ms",
    "quantile",
    "sample_latency",
    "summarize",
]

Clock = Callable[[], float]

#: Share of one core above which the client, not the server, is the likely bottleneck.
CLIENT_CPU_LIMIT = 0.90


# --- what to sample and how -----------------------------------------------------------------


@dataclass(frozen=True)
class SamplePlan:
    """How many requests, how concurrently, at what rate, within what time."""

    samples: int = 30
    """Requests to send (the run stops earlier when ``time_budget_s`` runs out)."""
    concurrency: int = 5
    """Connections, each with one request in flight at a time."""
    rate_per_s: float | None = None
    """Open loop at this many requests per second in total; ``None`` for closed loop."""
    time_budget_s: float = 10.0
    """No request is started after this many seconds; answers in flight are still awaited."""
    request_timeout_s: float = 10.0
    """One request's deadline, from sending it to its last body byte."""
    max_head_bytes: int = 64 * 1024
    """Cap on a response's status line and headers."""
    max_body_bytes: int = 5 * 1024 * 1024
    """Cap on a response's body (read and discarded); a longer one is a failed request."""
    retake_share: float = 0.0
    """Closed loop: answers noticed late (see the module docstring) are sent again, up to this
    share of ``samples`` (0: none; every answer is timed)."""

    def __post_init__(self) -> None:
        if self.samples < 1:
            raise UsageError(f"samples must be at least 1, not {self.samples}")
        if self.concurrency < 1:
            raise UsageError(f"concurrency must be at least 1, not {self.concurrency}")
        if self.rate_per_s is not None and not self.rate_per_s > 0:
            raise UsageError(f"rate must be a positive number per second, not {self.rate_per_s}")
        for name in ("time_budget_s", "request_timeout_s"):
            if not getattr(self, name) > 0:
                raise UsageError(f"{name} must be a positive number of seconds")
        if not 0 <= self.retake_share <= 1:
            raise UsageError(f"retake_share must be within [0, 1], not {self.retake_share}")

    @property
    def max_retakes(self) -> int:
        """Most answers sent again (closed loop only)."""
        return math.floor(self.retake_share * self.samples) if self.rate_per_s is None else 0

    @property
    def mode(self) -> str:
        """``"open"`` (constant rate) or ``"closed"`` (send on answer)."""
        return "closed" if self.rate_per_s is None else "open"

    @property
    def workers(self) -> int:
        """Connections actually used: never more than requests."""
        return min(self.concurrency, self.samples)


@dataclass(frozen=True)
class SampleTarget:
    """Where and what to send: an address to connect to and the exact request bytes."""

    url: str
    """The route's URL, for messages and the Host header."""
    address: str
    """IP address to connect to (already resolved, overrides applied)."""
    port: int
    request: bytes
    """The full HTTP/1.1 request, head and body."""
    server_hostname: str = ""
    """SNI and certificate name for TLS."""
    ssl_context: ssl.SSLContext | None = None
    """``None`` for plain http."""
    method: str = "GET"
    ok_statuses: frozenset[int] | None = None
    """Statuses that count as success; ``None`` means any status below 400."""

    @classmethod
    def from_url(
        cls,
        url: str,
        address: str,
        port: int | None = None,
        *,
        method: str = "GET",
        headers: Iterable[tuple[str, str]] = (),
        body: bytes = b"",
        ssl_context: ssl.SSLContext | None = None,
        ok_statuses: Iterable[int] | None = None,
        user_agent: str = DEFAULT_USER_AGENT,
    ) -> SampleTarget:
        """Build the request for ``url``; connect to ``address:port`` (default: the URL's).

        Raises :class:`UsageError` for a URL that is not plain http(s) or that holds
        characters a request line cannot carry.
        """
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(f"{url!r} is not an http:// or https:// URL with a host")
        if scheme == "https" and ssl_context is None:
            raise UsageError(f"{url!r} is https but no SSL context was given")
        default_port = 443 if scheme == "https" else 80
        url_port = parts.port or default_port
        host = parts.hostname
        host_header = f"[{host}]" if ":" in host else host
        if url_port != default_port:
            host_header += f":{url_port}"
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        method = method.upper()
        lines = [
            f"{method} {target} HTTP/1.1",
            f"Host: {host_header}",
            f"User-Agent: {user_agent}",
            "Accept: */*",
            "Accept-Encoding: gzip, deflate",
        ]
        lines += [f"{name}: {value}" for name, value in headers]
        if body or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body)}")
        if any(_unsendable(line) for line in lines) or " " in method + target:
            raise UsageError(
                f"{url!r} or one of its headers holds characters a request line cannot carry "
                "(percent-encode spaces and non-ASCII characters)"
            )
        return cls(
            url=url,
            address=address,
            port=url_port if port is None else port,
            request=("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + body,
            server_hostname=host if scheme == "https" else "",
            ssl_context=ssl_context if scheme == "https" else None,
            method=method,
            ok_statuses=None if ok_statuses is None else frozenset(ok_statuses),
        )

    def is_ok(self, status: int) -> bool:
        """Whether ``status`` counts as a successful answer."""
        return status < 400 if self.ok_statuses is None else status in self.ok_statuses


# --- what a run found -----------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One request: when it was meant to go, how long it took, how it ended."""

    index: int
    """Order in the plan (0-based); open-loop request ``i`` was intended at ``i / rate``."""
    worker: int
    latency_ms: float
    """See the module docstring; for a failure, the time until it failed."""
    status: int | None
    """HTTP status, or ``None`` when no complete answer arrived."""
    ok: bool
    failure: str = ""
    """Short reason when not ok: ``timeout``, ``closed``, ``protocol``, ``status 503``..."""
    send_lag_ms: float = 0.0
    """Delay between "connection free and request due" and sending it: the client's own."""
    answer_lag_ms: float = 0.0
    """How late this client's event loop was when the answer was noticed: the answer may have
    waited up to this long before its end was stamped."""
    cpu_wait_ms: float = 0.0
    """Of that, how long the loop's thread waited for a CPU (0 where the system does not say)."""
    retaken: bool = False
    """Noticed late: left out of the figures, and another request was sent in its place."""


@dataclass(frozen=True)
class SampleRun:
    """A finished run: the plan, every sample, the summary and what the client was doing."""

    url: str
    plan: SamplePlan
    samples: tuple[Sample, ...]
    summary: LatencySummary
    wall_s: float
    """From the first request's intended start to the last answer."""
    client_cpu_s: float
    """Process CPU time used meanwhile (``time.process_time``)."""
    loop_lag_p95_ms: float
    """95th percentile, over the timed answers, of how late the event loop was as each one
    was noticed (:attr:`Sample.answer_lag_ms`): by up to this much a timed figure may be high."""
    send_lag_mean_ms: float
    send_lag_p95_ms: float
    connects: int
    """Connections opened (more than ``plan.workers`` means the server closed some)."""
    budget_exhausted: bool
    """The time budget ran out before every planned request was sent."""
    client_bound_reasons: tuple[str, ...] = field(default_factory=tuple)
    """Why the numbers may describe the client; empty when they describe the server."""
    reconnect_ms: tuple[float, ...] = ()
    """Time each reopening of a connection the server had closed took; not in any latency."""
    retried: int = 0
    """Requests sent again because their kept-alive connection closed before any answer."""
    loop_lag_run_p95_ms: float = 0.0
    """95th percentile of how late the event loop ran its probe over the whole run, waits
    included: how busy this process was, not all of it in the figures."""

    @property
    def client_bound(self) -> bool:
        return bool(self.client_bound_reasons)

    @property
    def timed(self) -> list[Sample]:
        """The answers in the figures: successful and not retaken."""
        return [s for s in self.samples if s.ok and not s.retaken]

    @property
    def retaken(self) -> int:
        """Answers left out because they were noticed late; a request was sent for each."""
        return sum(1 for s in self.samples if s.retaken)

    @property
    def sent(self) -> int:
        return len(self.samples)

    @property
    def errors(self) -> int:
        return sum(1 for s in self.samples if not s.ok)

    @property
    def error_rate(self) -> float:
        """Failed share of the requests sent (0-1)."""
        return self.errors / self.sent if self.samples else 0.0

    @property
    def requests_per_s(self) -> float:
        return self.sent / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def client_cpu_share(self) -> float:
        """Client CPU as a share of one core over the run (0-1, may exceed 1 with threads)."""
        return self.client_cpu_s / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def failures(self) -> dict[str, int]:
        """How many requests failed, by reason."""
        return dict(Counter(s.failure for s in self.samples if not s.ok))

    def evidence(self) -> dict[str, JSONValue]:
        """The run as plain data, with the key names the reports read (``p95_ms``...)."""
        s = self.summary
        return {
            "p50_ms": _ms(s.p50_ms),
            "p95_ms": _ms(s.p95_ms),
            "p99_ms": _ms(s.p99_ms),
            "min_ms": _ms(s.min_ms),
            "max_ms": _ms(s.max_ms),
            "mean_ms": _ms(s.mean_ms),
            "samples": s.count,
            "sent": self.sent,
            "errors": self.errors,
            "error_rate": round(self.error_rate, 4),
            "failures": dict(sorted(self.failures.items())),
            "mode": self.plan.mode,
            "concurrency": self.plan.workers,
            "rate_per_s": self.plan.rate_per_s,
            "requests_per_s": round(self.requests_per_s, 1),
            "duration_s": round(self.wall_s, 3),
            "budget_exhausted": self.budget_exhausted,
            "connects": self.connects,
            "reconnects": len(self.reconnect_ms),
            "reconnect_p50_ms": _ms(
                quantile(self.reconnect_ms, 0.5) if self.reconnect_ms else None
            ),
            "reconnect_max_ms": _ms(max(self.reconnect_ms, default=None)),
            "retried": self.retried,
            "client_cpu_pct": round(self.client_cpu_share * 100, 1),
            "loop_lag_p95_ms": _ms(self.loop_lag_p95_ms),
            "loop_lag_run_p95_ms": _ms(self.loop_lag_run_p95_ms),
            "cpu_wait_p95_ms": _ms(
                quantile([s.cpu_wait_ms for s in timed], 0.95) if (timed := self.timed) else 0.0
            ),
            "retaken": self.retaken,
            "retaken_lag_p50_ms": _ms(
                quantile(late, 0.5)
                if (late := [s.answer_lag_ms for s in self.samples if s.retaken])
                else None
            ),
            "send_lag_mean_ms": _ms(self.send_lag_mean_ms),
            "send_lag_p95_ms": _ms(self.send_lag_p95_ms),
            "client_bound": self.client_bound,
            "client_bound_reasons": list(self.client_bound_reasons),
            "quantile_method": "nearest-rank",
        }


def _unsendable(line: str) -> bool:
    """Control characters (header injection) or non-ASCII text in a request head line."""
    return any(not (" " <= ch <= "~") and ch != "\t" for ch in line)


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


# --- the run --------------------------------------------------------------------------------


async def sample_latency(
    target: SampleTarget,
    plan: SamplePlan,
    *,
    clock: Clock = time.perf_counter,
    cpu_clock: Clock = time.process_time,
) -> SampleRun:
    """Sample ``target`` according to ``plan``; never raises on transport trouble.

    Connections are opened before the clock starts (connect and TLS time are not latency).
    Every connection is closed before returning, also when the caller is cancelled.
    """
    with _probe(clock) as probe:
        run = SamplingRun(target, plan, clock, probe)
        watchdog: asyncio.Task[None] | None = None
        try:
            # Open every connection up front; one that fails is retried by its first request.
            await asyncio.gather(*(_open_quietly(c) for c in run.connections))
            watchdog = asyncio.get_running_loop().create_task(run.watch_timeouts())
            start_mark = probe.mark
            cpu_start = cpu_clock()
            run.t0 = clock()
            run.deadline = run.t0 + plan.time_budget_s
            if plan.rate_per_s is None:
                workers = [run.closed_worker(i) for i in range(plan.workers)]
            else:
                workers = [run.open_worker(i, plan.rate_per_s) for i in range(plan.workers)]
            await asyncio.gather(*workers)
            wall = clock() - run.t0
            cpu = cpu_clock() - cpu_start
            ticks = probe.lags_between(start_mark, probe.mark)
            # Every answer judged again with the whole record (a worker may have looked
            # before the probe's tick for its moment had run).
            for request in run.requests:
                if not request.failure:
                    busy = probe.lateness_at(request.done)
                    request.answer_lag_ms = max(busy, request.cpu_wait_ms)
            run.keep_unreplaced()
        finally:
            if watchdog is not None:
                watchdog.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watchdog
            await asyncio.gather(*(c.close() for c in run.connections))
    samples = tuple(
        Sample(
            index=r.index,
            worker=r.worker,
            latency_ms=r.latency_ms,
            status=r.status,
            ok=not r.failure,
            failure=r.failure,
            send_lag_ms=r.send_lag_ms,
            answer_lag_ms=r.answer_lag_ms,
            cpu_wait_ms=r.cpu_wait_ms,
            retaken=r.retaken,
        )
        for r in sorted(run.requests, key=lambda r: r.index)
    )
    timed = [s for s in samples if s.ok and not s.retaken]
    summary = summarize([s.latency_ms for s in timed])
    limit = lag_limit_ms(summary.p50_ms)
    late_retaken = sum(1 for s in samples if s.retaken and s.answer_lag_ms > limit)
    answer_lag = quantile([s.answer_lag_ms for s in timed], 0.95) if timed else 0.0
    lags = [s.send_lag_ms for s in samples]
    send_mean = math.fsum(lags) / len(lags) if lags else 0.0
    send_p95 = quantile(lags, 0.95) if lags else 0.0
    cpu_share = cpu / wall if wall > 0 else 0.0
    return SampleRun(
        url=target.url,
        plan=plan,
        samples=samples,
        summary=summary,
        wall_s=wall,
        client_cpu_s=cpu,
        loop_lag_p95_ms=answer_lag,
        loop_lag_run_p95_ms=quantile(ticks, 0.95) if ticks else 0.0,
        send_lag_mean_ms=send_mean,
        send_lag_p95_ms=send_p95,
        connects=sum(c.opened for c in run.connections),
        reconnect_ms=tuple(run.reconnect_ms),
        retried=run.retried,
        budget_exhausted=run.budget_exhausted,
        client_bound_reasons=client_bound_reasons(
            summary,
            cpu_share=cpu_share,
            loop_lag_ms=answer_lag,
            send_lag_ms=send_p95,
            retaken=late_retaken,
            retake_cap=run.max_retakes,
            cpu_wait_ms=quantile([s.cpu_wait_ms for s in timed], 0.95) if timed else 0.0,
        ),
    )


@contextlib.contextmanager
def _probe(clock: Clock) -> Iterator[LoopProbe]:
    """The loop's shared probe, or one of the run's own for a clock other than the default."""
    if clock is time.perf_counter:
        with shared_probe() as probe:
            yield probe
        return
    probe = LoopProbe(clock)
    probe.start()
    try:
        yield probe
    finally:
        probe.stop()


def client_bound_reasons(
    summary: LatencySummary,
    *,
    cpu_share: float,
    loop_lag_ms: float,
    send_lag_ms: float,
    retaken: int = 0,
    retake_cap: int = 0,
    cpu_wait_ms: float = 0.0,
) -> tuple[str, ...]:
    """Why a run's numbers may describe the client rather than the server (empty: they don't).

    ``loop_lag_ms`` (how late the loop was as the timed answers arrived) and ``send_lag_ms``
    are p95 figures; the limit is :func:`lag_limit_ms`. ``retaken`` answers were noticed later
    than that limit and replaced; reaching ``retake_cap`` means the client was busy for more of
    its answers than the run could replace, and flags the run even when those kept were on time.
    ``cpu_wait_ms`` (p95) is the part of the loop's lag spent waiting for a CPU, when known: most
    of it means the machine had none to spare, rather than this process being busy.
    """
    reasons = []
    if cpu_share >= CLIENT_CPU_LIMIT:
        reasons.append(f"client CPU at {cpu_share:.0%} of one core")
    limit = lag_limit_ms(summary.p50_ms)
    if loop_lag_ms > limit:
        why = "this process was busy or waiting for a CPU"
        if cpu_wait_ms >= loop_lag_ms / 2:
            why = f"{cpu_wait_ms:.1f} ms of it waiting for a CPU, which the machine had none of"
        reasons.append(
            f"event loop late by {loop_lag_ms:.1f} ms (p95, as answers arrived), over "
            f"{limit:.1f} ms: {why}"
        )
    if send_lag_ms > limit:
        reasons.append(f"requests sent {send_lag_ms:.1f} ms behind schedule (p95)")
    if retake_cap and retaken >= retake_cap:
        reasons.append(
            f"event loop late as {retaken} answers arrived, the most a run retakes: "
            "this process was busy or waiting for a CPU"
        )
    return tuple(reasons)


async def _open_quietly(conn: Connection) -> None:
    with contextlib.suppress(RequestFailed):
        await conn.open()

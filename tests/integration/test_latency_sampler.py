"""The latency sampler against real sockets: the bench world's known delays, and small servers
that stall, close, chunk or never answer.

Truth is what the server waited (``RunningWorld.delays``), quantiles by the sampler's own
nearest-rank method over exactly the requests the run sent. The sandbox shares this test's event
loop, so the median is held to the target ``max(5 %, 2 ms)`` and the tails more loosely;
``bench/latency.py`` measures every quantile against a server in its own process.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field

import pytest

from launch_tui.net.sampler import SamplePlan, SampleTarget, quantile, sample_latency
from launch_tui.sandbox import RunningWorld, SandboxThread

pytest_plugins = ["sandbox_fixtures"]

HOST = "http.bench.test"


def target(world: RunningWorld, path: str, host: str = HOST) -> SampleTarget:
    running = world.host(host)
    if running.scheme == "https":
        context = ssl.create_default_context(cafile=str(world.ca_bundle))
        return SampleTarget.from_url(
            f"https://{host}{path}", running.address, running.port, ssl_context=context
        )
    return SampleTarget.from_url(f"http://{host}{path}", running.address, running.port)


def within(got: float | None, want: float, *, share: float, floor_ms: float) -> bool:
    assert got is not None
    return abs(got - want) <= max(share * want, floor_ms)


# --- accuracy against the sandbox ---------------------------------------------------------------


@pytest.mark.parametrize(("concurrency", "samples"), [(1, 60), (10, 300)])
async def test_fixed_delay_median_matches_the_delay_waited(
    bench_world: RunningWorld, concurrency: int, samples: int
) -> None:
    plan = SamplePlan(samples=samples, concurrency=concurrency, time_budget_s=30)
    run = await sample_latency(target(bench_world, "/fixed-20"), plan)
    delays = bench_world.delays(HOST, "/fixed-20")
    assert run.sent == len(delays) == samples
    assert run.errors == 0 and run.summary.count == samples
    true_p50 = quantile(delays, 0.5)
    print(f"c={concurrency}: p50 {run.summary.p50_ms:.2f} ms vs {true_p50:.2f} ms waited")
    # The target, max(5 %, 2 ms). Seen at 0.4-1.1 ms of error over a dozen runs on two busy
    # cores with the sandbox on this loop; p95/p99 are held to it by the benchmark only.
    assert within(run.summary.p50_ms, true_p50, share=0.05, floor_ms=2.0)
    assert run.connects == concurrency  # kept alive: one connection per worker


async def test_long_tail_shows_in_p99_not_p50(bench_world: RunningWorld) -> None:
    plan = SamplePlan(samples=300, concurrency=10, time_budget_s=30)
    run = await sample_latency(target(bench_world, "/long-tail"), plan)
    delays = bench_world.delays(HOST, "/long-tail")
    assert len(delays) == run.sent == 300
    assert quantile(delays, 0.99) == pytest.approx(400, abs=5)  # 5 % of requests take 400 ms
    assert within(run.summary.p99_ms, quantile(delays, 0.99), share=0.05, floor_ms=4.0)
    assert within(run.summary.p50_ms, quantile(delays, 0.5), share=0.10, floor_ms=4.0)


async def test_tls_route_keeps_sni_and_host(bench_world: RunningWorld) -> None:
    plan = SamplePlan(samples=20, concurrency=2, time_budget_s=30)
    run = await sample_latency(target(bench_world, "/fixed-20", "api.bench.test"), plan)
    assert run.errors == 0, run.failures
    assert len(bench_world.delays("api.bench.test", "/fixed-20")) == 20
    assert all(s.scheme == "https" for s in bench_world.served())


async def test_failed_requests_are_counted_not_timed(bench_world: RunningWorld) -> None:
    run = await sample_latency(target(bench_world, "/nope"), SamplePlan(samples=10))
    assert run.errors == 10 and run.summary.count == 0 and run.summary.p50_ms is None
    assert run.failures == {"status 404": 10}
    assert run.evidence()["error_rate"] == 1.0


async def test_connect_refused_is_a_failure_per_request() -> None:
    plan = SamplePlan(samples=4, concurrency=2, request_timeout_s=2)
    where = SampleTarget.from_url("http://t.test/", "127.0.0.1", closed_port())
    run = await sample_latency(where, plan)
    assert run.failures == {"connect": 4}


async def test_time_budget_stops_sending(bench_world: RunningWorld) -> None:
    plan = SamplePlan(samples=10_000, concurrency=1, time_budget_s=0.3)
    run = await sample_latency(target(bench_world, "/fixed-20"), plan)
    assert run.budget_exhausted
    assert 3 <= run.sent <= 16  # about 0.3 s / 20 ms, fewer when the machine is busy
    assert run.wall_s < 1.0


@pytest.fixture(scope="module")
def threaded_bench() -> Iterator[RunningWorld]:
    """The bench world on a thread of its own: it answers while this test's loop is blocked,
    as a remote server would."""
    with SandboxThread("bench") as running:
        yield running


async def hog_loop(done: asyncio.Event) -> None:
    while not done.is_set():
        time.sleep(0.02)  # blocking the loop on purpose: a busy client
        await asyncio.sleep(0.001)


async def test_a_busy_event_loop_flags_the_run_as_client_bound(
    threaded_bench: RunningWorld,
) -> None:
    done = asyncio.Event()
    hogging = asyncio.create_task(hog_loop(done))
    try:
        # Retakes as the checks use them: most answers are late, more than they can replace.
        plan = SamplePlan(samples=40, concurrency=4, time_budget_s=30, retake_share=0.5)
        run = await sample_latency(target(threaded_bench, "/fixed-5"), plan)
    finally:
        done.set()
        await hogging
    assert run.client_bound
    assert run.retaken == plan.max_retakes
    assert any(r.startswith("event loop late by") for r in run.client_bound_reasons)
    assert run.evidence()["client_bound"] is True


async def test_late_answers_with_no_time_left_to_replace_them_are_timed_after_all(
    threaded_bench: RunningWorld,
) -> None:
    done = asyncio.Event()
    hogging = asyncio.create_task(hog_loop(done))
    try:
        # 0.1 s: far too little for 40 answers on a loop free 1 ms in 21.
        plan = SamplePlan(samples=40, concurrency=4, time_budget_s=0.1, retake_share=0.5)
        run = await sample_latency(target(threaded_bench, "/fixed-5"), plan)
    finally:
        done.set()
        await hogging
    answered = sum(1 for s in run.samples if s.ok)
    assert run.budget_exhausted and 0 < answered < plan.samples
    # Every late answer is timed after all: none was left out for nothing.
    assert run.retaken == 0 and run.summary.count == answered
    assert run.client_bound  # and their lag counts


async def test_without_retakes_every_late_answer_is_timed_and_flagged(
    threaded_bench: RunningWorld,
) -> None:
    done = asyncio.Event()
    hogging = asyncio.create_task(hog_loop(done))
    try:
        plan = SamplePlan(samples=30, concurrency=3, time_budget_s=30)
        run = await sample_latency(target(threaded_bench, "/fixed-5"), plan)
    finally:
        done.set()
        await hogging
    assert run.retaken == 0 and run.summary.count == run.sent == 30
    assert run.loop_lag_p95_ms > 5.0  # answers sat behind 20 ms blocks
    assert run.client_bound


# --- a server that stalls, and one that frames answers in every legal way ---------------------


@dataclass
class TinyServer:
    """A loopback HTTP/1.1 server whose answers tests control; ``gate`` cleared = stalled."""

    answer: Callable[[bytes], bytes]
    delay_s: float = 0.005
    first_delay_s: float | None = None
    """The first request's delay, when not ``delay_s``."""
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    requests: int = 0
    port: int = 0
    _writers: list[asyncio.StreamWriter] = field(default_factory=list)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                self.requests += 1
                await self.gate.wait()
                first = self.requests == 1 and self.first_delay_s is not None
                await asyncio.sleep(self.first_delay_s if first else self.delay_s)
                answer = self.answer(head)
                if not answer:
                    await reader.read()  # never answer: wait for the client to give up
                    return
                writer.write(answer)
                await writer.drain()
                if ends_by_closing(answer):
                    writer.close()
                    return


@contextlib.asynccontextmanager
async def tiny_server(
    answer: Callable[[bytes], bytes], delay_s: float = 0.005
) -> AsyncIterator[TinyServer]:
    tiny = TinyServer(answer, delay_s)
    tiny.gate.set()
    server = await asyncio.start_server(tiny.handle, "127.0.0.1", 0)
    tiny.port = server.sockets[0].getsockname()[1]
    try:
        yield tiny
    finally:
        server.close()
        for writer in tiny._writers:
            writer.transport.abort()
        await server.wait_closed()


def ok(_: bytes) -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def ends_by_closing(answer: bytes) -> bool:
    """Whether the last answer in ``answer`` is framed by closing the connection."""
    final = answer.rsplit(b"HTTP/1.", 1)[-1]
    if b"Connection: close" in final:
        return True
    framed = b"Content-Length" in final or b"chunked" in final or final.startswith(b"1 204")
    return not framed


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def stall_for(tiny: TinyServer, after_s: float, seconds: float) -> None:
    await asyncio.sleep(after_s)
    tiny.gate.clear()
    await asyncio.sleep(seconds)
    tiny.gate.set()


async def test_open_loop_counts_a_stall_that_closed_loop_hides() -> None:
    async with tiny_server(ok) as tiny:
        where = SampleTarget.from_url("http://stall.test/", "127.0.0.1", tiny.port)
        # Open loop: 100 requests/s for 2 s on 5 connections; the server stalls 1 s after 0.5 s.
        stall = asyncio.create_task(stall_for(tiny, 0.5, 1.0))
        open_run = await sample_latency(
            where, SamplePlan(samples=200, concurrency=5, rate_per_s=100, time_budget_s=10)
        )
        await stall
        # Closed loop through the same stall.
        stall = asyncio.create_task(stall_for(tiny, 0.5, 1.0))
        closed_run = await sample_latency(
            where, SamplePlan(samples=100_000, concurrency=5, time_budget_s=3)
        )
        await stall
    print(f"open p99 {open_run.summary.p99_ms:.0f} ms, closed p99 {closed_run.summary.p99_ms:.0f}")
    assert open_run.errors == 0 and open_run.sent == 200
    # Requests meant for the stalled second count from when they were meant to go.
    assert (open_run.summary.p99_ms or 0) >= 900
    assert (open_run.summary.p95_ms or 0) >= 500
    # Closed loop sent nothing while it waited: 5 slow answers among a thousand fast ones.
    assert (closed_run.summary.max_ms or 0) >= 900
    assert (closed_run.summary.p99_ms or 0) < 500


async def test_a_slow_first_answer_does_not_hold_back_the_other_workers() -> None:
    # A long-tail route's first answer may be one of its slow ones: the other workers start
    # within a twentieth of the budget anyway, not after that answer and a spread over it.
    async with tiny_server(ok, delay_s=0.02) as tiny:
        tiny.first_delay_s = 1.5
        where = SampleTarget.from_url("http://tail.test/", "127.0.0.1", tiny.port)
        run = await sample_latency(where, SamplePlan(samples=30, concurrency=5, time_budget_s=3))
    assert run.sent == 30 and run.errors == 0
    assert {s.worker for s in run.samples} == set(range(5))
    # The 29 fast answers came while the slow one was awaited (held back: about 2.1 s).
    assert run.wall_s < 1.8
    assert (run.summary.max_ms or 0) >= 1400


async def test_open_loop_keeps_its_rate() -> None:
    async with tiny_server(ok) as tiny:
        where = SampleTarget.from_url("http://rate.test/", "127.0.0.1", tiny.port)
        run = await sample_latency(
            where, SamplePlan(samples=100, concurrency=4, rate_per_s=200, time_budget_s=10)
        )
    assert run.sent == 100 and run.errors == 0
    assert 0.45 <= run.wall_s <= 1.0  # 100 requests at 200/s take half a second
    assert run.evidence()["mode"] == "open"


@pytest.mark.parametrize(
    ("answer", "connects"),
    [
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\n",
            2,
        ),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", 6),
        (b"HTTP/1.1 200 OK\r\n\r\nbody until the connection closes", 6),
        (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n", 2),
        (b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", 6),
    ],
    ids=["chunked", "close", "to-eof", "continue-then-204", "http10"],
)
async def test_every_body_framing_is_read_to_its_end(answer: bytes, connects: int) -> None:
    async with tiny_server(lambda _: answer) as tiny:
        where = SampleTarget.from_url("http://frame.test/", "127.0.0.1", tiny.port)
        run = await sample_latency(where, SamplePlan(samples=6, concurrency=2, time_budget_s=5))
    assert run.errors == 0, run.failures
    assert run.connects == connects
    assert tiny.requests == 6


@pytest.mark.parametrize(
    ("answer", "failure"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n", "body too large"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", "protocol"),
        (b"SSH-2.0-OpenSSH\r\n\r\n", "protocol"),
        (b"HTTP/1.1 200 OK\r\nX: " + b"a" * 70_000 + b"\r\n\r\n", "head too large"),
        (b"", "timeout"),
    ],
    ids=["over-cap", "bad-length", "not-http", "huge-head", "never-answers"],
)
async def test_bad_answers_fail_cleanly(answer: bytes, failure: str) -> None:
    async with tiny_server(lambda _: answer) as tiny:
        where = SampleTarget.from_url("http://bad.test/", "127.0.0.1", tiny.port)
        plan = SamplePlan(samples=2, concurrency=1, request_timeout_s=0.3, time_budget_s=5)
        started = time.perf_counter()
        run = await sample_latency(where, plan)
    assert run.failures == {failure: 2}
    assert time.perf_counter() - started < 2.0

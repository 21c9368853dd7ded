"""Servers that close kept-alive connections without ``Connection: close``.

nginx at ``keepalive_requests``, proxies and idle timeouts close a connection after an answer
without saying so; a client that reuses it meets the close before any byte of its next answer.
An idempotent request is then sent once more on a fresh connection (as browsers do) and is not
a failure; the reconnect is counted and timed apart, not added to the next request's latency.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator

import pytest

from launch_tui.net.sampler import SamplePlan, SampleTarget, sample_latency
from launch_tui.sandbox import RunningWorld

pytest_plugins = ["sandbox_fixtures"]


def target(world: RunningWorld, host: str, path: str, method: str = "GET") -> SampleTarget:
    running = world.host(host)
    context = None
    if running.scheme == "https":
        context = ssl.create_default_context(cafile=str(world.ca_bundle))
    return SampleTarget.from_url(
        f"{running.scheme}://{host}{path}",
        running.address,
        running.port,
        ssl_context=context,
        method=method,
    )


@pytest.mark.parametrize("host", ["http.bench.test", "api.bench.test"])
@pytest.mark.parametrize("rate", [None, 60.0], ids=["closed-loop", "open-loop"])
async def test_a_server_closing_after_every_answer_is_not_failing(
    bench_world: RunningWorld, host: str, rate: float | None
) -> None:
    plan = SamplePlan(samples=30, concurrency=3, rate_per_s=rate, time_budget_s=30)
    run = await sample_latency(target(bench_world, host, "/drops-each"), plan)
    delays = bench_world.delays(host, "/drops-each")
    assert run.errors == 0, run.failures
    # Every request was answered once: a retried request never reached the route's handler
    # the first time (the server had closed the connection before reading it).
    assert run.sent == len(delays) == 30
    evidence = run.evidence()
    # Each request after a connection's first found it closed, by then or on sending.
    assert run.connects == 30
    assert evidence["reconnects"] == 30 - plan.workers
    assert evidence["retried"] == run.retried <= 30 - plan.workers
    # The reconnect is not latency: the median stays near the 5 ms the route waits.
    assert run.summary.p50_ms is not None and run.summary.p50_ms < 5 + 15
    print(f"{host} rate={rate}: retried {run.retried}, p50 {run.summary.p50_ms:.1f} ms")


async def test_a_server_closing_after_three_requests(bench_world: RunningWorld) -> None:
    plan = SamplePlan(samples=30, concurrency=1, time_budget_s=30)
    run = await sample_latency(target(bench_world, "http.bench.test", "/drops-after-3"), plan)
    assert run.errors == 0, run.failures
    assert len(bench_world.delays("http.bench.test", "/drops-after-3")) == 30
    assert run.connects == 10  # three answers per connection
    assert run.evidence()["reconnects"] == 9


@contextlib.asynccontextmanager
async def reads_then_drops() -> AsyncIterator[int]:
    """A server that answers a connection's first request, then reads the next and closes.

    The second request was read, so the client's write succeeded: only the close, before any
    byte of an answer, tells it the connection was not usable (the race a browser retries).
    """

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()
            await reader.readuntil(b"\r\n\r\n")
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize("method", ["GET", "HEAD", "DELETE"])
async def test_an_idempotent_request_is_sent_again_on_a_fresh_connection(method: str) -> None:
    async with reads_then_drops() as port:
        where = SampleTarget.from_url("http://t.test/", "127.0.0.1", port, method=method)
        run = await sample_latency(where, SamplePlan(samples=10, concurrency=1))
    assert run.errors == 0, run.failures
    assert run.retried == 9  # every request after the first met the close
    assert run.evidence()["retried"] == 9
    assert run.connects == 10


async def test_a_post_that_meets_a_closed_connection_is_a_failure() -> None:
    # The server may have acted on it: a POST is never sent twice.
    async with reads_then_drops() as port:
        where = SampleTarget.from_url("http://t.test/", "127.0.0.1", port, method="POST")
        run = await sample_latency(where, SamplePlan(samples=10, concurrency=1))
    assert run.retried == 0
    assert run.failures == {"closed": 5}  # every other request: the next one opens afresh
    assert run.sent - run.errors == 5


async def test_a_fresh_connection_that_closes_is_a_failure() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            await reader.readuntil(b"\r\n\r\n")
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        port = server.sockets[0].getsockname()[1]
        where = SampleTarget.from_url("http://t.test/", "127.0.0.1", port)
        run = await sample_latency(where, SamplePlan(samples=4, concurrency=1))
    finally:
        server.close()
        await server.wait_closed()
    assert run.retried == 0
    assert run.failures == {"closed": 4}

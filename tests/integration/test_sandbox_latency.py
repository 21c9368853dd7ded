"""Latency ground truth: the delays a route applies are exposed exactly and repeat run to run."""

from __future__ import annotations

import asyncio
import statistics
import time

from sandbox_fixtures import open_host, read_response, request_bytes

from launch_tui.sandbox import FixedDelay, LongTailDelay, RunningWorld, start_world
from launch_tui.sandbox.latency import LatencySampler, route_seed

pytest_plugins = ["sandbox_fixtures"]

HOST = "http.bench.test"


async def hammer(
    running: RunningWorld, path: str, total: int, connections: int, host: str = HOST
) -> list[float]:
    """``total`` requests over ``connections`` keep-alive connections; client-side ms each."""
    timings: list[float] = []

    async def one_connection(count: int) -> None:
        reader, writer = await open_host(running, host, tls=False)
        try:
            for _ in range(count):
                started = time.perf_counter()
                writer.write(request_bytes(f"http://{host}{path}", close=False))
                response = await read_response(reader)
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status == 200
        finally:
            writer.close()
            await writer.wait_closed()

    per = total // connections
    await asyncio.gather(*(one_connection(per) for _ in range(connections)))
    return timings


async def test_fixed_20ms_route_applies_exactly_20ms(bench_world: RunningWorld) -> None:
    assert bench_world.latency(HOST, "/fixed-20") == FixedDelay(20.0)
    client = await hammer(bench_world, "/fixed-20", total=200, connections=20)
    planned = bench_world.planned_delays(HOST, "/fixed-20")
    applied = bench_world.delays(HOST, "/fixed-20")
    assert len(planned) == len(applied) == 200
    assert set(planned) == {20.0}
    overshoot = [a - 20.0 for a in applied]
    print(
        f"applied: min {min(applied):.3f} ms, median {statistics.median(applied):.3f} ms, "
        f"max {max(applied):.3f} ms; client median {statistics.median(client):.3f} ms"
    )
    assert min(overshoot) > -0.5  # the loop never wakes meaningfully early
    # Every client measurement includes the server's wait.
    assert min(client) >= min(applied)


async def test_planned_delays_are_the_seeded_sequence(bench_world: RunningWorld) -> None:
    await hammer(bench_world, "/normal", total=20, connections=1)
    latency = bench_world.latency(HOST, "/normal")
    sampler = LatencySampler(latency, route_seed(bench_world.world.seed, HOST, "GET", "/normal"))
    expected = [sampler.next_ms() for _ in range(20)]
    assert list(bench_world.planned_delays(HOST, "/normal")) == expected


async def test_delays_repeat_across_runs() -> None:
    runs = []
    for _ in range(2):
        async with start_world("bench") as running:
            await hammer(running, "/long-tail", total=30, connections=1)
            runs.append(running.planned_delays(HOST, "/long-tail"))
    assert runs[0] == runs[1]
    assert set(runs[0]) <= {20.0, 400.0}


async def test_true_quantiles_are_exposed(bench_world: RunningWorld) -> None:
    tail = bench_world.latency(HOST, "/long-tail")
    assert tail == LongTailDelay(fast_ms=20, slow_ms=400, p=0.05)
    assert tail.quantile(0.5) == 20.0
    assert tail.quantile(0.95) == 20.0
    assert tail.quantile(0.951) == 400.0
    assert tail.quantile(0.99) == 400.0
    normal = bench_world.latency(HOST, "/normal")
    assert abs(normal.quantile(0.95) - (50 + 1.6448536 * 10)) < 1e-4


async def test_latency_does_not_block_other_requests(bench_world: RunningWorld) -> None:
    started = time.perf_counter()
    await hammer(bench_world, "/fixed-20", total=50, connections=50)
    elapsed = time.perf_counter() - started
    print(f"50 concurrent 20 ms requests in {elapsed * 1000:.0f} ms")
    assert len(bench_world.delays(HOST, "/fixed-20")) == 50

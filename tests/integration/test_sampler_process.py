"""Latency sampling in its own process: the numbers are the server's even while this process's
event loop is blocked, a cancelled job leaves the process serving, and a closed one is reported
as unavailable (the caller then samples in its own process)."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Iterator

import pytest

from launch_tui.net.sampler import SamplePlan, SampleTarget, quantile
from launch_tui.net.sampler_process import (
    SamplerPool,
    SamplerProcess,
    SamplerUnavailable,
    TlsSpec,
)
from launch_tui.sandbox import RunningWorld, SandboxThread

HOST = "http.bench.test"


@pytest.fixture(scope="module")
def bench_world() -> Iterator[RunningWorld]:
    """The bench world on a thread of its own, so it answers while this test's loop is blocked."""
    with SandboxThread("bench") as running:
        yield running


@pytest.fixture
def sampler() -> Iterator[SamplerProcess]:
    process = SamplerProcess()
    process.start()
    assert process.wait_ready(60), "the sampling process did not start"
    yield process
    process.close()


def target(world: RunningWorld, path: str) -> tuple[SampleTarget, TlsSpec]:
    running = world.host(HOST)
    scheme = running.scheme
    spec = TlsSpec(verify=True, ca_bundle=str(world.ca_bundle))
    if scheme == "https":
        # The parent's context is not sent: the child builds one from the spec.
        context = ssl.create_default_context(cafile=str(world.ca_bundle))
        url = f"https://{HOST}{path}"
        return SampleTarget.from_url(url, running.address, running.port, ssl_context=context), spec
    return SampleTarget.from_url(f"http://{HOST}{path}", running.address, running.port), spec


async def test_a_blocked_event_loop_here_does_not_reach_the_numbers(
    bench_world: RunningWorld, sampler: SamplerProcess
) -> None:
    sample, tls = target(bench_world, "/fixed-20")
    plan = SamplePlan(samples=60, concurrency=1, time_budget_s=30)
    job = asyncio.ensure_future(sampler.sample(sample, plan, tls=tls))
    # This loop is blocked 50 ms at a time for the whole run (the world runs on its own thread
    # and keeps answering): a sample on this loop would read ~25 ms late on average.
    while not job.done():
        time.sleep(0.05)
        await asyncio.sleep(0)
    run = await job
    delays = bench_world.delays(HOST, "/fixed-20")
    assert run.sent == len(delays) == 60 and run.errors == 0
    true_p50 = quantile(delays, 0.5)
    assert run.summary.p50_ms is not None
    assert abs(run.summary.p50_ms - true_p50) <= max(0.05 * true_p50, 2.0) + 3.0, (
        run.summary.p50_ms,
        true_p50,
    )


async def test_a_cancelled_job_leaves_the_process_serving(
    bench_world: RunningWorld, sampler: SamplerProcess
) -> None:
    sample, tls = target(bench_world, "/fixed-20")
    slow = asyncio.ensure_future(
        sampler.sample(sample, SamplePlan(samples=500, concurrency=1, time_budget_s=30), tls=tls)
    )
    await asyncio.sleep(0.2)
    slow.cancel()
    with pytest.raises(asyncio.CancelledError):
        await slow
    run = await sampler.sample(sample, SamplePlan(samples=5, concurrency=1), tls=tls)
    assert run.sent == 5 and run.errors == 0


async def test_a_closed_process_is_unavailable(
    bench_world: RunningWorld, sampler: SamplerProcess
) -> None:
    sample, tls = target(bench_world, "/fixed-20")
    sampler.close()
    with pytest.raises(SamplerUnavailable):
        await sampler.sample(sample, SamplePlan(samples=5, concurrency=1), tls=tls)


async def test_a_pool_starts_a_second_process_only_under_load(bench_world: RunningWorld) -> None:
    sample, tls = target(bench_world, "/fixed-20")
    small = SamplerPool(2, per_process=16)
    busy = SamplerPool(2, per_process=1)
    try:
        assert small.wait_ready(60) and busy.wait_ready(60)
        run = await small.sample(sample, SamplePlan(samples=5, concurrency=1), tls=tls)
        assert run.sent == 5 and small.processes == 1
        long = asyncio.ensure_future(
            busy.sample(sample, SamplePlan(samples=40, concurrency=1), tls=tls)
        )
        while not long.done() and busy.processes == 1:
            # The first process has a job in flight: the next one starts a second process
            # (still starting, so this job goes to the first).
            run = await busy.sample(sample, SamplePlan(samples=2, concurrency=1), tls=tls)
            assert run.sent == 2 and run.errors == 0
        assert busy.processes == 2
        assert (await long).errors == 0
    finally:
        small.close()
        busy.close()

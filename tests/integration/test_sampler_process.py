"""Latency sampling in its own process: the numbers are the server's even while this process's
event loop is blocked, a cancelled job leaves the process serving, and a closed one is reported
as unavailable (the caller then samples in its own process). A sampling process the machine
starves (stopped most of the time, as a CPU with nothing to spare would leave it) has its runs
flagged; one held up for a moment retakes the answers it noticed late and is not flagged."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import ssl
import time
from collections.abc import AsyncIterator, Iterator

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


@contextlib.asynccontextmanager
async def starved(pid: int, *, stopped_s: float, running_s: float) -> AsyncIterator[None]:
    """Stop ``pid`` for ``stopped_s`` of every ``stopped_s + running_s`` while in the block."""

    async def cycle() -> None:
        while True:
            os.kill(pid, signal.SIGSTOP)
            try:
                await asyncio.sleep(stopped_s)
            finally:
                os.kill(pid, signal.SIGCONT)
            await asyncio.sleep(running_s)

    task = asyncio.ensure_future(cycle())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


#: The checks' share of retakes (probes.RETAKE_SHARE).
RETAKES = 0.5


async def test_a_starved_sampling_process_flags_its_run(
    bench_world: RunningWorld, sampler: SamplerProcess
) -> None:
    sample, tls = target(bench_world, "/fixed-20")
    plan = SamplePlan(samples=40, concurrency=2, time_budget_s=30, retake_share=RETAKES)
    assert sampler.pid is not None
    async with starved(sampler.pid, stopped_s=0.03, running_s=0.005):
        run = await sampler.sample(sample, plan, tls=tls)
    assert run.errors == 0
    # Most answers arrived while it was stopped: more than the run may retake.
    assert run.retaken == plan.max_retakes == 20
    assert run.client_bound, run.evidence()
    assert any(r.startswith("event loop late") for r in run.client_bound_reasons)


async def test_a_moment_of_starvation_is_retaken_not_flagged(
    bench_world: RunningWorld, sampler: SamplerProcess
) -> None:
    sample, tls = target(bench_world, "/fixed-20")
    plan = SamplePlan(samples=60, concurrency=2, time_budget_s=30, retake_share=RETAKES)
    assert sampler.pid is not None
    job = asyncio.ensure_future(sampler.sample(sample, plan, tls=tls))
    await asyncio.sleep(0.2)  # mid-run (60 requests of 20 ms on 2 connections: about 0.6 s)
    os.kill(sampler.pid, signal.SIGSTOP)
    time.sleep(0.08)  # the server, on its own thread, answers meanwhile
    os.kill(sampler.pid, signal.SIGCONT)
    run = await job
    assert not job.cancelled() and run.errors == 0
    evidence = run.evidence()
    assert 1 <= run.retaken < plan.max_retakes, evidence
    assert run.summary.count == 60  # every retaken answer was replaced
    assert not run.client_bound, run.client_bound_reasons
    # The answers it kept are the server's: the route waits 20 ms.
    assert run.summary.p50_ms is not None and abs(run.summary.p50_ms - 20) <= 3.0 + 2.0
    assert isinstance(evidence["retaken_lag_p50_ms"], float)
    assert evidence["retaken_lag_p50_ms"] > 2.0

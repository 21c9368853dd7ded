"""The loop probe's account of one moment: how long the loop had been unable to notice anything.

An answer noticed at ``t`` may have waited since the due time of a tick that was overdue at
``t`` (the loop was busy from then on), and no longer than that; when every tick around ``t``
ran on time, it did not wait for the loop. The whole-run figure is every tick's lateness.
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import time

import pytest

from launch_tui.net.loop_probe import LoopProbe, shared_probe


def probe_with(ticks: list[tuple[float, float]]) -> LoopProbe:
    """A stopped probe holding ``(ran, lateness_ms)`` ticks."""
    probe = LoopProbe(clock=lambda: 0.0)
    for ran, lateness_ms in ticks:
        probe.ran.append(ran)
        probe.lags_ms.append(lateness_ms)
    return probe


def test_an_answer_noticed_while_a_tick_was_overdue_waited_since_its_due_time() -> None:
    # Ticks on time at 1.000 and 1.005; the next, due at 1.010, ran 40 ms late at 1.050.
    probe = probe_with([(1.000, 0.0), (1.005, 0.0), (1.050, 40.0)])
    assert probe.lateness_at(1.030) == pytest.approx(20.0)  # busy since 1.010
    assert probe.lateness_at(1.050) == pytest.approx(40.0)
    assert probe.lateness_at(1.008) == 0.0  # before that tick was due: the loop was free
    assert probe.lateness_at(1.003) == 0.0  # the tick at 1.005 ran on time


def test_an_answer_read_just_after_a_late_tick_may_have_waited_as_long() -> None:
    # A process stopped in epoll_wait resumes with the call interrupted and its timeout spent:
    # the loop runs the overdue tick, and reads the socket on its next turn.
    probe = probe_with([(1.000, 0.0), (1.045, 40.0)])
    assert probe.lateness_at(1.0452) == pytest.approx(40.0)
    assert probe.lateness_at(1.049) == pytest.approx(40.0)  # within a period of it
    assert probe.lateness_at(1.051) == 0.0  # more than a period later: a tick would be due


def test_the_whole_run_figure_is_every_tick_and_old_ticks_can_go() -> None:
    probe = probe_with([(1.0, 0.5), (1.1, 7.0), (1.2, 1.0)])
    assert probe.lags_between(0, probe.mark) == [0.5, 7.0, 1.0]
    probe.trim(2)  # no run still sampling started before the third tick
    assert probe.mark == 3 and probe.lags_between(0, 3) == [1.0]
    assert probe.lags_between(2, 3) == [1.0]


async def test_a_blocked_loop_is_seen_at_the_moment_it_frees() -> None:
    with shared_probe() as probe:
        await asyncio.sleep(0.02)  # a few ticks on time
        time.sleep(0.05)  # the loop held, as CPU work would
        noticed = time.perf_counter()
        await asyncio.sleep(0.01)
        assert probe.lateness_at(noticed) >= 40.0
        assert max(probe.lags_between(0, probe.mark)) >= 40.0


async def test_runs_on_one_loop_share_one_probe() -> None:
    with shared_probe() as first, shared_probe() as second:
        assert first is second
    with shared_probe() as third:
        assert third is not first  # the last user stopped it; a new run starts afresh


def test_lag_before_a_moment_is_not_counted_after_it() -> None:
    # A tick due at 1.010 ran at 1.050: of its 40 ms, 20 fall after 1.030.
    probe = probe_with([(1.000, 0.0), (1.005, 0.0), (1.050, 40.0), (1.055, 0.2)])
    assert probe.worst_since(2, 1.030) == pytest.approx(20.0)
    assert probe.worst_since(0, 0.0) == pytest.approx(40.0)
    assert probe.worst_since(3, 1.050) == pytest.approx(0.2)


def test_worst_since_is_the_worst_capped_lateness_of_every_tick_after_the_mark() -> None:
    rng = random.Random(7)
    for _ in range(300):
        at, ticks = 1.0, []
        for _ in range(rng.randint(0, 60)):
            lag = rng.choice([0.0, 0.3, rng.uniform(0, 5), rng.uniform(0, 200)])
            at += 0.005 + lag / 1000.0
            ticks.append((at, lag))
        probe = probe_with(ticks)
        mark = rng.randint(0, len(ticks) + 1)
        moment = rng.uniform(0.9, at + 0.05)
        naive = max([0.0] + [min(lag, (ran - moment) * 1000.0) for ran, lag in ticks[mark:]])
        assert probe.worst_since(mark, moment) == pytest.approx(naive)


def test_a_thread_sharing_its_cpu_with_busy_processes_is_seen_waiting_for_it() -> None:
    probe = LoopProbe()
    if not hasattr(os, "sched_setaffinity") or probe.waited_ms() is None:
        pytest.skip("no per-thread scheduler statistics here")
    cpu = min(os.sched_getaffinity(0))
    before = os.sched_getaffinity(0)
    hog = (
        "import os, sys; os.sched_setaffinity(0, {int(sys.argv[1])}); print('busy', flush=True)"
        "\nwhile True: pass"
    )
    hogs = [
        subprocess.Popen([sys.executable, "-c", hog, str(cpu)], stdout=subprocess.PIPE)
        for _ in range(3)
    ]
    try:
        for process in hogs:  # each is spinning on the CPU (a loaded machine starts them late)
            assert process.stdout is not None
            process.stdout.readline()
        os.sched_setaffinity(0, {cpu})
        probe.cpu_wait_since_last()
        # Runnable for 200 ms on a CPU three others keep busy: it gets a share of the CPU and
        # waits for the rest. (Short sleeps alone may not wait at all: the scheduler lets a
        # thread that slept run at once on waking.)
        end = time.monotonic() + 0.2
        while time.monotonic() < end:
            pass
        waited = probe.cpu_wait_since_last()
    finally:
        os.sched_setaffinity(0, before)
        for process in hogs:
            process.kill()
            process.wait()
            if process.stdout is not None:
                process.stdout.close()
    assert waited > 1.0


def test_answers_read_on_one_wake_up_share_its_wait() -> None:
    readings = iter([100.0, 112.0, 112.0, 112.0])  # total wait (ms) at each reading
    now = iter([1.0, 1.0005, 1.001, 1.010])  # clock at each reading
    probe = LoopProbe(clock=lambda: next(now))
    probe.waited_ms = lambda: next(readings)  # type: ignore[method-assign]
    assert probe.cpu_wait_since_last() == 0.0  # the first reading: nothing to compare with
    assert probe.cpu_wait_since_last() == 12.0  # woken 12 ms late
    assert probe.cpu_wait_since_last() == 12.0  # read in the same turn: the same wake-up
    assert probe.cpu_wait_since_last() == 0.0  # 9 ms later, no wait since

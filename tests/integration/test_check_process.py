"""Check runs in a child process (``checks.engine.run_process``) against the demo world.

The child builds its own services from the session's network settings and reaches the sandbox
(served on this test's event loop) over loopback, as it would a client's servers. What the TUI
does with it is in tests/tui/test_check_process_runs.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from dataclasses import replace
from pathlib import Path
from typing import cast

import pytest
from process_tree import alive, descendants

from launch_tui.checks import Registry, Selection, default_registry
from launch_tui.checks.engine.context import utc_now
from launch_tui.checks.engine.run_batches import BatchEvent, RunBatch, RunOutcome, run_in_batches
from launch_tui.checks.engine.run_process import (
    CHILD_GROUP_NICE,
    CheckProcess,
    CheckProcessError,
    RunRequest,
    yield_to_screen,
)
from launch_tui.checks.engine.services import NetworkOverrides, open_check_services
from launch_tui.core.model import CheckResult, Session, Status
from launch_tui.sandbox import RunningWorld, session_for

pytest_plugins = ["sandbox_fixtures"]

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")


def _request(session: Session, registry: Registry, selection: Selection) -> RunRequest:
    return RunRequest(
        session=session,
        selection=selection,
        checks=tuple(replace(check, merge=None) for check in registry),
        overrides=NetworkOverrides(),
        clock=utc_now,
        parallelism=128,
        batch_seconds=0.1,
    )


def _results(events: list[BatchEvent]) -> dict[tuple[str, str], CheckResult]:
    return {r.key: r for e in events if isinstance(e, RunBatch) for r in e.results}


async def test_a_run_in_the_child_gives_the_results_of_a_run_in_thread(
    demo_world: RunningWorld,
) -> None:
    session = session_for(demo_world)
    registry = default_registry()
    process = CheckProcess()
    try:
        in_child: list[BatchEvent] = []
        await process.run(
            _request(session, registry, Selection()), in_child.append, asyncio.Event()
        )
        in_thread: list[BatchEvent] = []
        await run_in_batches(
            session=session,
            selection=Selection(),
            registry=registry,
            open_services=lambda: open_check_services(session),
            emit=in_thread.append,
            cancel=asyncio.Event(),
            clock=utc_now,
            parallelism=128,
            batch_seconds=0.1,
        )
    finally:
        process.close()
    child, thread = _results(in_child), _results(in_thread)
    assert len(child) > 100
    assert set(child) == set(thread)
    # Same verdicts; summaries differ only by what was measured (timings, random ids). The
    # perf checks' verdicts are timings themselves, and the demo's /dashboard answers 8 % of
    # requests in 1.4 s: whether one such answer lands in a run is a draw, not the process.
    steady = {k for k in child if not k[0].startswith("perf.")}
    assert {k: (child[k].status, child[k].severity) for k in steady} == {
        k: (thread[k].status, thread[k].severity) for k in steady
    }
    assert {k: sorted(child[k].evidence) for k in steady} == {
        k: sorted(thread[k].evidence) for k in steady
    }
    end = in_child[-1]
    assert isinstance(end, RunOutcome) and not end.cancelled and end.done == end.total == len(child)


async def test_cancelling_stops_the_run_in_the_child_and_the_next_run_works(
    demo_world: RunningWorld,
) -> None:
    session = session_for(demo_world)
    registry = default_registry()
    process = CheckProcess()
    cancel = asyncio.Event()
    events: list[BatchEvent] = []

    def emit(event: BatchEvent) -> None:
        events.append(event)
        if isinstance(event, RunBatch) and event.results:
            cancel.set()  # mid-run: the first results are in, most checks are still going

    try:
        await process.run(_request(session, registry, Selection()), emit, cancel)
        end = events[-1]
        assert isinstance(end, RunOutcome) and end.cancelled
        assert 0 < end.done < end.total
        pid = process.pid
        assert pid is not None and alive(pid), "cancelling a run does not end the child"

        again: list[BatchEvent] = []
        dns = Selection(check_ids=frozenset({"dns.records"}))
        await process.run(_request(session, registry, dns), again.append, asyncio.Event())
        assert process.pid == pid
        last = again[-1]
        assert isinstance(last, RunOutcome) and not last.cancelled and last.done == last.total > 0
        assert {key[0] for key in _results(again)} == {"dns.records"}
    finally:
        process.close()


async def test_the_child_reuses_a_secret_scan_while_the_repository_is_unchanged(
    demo_world: RunningWorld,
) -> None:
    """The TUI's check process serves every run of a session: the second run of the secrets
    check starts no scan of the unchanged repository and says it reused the first's."""
    session = session_for(demo_world)
    registry = default_registry()
    process = CheckProcess()
    repo = Selection(check_ids=frozenset({"secrets.repo"}))
    runs: list[list[BatchEvent]] = [[], []]
    try:
        for events in runs:
            await process.run(_request(session, registry, repo), events.append, asyncio.Event())
    finally:
        process.close()
    first, second = (_results(events)[("secrets.repo", "")] for events in runs)
    assert first.status is second.status and first.status is not Status.ERROR
    scans = [cast(list[dict[str, object]], r.evidence["scans"]) for r in (first, second)]
    assert [s.get("reused", False) for s in scans[0]] == [False, False]
    assert [s.get("reused", False) for s in scans[1]] == [True, True]
    assert first.evidence["findings"] == second.evidence["findings"]


async def test_a_killed_child_is_a_clear_error_and_a_new_child_runs(
    demo_world: RunningWorld,
) -> None:
    session = session_for(demo_world)
    registry = default_registry()
    process = CheckProcess()
    events: list[BatchEvent] = []

    def emit(event: BatchEvent) -> None:
        events.append(event)
        if isinstance(event, RunBatch) and event.results and process.pid is not None:
            os.kill(process.pid, signal.SIGKILL)

    try:
        with pytest.raises(CheckProcessError) as caught:
            await process.run(_request(session, registry, Selection()), emit, asyncio.Event())
    finally:
        process.close()
    assert "killed by SIGKILL" in caught.value.message
    assert "Run the checks again" in caught.value.message
    assert "Traceback" not in caught.value.message
    assert process.gone
    end = events[-1]
    assert isinstance(end, RunOutcome) and end.cancelled and end.done > 0

    fresh = CheckProcess()
    try:
        again: list[BatchEvent] = []
        dns = Selection(check_ids=frozenset({"dns.records"}))
        await fresh.run(_request(session, registry, dns), again.append, asyncio.Event())
    finally:
        fresh.close()
    last = again[-1]
    assert isinstance(last, RunOutcome) and not last.cancelled and last.done == last.total > 0


async def test_a_child_that_cannot_start_says_why_without_its_secrets(
    demo_world: RunningWorld,
) -> None:
    crash = (
        "import sys; sys.stderr.write('Traceback (most recent call last):\\n  boom\\n"
        "RuntimeError: cannot reach https://ops:hunter2@vault.example token=abc123\\n');"
        " sys.exit(3)"
    )
    process = CheckProcess([sys.executable, "-c", crash])
    events: list[BatchEvent] = []
    request = _request(session_for(demo_world), default_registry(), Selection())
    try:
        with pytest.raises(CheckProcessError) as caught:
            await process.run(request, events.append, asyncio.Event(), expected_total=7)
    finally:
        process.close()
    message = caught.value.message
    assert "exit code 3" in message and "RuntimeError: cannot reach" in message
    assert "hunter2" not in message and "abc123" not in message
    assert "Traceback" not in message
    assert events == [RunOutcome(0, 7, cancelled=True)]


async def test_closing_leaves_no_process_behind(demo_world: RunningWorld) -> None:
    session = session_for(demo_world)
    process = CheckProcess()
    seen: set[int] = set()
    groups: dict[int, str] = {}
    sampling = asyncio.Event()

    def emit(event: BatchEvent) -> None:
        # The latency checks start a sampling process under the child: once one has a result,
        # note every process below this one (the others are still sampling).
        if isinstance(event, RunBatch) and any(r.check_id == "perf.latency" for r in event.results):
            assert process.pid is not None
            seen.update({process.pid} | descendants(process.pid))
            groups.update({pid: _autogroup(pid) for pid in seen})
            sampling.set()

    run = asyncio.create_task(
        process.run(_request(session, default_registry(), Selection()), emit, asyncio.Event())
    )
    try:
        await asyncio.wait(
            {run, asyncio.ensure_future(sampling.wait())},
            timeout=60,
            return_when=asyncio.FIRST_COMPLETED,
        )
        assert sampling.is_set() and not run.done()
        # Closed in the middle of a run, as the app does when it quits.
        await asyncio.to_thread(process.close)
        with contextlib.suppress(CheckProcessError):  # the run learns its process was stopped
            await asyncio.wait_for(run, timeout=30)
    finally:
        process.close()
    assert len(seen) >= 2, "a child and its sampling process"
    assert [pid for pid in seen if alive(pid)] == []
    if os.path.exists("/proc/self/autogroup"):
        # The checks' scheduling group gives way to the screen; the sampler's group (a
        # session of its own, under the child) keeps the normal priority.
        assert process.pid is not None
        assert groups[process.pid].endswith(f" nice {CHILD_GROUP_NICE}")
        samplers = [
            pid for pid in seen if pid != process.pid and groups[pid] != groups[process.pid]
        ]
        assert samplers and all(groups[pid].endswith(" nice 0") for pid in samplers)


def _autogroup(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/autogroup", encoding="ascii") as group:
            return group.read().strip()
    except OSError:
        return ""


def test_without_autogroups_the_child_keeps_its_priority(tmp_path: Path) -> None:
    assert not yield_to_screen(str(tmp_path / "no-such-dir" / "autogroup"))

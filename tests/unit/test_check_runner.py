"""The check runner: bounded concurrency, deadlines, crashes, cancellation, events."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from launch_tui.checks import (
    CheckContext,
    CheckDef,
    CheckFinished,
    CheckFunc,
    CheckServices,
    CheckStarted,
    Registry,
    RunEvent,
    RunFinished,
    WorkItem,
    context_factory,
    run_all,
    run_checks,
)
from launch_tui.checks.engine.session_run import run_session_checks
from launch_tui.core.errors import CheckError
from launch_tui.core.model import CheckResult, Session, Severity, Sprint, Status
from launch_tui.core.playbook import AppliesTo

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
SESSION = Session(
    sprint=Sprint(id="acme", client="Acme", product="Freight", engineer="", started_at=NOW)
)


def item(check_id: str, func: CheckFunc, target: str = "") -> WorkItem:
    definition = CheckDef(
        check_id, "audit", f"title {check_id}", Severity.HIGH, AppliesTo.SESSION, func
    )
    return WorkItem(definition, target)


def items_of(func: CheckFunc, count: int, prefix: str = "t.check") -> list[WorkItem]:
    return [item(f"{prefix}{i}", func) for i in range(count)]


def make_context(
    monotonic: Callable[[], float] = time.monotonic,
) -> Callable[[WorkItem], CheckContext]:
    return context_factory(SESSION, clock=lambda: NOW, monotonic=monotonic)


async def passing(ctx: CheckContext) -> CheckResult:
    return ctx.result(Status.PASS, "fine", evidence={"ok": True})


async def hang_forever(ctx: CheckContext) -> CheckResult:
    await asyncio.Event().wait()
    raise AssertionError("unreachable")


async def collect(stream: AsyncGenerator[RunEvent, None]) -> list[RunEvent]:
    async with contextlib.aclosing(stream):
        return [event async for event in stream]


def by_key(results: Sequence[CheckResult]) -> dict[tuple[str, str], CheckResult]:
    return {r.key: r for r in results}


def other_tasks() -> set[asyncio.Task[object]]:
    return {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}


# --- concurrency -------------------------------------------------------------------------------


async def test_parallelism_bound_is_reached_and_never_exceeded() -> None:
    total, bound = 10, 3
    gates = {f"t.check{i}": asyncio.Event() for i in range(total)}
    running = 0
    most = 0

    async def gated(ctx: CheckContext) -> CheckResult:
        nonlocal running, most
        running += 1
        most = max(most, running)
        try:
            await gates[ctx.check.id].wait()
        finally:
            running -= 1
        return ctx.result(Status.PASS, "ok")

    waiting: list[str] = []
    started = 0
    stream = run_checks(items_of(gated, total), make_context(), parallelism=bound)
    async with contextlib.aclosing(stream):
        async for event in stream:
            if isinstance(event, CheckStarted):
                started += 1
                waiting.append(event.check_id)
            # Release one check only once the pool is full (or nothing more can start): a
            # runner that overshot the bound would start a fourth check before this point.
            if waiting and (len(waiting) == bound or started == total):
                gates[waiting.pop(0)].set()
            if isinstance(event, RunFinished):
                finished = event
    assert most == bound
    assert [r.status for r in finished.results] == [Status.PASS] * total


async def test_parallel_checks_take_about_the_slowest_not_the_sum() -> None:
    async def slow(ctx: CheckContext) -> CheckResult:
        await asyncio.sleep(0.2)
        return ctx.result(Status.PASS, "ok")

    finished = await run_all(items_of(slow, 8), make_context(), parallelism=8)
    # Sequentially this is 1.6 s; concurrently about 0.2 s. Generous margin on purpose.
    assert 0.19 <= finished.wall_s < 0.8
    assert len(finished.results) == 8


# --- failures become results -------------------------------------------------------------------


async def test_a_check_over_its_deadline_becomes_an_error_and_the_run_goes_on() -> None:
    work = [item("t.hang", hang_forever), item("t.pass", passing)]
    finished = await run_all(work, make_context(), check_deadline_s=0.05)
    results = by_key(finished.results)
    hung = results[("t.hang", "")]
    assert hung.status is Status.ERROR
    assert hung.summary == "Timed out after 0.05 s"
    assert hung.evidence == {"error": "timeout", "deadline_s": 0.05}
    assert hung.severity is Severity.HIGH
    assert results[("t.pass", "")].status is Status.PASS
    assert not finished.timed_out and not finished.cancelled


async def test_a_crashing_check_becomes_a_one_line_error_without_traceback() -> None:
    async def crash(ctx: CheckContext) -> CheckResult:
        raise ValueError("bad answer\nfrom \x1b[31mserver " + "x" * 500)

    async def own_timeout(ctx: CheckContext) -> CheckResult:
        raise TimeoutError("upstream said so")

    work = [item("t.crash", crash), item("t.own", own_timeout), item("t.pass", passing)]
    finished = await run_all(work, make_context())
    results = by_key(finished.results)
    crashed = results[("t.crash", "")]
    assert crashed.status is Status.ERROR
    assert crashed.summary.startswith("Check crashed: ValueError: bad answer from ␛[31mserver x")
    assert len(crashed.summary) <= 200 and crashed.summary.endswith("…")
    assert "\n" not in crashed.summary and "\x1b" not in crashed.summary
    assert crashed.evidence == {"error": "crash", "exception": "ValueError"}
    for text in (crashed.summary, repr(crashed.evidence)):
        assert "Traceback" not in text and "File " not in text
    # A check's own TimeoutError is a crash, not the runner's deadline.
    assert results[("t.own", "")].summary == "Check crashed: TimeoutError: upstream said so"
    assert results[("t.pass", "")].status is Status.PASS


async def test_context_failures_and_invalid_results_become_errors() -> None:
    async def wrong_key(ctx: CheckContext) -> CheckResult:
        return CheckResult("other.check", "", Status.PASS, Severity.LOW, "not mine")

    def broken_context(work_item: WorkItem) -> CheckContext:
        if work_item.check.id == "t.noctx":
            raise RuntimeError("no resolver configured")
        return make_context()(work_item)

    work = [item("t.noctx", passing), item("t.wrong", wrong_key)]
    results = by_key((await run_all(work, broken_context)).results)
    assert results[("t.noctx", "")].summary == (
        "Could not prepare the check: RuntimeError: no resolver configured"
    )
    assert results[("t.wrong", "")].summary == "Check returned an invalid result"
    assert all(r.status is Status.ERROR for r in results.values())


async def test_results_are_stamped_with_the_injected_clocks() -> None:
    ticks = iter(float(i) for i in range(100))

    async def bare(ctx: CheckContext) -> CheckResult:
        return CheckResult("t.bare", "", Status.WARN, Severity.LOW, "built by hand")

    work = [item("t.pass", passing), item("t.bare", bare)]
    finished = await run_all(work, make_context(lambda: next(ticks)), parallelism=1)
    assert all(r.measured_at == NOW for r in finished.results)
    assert all(r.duration_ms > 0 for r in finished.results)
    assert finished.results[0].evidence == {"ok": True}


# --- the total deadline ------------------------------------------------------------------------


async def test_total_deadline_gives_every_item_exactly_one_result() -> None:
    work = [item("t.pass0", passing), item("t.pass1", passing)]
    work += [item(f"t.hang{i}", hang_forever) for i in range(4)]
    events = await collect(
        run_checks(work, make_context(), parallelism=2, check_deadline_s=None, total_deadline_s=0.2)
    )
    finished_events = [e for e in events if isinstance(e, CheckFinished)]
    assert sorted(e.result.key for e in finished_events) == sorted(w.key for w in work)
    last = events[-1]
    assert isinstance(last, RunFinished) and last.timed_out and not last.cancelled
    assert [r.key for r in last.results] == [w.key for w in work]
    for result in last.results[2:]:
        assert result.status is Status.ERROR
        assert result.summary == "Run deadline of 0.2 s reached"
        assert result.evidence == {"error": "run-deadline", "deadline_s": 0.2}
    assert not other_tasks()


# --- cancellation ------------------------------------------------------------------------------


class Hangs:
    """Checks that block until cancelled and count how many were cancelled."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.started = 0
        self.cancelled = 0
        self.all_started = asyncio.Event()
        self.all_cancelled = asyncio.Event()

    async def check(self, ctx: CheckContext) -> CheckResult:
        self.started += 1
        if self.started == self.expected:
            self.all_started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled += 1
            if self.cancelled == self.expected:
                self.all_cancelled.set()
            raise
        raise AssertionError("unreachable")


async def test_cancel_token_stops_running_checks_and_ends_with_cancelled() -> None:
    hangs = Hangs(expected=2)
    cancel = asyncio.Event()
    # Two workers: one runs t.pass then t.hang1, the other t.hang0; t.later* never start.
    work = [item("t.pass", passing), item("t.hang0", hangs.check), item("t.hang1", hangs.check)]
    work += [item(f"t.later{i}", passing) for i in range(3)]
    events: list[RunEvent] = []
    stream = run_checks(work, make_context(), parallelism=2, cancel=cancel)
    async with contextlib.aclosing(stream):
        async for event in stream:
            events.append(event)
            if isinstance(event, CheckFinished) and event.result.check_id == "t.pass":
                await hangs.all_started.wait()
                cancel.set()
    last = events[-1]
    assert isinstance(last, RunFinished) and last.cancelled and not last.timed_out
    assert [r.check_id for r in last.results] == ["t.pass"]
    assert hangs.cancelled == 2
    assert not other_tasks()


async def test_breaking_out_of_the_stream_cancels_and_leaves_no_task() -> None:
    hangs = Hangs(expected=3)
    work = [item(f"t.hang{i}", hangs.check) for i in range(3)]
    stream = run_checks(work, make_context(), parallelism=3)
    async with contextlib.aclosing(stream):
        async for event in stream:
            if isinstance(event, CheckStarted):
                await hangs.all_started.wait()
                break
    # aclosing closed the stream at the break: everything is already cancelled and awaited.
    assert hangs.cancelled == 3
    assert not other_tasks()


async def test_abandoning_the_stream_without_aclosing_still_cleans_up() -> None:
    hangs = Hangs(expected=3)
    work = [item(f"t.hang{i}", hangs.check) for i in range(3)]
    async for event in run_checks(work, make_context(), parallelism=3):
        if isinstance(event, CheckStarted):
            await hangs.all_started.wait()
            break
    # The event loop finalizes the abandoned stream; wait for that, then for its tasks.
    await asyncio.wait_for(hangs.all_cancelled.wait(), timeout=5)
    leftover = other_tasks()
    if leftover:
        await asyncio.wait(leftover, timeout=5)
    assert not other_tasks()


async def test_cancelling_the_consumer_task_cancels_the_checks() -> None:
    hangs = Hangs(expected=2)
    work = [item(f"t.hang{i}", hangs.check) for i in range(2)]
    seen: list[RunEvent] = []

    consumer = asyncio.create_task(run_all(work, make_context(), on_event=seen.append))
    await hangs.all_started.wait()
    consumer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await consumer
    assert hangs.cancelled == 2
    assert not any(isinstance(e, RunFinished) for e in seen)
    assert not other_tasks()


async def test_a_cancel_set_before_the_run_runs_nothing() -> None:
    cancel = asyncio.Event()
    cancel.set()
    finished = await run_all([item("t.pass", passing)], make_context(), cancel=cancel)
    assert finished.cancelled and finished.results == ()


# --- the event stream --------------------------------------------------------------------------


async def test_events_start_before_finish_and_end_with_results_in_item_order() -> None:
    async def varied(ctx: CheckContext) -> CheckResult:
        # Later items finish first, so completion order differs from item order.
        await asyncio.sleep(0.01 * (5 - int(ctx.check.id[-1])))
        return ctx.result(Status.PASS, "ok")

    work = items_of(varied, 5)
    seen: list[RunEvent] = []
    finished = await run_all(work, make_context(), on_event=seen.append, clock=lambda: NOW)
    assert seen[-1] is finished
    assert sum(isinstance(e, RunFinished) for e in seen) == 1
    for w in work:
        starts = [
            i
            for i, e in enumerate(seen)
            if isinstance(e, CheckStarted) and e.check_id == w.check.id
        ]
        ends = [
            i for i, e in enumerate(seen) if isinstance(e, CheckFinished) and e.result.key == w.key
        ]
        assert len(starts) == 1 and len(ends) == 1
        assert starts[0] < ends[0]
    assert all(
        isinstance(e, CheckStarted) and e.at == NOW for e in seen if isinstance(e, CheckStarted)
    )
    assert [r.key for r in finished.results] == [w.key for w in work]


async def test_items_timed_last_time_start_longest_first_and_results_stay_in_item_order() -> None:
    work = items_of(passing, 6)
    # t.check4 took longest last time, then t.check1; t.check0 was never timed.
    expected = {w.key: ms for w, ms in zip(work[1:], (400, 10, 10, 900, 30), strict=True)}
    seen: list[RunEvent] = []
    finished = await run_all(
        work, make_context(), on_event=seen.append, parallelism=1, expected_ms=expected
    )
    started = [e.check_id for e in seen if isinstance(e, CheckStarted)]
    assert started == ["t.check4", "t.check1", "t.check5", "t.check2", "t.check3", "t.check0"]
    assert [r.key for r in finished.results] == [w.key for w in work]


async def test_untimed_items_start_check_by_check_in_turns() -> None:
    """A first run: each check's first target before any check's second, so a check listed
    after one with many targets is not left waiting for a slot; timed items still go first."""
    work = [item("t.route", passing, f"r{n}") for n in range(3)]
    work += [item("t.host", passing, f"h{n}") for n in range(2)]
    work += [item("t.scan", passing)]
    seen: list[RunEvent] = []
    finished = await run_all(
        work,
        make_context(),
        on_event=seen.append,
        parallelism=1,
        expected_ms={("t.host", "h1"): 50},
    )
    started = [(e.check_id, e.target) for e in seen if isinstance(e, CheckStarted)]
    assert started == [
        ("t.host", "h1"),
        ("t.route", "r0"),
        ("t.host", "h0"),
        ("t.scan", ""),
        ("t.route", "r1"),
        ("t.route", "r2"),
    ]
    assert [r.key for r in finished.results] == [w.key for w in work]


async def test_a_session_run_starts_the_items_its_results_say_were_longest_first() -> None:
    order: list[str] = []

    async def noted(ctx: CheckContext) -> CheckResult:
        order.append(ctx.check.id)
        return ctx.result(Status.PASS, "ok")

    registry = Registry()
    for name in ("a", "b", "c"):
        registry.register(
            f"t.{name}",
            stage="audit",
            title=name,
            severity=Severity.LOW,
            applies_to=AppliesTo.SESSION,
        )(noted)
    before = SESSION
    for check_id, ms in (("t.a", 5), ("t.b", 50), ("t.c", 500)):
        result = CheckResult(
            check_id, "", Status.PASS, Severity.LOW, "ok", measured_at=NOW, duration_ms=ms
        )
        before = replace(before, results=(*before.results, result))
    await run_session_checks(before, None, CheckServices(), registry=registry, parallelism=1)
    assert order == ["t.c", "t.b", "t.a"]


async def test_an_empty_run_finishes_at_once() -> None:
    events = await collect(run_checks([], make_context()))
    assert len(events) == 1
    assert isinstance(events[0], RunFinished) and events[0].results == ()


@pytest.mark.parametrize(
    "limits",
    [{"parallelism": 0}, {"check_deadline_s": 0}, {"total_deadline_s": -1.0}],
)
async def test_bad_limits_are_check_errors(limits: dict[str, float]) -> None:
    with pytest.raises(CheckError):
        await run_all([item("t.pass", passing)], make_context(), **limits)  # type: ignore[arg-type]


class RunnerBug(BaseException):
    """Stands for a fault in the engine itself, which no check result can absorb."""


async def test_a_fault_outside_any_check_reaches_the_caller_and_leaves_no_task() -> None:
    hangs = Hangs(expected=1)

    def faulty_context(work_item: WorkItem) -> CheckContext:
        if work_item.check.id == "t.bug":
            raise RunnerBug("engine fault")
        return make_context()(work_item)

    work = [item("t.hang", hangs.check), item("t.bug", passing)]
    with pytest.raises(RunnerBug):
        await run_all(work, faulty_context, parallelism=2)
    assert hangs.cancelled == 1
    assert not other_tasks()


# --- the run over a session: merge rules and the save callable ---------------------------------


def _noting_registry() -> Registry:
    """One session check whose merge rule appends its summary to the sprint's product."""
    registry = Registry()

    def note(session: Session, result: CheckResult) -> Session:
        sprint = session.sprint
        return replace(
            session, sprint=replace(sprint, product=f"{sprint.product}|{result.summary}")
        )

    @registry.register(
        "t.noted",
        stage="audit",
        title="noted",
        severity=Severity.LOW,
        applies_to=AppliesTo.SESSION,
        merge=note,
    )
    async def noted(ctx: CheckContext) -> CheckResult:
        return ctx.result(Status.PASS, "ran")

    return registry


async def test_the_run_merges_into_what_save_holds_at_the_end_and_applies_merge_rules() -> None:
    registry = _noting_registry()
    assert list(registry.merge_rules()) == ["t.noted"]
    # The stored session changed while the run was going.
    stored = [replace(SESSION, sprint=replace(SESSION.sprint, product="Meanwhile"))]
    saves: list[Session] = []

    def save(fold: Callable[[Session], Session]) -> Session:
        saves.append(fold(stored[-1]))
        return saves[-1]

    done = await run_session_checks(
        SESSION, None, CheckServices(), save=save, registry=registry, clock=lambda: NOW
    )
    assert saves == [done]
    assert done.sprint.product == "Meanwhile|ran"
    assert [r.key for r in done.results] == [("t.noted", "")]


async def test_without_save_the_merged_session_is_only_returned() -> None:
    done = await run_session_checks(
        SESSION, None, CheckServices(), registry=_noting_registry(), clock=lambda: NOW
    )
    assert done.sprint.product == "Freight|ran" and done.result("t.noted") is not None


async def test_a_run_without_results_does_not_save() -> None:
    def save(fold: Callable[[Session], Session]) -> Session:
        raise AssertionError("nothing to save")

    done = await run_session_checks(
        SESSION, None, CheckServices(), save=save, registry=Registry(), clock=lambda: NOW
    )
    assert done is SESSION

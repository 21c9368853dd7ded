"""The run's request cache (RequestCache), shareable and RunShared on their own: which requests
are shared, for how long, and what a caller that runs out of time or is cancelled gets.

The fetches here are coroutines the test holds open with events; the sandbox tests in
``tests/integration/test_run_shared_fetches.py`` count the same things on a real server.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

import pytest

from launch_tui.checks import CheckContext, CheckDef, WorkItem, context_factory
from launch_tui.checks.engine.context import CheckServices, RunShared
from launch_tui.checks.engine.request_cache import (
    RequestCache,
    deadline_failure,
    ran_out,
    shareable,
)
from launch_tui.core.model import CheckResult, Session, Severity, Sprint
from launch_tui.core.playbook import AppliesTo
from launch_tui.net import FailureKind, FetchResult

URL = "https://www.memo.test/"
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
SESSION = Session(sprint=Sprint(id="m", client="M", product="P", engineer="", started_at=NOW))


class Origin:
    """Stands in for a server: counts fetches started, answers each when ``release`` is set."""

    def __init__(self, *, held: bool = False) -> None:
        self.started = 0
        self.finished = 0
        self.release = asyncio.Event()
        if not held:
            self.release.set()

    def start(self, url: str = URL) -> Callable[[], Coroutine[Any, Any, FetchResult]]:
        async def fetch() -> FetchResult:
            self.started += 1
            await self.release.wait()
            self.finished += 1
            return FetchResult(url=url, method="GET", final_url=url, status=200, body=b"page")

        return fetch


async def ask(
    memo: RequestCache, origin: Origin, key: object = "k", within: float = 5.0
) -> FetchResult:
    return await memo.fetch(key, origin.start(), url=URL, method="GET", within=within)


# -- what is shared ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "headers", "body", "shared"),
    [
        ("GET", None, None, True),
        ("get", None, None, True),
        ("HEAD", None, None, True),
        ("POST", None, None, False),
        ("PUT", None, None, False),
        ("DELETE", None, None, False),
        ("OPTIONS", None, None, False),
        ("GET", {"Authorization": "Bearer x"}, None, False),
        ("GET", {"If-None-Match": '"abc"'}, None, False),
        ("GET", [("X-Probe", "1")], None, False),
        ("GET", {}, None, False),  # headers given at all, even none, make it not plain
        ("GET", None, b"x", False),
        ("GET", None, b"", False),
        ("POST", None, b"{}", False),
    ],
)
def test_only_plain_get_and_head_requests_are_shareable(
    method: str, headers: object, body: bytes | None, shared: bool
) -> None:
    assert shareable(method, headers, body) is shared


async def test_concurrent_callers_of_one_key_share_one_fetch() -> None:
    memo, origin = RequestCache(), Origin(held=True)
    callers = [asyncio.create_task(ask(memo, origin)) for _ in range(10)]
    await asyncio.sleep(0)  # every caller is waiting now
    origin.release.set()
    results = await asyncio.gather(*callers)
    assert origin.started == 1
    assert all(r is results[0] for r in results)
    assert results[0].status == 200


async def test_a_finished_answer_is_kept_for_later_callers() -> None:
    memo, origin = RequestCache(), Origin()
    first = await ask(memo, origin)
    second = await ask(memo, origin)
    assert second is first
    assert origin.started == 1


async def test_different_keys_are_different_fetches() -> None:
    memo, origin = RequestCache(), Origin()
    await asyncio.gather(ask(memo, origin, "a"), ask(memo, origin, "b"), ask(memo, origin, "a"))
    assert origin.started == 2


def test_a_memo_used_on_a_new_event_loop_fetches_again() -> None:
    memo, origin = RequestCache(), Origin()
    asyncio.run(ask(memo, origin))
    asyncio.run(ask(memo, origin))
    assert origin.started == 2


# -- budgets and cancellation --------------------------------------------------------------------


async def test_a_caller_that_runs_out_of_time_gets_a_deadline_failure_naming_its_budget() -> None:
    memo, origin = RequestCache(), Origin(held=True)
    starter = asyncio.create_task(ask(memo, origin, within=5.0))
    async with asyncio.timeout(2):  # a memo ignoring the budget would wait for ever
        late = await ask(memo, origin, within=0.05)
    assert not starter.done()
    assert late.status is None and late.failure is not None
    assert late.failure.kind is FailureKind.DEADLINE
    assert late.failure.message == "No answer within 0.05 seconds (the check's remaining budget)"
    assert late.failure.elapsed_ms == pytest.approx(50.0)
    assert (late.url, late.final_url, late.method) == (URL, URL, "GET")

    origin.release.set()
    answer = await starter
    assert answer.status == 200
    assert origin.started == origin.finished == 1
    # The deadline was the caller's own: the fetch's answer is what the run keeps.
    assert await ask(memo, origin, within=0.05) is answer


@pytest.mark.parametrize("who", ["starter", "joiner"])
async def test_a_cancelled_caller_does_not_cancel_the_shared_fetch(who: str) -> None:
    memo, origin = RequestCache(), Origin(held=True)
    starter = asyncio.create_task(ask(memo, origin))
    joiner = asyncio.create_task(ask(memo, origin))
    await asyncio.sleep(0)  # both are waiting on the one fetch
    quitter, stayer = (starter, joiner) if who == "starter" else (joiner, starter)
    quitter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await quitter
    origin.release.set()
    assert (await stayer).status == 200
    assert origin.started == origin.finished == 1


async def test_a_fetch_everyone_gave_up_on_still_finishes_for_the_next_caller() -> None:
    memo, origin = RequestCache(), Origin(held=True)
    async with asyncio.timeout(2):  # a memo ignoring the budget would wait for ever
        assert (await ask(memo, origin, within=0.01)).failure is not None
    origin.release.set()
    assert (await ask(memo, origin)).status == 200
    assert origin.started == 1


# -- any answer: share() -------------------------------------------------------------------------


class Flaky:
    """Answers its first request only when ``release`` is set, and as having run out of time;
    every later request at once, with a page."""

    def __init__(self) -> None:
        self.started = 0
        self.release = asyncio.Event()

    def start(self) -> Callable[[], Coroutine[Any, Any, FetchResult]]:
        async def fetch() -> FetchResult:
            self.started += 1
            if self.started == 1:
                await self.release.wait()
                return deadline_failure(URL, "GET", 0.25)
            return FetchResult(url=URL, method="GET", final_url=URL, status=200, body=b"page")

        return fetch


async def share(cache: RequestCache, flaky: Flaky, within: float, retry_from: float) -> FetchResult:
    return await cache.share(
        "k",
        flaky.start(),
        within=within,
        ran_out=ran_out,
        timed_out=lambda: deadline_failure(URL, "GET", within),
        retry_from=retry_from,
    )


@pytest.mark.parametrize(("retry_from", "asked_again"), [(0.25, True), (60.0, False)])
async def test_an_answer_that_ran_out_is_asked_again_only_by_a_caller_with_time_to_spare(
    retry_from: float, asked_again: bool
) -> None:
    cache, flaky = RequestCache(), Flaky()
    starter = asyncio.create_task(share(cache, flaky, 5.0, retry_from))
    joiner = asyncio.create_task(share(cache, flaky, 5.0, retry_from))
    await asyncio.sleep(0)  # both wait on the first request
    flaky.release.set()
    assert ran_out(await starter)  # the starter's own answer, however it ended
    assert (await joiner).status == (200 if asked_again else None)
    assert flaky.started == (2 if asked_again else 1)


@pytest.mark.parametrize("grace", [0.0, 5.0, None])
async def test_grace_lets_a_caller_wait_past_its_own_budget(grace: float | None) -> None:
    cache, origin = RequestCache(), Origin(held=True)

    async def ask_with_grace() -> FetchResult:
        return await cache.share(
            "k",
            origin.start(),
            within=0.0,
            grace=grace,
            ran_out=ran_out,
            timed_out=lambda: deadline_failure(URL, "GET", 0.0),
        )

    caller = asyncio.create_task(ask_with_grace())
    for _ in range(5):  # a few turns of the loop: a budget of 0 s without grace is over
        await asyncio.sleep(0)
    assert caller.done() is (grace == 0.0)
    origin.release.set()
    assert (await caller).status == (None if grace == 0.0 else 200)


# -- RunShared: one per run ----------------------------------------------------------------------


async def _unused(ctx: CheckContext) -> CheckResult:
    raise AssertionError("never run")


def item(check_id: str) -> WorkItem:
    definition = CheckDef(check_id, "audit", check_id, Severity.LOW, AppliesTo.SESSION, _unused)
    return WorkItem(definition, "")


def test_a_run_slot_is_made_once_and_handed_to_every_caller() -> None:
    run = RunShared()
    made: list[RequestCache] = []

    def make() -> RequestCache:
        made.append(RequestCache())
        return made[-1]

    first = run.get("fetches", RequestCache, make)
    assert run.get("fetches", RequestCache, make) is first
    assert made == [first]
    assert run.get("other", RequestCache, make) is not first


def test_a_run_slot_of_another_kind_is_an_error() -> None:
    run = RunShared()
    run.get("fetches", RequestCache, RequestCache)
    with pytest.raises(TypeError, match="run slot 'fetches' holds RequestCache, not RunShared"):
        run.get("fetches", RunShared, RunShared)


def test_the_contexts_of_one_run_share_its_memos_and_another_run_does_not() -> None:
    services = CheckServices()
    run_one = context_factory(SESSION, services)
    run_two = context_factory(SESSION, services)
    a, b = run_one(item("t.a")), run_one(item("t.b"))
    assert a.run is b.run
    assert a.run.get("fetches", RequestCache, RequestCache) is b.run.get(
        "fetches", RequestCache, RequestCache
    )
    c = run_two(item("t.a"))
    assert c.run is not a.run
    assert c.run.get("fetches", RequestCache, RequestCache) is not a.run.get(
        "fetches", RequestCache, RequestCache
    )


def test_a_context_made_on_its_own_shares_with_nobody() -> None:
    made = context_factory(SESSION)(item("t.a"))
    fields = {
        "session": SESSION,
        "check": made.check,
        "target": "",
        "host": None,
        "route": None,
        "services": CheckServices(),
        "clock": made.clock,
        "monotonic": made.monotonic,
        "started": 0.0,
    }
    one, two = CheckContext(**fields), CheckContext(**fields)  # type: ignore[arg-type]
    assert one.run is not two.run
    assert one.run is not made.run

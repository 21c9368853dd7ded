"""``RequestCache.plain``'s bookkeeping when answers end at awkward moments.

The requests are stand-ins (``send`` returns made-up results after a pause) so each race can be
set up exactly; the same paths over real sockets are in
``tests/integration/test_run_shared_fetches.py``.
"""

from __future__ import annotations

import asyncio

from launch_tui.checks.engine.request_cache import RequestCache
from launch_tui.net import FailureKind, FetchResult, NetFailure, Phase
from launch_tui.net.exchange import FirstAnswer

URL = "http://example.test/"
TARGET = "https://example.test/"


def answer(status: int | None, final: str = URL, failure: NetFailure | None = None) -> FetchResult:
    return FetchResult(url=URL, method="GET", final_url=final, status=status, failure=failure)


def ran_out(seconds: float) -> FetchResult:
    failure = NetFailure(FailureKind.DEADLINE, Phase.HEADERS, "ran out", seconds * 1000)
    return answer(None, failure=failure)


async def test_a_check_following_redirects_never_gets_a_redirect_that_was_not_followed() -> None:
    """A fetch started for a check not following redirects stops at the redirect; a check
    that follows it, asking in the very turn that fetch ends, starts the chain afresh."""
    cache = RequestCache()
    stopped = asyncio.Event()
    sent: list[bool] = []

    async def send(follow: bool, first_answer: FirstAnswer | None) -> FetchResult:
        sent.append(follow)
        await asyncio.sleep(0.01)
        if follow and first_answer is not None and not first_answer(answer(301)):
            stopped.set()  # wakes the other check in the same turn this fetch ends
            return answer(301)
        await asyncio.sleep(0.01)
        return answer(200, final=TARGET)

    async def follows() -> FetchResult:
        await stopped.wait()
        return await cache.plain("GET", URL, send, follow=True, within=5)

    later = asyncio.create_task(follows())
    unfollowed = await cache.plain("GET", URL, send, follow=False, within=5)
    followed = await later
    assert (unfollowed.status, unfollowed.final_url) == (301, URL)
    assert (followed.status, followed.final_url) == (200, TARGET)
    assert sent == [True, True]


async def test_a_check_not_following_redirects_is_not_failed_by_another_checks_deadline() -> None:
    cache = RequestCache()
    sent: list[str] = []

    async def hurried(follow: bool, first_answer: FirstAnswer | None) -> FetchResult:
        sent.append(f"hurried follow={follow}")
        await asyncio.sleep(0.05)
        return ran_out(0.05)

    async def patient(follow: bool, first_answer: FirstAnswer | None) -> FetchResult:
        sent.append(f"patient follow={follow}")
        await asyncio.sleep(0.01)
        return answer(200)

    first = asyncio.create_task(cache.plain("GET", URL, hurried, follow=True, within=0.1))
    await asyncio.sleep(0)
    unfollowed = await cache.plain("GET", URL, patient, follow=False, within=5)
    assert ((await first).failure or NetFailure(FailureKind.ERROR, Phase.URL, "")).kind is (
        FailureKind.DEADLINE
    )
    assert (unfollowed.status, unfollowed.failure) == (200, None)
    assert sent == ["hurried follow=True", "patient follow=False"]


async def test_a_check_not_following_its_own_fetch_that_ran_out_gets_that_answer() -> None:
    cache = RequestCache()
    sent: list[bool] = []

    async def send(follow: bool, first_answer: FirstAnswer | None) -> FetchResult:
        sent.append(follow)
        await asyncio.sleep(0.01)
        return ran_out(0.01)

    unfollowed = await cache.plain("GET", URL, send, follow=False, within=0.01)
    assert unfollowed.failure is not None and unfollowed.failure.kind is FailureKind.DEADLINE
    assert sent == [True]  # its own budget ran out: asking again would not help

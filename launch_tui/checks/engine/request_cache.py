"""One run's identical requests, sent once: the run's one request cache.

A full audit looks at each page from several angles (headers, cookies, HSTS, mixed content,
redirects, the edge, and per route the first response, latency, caching, page weight and
Server-Timing) and each check fetches what it needs on its own. Most of those are the same
request. Sent once per run and awaited by every check that asks, the site sees one request
instead of six, the audit spends its CPU once, and every check judges the same answer, so two
checks cannot disagree about a page because a slow or flaky server answered them differently.

Two kinds of request go through the cache (:class:`RequestCache`, one per run, from
:func:`request_cache`): plain fetches (:meth:`RequestCache.fetch`, made by
``checks/engine/fetching.py``) and each route's first fetch for the request-path checks
(:meth:`RequestCache.share`, made by ``checks/perf/probes.py``, which keeps its own memo of the
latency samples). Only plain fetches without a body or extra headers, with ``GET`` or ``HEAD``,
are shared (:func:`shareable`), read whole whether or not the caller wants only the head
(``fetching.HEAD_BODY_CAP``), so the header checks join the body checks' request; anything
else (a POST to a webhook, a conditional request, a request with credentials) is always sent.
A ``GET`` route's first fetch is that same plain fetch (:func:`plain_key`, redirects followed):
``perf.first_response`` times the very request the header and body checks judge. And a plain
fetch that does not follow redirects is the followed fetch's first answer
(:meth:`RequestCache.plain`): the page itself when it does not redirect, the redirect (body
included) when it does, so a URL costs one request whichever way the checks ask. A followed
fetch started only for checks that do not follow redirects stops at the first redirect unless
a check that follows it has asked by then: nothing is sent where a redirect points unless a
check wants it (a demo audit: 140 requests before these two, 107 with them).

Each plain fetch also notes how late the event loop ran while it was under way
(:meth:`RequestCache.lag_ms`, from the loop's shared probe): an answer can only have been
noticed that much late, which the timing checks discount, whichever check started it.
The cache lives in the run's :class:`~launch_tui.checks.engine.context.RunShared`, so a second
run fetches afresh.

Budgets: the check that starts a shared request gives it its own remaining budget. A check that
joins a plain fetch later waits at most its own budget, and on running out gets a deadline
failure of its own, while the request goes on for the others (it is shielded); a route's first
fetch is awaited until it ends, which its starter's deadline bounds.
A shared request that ran out of its starter's time is not an answer for a check with more
time: it is dropped, and a caller with more time left asks again.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Coroutine, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from launch_tui.checks.engine.context import CheckContext
from launch_tui.core.sanitize import clean
from launch_tui.net import FailureKind, FetchResult, NetFailure, Phase
from launch_tui.net.exchange import FirstAnswer
from launch_tui.net.loop_probe import shared_probe

__all__ = [
    "RequestCache",
    "deadline_failure",
    "plain_key",
    "ran_out",
    "request_cache",
    "shareable",
]

#: How many times a caller asks for a shared request that keeps running out of others' time.
_ATTEMPTS = 3
#: Methods whose plain requests are shared; they change nothing on the server.
_SHARED_METHODS = frozenset({"GET", "HEAD"})

T = TypeVar("T")

PlainSend = Callable[[bool, FirstAnswer | None], Coroutine[Any, Any, FetchResult]]
"""Sends a plain request: ``send(follow, first_answer)``, as ``HttpClient.fetch`` takes them."""


def shareable(method: str, headers: object, body: bytes | None) -> bool:
    """True when a request is plain enough to be shared by every check of a run."""
    return method.upper() in _SHARED_METHODS and headers is None and body is None


def plain_key(method: str, url: str, follow: bool) -> tuple[str, str, str, bool]:
    """The cache key of a plain shared fetch (:func:`shareable`) of ``url``."""
    return ("fetch", method.upper(), url, follow)


def request_cache(ctx: CheckContext) -> RequestCache:
    """The request cache of ``ctx``'s run."""
    return ctx.run.get("requests", RequestCache, RequestCache)


@dataclass(eq=False)
class _Follow:
    """A followed plain fetch: its first answer (for the checks not following redirects),
    whether a check wants its redirects followed, and whether it stopped at the first one."""

    first: asyncio.Future[FetchResult | None]
    wanted: bool
    stopped: bool = False
    result: FetchResult | None = None


class RequestCache:
    """Shared requests of one run, keyed by everything that makes two requests the same."""

    def __init__(self) -> None:
        # Strong references: a task nobody holds can be garbage-collected mid-flight.
        self._tasks: dict[Hashable, asyncio.Task[Any]] = {}
        self._lags: dict[Hashable, float] = {}
        # Each followed plain fetch's state: its first answer, for the fetches not following it.
        self._follows: dict[Hashable, _Follow] = {}

    def lag_ms(self, key: Hashable) -> float:
        """How late (ms, at worst) the event loop ran while the last fetch of ``key`` was under
        way; ``0.0`` before one ended."""
        return self._lags.get(key, 0.0)

    async def fetch(
        self,
        key: Hashable,
        start: Callable[[], Coroutine[Any, Any, FetchResult]],
        *,
        url: str,
        method: str,
        within: float,
    ) -> FetchResult:
        """The answer for ``key``: started with ``start()`` by the first caller, awaited by all.

        A caller waits at most ``within`` seconds (its own budget). ``start`` must size the
        fetch's deadline when it is called (the time the caller has left then).

        A shared fetch that ran out of time ran out of its *starter's* budget, which may be
        shorter than a later caller's: that answer is dropped from the cache, and a caller that
        did not start it asks again with what it has left (at most twice), so no check fails
        for want of another check's time.
        """
        return await self.share(
            key,
            start,
            within=within,
            ran_out=ran_out,
            timed_out=lambda: deadline_failure(url, method, within),
        )

    async def plain(
        self,
        method: str,
        url: str,
        send: PlainSend,
        *,
        follow: bool,
        within: float,
        grace: float | None = 0.0,
        retry_from: float = 0.0,
    ) -> FetchResult:
        """A plain ``GET``/``HEAD`` of ``url`` (:func:`shareable`), redirects followed or not:
        one request for both.

        ``send(follow, first_answer)`` sends it (``HttpClient.fetch``'s arguments; it sizes the
        deadline when called). Followed, it is the run's one fetch of :func:`plain_key` (as
        :meth:`fetch`, and noting the loop's lag, :meth:`lag_ms`); ``grace`` and ``retry_from``
        are :meth:`share`'s (a route's first fetch waits for the request to end). Not
        followed, it is that same fetch's first answer: its result when the
        first answer was not a redirect, or the redirect as a fetch that does not follow it
        reads it; only a redirect whose body had not come with its head is asked for again,
        redirects not followed (once per run, too). Budgets as in :meth:`fetch`.
        """
        followed = plain_key(method, url, True)
        spent = functools.partial(self._spent, followed)
        if follow:
            state = self._follows.get(followed)
            if state is not None:
                state.wanted = True  # one in flight for checks not following: follow it now
            result: FetchResult = await self.share(
                followed,
                lambda: self._measured(followed, self._followed(followed, send, wanted=True)),
                within=within,
                ran_out=spent,
                timed_out=lambda: deadline_failure(url, method, within),
                grace=grace,
                retry_from=retry_from,
            )
            if self._stopped(followed, result):
                # A redirect that was not followed is no answer here, with no time left to ask.
                return deadline_failure(url, method, within)
            return result
        return await self.share(
            plain_key(method, url, False),
            lambda: self._unfollowed(followed, send, spent),
            within=within,
            ran_out=ran_out,
            timed_out=lambda: deadline_failure(url, method, within),
            grace=grace,
            retry_from=retry_from,
        )

    def _followed(
        self, key: Hashable, send: PlainSend, *, wanted: bool
    ) -> Coroutine[Any, Any, FetchResult]:
        """The followed fetch for ``key``, its state (:class:`_Follow`) made now, when the task
        that runs it is created. Started for checks that do not follow redirects
        (``wanted=False``), it stops at a first redirect unless a check wanting it followed
        has asked by then."""
        state = self._follows[key] = _Follow(asyncio.get_running_loop().create_future(), wanted)

        def tell(answer: FetchResult | None) -> None:
            if not state.first.done():
                state.first.set_result(answer)

        def at_redirect(answer: FetchResult | None) -> bool:
            state.stopped = not state.wanted
            if answer is not None or not state.stopped:
                tell(answer)  # else the stopped fetch reads the body: its result is the answer
            return state.wanted

        async def run() -> FetchResult:
            try:
                result = await send(True, at_redirect)
                tell(result)  # unless a redirect was told: the result is the first answer
                state.result = result
                return result
            finally:
                tell(None)  # cancelled or raised: the others ask on their own

        return run()

    def _spent(self, key: Hashable, result: FetchResult) -> bool:
        """Whether ``result`` of the followed fetch of ``key`` is no answer for a check that
        follows redirects: it ran out of time, or stopped at a redirect nobody wanted
        followed then (a later check asks again)."""
        return self._stopped(key, result) or ran_out(result)

    def _stopped(self, key: Hashable, result: FetchResult) -> bool:
        state = self._follows.get(key)
        return state is not None and state.stopped and state.result is result

    async def _unfollowed(
        self, followed: Hashable, send: PlainSend, spent: Callable[[FetchResult], bool]
    ) -> FetchResult:
        """The followed fetch's first answer (started here, not to be followed beyond its
        first redirect, when no check asked for it yet), or, for a redirect whose body had not
        arrived, a request of its own."""
        _, mine = self._task(
            followed,
            lambda: self._measured(followed, self._followed(followed, send, wanted=False)),
            spent,
        )
        answer = await asyncio.shield(self._follows[followed].first)
        if answer is None or (not mine and ran_out(answer)):
            # No answer yet to take, or one that ran out of another check's time.
            return await send(False, None)
        return answer

    async def _measured(self, key: Hashable, work: Awaitable[FetchResult]) -> FetchResult:
        """``work``, noting how late the loop ran meanwhile (:meth:`lag_ms`)."""
        # One probe per loop, shared with every sampling run: no timer per request.
        with shared_probe() as probe:
            mark, since = probe.mark, probe.clock()
            result = await work
            self._lags[key] = probe.worst_since(mark, since)
        return result

    async def share(
        self,
        key: Hashable,
        start: Callable[[], Coroutine[Any, Any, T]],
        *,
        within: float,
        ran_out: Callable[[T], bool],
        timed_out: Callable[[], T],
        grace: float | None = 0.0,
        retry_from: float = 0.0,
    ) -> T:
        """:meth:`fetch` for any answer: ``ran_out`` tells an answer that ran out of its
        starter's time, ``timed_out`` is what a caller gets when its own time is up.

        A caller waits at most ``within + grace`` seconds (``grace=None``: until the request
        ends, however long its starter gave it); it asks again for an answer that ran out only
        while more than ``retry_from`` seconds of its own ``within`` are left (a request given
        less could not answer anyway).
        """
        loop = asyncio.get_running_loop()
        until = loop.time() + within
        result: T
        for _ in range(_ATTEMPTS):
            task, mine = self._task(key, start, ran_out)
            left = None if grace is None else max(0.0, until + grace - loop.time())
            try:
                async with asyncio.timeout(left):
                    result = await asyncio.shield(task)
            except TimeoutError:
                return timed_out()
            if mine or not ran_out(result) or until - loop.time() <= retry_from:
                return result
        return result

    def _task(
        self,
        key: Hashable,
        start: Callable[[], Coroutine[Any, Any, T]],
        ran_out: Callable[[T], bool],
    ) -> tuple[asyncio.Task[T], bool]:
        """The task answering ``key``, started now with ``start()`` when there is none or the one
        there ended without an answer to share (then ``mine`` is true); one that ran out of
        time is dropped when it ends."""
        loop = asyncio.get_running_loop()
        task = cast("asyncio.Task[T] | None", self._tasks.get(key))
        if task is not None and task.get_loop() is loop and not _spent_task(task, ran_out):
            return task, False
        task = loop.create_task(start())
        task.add_done_callback(functools.partial(self._forget, key, ran_out))
        self._tasks[key] = task
        return task, True

    def _forget(
        self, key: Hashable, ran_out: Callable[[Any], bool], task: asyncio.Task[Any]
    ) -> None:
        """Drop a request that ran out of time, so the next caller starts afresh."""
        if self._tasks.get(key) is not task or task.cancelled():
            return
        if task.exception() is not None or ran_out(task.result()):
            del self._tasks[key]


def _spent_task(task: asyncio.Task[T], ran_out: Callable[[T], bool]) -> bool:
    """A finished task that is no answer to share any more (``_forget`` drops it one loop turn
    after it ends; a caller asking again in between must not get it back)."""
    if not task.done():
        return False
    return task.cancelled() or task.exception() is not None or ran_out(task.result())


def ran_out(result: FetchResult) -> bool:
    """True when ``result`` is a fetch that ran out of its deadline."""
    failure = result.failure
    return failure is not None and failure.kind is FailureKind.DEADLINE


def deadline_failure(url: str, method: str, within: float) -> FetchResult:
    """What a caller whose own budget of ``within`` seconds ran out gets instead of an answer."""
    message = f"No answer within {within:.2f} seconds (the check's remaining budget)"
    return FetchResult(
        url=url,
        method=method,
        final_url=url,
        status=None,
        failure=NetFailure(
            kind=FailureKind.DEADLINE,
            phase=Phase.CONNECT,
            message=clean(message),
            elapsed_ms=within * 1000.0,
        ),
    )

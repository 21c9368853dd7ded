"""One run's identical requests, sent once: the checks of a run share their plain fetches.

A full audit looks at each page from several angles (headers, cookies, HSTS, mixed content,
redirects, the edge) and each check fetches what it needs on its own. Most of those are the
same plain request: ``GET https://host/`` with no extra headers or body. Sent once per run and
awaited by every check that asks, the site sees one request instead of six, the audit spends
its CPU once, and every check judges the same answer, so two checks cannot disagree about a
page because a slow or flaky server answered them differently.

Only requests without a body or extra headers, with ``GET`` or ``HEAD``, are shared; anything
else (a POST to a webhook, a conditional request, a request with credentials) is always sent.
The memo lives in the run's :class:`~launch_tui.checks.engine.context.RunShared`, so a second run
fetches afresh.

Budgets: the check that starts a shared fetch gives it its own remaining budget. A check that
joins later waits at most its own budget, and on running out gets a deadline failure of its own,
while the fetch goes on for the others (it is shielded). A shared fetch that ran out of its
starter's time is not an answer for a check with more time: it is dropped and asked again.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine, Hashable
from typing import Any

from launch_tui.core.sanitize import clean
from launch_tui.net import FailureKind, FetchResult, NetFailure, Phase

__all__ = ["FetchMemo", "shareable"]

#: How many times a caller asks for a shared fetch that keeps running out of others' time.
_ATTEMPTS = 3
#: Methods whose plain requests are shared; they change nothing on the server.
_SHARED_METHODS = frozenset({"GET", "HEAD"})


def shareable(method: str, headers: object, body: bytes | None) -> bool:
    """True when a request is plain enough to be shared by every check of a run."""
    return method.upper() in _SHARED_METHODS and headers is None and body is None


class FetchMemo:
    """Shared fetches of one run, keyed by everything that makes two requests the same."""

    def __init__(self) -> None:
        # Strong references: a task nobody holds can be garbage-collected mid-flight.
        self._tasks: dict[Hashable, asyncio.Task[FetchResult]] = {}

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
        shorter than a later caller's: that answer is dropped from the memo, and a caller that
        did not start it asks again with what it has left (at most twice), so no check fails
        for want of another check's time.
        """
        loop = asyncio.get_running_loop()
        until = loop.time() + within
        for _ in range(_ATTEMPTS):
            task = self._tasks.get(key)
            mine = task is None or task.get_loop() is not loop
            if mine:
                task = loop.create_task(start())
                task.add_done_callback(functools.partial(self._forget_deadline, key))
                self._tasks[key] = task
            assert task is not None
            left = until - loop.time()
            try:
                async with asyncio.timeout(max(0.0, left)):
                    result = await asyncio.shield(task)
            except TimeoutError:
                return _deadline(url, method, within)
            if mine or not _ran_out(result) or until - loop.time() <= 0:
                return result
        return result

    def _forget_deadline(self, key: Hashable, task: asyncio.Task[FetchResult]) -> None:
        """Drop a fetch that ran out of time, so the next caller starts afresh."""
        if self._tasks.get(key) is not task or task.cancelled():
            return
        if task.exception() is not None or _ran_out(task.result()):
            del self._tasks[key]


def _ran_out(result: FetchResult) -> bool:
    failure = result.failure
    return failure is not None and failure.kind is FailureKind.DEADLINE


def _deadline(url: str, method: str, within: float) -> FetchResult:
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

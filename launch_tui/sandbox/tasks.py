"""Tracked tasks, so stopping a server also ends every connection it is serving.

A server that forgets a connection task leaks a socket (a ResourceWarning, which fails the
test suite) and can keep a hostile behaviour dripping after the world stopped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


class TaskSet:
    """Tasks owned by one server; :meth:`close` cancels them and waits until they are gone."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self.errors: list[str] = []
        """Unexpected exceptions from finished tasks (bugs), for the running world to report."""

    def spawn(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            self.errors.append(f"{task.get_name()}: {type(exc).__name__}: {exc}")

    def __len__(self) -> int:
        return len(self._tasks)

    async def close(self) -> None:
        current = asyncio.current_task()
        while self._tasks - {current}:
            pending = [t for t in self._tasks if t is not current]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

"""Stopping a check run from the screen's thread while it runs on a loop of its own."""

from __future__ import annotations

import asyncio
import contextlib
import threading


class CancelToken:
    """Stops a run from another thread: the UI sets it, the run's own loop sees it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def bind(self) -> asyncio.Event:
        """The event the runner watches, on the calling (the run's) event loop."""
        with self._lock:
            self._loop = asyncio.get_running_loop()
            self._event = asyncio.Event()
            if self._cancelled:
                self._event.set()
            return self._event

    def cancel(self) -> None:
        """Ask the run to stop (from any thread); results already produced are kept."""
        with self._lock:
            self._cancelled = True
            loop, event = self._loop, self._event
        if loop is not None and event is not None:
            with contextlib.suppress(RuntimeError):  # the run's loop has already closed
                loop.call_soon_threadsafe(event.set)

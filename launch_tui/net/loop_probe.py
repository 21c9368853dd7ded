"""How late the event loop runs a timer: the sampler's measure of its own client's lag."""

from __future__ import annotations

import asyncio

#: How often the probe measures timer lateness.
PROBE_PERIOD_S = 0.005


class LoopProbe:
    """How late the event loop runs a timer: a tick every few milliseconds, its lateness kept.

    Lateness covers everything that would also delay noticing an answer: callbacks queued
    ahead, code blocking the loop, and the process waiting for a CPU. On Linux a timer is
    also up to 1 ms late by design (epoll's millisecond timeout), well under the flag's floor.
    """

    def __init__(self) -> None:
        self.lags_ms: list[float] = []
        self._handle: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._schedule()

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _schedule(self) -> None:
        assert self._loop is not None
        when = self._loop.time() + PROBE_PERIOD_S
        self._handle = self._loop.call_at(when, self._tick, when)

    def _tick(self, when: float) -> None:
        assert self._loop is not None
        self.lags_ms.append(max(0.0, self._loop.time() - when) * 1000.0)
        self._schedule()

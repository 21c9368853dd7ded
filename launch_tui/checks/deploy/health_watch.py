"""Poll a health route after a deploy until it is healthy or the time is up.

Used by ``launch-tui watch-deploy`` and by the TUI's rollback drill. Healthy means
``settle`` healthy answers in a row (one by default; a flapping route needs more to be believed),
and optionally the release the drill waits for. Every poll has its own deadline inside the
remaining time, so a hanging health route costs one poll, not the whole watch; the total never
overruns ``timeout_s`` by more than one poll's scheduling slip.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from launch_tui.checks.deploy.health_probe import HealthProbe
from launch_tui.core.model import JSONValue

Probe = Callable[[float], Awaitable[HealthProbe]]
"""One look at the health route within the given seconds."""


@dataclass(frozen=True)
class Poll:
    """One poll of the watch."""

    at_s: float
    """Seconds since the watch began."""
    probe: HealthProbe


@dataclass(frozen=True)
class WatchOutcome:
    """How a watch ended."""

    healthy: bool
    seconds: float
    """Time to healthy (when healthy), else how long it watched."""
    polls: tuple[Poll, ...]
    reason: str
    """One line: why it is (not) healthy."""
    version: str = ""
    """The release the last answer reported."""
    cancelled: bool = False

    @property
    def flaps(self) -> int:
        """How often health changed between polls (a flapping route changes often)."""
        states = [p.probe.healthy for p in self.polls]
        return sum(1 for a, b in itertools.pairwise(states) if a != b)

    def as_evidence(self, max_polls: int = 50) -> dict[str, JSONValue]:
        """A bounded summary: the first and last polls, not all of them."""
        polls = self.polls
        kept = (
            polls if len(polls) <= max_polls else polls[: max_polls // 2] + polls[-max_polls // 2 :]
        )
        return {
            "healthy": self.healthy,
            "seconds": round(self.seconds, 3),
            "reason": self.reason,
            "version": self.version,
            "polls": len(polls),
            "flaps": self.flaps,
            "samples": [
                {"at_s": round(p.at_s, 3), "status": p.probe.status, "healthy": p.probe.healthy}
                for p in kept
            ],
        }


async def watch_health(
    probe: Probe,
    *,
    timeout_s: float,
    interval_s: float = 1.0,
    settle: int = 1,
    want_version: str = "",
    on_poll: Callable[[Poll], None] | None = None,
    cancel: asyncio.Event | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> WatchOutcome:
    """Poll until healthy ``settle`` times in a row (reporting ``want_version`` when given) or
    ``timeout_s`` passed, or ``cancel`` is set. Each poll may take at most the time left (and
    at most 10 s)."""
    if not timeout_s > 0:
        raise ValueError(f"timeout must be a positive number of seconds, not {timeout_s!r}")
    began = monotonic()
    polls: list[Poll] = []
    streak = 0
    first_healthy: float | None = None
    last: HealthProbe | None = None
    while True:
        left = timeout_s - (monotonic() - began)
        if left <= 0:
            break
        if cancel is not None and cancel.is_set():
            return WatchOutcome(
                False, monotonic() - began, tuple(polls), "cancelled", "", cancelled=True
            )
        seen = await probe(min(left, 10.0))
        now = monotonic() - began
        poll = Poll(now, seen)
        polls.append(poll)
        last = seen
        if on_poll is not None:
            on_poll(poll)
        good = seen.healthy and (not want_version or seen.version == want_version)
        if good:
            if streak == 0:
                first_healthy = now
            streak += 1
            if streak >= settle:
                assert first_healthy is not None
                return WatchOutcome(True, first_healthy, tuple(polls), seen.reason, seen.version)
        else:
            streak = 0
        left = timeout_s - (monotonic() - began)
        if left <= 0:
            break
        if cancel is None:
            await sleep(min(interval_s, left))
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(cancel.wait(), min(interval_s, left))
    elapsed = monotonic() - began
    if last is None:
        reason = "no answer within the time allowed"
    elif last.healthy and want_version and last.version != want_version:
        reason = f"healthy but still reporting {last.version or 'no version'}, not {want_version}"
    else:
        reason = last.reason
    return WatchOutcome(False, elapsed, tuple(polls), reason, last.version if last else "")

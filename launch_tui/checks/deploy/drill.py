"""The rollback drill: note the live release, let the engineer roll back, time the recovery.

A drill has three phases, each a function the TUI (or a test) drives:

1. :func:`note_release`: one look at the health route: the release live now (the one to roll
   back *from*) and whether it is healthy;
2. the engineer triggers the rollback in their platform (the app only waits);
3. :func:`watch_rollback`: poll the health route until it reports a release other than the
   noted one *and* is healthy, recording when the release changed and when health recovered,
   or until the timeout.

The outcome is a :class:`DrillRecord`, plain data for the session (durations in seconds, the two
releases, the outcome, a bounded sample of the polls).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from launch_tui.checks.deploy.health_probe import HealthProbe
from launch_tui.checks.deploy.health_watch import Poll
from launch_tui.core.model import CheckResult, JSONValue, Severity, Status
from launch_tui.core.sanitize import clean

Probe = Callable[[float], Awaitable[HealthProbe]]


class DrillOutcome(StrEnum):
    RECOVERED = "recovered"
    """The release changed back and health recovered within the timeout."""
    UNHEALTHY = "unhealthy"
    """The release changed back but health did not recover in time."""
    NO_CHANGE = "no-change"
    """The release never changed: the rollback did not happen (or the version lags)."""
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class DrillRecord:
    """What a drill measured."""

    started_at: datetime
    route: str
    from_version: str
    to_version: str
    outcome: DrillOutcome
    version_changed_s: float | None
    """Seconds from the rollback's start until the route reported another release."""
    healthy_s: float | None
    """Seconds from the rollback's start until it was healthy on the other release."""
    watched_s: float
    polls: tuple[Poll, ...] = ()

    @property
    def ok(self) -> bool:
        return self.outcome is DrillOutcome.RECOVERED

    def as_evidence(self, max_polls: int = 40) -> dict[str, JSONValue]:
        polls = self.polls
        kept = (
            polls if len(polls) <= max_polls else polls[: max_polls // 2] + polls[-max_polls // 2 :]
        )
        return {
            "started_at": self.started_at.isoformat(),
            "route": self.route,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "outcome": self.outcome.value,
            "version_changed_s": None
            if self.version_changed_s is None
            else round(self.version_changed_s, 2),
            "healthy_s": None if self.healthy_s is None else round(self.healthy_s, 2),
            "watched_s": round(self.watched_s, 2),
            "polls": len(polls),
            "samples": [
                {
                    "at_s": round(p.at_s, 2),
                    "status": p.probe.status,
                    "healthy": p.probe.healthy,
                    "version": p.probe.version,
                }
                for p in kept
            ],
        }


async def note_release(probe: Probe, deadline_s: float = 10.0) -> HealthProbe:
    """Phase 1: the release live now."""
    return await probe(deadline_s)


async def watch_rollback(
    probe: Probe,
    *,
    route: str,
    from_version: str,
    started_at: datetime,
    timeout_s: float,
    interval_s: float = 1.0,
    on_poll: Callable[[Poll], None] | None = None,
    cancel: asyncio.Event | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> DrillRecord:
    """Phase 3: poll until another release is healthy, or ``timeout_s``, or ``cancel``."""
    began = monotonic()
    polls: list[Poll] = []
    changed: float | None = None
    to_version = ""
    outcome = DrillOutcome.NO_CHANGE
    while True:
        if cancel is not None and cancel.is_set():
            outcome = DrillOutcome.CANCELLED
            break
        left = timeout_s - (monotonic() - began)
        if left <= 0:
            break
        seen = await probe(min(left, 10.0))
        now = monotonic() - began
        poll = Poll(now, seen)
        polls.append(poll)
        if on_poll is not None:
            on_poll(poll)
        moved = bool(seen.version) and seen.version != from_version
        if moved and changed is None:
            changed = now
            to_version = seen.version
        if moved:
            to_version = seen.version
            outcome = DrillOutcome.UNHEALTHY
            if seen.healthy:
                return DrillRecord(
                    started_at,
                    route,
                    from_version,
                    to_version,
                    DrillOutcome.RECOVERED,
                    changed,
                    now,
                    now,
                    tuple(polls),
                )
        left = timeout_s - (monotonic() - began)
        if left <= 0:
            break
        if cancel is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(cancel.wait(), min(interval_s, left))
        else:
            await sleep(min(interval_s, left))
    return DrillRecord(
        started_at,
        route,
        from_version,
        to_version,
        outcome,
        changed,
        None,
        monotonic() - began,
        tuple(polls),
    )


#: The playbook's check a drill answers: a drilled rollback is its result.
DRILL_CHECK = "deploy.rollback_drill"


def drill_result(record: DrillRecord, severity: Severity, by: str = "") -> CheckResult:
    """The drill as the result of :data:`DRILL_CHECK`: pass when it recovered, else fail."""
    evidence = record.as_evidence()
    evidence["drilled_by"] = by
    if record.ok:
        assert record.version_changed_s is not None and record.healthy_s is not None
        summary = (
            f"Rollback {record.from_version} → {record.to_version} drilled: release changed "
            f"after {record.version_changed_s:.1f} s, healthy after {record.healthy_s:.1f} s"
        )
    else:
        summary = (
            f"Rollback drill did not pass ({record.outcome.value}) after {record.watched_s:.1f} s"
        )
    # The note is what reports show for the drill (the deploy runbook, the handover).
    when = record.started_at.strftime("%Y-%m-%d %H:%M UTC")
    evidence["note"] = f"{summary}, on {record.route} ({when}{', by ' + by if by else ''})."
    return CheckResult(
        check_id=DRILL_CHECK,
        target="",
        status=Status.PASS if record.ok else Status.FAIL,
        severity=severity,
        summary=clean(summary, max_len=300),
        evidence=evidence,
        measured_at=record.started_at,
        duration_ms=round(record.watched_s * 1000),
    )

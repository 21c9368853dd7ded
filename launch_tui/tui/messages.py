"""Small messages that carry workers' results back to the app (Toolong style: dataclasses).

Progress is collapsible (``can_replace``): when checks finish faster than the screen repaints, only
the latest progress message is handled. Results are never collapsed; each one is merged and saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from launch_tui.core.model import CheckResult
    from launch_tui.tui.home_rows import HomeRow


@dataclass
class RunProgress(Message):
    """How far a check run has got."""

    run_id: int
    label: str
    done: int
    total: int
    running: tuple[str, ...]
    """``check on target`` for the checks running right now (at most a few)."""
    planned: tuple[str, ...] | None = None
    """Row keys of every item of the run, on the run's first message only."""

    def can_replace(self, message: Message) -> bool:
        # Textual asks the message it took from the queue whether ``message``, the next one,
        # may be handled in its place. The run's first message carries its plan: a later one
        # may not stand in for it.
        return (
            isinstance(message, RunProgress)
            and message.run_id == self.run_id
            and (self.planned is None or message.planned is not None)
        )


@dataclass
class ResultsArrived(Message):
    """Results a run has produced since the last message."""

    run_id: int
    results: tuple[CheckResult, ...]


@dataclass
class RunEnded(Message):
    """A run is over (finished, cancelled, timed out, or failed)."""

    run_id: int
    label: str
    done: int
    total: int
    cancelled: bool = False
    timed_out: bool = False
    wall_s: float = 0.0
    failed: int = 0
    """Results with status ``fail`` or ``error``."""


@dataclass
class SessionsLoaded(Message):
    """The saved sessions, read by a thread worker."""

    rows: tuple[HomeRow, ...]
    folder: str
    error: str = ""


@dataclass
class HostProposals(Message):
    """Which usual subdomains of an apex exist in DNS (for the wizard)."""

    apex: str
    found: tuple[tuple[str, bool, str], ...]
    """``(hostname, exists, what DNS said)`` per candidate."""
    error: str = ""


@dataclass
class SaveFailed(Message):
    """A background save failed; the file on disk is unchanged."""

    title: str
    message: str


@dataclass
class PartReady(Message):
    """A part of a screen mounted after the screen itself (a tab's content, the sidebar)
    wants its data."""

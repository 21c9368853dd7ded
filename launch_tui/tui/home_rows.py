"""The home screen's list of saved sessions, as plain values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from launch_tui.core.model import (
    STAGE_IDS,
    StageStatus,
)

# --- home ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HomeRow:
    """One saved session in the home list."""

    path: str
    name: str
    """File stem (the session's id)."""
    client: str
    product: str
    stage_statuses: tuple[StageStatus, ...]
    """The seven stages' statuses in order (empty for an unreadable file)."""
    current_stage: str
    verdict: str
    """A readiness verdict value, or ``""`` when unknown."""
    saved_at: datetime | None
    locked_by: str
    """Who holds the session open elsewhere (``""`` when nobody else)."""
    error: str
    """Why the file cannot be opened (``""`` when it can)."""

    @property
    def stages_done(self) -> int:
        return sum(1 for s in self.stage_statuses if s is StageStatus.DONE)


def progress_glyphs(statuses: Sequence[StageStatus]) -> str:
    """Seven characters, one per stage: ``●`` done, ``◐`` in progress, ``✗`` blocked, ``○`` todo."""
    glyph = {
        StageStatus.DONE: "●",
        StageStatus.IN_PROGRESS: "◐",
        StageStatus.BLOCKED: "✗",
        StageStatus.TODO: "○",
    }
    return "".join(glyph[s] for s in statuses) if statuses else "·" * len(STAGE_IDS)

"""The saved-sessions listing: one summary per file in a folder, never broken by one bad file."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from launch_tui.core.errors import SessionError
from launch_tui.core.model import STAGE_IDS, Session, StageStatus
from launch_tui.store.atomic import describe_os_error
from launch_tui.store.lock import LockOwner, lock_owner
from launch_tui.store.migrate import MIGRATIONS, Migration
from launch_tui.store.session_file import load_file, real_path

__all__ = ["SessionSummary", "list_sessions"]


@dataclass(frozen=True)
class SessionSummary:
    """One line of the saved-sessions listing. ``error`` is set for files that cannot be read."""

    path: Path
    client: str = ""
    product: str = ""
    apex: str = ""
    sprint_id: str = ""
    started_at: datetime | None = None
    stage_counts: Mapping[StageStatus, int] = field(default_factory=dict)
    """How many of the seven stages are in each status (every status present, maybe 0)."""
    current_stage: str = ""
    """The stage the engineer was on when the session was last saved."""
    saved_at: datetime | None = None
    """Last modification time of the file (UTC)."""
    locked_by: LockOwner | None = None
    """Who has the session open for writing, if anyone (possibly this very process)."""
    error: SessionError | None = None
    """Why the file cannot be opened; the other fields are then mostly empty."""
    session: Session | None = None
    """The session itself (``None`` when unreadable), for anything else a listing shows, such
    as a readiness verdict computed with the playbook."""

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def mtime(self) -> float:
        """``saved_at`` as a POSIX timestamp (0.0 when unknown)."""
        return self.saved_at.timestamp() if self.saved_at is not None else 0.0

    @property
    def locked(self) -> bool:
        """True when another process has the session open (opening it here is read-only)."""
        return self.locked_by is not None and not self.locked_by.is_this_process

    @property
    def stages_done(self) -> int:
        return self.stage_counts.get(StageStatus.DONE, 0)

    @property
    def stages_total(self) -> int:
        return len(STAGE_IDS)


def list_sessions(
    folder: Path | str, *, migrations: Sequence[Migration] = MIGRATIONS
) -> list[SessionSummary]:
    """Summaries of the session files in ``folder``, most recently saved first.

    A file that cannot be read is listed with its ``error``; it never breaks the listing. A
    folder that does not exist has no sessions.
    """
    where = Path(folder)
    try:
        paths = [
            p
            for p in where.iterdir()
            if p.suffix == ".toml" and not p.name.startswith(".") and p.is_file()
        ]
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise SessionError(
            f"{where}: cannot list sessions ({describe_os_error(exc)})", where
        ) from None
    summaries = [_summary(p, migrations) for p in paths]
    summaries.sort(key=lambda s: s.path.name)
    summaries.sort(key=lambda s: s.saved_at or datetime.min.replace(tzinfo=UTC), reverse=True)
    return summaries


def _summary(path: Path, migrations: Sequence[Migration]) -> SessionSummary:
    try:
        saved_at = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except OSError:
        saved_at = None
    locked_by = lock_owner(real_path(path))
    try:
        session = load_file(real_path(path), path, migrations=migrations).session
    except SessionError as exc:
        return SessionSummary(path=path, saved_at=saved_at, locked_by=locked_by, error=exc)
    except Exception as exc:  # a listing must survive anything one file does
        error = SessionError(f"{path}: could not be read ({exc})", path)
        return SessionSummary(path=path, saved_at=saved_at, locked_by=locked_by, error=error)
    counts = dict.fromkeys(StageStatus, 0)
    for stage_id in STAGE_IDS:
        counts[session.stage(stage_id).status] += 1
    return SessionSummary(
        path=path,
        client=session.sprint.client,
        product=session.sprint.product,
        apex=session.targets.apex,
        sprint_id=session.sprint.id,
        started_at=session.sprint.started_at,
        stage_counts=counts,
        current_stage=session.ui.stage,
        saved_at=saved_at,
        locked_by=locked_by,
        session=session,
    )

"""Session edits for what the deploy and observe screens measured (pure: Session in, Session out).

A rollback drill is the result of the playbook's drill check (pass when it recovered), so the
stage table, the readiness view and the handover's rollback notes read it like any result. A
monitoring session's bounded summary is kept as the session's last monitoring run.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from launch_tui.checks.deploy.drill import DRILL_CHECK, DrillRecord, drill_result
from launch_tui.checks.engine.merging import merge_results
from launch_tui.core.model import JSONValue, Session
from launch_tui.core.playbook import Playbook


def with_drill(session: Session, playbook: Playbook, record: DrillRecord, by: str = "") -> Session:
    """``session`` with ``record`` as the drill check's result."""
    severity = playbook.check(DRILL_CHECK).severity
    return merge_results(session, [drill_result(record, severity, by or session.sprint.engineer)])


def with_monitor_summary(session: Session, summary: dict[str, JSONValue], now: datetime) -> Session:
    """``session`` with ``summary`` as its monitoring run (``[monitoring]``), stamped ``now``."""
    return replace(session, monitoring={"saved_at": now.isoformat(), **summary})

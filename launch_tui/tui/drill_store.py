"""Session edits for what the deploy and observe screens measured (pure: Session in, Session out).

A rollback drill is the result of the playbook's drill check (pass when it recovered), so the
stage table, the readiness view and the handover's rollback notes read it like any result. A
monitoring session's bounded summary is kept as the last one of the session (see
:func:`with_monitor_summary`).
"""

from __future__ import annotations

from launch_tui.checks.deploy.drill import DRILL_CHECK, DrillRecord, drill_result
from launch_tui.checks.engine.merging import merge_results
from launch_tui.core.model import JSONValue, Session
from launch_tui.core.playbook import Playbook


def with_drill(session: Session, playbook: Playbook, record: DrillRecord, by: str = "") -> Session:
    """``session`` with ``record`` as the drill check's result."""
    severity = playbook.check(DRILL_CHECK).severity
    return merge_results(session, [drill_result(record, severity, by or session.sprint.engineer)])


def with_monitor_summary(session: Session, summary: dict[str, JSONValue]) -> Session:
    """``session`` with ``summary`` as its latest monitoring summary.

    Not stored yet: the session schema gets its monitoring table in the next schema version
    (until then the summary is shown, not kept).
    """
    return session

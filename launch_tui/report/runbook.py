"""The deploy runbook (stage 5): release, rollback and escalation, with what was rehearsed. Pure.

The checks, the recorded runbook and rollback drill, the alerts and the support paths are the
deploy deliverable's parts as the playbook declares them.
"""

from __future__ import annotations

from dataclasses import dataclass

from launch_tui.core.model import (
    StackComponent,
)
from launch_tui.report import parts
from launch_tui.report.inputs import Person, ReportInputs, RouteRow, people_of
from launch_tui.report.views import (
    Link,
    ManualNote,
    ResultView,
    link,
    text,
)

__all__ = ["RunbookView", "runbook_view"]


@dataclass(frozen=True)
class RunbookView:
    hosting: str
    canonical_url: Link
    staging_url: Link
    health: tuple[RouteRow, ...]
    checks: tuple[ResultView, ...]
    runbook: ManualNote
    rollback_drill: ManualNote
    alerts: ManualNote
    support: ManualNote
    people: tuple[Person, ...]
    notice: str


def runbook_view(b: ReportInputs) -> RunbookView:
    hosting = b.session.stack.get(StackComponent.HOSTING)
    health = tuple(r for r in b.routes if r.kind == "health")
    checks = b.results(parts.RUNBOOK_CHECKS)
    runbook = b.manual(parts.RUNBOOK_STEPS)
    drill = b.manual(parts.RUNBOOK_ROLLBACK_DRILL)
    notice = ""
    if not checks and not runbook.recorded and not drill.recorded:
        notice = b.missing(
            "deploy",
            "The deploy has not been rehearsed yet, so these are the standard steps",
            "run its checks and record the rollback drill",
        )
    return RunbookView(
        hosting=text(hosting.detected or hosting.declared, 120),
        canonical_url=link(b.session.targets.canonical_url),
        staging_url=link(b.session.targets.staging_url),
        health=health,
        checks=checks,
        runbook=runbook,
        rollback_drill=drill,
        alerts=b.manual(parts.RUNBOOK_ALERTS),
        support=b.manual(parts.RUNBOOK_SUPPORT),
        people=people_of(b),
        notice=notice,
    )

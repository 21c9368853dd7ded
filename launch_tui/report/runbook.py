"""The deploy runbook (stage 5): release, rollback and escalation, with what was rehearsed. Pure.

The checks, the recorded runbook and rollback drill and the alerts are the deploy deliverable's
parts as the playbook declares them; the incident escalation's contacts are the handover's
incident support paths (``session.handover``, written in the handover form).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from launch_tui.core.handover import SupportKind
from launch_tui.core.model import (
    StackComponent,
)
from launch_tui.report import evidence as ev
from launch_tui.report import parts
from launch_tui.report.handover_fields import SupportView, support_views
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
    escalation: tuple[SupportView, ...]
    """The handover's incident support paths: where an incident is raised, when, who answers."""
    escalation_notice: str
    """Says the incident path is not recorded (and how to record it) when there is none."""
    people: tuple[Person, ...]
    notice: str
    watch_command: str = ""
    """``launch-tui watch-deploy <session>``: the release and rollback steps' health watch."""
    dry_run: str = ""
    """The session's migration dry-run command, when it has one."""
    migration_rollback: tuple[str, ...] = ()
    """How to undo a migration, per framework the rehearsal found (commands or a sentence)."""


#: How to undo the last migration, per framework ``deploy.migrations`` names.
MIGRATION_ROLLBACK: dict[str, str] = {
    "knex": "npx knex migrate:rollback",
    "alembic": "alembic downgrade -1",
    "django": "python manage.py migrate <app> <previous migration>",
    "rails": "bin/rails db:rollback",
    "flyway": "flyway undo",
    "prisma": "Prisma writes no down migrations: apply the documented forward fix or restore "
    "the pre-release backup",
    "drizzle": "Drizzle writes no down migrations: apply the documented forward fix or restore "
    "the pre-release backup",
}


def _migration_steps(b: ReportInputs) -> tuple[tuple[str, ...], str]:
    """Rollback commands for the frameworks found, and the dry-run command, from the checks."""
    part = parts.RUNBOOK_CHECKS.of(b.playbook)
    steps: list[str] = []
    dry = ""
    for result in b.session.results:
        if result.check_id not in part.checks:
            continue
        found = ev.first(result.evidence, *part.keys("frameworks"))
        if isinstance(found, Mapping):
            steps.extend(MIGRATION_ROLLBACK[k] for k in found if k in MIGRATION_ROLLBACK)
        ran = ev.first(result.evidence, *part.keys("dry_run"))
        if isinstance(ran, Mapping) and isinstance(ran.get("command"), str):
            dry = text(str(ran["command"]), 300)
    if not dry and b.session.targets.migration_dry_run:
        dry = text(b.session.targets.migration_dry_run, 300)
    return tuple(dict.fromkeys(steps)), dry


def runbook_view(b: ReportInputs) -> RunbookView:
    hosting = b.session.stack.get(StackComponent.HOSTING)
    health = tuple(r for r in b.routes if r.kind == "health")
    checks = b.results(parts.RUNBOOK_CHECKS)
    runbook = b.manual(parts.RUNBOOK_STEPS)
    drill = b.manual(parts.RUNBOOK_ROLLBACK_DRILL)
    migration_rollback, dry_run = _migration_steps(b)
    watch = ""
    if health:
        watch = f"launch-tui watch-deploy {text(b.session.sprint.id, 80)} --timeout 600"
    escalation = support_views(b, SupportKind.INCIDENT)
    escalation_notice = ""
    if not escalation:
        escalation_notice = b.missing(
            "handover",
            "Incident support path: not recorded",
            "write it in the handover form (H in the app): channel, hours, who answers",
        )
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
        escalation=escalation,
        escalation_notice=escalation_notice,
        people=people_of(b),
        notice=notice,
        watch_command=watch,
        dry_run=dry_run,
        migration_rollback=migration_rollback,
    )

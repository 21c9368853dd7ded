"""Session + playbook + readiness → the plain view-model every report template renders. Pure.

:func:`build_context` reads nothing but its arguments: no files, no environment, no network, no
clock (``now`` is passed in). Everything in the result is cleaned text, numbers and tuples in a
stable order, so the same session renders byte-for-byte the same document.

Each section is built by the module named for it (:mod:`~launch_tui.report.handover`,
:mod:`~launch_tui.report.findings` for the risk and fix lists, :mod:`~launch_tui.report.domain_map`,
:mod:`~launch_tui.report.secrets_inventory`, :mod:`~launch_tui.report.email_records`,
:mod:`~launch_tui.report.runbook`, :mod:`~launch_tui.report.monitoring`) from the shared
:class:`~launch_tui.report.inputs.ReportInputs`; this module adds the stages and the evidence
appendix and puts them together.

A part of a section with nothing to show carries a ``notice``: one sentence saying what is
missing and which stage fills it in, so a half-finished sprint renders a useful document rather
than empty tables.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from launch_tui.core.model import (
    Session,
)
from launch_tui.core.playbook import Playbook
from launch_tui.core.readiness import (
    stage_progress,
)
from launch_tui.report.digest import DigestLine, digest
from launch_tui.report.domain_map import DomainMapView, domain_map_view
from launch_tui.report.email_records import EmailView, email_view
from launch_tui.report.executive import ExecutiveView, executive_view
from launch_tui.report.findings import FixListView, RiskListView, fix_list_view, risk_list_view
from launch_tui.report.handover import VERDICT_LABELS, HandoverView, handover_view
from launch_tui.report.inputs import ReportInputs, stage_note
from launch_tui.report.monitoring import MonitoringView, monitoring_view
from launch_tui.report.runbook import RunbookView, runbook_view
from launch_tui.report.secrets_inventory import SecretsInventoryView, secrets_inventory_view
from launch_tui.report.sections import SECTIONS, SectionSpec
from launch_tui.report.views import (
    ResultView,
    fmt_moment,
    person_name,
    text,
)

__all__ = ["ReportContext", "build_context"]


@dataclass(frozen=True)
class StageView:
    number: int
    id: str
    title: str
    status: str
    owner: str
    notes: str
    total: int
    with_result: int
    passing: int
    failing: int
    deliverable: str


@dataclass(frozen=True)
class StageResults:
    """The evidence appendix for one stage."""

    number: int
    title: str
    notes: str
    results: tuple[ResultView, ...]
    notice: str
    digest: tuple[DigestLine, ...] = ()
    """One line per check, for the printed appendix."""


@dataclass(frozen=True)
class ReportContext:
    """Everything the templates see, as ``r`` (the sections to render are ``sections``)."""

    title: str
    client: str
    product: str
    session_id: str
    apex: str
    engineer: str
    started_at: str
    generated_at: str
    generated_date: str
    playbook_source: str
    verdict: str
    verdict_label: str
    stages: tuple[StageView, ...]
    sections: tuple[SectionSpec, ...]
    section_intros: dict[str, str]
    """Each section id's one-paragraph introduction (the playbook's deliverable description)."""
    handover: HandoverView
    risks: RiskListView
    fixes: FixListView
    domains: DomainMapView
    secrets: SecretsInventoryView
    email: EmailView
    runbook: RunbookView
    monitoring: MonitoringView
    appendix: tuple[StageResults, ...]
    executive: ExecutiveView
    """Page one: verdict, must-fix items, live against still-to-engineer, sign-off."""


def build_context(
    session: Session,
    playbook: Playbook,
    now: datetime,
    sections: tuple[SectionSpec, ...],
) -> ReportContext:
    """The view-model for ``session`` as of ``now``, with ``sections`` selected for rendering."""
    b = ReportInputs(session, playbook, now)
    s = session.sprint
    client = text(s.client, 120)
    product = text(s.product, 120)
    title = f"{client} — {product}" if product else client
    intros = {
        spec.id: spec.intro or playbook.stage(spec.stage).deliverable.description
        for spec in SECTIONS
        if spec.intro or spec.stage
    }
    handover = handover_view(b)
    risks = risk_list_view(b)
    return ReportContext(
        title=title or "Launch readiness report",
        client=client,
        product=product,
        session_id=text(s.id, 80),
        apex=text(session.targets.apex, 253),
        engineer=person_name(session, s.engineer),
        started_at=fmt_moment(s.started_at),
        generated_at=fmt_moment(now),
        generated_date=now.date().isoformat(),
        playbook_source=text(playbook.source, 200),
        verdict=b.readiness.verdict.value,
        verdict_label=VERDICT_LABELS[b.readiness.verdict],
        stages=_stages(b),
        sections=sections,
        section_intros=intros,
        handover=handover,
        risks=risks,
        fixes=fix_list_view(b),
        domains=domain_map_view(b),
        secrets=secrets_inventory_view(b),
        email=email_view(b),
        runbook=runbook_view(b),
        monitoring=monitoring_view(b),
        appendix=_appendix(b),
        executive=executive_view(b, risks.open, handover.bar),
    )


def _stages(b: ReportInputs) -> tuple[StageView, ...]:
    progress = stage_progress(b.session, b.playbook)
    views = []
    for spec in b.playbook.stages:
        state = b.session.stage(spec.id)
        p = progress[spec.id]
        views.append(
            StageView(
                number=spec.number,
                id=spec.id,
                title=spec.title,
                status=state.status.value,
                owner=person_name(b.session, state.owner),
                notes=stage_note(state.notes),
                total=p.total,
                with_result=p.with_result,
                passing=p.passing,
                failing=p.failing,
                deliverable=spec.deliverable.name,
            )
        )
    return tuple(views)


def _appendix(b: ReportInputs) -> tuple[StageResults, ...]:
    by_stage: dict[str, list[ResultView]] = defaultdict(list)
    unknown: list[ResultView] = []
    position = {c.id: i for i, c in enumerate(b.playbook.checks())}
    ordered = sorted(
        b.session.results,
        key=lambda r: (position.get(r.check_id, len(position)), r.check_id, r.target),
    )
    for result in ordered:
        view = b.view(result)
        if result.check_id in b.playbook:
            by_stage[b.playbook.check(result.check_id).stage].append(view)
        else:
            unknown.append(view)
    stages = []
    for spec in b.playbook.stages:
        results = tuple(by_stage.get(spec.id, ()))
        stages.append(
            StageResults(
                number=spec.number,
                title=spec.title,
                notes=stage_note(b.session.stage(spec.id).notes),
                results=results,
                notice="" if results else "No results recorded for this stage yet.",
                digest=digest(results),
            )
        )
    if unknown:
        stages.append(
            StageResults(
                number=0,
                title="Checks this playbook does not list",
                notes="",
                results=tuple(unknown),
                notice="",
                digest=digest(tuple(unknown)),
            )
        )
    return tuple(stages)

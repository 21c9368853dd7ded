"""What every section of the report is built from, and the views several sections share. Pure.

:class:`ReportInputs` holds the session, the playbook, the moment of rendering and what is worked
out from them once (readiness, the ranked risks, per-route figures); its methods turn results,
decisions and the playbook's deliverable parts (:mod:`launch_tui.report.parts`) into views, so each
section module (risk and fix lists, domain map, secrets inventory, email checklist, runbook,
monitoring summary, handover) only chooses what to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from launch_tui.core.model import (
    CheckResult,
    Decision,
    Session,
)
from launch_tui.core.playbook import Playbook
from launch_tui.core.readiness import (
    Readiness,
    compute_readiness,
)
from launch_tui.report import parts
from launch_tui.report.cleaning import clean_multiline
from launch_tui.report.risk_list import RankedFinding, rank_findings
from launch_tui.report.route_stats import RouteStats, route_stats
from launch_tui.report.views import (
    NOTE_LIMIT,
    STATUS_LABELS,
    DecisionView,
    ManualNote,
    ResultView,
    decision_view,
    fmt_ms,
    fmt_pct,
    manual_note,
    result_view,
    text,
)

__all__ = [
    "FindingView",
    "Person",
    "ReportInputs",
    "RouteRow",
    "people_of",
    "route_row",
    "stage_note",
]


@dataclass(frozen=True)
class FindingView:
    """One ranked finding."""

    rank: int
    category: str
    result: ResultView
    why: str
    fix: str
    stage: str
    decisions: tuple[DecisionView, ...]


@dataclass(frozen=True)
class RouteRow:
    name: str
    url: str
    kind: str
    method: str
    p50: str
    p95: str
    p99: str
    budget: str
    uptime: str
    error_rate: str
    over_budget: bool
    status: str
    status_label: str
    monitored: bool


@dataclass(frozen=True)
class Person:
    name: str
    role: str
    org: str
    email: str


class ReportInputs:
    """The inputs shared by every section of the report."""

    def __init__(self, session: Session, playbook: Playbook, now: datetime) -> None:
        self.session = session
        self.playbook = playbook
        self.now = now
        self.today = now.date()
        self.readiness: Readiness = compute_readiness(session, playbook)
        self.risks = rank_findings(session, playbook)
        self.route_stats = route_stats(session, playbook)
        self._result_views: dict[int, ResultView] = {}
        self.routes = tuple(route_row(s) for s in self.route_stats)

    def missing(self, stage_id: str, what: str, how: str = "") -> str:
        """``Nothing recorded yet for X: stage N (Title) fills this in[: how].``"""
        stage = self.playbook.stage(stage_id)
        tail = f": {how}." if how else "."
        return f"{what}. Stage {stage.number} ({stage.title}) fills this in{tail}"

    def decision(self, d: Decision) -> DecisionView:
        return decision_view(d, self.session, self.playbook, self.today)

    def finding(self, rank: int, f: RankedFinding) -> FindingView:
        r = f.result
        spec = self.playbook.check(r.check_id) if r.check_id in self.playbook else None
        stage = self.playbook.stage_of(r.check_id).title if spec is not None else ""
        return FindingView(
            rank=rank,
            category=f.category.label,
            result=self.view(r),
            why=spec.why if spec is not None else "",
            fix=spec.fix if spec is not None else "",
            stage=stage,
            decisions=tuple(self.decision(d) for d in f.decisions),
        )

    def view(self, result: CheckResult) -> ResultView:
        """The result's view, built once: the same result shows in several sections."""
        key = id(result)
        if key not in self._result_views:
            self._result_views[key] = result_view(result, self.playbook)
        return self._result_views[key]

    def manuals(self, part: parts.Part) -> tuple[ManualNote, ...]:
        """What was recorded for each check of ``part``, in the playbook's order."""
        return tuple(
            manual_note(self.session, self.playbook, check_id)
            for check_id in part.of(self.playbook).checks
        )

    def manual(self, part: parts.Part) -> ManualNote:
        """What was recorded for the one check of ``part`` (named by the part when it has none)."""
        checks = part.of(self.playbook).checks
        return manual_note(self.session, self.playbook, checks[0] if checks else part.id)

    def results(self, part: parts.Part) -> tuple[ResultView, ...]:
        """The results of ``part``'s checks, in the playbook's order, then by target."""
        check_ids = part.of(self.playbook).checks
        chosen = [r for r in self.session.results if r.check_id in check_ids]
        chosen.sort(key=lambda r: (check_ids.index(r.check_id), r.target))
        return tuple(self.view(r) for r in chosen)


def stage_note(value: str) -> str:
    return clean_multiline(value, max_len=NOTE_LIMIT).strip()


def route_row(s: RouteStats) -> RouteRow:
    status = s.latency_status
    return RouteRow(
        name=s.name,
        url=s.url,
        kind=s.kind,
        method=s.method,
        p50=fmt_ms(s.p50_ms),
        p95=fmt_ms(s.p95_ms),
        p99=fmt_ms(s.p99_ms),
        budget=fmt_ms(s.budget_ms) if s.budget_ms is not None else "—",
        uptime=fmt_pct(s.uptime_pct),
        error_rate=fmt_pct(s.error_rate_pct),
        over_budget=bool(s.over_budget),
        status=status.value if status is not None else "none",
        status_label=STATUS_LABELS[status] if status is not None else "not measured",
        monitored=s.monitored,
    )


def people_of(b: ReportInputs) -> tuple[Person, ...]:
    people = sorted(b.session.people, key=lambda p: (p.org.value, p.name.casefold(), p.id))
    return tuple(
        Person(
            name=text(p.name, 120),
            role=text(p.role, 120),
            org=p.org.value,
            email=text(p.email, 200),
        )
        for p in people
    )

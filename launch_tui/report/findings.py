"""The risk list (stage 1) and the prioritized fix list (stage 2) as views of ranked findings. Pure.

The ranking itself is :mod:`launch_tui.report.risk_list`; the fix list keeps the findings of the
request path's ``findings`` part (as the playbook declares it) and puts what breaks a budget first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from launch_tui.core.model import (
    Action,
)
from launch_tui.report import parts
from launch_tui.report.inputs import FindingView, ReportInputs, RouteRow
from launch_tui.report.route_stats import slowest
from launch_tui.report.views import (
    DecisionView,
    ManualNote,
)

__all__ = ["FixListView", "RiskListView", "fix_list_view", "risk_list_view"]


@dataclass(frozen=True)
class RiskListView:
    open: tuple[FindingView, ...]
    accepted: tuple[FindingView, ...]
    notice: str


@dataclass(frozen=True)
class FixListView:
    items: tuple[FindingView, ...]
    decisions: tuple[DecisionView, ...]
    slowest: tuple[RouteRow, ...]
    manual: tuple[ManualNote, ...]
    notice: str
    routes_notice: str


def risk_list_view(b: ReportInputs) -> RiskListView:
    open_ = tuple(b.finding(i, f) for i, f in enumerate(b.risks.open, start=1))
    accepted = tuple(b.finding(i, f) for i, f in enumerate(b.risks.accepted, start=len(open_) + 1))
    notice = ""
    if not b.session.results:
        notice = b.missing(
            "audit", "No checks have run yet", "run the audit checks to find the risks"
        )
    elif not open_ and not accepted:
        notice = f"No check fails or warns among the {len(b.session.results)} results recorded."
    return RiskListView(open=open_, accepted=accepted, notice=notice)


def fix_list_view(b: ReportInputs) -> FixListView:
    stage_checks = set(parts.FIX_FINDINGS.of(b.playbook).checks)
    ranked = [f for f in (*b.risks.open, *b.risks.accepted) if f.result.check_id in stage_checks]
    # Priority: what breaks the budget first (fail), then errors, then warnings; worse severity
    # first within each, as the risk list.
    ranked.sort(
        key=lambda f: (
            f.accepted,
            f.result.status.rank,
            f.result.severity.rank,
            f.result.check_id,
            f.result.target,
        )
    )
    items = tuple(b.finding(i, f) for i, f in enumerate(ranked, start=1))
    decisions = tuple(
        b.decision(d)
        for d in sorted(
            (
                d
                for d in b.session.decisions
                if d.stage == "request-path" and d.action is not Action.ACCEPT_RISK
            ),
            key=lambda d: (d.due or date.max, d.id),
        )
    )
    slow = slowest(b.route_stats)
    slow_names = [s.name for s in slow]
    slow_rows = tuple(
        sorted(
            (r for r in b.routes if r.name in slow_names), key=lambda r: slow_names.index(r.name)
        )
    )
    manual = b.manuals(parts.FIX_QUESTIONS)
    has_results = any(r.check_id in stage_checks for r in b.session.results)
    notice = ""
    if not has_results:
        notice = b.missing(
            "request-path",
            "No request-path measurements yet",
            "run its latency, caching and page-weight checks",
        )
    elif not items:
        notice = "Nothing to fix on the request path: every measured route is within budget."
    routes_notice = ""
    if not slow_rows:
        routes_notice = (
            b.missing(
                "request-path",
                "No route has been measured yet",
                "configure routes and run perf.latency",
            )
            if not b.session.targets.routes or not has_results
            else "No route has p95 figures yet."
        )
    return FixListView(
        items=items,
        decisions=decisions,
        slowest=slow_rows,
        manual=manual,
        notice=notice,
        routes_notice=routes_notice,
    )

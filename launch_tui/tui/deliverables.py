"""Each stage's client deliverable as it stands: tables and latency series, computed from a session.

Plain frozen values like :mod:`launch_tui.tui.views` (and with the same rule: every string from
outside is cleaned); kept apart because only the deliverable tab and the reports need them, and
the first screen should not pay for building these classes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from launch_tui.core.display import fmt_ms, person_name
from launch_tui.core.model import (
    Action,
    Decision,
    Evidence,
    Session,
    StackComponent,
    Status,
)
from launch_tui.core.playbook import CheckSpec, Playbook
from launch_tui.core.sanitize import clean
from launch_tui.tui.views import decision_line

if TYPE_CHECKING:
    from launch_tui.report.risk_list import RankedFinding

# --- deliverables ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One table cell: plain text, and the status that colours it (if any)."""

    text: str
    status: Status | None = None


@dataclass(frozen=True)
class TableView:
    """A titled table of cells."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    empty: str = "nothing yet"
    """What to say when there are no rows."""
    head: int = 1
    """Leading columns that make a row's first line when the table is too wide to fit."""


@dataclass(frozen=True)
class SeriesView:
    """Numbers drawn as a sparkline (latency samples of one route)."""

    label: str
    values: tuple[float, ...]
    caption: str


@dataclass(frozen=True)
class DeliverableView:
    """A stage's client deliverable as it stands now."""

    name: str
    description: str
    tables: tuple[TableView, ...]
    series: tuple[SeriesView, ...] = ()


def deliverable_for(
    session: Session, playbook: Playbook, stage_id: str, today: date
) -> DeliverableView:
    """The deliverable of ``stage_id``, built from the session's results and inventories.

    The domain map, risk list and route statistics come from :mod:`launch_tui.report`, so the
    screen and the client's documents read evidence the same way.
    """
    spec = playbook.stage(stage_id)
    builders = {
        "audit": _audit,
        "request-path": _request_path,
        "delivery": _delivery,
        "email-secrets": _email_secrets,
        "deploy": _deploy,
        "observe": _observe,
        "handover": _handover,
    }
    tables, series = builders[stage_id](session, playbook, today)
    return DeliverableView(
        name=spec.deliverable.name,
        description=spec.deliverable.description,
        tables=tables,
        series=series,
    )


_Built = tuple[tuple[TableView, ...], tuple[SeriesView, ...]]


def _decision_mark(session: Session, decisions: Sequence[Decision]) -> str:
    if not decisions:
        return "—"
    latest = decisions[-1]
    owner = person_name(session, latest.owner)
    return f"{latest.action.value}" + (f" ({owner})" if owner else "")


def _finding_rows(
    session: Session, findings: Iterable[RankedFinding], numbered: bool
) -> tuple[tuple[Cell, ...], ...]:
    rows = []
    for index, finding in enumerate(findings, start=1):
        r = finding.result
        cells = (
            Cell(finding.category.label),
            Cell(r.severity.value, r.status),
            Cell(r.check_id),
            Cell(clean(r.target, max_len=40) or "—"),
            Cell(clean(r.summary, max_len=160)),
            Cell(_decision_mark(session, finding.decisions)),
        )
        rows.append((Cell(str(index)), *cells) if numbered else cells)
    return tuple(rows)


def _audit(session: Session, playbook: Playbook, today: date) -> _Built:
    from launch_tui.report.risk_list import rank_findings

    risks = rank_findings(session, playbook)
    ordered = (*risks.open, *risks.accepted)
    stack_rows = tuple(
        (
            Cell(name.replace("_", " ")),
            Cell(clean(item.declared, max_len=60) or "—"),
            Cell(
                clean(item.detected, max_len=60) or "—",
                Status.WARN if item.mismatch else None,
            ),
        )
        for name, item in (
            (component.value, getattr(session.stack, component.value))
            for component in StackComponent
        )
    )
    return (
        TableView(
            "Risk list, worst first",
            ("#", "Area", "Impact", "Check", "Target", "Finding", "Decision"),
            _finding_rows(session, ordered, numbered=True),
            empty="no failing or warning results yet: run the audit (r)",
            head=5,
        ),
        TableView("Stack", ("Component", "Declared", "Detected"), stack_rows),
    ), ()


def _samples(evidence: Evidence, keys: Iterable[str]) -> tuple[float, ...]:
    """Latency samples in ms, when a check recorded them as a list under one of ``keys``."""
    for key in keys:
        value = evidence.get(key)
        if isinstance(value, list):
            numbers = tuple(
                float(v) for v in value if isinstance(v, int | float) and not isinstance(v, bool)
            )
            if numbers:
                return numbers[:400]
    return ()


def _latency_series(
    session: Session, playbook: Playbook, names: Iterable[str]
) -> tuple[SeriesView, ...]:
    """Each route's samples from the timing measurement (the first check of its part)."""
    from launch_tui.report import parts

    timing = parts.ROUTE_TIMING.of(playbook)
    if not timing.checks:
        return ()
    series = []
    for name in names:
        result = session.result(timing.checks[0], name)
        if result is None:
            continue
        values = _samples(result.evidence, timing.keys("series"))
        if values:
            ordered = sorted(values)
            p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
            series.append(
                SeriesView(
                    label=clean(name, max_len=24),
                    values=values,
                    caption=f"p95 {fmt_ms(p95)}, n={len(values)}",
                )
            )
    return tuple(series)


def _request_path(session: Session, playbook: Playbook, today: date) -> _Built:
    from launch_tui.report.route_stats import route_stats, slowest

    stats = route_stats(session, playbook)
    rows = tuple(
        (
            Cell(s.name),
            Cell(fmt_ms(s.p50_ms)),
            Cell(fmt_ms(s.p95_ms), Status.FAIL if s.over_budget else s.latency_status),
            Cell(fmt_ms(s.p99_ms)),
            Cell(fmt_ms(s.budget_ms)),
        )
        for s in slowest(stats, 5)
    )
    return (
        TableView(
            "Slowest five routes (p95)",
            ("Route", "p50", "p95", "p99", "Budget"),
            rows,
            empty="no latency measured yet: run this stage (r)",
        ),
        _stage_fix_list(session, playbook, "request-path"),
    ), _latency_series(session, playbook, (r.name for r in session.targets.routes))


def _stage_fix_list(session: Session, playbook: Playbook, stage_id: str) -> TableView:
    from launch_tui.report.risk_list import rank_findings

    ids = {c.id for c in playbook.stage(stage_id).checks}
    risks = rank_findings(session, playbook)
    findings = [f for f in (*risks.open, *risks.accepted) if f.result.check_id in ids]
    return TableView(
        "Prioritized fix list",
        ("Area", "Impact", "Check", "Target", "Finding", "Decision"),
        _finding_rows(session, findings, numbered=False),
        empty="nothing to fix in this stage so far",
        head=4,
    )


def domain_map_table(session: Session, today: date, playbook: Playbook | None = None) -> TableView:
    """Stage 3's deliverable: each hostname's destination, proxy, TLS status and redirect rule."""
    from launch_tui.report.domain_map import domain_map

    rows = tuple(
        (
            Cell(row.host),
            Cell(row.destination),
            Cell(row.proxy),
            Cell(row.tls, row.tls_status),
            Cell(row.redirect),
            Cell("; ".join(row.warnings) or "—", Status.WARN if row.warnings else None),
        )
        for row in domain_map(session, today, playbook)
    )
    return TableView(
        "Domain map",
        ("Hostname", "Destination", "Proxy", "TLS", "Redirect", "Warnings"),
        rows,
        empty="no hostnames in this session",
    )


def _delivery(session: Session, playbook: Playbook, today: date) -> _Built:
    return (
        domain_map_table(session, today, playbook),
        _stage_fix_list(session, playbook, "delivery"),
    ), ()


def _email_secrets(session: Session, playbook: Playbook, today: date) -> _Built:
    secrets = tuple(
        (
            Cell(clean(s.name, max_len=60)),
            Cell(clean(s.stored_in, max_len=40) or "—"),
            Cell(person_name(session, s.owner) or "—"),
            Cell(s.last_rotated.isoformat() if s.last_rotated else "—"),
            Cell(
                s.exposure.value,
                Status.FAIL if s.exposure.value == "leaked" else None,
            ),
        )
        for s in session.secrets
    )
    from launch_tui.report import parts

    email_checks = [c for part, _ in parts.EMAIL_CHECKLIST for c in part.of(playbook).checks]
    checklist = []
    for check_id in email_checks:
        if check_id not in playbook:
            continue
        spec = playbook.check(check_id)
        results = session.results_for(check_id)
        if not results:
            checklist.append((Cell(spec.title), Cell("—"), Cell("not checked yet")))
        for result in results:
            checklist.append(
                (
                    Cell(spec.title),
                    Cell(result.status.value, result.status),
                    Cell(clean(result.summary, max_len=160)),
                )
            )
    return (
        TableView(
            "Secrets inventory (names and places, never values)",
            ("Name", "Stored in", "Owner", "Rotated", "Exposure"),
            secrets,
            empty="no secrets inventoried yet",
            head=2,
        ),
        TableView(
            "Email deliverability checklist", ("Item", "Status", "Finding"), tuple(checklist)
        ),
    ), ()


def _checklist(session: Session, specs: Iterable[CheckSpec]) -> tuple[tuple[Cell, ...], ...]:
    rows = []
    for spec in specs:
        results = session.results_for(spec.id)
        if not results:
            rows.append((Cell(spec.title), Cell("—"), Cell("not done yet")))
            continue
        worst = min(results, key=lambda r: r.status.rank)
        rows.append(
            (
                Cell(spec.title),
                Cell(worst.status.value, worst.status),
                Cell(clean(worst.summary, max_len=160)),
            )
        )
    return tuple(rows)


def _deploy(session: Session, playbook: Playbook, today: date) -> _Built:
    return (
        TableView(
            "Deploy runbook readiness",
            ("Step", "Status", "Finding"),
            _checklist(session, playbook.stage("deploy").checks),
        ),
    ), ()


def _observe(session: Session, playbook: Playbook, today: date) -> _Built:
    from launch_tui.report.route_stats import route_stats

    rows = tuple(
        (
            Cell(s.name),
            Cell(s.kind),
            Cell(fmt_ms(s.p95_ms), Status.FAIL if s.over_budget else s.latency_status),
            Cell(fmt_ms(s.p99_ms)),
            Cell("—" if s.uptime_pct is None else f"{s.uptime_pct:.1f}%"),
            Cell("—" if s.error_rate_pct is None else f"{s.error_rate_pct:.1f}%"),
            Cell("yes" if s.monitored else "no", None if s.monitored else Status.WARN),
        )
        for s in route_stats(session, playbook)
    )
    return (
        TableView(
            "Monitoring summary",
            ("Route", "Kind", "p95", "p99", "Uptime", "Errors", "Monitored"),
            rows,
            empty="no routes configured",
            head=4,
        ),
        TableView(
            "Monitoring checks",
            ("Item", "Status", "Finding"),
            _checklist(session, playbook.stage("observe").checks),
            head=2,
        ),
    ), _latency_series(session, playbook, (r.name for r in session.targets.routes))


def _handover(session: Session, playbook: Playbook, today: date) -> _Built:
    access = tuple(
        (
            Cell(clean(s.name, max_len=40)),
            Cell(person_name(session, s.owner) or "—", None if s.owner else Status.WARN),
            Cell(
                ", ".join(person_name(session, a) for a in s.admins) or "—",
                Status.WARN if len(s.admins) < 2 else None,
            ),
            Cell(s.renewal.isoformat() if s.renewal else "—"),
            Cell(f"{s.monthly_cost} {s.currency}" if s.monthly_cost is not None else "—"),
        )
        for s in session.services
    )
    open_decisions = tuple(
        (
            Cell(line.action.value),
            Cell(line.text),
            Cell(line.owner or "—", None if line.owner else Status.WARN),
            Cell(line.due.isoformat() if line.due else "—"),
        )
        for line in (decision_line(session, d) for d in session.decisions)
        if line.action is not Action.FIX or line.due is not None
    )
    return (
        TableView(
            "Access map and renewals",
            ("Service", "Owner", "Admins", "Renewal", "Monthly"),
            access,
            empty="no external services recorded",
            head=2,
        ),
        TableView(
            "Handover checklist",
            ("Item", "Status", "Finding"),
            _checklist(session, playbook.stage("handover").checks),
            head=2,
        ),
        TableView(
            "Accepted risks and deferred work",
            ("Action", "Decision", "Owner", "Due"),
            open_decisions,
            empty="no decisions recorded",
            head=1,
        ),
    ), ()

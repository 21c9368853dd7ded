"""What the screens show, computed from a session: plain frozen values, no textual.

Widgets render these; tests assert on them without running an app. Every string that may have
come from outside (the network, a repository, a hand-edited session file) leaves this module
through :func:`launch_tui.core.sanitize.clean`, so a widget never sees a control character.
Markup safety is the widgets' job: they render these strings as plain text, never as markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from launch_tui.core.model import (
    STAGE_IDS,
    Action,
    Decision,
    Evidence,
    HostRole,
    JSONValue,
    Session,
    Severity,
    StageStatus,
    Status,
)
from launch_tui.core.playbook import CheckMode, CheckSpec, Playbook
from launch_tui.core.readiness import stage_progress
from launch_tui.core.sanitize import clean
from launch_tui.tui.edits import OwnedKind, check_owner_decision, parse_row_key, row_key

if TYPE_CHECKING:
    from launch_tui.report.risk_list import RankedFinding

#: Longest value shown for one evidence item; the rest is cut with an ellipsis.
EVIDENCE_VALUE_MAX = 400
#: At most this many evidence lines are shown for one result.
EVIDENCE_LINES_MAX = 200

_FAILING = (Status.FAIL, Status.ERROR)


# --- check table and detail pane ---------------------------------------------------------------


@dataclass(frozen=True)
class CheckRow:
    """One line of a stage's check table: a check on one target, or a check not run yet."""

    key: str
    """``check_id:target`` (see :func:`launch_tui.tui.edits.row_key`)."""
    check_id: str
    title: str
    target: str
    """Cleaned target; ``""`` for session-wide checks and for checks not run yet."""
    status: Status | None
    """``None`` when the check has no result yet."""
    severity: Severity
    summary: str
    duration_ms: int | None
    changed: bool
    """The status differs from the previous run's."""
    manual: bool
    """A check the engineer confirms by hand."""
    runnable: bool
    """An auto check that is implemented (in the registry)."""
    decision: Action | None
    """The action of the latest decision covering this row, if any."""


def stage_rows(
    session: Session, playbook: Playbook, stage_id: str, implemented: Iterable[str] = ()
) -> tuple[CheckRow, ...]:
    """The rows of a stage's check table, in playbook order then target order."""
    available = frozenset(implemented)
    rows: list[CheckRow] = []
    for spec in playbook.stage(stage_id).checks:
        manual = spec.mode is CheckMode.MANUAL
        runnable = not manual and spec.id in available
        results = session.results_for(spec.id)
        if not results:
            if manual:
                summary = "waiting for your confirmation"
            elif runnable:
                summary = "not run yet"
            else:
                summary = "not automated yet; confirm by hand"
            rows.append(
                CheckRow(
                    key=row_key(spec.id, ""),
                    check_id=spec.id,
                    title=spec.title,
                    target="",
                    status=None,
                    severity=spec.severity,
                    summary=summary,
                    duration_ms=None,
                    changed=False,
                    manual=manual,
                    runnable=runnable,
                    decision=_latest_action(session.decisions, spec.id, ""),
                )
            )
            continue
        shown: set[str] = set()
        for result in results:
            key = row_key(result.check_id, result.target)
            if key in shown:
                continue  # a hand-edited file may repeat a result; the first one counts
            shown.add(key)
            rows.append(
                CheckRow(
                    key=key,
                    check_id=spec.id,
                    title=spec.title,
                    target=clean(result.target, max_len=120),
                    status=result.status,
                    severity=result.severity,
                    summary=clean(result.summary, max_len=300),
                    duration_ms=None if manual else result.duration_ms,
                    changed=result.changed,
                    manual=manual,
                    runnable=runnable,
                    decision=_latest_action(session.decisions, spec.id, result.target),
                )
            )
    return tuple(rows)


def _latest_action(decisions: Sequence[Decision], check_id: str, target: str) -> Action | None:
    action: Action | None = None
    for decision in decisions:
        if decision.check_id == check_id and decision.target in ("", target):
            action = decision.action
    return action


@dataclass(frozen=True)
class DecisionLine:
    """A decision as one line: what, who, when."""

    id: str
    action: Action
    text: str
    owner: str
    """The owner's name (or id when not among the people); ``""`` when nobody."""
    due: date | None
    scope: str
    """``check on target``, ``check`` or ``stage``."""


@dataclass(frozen=True)
class DetailView:
    """Everything the detail pane shows about one row."""

    key: str
    check_id: str
    title: str
    target: str
    status: Status | None
    severity: Severity
    summary: str
    why: str
    fix: str
    look_at: str
    manual: bool
    measured_at: datetime | None
    duration_ms: int | None
    previous_status: Status | None
    evidence: tuple[tuple[str, str], ...]
    decisions: tuple[DecisionLine, ...]
    owner: str
    """Name of the person carrying the check (through its fix/defer decision)."""


def detail_for(session: Session, playbook: Playbook, key: str) -> DetailView | None:
    """The detail of the row ``key``; ``None`` when the check is not in the playbook."""
    check_id, target = parse_row_key(key)
    if check_id not in playbook:
        return None
    spec = playbook.check(check_id)
    result = session.result(check_id, target)
    decisions = tuple(
        decision_line(session, d)
        for d in session.decisions
        if d.check_id == check_id and d.target in ("", target)
    )
    owner_decision = check_owner_decision(session, check_id, target)
    return DetailView(
        key=key,
        check_id=check_id,
        title=spec.title,
        target=clean(target, max_len=200),
        status=None if result is None else result.status,
        severity=spec.severity if result is None else result.severity,
        summary="" if result is None else clean(result.summary, max_len=500),
        why=spec.why,
        fix=spec.fix,
        look_at=spec.look_at,
        manual=spec.mode is CheckMode.MANUAL,
        measured_at=None if result is None else result.measured_at,
        duration_ms=None if result is None else result.duration_ms,
        previous_status=None if result is None else result.previous_status,
        evidence=() if result is None else evidence_lines(result.evidence),
        decisions=decisions,
        owner="" if owner_decision is None else person_name(session, owner_decision.owner),
    )


def decision_line(session: Session, decision: Decision) -> DecisionLine:
    """One decision, with the owner's name resolved."""
    if decision.check_id and decision.target:
        scope = f"{decision.check_id} on {clean(decision.target, max_len=80)}"
    elif decision.check_id:
        scope = decision.check_id
    else:
        scope = "stage"
    return DecisionLine(
        id=clean(decision.id, max_len=20),
        action=decision.action,
        text=clean(decision.text, max_len=500),
        owner=person_name(session, decision.owner),
        due=decision.due,
        scope=scope,
    )


def person_name(session: Session, person_id: str) -> str:
    """The person's name, or the id itself when nobody has it; ``""`` for no one."""
    if not person_id.strip():
        return ""
    person = session.person(person_id)
    return clean(person.name if person is not None else person_id, max_len=60)


def evidence_lines(evidence: Evidence) -> tuple[tuple[str, str], ...]:
    """Evidence flattened to ``(key, value)`` lines; nested keys joined with dots.

    A list of plain values gives one line per value, the key shown on the first only. Values are
    cleaned of control characters and cut to :data:`EVIDENCE_VALUE_MAX` characters.
    """
    lines: list[tuple[str, str]] = []

    def walk(prefix: str, value: JSONValue) -> None:
        if len(lines) >= EVIDENCE_LINES_MAX:
            return
        if isinstance(value, Mapping):
            if not value:
                lines.append((prefix, "(none)"))
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list):
            if not value:
                lines.append((prefix, "(none)"))
            for index, inner in enumerate(value):
                if isinstance(inner, Mapping | list):
                    walk(f"{prefix}[{index}]", inner)
                else:
                    walk(prefix if index == 0 else "", inner)
        else:
            lines.append((prefix, _scalar(value)))

    for key, value in evidence.items():
        walk(str(key), value)
    cleaned = [(clean(k, max_len=80), clean(v, max_len=EVIDENCE_VALUE_MAX)) for k, v in lines]
    if len(lines) >= EVIDENCE_LINES_MAX:
        cleaned.append(("…", "more evidence is in the session file"))
    return tuple(cleaned)


def _scalar(value: JSONValue) -> str:
    if value is None:
        return "(null)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


# --- sprint overview ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StageLine:
    """One stage in the sidebar."""

    id: str
    number: int
    title: str
    status: StageStatus
    minutes: int
    checks_total: int
    checks_with_result: int
    checks_failing: int


@dataclass(frozen=True)
class ClockView:
    """The sprint clock: time used of the sprint's hours."""

    elapsed_minutes: int
    deadline_hours: int

    @property
    def fraction(self) -> float:
        """Share of the sprint used, 0 to 1 (capped)."""
        total = self.deadline_hours * 60
        return 0.0 if total <= 0 else min(1.0, self.elapsed_minutes / total)

    @property
    def overdue(self) -> bool:
        return self.elapsed_minutes > self.deadline_hours * 60

    @property
    def elapsed(self) -> str:
        """``12.5 h``, or ``9.2 d`` once past 99 hours (an old session reopened)."""
        hours = self.elapsed_minutes / 60
        return f"{hours:.1f} h" if hours < 100 else f"{hours / 24:.1f} d"

    @property
    def label(self) -> str:
        """``12.5 h of 48 h``."""
        return f"{self.elapsed} of {self.deadline_hours} h"


def clock_view(session: Session, now: datetime) -> ClockView:
    """How far into the sprint ``now`` is."""
    seconds = (now - session.sprint.started_at).total_seconds()
    return ClockView(
        elapsed_minutes=max(0, int(seconds // 60)), deadline_hours=session.sprint.deadline_hours
    )


def stage_lines(session: Session, playbook: Playbook) -> tuple[StageLine, ...]:
    """Every stage's status, time spent and check progress, in sprint order."""
    progress = stage_progress(session, playbook)
    lines = []
    for spec in playbook.stages:
        state = session.stage(spec.id)
        p = progress[spec.id]
        lines.append(
            StageLine(
                id=spec.id,
                number=spec.number,
                title=spec.title,
                status=state.status,
                minutes=state.minutes_spent,
                checks_total=p.total,
                checks_with_result=p.with_result,
                checks_failing=p.failing,
            )
        )
    return tuple(lines)


def short_stage_title(title: str) -> str:
    """A stage title short enough for the sidebar (``Harden delivery`` → ``Delivery``)."""
    words = title.split()
    table = {
        "Quick audit": "Audit",
        "Stabilize the request path": "Request path",
        "Harden delivery": "Delivery",
        "Secure email and secrets": "Email & secrets",
        "Rehearse the deploy": "Deploy",
        "Observe real usage": "Observe",
        "Hand over": "Handover",
    }
    return table.get(title, " ".join(words[-2:]) if len(words) > 2 else title)


def bar_label(item_id: str) -> str:
    """A minimum-bar item id as a short label (``email-auth`` → ``SPF/DKIM/DMARC``)."""
    words = item_id.replace("-", " ").strip()
    labels = {
        "core-reads": "Core reads p95",
        "writes-auth": "Writes/auth p95",
        "uptime-monitoring": "Uptime monitors",
        "secrets-out-of-code": "Secrets out of code",
        "dns-redirects": "DNS & redirects",
        "edge-tls": "Edge & TLS",
        "email-auth": "SPF/DKIM/DMARC",
        "env-separation": "Prod separated",
        "handover": "Handover",
    }
    return labels.get(item_id, words[:1].upper() + words[1:])


def fmt_minutes(minutes: int) -> str:
    """``0`` → ``—``, ``42`` → ``42m``, ``125`` → ``2h05``."""
    if minutes <= 0:
        return "—"
    if minutes < 60:
        return f"{minutes}m"
    return f"{minutes // 60}h{minutes % 60:02d}"


def fmt_ago(then: datetime | None, now: datetime) -> str:
    """``just now``, ``5 min ago``, ``3 h ago``, ``2 d ago`` or a date."""
    if then is None:
        return "—"
    seconds = (now - then).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    if seconds < 86400 * 14:
        return f"{int(seconds // 86400)} d ago"
    return then.date().isoformat()


def fmt_ms(value: float | int | None) -> str:
    """Milliseconds for a table: ``—``, ``85 ms``, ``1.4 s``."""
    if value is None:
        return "—"
    if value >= 10_000:
        return f"{value / 1000:.0f} s"
    if value >= 1000:
        return f"{value / 1000:.1f} s"
    return f"{value:.0f} ms"


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

    risks = rank_findings(session)
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
            (component, getattr(session.stack, component))
            for component in (
                "hosting",
                "database",
                "email_provider",
                "auth_provider",
                "registrar",
                "dns_host",
            )
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


def _samples(evidence: Evidence) -> tuple[float, ...]:
    """Latency samples in ms, when a check recorded them as a list."""
    for key in ("samples_ms", "latencies_ms", "samples"):
        value = evidence.get(key)
        if isinstance(value, list):
            numbers = tuple(
                float(v) for v in value if isinstance(v, int | float) and not isinstance(v, bool)
            )
            if numbers:
                return numbers[:400]
    return ()


def _latency_series(session: Session, names: Iterable[str]) -> tuple[SeriesView, ...]:
    series = []
    for name in names:
        result = session.result("perf.latency", name)
        if result is None:
            continue
        values = _samples(result.evidence)
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

    stats = route_stats(session)
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
    ), _latency_series(session, (r.name for r in session.targets.routes))


def _stage_fix_list(session: Session, playbook: Playbook, stage_id: str) -> TableView:
    from launch_tui.report.risk_list import rank_findings

    ids = {c.id for c in playbook.stage(stage_id).checks}
    risks = rank_findings(session)
    findings = [f for f in (*risks.open, *risks.accepted) if f.result.check_id in ids]
    return TableView(
        "Prioritized fix list",
        ("Area", "Impact", "Check", "Target", "Finding", "Decision"),
        _finding_rows(session, findings, numbered=False),
        empty="nothing to fix in this stage so far",
        head=4,
    )


def domain_map_table(session: Session, today: date) -> TableView:
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
        for row in domain_map(session, today)
    )
    return TableView(
        "Domain map",
        ("Hostname", "Destination", "Proxy", "TLS", "Redirect", "Warnings"),
        rows,
        empty="no hostnames in this session",
    )


def _delivery(session: Session, playbook: Playbook, today: date) -> _Built:
    return (domain_map_table(session, today), _stage_fix_list(session, playbook, "delivery")), ()


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
    email_checks = (
        "email.spf",
        "email.dkim",
        "email.dmarc",
        "email.mx",
        "email.transactional_test",
    )
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
        worst = min(results, key=lambda r: _status_order(r.status))
        rows.append(
            (
                Cell(spec.title),
                Cell(worst.status.value, worst.status),
                Cell(clean(worst.summary, max_len=160)),
            )
        )
    return tuple(rows)


def _status_order(status: Status) -> int:
    order = (Status.FAIL, Status.ERROR, Status.WARN, Status.MANUAL, Status.SKIPPED, Status.PASS)
    return order.index(status)


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
        for s in route_stats(session)
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
    ), _latency_series(session, (r.name for r in session.targets.routes))


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


# --- people and ownership ----------------------------------------------------------------------


@dataclass(frozen=True)
class OwnedItem:
    """Something a person can own, with its current owner."""

    kind: OwnedKind
    ref: str
    """Stage id, row key, decision id, service name or secret name."""
    label: str
    owner: str
    """Owner's person id (``""`` when none)."""
    detail: str = ""
    status: Status | None = None


def assignables(session: Session, playbook: Playbook) -> tuple[OwnedItem, ...]:
    """Every stage, check result, decision, service and secret, with its owner.

    A hand-edited file may repeat an entry (two results for one check and target, two services
    of one name); each item is listed once, as the first of its kind and reference.
    """
    items: list[OwnedItem] = []
    for spec in playbook.stages:
        items.append(
            OwnedItem(
                OwnedKind.STAGE,
                spec.id,
                f"{spec.number} {spec.title}",
                session.stage(spec.id).owner,
                detail=session.stage(spec.id).status.value,
            )
        )
    for result in session.results:
        owner_decision = check_owner_decision(session, result.check_id, result.target)
        target = clean(result.target, max_len=40)
        items.append(
            OwnedItem(
                OwnedKind.CHECK,
                row_key(result.check_id, result.target),
                result.check_id + (f" · {target}" if target else ""),
                "" if owner_decision is None else owner_decision.owner,
                detail=clean(result.summary, max_len=80),
                status=result.status,
            )
        )
    for decision in session.decisions:
        items.append(
            OwnedItem(
                OwnedKind.DECISION,
                decision.id,
                f"{decision.id} {decision.action.value}: {clean(decision.text, max_len=60)}",
                decision.owner,
                detail=decision.due.isoformat() if decision.due else "",
            )
        )
    for service in session.services:
        items.append(
            OwnedItem(
                OwnedKind.SERVICE,
                service.name,
                clean(service.name, max_len=40),
                service.owner,
                detail=clean(service.purpose, max_len=60),
            )
        )
    for secret in session.secrets:
        items.append(
            OwnedItem(
                OwnedKind.SECRET,
                secret.name,
                clean(secret.name, max_len=40),
                secret.owner,
                detail=secret.exposure.value,
            )
        )
    unique: dict[tuple[OwnedKind, str], OwnedItem] = {}
    for item in items:
        unique.setdefault((item.kind, item.ref), item)
    return tuple(unique.values())


def owned_by(session: Session, playbook: Playbook, person_id: str) -> tuple[OwnedItem, ...]:
    """Everything ``person_id`` owns (stages, checks, decisions, services, secrets)."""
    return tuple(item for item in assignables(session, playbook) if item.owner == person_id)


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


def host_role_order(role: HostRole) -> int:
    """Sort order of host roles in proposals: apex first, then www, app, api, admin, staging."""
    order = list(HostRole)
    return order.index(role)

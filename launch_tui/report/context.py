"""Session + playbook + readiness → the plain view-model every report template renders. Pure.

:func:`build_context` reads nothing but its arguments: no files, no environment, no network, no
clock (``now`` is passed in). Everything in the result is cleaned text, numbers and tuples in a
stable order, so the same session renders byte-for-byte the same document.

A part of a section with nothing to show carries a ``notice``: one sentence saying what is
missing and which stage fills it in, so a half-finished sprint renders a useful document rather
than empty tables.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from launch_tui.core.model import (
    Action,
    CheckResult,
    Decision,
    Exposure,
    Session,
    StackComponent,
    Status,
)
from launch_tui.core.playbook import Playbook
from launch_tui.core.readiness import (
    BarState,
    Readiness,
    Verdict,
    compute_readiness,
    stage_progress,
)
from launch_tui.report import evidence as ev
from launch_tui.report import parts
from launch_tui.report.access_map import AccessRow, access_map
from launch_tui.report.cleaning import clean_multiline
from launch_tui.report.domain_map import DomainRow, domain_map
from launch_tui.report.email_records import EmailCheck, EmailRecord, email_checks, email_records
from launch_tui.report.risk_list import RankedFinding, rank_findings
from launch_tui.report.route_stats import RouteStats, route_stats, slowest
from launch_tui.report.sections import SECTIONS, SectionSpec
from launch_tui.report.views import (
    NOTE_LIMIT,
    STATUS_LABELS,
    DecisionView,
    Link,
    ManualNote,
    ResultView,
    days_note,
    decision_view,
    fmt_moment,
    fmt_money,
    fmt_ms,
    fmt_pct,
    link,
    manual_note,
    person_name,
    result_view,
    text,
)

__all__ = ["ReportContext", "build_context"]

VERDICT_LABELS = {
    Verdict.READY: "Launch ready",
    Verdict.READY_WITH_ACCEPTED_RISKS: "Launch ready with accepted risks",
    Verdict.NOT_READY: "Not launch ready",
}
BAR_LABELS = {
    BarState.MET: "met",
    BarState.ACCEPTED: "accepted risk",
    BarState.NOT_MET: "not met",
    BarState.PENDING: "pending",
}
_STACK_LABELS = {
    StackComponent.HOSTING: "Hosting",
    StackComponent.DATABASE: "Database",
    StackComponent.EMAIL_PROVIDER: "Email provider",
    StackComponent.AUTH_PROVIDER: "Sign-in provider",
    StackComponent.REGISTRAR: "Domain registrar",
    StackComponent.DNS_HOST: "DNS host",
}
#: Days before a renewal that it is flagged as coming up.
RENEWAL_WARNING_DAYS = 30


# --- small views -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BarItemView:
    title: str
    state: str
    """The state value (``met``, ``not_met``...), also a CSS class suffix."""
    label: str
    reason: str


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
class StackRow:
    component: str
    declared: str
    detected: str
    mismatch: bool


@dataclass(frozen=True)
class SecretView:
    name: str
    stored_in: str
    environments: str
    owner: str
    last_rotated: str
    exposure: str
    found_in: tuple[str, ...]
    flags: tuple[str, ...]


@dataclass(frozen=True)
class CredentialView:
    name: str
    ref: str
    purpose: str


@dataclass(frozen=True)
class ServiceView:
    name: str
    purpose: str
    owner: str
    admins: str
    renewal: str
    renewal_note: str
    cost: str


@dataclass(frozen=True)
class RenewalView:
    what: str
    date: str
    note: str
    source: str
    soon: bool
    """Within :data:`RENEWAL_WARNING_DAYS`, or already past."""


@dataclass(frozen=True)
class CostTotal:
    currency: str
    monthly: str
    services: int


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


@dataclass(frozen=True)
class StageResults:
    """The evidence appendix for one stage."""

    number: int
    title: str
    notes: str
    results: tuple[ResultView, ...]
    notice: str


# --- section views -----------------------------------------------------------------------------


@dataclass(frozen=True)
class HandoverView:
    verdict: str
    verdict_label: str
    bar: tuple[BarItemView, ...]
    bar_counts: str
    stack: tuple[StackRow, ...]
    hosts: tuple[tuple[str, str], ...]
    canonical_url: Link
    staging_url: Link
    deployed_notice: str
    access: tuple[AccessRow, ...]
    access_notice: str
    secrets: tuple[SecretView, ...]
    credentials: tuple[CredentialView, ...]
    secrets_notice: str
    services: tuple[ServiceView, ...]
    renewals: tuple[RenewalView, ...]
    costs: tuple[CostTotal, ...]
    services_notice: str
    env_changes: ManualNote
    environments: tuple[str, ...]
    rollback: tuple[ManualNote, ...]
    monitoring_links: tuple[Link, ...]
    monitoring_notice: str
    support: ManualNote
    people: tuple[Person, ...]
    limitations: ManualNote
    next_steps: ManualNote
    open_decisions: tuple[DecisionView, ...]
    top_risks: tuple[FindingView, ...]
    accepted_risks: tuple[DecisionView, ...]
    accepted_notice: str


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


@dataclass(frozen=True)
class DomainMapView:
    canonical: ResultView | None
    rows: tuple[DomainRow, ...]
    notice: str
    subdomain_owners: ManualNote


@dataclass(frozen=True)
class SecretsInventoryView:
    secrets: tuple[SecretView, ...]
    credentials: tuple[CredentialView, ...]
    rotation_tasks: tuple[SecretView, ...]
    scans: tuple[ResultView, ...]
    notice: str


@dataclass(frozen=True)
class EmailView:
    apex: str
    provider: str
    checks: tuple[EmailCheck, ...]
    records: tuple[EmailRecord, ...]
    inbox_test: ManualNote
    notice: str


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


@dataclass(frozen=True)
class MonitoringView:
    routes: tuple[RouteRow, ...]
    links: tuple[Link, ...]
    checks: tuple[ResultView, ...]
    manual: tuple[ManualNote, ...]
    notice: str
    links_notice: str


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


# --- assembly ----------------------------------------------------------------------------------


class _Build:
    """The inputs shared by every part of the context."""

    def __init__(self, session: Session, playbook: Playbook, now: datetime) -> None:
        self.session = session
        self.playbook = playbook
        self.now = now
        self.today = now.date()
        self.readiness: Readiness = compute_readiness(session, playbook)
        self.risks = rank_findings(session)
        self.route_stats = route_stats(session, playbook)
        self._result_views: dict[int, ResultView] = {}
        self.routes = tuple(_route_row(s) for s in self.route_stats)

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


def build_context(
    session: Session,
    playbook: Playbook,
    now: datetime,
    sections: tuple[SectionSpec, ...],
) -> ReportContext:
    """The view-model for ``session`` as of ``now``, with ``sections`` selected for rendering."""
    b = _Build(session, playbook, now)
    s = session.sprint
    client = text(s.client, 120)
    product = text(s.product, 120)
    title = f"{client} — {product}" if product else client
    intros = {
        spec.id: spec.intro or playbook.stage(spec.stage).deliverable.description
        for spec in SECTIONS
        if spec.intro or spec.stage
    }
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
        handover=_handover(b),
        risks=_risks(b),
        fixes=_fixes(b),
        domains=_domains(b),
        secrets=_secrets(b),
        email=_email(b),
        runbook=_runbook(b),
        monitoring=_monitoring(b),
        appendix=_appendix(b),
    )


def _stages(b: _Build) -> tuple[StageView, ...]:
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
                notes=_note(state.notes),
                total=p.total,
                with_result=p.with_result,
                passing=p.passing,
                failing=p.failing,
                deliverable=spec.deliverable.name,
            )
        )
    return tuple(views)


def _note(value: str) -> str:
    return clean_multiline(value, max_len=NOTE_LIMIT).strip()


def _route_row(s: RouteStats) -> RouteRow:
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


def _people(b: _Build) -> tuple[Person, ...]:
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


# --- handover ----------------------------------------------------------------------------------


def _handover(b: _Build) -> HandoverView:
    session = b.session
    bar = tuple(
        BarItemView(
            title=state.item.title,
            state=state.state.value,
            label=BAR_LABELS[state.state],
            reason=text(state.reason),
        )
        for state in b.readiness.items
    )
    counts = ", ".join(
        f"{b.readiness.count(state)} {BAR_LABELS[state]}"
        for state in BarState
        if b.readiness.count(state)
    )
    stack = tuple(
        StackRow(
            component=_STACK_LABELS[c],
            declared=text(session.stack.get(c).declared, 120),
            detected=text(session.stack.get(c).detected, 120),
            mismatch=session.stack.get(c).mismatch,
        )
        for c in StackComponent
    )
    hosts = tuple((text(h.name, 253), h.role.value) for h in session.targets.hosts)
    anything_deployed = bool(
        hosts
        or session.targets.canonical_url
        or any(r.declared or r.detected for r in (session.stack.get(c) for c in StackComponent))
    )
    access = access_map(session)
    secrets = _secret_views(b)
    credentials = _credential_views(b)
    services, renewals, costs = _services(b)
    env_names = sorted({text(e, 60) for s in session.secrets for e in s.environments if e.strip()})
    monitoring_links = _monitoring_links(b)
    accepted = tuple(
        b.decision(d)
        for d in sorted(
            (d for d in session.decisions if d.action is Action.ACCEPT_RISK),
            key=lambda d: (d.due or date.max, d.id),
        )
    )
    open_decisions = tuple(
        b.decision(d)
        for d in sorted(
            (d for d in session.decisions if d.action is not Action.ACCEPT_RISK),
            key=lambda d: (d.due or date.max, d.id),
        )
    )
    return HandoverView(
        verdict=b.readiness.verdict.value,
        verdict_label=VERDICT_LABELS[b.readiness.verdict],
        bar=bar,
        bar_counts=counts,
        stack=stack,
        hosts=hosts,
        canonical_url=link(session.targets.canonical_url),
        staging_url=link(session.targets.staging_url),
        deployed_notice=""
        if anything_deployed
        else b.missing(
            "audit",
            "No stack, hosts or URLs recorded yet",
            "fill [stack] and [targets] in the session file and run its checks",
        ),
        access=access,
        access_notice=""
        if any(row.recorded for row in access)
        else b.missing(
            "handover",
            "No accounts recorded yet",
            "add a [[services]] entry for each account with its owner and admins",
        ),
        secrets=secrets,
        credentials=credentials,
        secrets_notice=""
        if secrets
        else b.missing(
            "email-secrets",
            "No secrets inventoried yet",
            "list every secret by name in [[secrets]] with where it is stored",
        ),
        services=services,
        renewals=renewals,
        costs=costs,
        services_notice=""
        if services or renewals
        else b.missing(
            "handover",
            "No external services recorded yet",
            "add [[services]] entries with renewal dates and monthly costs",
        ),
        env_changes=b.manual(parts.HANDOVER_ENV_CHANGES),
        environments=tuple(env_names),
        rollback=b.manuals(parts.HANDOVER_ROLLBACK),
        monitoring_links=monitoring_links,
        monitoring_notice=""
        if monitoring_links
        else b.missing(
            "observe",
            "No monitoring links recorded yet",
            "confirm monitor.live with a link to each monitor",
        ),
        support=b.manual(parts.HANDOVER_SUPPORT),
        people=_people(b),
        limitations=b.manual(parts.HANDOVER_LIMITATIONS),
        next_steps=b.manual(parts.HANDOVER_NEXT_STEPS),
        open_decisions=open_decisions,
        top_risks=tuple(b.finding(i, f) for i, f in enumerate(b.risks.open[:5], start=1)),
        accepted_risks=accepted,
        accepted_notice="" if accepted else "No risks have been accepted.",
    )


def _secret_views(b: _Build) -> tuple[SecretView, ...]:
    views = []
    for s in sorted(b.session.secrets, key=lambda s: (s.name.casefold(), s.name)):
        flags: list[str] = []
        if s.exposure is Exposure.LEAKED:
            flags.append("leaked: rotate now")
        if not s.owner.strip():
            flags.append("no owner")
        if not s.stored_in.strip():
            flags.append("location unknown")
        if s.exposure is not Exposure.LEAKED and s.last_rotated is None:
            flags.append("never rotated on record")
        views.append(
            SecretView(
                name=text(s.name, 120),
                stored_in=text(s.stored_in, 200),
                environments=", ".join(text(e, 60) for e in s.environments),
                owner=person_name(b.session, s.owner),
                last_rotated=s.last_rotated.isoformat() if s.last_rotated else "",
                exposure=s.exposure.value,
                found_in=tuple(text(f, 200) for f in s.found_in),
                flags=tuple(flags),
            )
        )
    return tuple(views)


def _credential_views(b: _Build) -> tuple[CredentialView, ...]:
    return tuple(
        CredentialView(name=text(c.name, 120), ref=text(c.ref, 200), purpose=text(c.purpose, 200))
        for c in sorted(b.session.credentials, key=lambda c: c.name)
    )


def _services(
    b: _Build,
) -> tuple[tuple[ServiceView, ...], tuple[RenewalView, ...], tuple[CostTotal, ...]]:
    session, today = b.session, b.today
    services = []
    renewals: list[tuple[date, RenewalView]] = []
    totals: dict[str, Decimal] = defaultdict(Decimal)
    counted: dict[str, int] = defaultdict(int)
    for s in sorted(session.services, key=lambda s: (s.name.casefold(), s.name)):
        currency = text(s.currency, 10).upper() or "USD"
        cost = fmt_money(s.monthly_cost, currency) if s.monthly_cost is not None else ""
        if s.monthly_cost is not None:
            totals[currency] += s.monthly_cost
            counted[currency] += 1
        services.append(
            ServiceView(
                name=text(s.name, 120),
                purpose=text(s.purpose, 200),
                owner=person_name(session, s.owner),
                admins=", ".join(person_name(session, a) for a in s.admins),
                renewal=s.renewal.isoformat() if s.renewal else "",
                renewal_note=days_note(s.renewal, today),
                cost=cost,
            )
        )
        if s.renewal is not None:
            renewals.append(
                (
                    s.renewal,
                    _renewal(f"{text(s.name, 120)} renewal", s.renewal, today, "as entered"),
                )
            )
    domain_part = parts.DOMAIN_RENEWAL.of(b.playbook)
    for check_id in domain_part.checks:
        domain = session.result(check_id)
        if domain is None:
            continue
        expires = ev.day_of(domain.evidence, *domain_part.keys("expires"))
        if expires is not None:
            what = f"Domain {text(session.targets.apex, 253)}".strip()
            source = f"measured ({check_id})"
            renewals.append((expires, _renewal(what, expires, today, source)))
    certificate_part = parts.CERTIFICATE_RENEWALS.of(b.playbook)
    for check_id in certificate_part.checks:
        for result in session.results_for(check_id):
            expires = ev.day_of(result.evidence, *certificate_part.keys("expires"))
            if expires is not None:
                what = f"TLS certificate {text(result.target, 253)}".strip()
                source = f"measured ({check_id})"
                renewals.append((expires, _renewal(what, expires, today, source)))
    renewals.sort(key=lambda item: (item[0], item[1].what))
    costs = tuple(
        CostTotal(currency=c, monthly=fmt_money(totals[c], c), services=counted[c])
        for c in sorted(totals)
    )
    return tuple(services), tuple(r for _, r in renewals), costs


def _renewal(what: str, day: date, today: date, source: str) -> RenewalView:
    days = (day - today).days
    return RenewalView(
        what=what,
        date=day.isoformat(),
        note=days_note(day, today),
        source=source,
        soon=days <= RENEWAL_WARNING_DAYS,
    )


def _monitoring_links(b: _Build) -> tuple[Link, ...]:
    found: list[Link] = []
    for check_id in parts.MONITOR_LINKS.of(b.playbook).checks:
        result = b.session.result(check_id)
        if result is None:
            continue
        for value in ev.links_of(result):
            view = link(value)
            if view not in found:
                found.append(view)
    return tuple(found)


# --- stage deliverables ------------------------------------------------------------------------


def _risks(b: _Build) -> RiskListView:
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


def _fixes(b: _Build) -> FixListView:
    stage_checks = set(parts.FIX_FINDINGS.of(b.playbook).checks)
    ranked = [f for f in (*b.risks.open, *b.risks.accepted) if f.result.check_id in stage_checks]
    # Priority: what breaks the budget first (fail), then errors, then warnings; worse severity
    # first within each, as the risk list.
    order = {Status.FAIL: 0, Status.ERROR: 1, Status.WARN: 2}
    ranked.sort(
        key=lambda f: (
            f.accepted,
            order.get(f.result.status, 3),
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


def _domains(b: _Build) -> DomainMapView:
    rows = domain_map(b.session, b.today, b.playbook)
    canonical_checks = parts.MAP_CANONICAL.of(b.playbook).checks
    canonical = b.session.result(canonical_checks[0]) if canonical_checks else None
    notice = ""
    if not rows:
        notice = b.missing(
            "delivery", "No hostnames configured yet", "add [[targets.hosts]] and run its checks"
        )
    elif not any(r.checked for r in rows):
        notice = b.missing(
            "delivery",
            "The hostnames have not been checked yet",
            "run its DNS, TLS, edge and redirect checks",
        )
    return DomainMapView(
        canonical=b.view(canonical) if canonical is not None else None,
        rows=rows,
        notice=notice,
        subdomain_owners=b.manual(parts.MAP_SUBDOMAIN_OWNERS),
    )


def _secrets(b: _Build) -> SecretsInventoryView:
    secrets = _secret_views(b)
    scans = b.results(parts.SECRET_SCANS)
    return SecretsInventoryView(
        secrets=secrets,
        credentials=_credential_views(b),
        rotation_tasks=tuple(s for s in secrets if s.exposure == Exposure.LEAKED.value),
        scans=scans,
        notice=""
        if secrets
        else b.missing(
            "email-secrets",
            "No secrets inventoried yet",
            "list each secret the code reads, by name, with where it is stored",
        ),
    )


def _email(b: _Build) -> EmailView:
    checks = email_checks(b.session, b.playbook)
    apex = text(b.session.targets.apex, 253)
    provider = b.session.stack.get(StackComponent.EMAIL_PROVIDER)
    notice = ""
    if all(c.status is None for c in checks):
        notice = b.missing(
            "email-secrets",
            "The email checks have not run yet, so the records below are templates",
            "run email.spf, email.dkim and email.dmarc",
        )
    if not apex:
        notice = b.missing(
            "audit",
            "No apex domain recorded, so the records below use example.com",
            "set targets.apex",
        )
    return EmailView(
        apex=apex,
        provider=text(provider.detected or provider.declared, 120),
        checks=checks,
        records=email_records(b.session, b.playbook),
        inbox_test=b.manual(parts.EMAIL_INBOX),
        notice=notice,
    )


def _runbook(b: _Build) -> RunbookView:
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
        people=_people(b),
        notice=notice,
    )


def _monitoring(b: _Build) -> MonitoringView:
    checks = b.results(parts.MONITOR_CHECKS)
    links = _monitoring_links(b)
    measured = any(r.p95 != "—" or r.uptime != "—" for r in b.routes)
    notice = ""
    if not b.routes:
        notice = b.missing("observe", "No routes configured yet", "add [[targets.routes]]")
    elif not measured and not checks:
        notice = b.missing(
            "observe",
            "No route has been measured or monitored yet",
            "run its synthetic checks",
        )
    return MonitoringView(
        routes=b.routes,
        links=links,
        checks=checks,
        manual=b.manuals(parts.MONITOR_CONFIRMED),
        notice=notice,
        links_notice=""
        if links
        else b.missing(
            "observe",
            "No links to live monitors recorded yet",
            "confirm monitor.live with a link to each monitor",
        ),
    )


def _appendix(b: _Build) -> tuple[StageResults, ...]:
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
                notes=_note(b.session.stage(spec.id).notes),
                results=results,
                notice="" if results else "No results recorded for this stage yet.",
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
            )
        )
    return tuple(stages)

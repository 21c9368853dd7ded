"""The handover checklist (stage 7), as the view the report renders. Pure.

Verdict, minimum bar, stack, access, secrets, services and renewals, rollback, monitoring, support,
people, limitations and the risks left.

The handover's own fields come from ``session.handover`` (:mod:`.handover_fields`); the
measured renewals (domain and certificates) are the handover deliverable's parts as the playbook
declares them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from launch_tui.core.model import (
    Action,
    StackComponent,
)
from launch_tui.core.readiness import (
    BarState,
    Verdict,
)
from launch_tui.report import evidence as ev
from launch_tui.report import parts
from launch_tui.report.access_map import AccessRow, access_map
from launch_tui.report.handover_fields import HandoverFieldsView, handover_fields
from launch_tui.report.inputs import FindingView, Person, ReportInputs, people_of
from launch_tui.report.monitoring import monitor_links
from launch_tui.report.secrets_inventory import (
    CredentialView,
    SecretView,
    credential_views,
    secret_views,
)
from launch_tui.report.views import (
    DecisionView,
    Link,
    days_note,
    fmt_money,
    link,
    person_name,
    text,
)

__all__ = ["BAR_LABELS", "VERDICT_LABELS", "HandoverView", "handover_view"]

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


@dataclass(frozen=True)
class BarItemView:
    title: str
    state: str
    """The state value (``met``, ``not_met``...), also a CSS class suffix."""
    label: str
    reason: str


@dataclass(frozen=True)
class StackRow:
    component: str
    declared: str
    detected: str
    mismatch: bool


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
    fields: HandoverFieldsView
    """The handover's own fields (env changes, rollback, support, limitations, next steps)."""
    environments: tuple[str, ...]
    monitoring_links: tuple[Link, ...]
    monitoring_notice: str
    people: tuple[Person, ...]
    open_decisions: tuple[DecisionView, ...]
    top_risks: tuple[FindingView, ...]
    accepted_risks: tuple[DecisionView, ...]
    accepted_notice: str


def handover_view(b: ReportInputs) -> HandoverView:
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
    secrets = secret_views(b)
    credentials = credential_views(b)
    services, renewals, costs = _services(b)
    env_names = sorted({text(e, 60) for s in session.secrets for e in s.environments if e.strip()})
    fields = handover_fields(b)
    monitoring_links = fields.links + tuple(x for x in monitor_links(b) if x not in fields.links)
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
        fields=fields,
        environments=tuple(env_names),
        monitoring_links=monitoring_links,
        monitoring_notice=""
        if monitoring_links
        else b.missing(
            "observe",
            "No monitoring links recorded yet",
            "confirm monitor.live with a link to each monitor, or add monitoring links in the "
            "handover form",
        ),
        people=people_of(b),
        open_decisions=open_decisions,
        top_risks=tuple(b.finding(i, f) for i, f in enumerate(b.risks.open[:5], start=1)),
        accepted_risks=accepted,
        accepted_notice="" if accepted else "No risks have been accepted.",
    )


def _services(
    b: ReportInputs,
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

"""``handover.renewals``: what renews soon, what is missing a date or a cost, what it all costs.

Judged from the session's services (``renewal``, ``monthly_cost``, ``currency``) and the
domain's registration expiry, read over RDAP in this run: the run's one query for the apex, which
``domain.expiry`` shares (``checks/domain.py``, :func:`ask_registry`), so this check needs no
earlier run and the two agree. Only when the registry cannot be asked (no RDAP server known, the
query failed) is a saved ``domain.expiry`` result's ``expires_at`` used, and the finding says so:

==============================================================  ======  ========
finding                                                         status  severity
==============================================================  ======  ========
the domain's registration expires within 30 days, or expired    fail    high
a service renews within 30 days, or its renewal date passed     fail    medium
a service has no renewal date, or no monthly cost               warn    low
the domain's expiry could not be read, and none is saved         warn    low
==============================================================  ======  ========

A registry that publishes no expiry date, or does not know the domain, is ``domain.expiry``'s
finding, not repeated here. The domain's row says where its date came from (``source``: ``rdap``
for this run's query, ``saved domain.expiry`` for a stored result).
The total monthly cost is added up per currency (never converted) and shown in the summary and
the evidence (``monthly_totals``, decimal strings). Each row of ``renewals`` is one service or
the domain, with its date, days left and cost; ``findings`` names each problem by target.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from launch_tui.checks.domain import RegistryAnswer, ask_registry, days_left
from launch_tui.checks.engine.context import CheckContext
from launch_tui.checks.engine.findings import Finding, combine
from launch_tui.checks.engine.registry import Registry
from launch_tui.core.model import CheckResult, JSONValue, Service, Session, Severity, Status
from launch_tui.core.playbook import AppliesTo
from launch_tui.core.sanitize import clean

__all__ = [
    "CHECKS",
    "DomainDate",
    "RenewalJudgement",
    "domain_date",
    "judge_renewals",
    "monthly_totals",
    "renewals",
]

CHECKS = Registry()

#: A renewal or expiry within this many days fails (the launch window plus time to fix billing).
FAIL_WITHIN_DAYS = 30


@dataclass(frozen=True)
class RenewalFinding:
    target: str
    problem: str
    status: Status
    severity: Severity


@dataclass(frozen=True)
class DomainDate:
    """The apex's registration expiry for the renewals list, and where it came from."""

    expires: date | None
    """``None`` when the registry published none, or none could be read."""
    source: str
    """``rdap`` (this run's query), ``saved domain.expiry`` (a stored result) or ``""``."""
    problem: str = ""
    """Why this run could not read it from the registry; empty when it did."""
    expires_at: datetime | None = None
    """The moment it expires, when known: days left are then counted as ``domain.expiry``
    counts them (whole days from now, rounded down), so both say the same number."""


def stored_domain_date(session: Session, problem: str = "") -> DomainDate:
    """The expiry a saved ``domain.expiry`` result holds (``source`` empty when none does)."""
    result = session.result("domain.expiry")
    if result is None:
        return DomainDate(None, "", problem)
    moment = _parse_moment(result.evidence.get("expires_at"))
    return DomainDate(
        moment.date() if moment is not None else None, "saved domain.expiry", problem, moment
    )


def domain_date(session: Session, registry: RegistryAnswer) -> DomainDate:
    """The run's RDAP answer as a :class:`DomainDate`; a saved result only when it has none."""
    if registry.answer is not None and not registry.problem:
        record = registry.record
        expires = record.expires_at if record is not None else None
        return DomainDate(expires.date() if expires is not None else None, "rdap", "", expires)
    return stored_domain_date(session, registry.problem)


@dataclass(frozen=True)
class RenewalJudgement:
    rows: tuple[dict[str, JSONValue], ...]
    findings: tuple[RenewalFinding, ...]
    totals: dict[str, Decimal]

    def evidence(self) -> dict[str, JSONValue]:
        return {
            "renewals": list[JSONValue](self.rows),
            "monthly_totals": {k: str(v) for k, v in self.totals.items()},
            "findings": [
                {
                    "target": f.target,
                    "problem": f.problem,
                    "status": f.status.value,
                    "severity": f.severity.value,
                }
                for f in self.findings
            ],
        }


def monthly_totals(services: Sequence[Service]) -> dict[str, Decimal]:
    """Monthly cost per currency (upper-cased code), in the order currencies first appear."""
    totals: dict[str, Decimal] = {}
    for service in services:
        if service.monthly_cost is None:
            continue
        code = (service.currency.strip() or "USD").upper()
        totals[code] = totals.get(code, Decimal(0)) + service.monthly_cost
    return totals


def judge_renewals(
    session: Session, today: date, domain: DomainDate | None = None, now: datetime | None = None
) -> RenewalJudgement:
    """Every service's renewal and cost, and the domain's expiry, as of ``today``.

    ``domain`` is the expiry this run read; ``None`` judges a saved ``domain.expiry`` result.
    ``now`` (the moment of ``today``) counts the domain's days from its moment of expiry.
    """
    rows: list[dict[str, JSONValue]] = []
    findings: list[RenewalFinding] = []
    for service in session.services:
        name = clean(service.name, max_len=80)
        left = (service.renewal - today).days if service.renewal is not None else None
        rows.append(
            {
                "target": name,
                "kind": "service",
                "renewal": service.renewal.isoformat() if service.renewal else None,
                "days_left": left,
                "monthly_cost": str(service.monthly_cost)
                if service.monthly_cost is not None
                else None,
                "currency": (service.currency.strip() or "USD").upper(),
            }
        )
        if service.renewal is not None and left is not None:
            on = service.renewal.isoformat()
            if left < 0:
                findings.append(
                    RenewalFinding(
                        name,
                        f"renewal date {on} has passed: confirm it renewed and record the next one",
                        Status.FAIL,
                        Severity.MEDIUM,
                    )
                )
            elif left <= FAIL_WITHIN_DAYS:
                findings.append(
                    RenewalFinding(
                        name,
                        f"renews in {_days(left)} ({on}): check the card and who approves it",
                        Status.FAIL,
                        Severity.MEDIUM,
                    )
                )
        missing = [
            what
            for what, value in (
                ("renewal date", service.renewal),
                ("monthly cost", service.monthly_cost),
            )
            if value is None
        ]
        if missing:
            findings.append(
                RenewalFinding(
                    name, f"no {' and no '.join(missing)} recorded", Status.WARN, Severity.LOW
                )
            )
    judged = _domain_row(session, today, domain or stored_domain_date(session), now)
    if judged is not None:
        row, finding = judged
        rows.append(row)
        if finding is not None:
            findings.append(finding)
    findings.sort(key=lambda f: (f.status.rank, f.severity.rank))
    return RenewalJudgement(tuple(rows), tuple(findings), monthly_totals(session.services))


def _domain_row(
    session: Session, today: date, domain: DomainDate, now: datetime | None = None
) -> tuple[dict[str, JSONValue], RenewalFinding | None] | None:
    apex = clean(session.targets.apex.strip().rstrip(".").lower(), max_len=120)
    if not apex:
        return None
    row: dict[str, JSONValue] = {"target": apex, "kind": "domain", "source": domain.source}
    expires = domain.expires
    row["renewal"] = expires.isoformat() if expires is not None else None
    if domain.problem:
        row["problem"] = clean(domain.problem, max_len=200)
    if not domain.source:
        why = clean(domain.problem, max_len=160) or "the registry was not asked"
        return row, RenewalFinding(
            apex,
            f"the domain's expiry could not be read ({why}) and no domain.expiry result is "
            "saved: check the renewal date at the registrar",
            Status.WARN,
            Severity.LOW,
        )
    if expires is None:
        return row, None
    # A date from a saved result, because the registry could not be asked now, says so.
    saved = ""
    if domain.source != "rdap":
        why = clean(domain.problem, max_len=120)
        saved = " (from the saved domain.expiry result" + (
            f"; the registry could not be asked: {why})" if why else ")"
        )
    if domain.expires_at is not None and now is not None:
        left = days_left(domain.expires_at, now)
    else:
        left = (expires - today).days
    row["days_left"] = left
    on = expires.isoformat()
    if left < 0:
        return row, RenewalFinding(
            apex, f"the domain expired on {on}{saved}: renew it today", Status.FAIL, Severity.HIGH
        )
    if left <= FAIL_WITHIN_DAYS:
        return row, RenewalFinding(
            apex,
            f"the domain expires in {_days(left)} ({on}){saved}: renew it and turn on auto-renew",
            Status.FAIL,
            Severity.HIGH,
        )
    return row, None


def _parse_moment(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"


def _totals_text(totals: dict[str, Decimal]) -> str:
    if not totals:
        return "no monthly costs recorded"
    return "monthly total " + ", ".join(f"{code} {amount:.2f}" for code, amount in totals.items())


@CHECKS.register(
    "handover.renewals",
    stage="handover",
    title="Renewals and monthly costs listed",
    severity=Severity.MEDIUM,
    applies_to=AppliesTo.SESSION,
)
async def renewals(ctx: CheckContext) -> CheckResult:
    """Renewal dates and costs of every service and the domain; the monthly total per currency."""
    registry = await ask_registry(ctx)
    now = ctx.clock()
    judgement = judge_renewals(ctx.session, now.date(), domain_date(ctx.session, registry), now=now)
    evidence = judgement.evidence()
    totals = _totals_text(judgement.totals)
    if not judgement.findings:
        count = len(ctx.session.services)
        return ctx.result(
            Status.PASS,
            f"{count} services with renewal dates and costs, none due within "
            f"{FAIL_WITHIN_DAYS} days; {totals}",
            evidence=evidence,
        )
    status, severity, summary = combine(
        [Finding(f.status, f.severity, f"{f.target}: {f.problem}") for f in judgement.findings]
    )
    # The total leads: it is worth seeing whatever else is wrong, and the summary is capped.
    text = clean(f"{totals[0].upper()}{totals[1:]}; {summary}", max_len=400)
    return ctx.result(status, text, evidence=evidence, severity=severity)

"""Domain checks: is the apex's registration about to lapse, and who is its registrar?

``domain.expiry`` (once per session) asks the apex's registry over RDAP (RFC 9083; the server
from ``[network] rdap_url`` or the shipped IANA bootstrap snapshot, see ``net/rdap.py``)
for the registration's expiry date, registrar and status:

==============================================================  ======  ========
finding                                                         status  severity
==============================================================  ======  ========
redemption period or pending delete: the registration lapsed    fail    high
on hold (client or server hold): the domain does not resolve    fail    high
expired, or expires within 30 days                              fail    high
expires within 60 days                                          warn    medium
the registry publishes no expiry date                           warn    medium
no RDAP server known for the TLD; not found at the registry     warn    medium
the registry could not be asked or its answer not read          error   high
expires later                                                   pass
==============================================================  ======  ========

The query is the run's one RDAP query for the apex (:func:`shared_query`, through the run's
request cache): ``handover.renewals`` reads the same answer (:func:`ask_registry`), so the two
never disagree and neither depends on what an earlier run stored.

The registrar's name and IANA id are in the evidence (``registrar``, ``registrar_iana_id``);
merging a fresh result fills the stack's detected registrar with the name
(:func:`detected_registrar`, the check's merge rule). Everything from the registry is data:
summaries show it cleaned and shortened.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from launch_tui.checks.audit.provider_names import same_provider
from launch_tui.checks.engine.context import CheckContext
from launch_tui.checks.engine.fetching import MIN_FETCH_S, host_of, limits_for, no_http_result
from launch_tui.checks.engine.registry import Registry
from launch_tui.checks.engine.request_cache import request_cache
from launch_tui.core.errors import UsageError
from launch_tui.core.model import CheckResult, JSONValue, Session, Severity, Status
from launch_tui.core.playbook import AppliesTo
from launch_tui.core.sanitize import clean
from launch_tui.net import HttpClient, data_files
from launch_tui.net.rdap import (
    Outcome,
    RdapAnswer,
    RdapServer,
    domain_url,
    lookup_name,
    query_domain,
    rdap_server_for,
    shipped_bootstrap,
)
from launch_tui.net.rdap_parse import DomainRecord

__all__ = [
    "CHECKS",
    "RegistryAnswer",
    "Verdict",
    "ask_registry",
    "days_left",
    "detected_registrar",
    "expiry",
    "judge",
    "record_evidence",
    "shared_query",
]

CHECKS = Registry()

#: Expiring within this many days fails the check (the launch window plus time to fix billing).
FAIL_WITHIN_DAYS = 30
#: Expiring within this many days is a warning.
WARN_WITHIN_DAYS = 60

#: Statuses (RFC 8056, compared by ``status_key``) that mean the registration already lapsed.
_LAPSED = {"redemptionperiod": "in its redemption period", "pendingdelete": "pending delete"}
#: Statuses that take the domain out of the DNS.
_HELD = ("clienthold", "serverhold")


@dataclass(frozen=True)
class Verdict:
    """What a registry record means for the launch."""

    status: Status
    severity: Severity
    summary: str


def judge(record: DomainRecord, now: datetime) -> Verdict:
    """The verdict on ``record`` at ``now`` (see the table in the module docstring)."""
    name = clean(record.name, max_len=80)
    registrar = f"registrar {clean(record.registrar, max_len=80)}" if record.registrar else ""
    by = f" ({registrar})" if registrar else ""
    for key, words in _LAPSED.items():
        status = record.has_status(key)
        if status:
            return Verdict(
                Status.FAIL,
                Severity.HIGH,
                f"{name} is {words} ({clean(status, max_len=40)}){by}: the registration has "
                "lapsed and the domain will be released unless the registrar restores it now",
            )
    held = record.has_status(*_HELD)
    if held:
        return Verdict(
            Status.FAIL,
            Severity.HIGH,
            f"{name} is on hold ({clean(held, max_len=40)}){by}: it does not resolve, so the "
            "site and mail are down; ask the registrar to lift the hold",
        )
    if record.expires_at is None:
        return Verdict(
            Status.WARN,
            Severity.MEDIUM,
            f"The registry does not publish an expiry date for {name}{by}; "
            "check the renewal date at the registrar",
        )
    left = days_left(record.expires_at, now)
    on = record.expires_at.date().isoformat()
    tail = f", {registrar}" if registrar else ""
    if left < 0:
        ago = _days(-left)
        return Verdict(
            Status.FAIL,
            Severity.HIGH,
            f"{name} expired {ago} ago ({on}){tail}: renew it today",
        )
    when = f"{name} expires in {_days(left)} ({on}){tail}"
    if left <= FAIL_WITHIN_DAYS:
        return Verdict(Status.FAIL, Severity.HIGH, f"{when}: renew it and turn on auto-renew")
    if left <= WARN_WITHIN_DAYS:
        return Verdict(Status.WARN, Severity.MEDIUM, f"{when}: renew it before the launch")
    return Verdict(Status.PASS, Severity.HIGH, when)


def days_left(expires_at: datetime, now: datetime) -> int:
    """Whole days from ``now`` to ``expires_at``, rounded down (negative once expired)."""
    return (expires_at - now) // timedelta(days=1)


def record_evidence(record: DomainRecord, now: datetime) -> dict[str, JSONValue]:
    """The record as plain data: registrar, dates (ISO 8601), statuses, nameservers."""
    evidence: dict[str, JSONValue] = {
        "registrar": record.registrar,
        "registrar_iana_id": record.registrar_iana_id,
        "expires_at": record.expires_at.isoformat() if record.expires_at else None,
        "days_left": days_left(record.expires_at, now) if record.expires_at else None,
        "registered_at": record.registered_at.isoformat() if record.registered_at else None,
        "status": list[JSONValue](record.statuses),
        "nameservers": list[JSONValue](record.nameservers),
    }
    if record.last_changed_at is not None:
        evidence["last_changed_at"] = record.last_changed_at.isoformat()
    if record.notes:
        evidence["parse_notes"] = list[JSONValue](record.notes[:10])
    return evidence


def detected_registrar(session: Session, result: CheckResult) -> Session:
    """``session`` with the stack's detected registrar set from a ``domain.expiry`` result's
    evidence; unchanged when the registry named none."""
    registrar = result.evidence.get("registrar")
    if not isinstance(registrar, str) or not registrar:
        return session
    stack = session.stack
    declared = stack.registrar.declared
    if declared and same_provider(declared, registrar):
        # "Namewise" and RDAP's "Namewise Registrar, Inc." are one registrar: recorded in the
        # client's words, so the stack shows no mismatch (the evidence keeps RDAP's).
        registrar = declared
    return replace(
        session, stack=replace(stack, registrar=replace(stack.registrar, detected=registrar))
    )


@CHECKS.register(
    "domain.expiry",
    stage="audit",
    title="Domain registration is not about to lapse",
    severity=Severity.HIGH,
    applies_to=AppliesTo.SESSION,
    merge=detected_registrar,
)
async def expiry(ctx: CheckContext) -> CheckResult:
    """Registrar, status and expiry date of the apex's registration, from its registry."""
    apex = ctx.session.targets.apex
    if not apex.strip():
        return ctx.result(Status.SKIPPED, "No apex domain in the session's targets to look up")
    try:
        domain = lookup_name(apex)
    except ValueError as exc:
        return ctx.result(Status.ERROR, f"Cannot look up the registration: {exc}")
    evidence: dict[str, JSONValue] = {"domain": domain}
    try:
        server = rdap_server_for(domain, ctx.session.network.rdap_url)
    except UsageError as exc:
        return ctx.result(Status.ERROR, exc.message, evidence=evidence)
    if server is None:
        snapshot = shipped_bootstrap().publication[:10]
        evidence["rdap_source"] = "bootstrap"
        evidence["bootstrap_publication"] = snapshot
        evidence["bootstrap_age"] = _bootstrap_age(ctx)
        return ctx.result(
            Status.WARN,
            f"Expiry not checked: no RDAP server is known for .{domain.rsplit('.', 1)[-1]} "
            f"(IANA bootstrap snapshot of {snapshot}); check the renewal date at the registrar, "
            "or set [network] rdap_url to the registry's RDAP service",
            evidence=evidence,
            severity=Severity.MEDIUM,
        )
    if ctx.services.http is None:
        return no_http_result(ctx)
    answer = await shared_query(ctx, ctx.services.http, server, domain)
    evidence.update(_query_evidence(server, answer))
    if server.source == "bootstrap":
        evidence["bootstrap_age"] = _bootstrap_age(ctx)
    if answer.outcome is Outcome.FOUND and answer.record is not None:
        now = ctx.clock()
        evidence.update(record_evidence(answer.record, now))
        verdict = judge(answer.record, now)
        return ctx.result(
            verdict.status, verdict.summary, evidence=evidence, severity=verdict.severity
        )
    if answer.outcome is Outcome.NOT_FOUND:
        return ctx.result(
            Status.WARN,
            f"Registration not found: {answer.message}; the domain is not registered there, "
            "or that is not its registry",
            evidence=evidence,
            severity=Severity.MEDIUM,
        )
    return ctx.result(Status.ERROR, f"Could not check: {answer.message}", evidence=evidence)


def _query_evidence(server: RdapServer, answer: RdapAnswer) -> dict[str, JSONValue]:
    evidence: dict[str, JSONValue] = {
        "rdap_url": answer.url,
        "rdap_source": server.source,
        "http_status": answer.status,
    }
    if server.source == "bootstrap":
        evidence["bootstrap_publication"] = shipped_bootstrap().publication[:10]
    if answer.final_url and answer.final_url != answer.url:
        evidence["final_url"] = answer.final_url
    if answer.outcome is not Outcome.FOUND:
        evidence["failure"] = answer.outcome.value
        evidence["message"] = answer.message
        evidence["rdap_host"] = host_of(answer.final_url or answer.url)
    if answer.retry_after:
        evidence["retry_after"] = answer.retry_after
    return evidence


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"


def _bootstrap_age(ctx: CheckContext) -> str:
    """``2026-05-24 (197 days old, shipped)``: how old the IANA bootstrap in use is."""
    return data_files.status(data_files.RDAP_BOOTSTRAP, ctx.clock().date()).describe()


# --- the run's one RDAP query -----------------------------------------------------------------


@dataclass(frozen=True)
class _Asked:
    answer: RdapAnswer
    ran_out: bool
    """The query failed after using all the time its starter gave it."""


async def shared_query(
    ctx: CheckContext, http: HttpClient, server: RdapServer, domain: str
) -> RdapAnswer:
    """``server``'s answer about ``domain``, asked once per run whichever check asks first.

    The first caller starts the query with its own remaining budget; the others await it. A
    query that failed for want of its starter's time is asked again by a caller with more time
    left (the request cache's rule for every shared request).
    """
    within = limits_for(ctx).total_deadline

    async def start() -> _Asked:
        # Sized when started: a retry after another check ran out gets the time left now.
        limits = limits_for(ctx)
        began = ctx.monotonic()
        answer = await query_domain(
            http, server.base_url, domain, limits=limits, monotonic=ctx.monotonic
        )
        spent = ctx.monotonic() - began
        out = answer.outcome is Outcome.FAILED and spent >= limits.total_deadline - MIN_FETCH_S
        return _Asked(answer, out)

    def timed_out() -> _Asked:
        # Only a caller with a grace gives up waiting; this one waits for the query to end
        # (its starter's deadline bounds it), but the cache asks what to answer then.
        message = f"No RDAP answer within {within:.2f} seconds (the check's remaining budget)"
        url = domain_url(server.base_url, domain)
        return _Asked(RdapAnswer(url, Outcome.FAILED, message=message), True)

    asked = await request_cache(ctx).share(
        ("rdap-domain", server.base_url, domain),
        start,
        within=within,
        grace=None,
        retry_from=MIN_FETCH_S,
        ran_out=lambda a: a.ran_out,
        timed_out=timed_out,
    )
    return asked.answer


@dataclass(frozen=True)
class RegistryAnswer:
    """What the run's RDAP query says about the session's apex, for checks other than
    ``domain.expiry`` (which words each case itself)."""

    domain: str
    """The registered domain asked about (``""`` when the apex is none)."""
    answer: RdapAnswer | None
    """``None`` when no query could be sent: :attr:`problem` says why."""
    problem: str = ""
    """Why the registry could not be asked, or its answer not read; empty when it answered."""

    @property
    def record(self) -> DomainRecord | None:
        """The registration, when the registry answered with it."""
        return self.answer.record if self.answer is not None else None


async def ask_registry(ctx: CheckContext) -> RegistryAnswer:
    """The session's apex at its registry, through the run's one shared RDAP query.

    A 404 is an answer (no record, no problem: ``domain.expiry`` reports it); a failed or
    rate-limited query, and a query that could not be sent, have a :attr:`problem`.
    """
    apex = ctx.session.targets.apex
    if not apex.strip():
        return RegistryAnswer("", None, "no apex domain in the session's targets")
    try:
        domain = lookup_name(apex)
    except ValueError as exc:
        return RegistryAnswer("", None, str(exc))
    try:
        server = rdap_server_for(domain, ctx.session.network.rdap_url)
    except UsageError as exc:
        return RegistryAnswer(domain, None, exc.message)
    if server is None:
        return RegistryAnswer(
            domain, None, f"no RDAP server is known for .{domain.rsplit('.', 1)[-1]}"
        )
    if ctx.services.http is None:
        return RegistryAnswer(domain, None, "no HTTP client in this run to ask the registry")
    answer = await shared_query(ctx, ctx.services.http, server, domain)
    problem = answer.message if answer.outcome in (Outcome.FAILED, Outcome.RATE_LIMITED) else ""
    return RegistryAnswer(domain, answer, problem)

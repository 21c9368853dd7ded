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
from launch_tui.checks.engine.fetching import host_of, limits_for, no_http_result
from launch_tui.checks.engine.registry import Registry
from launch_tui.core.errors import UsageError
from launch_tui.core.model import CheckResult, JSONValue, Session, Severity, Status
from launch_tui.core.playbook import AppliesTo
from launch_tui.core.sanitize import clean
from launch_tui.net import data_files
from launch_tui.net.rdap import (
    Outcome,
    RdapAnswer,
    RdapServer,
    lookup_name,
    query_domain,
    rdap_server_for,
    shipped_bootstrap,
)
from launch_tui.net.rdap_parse import DomainRecord

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
    answer = await query_domain(
        ctx.services.http, server.base_url, domain, limits=limits_for(ctx), monotonic=ctx.monotonic
    )
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

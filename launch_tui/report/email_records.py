"""The email deliverability checklist and the exact DNS records to paste (stage 4). Pure.

For SPF, DKIM and DMARC the record shown is, in order of preference: the published record when
its check passed (evidence ``record``); a record the check recommends (evidence ``recommended``);
otherwise a template with the apex filled in and the sending provider's SPF include when the
stack names a provider we know. A published record that failed is still shown, as "currently
published", beside the record to paste instead.

The checks and evidence keys are the email-secrets deliverable's parts, as the playbook declares
them (:mod:`launch_tui.report.parts`): ``spf`` / ``dmarc`` (``email.spf`` / ``email.dmarc``) —
``record`` (or the first of ``records``), ``recommended``; ``dkim`` (``email.dkim``) —
``selectors`` as a table ``{selector: record}`` or a list of tables with an ``entry_selector``
and an ``entry_record``, or a single ``selector`` + ``record``. The checklist has one line per
part of :data:`~launch_tui.report.parts.EMAIL_CHECKLIST`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from launch_tui.core.model import CheckResult, JSONValue, Session, StackComponent, Status
from launch_tui.core.playbook import DeliverablePart, Playbook, builtin_playbook
from launch_tui.report import evidence as ev
from launch_tui.report import parts
from launch_tui.report.cleaning import clean
from launch_tui.report.views import ManualNote, text

if TYPE_CHECKING:
    from launch_tui.report.inputs import ReportInputs

__all__ = [
    "EmailCheck",
    "EmailRecord",
    "EmailView",
    "email_checks",
    "email_records",
    "email_view",
    "spf_include",
]

#: SPF ``include:`` domains of sending providers, matched against the declared/detected provider.
SPF_INCLUDES: tuple[tuple[str, str], ...] = (
    ("google", "_spf.google.com"),
    ("gmail", "_spf.google.com"),
    ("microsoft", "spf.protection.outlook.com"),
    ("office 365", "spf.protection.outlook.com"),
    ("outlook", "spf.protection.outlook.com"),
    ("sendgrid", "sendgrid.net"),
    ("mailgun", "mailgun.org"),
    ("postmark", "spf.mtasv.net"),
    ("amazon ses", "amazonses.com"),
    ("ses", "amazonses.com"),
    ("mandrill", "spf.mandrillapp.com"),
    ("mailchimp", "servers.mcsv.net"),
    ("sparkpost", "sparkpostmail.com"),
    ("brevo", "spf.brevo.com"),
    ("sendinblue", "spf.sendinblue.com"),
    ("zoho", "zoho.com"),
    ("fastmail", "spf.messagingengine.com"),
)
_RECORD_LIMIT = 1000


@dataclass(frozen=True)
class EmailRecord:
    """One DNS record the client should have; every text cleaned and one line."""

    kind: str
    """``SPF``, ``DKIM`` or ``DMARC``."""
    name: str
    """The DNS name to create the record at (``_dmarc.acme.example``)."""
    type: str
    """The record type (``TXT``)."""
    value: str
    """The value to paste."""
    source: str
    """Where ``value`` came from: published and verified, recommended by the check, or template."""
    published: str
    """What is published now when that differs from ``value``; ``""`` otherwise."""
    status: Status | None
    """The check's status, ``None`` when it has not run."""
    note: str = ""


@dataclass(frozen=True)
class EmailCheck:
    """One line of the deliverability checklist."""

    check_id: str
    label: str
    status: Status | None
    summary: str


def spf_include(session: Session) -> str:
    """The SPF include domain of the client's sending provider, ``""`` when unknown."""
    item = session.stack.get(StackComponent.EMAIL_PROVIDER)
    for provider in (item.detected, item.declared):
        text = f" {provider.casefold()} "
        for needle, include in SPF_INCLUDES:
            if f" {needle} " in text or (len(needle) > 3 and needle in text):
                return include
    return ""


def email_checks(session: Session, playbook: Playbook | None = None) -> tuple[EmailCheck, ...]:
    """The checklist: one line per email check, in a fixed order, run or not."""
    playbook = playbook or builtin_playbook()
    lines = []
    for part, label in parts.EMAIL_CHECKLIST:
        check_id = _check_of(part.of(playbook))
        result = session.result(check_id) if check_id else None
        lines.append(
            EmailCheck(
                check_id=check_id,
                label=label,
                status=result.status if result is not None else None,
                summary=clean(result.summary, max_len=200) if result is not None else "",
            )
        )
    return tuple(lines)


def email_records(session: Session, playbook: Playbook | None = None) -> tuple[EmailRecord, ...]:
    """SPF, the DKIM record of each selector, and DMARC, for the session's apex."""
    playbook = playbook or builtin_playbook()
    apex = clean(session.targets.apex, max_len=253).strip().rstrip(".").lower()
    domain = apex or "example.com"
    records = [_spf(session, parts.EMAIL_SPF.of(playbook), domain)]
    records.extend(_dkim(session, parts.EMAIL_DKIM.of(playbook), domain))
    records.append(_dmarc(session, parts.EMAIL_DMARC.of(playbook), domain))
    return tuple(records)


def _check_of(part: DeliverablePart) -> str:
    """The check a one-check part reads; ``""`` when the playbook declares none."""
    return part.checks[0] if part.checks else ""


def _result(session: Session, part: DeliverablePart) -> CheckResult | None:
    check_id = _check_of(part)
    return session.result(check_id) if check_id else None


def _spf(session: Session, part: DeliverablePart, domain: str) -> EmailRecord:
    include = spf_include(session)
    template = f"v=spf1 include:{include or '<your-sending-provider>'} ~all"
    note = (
        "" if include else "Replace the placeholder with the include your email provider documents."
    )
    return _choose("SPF", domain, _result(session, part), part, template, note)


def _dmarc(session: Session, part: DeliverablePart, domain: str) -> EmailRecord:
    template = f"v=DMARC1; p=none; rua=mailto:dmarc-reports@{domain}; adkim=r; aspf=r; fo=1"
    note = "Start with p=none (monitoring); move to p=quarantine once the reports look clean."
    return _choose("DMARC", f"_dmarc.{domain}", _result(session, part), part, template, note)


def _choose(
    kind: str,
    name: str,
    result: CheckResult | None,
    part: DeliverablePart,
    template: str,
    note: str,
) -> EmailRecord:
    published = recommended = ""
    status = None
    if result is not None:
        status = result.status
        published = ev.text_of(result.evidence, *part.keys("record"), limit=_RECORD_LIMIT)
        if not published:
            listed = ev.texts_of(result.evidence, *part.keys("records"), limit=_RECORD_LIMIT)
            published = listed[0] if listed else ""
        recommended = ev.text_of(result.evidence, *part.keys("recommended"), limit=_RECORD_LIMIT)
    if published and status is Status.PASS:
        return EmailRecord(kind, name, "TXT", published, "published, verified", "", status)
    if recommended:
        source = "recommended by the check"
        return EmailRecord(kind, name, "TXT", recommended, source, published, status, note)
    return EmailRecord(kind, name, "TXT", template, "template", published, status, note)


def _dkim(session: Session, part: DeliverablePart, domain: str) -> list[EmailRecord]:
    result = _result(session, part)
    found = _dkim_evidence(result.evidence, part) if result is not None else {}
    selectors = [clean(s, max_len=63) for s in session.targets.dkim_selectors if s.strip()]
    for selector in found:
        if selector not in selectors:
            selectors.append(selector)
    status = result.status if result is not None else None
    provider = clean(session.stack.get(StackComponent.EMAIL_PROVIDER).declared, max_len=60)
    template = f"v=DKIM1; k=rsa; p=<public key from {provider or 'your email provider'}>"
    note = "Copy the key from the provider's domain settings; it signs outgoing mail."
    if not selectors:
        return [
            EmailRecord(
                "DKIM",
                f"<selector>._domainkey.{domain}",
                "TXT",
                template,
                "template",
                "",
                status,
                "The selector comes from the email provider; add it to targets.dkim_selectors.",
            )
        ]
    records = []
    for selector in selectors:
        name = f"{selector}._domainkey.{domain}"
        published = found.get(selector, "")
        if published and status in (Status.PASS, Status.WARN):
            records.append(
                EmailRecord("DKIM", name, "TXT", published, "published, verified", "", status)
            )
        else:
            records.append(
                EmailRecord("DKIM", name, "TXT", template, "template", published, status, note)
            )
    return records


def _dkim_evidence(evidence: Mapping[str, JSONValue], part: DeliverablePart) -> dict[str, str]:
    """``{selector: record}`` from the shapes the DKIM check's evidence may take."""
    found: dict[str, str] = {}
    entry_record = part.keys("entry_record")
    selectors = ev.first(evidence, *part.keys("selectors"))
    if isinstance(selectors, Mapping):
        for selector, value in selectors.items():
            record = value if isinstance(value, str) else ""
            if isinstance(value, Mapping):
                record = ev.text_of(value, *entry_record, limit=_RECORD_LIMIT)
            found[clean(selector, max_len=63)] = clean(record, max_len=_RECORD_LIMIT)
    elif isinstance(selectors, list):
        for entry in selectors:
            if isinstance(entry, Mapping):
                selector = ev.text_of(entry, *part.keys("entry_selector"), limit=63)
                if selector:
                    found[selector] = ev.text_of(entry, *entry_record, limit=_RECORD_LIMIT)
            elif isinstance(entry, str) and entry.strip():
                found.setdefault(clean(entry, max_len=63), "")
    selector = ev.text_of(evidence, *part.keys("selector"), limit=63)
    if selector and selector not in found:
        found[selector] = ev.text_of(evidence, *part.keys("record"), limit=_RECORD_LIMIT)
    return found


# --- the report section -------------------------------------------------------------------------


@dataclass(frozen=True)
class EmailView:
    apex: str
    provider: str
    checks: tuple[EmailCheck, ...]
    records: tuple[EmailRecord, ...]
    inbox_test: ManualNote
    notice: str


def email_view(b: ReportInputs) -> EmailView:
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

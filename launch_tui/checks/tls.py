"""TLS checks: ``tls.certificate`` — trusted, matching, complete, current, and no legacy TLS.

Per host, the TLS inspector (``net.inspect_tls`` bound to the run's network settings) connects
to port 443 — or where a ``--resolve`` override points — and reports the presented chain, how
verification went, and which protocol versions the server accepts.

Hosts that do not serve HTTPS are ``skipped`` with the reason (connection refused: no HTTPS
listener; a plain-HTTP answer on the TLS port; no address, which ``dns.records`` reports). A
handshake that cannot complete or a timeout is an ``error``: nothing can be said about the
certificate.

With a handshake, each problem is a finding; the result is the worst one, named first:

================================================  ========  ==========
finding                                           status    severity
================================================  ========  ==========
expired, not yet valid                            fail      critical
does not name the host                            fail      critical
self-signed, untrusted root, other verify error   fail      critical
expires in under 7 days                           fail      high
only TLS 1.0/1.1 offered (browsers refuse)        fail      high
incomplete chain (intermediate not sent)          fail      medium
TLS 1.0/1.1 accepted alongside 1.2+               fail      medium
expires in under 30 days                          warn      medium
================================================  ========  ==========

Legacy protocols are a ``fail``, not a ``warn``: the playbook's delivery stage requires TLS 1.0
and 1.1 to be refused (RFC 8996 deprecates them, PCI DSS forbids them), and a ``warn`` would
let CI pass a host that still accepts them. Their severity stays medium because every current
client negotiates 1.2 or 1.3 anyway; a server that offers *only* legacy versions is high,
since browsers refuse to connect to it at all. An incomplete chain is medium for the same
reason the other way round: browsers usually repair it, API clients and older phones do not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from launch_tui.checks.engine.context import CheckContext
from launch_tui.checks.engine.findings import Finding, combine
from launch_tui.checks.engine.registry import Registry
from launch_tui.core.model import CheckResult, JSONValue, Severity, Status
from launch_tui.core.playbook import AppliesTo
from launch_tui.core.sanitize import clean
from launch_tui.net import CertInfo, DnsFailureKind, FailureKind, TlsProblem, TlsReport

CHECKS = Registry()

#: Days before expiry below which a certificate fails, and below which it warns.
FAIL_DAYS = 7
WARN_DAYS = 30

_LEGACY = ("TLSv1", "TLSv1.1")
_MODERN = ("TLSv1.2", "TLSv1.3")
_PROTOCOL_NAMES = {
    "TLSv1": "TLS 1.0",
    "TLSv1.1": "TLS 1.1",
    "TLSv1.2": "TLS 1.2",
    "TLSv1.3": "TLS 1.3",
}
# What OpenSSL says when the peer answered, but not with TLS (typically plain HTTP).
_NOT_TLS_MARKERS = (
    "wrong_version_number",
    "wrong version number",
    "http_request",
    "http request",
    "packet_length_too_long",
    "packet length too long",
    "record_layer_failure",
    "record layer failure",
)


@CHECKS.register(
    "tls.certificate",
    stage="delivery",
    title="TLS certificate is trusted, matching, complete and current",
    severity=Severity.CRITICAL,
    applies_to=AppliesTo.HOST,
)
async def certificate(ctx: CheckContext) -> CheckResult:
    """Inspect the host's HTTPS endpoint: chain, verification, expiry and protocol versions."""
    inspect = ctx.services.tls
    if inspect is None:
        return ctx.result(
            Status.ERROR,
            "No TLS inspector is configured for this run",
            evidence={"failure": "no-tls-inspector"},
        )
    host = ctx.target.strip().rstrip(".").lower()
    report = await inspect(host, 443, now=ctx.clock())
    if report.failure is not None:
        status, summary = _without_handshake(host, report)
        return ctx.result(status, summary, evidence=_failure_evidence(report))

    findings = _certificate_findings(host, report) + _protocol_findings(report.protocols)
    evidence = _evidence(report)
    if not findings:
        return ctx.result(Status.PASS, _pass_summary(host, report), evidence=evidence)
    status, severity, summary = combine(findings, max_len=300)
    return ctx.result(status, summary, evidence=evidence, severity=severity)


# --- no handshake ----------------------------------------------------------------------------


def _without_handshake(host: str, report: TlsReport) -> tuple[Status, str]:
    """Skipped when the host does not serve HTTPS at all; error when it could not be judged."""
    failure = report.failure
    assert failure is not None
    where = report.address or f"{host}:{report.port}"
    if failure.kind is FailureKind.CONNECT_REFUSED:
        return Status.SKIPPED, f"No HTTPS listener: {where} refused the connection"
    if failure.kind is FailureKind.DNS:
        # No address at all (nothing there, or a CNAME loop): dns.records owns that finding.
        if failure.dns is not None and (
            failure.dns.is_negative or failure.dns.kind is DnsFailureKind.LOOP
        ):
            return (
                Status.SKIPPED,
                f"Not checked: {clean(host)} has no address ({failure.dns.kind.value}); "
                "dns.records reports it",
            )
        return Status.ERROR, f"Could not check: {failure.message}"
    if failure.kind is FailureKind.TLS and _not_tls(failure.detail + " " + failure.message):
        return Status.SKIPPED, f"No HTTPS: {where} answers, but not with TLS (plain HTTP?)"
    return Status.ERROR, f"Could not check: {failure.message}"


def _not_tls(text: str) -> bool:
    lowered = text.lower()
    return any(marker in lowered for marker in _NOT_TLS_MARKERS)


def _failure_evidence(report: TlsReport) -> dict[str, JSONValue]:
    failure = report.failure
    assert failure is not None
    evidence: dict[str, JSONValue] = {
        "failure": failure.kind.value,
        "phase": failure.phase.value,
        "message": failure.message,
        "elapsed_ms": round(failure.elapsed_ms),
    }
    if report.address:
        evidence["address"] = report.address
    if failure.detail:
        evidence["detail"] = failure.detail
    if failure.dns is not None:
        evidence["dns_failure"] = failure.dns.kind.value
    return evidence


# --- with a handshake --------------------------------------------------------------------------


def _certificate_findings(host: str, report: TlsReport) -> list[Finding]:
    leaf = report.leaf
    findings: list[Finding] = []
    days = report.days_to_expiry
    expired = days is not None and days < 0
    mismatch = report.hostname_matches is False
    if expired and leaf is not None and days is not None:
        findings.append(
            Finding(
                Status.FAIL,
                Severity.CRITICAL,
                f"Certificate expired {_days(-days)} ago (on {_date(leaf.not_after)})",
            )
        )
    if mismatch and leaf is not None:
        findings.append(
            Finding(
                Status.FAIL,
                Severity.CRITICAL,
                f"Certificate does not name {clean(host)}: it is for {_names(leaf)}",
            )
        )
    if not report.verified:
        problem = report.problem
        already = (problem is TlsProblem.EXPIRED and expired) or (
            problem is TlsProblem.HOSTNAME_MISMATCH and mismatch
        )
        if not already:
            findings.append(_verify_finding(report))
    if days is not None and 0 <= days < FAIL_DAYS:
        findings.append(Finding(Status.FAIL, Severity.HIGH, _expires(days, leaf)))
    elif days is not None and FAIL_DAYS <= days < WARN_DAYS:
        findings.append(Finding(Status.WARN, Severity.MEDIUM, _expires(days, leaf)))
    return findings


def _verify_finding(report: TlsReport) -> Finding:
    leaf = report.leaf
    problem = report.problem
    said = clean(report.verify_message) or "no reason given"
    if problem is TlsProblem.SELF_SIGNED:
        return Finding(
            Status.FAIL, Severity.CRITICAL, "Self-signed certificate: no browser trusts it"
        )
    if problem is TlsProblem.INCOMPLETE_CHAIN:
        issuer = clean(leaf.issuer_common_name or leaf.issuer) if leaf else "its issuer"
        return Finding(
            Status.FAIL,
            Severity.MEDIUM,
            f"Incomplete chain: intermediate certificate not sent (the leaf is issued by "
            f"{issuer}); API clients and older devices cannot verify it",
        )
    if problem is TlsProblem.UNTRUSTED:
        root = report.chain[-1] if report.chain else None
        top = clean(root.issuer_common_name or root.issuer) if root else "an unknown issuer"
        return Finding(
            Status.FAIL,
            Severity.CRITICAL,
            f"Untrusted certificate: the chain leads to {top}, which is not a trusted root",
        )
    if problem is TlsProblem.NOT_YET_VALID and leaf is not None:
        return Finding(
            Status.FAIL,
            Severity.CRITICAL,
            f"Certificate is not valid yet (from {_date(leaf.not_before)})",
        )
    return Finding(Status.FAIL, Severity.CRITICAL, f"Certificate does not verify: {said}")


def _protocol_findings(protocols: Mapping[str, bool | None]) -> list[Finding]:
    legacy = [v for v in _LEGACY if protocols.get(v) is True]
    if not legacy:
        return []
    listed = "TLS " + " and ".join(_PROTOCOL_NAMES[v].removeprefix("TLS ") for v in legacy)
    modern_known = all(protocols.get(v) is not None for v in _MODERN)
    modern = [v for v in _MODERN if protocols.get(v) is True]
    if modern_known and not modern:
        verb = "is" if len(legacy) == 1 else "are"
        return [
            Finding(
                Status.FAIL,
                Severity.HIGH,
                f"Only {listed} {verb} offered: current browsers refuse to connect",
            )
        ]
    verb = "is" if len(legacy) == 1 else "are"
    return [
        Finding(
            Status.FAIL,
            Severity.MEDIUM,
            f"{listed} {verb} accepted (deprecated by RFC 8996): refuse them",
        )
    ]


def _expires(days: int, leaf: CertInfo | None) -> str:
    when = f" (on {_date(leaf.not_after)})" if leaf is not None else ""
    if days == 0:
        return f"Certificate expires today{when}"
    return f"Certificate expires in {_days(days)}{when}"


def _pass_summary(host: str, report: TlsReport) -> str:
    leaf = report.leaf
    parts = [f"Trusted and valid for {clean(host)}"]
    if leaf is not None:
        issuer = clean(leaf.issuer_common_name or leaf.issuer)
        parts[0] += f", issued by {issuer}"
    if report.days_to_expiry is not None:
        parts.append(f"{_days(report.days_to_expiry)} left")
    accepted = [_PROTOCOL_NAMES[v] for v, ok in report.protocols.items() if ok is True]
    if accepted:
        parts.append(", ".join(accepted))
    # A legacy version this machine could not offer (or that timed out) was not shown refused.
    untested = [
        _PROTOCOL_NAMES[v] for v in _LEGACY if v in report.protocols and report.protocols[v] is None
    ]
    if untested:
        parts.append(f"{' and '.join(untested)} not tested")
    return clean("; ".join(parts), max_len=300)


def _evidence(report: TlsReport) -> dict[str, JSONValue]:
    evidence: dict[str, JSONValue] = {
        "address": report.address,
        "verified": report.verified,
    }
    if not report.verified:
        if report.problem is not None:
            evidence["problem"] = report.problem.value
        if report.verify_code is not None:
            evidence["verify_code"] = report.verify_code
        evidence["verify_message"] = clean(report.verify_message)
    if report.hostname_matches is not None:
        evidence["hostname_matches"] = report.hostname_matches
    leaf = report.leaf
    if leaf is not None:
        evidence.update(
            {
                "subject": clean(leaf.subject),
                "sans": [clean(name) for name in leaf.sans],
                "issuer": clean(leaf.issuer),
                "not_before": leaf.not_before.isoformat(),
                "not_after": leaf.not_after.isoformat(),
                "key_type": leaf.key_type,
                "signature_algorithm": clean(leaf.signature_algorithm),
                "sha256": leaf.sha256,
            }
        )
        if leaf.key_bits is not None:
            evidence["key_bits"] = leaf.key_bits
        if leaf.curve:
            evidence["curve"] = leaf.curve
    if report.days_to_expiry is not None:
        evidence["days_to_expiry"] = report.days_to_expiry
    evidence["chain"] = [clean(cert.subject) for cert in report.chain]
    if report.version:
        evidence["negotiated"] = report.version
    if report.cipher:
        evidence["cipher"] = report.cipher
    evidence["protocols"] = {
        _PROTOCOL_NAMES.get(v, v): _protocol_word(ok) for v, ok in report.protocols.items()
    }
    evidence["elapsed_ms"] = round(report.elapsed_ms)
    return evidence


def _protocol_word(accepted: bool | None) -> str:
    if accepted is None:
        return "not tested"
    return "accepted" if accepted else "refused"


def _names(leaf: CertInfo) -> str:
    names: Sequence[str] = leaf.sans or ((leaf.common_name,) if leaf.common_name else ())
    if not names:
        return "no names at all"
    shown = ", ".join(clean(n) for n in names[:4])
    return shown + (f" and {len(names) - 4} more" if len(names) > 4 else "")


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def _date(moment: datetime) -> str:
    return moment.date().isoformat()

"""DNS checks: ``dns.records`` — does each hostname resolve, and is the apex set up sanely.

Per host, A and AAAA are looked up together, following CNAMEs (the chain is recorded). At the
apex, NS (who hosts the DNS — later used to detect the DNS provider) and CAA (which certificate
authorities may issue) are looked up too. Every lookup runs concurrently under the resolver's
own lifetime, so the check takes about as long as its slowest lookup, never longer than the
network deadline.

Verdicts, worst first:

* ``fail`` — a dangling CNAME (the chain ends in NXDOMAIN: whoever registers the target can
  serve content under the client's name, a subdomain takeover), a CNAME loop, a name that does
  not exist, or a name with no address at all;
* ``error`` — DNS could not answer (SERVFAIL, timeout, refused): nothing can be concluded;
* ``warn`` — no CAA record at the apex (any CA may issue), no NS records at the apex, or one
  address family failing to look up while the other works;
* ``pass`` — addresses found (and at the apex, NS and CAA present).

Evidence is plain data a person can check with ``dig``: each lookup's records and TTL, the CNAME
chain, and the nameserver that answered. Text from DNS is sanitized before it is stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from launch_tui.checks.engine.context import CheckContext
from launch_tui.checks.engine.findings import Finding, combine
from launch_tui.checks.engine.registry import Registry
from launch_tui.core.model import CheckResult, HostRole, JSONValue, Severity, Status
from launch_tui.core.playbook import AppliesTo
from launch_tui.core.sanitize import clean
from launch_tui.net import DnsAnswer, DnsFailure, DnsFailureKind, DnsResult

CHECKS = Registry()

# Lookup failures that say "there is nothing" rather than "could not find out".
_NEGATIVE = (DnsFailureKind.NXDOMAIN, DnsFailureKind.NODATA)
_CAA_EXAMPLE = '0 issue "letsencrypt.org"'


@CHECKS.register(
    "dns.records",
    stage="audit",
    title="DNS records are sane",
    severity=Severity.HIGH,
    applies_to=AppliesTo.HOST,
)
async def records(ctx: CheckContext) -> CheckResult:
    """Resolve the host (A/AAAA through CNAMEs); at the apex also NS and CAA."""
    resolver = ctx.services.resolver
    if resolver is None:
        return ctx.result(
            Status.ERROR,
            "No DNS resolver is configured for this run",
            evidence={"failure": "no-resolver"},
        )
    host = ctx.target.strip().rstrip(".").lower()
    apex = _is_apex(ctx, host)
    types = ("A", "AAAA", "NS", "CAA") if apex else ("A", "AAAA")
    answers = await asyncio.gather(*(resolver.resolve(host, t) for t in types))
    found = dict(zip(types, answers, strict=True))

    findings = _address_findings(host, found["A"], found["AAAA"])
    if apex:
        findings += _ns_findings(host, found["NS"])
        findings += _caa_findings(host, found["CAA"])

    evidence: dict[str, JSONValue] = {
        "nameservers": list(resolver.nameservers),
        "apex": apex,
    }
    for rdtype, result in found.items():
        evidence[rdtype.lower()] = _lookup_evidence(result)
    chain = _chain(found["A"], found["AAAA"])
    if chain:
        evidence["cname_chain"] = [clean(name) for name in chain]
        evidence["canonical_name"] = clean(chain[-1])
    answered_by = next((r.nameserver for r in answers if r.nameserver), "")
    if answered_by:
        evidence["answered_by"] = answered_by
    failure = _failure_kind(found["A"], found["AAAA"])
    if failure:
        evidence["failure"] = failure

    if not findings:
        return ctx.result(Status.PASS, _pass_summary(found, apex), evidence=evidence)
    status, severity, summary = combine(findings, max_len=300)
    return ctx.result(status, summary, evidence=evidence, severity=severity)


def _is_apex(ctx: CheckContext, host: str) -> bool:
    apex = ctx.session.targets.apex.strip().rstrip(".").lower()
    return host == apex or (ctx.host is not None and ctx.host.role is HostRole.APEX)


# --- addresses ---------------------------------------------------------------------------------


def _address_findings(host: str, a: DnsResult, aaaa: DnsResult) -> list[Finding]:
    if isinstance(a, DnsAnswer) or isinstance(aaaa, DnsAnswer):
        # The host has an address. A family that could not be looked up (rather than one that
        # does not exist) slows clients down or breaks IPv6-only ones: worth a warning.
        other = aaaa if isinstance(a, DnsAnswer) else a
        if isinstance(other, DnsFailure) and other.kind not in _NEGATIVE:
            return [
                Finding(
                    Status.WARN,
                    Severity.LOW,
                    f"{other.rdtype} lookup failed ({other.kind.value}): {other.message}",
                )
            ]
        return []
    assert isinstance(a, DnsFailure)
    assert isinstance(aaaa, DnsFailure)
    for failure in (a, aaaa):
        if failure.kind is DnsFailureKind.LOOP:
            return [Finding(Status.FAIL, Severity.HIGH, _loop_summary(host, failure))]
    for failure in (a, aaaa):
        if failure.kind not in _NEGATIVE:
            return [
                Finding(
                    Status.ERROR,
                    Severity.HIGH,
                    f"Could not check: {failure.message} ({failure.kind.value})",
                )
            ]
    nxdomain = next((f for f in (a, aaaa) if f.kind is DnsFailureKind.NXDOMAIN), None)
    if nxdomain is not None and nxdomain.cname_chain:
        target = clean(nxdomain.cname_chain[-1])
        return [
            Finding(
                Status.FAIL,
                Severity.HIGH,
                f"Dangling CNAME to {target} (NXDOMAIN): takeover risk — whoever claims "
                f"{target} can serve content as {clean(host)}",
            )
        ]
    if nxdomain is not None:
        return [
            Finding(
                Status.FAIL, Severity.HIGH, f"{clean(host)} does not exist (NXDOMAIN): no address"
            )
        ]
    via = _via(a.cname_chain)
    return [
        Finding(
            Status.FAIL,
            Severity.HIGH,
            f"{clean(host)}{via} has no A or AAAA records: nothing to connect to",
        )
    ]


def _loop_summary(host: str, failure: DnsFailure) -> str:
    path = [host, *failure.cname_chain]
    if len(set(path)) < len(path):
        # Cut the path right after the first name that comes back.
        seen: set[str] = set()
        for index, name in enumerate(path):
            if name in seen:
                path = path[: index + 1]
                break
            seen.add(name)
        return clean(f"CNAME loop: {' → '.join(path)}; the name never resolves", max_len=300)
    return clean(
        f"CNAME chain too long ({len(failure.cname_chain)} hops): {failure.message}", max_len=300
    )


def _via(chain: Sequence[str]) -> str:
    return f" (via {clean(' → '.join(chain))})" if chain else ""


def _chain(a: DnsResult, aaaa: DnsResult) -> tuple[str, ...]:
    for result in (a, aaaa):
        if isinstance(result, DnsAnswer) and result.cname_chain:
            return result.cname_chain
    for result in (a, aaaa):
        if isinstance(result, DnsFailure) and result.cname_chain:
            return result.cname_chain
    return ()


def _failure_kind(a: DnsResult, aaaa: DnsResult) -> str:
    """The DNS failure behind a host without addresses, for the evidence."""
    if isinstance(a, DnsAnswer) or isinstance(aaaa, DnsAnswer):
        return ""
    assert isinstance(a, DnsFailure)
    assert isinstance(aaaa, DnsFailure)
    if DnsFailureKind.LOOP in (a.kind, aaaa.kind):
        return DnsFailureKind.LOOP.value
    for failure in (a, aaaa):
        if failure.kind not in _NEGATIVE:
            return failure.kind.value
    if DnsFailureKind.NXDOMAIN in (a.kind, aaaa.kind):
        chain = a.cname_chain or aaaa.cname_chain
        return "dangling-cname" if chain else DnsFailureKind.NXDOMAIN.value
    return DnsFailureKind.NODATA.value


# --- apex: NS and CAA ----------------------------------------------------------------------------


def _ns_findings(host: str, ns: DnsResult) -> list[Finding]:
    if isinstance(ns, DnsAnswer):
        return []
    if ns.kind in _NEGATIVE:
        return [
            Finding(
                Status.WARN,
                Severity.MEDIUM,
                f"No NS records at {clean(host)}: is it the registered domain (the apex)?",
            )
        ]
    return [Finding(Status.ERROR, Severity.HIGH, f"NS lookup failed: {ns.message}")]


def _caa_findings(host: str, caa: DnsResult) -> list[Finding]:
    if isinstance(caa, DnsFailure):
        if caa.kind in _NEGATIVE:
            return [
                Finding(
                    Status.WARN,
                    Severity.LOW,
                    f"No CAA record at {clean(host)}: any certificate authority may issue "
                    f"certificates for it; publish one naming your CA, e.g. {_CAA_EXAMPLE}",
                )
            ]
        # CAs must refuse to issue while CAA lookups fail (RFC 8659): renewals would stop.
        return [
            Finding(
                Status.ERROR,
                Severity.HIGH,
                f"CAA lookup failed, and CAs refuse to issue while it does: {caa.message}",
            )
        ]
    if not _caa_issuers(caa.records):
        return [
            Finding(
                Status.WARN,
                Severity.LOW,
                f"CAA records at {clean(host)} name no CA (no issue or issuewild tag), so any CA "
                f"may issue; add one, e.g. {_CAA_EXAMPLE}",
            )
        ]
    return []


def _caa_issuers(records: Sequence[str]) -> list[str]:
    """The CA domains named by ``issue``/``issuewild`` tags, in order, without repeats."""
    issuers: list[str] = []
    for record in records:
        parts = record.split(None, 2)
        if len(parts) != 3 or parts[1].lower() not in ("issue", "issuewild"):
            continue
        value = parts[2].strip().strip('"').split(";", 1)[0].strip()
        shown = clean(value or ";")  # `0 issue ";"` forbids every CA
        if shown not in issuers:
            issuers.append(shown)
    return issuers


# --- summary and evidence ----------------------------------------------------------------------


def _pass_summary(found: dict[str, DnsResult], apex: bool) -> str:
    parts: list[str] = []
    for rdtype in ("A", "AAAA"):
        result = found[rdtype]
        if isinstance(result, DnsAnswer):
            parts.append(f"{rdtype} {', '.join(clean(r) for r in result.records[:4])}")
    chain = _chain(found["A"], found["AAAA"])
    text = "; ".join(parts) + _via(chain)
    if apex:
        ns = found["NS"]
        caa = found["CAA"]
        if isinstance(ns, DnsAnswer):
            text += f"; NS {', '.join(_name(r) for r in ns.records[:4])}"
        if isinstance(caa, DnsAnswer):
            text += f"; CAA {', '.join(_caa_issuers(caa.records))}"
    return clean(text, max_len=200)


def _name(record: str) -> str:
    return clean(record.rstrip("."))


def _lookup_evidence(result: DnsResult) -> dict[str, JSONValue]:
    if isinstance(result, DnsAnswer):
        entry: dict[str, JSONValue] = {
            "records": [_name(r) if result.rdtype == "NS" else clean(r) for r in result.records],
            "ttl": result.ttl,
            "nameserver": result.nameserver,
        }
        if result.truncated:
            entry["truncated"] = True
        if result.via_tcp:
            entry["via_tcp"] = True
        return entry
    failure: dict[str, JSONValue] = {"failure": result.kind.value, "message": result.message}
    if result.nameserver:
        failure["nameserver"] = result.nameserver
    return failure

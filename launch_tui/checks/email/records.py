"""``email.dkim``, ``email.dmarc`` and ``email.mx``: the records beside SPF, read and judged.

* DKIM (RFC 6376): each selector from the session, plus the sending provider's defaults when
  the session names none, at ``<selector>._domainkey.<apex>``; per key its type, RSA size
  (< 1024 bits fail, 1024 warn), revoked (empty ``p=``), ``t=y`` testing.
* DMARC (RFC 7489): exactly one ``v=DMARC1`` record at ``_dmarc.<apex>``; ``p=none`` is
  "monitoring only" (a warning: acceptable at launch with a decision and a date to tighten);
  ``pct`` under 100; no ``rua``; report destinations outside the domain need the receiving
  domain's ``<apex>._report._dmarc.<dest>`` authorization record (RFC 7489 7.1).
* MX: present and each exchange resolvable, or a null MX (``0 .``, RFC 7505) for a domain that
  never receives mail; MTA-STS (``_mta-sts``) and TLS-RPT (``_smtp._tls``) noted when present.
"""

from __future__ import annotations

import asyncio
import contextlib

from launch_tui.checks.email.fixes import dmarc_fix
from launch_tui.checks.email.senders import find_sender
from launch_tui.checks.engine.context import CheckContext
from launch_tui.checks.engine.registry import Registry
from launch_tui.checks.parse.dkim import DkimKeyError, parse_key_record
from launch_tui.checks.parse.dmarc import DmarcError, parse_dmarc
from launch_tui.checks.parse.taglist import TagListError, parse_tag_list
from launch_tui.core.model import STATUS_ORDER, CheckResult, JSONValue, Severity, Status
from launch_tui.core.playbook import AppliesTo
from launch_tui.core.sanitize import clean
from launch_tui.net import DnsAnswer, DnsFailure, Resolver

CHECKS = Registry()

Finding = tuple[Status, str]


def _worst(findings: list[Finding]) -> Status:
    return min((status for status, _ in findings), key=STATUS_ORDER.index)


def _setup(ctx: CheckContext) -> tuple[Resolver, str] | CheckResult:
    resolver = ctx.services.resolver
    apex = ctx.session.targets.apex.strip().rstrip(".").lower()
    if resolver is None:
        return ctx.result(Status.ERROR, "No DNS resolver is configured for this run")
    if not apex:
        return ctx.result(Status.SKIPPED, "The session names no apex domain")
    return resolver, apex


@CHECKS.register(
    "email.dkim",
    stage="email-secrets",
    title="DKIM signs outgoing mail",
    severity=Severity.HIGH,
    applies_to=AppliesTo.SESSION,
)
async def dkim(ctx: CheckContext) -> CheckResult:
    """Look up and judge the DKIM key at every known selector."""
    setup = _setup(ctx)
    if isinstance(setup, CheckResult):
        return setup
    resolver, apex = setup
    selectors = list(ctx.session.targets.dkim_selectors)
    provider = ctx.session.stack.email_provider
    sender = find_sender(provider.declared or provider.detected)
    if not selectors and sender is not None:
        selectors = list(sender.dkim_selectors)
    if not selectors:
        return ctx.result(
            Status.WARN,
            "No DKIM selector is known: add the provider's selectors to the session",
            evidence={"selectors": []},
        )
    names = [f"{s}._domainkey.{apex}" for s in selectors]
    answers = await asyncio.gather(*(resolver.resolve(n, "TXT") for n in names))
    findings: list[Finding] = []
    keys: list[JSONValue] = []
    for selector, answer in zip(selectors, answers, strict=True):
        entry, finding = _judge_key(selector, answer)
        keys.append(entry)
        findings.append(finding)
    evidence: dict[str, JSONValue] = {"selectors": list(selectors), "keys": keys}
    good = [f for f in findings if f[0] is Status.PASS]
    if good and len(good) == len(findings):
        return ctx.result(
            Status.PASS, f"DKIM keys valid at {len(good)} selector(s)", evidence=evidence
        )
    if good:
        # One working selector signs mail; the others are worth a look, not a failure.
        problems = [t for s, t in findings if s is not Status.PASS]
        return ctx.result(Status.WARN, "; ".join(problems), evidence=evidence)
    return ctx.result(_worst(findings), "; ".join(t for _s, t in findings), evidence=evidence)


def _judge_key(selector: str, answer: DnsAnswer | DnsFailure) -> tuple[JSONValue, Finding]:
    entry: dict[str, JSONValue] = {"selector": selector}
    if isinstance(answer, DnsFailure):
        entry["lookup"] = answer.message
        status = Status.FAIL if answer.is_negative else Status.ERROR
        return entry, (status, f"no DKIM key at selector {selector!r}")
    texts = [t for t in answer.txt if "p=" in t]
    entry["record"] = clean(" | ".join(answer.txt), max_len=800)
    if len(texts) != 1:
        return entry, (Status.FAIL, f"selector {selector!r} has {len(texts)} key records, not 1")
    try:
        key = parse_key_record(texts[0])
    except DkimKeyError as exc:
        return entry, (Status.FAIL, f"selector {selector!r}: {exc}")
    entry |= {"type": key.key_type, "bits": key.rsa_bits, "testing": key.testing}
    if key.revoked:
        return entry, (Status.FAIL, f"selector {selector!r}: the key is revoked (empty p=)")
    if key.rsa_bits is not None and key.rsa_bits < 1024:
        return entry, (Status.FAIL, f"selector {selector!r}: RSA {key.rsa_bits} bits is breakable")
    if key.rsa_bits == 1024:
        return entry, (Status.WARN, f"selector {selector!r}: RSA 1024 bits; use 2048")
    if key.testing:
        return entry, (Status.WARN, f"selector {selector!r}: t=y, DKIM still in testing mode")
    return entry, (Status.PASS, f"selector {selector!r}: {key.key_type} {key.rsa_bits or ''}")


@CHECKS.register(
    "email.dmarc",
    stage="email-secrets",
    title="DMARC policy published",
    severity=Severity.HIGH,
    applies_to=AppliesTo.SESSION,
)
async def dmarc(ctx: CheckContext) -> CheckResult:
    """One DMARC record with a policy, reporting, and authorized external destinations."""
    setup = _setup(ctx)
    if isinstance(setup, CheckResult):
        return setup
    resolver, apex = setup
    answer = await resolver.resolve(f"_dmarc.{apex}", "TXT")
    if isinstance(answer, DnsFailure):
        if answer.is_negative:
            return ctx.result(
                Status.FAIL,
                f"No DMARC record at _dmarc.{apex}",
                evidence={"records": [], "recommended": dmarc_fix({}, apex)},
            )
        return ctx.result(Status.ERROR, answer.message)
    texts = [t for t in answer.txt if t.strip().upper().startswith("V=DMARC1")]
    evidence: dict[str, JSONValue] = {"records": [clean(t, max_len=500) for t in answer.txt]}
    if len(texts) != 1:
        return ctx.result(
            Status.FAIL,
            f"_dmarc.{apex} has {len(texts)} DMARC records; exactly one counts",
            evidence=evidence,
        )
    try:
        record = parse_dmarc(texts[0])
    except DmarcError as exc:
        return ctx.result(Status.FAIL, str(exc), evidence=evidence)
    evidence |= {
        "p": record.policy,
        "sp": record.subdomain_policy,
        "pct": record.pct,
        "adkim": record.adkim.value,
        "aspf": record.aspf.value,
        "rua": [clean(u.uri, max_len=200) for u in record.rua],
        "ruf": [clean(u.uri, max_len=200) for u in record.ruf],
    }
    findings: list[Finding] = [(Status.WARN, clean(p, max_len=200)) for p in record.problems]
    if record.monitoring_only:
        findings.append((Status.WARN, "p=none: monitoring only; record a date to tighten"))
    if record.pct < 100:
        findings.append((Status.WARN, f"pct={record.pct}: the policy applies to part of the mail"))
    if not record.rua:
        findings.append((Status.WARN, "no rua: nobody receives the aggregate reports"))
    external = sorted(
        {u.domain for u in (*record.rua, *record.ruf) if u.domain and not _within(u.domain, apex)}
    )
    checks = await asyncio.gather(
        *(resolver.resolve(f"{apex}._report._dmarc.{d}", "TXT") for d in external)
    )
    unauthorized = [
        d
        for d, a in zip(external, checks, strict=True)
        if not (isinstance(a, DnsAnswer) and any(t.upper().startswith("V=DMARC1") for t in a.txt))
    ]
    evidence["external_destinations"] = list(external)
    if unauthorized:
        findings.append(
            (
                Status.WARN,
                "report destinations not authorized: "
                + clean(", ".join(unauthorized), max_len=300),
            )
        )
    if not findings:
        return ctx.result(Status.PASS, f"DMARC p={record.policy} with reports", evidence=evidence)
    with contextlib.suppress(TagListError):
        tags = {k.lower(): v for k, v in parse_tag_list(texts[0]).items()}
        evidence["recommended"] = dmarc_fix(tags, apex)
    return ctx.result(_worst(findings), "; ".join(t for _s, t in findings), evidence=evidence)


@CHECKS.register(
    "email.mx",
    stage="email-secrets",
    title="Mail exchangers configured",
    severity=Severity.HIGH,
    applies_to=AppliesTo.SESSION,
)
async def mx(ctx: CheckContext) -> CheckResult:
    """MX records that resolve, or a null MX; MTA-STS and TLS-RPT noted."""
    setup = _setup(ctx)
    if isinstance(setup, CheckResult):
        return setup
    resolver, apex = setup
    answer, sts, rpt = await asyncio.gather(
        resolver.resolve(apex, "MX"),
        resolver.resolve(f"_mta-sts.{apex}", "TXT"),
        resolver.resolve(f"_smtp._tls.{apex}", "TXT"),
    )
    evidence: dict[str, JSONValue] = {
        "mta_sts": [clean(t, max_len=200) for t in sts.txt] if isinstance(sts, DnsAnswer) else [],
        "tls_rpt": [clean(t, max_len=200) for t in rpt.txt] if isinstance(rpt, DnsAnswer) else [],
    }
    if isinstance(answer, DnsFailure):
        if answer.is_negative:
            return ctx.result(Status.FAIL, f"{apex} has no MX records", evidence=evidence)
        return ctx.result(Status.ERROR, answer.message, evidence=evidence)
    exchanges = []
    for record in answer.records:
        preference, _, host = record.partition(" ")
        exchanges.append((int(preference) if preference.isdigit() else 0, host.rstrip(".")))
    evidence["mx"] = [f"{p} {clean(h, max_len=200) or '.'}" for p, h in sorted(exchanges)]
    if any(host == "" for _p, host in exchanges):
        if len(exchanges) == 1:
            return ctx.result(
                Status.PASS, "Null MX: the domain receives no mail", evidence=evidence
            )
        return ctx.result(Status.FAIL, "A null MX mixed with other MX records", evidence=evidence)
    looked = await asyncio.gather(*(resolver.resolve_address(h) for _p, h in exchanges))
    dead = [h for (_p, h), a in zip(exchanges, looked, strict=True) if isinstance(a, DnsFailure)]
    evidence["unresolvable"] = [clean(h, max_len=200) for h in dead]
    if len(dead) == len(exchanges):
        return ctx.result(Status.FAIL, "No MX host resolves to an address", evidence=evidence)
    if dead:
        return ctx.result(
            Status.WARN,
            f"MX hosts that do not resolve: {clean(', '.join(dead), max_len=300)}",
            evidence=evidence,
        )
    return ctx.result(
        Status.PASS, f"{len(exchanges)} MX host(s), all resolvable", evidence=evidence
    )


def _within(name: str, domain: str) -> bool:
    return name == domain or name.endswith("." + domain)

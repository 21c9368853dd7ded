"""Verify a real message: its DKIM signature, SPF for the server that handed it over, and DMARC
alignment of both with the From domain: the proof that a password reset will authenticate.

* **DKIM** (RFC 6376): every ``DKIM-Signature`` is verified by dkimpy, whose key lookups go
  through our resolver (its ``dnsfunc``), so sandbox ports and the session's name servers
  apply. A body or signed header changed after signing fails.
* **SPF** (RFC 7208): the connecting IP is read from the topmost ``Received`` header that names
  one in brackets (the receiving server's record of who connected); the envelope sender from
  ``Return-Path`` (else the From address); evaluated by our own ``check_host``.
* **DMARC** (RFC 7489): the From domain's policy (or its organizational domain's), and whether
  a passing DKIM ``d=`` or SPF domain aligns with the From domain (relaxed: same registrable
  domain; strict: identical). DMARC passes when either aligned method passes.

Everything read from the message is untrusted: sanitized before it reaches a verdict.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import ipaddress
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from email.utils import getaddresses, parseaddr

import dkim

from launch_tui.checks.email.spf_eval import SpfResult, check_host
from launch_tui.checks.parse.dmarc import Alignment, DmarcError, parse_dmarc
from launch_tui.core.model import CheckResult, JSONValue, Severity, Status
from launch_tui.core.sanitize import clean
from launch_tui.net import DnsAnswer, DnsFailure, Resolver
from launch_tui.net.public_suffix import registrable_domain

#: Largest message read (a real transactional mail is far smaller).
MAX_MESSAGE_BYTES = 10 << 20
_BRACKETED_IP = re.compile(r"\[(?:IPv6:)?([0-9A-Fa-f:.]+)\]")
_FROM_HELO = re.compile(r"^\s*from\s+(\S+)", re.I)


class MessageError(ValueError):
    """The file is not a mail message we can verify (with a sentence saying why)."""


@dataclass(frozen=True)
class DkimVerdict:
    result: str
    """``pass``, ``fail``, ``none`` (no signature) or ``temperror`` (key lookup failed)."""
    domain: str = ""
    selector: str = ""
    reason: str = ""


@dataclass(frozen=True)
class MessageVerdict:
    """How one message authenticates."""

    from_domain: str
    subject: str
    connecting_ip: str
    helo: str
    mail_from: str
    dkim: tuple[DkimVerdict, ...]
    spf: str
    spf_domain: str
    spf_reason: str
    dmarc: str
    """``pass``, ``fail`` or ``none`` (no DMARC record)."""
    dmarc_policy: str
    dkim_aligned: bool
    spf_aligned: bool
    dmarc_reason: str

    @property
    def authenticates(self) -> bool:
        """DMARC passes: a receiver can tell the message really comes from the From domain."""
        return self.dmarc == "pass"

    def summary(self) -> str:
        """One line: the three verdicts."""
        dkim_part = ", ".join(
            f"{d.result} (d={d.domain} s={d.selector})" if d.domain else d.result for d in self.dkim
        )
        text = (
            f"DKIM {dkim_part}; SPF {self.spf} for {self.connecting_ip or 'no IP'}; "
            f"DMARC {self.dmarc}"
        )
        if self.dmarc == "pass":
            text += " (aligned: " + ", ".join(self.aligned_methods()) + ")"
        elif self.dmarc_reason:
            text += f" ({self.dmarc_reason})"
        return clean(text, max_len=400)

    def aligned_methods(self) -> list[str]:
        return [m for m, ok in (("DKIM", self.dkim_aligned), ("SPF", self.spf_aligned)) if ok]

    def evidence(self) -> dict[str, JSONValue]:
        """The verdicts as plain data, for the session."""
        return {
            "from_domain": self.from_domain,
            "subject": self.subject,
            "connecting_ip": self.connecting_ip,
            "helo": self.helo,
            "mail_from": self.mail_from,
            "dkim": [
                {"result": d.result, "domain": d.domain, "selector": d.selector, "reason": d.reason}
                for d in self.dkim
            ],
            "spf": self.spf,
            "spf_domain": self.spf_domain,
            "spf_reason": self.spf_reason,
            "dmarc": self.dmarc,
            "dmarc_policy": self.dmarc_policy,
            "dkim_aligned": self.dkim_aligned,
            "spf_aligned": self.spf_aligned,
            "dmarc_reason": self.dmarc_reason,
        }


def parse_message(raw: bytes) -> Message:
    """The message, or :class:`MessageError` when ``raw`` is not one."""
    if len(raw) > MAX_MESSAGE_BYTES:
        raise MessageError(f"the file is over {MAX_MESSAGE_BYTES >> 20} MB: not a single message")
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    if not message.get("From"):
        raise MessageError("the file has no From header: save the message as .eml (raw source)")
    return message


def connecting_ip(message: Message) -> tuple[str, str]:
    """The IP (and HELO name) of the server that handed the message to the receiver: the
    topmost ``Received`` header that names a bracketed address."""
    for header in message.get_all("Received") or []:
        text = " ".join(str(header).split())
        for found in _BRACKETED_IP.findall(text):
            try:
                address = ipaddress.ip_address(found)
            except ValueError:
                continue
            helo = _FROM_HELO.match(text)
            return str(address), helo.group(1) if helo else ""
    return "", ""


def _domain_of(address: str) -> str:
    return address.rpartition("@")[2].strip().strip(">").lower().rstrip(".")


def _org(domain: str) -> str:
    return registrable_domain(domain) or ".".join(domain.split(".")[-2:])


def aligned(domain: str, from_domain: str, mode: Alignment) -> bool:
    """RFC 7489 3.1: identical (strict), or the same organizational domain (relaxed)."""
    if not domain or not from_domain:
        return False
    if mode is Alignment.STRICT:
        return domain == from_domain
    return _org(domain) == _org(from_domain)


async def verify_dkim(raw: bytes, resolver: Resolver, dns_timeout: float) -> list[DkimVerdict]:
    """Each signature's verdict, key lookups through ``resolver``."""
    loop = asyncio.get_running_loop()

    def dnsfunc(name: bytes | str, timeout: float = dns_timeout) -> bytes | None:
        text = name.decode() if isinstance(name, bytes) else name
        future = asyncio.run_coroutine_threadsafe(resolver.resolve(text.rstrip("."), "TXT"), loop)
        answer = future.result(timeout + 1)
        if isinstance(answer, DnsFailure):
            if answer.is_negative:
                return None
            raise dkim.DnsTimeoutError(answer.message)
        return "".join(answer.txt[:1]).encode() if answer.txt else None

    def verify_all() -> list[DkimVerdict]:
        checker = dkim.DKIM(raw, timeout=int(dns_timeout) or 1)
        count = len([h for h in checker.headers if h[0].lower() == b"dkim-signature"])
        verdicts = []
        for index in range(count):
            checker = dkim.DKIM(raw, timeout=int(dns_timeout) or 1)
            try:
                ok = checker.verify(idx=index, dnsfunc=dnsfunc)
                reason = "" if ok else "the signature does not match the message"
                result = "pass" if ok else "fail"
            except dkim.DnsTimeoutError as exc:
                result, ok, reason = "temperror", False, f"key lookup failed: {exc}"
            except dkim.DKIMException as exc:
                result, ok, reason = "fail", False, str(exc)
            domain = _tag(checker, b"d")
            selector = _tag(checker, b"s")
            verdicts.append(
                DkimVerdict(
                    result,
                    clean(domain, max_len=253).lower(),
                    clean(selector, max_len=100),
                    clean(reason, max_len=300),
                )
            )
        return verdicts or [DkimVerdict("none", reason="the message has no DKIM-Signature")]

    return await asyncio.to_thread(verify_all)


def _tag(checker: dkim.DKIM, tag: bytes) -> str:
    fields = getattr(checker, "signature_fields", None) or {}
    value = fields.get(tag, b"")
    return value.decode("ascii", "replace") if isinstance(value, bytes) else str(value)


async def verify_message(
    raw: bytes, resolver: Resolver, *, dns_timeout: float = 10.0
) -> MessageVerdict:
    """Verify ``raw`` (an RFC 5322 message as the receiver stored it)."""
    message = parse_message(raw)
    from_addrs = getaddresses([str(message.get("From", ""))])
    from_domain = _domain_of(from_addrs[0][1]) if from_addrs else ""
    if not from_domain:
        raise MessageError("the From header holds no address")
    ip, helo = connecting_ip(message)
    mail_from = parseaddr(str(message.get("Return-Path", "")))[1] or from_addrs[0][1]
    spf_domain = _domain_of(mail_from) or helo.lower()
    dkim_results = await verify_dkim(raw, resolver, dns_timeout)
    if ip:
        outcome = await check_host(
            ip, spf_domain, mail_from, resolver, helo=helo, time_limit=dns_timeout * 2
        )
        spf, spf_reason = outcome.result, outcome.reason
    else:
        spf, spf_reason = SpfResult.NONE, "no Received header names the connecting IP"
    policy, mode_dkim, mode_spf, dmarc_reason = await _dmarc_policy(from_domain, resolver)
    dkim_aligned = any(
        d.result == "pass" and aligned(d.domain, from_domain, mode_dkim) for d in dkim_results
    )
    spf_aligned = spf is SpfResult.PASS and aligned(spf_domain, from_domain, mode_spf)
    if not policy:
        dmarc = "none"
    else:
        dmarc = "pass" if dkim_aligned or spf_aligned else "fail"
        if dmarc == "fail":
            dmarc_reason = "neither a passing DKIM signature nor SPF aligns with the From domain"
    return MessageVerdict(
        from_domain=clean(from_domain, max_len=253),
        subject=clean(str(message.get("Subject", "")), max_len=200),
        connecting_ip=ip,
        helo=clean(helo, max_len=253),
        mail_from=clean(mail_from, max_len=300),
        dkim=tuple(dkim_results),
        spf=spf.value,
        spf_domain=clean(spf_domain, max_len=253),
        spf_reason=clean(spf_reason, max_len=300),
        dmarc=dmarc,
        dmarc_policy=policy,
        dkim_aligned=dkim_aligned,
        spf_aligned=spf_aligned,
        dmarc_reason=clean(dmarc_reason, max_len=300),
    )


async def _dmarc_policy(domain: str, resolver: Resolver) -> tuple[str, Alignment, Alignment, str]:
    """``(policy, adkim, aspf, why none)`` from ``_dmarc.<domain>``, else the org domain's."""
    for name in dict.fromkeys([domain, _org(domain)]):
        answer = await resolver.resolve(f"_dmarc.{name}", "TXT")
        if not isinstance(answer, DnsAnswer):
            continue
        texts = [t for t in answer.txt if t.strip().upper().startswith("V=DMARC1")]
        if len(texts) != 1:
            continue
        try:
            record = parse_dmarc(texts[0])
        except DmarcError:
            continue
        policy = record.policy if name == domain else (record.subdomain_policy or record.policy)
        return policy, record.adkim, record.aspf, ""
    return "", Alignment.RELAXED, Alignment.RELAXED, f"{domain} publishes no usable DMARC record"


#: The playbook's check a verified message measures.
TRANSACTIONAL_CHECK = "email.transactional_test"


def judge(verdict: MessageVerdict) -> tuple[Status, str]:
    """The verdict on a real message, for ``email.transactional_test``.

    ``pass``: DMARC passes on an aligned, valid DKIM signature (which survives forwarding);
    ``warn``: it authenticates on SPF alone, or the domain has no DMARC policy to apply;
    ``fail``: DMARC fails, or a signature of the From domain does not verify (the message was
    changed after signing, or the published key is not the one that signed).
    """
    broken = [
        d
        for d in verdict.dkim
        if d.result == "fail" and aligned(d.domain, verdict.from_domain, Alignment.RELAXED)
    ]
    if verdict.dmarc == "fail" or broken:
        return Status.FAIL, verdict.summary()
    if verdict.dmarc == "none" or not verdict.dkim_aligned:
        return Status.WARN, verdict.summary()
    return Status.PASS, verdict.summary()


def transactional_result(
    verdict: MessageVerdict, severity: Severity, when: datetime, source: str
) -> CheckResult:
    """The session's record of the last verified message (``source``: the file's name)."""
    status, summary = judge(verdict)
    evidence = verdict.evidence() | {"message_file": clean(source, max_len=200)}
    return CheckResult(
        check_id=TRANSACTIONAL_CHECK,
        target="",
        status=status,
        severity=severity,
        summary=summary,
        evidence=evidence,
        measured_at=when,
    )


def verdict_lines(verdict: MessageVerdict) -> list[str]:
    """The three verdicts as plain, sanitized lines (the CLI prints them, the app shows them as
    literal text)."""
    lines = [
        f"Message   {verdict.subject or '(no subject)'}",
        f"From      {verdict.from_domain}   envelope {verdict.mail_from or '-'}",
        f"Relay     {verdict.helo or '-'} [{verdict.connecting_ip or 'no IP in Received'}]",
    ]
    for sig in verdict.dkim:
        where = f"d={sig.domain} s={sig.selector}" if sig.domain else ""
        lines.append(
            f"DKIM      {sig.result:<9} {where}" + (f"  {sig.reason}" if sig.reason else "")
        )
    lines.append(f"SPF       {verdict.spf:<9} {verdict.spf_domain}  {verdict.spf_reason}")
    methods = ", ".join(verdict.aligned_methods()) or "nothing aligned"
    policy = f"p={verdict.dmarc_policy}" if verdict.dmarc_policy else "no policy"
    lines.append(
        f"DMARC     {verdict.dmarc:<9} {policy}; aligned: {methods}"
        + (f"  {verdict.dmarc_reason}" if verdict.dmarc_reason else "")
    )
    return [clean(line, max_len=400) for line in lines]

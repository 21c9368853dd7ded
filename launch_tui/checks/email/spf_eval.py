"""RFC 7208 ``check_host()``: is this IP allowed to send mail for this domain?

:func:`check_host` evaluates a domain's SPF record for one connecting IP, through any DNS
source that looks like :class:`SpfDns` (``launch_tui.net.Resolver`` is one). Besides the
verdict it records a lookup tree: every DNS-querying term in the order it was evaluated, with
the running count of the 10 allowed (4.6.4), the void lookups (at most 2), and the term that
pushed either count over its limit. An include or redirect that comes back to a domain already
being evaluated is reported as a loop at once; the RFC reaches ``permerror`` too, by the count.

The tree is what a person fixing a record needs: "include:_spf.crm.example is the 11th lookup".
To see every lookup a record can cost, evaluate it for an address no mechanism matches
(:data:`PROBE_IP`): evaluation then visits every term up to ``all``.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from launch_tui.checks.parse.spf import (
    IPAddress,
    MacroVars,
    Mechanism,
    Qualifier,
    SpfRecord,
    SpfSyntaxError,
    expand,
    is_spf_record,
    parse_record,
    reverse_name,
    uses_validated_name,
)
from launch_tui.core.sanitize import clean
from launch_tui.net import DnsAnswer, DnsFailure, DnsFailureKind, DnsResult

#: RFC 7208 4.6.4: DNS-querying terms per evaluation, and void lookups.
MAX_LOOKUPS = 10
MAX_VOID = 2
#: Per ``mx`` mechanism: MX names looked up; per ``ptr``/``%{p}``: PTR names checked.
MAX_NAMES = 10
#: RFC 7208 4.6.4 asks for a time limit of at least 20 seconds.
TIME_LIMIT_S = 20.0
#: An address from TEST-NET-2 (RFC 5737): no real record authorizes it.
PROBE_IP = ipaddress.IPv4Address("198.51.100.254")

_NEGATIVE = (DnsFailureKind.NXDOMAIN, DnsFailureKind.NODATA)


class SpfDns(Protocol):
    """Where SPF's DNS answers come from: ``launch_tui.net.Resolver.resolve`` fits."""

    async def resolve(self, name: str, rdtype: str = "A") -> DnsResult:
        """Records of ``rdtype`` at ``name``, or why there are none (never raises)."""
        ...


class SpfResult(StrEnum):
    """The seven results of RFC 7208 2.6."""

    NONE = "none"
    NEUTRAL = "neutral"
    PASS = "pass"  # noqa: S105 - an SPF result, not a password
    FAIL = "fail"
    SOFTFAIL = "softfail"
    TEMPERROR = "temperror"
    PERMERROR = "permerror"


_BY_QUALIFIER = {
    Qualifier.PASS: SpfResult.PASS,
    Qualifier.FAIL: SpfResult.FAIL,
    Qualifier.SOFTFAIL: SpfResult.SOFTFAIL,
    Qualifier.NEUTRAL: SpfResult.NEUTRAL,
}


@dataclass(frozen=True)
class LookupNode:
    """One evaluated term that cost DNS (or the root record), with what it found."""

    term: str
    """The term as written (``include:_spf.example.com``), or the domain at the root."""
    domain: str
    """The name it looked up (the record's domain for the root, include and redirect)."""
    count: int
    """DNS-querying terms evaluated so far, this one included (0 at the root)."""
    record: str = ""
    """For the root, include and redirect: the SPF record found (sanitized)."""
    outcome: str = ""
    """``match``/``no match``/``void`` for mechanisms; the SPF result for records."""
    note: str = ""
    """Why this node matters: a limit crossed, a loop, a syntax error (sanitized)."""
    children: tuple[LookupNode, ...] = ()

    def lines(self, depth: int = 0) -> list[str]:
        """The tree as indented text, one node a line."""
        head = self.term if depth else f"{self.domain}"
        parts = [f"{'  ' * depth}{head}"]
        if depth:
            parts.append(f"[{self.count}]")
        if self.outcome:
            parts.append(f"→ {self.outcome}")
        if self.note:
            parts.append(f"({self.note})")
        out = [" ".join(parts)]
        for child in self.children:
            out += child.lines(depth + 1)
        return out


@dataclass(frozen=True)
class SpfOutcome:
    """The verdict of :func:`check_host` and how it was reached."""

    result: SpfResult
    domain: str
    reason: str
    """One line for a person: what matched, or what went wrong (sanitized)."""
    tree: LookupNode
    lookups: int
    """DNS-querying terms evaluated (the RFC's limit is 10)."""
    void_lookups: int
    matched: str = ""
    """The mechanism that decided the result, as written, with the domain whose record held it."""
    explanation: str | None = None
    """For ``fail``: the domain's ``exp=`` text when it has a usable one."""
    over_limit: str = ""
    """The term that pushed the lookup or void count over its limit, or ``""``."""
    record: str = ""
    """The domain's own SPF record in full, as published: untrusted text, for parsing only
    (``tree.record`` is the sanitized copy, cut to a length fit to show)."""


class _SpfError(Exception):
    def __init__(self, result: SpfResult, message: str) -> None:
        super().__init__(message)
        self.result = result
        self.message = message


@dataclass
class _Node:
    term: str
    domain: str
    count: int
    record: str = ""
    outcome: str = ""
    note: str = ""
    children: list[_Node] = field(default_factory=list)

    def freeze(self) -> LookupNode:
        return LookupNode(
            self.term,
            self.domain,
            self.count,
            clean(self.record, max_len=600),
            self.outcome,
            clean(self.note, max_len=300),
            tuple(child.freeze() for child in self.children),
        )


@dataclass(frozen=True)
class _Verdict:
    result: SpfResult
    matched: str
    exp: str | None
    """The ``exp=`` of the record whose mechanism decided, and that record's variables."""
    variables: MacroVars


class _Evaluation:
    """One ``check_host`` run: the counters, the DNS source and the validated-name memo."""

    def __init__(self, dns: SpfDns, ip: IPAddress, sender: str, helo: str) -> None:
        self.dns = dns
        self.ip = ip
        self.sender = sender
        self.helo = helo
        self.lookups = 0
        self.voids = 0
        self.over_limit = ""
        self.counting_voids = True
        self._validated: str | None = None

    # -- DNS ---------------------------------------------------------------------------------

    async def query(self, name: str, rdtype: str, node: _Node | None) -> DnsAnswer | None:
        """The answer, or ``None`` when there is nothing (a void lookup, counted)."""
        name = name.rstrip(".")
        if not _valid_name(name):
            answer: DnsResult | None = None
        else:
            answer = await self.dns.resolve(name, rdtype)
        if isinstance(answer, DnsAnswer):
            return answer
        if isinstance(answer, DnsFailure) and answer.kind not in _NEGATIVE:
            raise _SpfError(SpfResult.TEMPERROR, answer.message)
        if self.counting_voids:
            self.voids += 1
            if node is not None:
                node.outcome = "void"
                node.note = f"void lookup {self.voids} of {MAX_VOID}"
            if self.voids > MAX_VOID:
                where = node.term if node is not None else f"{name} {rdtype}"
                self.over_limit = where
                if node is not None:
                    node.note = f"void lookup {self.voids}: over the limit of {MAX_VOID}"
                raise _SpfError(
                    SpfResult.PERMERROR,
                    f"More than {MAX_VOID} void DNS lookups: {where} was number {self.voids}",
                )
        return None

    def count(self, node: _Node) -> None:
        self.lookups += 1
        node.count = self.lookups
        if self.lookups > MAX_LOOKUPS:
            self.over_limit = node.term
            node.note = f"lookup {self.lookups}: over the limit of {MAX_LOOKUPS}"
            raise _SpfError(
                SpfResult.PERMERROR,
                f"More than {MAX_LOOKUPS} DNS-querying terms: {node.term} is number {self.lookups}",
            )

    async def addresses(self, name: str, node: _Node | None) -> list[IPAddress]:
        rdtype = "A" if self.ip.version == 4 else "AAAA"
        answer = await self.query(name, rdtype, node)
        if answer is None:
            return []
        return [ipaddress.ip_address(record) for record in answer.records]

    async def validated_names(self, limit_to: str | None) -> list[str]:
        """Names from the IP's PTR records that resolve back to it (first 10 names checked)."""
        try:
            answer = await self.query(reverse_name(self.ip), "PTR", None)
        except _SpfError:
            return []  # RFC 7208 5.5: a PTR lookup error makes ptr not match
        if answer is None:
            return []
        names = [record.rstrip(".") for record in answer.records][:MAX_NAMES]
        found: list[str] = []
        for name in names:
            if limit_to is not None and not _within(name, limit_to):
                continue
            try:
                if self.ip in await self.addresses(name, None):
                    found.append(name)
            except _SpfError as exc:
                if exc.result is SpfResult.PERMERROR:
                    raise
                continue  # an address lookup error skips that name
        return found

    async def validated(self, domain: str) -> str:
        """``%{p}``: a validated name, preferring ``domain`` or one of its subdomains."""
        if self._validated is None:
            names = await self.validated_names(None)
            preferred = [n for n in names if _within(n, domain)]
            self._validated = (preferred or names or ["unknown"])[0]
        return self._validated

    async def variables(self, domain: str, text: str | None) -> MacroVars:
        base = MacroVars(sender=self.sender, domain=domain, ip=self.ip, helo=self.helo)
        if text is not None and uses_validated_name(text):
            return MacroVars(
                sender=self.sender,
                domain=domain,
                ip=self.ip,
                helo=self.helo,
                validated=await self.validated(domain),
            )
        return base

    # -- records -----------------------------------------------------------------------------

    async def record(self, domain: str, node: _Node, *, top: bool) -> SpfRecord | None:
        answer = await self.query(domain, "TXT", None if top else node)
        texts = [] if answer is None else [t for t in answer.txt if is_spf_record(t)]
        if not texts:
            node.outcome = "none"
            return None
        if len(texts) > 1:
            node.record = " | ".join(texts)
            raise _SpfError(
                SpfResult.PERMERROR, f"{domain} publishes {len(texts)} SPF records; one is allowed"
            )
        node.record = texts[0]
        try:
            return parse_record(texts[0])
        except SpfSyntaxError as exc:
            node.note = exc.message
            raise _SpfError(
                SpfResult.PERMERROR, f"{domain}'s SPF record is invalid: {exc.message}"
            ) from None

    async def evaluate(self, domain: str, node: _Node, path: Sequence[str]) -> _Verdict | None:
        """The verdict of ``domain``'s record, or ``None`` when it has none."""
        record = await self.record(domain, node, top=len(path) == 1)
        if record is None:
            return None
        for mechanism in record.mechanisms:
            if await self.matches(mechanism, domain, node, path):
                result = _BY_QUALIFIER[mechanism.qualifier]
                node.outcome = result.value
                return _Verdict(
                    result,
                    f"{mechanism.text} in {domain}",
                    record.exp,
                    await self.variables(domain, record.exp),
                )
        if record.redirect is not None:
            variables = await self.variables(domain, record.redirect)
            target = expand(record.redirect, variables).rstrip(".")
            child = _Node(f"redirect={record.redirect}", target, 0)
            node.children.append(child)
            self.count(child)
            verdict = await self.descend(target, child, path, "redirect")
            if verdict is None:
                child.note = "the redirect target has no SPF record"
                raise _SpfError(
                    SpfResult.PERMERROR, f"redirect={target} in {domain}: no SPF record there"
                )
            node.outcome = verdict.result.value
            return verdict
        node.outcome = SpfResult.NEUTRAL.value
        return _Verdict(SpfResult.NEUTRAL, "", None, await self.variables(domain, None))

    async def descend(
        self, target: str, node: _Node, path: Sequence[str], how: str
    ) -> _Verdict | None:
        key = target.lower()
        if key in path:
            loop = " → ".join([*path, key])
            node.note = f"{how} loop: {loop}"
            self.over_limit = node.term
            raise _SpfError(SpfResult.PERMERROR, f"SPF {how} loop: {loop}")
        return await self.evaluate(target, node, [*path, key])

    async def matches(
        self, mechanism: Mechanism, domain: str, parent: _Node, path: Sequence[str]
    ) -> bool:
        name = mechanism.name
        if name == "all":
            return True
        if mechanism.network is not None:
            return self.ip.version == mechanism.network.version and self.ip in mechanism.network
        variables = await self.variables(domain, mechanism.domain_spec)
        target = domain
        if mechanism.domain_spec is not None:
            target = expand(mechanism.domain_spec, variables).rstrip(".")
        node = _Node(mechanism.text, target, 0)
        parent.children.append(node)
        self.count(node)
        if name == "include":
            verdict = await self.descend(target, node, path, "include")
            if verdict is None:
                node.note = "the included domain has no SPF record"
                raise _SpfError(
                    SpfResult.PERMERROR, f"include:{target} in {domain}: no SPF record there"
                )
            return verdict.result is SpfResult.PASS
        matched = await self._match_dns(mechanism, name, target, node)
        if not node.outcome:
            node.outcome = "match" if matched else "no match"
        return matched

    async def _match_dns(self, mechanism: Mechanism, name: str, target: str, node: _Node) -> bool:
        if name == "exists":
            return await self.query(target, "A", node) is not None
        if name == "ptr":
            return bool(await self.validated_names(target))
        if name == "a":
            found = await self.addresses(target, node)
            return self._in_any(found, mechanism)
        # mx
        answer = await self.query(target, "MX", node)
        if answer is None:
            return False
        exchanges = [record.split()[-1].rstrip(".") for record in answer.records]
        if len(exchanges) > MAX_NAMES:
            node.note = f"{len(exchanges)} MX records: more than {MAX_NAMES}"
            raise _SpfError(
                SpfResult.PERMERROR,
                f"{mechanism.text}: {target} has {len(exchanges)} MX records (limit {MAX_NAMES})",
            )
        for exchange in exchanges:
            if exchange and self._in_any(await self.addresses(exchange, None), mechanism):
                return True
        return False

    def _in_any(self, found: Sequence[IPAddress], mechanism: Mechanism) -> bool:
        if self.ip.version == 4:
            prefix = 32 if mechanism.cidr4 is None else mechanism.cidr4
        else:
            prefix = 128 if mechanism.cidr6 is None else mechanism.cidr6
        for address in found:
            if address.version != self.ip.version:
                continue
            if self.ip in ipaddress.ip_network(f"{address}/{prefix}", strict=False):
                return True
        return False

    async def explain(self, verdict: _Verdict) -> str | None:
        """The ``exp=`` text for a ``fail`` (RFC 7208 6.2), or ``None`` when unusable."""
        if verdict.exp is None:
            return None
        self.counting_voids = False  # exp= lookups never count as void (4.6.4)
        try:
            name = expand(verdict.exp, verdict.variables).rstrip(".")
            answer = await self.query(name, "TXT", None)
            if answer is None or len(answer.txt) != 1:
                return None
            variables = await self.variables(verdict.variables.domain, answer.txt[0])
            return expand(answer.txt[0], variables, explanation=True)
        except (_SpfError, SpfSyntaxError):
            return None


async def check_host(
    ip: str | IPAddress,
    domain: str,
    sender: str,
    dns: SpfDns,
    *,
    helo: str = "",
    time_limit: float = TIME_LIMIT_S,
) -> SpfOutcome:
    """RFC 7208 4: the SPF result for ``ip`` sending as ``sender`` on behalf of ``domain``.

    ``sender`` is the MAIL FROM address; an empty local-part becomes ``postmaster``, and an
    address without ``@`` is taken as a domain. Never raises on DNS trouble: that is a result.
    """
    address = ipaddress.ip_address(ip) if isinstance(ip, str) else ip
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    domain = domain.rstrip(".")
    local, at, sender_domain = sender.rpartition("@")
    if not at:
        local, sender_domain = "", sender
    sender = f"{local or 'postmaster'}@{sender_domain or domain}"
    root = _Node(domain, domain, 0)
    run = _Evaluation(dns, address, sender, helo)
    if not _valid_name(domain) or "." not in domain:
        return _outcome(run, root, SpfResult.NONE, f"{domain!r} is not a valid domain name")
    try:
        async with asyncio.timeout(time_limit):
            verdict = await run.evaluate(domain, root, [domain.lower()])
            if verdict is None:
                return _outcome(run, root, SpfResult.NONE, f"{domain} has no SPF record")
            explanation = None
            if verdict.result is SpfResult.FAIL:
                explanation = await run.explain(verdict)
    except _SpfError as exc:
        root.outcome = root.outcome or exc.result.value
        return _outcome(run, root, exc.result, exc.message)
    except TimeoutError:
        return _outcome(
            run, root, SpfResult.TEMPERROR, f"SPF evaluation took longer than {time_limit:g} s"
        )
    if verdict.matched:
        reason = f"{verdict.result.value}: matched {verdict.matched}"
    else:
        reason = f"{verdict.result.value}: no mechanism matched"
    return _outcome(run, root, verdict.result, reason, verdict.matched, explanation)


def _outcome(
    run: _Evaluation,
    root: _Node,
    result: SpfResult,
    reason: str,
    matched: str = "",
    explanation: str | None = None,
) -> SpfOutcome:
    if not root.outcome:
        root.outcome = result.value
    return SpfOutcome(
        result=result,
        domain=root.domain,
        reason=clean(reason, max_len=400),
        tree=root.freeze(),
        lookups=min(run.lookups, MAX_LOOKUPS + 1),
        void_lookups=run.voids,
        matched=clean(matched, max_len=300),
        explanation=None if explanation is None else clean(explanation, max_len=600),
        over_limit=clean(run.over_limit, max_len=300),
        record=root.record,
    )


def _valid_name(name: str) -> bool:
    """RFC 7208 4.3: labels of 1 to 63 octets, 253 in all; else the name is not looked up."""
    name = name.rstrip(".")
    if not name or len(name) > 253 or name.startswith("["):
        return False
    return all(0 < len(label) <= 63 for label in name.split("."))


def _within(name: str, domain: str) -> bool:
    name, domain = name.lower().rstrip("."), domain.lower().rstrip(".")
    return name == domain or name.endswith("." + domain)

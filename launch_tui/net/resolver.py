"""The one DNS resolver every check and the HTTP client go through.

:class:`Resolver` wraps dnspython's async resolver with our nameservers (or the system's), sane
timeouts and no cache (a checker wants fresh answers). A lookup never raises: it returns a
:class:`DnsAnswer` or a :class:`DnsFailure` whose ``kind`` says what happened and whose
``message`` says it to a person.

dnspython already retries over TCP when a UDP answer comes back truncated; each nameserver here
is a thin subclass that notes which transport answered, so an answer can say it was truncated.
CNAME chains are followed across responses (an authoritative server only answers for its own
zone), up to ``NetLimits.max_cname_chain`` hops, and a name seen twice is reported as a loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ipaddress
import time
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass

import dns._asyncbackend
import dns.asyncresolver
import dns.exception
import dns.message
import dns.name
import dns.nameserver
import dns.rdata
import dns.rdatatype
import dns.resolver
import dns.rrset

from launch_tui.core.sanitize import clean
from launch_tui.net.dns_answer import DnsAnswer, DnsResult
from launch_tui.net.failures import DnsFailure, DnsFailureKind, seconds_text
from launch_tui.net.settings import Nameserver, NetLimits, join_host_port

Clock = Callable[[], float]

#: Seconds to keep waiting for AAAA records once A records have arrived.
_AAAA_GRACE = 0.25
#: Longest a connection-time address answer is reused, whatever its TTL says.
_ADDRESS_REUSE_MAX = 30.0


#: What one connection-time lookup found: the addresses and their TTL, or the failure and 0.
_AddressLookup = tuple[tuple[str, ...] | DnsFailure, int]


@dataclass
class _Transport:
    """What happened on the wire during one lookup (mutable, private to a lookup)."""

    truncated: bool = False
    via_tcp: bool = False


_TRANSPORT: ContextVar[_Transport | None] = ContextVar("launch_tui_dns_transport", default=None)


class _TrackingNameserver(dns.nameserver.Do53Nameserver):
    """A Do53 nameserver that notes truncation and TCP use for the lookup in progress."""

    async def async_query(
        self,
        request: dns.message.QueryMessage,
        timeout: float,  # noqa: ASYNC109 - dnspython's signature
        source: str | None,
        source_port: int,
        max_size: bool,
        backend: dns._asyncbackend.Backend,
        one_rr_per_rrset: bool = False,
        ignore_trailing: bool = False,
    ) -> dns.message.Message:
        record = _TRANSPORT.get()
        try:
            response = await super().async_query(
                request,
                timeout,
                source,
                source_port,
                max_size,
                backend,
                one_rr_per_rrset,
                ignore_trailing,
            )
        except dns.message.Truncated:
            if record is not None:
                record.truncated = True
            raise
        if record is not None:
            # max_size is dnspython's way of saying "this attempt is over TCP".
            record.via_tcp = max_size
        return response


class Resolver:
    """Async DNS lookups that return values, never raise. One per app, injected everywhere."""

    def __init__(
        self,
        nameservers: Sequence[Nameserver] = (),
        *,
        limits: NetLimits | None = None,
        clock: Clock = time.perf_counter,
    ) -> None:
        """Ask ``nameservers`` (``IP:PORT`` each), or the system's configured ones when empty."""
        self._limits = limits or NetLimits()
        self._clock = clock
        self._setup_error = ""
        if nameservers:
            inner = dns.asyncresolver.Resolver(configure=False)
            servers: list[dns.nameserver.Nameserver] = [
                _TrackingNameserver(ns.address, ns.port) for ns in nameservers
            ]
        else:
            try:
                inner = dns.asyncresolver.Resolver(configure=True)
            except dns.resolver.NoResolverConfiguration:
                inner = dns.asyncresolver.Resolver(configure=False)
                self._setup_error = "no nameservers are configured on this system"
            servers = [
                ns
                if not isinstance(ns, str)
                else _TrackingNameserver(ns, inner.nameserver_ports.get(ns, inner.port))
                for ns in inner.nameservers
            ]
        if servers:
            inner.nameservers = list(servers)
        inner.cache = None
        inner.timeout = self._limits.dns_timeout
        inner.lifetime = self._limits.dns_lifetime
        # A SERVFAIL is an answer worth reporting, not a reason to hammer the server.
        inner.retry_servfail = False
        self._inner = inner
        # dnspython names servers in its error lists by str(nameserver); map those to IP:PORT.
        self._labels = {
            str(s): join_host_port(s.address, s.port)
            if isinstance(s, dns.nameserver.Do53Nameserver)
            else str(s)
            for s in servers
        }
        self._servers = tuple(self._labels.values())
        # resolve_address's reuse: name -> (expiry on self._clock, addresses), and the
        # lookups in flight so concurrent connections to one name share them.
        self._addresses: dict[str, tuple[float, tuple[str, ...]]] = {}
        self._lookups: dict[str, asyncio.Task[_AddressLookup]] = {}
        # resolve's questions in flight, shared by everyone who asks meanwhile.
        self._queries: dict[tuple[str, str], asyncio.Task[DnsResult]] = {}

    @property
    def nameservers(self) -> tuple[str, ...]:
        """The nameservers asked, as ``IP:PORT`` text."""
        return self._servers

    @property
    def limits(self) -> NetLimits:
        return self._limits

    async def resolve(self, name: str, rdtype: str = "A") -> DnsResult:
        """Look up ``name``'s ``rdtype`` records, following CNAMEs across responses.

        Callers asking the same question while it is in flight share its one query and get
        the same result (an audit's checks start together, and ten of them ask for the
        zone's NS records at once); a question asked after the answer came back is
        asked again. The shared query is shielded: one caller giving up (a deadline) does
        not cancel it for the others, and it ends within the lifetime limit anyway.
        """
        key = (name, rdtype.upper())
        loop = asyncio.get_running_loop()
        pending = self._queries.get(key)
        if pending is None or pending.get_loop() is not loop or pending.done():
            pending = loop.create_task(self._resolve(name, rdtype))
            self._queries[key] = pending
            pending.add_done_callback(functools.partial(self._query_done, key))
        return await asyncio.shield(pending)

    def _query_done(self, key: tuple[str, str], task: asyncio.Task[DnsResult]) -> None:
        if self._queries.get(key) is task:
            del self._queries[key]

    async def _resolve(self, name: str, rdtype: str) -> DnsResult:
        start = self._clock()
        rdtype = rdtype.upper()
        shown = name.rstrip(".")
        if self._setup_error or not self._servers:
            return self._failure(
                shown,
                rdtype,
                DnsFailureKind.ERROR,
                self._setup_error or "no nameservers to ask",
                start,
            )
        try:
            dns.rdatatype.from_text(rdtype)
            current = dns.name.from_text(name)
        except (dns.exception.DNSException, ValueError) as exc:
            return self._failure(
                shown, rdtype, DnsFailureKind.ERROR, f"{shown!r} cannot be looked up: {exc}", start
            )
        deadline = start + self._limits.dns_lifetime
        chain: list[str] = []
        chain_ttl: int | None = None
        seen = {current}
        truncated = False
        while True:
            remaining = deadline - self._clock()
            if remaining <= 0:
                return self._timeout(shown, rdtype, start, chain)
            transport = _Transport()
            token = _TRANSPORT.set(transport)
            try:
                # dnspython checks its lifetime between attempts but not across its backoff
                # sleeps; our own timeout makes the lifetime a hard deadline.
                async with asyncio.timeout(remaining):
                    answer = await self._inner.resolve(
                        current, rdtype, raise_on_no_answer=False, lifetime=remaining, search=False
                    )
            except TimeoutError:
                return self._timeout(shown, rdtype, start, chain)
            except dns.exception.DNSException as exc:
                return self._classify(shown, rdtype, exc, start, chain)
            finally:
                _TRANSPORT.reset(token)
            truncated = truncated or transport.truncated
            server = join_host_port(str(answer.nameserver), int(answer.port or 53))
            for cname in answer.chaining_result.cnames:
                chain_ttl = int(cname.ttl) if chain_ttl is None else min(chain_ttl, int(cname.ttl))
                for rdata in cname:
                    chain.append(_text_name(rdata.target))
            if len(chain) > self._limits.max_cname_chain:
                return self._loop(shown, rdtype, start, chain, server, "is longer than")
            if answer.rrset is not None:
                return self._answer(
                    shown,
                    rdtype,
                    answer.rrset,
                    answer.canonical_name,
                    chain,
                    server,
                    transport.via_tcp,
                    truncated,
                    start,
                    chain_ttl,
                )
            canonical = answer.canonical_name
            if canonical == current or not answer.chaining_result.cnames:
                return DnsFailure(
                    shown,
                    rdtype,
                    DnsFailureKind.NODATA,
                    clean(f"{_describe(shown, chain)} has no {rdtype} records"),
                    self._elapsed(start),
                    server,
                    tuple(chain),
                )
            if canonical in seen:
                return self._loop(shown, rdtype, start, chain, server, "loops back on itself")
            seen.add(canonical)
            current = canonical

    async def resolve_address(self, host: str) -> list[str] | DnsFailure:
        """IP addresses for ``host`` (IPv4 first, then IPv6); an IP literal is returned as is.

        Unlike :meth:`resolve`, this is the lookup a connection makes, so it behaves like a
        stub resolver in front of a browser: concurrent lookups of one name share a single
        query, and an answer is reused for its TTL (at most ``_ADDRESS_REUSE_MAX`` seconds).
        A full audit connects to each host dozens of times; without this every connection
        paid for an A and an AAAA query. Failures are never reused.
        """
        literal = host.strip("[]")
        try:
            ipaddress.ip_address(literal)
        except ValueError:
            pass
        else:
            return [literal]
        key = host.rstrip(".").lower()
        now = self._clock()
        cached = self._addresses.get(key)
        if cached is not None and cached[0] > now:
            return list(cached[1])
        loop = asyncio.get_running_loop()
        pending = self._lookups.get(key)
        if pending is None or pending.get_loop() is not loop or pending.done():
            pending = loop.create_task(self._lookup_address(host))
            self._lookups[key] = pending
            pending.add_done_callback(lambda done: self._lookup_done(key, done))
        # Shielded: one caller giving up (a deadline) must not cancel the others' lookup.
        found, _ttl = await asyncio.shield(pending)
        if isinstance(found, DnsFailure):
            return found
        return list(found)

    def _lookup_done(self, key: str, task: asyncio.Task[_AddressLookup]) -> None:
        if self._lookups.get(key) is task:
            del self._lookups[key]
        if task.cancelled() or task.exception() is not None:
            return
        found, ttl = task.result()
        if not isinstance(found, DnsFailure) and ttl > 0:
            expires = self._clock() + min(ttl, _ADDRESS_REUSE_MAX)
            self._addresses[key] = (expires, tuple(found))

    async def _lookup_address(self, host: str) -> _AddressLookup:
        """A and AAAA for ``host``: the addresses and the smaller TTL, or why there are none."""
        aaaa = asyncio.create_task(self.resolve(host, "AAAA"))
        v6: DnsResult | None = None
        try:
            v4 = await self.resolve(host, "A")
            if isinstance(v4, DnsAnswer):
                # Don't let a server that never answers AAAA hold up every connection: once
                # IPv4 addresses are known, IPv6 gets a short grace and is otherwise skipped.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(_AAAA_GRACE):
                        v6 = await asyncio.shield(aaaa)
            else:
                v6 = await aaaa
        finally:
            if not aaaa.done():
                aaaa.cancel()
                await asyncio.gather(aaaa, return_exceptions=True)
        answers = [res for res in (v4, v6) if isinstance(res, DnsAnswer)]
        addresses = tuple(r for res in answers for r in res.records)
        if addresses:
            return addresses, min(res.reuse_ttl for res in answers)
        assert isinstance(v4, DnsFailure)
        assert isinstance(v6, DnsFailure)
        # "No A records" says less than whatever went wrong with AAAA, unless that is NODATA too.
        if v4.kind is DnsFailureKind.NODATA and v6.kind is not DnsFailureKind.NODATA:
            return v6, 0
        if v4.kind is DnsFailureKind.NODATA:
            return DnsFailure(
                v4.name,
                "A/AAAA",
                DnsFailureKind.NODATA,
                clean(
                    f"{_describe(v4.name, v4.cname_chain)} has no addresses (no A or AAAA records)"
                ),
                max(v4.elapsed_ms, v6.elapsed_ms),
                v4.nameserver,
                v4.cname_chain,
            ), 0
        return v4, 0

    # -- building results ---------------------------------------------------------------------

    def _elapsed(self, start: float) -> float:
        return (self._clock() - start) * 1000.0

    def _failure(
        self,
        name: str,
        rdtype: str,
        kind: DnsFailureKind,
        message: str,
        start: float,
        server: str = "",
        chain: Sequence[str] = (),
    ) -> DnsFailure:
        return DnsFailure(
            name,
            rdtype,
            kind,
            clean(message, max_len=300),
            self._elapsed(start),
            server,
            tuple(chain),
        )

    def _answer(
        self,
        name: str,
        rdtype: str,
        rrset: dns.rrset.RRset,
        canonical: dns.name.Name,
        chain: list[str],
        server: str,
        via_tcp: bool,
        truncated: bool,
        start: float,
        chain_ttl: int | None = None,
    ) -> DnsAnswer:
        records = tuple(rdata.to_text() for rdata in rrset)
        txt: tuple[str, ...] = ()
        if rrset.rdtype == dns.rdatatype.TXT:
            txt = tuple(
                b"".join(rdata.strings).decode("utf-8", errors="replace") for rdata in rrset
            )
        return DnsAnswer(
            name=name,
            rdtype=rdtype,
            records=records,
            ttl=int(rrset.ttl),
            canonical_name=_text_name(canonical),
            cname_chain=tuple(chain),
            nameserver=server,
            via_tcp=via_tcp,
            truncated=truncated,
            elapsed_ms=self._elapsed(start),
            txt=txt,
            shortest_ttl=chain_ttl,
        )

    def _timeout(self, name: str, rdtype: str, start: float, chain: Sequence[str]) -> DnsFailure:
        servers = ", ".join(self._servers)
        return self._failure(
            name,
            rdtype,
            DnsFailureKind.TIMEOUT,
            f"No answer for {name} {rdtype} from {servers} within "
            f"{seconds_text(self._limits.dns_lifetime)}",
            start,
            chain=chain,
        )

    def _loop(
        self, name: str, rdtype: str, start: float, chain: Sequence[str], server: str, how: str
    ) -> DnsFailure:
        path = " → ".join([name, *chain[: self._limits.max_cname_chain + 1]])
        limit = self._limits.max_cname_chain
        message = (
            f"The CNAME chain of {name} {how} {limit} hops: {path}"
            if how.startswith("is")
            else f"The CNAME chain of {name} {how}: {path}"
        )
        return self._failure(name, rdtype, DnsFailureKind.LOOP, message, start, server, chain)

    def _classify(
        self,
        name: str,
        rdtype: str,
        exc: dns.exception.DNSException,
        start: float,
        chain: list[str],
    ) -> DnsFailure:
        if isinstance(exc, dns.resolver.NXDOMAIN):
            responses: dict[dns.name.Name, dns.message.QueryMessage] = exc.kwargs.get(
                "responses", {}
            )
            for response in responses.values():
                try:
                    cnames = response.resolve_chaining().cnames
                except dns.exception.DNSException:
                    continue
                chain.extend(_text_name(rd.target) for rrset in cnames for rd in rrset)
                break
            what = _describe(name, chain)
            if chain:
                message = f"{what} does not exist (NXDOMAIN): a dangling CNAME"
            else:
                message = f"{name} does not exist (NXDOMAIN)"
            return self._failure(name, rdtype, DnsFailureKind.NXDOMAIN, message, start, chain=chain)
        if isinstance(exc, dns.exception.Timeout):
            return self._timeout(name, rdtype, start, chain)
        if isinstance(exc, dns.message.ChainTooLong):
            return self._loop(name, rdtype, start, chain, "", "is longer than")
        if isinstance(exc, dns.resolver.NoNameservers):
            return self._classify_server_errors(name, rdtype, exc, start, chain)
        if isinstance(exc, dns.resolver.YXDOMAIN):
            return self._failure(
                name,
                rdtype,
                DnsFailureKind.ERROR,
                f"{name} is too long after DNAME substitution (YXDOMAIN)",
                start,
                chain=chain,
            )
        return self._failure(
            name,
            rdtype,
            DnsFailureKind.ERROR,
            f"Lookup of {name} {rdtype} failed: {exc}",
            start,
            chain=chain,
        )

    def _classify_server_errors(
        self,
        name: str,
        rdtype: str,
        exc: dns.resolver.NoNameservers,
        start: float,
        chain: list[str],
    ) -> DnsFailure:
        errors = exc.kwargs.get("errors") or []
        server = ""
        kinds: list[tuple[DnsFailureKind, str]] = []
        for entry in errors:
            address, _tcp, port, error = entry[0], entry[1], entry[2], entry[3]
            server = self._labels.get(str(address)) or join_host_port(str(address), int(port))
            if isinstance(error, dns.message.ChainTooLong):
                if isinstance(entry[4], dns.message.Message):
                    chain[:] = _walk_cnames(entry[4])
                kinds.append((DnsFailureKind.LOOP, ""))
            elif error == "SERVFAIL":
                kinds.append(
                    (
                        DnsFailureKind.SERVFAIL,
                        f"{server} could not answer for {name} {rdtype} (SERVFAIL)",
                    )
                )
            elif error == "REFUSED":
                kinds.append(
                    (
                        DnsFailureKind.REFUSED,
                        f"{server} refused to answer for {name} {rdtype} (REFUSED)",
                    )
                )
            elif isinstance(error, ConnectionRefusedError):
                kinds.append(
                    (
                        DnsFailureKind.ERROR,
                        f"Nameserver {server} is not reachable (connection refused)",
                    )
                )
            elif isinstance(error, OSError):
                kinds.append(
                    (
                        DnsFailureKind.ERROR,
                        f"Nameserver {server} is not reachable: {error.strerror or error}",
                    )
                )
            else:
                kinds.append(
                    (
                        DnsFailureKind.ERROR,
                        f"Nameserver {server} gave a bad answer for {name} {rdtype}: {error}",
                    )
                )
        for wanted in (DnsFailureKind.LOOP, DnsFailureKind.SERVFAIL, DnsFailureKind.REFUSED):
            for kind, message in kinds:
                if kind is wanted:
                    if kind is DnsFailureKind.LOOP:
                        looped = len(set(chain)) < len(chain)
                        how = "loops back on itself" if looped else "is longer than"
                        return self._loop(name, rdtype, start, chain, server, how)
                    return self._failure(name, rdtype, kind, message, start, server, chain)
        if kinds:
            return self._failure(name, rdtype, kinds[-1][0], kinds[-1][1], start, server, chain)
        return self._failure(
            name,
            rdtype,
            DnsFailureKind.ERROR,
            f"No nameserver answered for {name} {rdtype}",
            start,
            chain=chain,
        )


def _text_name(name: dns.name.Name) -> str:
    return name.to_text(omit_final_dot=True)


def _walk_cnames(response: dns.message.Message) -> list[str]:
    """The CNAME targets in one response from its question name, stopping at the first repeat."""
    if not response.question:
        return []
    current = response.question[0].name
    by_owner = {
        rrset.name: rrset[0].target
        for rrset in response.answer
        if rrset.rdtype == dns.rdatatype.CNAME and len(rrset)
    }
    seen = {current}
    chain: list[str] = []
    while current in by_owner:
        current = by_owner[current]
        chain.append(_text_name(current))
        if current in seen:
            break
        seen.add(current)
    return chain


def _describe(name: str, chain: Sequence[str]) -> str:
    return name if not chain else f"{name} (via {' → '.join(chain)})"

"""An authoritative DNS server for a world's zones, over UDP and TCP on one port.

It answers like a real authoritative server, including the parts resolvers trip over:
NXDOMAIN and NODATA carry the zone's SOA in the authority section (for negative caching),
empty non-terminals (``_domainkey.example.test``) are NODATA rather than NXDOMAIN, CNAME
chains inside the served zones are followed (and a loop stops where it repeats), and UDP answers
larger than 512 bytes (or the query's EDNS size) are truncated with TC set so the client retries
over TCP. A world can also name hosts that always SERVFAIL or never get an answer.

With ``rtt_ms`` set, every answer waits that long (and a TCP connection waits it once more
after accept, for its handshake), so a resolver sees the round trips of a real network.
"""

from __future__ import annotations

import asyncio
import socket
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import cast

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.TXT
import dns.rrset

from launch_tui.sandbox.listener import Listener
from launch_tui.sandbox.tasks import TaskSet
from launch_tui.sandbox.world import DnsSpec, SandboxStartError, WorldError, Zone

_IN = dns.rdataclass.IN
_MAX_CNAME_CHAIN = 16


@dataclass(frozen=True)
class QueryLog:
    """One query the server saw (for tests: did the client retry over TCP?)."""

    transport: str
    """``udp`` or ``tcp``."""
    name: str
    rdtype: str
    rcode: str
    """``NOERROR``, ``NXDOMAIN``... or ``DROPPED`` for names that never get an answer."""
    truncated: bool


class _ZoneData:
    """One zone's RRsets by owner name, plus the names that exist only as ancestors."""

    def __init__(self, origin: dns.name.Name) -> None:
        self.origin = origin
        self.nodes: dict[dns.name.Name, dict[int, dns.rrset.RRset]] = {}
        self.ancestors: set[dns.name.Name] = set()
        self.negative_soa: dns.rrset.RRset | None = None
        """The SOA for negative answers: TTL is min(SOA TTL, SOA minimum) (RFC 2308 3)."""

    def add(self, rrset: dns.rrset.RRset) -> None:
        node = self.nodes.setdefault(rrset.name, {})
        existing = node.get(rrset.rdtype)
        if existing is None:
            node[rrset.rdtype] = rrset
        else:
            for rdata in rrset:
                existing.add(rdata, rrset.ttl)
        parent = rrset.name
        while parent != self.origin and len(parent) > len(self.origin):
            parent = parent.parent()
            self.ancestors.add(parent)

    def exists(self, name: dns.name.Name) -> bool:
        return name in self.nodes or name in self.ancestors


class Zones:
    """Every zone a world serves, and the authoritative answer to a query."""

    def __init__(
        self,
        spec: DnsSpec,
        host_addresses: Mapping[str, str],
        auto_a: Iterable[str] = (),
    ) -> None:
        """``host_addresses`` maps host names to loopback addresses (for ``host:NAME`` values);
        ``auto_a`` names the hosts that get an A record unless the zone already has one."""
        self._zones: dict[dns.name.Name, _ZoneData] = {}
        for zone in spec.zones:
            self._zones[_name(zone.origin)] = self._build(zone, host_addresses)
        for host in auto_a:
            owner = _name(host)
            data = self._zone_for(owner)
            if data is None:
                continue
            node = data.nodes.get(owner, {})
            if dns.rdatatype.A in node or dns.rdatatype.CNAME in node:
                continue
            data.add(_rrset(owner, "A", host_addresses[host], 300, data.origin))
        self.servfail = frozenset(_name(n) for n in spec.servfail)
        self.timeout = frozenset(_name(n) for n in spec.timeout)

    def _build(self, zone: Zone, host_addresses: Mapping[str, str]) -> _ZoneData:
        origin = _name(zone.origin)
        data = _ZoneData(origin)
        for record in zone.records:
            value = record.value
            if record.type in ("A", "AAAA") and value.startswith("host:"):
                value = host_addresses[value[5:]]
            try:
                data.add(_rrset(_name(record.name), record.type, value, record.ttl, origin))
            except (dns.exception.DNSException, ValueError) as exc:
                raise WorldError(
                    f"zone {zone.origin}: {record.name} {record.type} {record.value!r}: {exc}"
                ) from None
        soa_text = zone.soa or _default_soa(zone)
        soa = _rrset(origin, "SOA", soa_text, 3600, origin)
        data.add(soa)
        minimum = min(3600, next(iter(soa)).minimum)
        data.negative_soa = _rrset(origin, "SOA", soa_text, minimum, origin)
        return data

    def _zone_for(self, name: dns.name.Name) -> _ZoneData | None:
        best: _ZoneData | None = None
        for origin, data in self._zones.items():
            if name.is_subdomain(origin) and (best is None or len(origin) > len(best.origin)):
                best = data
        return best

    def answer(self, query: dns.message.Message) -> dns.message.Message | None:
        """The response to ``query``, or ``None`` when the name must never be answered."""
        response = dns.message.make_response(query)
        if len(query.question) != 1:
            response.set_rcode(dns.rcode.FORMERR)
            return response
        question = query.question[0]
        qname, rdtype = question.name, question.rdtype
        if qname in self.timeout:
            return None
        if qname in self.servfail:
            response.set_rcode(dns.rcode.SERVFAIL)
            return response
        if question.rdclass != _IN or self._zone_for(qname) is None:
            response.set_rcode(dns.rcode.REFUSED)
            return response
        response.flags |= dns.flags.AA
        self._fill(response, qname, rdtype)
        return response

    def _fill(self, response: dns.message.Message, qname: dns.name.Name, rdtype: int) -> None:
        current = qname
        seen = {qname}
        for _ in range(_MAX_CNAME_CHAIN):
            zone = self._zone_for(current)
            if zone is None:
                return  # the chain leaves our zones; the resolver carries on elsewhere
            node = zone.nodes.get(current)
            if node is None:
                if not zone.exists(current):
                    response.set_rcode(dns.rcode.NXDOMAIN)
                self._negative(response, zone)
                return
            if rdtype == dns.rdatatype.ANY:
                response.answer.extend(node.values())
                return
            if rdtype in node:
                response.answer.append(node[rdtype])
                return
            cname = node.get(dns.rdatatype.CNAME)
            if cname is None:
                self._negative(response, zone)  # NODATA
                return
            response.answer.append(cname)
            target = next(iter(cname)).target
            if target in seen:
                return  # a loop: answer the chain as far as it goes, like BIND does
            seen.add(target)
            current = target

    @staticmethod
    def _negative(response: dns.message.Message, zone: _ZoneData) -> None:
        assert zone.negative_soa is not None
        response.authority.append(zone.negative_soa)


def _name(text: str) -> dns.name.Name:
    return dns.name.from_text(text.rstrip(".") + ".")


def _rrset(
    owner: dns.name.Name, rtype: str, value: str, ttl: int, origin: dns.name.Name
) -> dns.rrset.RRset:
    rdtype = dns.rdatatype.from_text(rtype)
    rdata: dns.rdata.Rdata
    if rdtype == dns.rdatatype.TXT:
        raw = value.encode()
        chunks = [raw[i : i + 255] for i in range(0, len(raw), 255)] or [b""]
        rdata = dns.rdtypes.ANY.TXT.TXT(_IN, rdtype, chunks)
    else:
        rdata = dns.rdata.from_text(_IN, rdtype, value, origin=origin, relativize=False)
    rrset = dns.rrset.RRset(owner, _IN, rdtype)
    rrset.add(rdata, ttl)
    return rrset


def _default_soa(zone: Zone) -> str:
    ns = next((r.value for r in zone.records if r.type == "NS" and r.name == zone.origin), "")
    mname = ns or f"ns1.{zone.origin}."
    if not mname.endswith("."):
        mname = f"{mname}.{zone.origin}." if "." not in mname else f"{mname}."
    return f"{mname} hostmaster.{zone.origin}. 2025010101 7200 3600 1209600 300"


class DnsServer:
    """Serves :class:`Zones` on ``address:port`` over UDP and TCP (the same port number)."""

    def __init__(
        self, zones: Zones, port: int = 0, address: str = "127.0.0.1", rtt_ms: float = 0.0
    ) -> None:
        """``rtt_ms`` is the emulated round trip waited before each answer (0: none)."""
        self.zones = zones
        self.address = address
        self._wanted_port = port
        self.port = 0
        self.rtt = rtt_ms / 1000
        """Seconds waited before each answer (and once after a TCP accept)."""
        self.log: deque[QueryLog] = deque(maxlen=10_000)
        self._udp: asyncio.DatagramTransport | None = None
        self._tcp: Listener | None = None
        self._delayed = TaskSet()
        """UDP answers waiting out the round trip; cancelled on close."""

    @property
    def errors(self) -> list[str]:
        return [*self._delayed.errors, *(self._tcp.tasks.errors if self._tcp else [])]

    async def start(self) -> None:
        udp_sock, tcp_sock = _bind_pair(self.address, self._wanted_port)
        self.port = udp_sock.getsockname()[1]
        loop = asyncio.get_running_loop()
        try:
            transport, _ = await loop.create_datagram_endpoint(
                lambda: _UdpProtocol(self), sock=udp_sock
            )
        except BaseException:
            udp_sock.close()
            tcp_sock.close()
            raise
        self._udp = transport
        self._tcp = Listener(tcp_sock, self._serve_tcp, "DNS over TCP")
        self._tcp.start()

    async def close(self) -> None:
        await self._delayed.close()
        if self._udp is not None:
            self._udp.close()
            self._udp = None
        if self._tcp is not None:
            await self._tcp.close()
            self._tcp = None

    def handle(self, wire: bytes, transport: str, limit: int) -> bytes | None:
        """Answer one query in wire format; ``None`` means send nothing."""
        try:
            query = dns.message.from_wire(wire)
        except dns.exception.DNSException:
            return None  # not DNS: a real server drops it too
        if query.flags & dns.flags.QR or not query.question:
            return None
        response = self.zones.answer(query)
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True)
        rdtype = dns.rdatatype.to_text(question.rdtype)
        if response is None:
            self.log.append(QueryLog(transport, name, rdtype, "DROPPED", False))
            return None
        if transport == "udp":
            size = max(512, query.payload) if query.edns >= 0 else 512
            wire_out = response.to_wire(max_size=size, prefer_truncation=True)
        else:
            wire_out = response.to_wire(max_size=65535)
        truncated = bool(int.from_bytes(wire_out[2:4], "big") & dns.flags.TC)
        rcode = dns.rcode.to_text(response.rcode())
        self.log.append(QueryLog(transport, name, rdtype, rcode, truncated))
        return wire_out

    def send_udp(
        self, transport: asyncio.DatagramTransport, answer: bytes, addr: tuple[str | bytes, int]
    ) -> None:
        """Send ``answer`` now, or after the emulated round trip when there is one."""
        if not self.rtt:
            transport.sendto(answer, addr)
            return
        # Each answer waits in its own task, so one query's round trip never delays another.
        self._delayed.spawn(self._send_later(transport, answer, addr), name="DNS answer")

    async def _send_later(
        self, transport: asyncio.DatagramTransport, answer: bytes, addr: tuple[str | bytes, int]
    ) -> None:
        await asyncio.sleep(self.rtt)
        if not transport.is_closing():
            transport.sendto(answer, addr)

    async def _serve_tcp(self, conn: socket.socket) -> None:
        assert self._tcp is not None
        if self.rtt:
            await asyncio.sleep(self.rtt)  # the TCP handshake's round trip
        reader, writer = await self._tcp.streams(conn)
        try:
            while True:
                length = int.from_bytes(await reader.readexactly(2), "big")
                wire = await reader.readexactly(length)
                answer = self.handle(wire, "tcp", 65535)
                if answer is None:
                    continue  # the client waits for an answer that never comes
                if self.rtt:
                    await asyncio.sleep(self.rtt)
                writer.write(len(answer).to_bytes(2, "big") + answer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.transport.abort()


class _UdpProtocol(asyncio.DatagramProtocol):
    def __init__(self, server: DnsServer) -> None:
        self._server = server
        self._transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # The selector loop's datagram transport does not subclass DatagramTransport.
        self._transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | bytes, int]) -> None:
        answer = self._server.handle(data, "udp", 512)
        if answer is not None and self._transport is not None:
            self._server.send_udp(self._transport, answer, addr)

    def error_received(self, exc: Exception) -> None:
        pass  # ICMP port unreachable from a client that went away: nothing to do


def _bind_pair(address: str, port: int) -> tuple[socket.socket, socket.socket]:
    """A UDP and a TCP socket bound to the same port; retried when port 0 picks a taken one."""
    attempts = 1 if port else 50
    last: OSError | None = None
    for _ in range(attempts):
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            udp.bind((address, port))
            chosen = udp.getsockname()[1]
            tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            try:
                tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                tcp.bind((address, chosen))
                tcp.listen(64)
            except OSError:
                tcp.close()
                raise
        except OSError as exc:
            udp.close()
            last = exc
            continue
        udp.setblocking(False)
        tcp.setblocking(False)
        return udp, tcp
    raise SandboxStartError(f"cannot bind DNS on {address}:{port} (UDP and TCP): {last}")

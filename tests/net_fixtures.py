"""Small loopback servers and a throwaway PKI for the network-layer tests.

These tests pin down the network layer's own behaviour with servers whose every byte the test
controls, so what is served is programmed here; how it is served is the sandbox's: the DNS
server's sockets, truncation and TCP framing (``sandbox/dns_server.py``) and the TCP listener
that accepts and closes every connection (``sandbox/listener.py``).

* :class:`Pki` — a root CA, an intermediate, and leaf certificates on demand (cryptography).
* :class:`DnsServer` — authoritative-style DNS over UDP and TCP on one loopback port; sets TC
  on UDP answers too big for the client's buffer; can SERVFAIL, REFUSE or stay silent.
* :class:`HttpServer` — a raw HTTP/1.1 server (plain or TLS) whose routes write whatever bytes
  they like: redirects, drips, floods, bombs, hostile headers. Records each request and the SNI.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import socket
import ssl
import warnings
import zlib
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from launch_tui.sandbox.dns_server import DnsServer as SandboxDnsServer
from launch_tui.sandbox.listener import Listener, listening_socket

UTC = dt.UTC

# -- PKI --------------------------------------------------------------------------------------


@dataclass
class Issued:
    """A certificate and its key, with PEM files written to disk."""

    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    cert_path: Path
    key_path: Path

    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


class Pki:
    """A throwaway CA hierarchy under ``directory``: ``root`` signs ``intermediate``."""

    def __init__(self, directory: Path, name: str = "Test Root CA") -> None:
        self.directory = directory
        self.now = dt.datetime.now(UTC).replace(microsecond=0)
        self.root = self._make("root", name, issuer=None, ca=True)
        self.intermediate = self._make(
            "intermediate", f"{name} Intermediate", issuer=self.root, ca=True
        )
        self.bundle_path = directory / "root.pem"
        self.bundle_path.write_bytes(self.root.pem())
        self._count = 0

    def leaf(
        self,
        names: Iterable[str],
        *,
        issuer: Issued | None = None,
        self_signed: bool = False,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        rsa_bits: int | None = None,
    ) -> Issued:
        """A server certificate for ``names`` (DNS names or IPs), by the intermediate by default."""
        self._count += 1
        names = list(names)
        return self._make(
            f"leaf{self._count}",
            names[0],
            issuer=None if self_signed else (issuer or self.intermediate),
            ca=False,
            sans=names,
            not_before=not_before,
            not_after=not_after,
            rsa_bits=rsa_bits,
        )

    def chain_file(self, leaf: Issued, *extra: Issued) -> Path:
        """A PEM file with ``leaf`` then ``extra`` (what the server presents)."""
        path = self.directory / f"{leaf.cert_path.stem}-chain{len(extra)}.pem"
        path.write_bytes(b"".join(c.pem() for c in (leaf, *extra)))
        return path

    def _make(
        self,
        stem: str,
        common_name: str,
        *,
        issuer: Issued | None,
        ca: bool,
        sans: list[str] | None = None,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        rsa_bits: int | None = None,
    ) -> Issued:
        key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
        if rsa_bits:
            key = rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
        else:
            key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        signer_key = key if issuer is None else issuer.key
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject if issuer is None else issuer.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before or self.now - dt.timedelta(days=1))
            .not_valid_after(not_after or self.now + dt.timedelta(days=90))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
        )
        if issuer is not None:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
                critical=False,
            )
        if ca:
            builder = builder.add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
        else:
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
            )
        if sans:
            entries: list[x509.GeneralName] = []
            for name in sans:
                try:
                    import ipaddress

                    entries.append(x509.IPAddress(ipaddress.ip_address(name)))
                except ValueError:
                    entries.append(x509.DNSName(name))
            builder = builder.add_extension(x509.SubjectAlternativeName(entries), critical=False)
        cert = builder.sign(signer_key, hashes.SHA256())
        cert_path = self.directory / f"{stem}.pem"
        key_path = self.directory / f"{stem}.key"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        return Issued(cert, key, cert_path, key_path)


def server_context(
    chain_path: Path,
    key_path: Path,
    *,
    version: ssl.TLSVersion | None = None,
) -> ssl.SSLContext:
    """A TLS server context presenting ``chain_path``; pinned to ``version`` when given."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain_path, key_path)
    if version is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            context.minimum_version = version
            context.maximum_version = version
        context.set_ciphers("ALL:@SECLEVEL=0")
    return context


# -- DNS --------------------------------------------------------------------------------------


@dataclass
class Zone:
    """What the DNS server knows. Names are lower case without the trailing dot."""

    records: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    cnames: dict[str, str] = field(default_factory=dict)
    servfail: set[str] = field(default_factory=set)
    refused: set[str] = field(default_factory=set)
    silent: set[str] = field(default_factory=set)
    silent_types: set[tuple[str, str]] = field(default_factory=set)
    """(name, rdtype) questions never answered."""
    chase: bool = False
    """Follow CNAMEs inside the zone in one response, as an authoritative server does."""
    ttl: int = 300

    def add(self, name: str, rdtype: str, *values: str) -> None:
        self.records.setdefault((name, rdtype), []).extend(values)

    def known(self, name: str) -> bool:
        return name in self.cnames or any(n == name for n, _ in self.records)


class _ZoneAnswers:
    """Answers from a :class:`Zone`, in the shape the sandbox's DNS server asks its zones for."""

    def __init__(self, zone: Zone) -> None:
        self.zone = zone

    def answer(self, query: dns.message.Message) -> dns.message.Message | None:
        """The response to ``query``; ``None`` to stay silent."""
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        rdtype = dns.rdatatype.to_text(question.rdtype)
        zone = self.zone
        if name in zone.silent or (name, rdtype) in zone.silent_types:
            return None
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if name in zone.servfail:
            response.set_rcode(dns.rcode.SERVFAIL)
            return response
        if name in zone.refused:
            response.set_rcode(dns.rcode.REFUSED)
            return response
        current = name
        for _ in range(30):
            target = zone.cnames.get(current)
            if target is None or rdtype == "CNAME":
                break
            response.answer.append(
                dns.rrset.from_text(current + ".", zone.ttl, "IN", "CNAME", target + ".")
            )
            if not zone.chase or not zone.known(target):
                return response
            current = target
        values = zone.records.get((current, rdtype))
        if values:
            response.answer.append(
                dns.rrset.from_text_list(current + ".", zone.ttl, "IN", rdtype, values)
            )
        elif not zone.known(current):
            response.set_rcode(dns.rcode.NXDOMAIN)
        return response


class DnsServer:
    """DNS on 127.0.0.1:<port> over UDP and TCP. ``async with DnsServer(zone) as server``.

    The sandbox's DNS server (UDP and TCP on one port, truncation to the client's buffer with TC
    set, TCP framing) answering from a :class:`Zone` the test programs.
    """

    def __init__(self, zone: Zone) -> None:
        self.zone = zone
        self._server = SandboxDnsServer(_ZoneAnswers(zone))  # type: ignore[arg-type]

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def log(self) -> list[tuple[str, str, str]]:
        """(transport, name, rdtype) per query received."""
        return [(q.transport, q.name.lower(), q.rdtype) for q in self._server.log]

    async def __aenter__(self) -> DnsServer:
        await self._server.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._server.close()


# -- HTTP -------------------------------------------------------------------------------------


@dataclass
class Request:
    """A request as the server saw it."""

    method: str
    path: str
    headers: list[tuple[str, str]]
    sni: str | None

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


Handler = Callable[[Request, asyncio.StreamWriter], Awaitable[None]]


class HttpServer:
    """A raw HTTP/1.1 server on 127.0.0.1; one request per connection.

    ``routes`` maps a path to a handler that writes the whole response itself.
    """

    def __init__(
        self,
        routes: dict[str, Handler] | None = None,
        *,
        ssl_context: ssl.SSLContext | None = None,
        host: str = "127.0.0.1",
        keep_alive: bool = False,
    ) -> None:
        self.routes: dict[str, Handler] = dict(routes or {})
        self.keep_alive = keep_alive
        self.connections = 0
        self.ssl_context = ssl_context
        self.host = host
        self.port = 0
        self.requests: list[Request] = []
        self.sni_names: list[str | None] = []
        self._listener: Listener | None = None
        if ssl_context is not None:
            ssl_context.sni_callback = self._on_sni

    def _on_sni(self, _obj: object, name: str | None, _ctx: ssl.SSLContext) -> None:
        self.sni_names.append(name)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def url(self, path: str = "/", *, host: str | None = None) -> str:
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://{host or self.host}:{self.port}{path}"

    async def __aenter__(self) -> HttpServer:
        sock = listening_socket(self.host, 0, "a test HTTP server")
        self.port = sock.getsockname()[1]
        self._listener = Listener(sock, self._connection, "test HTTP")
        self._listener.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._listener is not None
        await self._listener.close()

    async def _connection(self, conn: socket.socket) -> None:
        assert self._listener is not None
        try:
            reader, writer = await self._listener.streams(conn, self.ssl_context)
        except (ssl.SSLError, ConnectionError, OSError):
            return  # a failed handshake: the client sees it, the server has nothing to serve
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _version = lines[0].split(" ", 2)
                headers = [
                    (k.strip(), v.strip())
                    for k, _, v in (line.partition(":") for line in lines[1:] if line)
                ]
                tls = writer.get_extra_info("ssl_object")
                request = Request(method, path, headers, self.sni_names[-1] if tls else None)
                self.requests.append(request)
                handler = self.routes.get(path.split("?")[0], not_found)
                await handler(request, writer)
                await writer.drain()
                if not self.keep_alive:
                    break
        except (
            asyncio.IncompleteReadError,
            ConnectionError,
            asyncio.LimitOverrunError,
            ssl.SSLError,
        ):
            pass
        finally:
            writer.transport.abort()


StreamHandler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class RawServer:
    """A TCP server on 127.0.0.1 running ``handler`` per connection (the sandbox's listener, which
    closes every connection it accepted)."""

    def __init__(self, handler: StreamHandler) -> None:
        self.handler = handler
        self.port = 0
        self._listener: Listener | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def __aenter__(self) -> RawServer:
        sock = listening_socket("127.0.0.1", 0, "a test TCP server")
        self.port = sock.getsockname()[1]
        self._listener = Listener(sock, self._connection, "test TCP")
        self._listener.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._listener is not None
        await self._listener.close()

    async def _connection(self, conn: socket.socket) -> None:
        assert self._listener is not None
        reader, writer = await self._listener.streams(conn)
        try:
            await self.handler(reader, writer)
        except ConnectionError:
            pass
        finally:
            writer.transport.abort()


def response_bytes(
    status: int,
    headers: Iterable[tuple[str, str | bytes]] = (),
    body: bytes = b"",
    *,
    reason: str = "X",
    content_length: bool = True,
    close: bool = True,
) -> bytes:
    """A complete response; header values may be bytes to send them raw."""
    lines = [f"HTTP/1.1 {status} {reason}\r\n".encode()]
    for name, value in headers:
        raw = value if isinstance(value, bytes) else value.encode("latin-1")
        lines.append(name.encode() + b": " + raw + b"\r\n")
    if content_length:
        lines.append(f"Content-Length: {len(body)}\r\n".encode())
    lines.append(b"Connection: close\r\n\r\n" if close else b"\r\n")
    return b"".join(lines) + body


def respond(
    status: int = 200,
    headers: Iterable[tuple[str, str | bytes]] = (),
    body: bytes = b"ok",
    *,
    close: bool = True,
) -> Handler:
    fixed = response_bytes(status, list(headers), body, close=close)

    async def handler(_request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(fixed)

    return handler


def redirect(location: str, status: int = 302) -> Handler:
    return respond(status, [("Location", location)], b"")


def late_redirect(location: str, body: bytes, delay: float) -> Handler:
    """A 302 to ``location`` whose head comes at once and whose body ``delay`` seconds later."""
    head = f"HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: {len(body)}\r\n\r\n"

    async def handler(_request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(head.encode())
        await writer.drain()
        await asyncio.sleep(delay)
        writer.write(body)

    return handler


async def not_found(_request: Request, writer: asyncio.StreamWriter) -> None:
    writer.write(response_bytes(404, body=b"not found"))


def echo_host() -> Handler:
    async def handler(request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(response_bytes(200, body=(request.header("host") or "").encode()))

    return handler


def drip_body(interval: float, total: int = 10_000) -> Handler:
    """Headers at once, then one body byte every ``interval`` seconds."""

    async def handler(_request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(f"HTTP/1.1 200 OK\r\nContent-Length: {total}\r\n\r\n".encode())
        await writer.drain()
        for _ in range(total):
            await asyncio.sleep(interval)
            writer.write(b"x")
            await writer.drain()

    return handler


def drip_head(interval: float) -> Handler:
    """The status line, then one header byte every ``interval`` seconds, forever."""

    async def handler(_request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        await writer.drain()
        while True:
            await asyncio.sleep(interval)
            writer.write(b"a")
            await writer.drain()

    return handler


def endless_body(chunk_size: int = 64 * 1024) -> Handler:
    """A body with no length that never ends: the same chunk, as fast as the client reads."""
    chunk = b"\0" * chunk_size

    async def handler(_request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n")
        while True:
            writer.write(chunk)
            await writer.drain()

    return handler


def gzip_bomb(inflated_size: int) -> tuple[Handler, int]:
    """A gzip body of ``inflated_size`` zero bytes; returns the handler and the gzip size."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = b"\0" * (1024 * 1024)
    parts = [compressor.compress(zeros) for _ in range(inflated_size // len(zeros))]
    parts.append(compressor.flush())
    body = b"".join(parts)
    fixed = response_bytes(200, [("Content-Encoding", "gzip"), ("Content-Type", "text/html")], body)

    async def handler(_request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(fixed)

    return handler, len(body)


def many_headers(count: int) -> Handler:
    fixed = response_bytes(200, [(f"X-Header-{i}", "v" * 8) for i in range(count)], b"ok")

    async def handler(_request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(fixed)

    return handler


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@contextlib.contextmanager
def black_hole() -> Iterator[int]:
    """A loopback port whose accept queue is full, so new connects hang until they time out.

    Linux drops SYNs for a listening socket whose backlog is full; two unaccepted connections
    fill a ``listen(0)`` queue.
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    try:
        for _ in range(3):
            filler = socket.socket()
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(("127.0.0.1", port))
            fillers.append(filler)
        yield port
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


@contextlib.contextmanager
def mute_listener(backlog: int = 128) -> Iterator[int]:
    """A loopback port that lets clients connect but never says a word.

    The kernel completes up to ``backlog`` TCP handshakes for a listening socket nobody
    accepts on, so a client's connect succeeds and its first read waits forever: a TLS client
    hangs mid-handshake. Closing the listener resets the waiting connections.
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(backlog)
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()

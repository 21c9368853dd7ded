"""The socket end of the HTTP client: where names become addresses and bytes get watched.

httpx resolves nothing itself: the URL's host goes down to httpcore's network backend as
``connect_tcp(host, port)``. :class:`ResolvingBackend` wraps the default backend and maps the host
to an address there (override map first, then our resolver), so the URL keeps the real name and
with it SNI, certificate hostname verification and the Host header.

Each connection's stream is wrapped by :class:`ObservedStream`, which times TLS and the first
response byte and keeps a copy of the raw response head (status line and headers, exactly as
received, up to the header cap). The head copy lets a result show header bytes that h11 refuses
to parse (an ESC in a value), and lets the header cap be enforced before h11's own, larger limit.

Per-request state travels in a context variable holding a :class:`HopProbe`: httpcore does all
of a request's I/O in the task that sent it, so the probe set by ``fetch`` is the one seen here,
even on a kept-alive connection made by an earlier request.

Closing: every stream the backend opens is registered with it until closed. httpcore closes a
connection on every path it knows about but one: a TLS handshake that is *cancelled* (a deadline
landing mid-handshake) leaves the TCP stream open, and the pool keeps no reference to a
connection that never finished connecting, so nobody would ever close it. ObservedStream closes
it itself; and closing the backend (the client) closes whatever is still registered and refuses
new connections, so a fetch still running when its client closes cannot open one afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import ssl
import time
import typing
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import httpcore
import httpx

from launch_tui.net.failures import DnsFailure, Phase
from launch_tui.net.resolver import Resolver
from launch_tui.net.settings import NetConfig, join_host_port

Clock = Callable[[], float]

_HEAD_END = re.compile(rb"\r?\n\r?\n")
#: Stream facts that stay the same for a stream's life (``is_readable`` is not one of them).
_STABLE_INFO = frozenset({"socket", "ssl_object", "client_addr", "server_addr"})


class DnsLookupError(Exception):
    """Raised by the backend when the host does not resolve; carries the resolver's verdict."""

    def __init__(self, failure: DnsFailure) -> None:
        super().__init__(failure.message)
        self.failure = failure


class ClientClosedError(httpcore.ConnectError):
    """Raised by the backend when asked to connect after its client was closed."""


class HeadTooLargeError(Exception):
    """Raised by a stream when the response head grows past the header byte cap."""

    def __init__(self, size: int, cap: int) -> None:
        super().__init__(f"response head passed {cap} bytes without ending")
        self.size = size
        self.cap = cap


@dataclass
class HopProbe:
    """What one request hop did on the wire. Mutable; owned by one ``fetch`` hop."""

    clock: Clock
    head_cap: int
    phase: Phase = Phase.CONNECT
    dns_ms: float | None = None
    connect_ms: float | None = None
    tls_ms: float | None = None
    request_started: float | None = None
    first_byte: float | None = None
    connect_target: str = ""
    """The ``ip:port`` being (or last) connected to."""
    head: bytearray = field(default_factory=bytearray)
    head_complete: bool = False
    bytes_sent: int = 0
    """Request bytes the socket accepted on this hop."""
    bytes_received: int = 0
    """Response bytes read on this hop (head and body, as on the wire)."""

    def observe_read(self, data: bytes) -> None:
        """Note response bytes; raise :class:`HeadTooLargeError` when the head passes the cap."""
        self.bytes_received += len(data)
        if self.head_complete or not data:
            return
        if self.first_byte is None:
            self.first_byte = self.clock()
        self.phase = Phase.HEADERS
        old = len(self.head)
        self.head += data
        match = _HEAD_END.search(self.head, max(0, old - 3))
        end = match.end() if match is not None else len(self.head)
        if end > self.head_cap:
            del self.head[self.head_cap :]
            raise HeadTooLargeError(end, self.head_cap)
        if match is not None:
            del self.head[match.end() :]
            self.head_complete = True
            self.phase = Phase.BODY

    def observe_write(self) -> None:
        if self.request_started is None:
            self.request_started = self.clock()
        if not self.head_complete:
            self.phase = Phase.REQUEST

    def observe_written(self, size: int) -> None:
        self.bytes_sent += size

    def observe_waiting(self) -> None:
        """A read starts: HTTP/1.1 reads only once the whole request is written, so a request
        still "being sent" is now waiting for its answer."""
        if self.phase is Phase.REQUEST:
            self.phase = Phase.HEADERS


_PROBE: ContextVar[HopProbe | None] = ContextVar("launch_tui_http_probe", default=None)


@contextmanager
def probing(probe: HopProbe) -> Iterator[HopProbe]:
    """Make ``probe`` the one the backend and streams report to, for the enclosed I/O."""
    token = _PROBE.set(probe)
    try:
        yield probe
    finally:
        _PROBE.reset(token)


class ObservedStream(httpcore.AsyncNetworkStream):
    """A network stream that reports timing and the raw response head to the current probe.

    It stays in ``registry`` (its backend's open streams) until it is closed.
    """

    def __init__(
        self,
        inner: httpcore.AsyncNetworkStream,
        clock: Clock,
        registry: set[ObservedStream],
    ) -> None:
        self._inner = inner
        self._clock = clock
        self._registry = registry
        self._info: dict[str, typing.Any] = {}
        registry.add(self)

    # httpcore's stream and backend interfaces take per-operation timeouts; we pass them on.
    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        probe = _PROBE.get()
        if probe is not None:
            probe.observe_waiting()
        data = await self._inner.read(max_bytes, timeout)
        if probe is not None:
            probe.observe_read(data)
        return data

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        probe = _PROBE.get()
        if probe is not None:
            probe.observe_write()
        await self._inner.write(buffer, timeout)
        if probe is not None:
            probe.observe_written(len(buffer))

    async def aclose(self) -> None:
        await self._inner.aclose()
        # Only once closed: if a second cancellation interrupts the close, the stream stays
        # registered and the backend's own close finishes the job.
        self._registry.discard(self)

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> httpcore.AsyncNetworkStream:
        probe = _PROBE.get()
        started = self._clock()
        if probe is not None:
            probe.phase = Phase.TLS
        try:
            inner = await self._inner.start_tls(ssl_context, server_hostname, timeout)
        except BaseException:
            # httpcore closes the TCP stream when the handshake fails, but not when it is
            # cancelled, and then nothing holds the stream: close it here (see the module doc).
            await close_quietly(self)
            raise
        # The TLS stream owns the socket now; closing it closes the TCP stream beneath.
        self._registry.discard(self)
        if probe is not None:
            probe.tls_ms = (self._clock() - started) * 1000.0
        return ObservedStream(inner, self._clock, self._registry)

    def get_extra_info(self, info: str) -> typing.Any:
        # httpcore asks for the socket every time it checks an idle connection, and anyio
        # answers through a chain of typed-attribute lookups; these values never change for
        # the life of a stream (start_tls returns a new one), so they are looked up once.
        if info not in _STABLE_INFO:
            return self._inner.get_extra_info(info)
        if info not in self._info:
            self._info[info] = self._inner.get_extra_info(info)
        return self._info[info]


async def close_quietly(stream: httpcore.AsyncNetworkStream) -> None:
    """Close a stream nobody will use again; a failure to close politely changes nothing."""
    with contextlib.suppress(Exception):
        await stream.aclose()


class ResolvingBackend(httpcore.AsyncNetworkBackend):
    """Connects to the address our overrides or resolver give for a host; see the module doc."""

    def __init__(
        self,
        config: NetConfig,
        resolver: Resolver,
        *,
        clock: Clock = time.perf_counter,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._config = config
        self._resolver = resolver
        self._clock = clock
        self._inner = inner if inner is not None else httpcore.AnyIOBackend()
        self._open: set[ObservedStream] = set()
        self._closed = False

    @property
    def closed(self) -> bool:
        """True once closing has begun: no connection is opened after that."""
        return self._closed

    def refuse_connections(self) -> None:
        """Refuse new connections from now on (the first step of closing)."""
        self._closed = True

    async def aclose(self) -> None:
        """Close every stream still open and refuse new connections from now on."""
        self.refuse_connections()
        streams = list(self._open)
        if streams:
            # Shielded: this often runs while its caller is being cancelled, and a close
            # abandoned halfway is the leak this exists to prevent.
            await asyncio.shield(asyncio.gather(*(close_quietly(s) for s in streams)))

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self._refuse_if_closed()
        probe = _PROBE.get()
        targets = await self._targets(host, port, probe)
        last_error: Exception | None = None
        for ip, target_port in targets:
            started = self._clock()
            if probe is not None:
                probe.phase = Phase.CONNECT
                probe.connect_target = join_host_port(ip, target_port)
            try:
                stream = await self._inner.connect_tcp(
                    ip, target_port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
                continue
            observed = ObservedStream(stream, self._clock, self._open)
            if self._closed:  # closed while we were connecting
                await close_quietly(observed)
                self._refuse_if_closed()
            if probe is not None:
                probe.connect_ms = (self._clock() - started) * 1000.0
            return observed
        assert last_error is not None  # _targets never returns an empty list
        raise last_error

    def _refuse_if_closed(self) -> None:
        if self._closed:
            raise ClientClosedError("the HTTP client is closed")

    async def _targets(self, host: str, port: int, probe: HopProbe | None) -> list[tuple[str, int]]:
        override = self._config.override_for(host, port)
        if override is not None:
            return [override]
        if probe is not None:
            probe.phase = Phase.DNS
        started = self._clock()
        addresses = await self._resolver.resolve_address(host)
        if probe is not None:
            probe.dns_ms = (self._clock() - started) * 1000.0
        if isinstance(addresses, DnsFailure):
            raise DnsLookupError(addresses)
        return [(address, port) for address in addresses]

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not used by launch-tui")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


# httpcore's exceptions mapped to httpx's, most specific first, so callers of the httpx client
# see the exception types httpx documents.
_EXCEPTIONS: tuple[tuple[type[Exception], type[httpx.HTTPError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextmanager
def _httpx_exceptions() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        for source, target in _EXCEPTIONS:
            if isinstance(exc, source):
                raise target(str(exc)) from exc
        raise


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(self, inner: typing.AsyncIterable[bytes]) -> None:
        self._inner = inner

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _httpx_exceptions():
            async for part in self._inner:
                yield part

    async def aclose(self) -> None:
        close = getattr(self._inner, "aclose", None)
        if close is not None:
            await close()


class ResolvingTransport(httpx.AsyncBaseTransport):
    """An httpx transport over httpcore pools that connect through :class:`ResolvingBackend`.

    One pool per origin (scheme, host, port), each holding up to ``max_connections``: httpcore
    assigns a request by scanning every connection of its pool and probing each idle one's
    socket, so one shared pool of 64 connections made each request cost O(connections) socket
    probes, which was the largest CPU item of a full audit (bench/audit.py). Per origin, the
    scan only covers connections that could serve the request anyway.
    """

    def __init__(
        self,
        backend: ResolvingBackend,
        ssl_context: ssl.SSLContext,
        *,
        max_connections: int = 10,
        keepalive_expiry: float = 5.0,
    ) -> None:
        self._backend = backend
        self._ssl_context = ssl_context
        self._max_connections = max_connections
        self._keepalive_expiry = keepalive_expiry
        self._pools: dict[tuple[bytes, bytes, int | None], httpcore.AsyncConnectionPool] = {}

    def _pool(self, url: httpx.URL) -> httpcore.AsyncConnectionPool:
        key = (url.raw_scheme, url.raw_host.lower(), url.port)
        pool = self._pools.get(key)
        if pool is None:
            pool = httpcore.AsyncConnectionPool(
                ssl_context=self._ssl_context,
                max_connections=self._max_connections,
                max_keepalive_connections=self._max_connections,
                keepalive_expiry=self._keepalive_expiry,
                http1=True,
                http2=False,
                network_backend=self._backend,
            )
            self._pools[key] = pool
        return pool

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _httpx_exceptions():
            response = await self._pool(request.url).handle_async_request(core_request)
        assert isinstance(response.stream, typing.AsyncIterable)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response.stream),
            extensions=response.extensions,
        )

    @property
    def closed(self) -> bool:
        """True once :meth:`aclose` has been called (from its first moment)."""
        return self._backend.closed

    async def aclose(self) -> None:
        """Close the pool's connections, then any stream the pool lost track of."""
        # Closed from the first moment: fetches woken by their sockets closing must already
        # see why, and none may open a new connection meanwhile.
        self._backend.refuse_connections()
        try:
            for pool in list(self._pools.values()):
                await pool.aclose()
        finally:
            await self._backend.aclose()

"""The socket end of the HTTP client: where names become addresses, and connections are kept.

:class:`ConnectionPool` hands an exchange an :class:`~launch_tui.net.h1_connection.H1Connection`
for a URL's origin (scheme, host, port): a kept-alive idle one when there is one, else a new one,
else (at the per-origin limit) the next one released. A new connection goes to the address the
``--resolve`` overrides name (an exact ``host:port`` entry first), else to what our resolver
answers (never the system's), trying each address in turn; the URL keeps the real name, and with
it SNI, certificate hostname verification and the Host header. HTTPS is a TLS handshake on the
TCP connection with the client's SSL context, timed apart from connecting, by a TLS layer of our
own over ``ssl.MemoryBIO`` (``tls_transport.py``): asyncio's ``start_tls`` can neither resume a
session nor read without a standing 256 KiB buffer per connection.

The pool is per client, and a client has one SSL context and one set of overrides (a
``variant`` is another client with its own pool), so origin is the whole key: the address an
idle connection went to and its TLS settings are the ones any request of this client would
get. A kept-alive connection is not looked up again, as a browser's is not; idle ones are
closed after ``keepalive_expiry`` seconds, and beyond ``max_idle`` across every origin the
longest idle is closed first (each holds OpenSSL's state and a socket).

TLS sessions are resumed per origin: the pool keeps the last session a connection learnt for
an origin and the server name it sent, and offers it to that origin's next new connection
(``Timing.tls_resumed`` says whether the server took it; ``handshakes_full`` and
``handshakes_resumed`` count them). A resumed handshake carries no certificate: it was verified
on the full handshake that made the session, with this pool's context (so a verify-off
variant's sessions are never offered by a verifying client) and the same server name (so a
session of one host is never offered to another on the same address).

Closing: every connection registers itself with the pool from ``connection_made`` until
``connection_lost``; :meth:`ConnectionPool.aclose` refuses new connections and waiters from its
first moment, aborts every registered connection (an exchange waiting on one wakes with a
``Dropped`` that the exchange reports as "the client was closed") and lets the loop turn once,
which is when the sockets actually close. A connection whose fetch ends any other way than
cleanly (deadline, cancellation, cap, protocol error) is aborted by the exchange the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from launch_tui.net.failures import DnsFailure, Phase
from launch_tui.net.h1_connection import H1Connection
from launch_tui.net.hop_probe import (
    ClientClosedError,
    ConnectFailed,
    ConnectTimedOut,
    DnsLookupError,
    HopProbe,
)
from launch_tui.net.resolver import Resolver
from launch_tui.net.settings import NetConfig, join_host_port
from launch_tui.net.tls_transport import TlsLayer
from launch_tui.net.urls import Url

Clock = Callable[[], float]
Origin = tuple[str, str, int]
SessionKey = tuple[Origin, str]
"""An origin and the server name (SNI) its handshake sent."""


@dataclass(slots=True)
class _Slot:
    """One origin's connections: idle ones (most recent last), how many exist, who waits."""

    idle: list[H1Connection] = field(default_factory=list)
    count: int = 0
    waiters: deque[asyncio.Future[H1Connection | None]] = field(default_factory=deque)


#: Idle connections kept across every origin (each origin may still have ``max_connections``
#: in use). A run's next request to an origin mostly follows its last within a second; one
#: that finds its idle connection closed pays a handshake, not a failure.
MAX_IDLE = 32
#: TLS sessions kept for resumption, one per origin (the least recently learnt dropped first).
MAX_SESSIONS = 1024


class ConnectionPool:
    """Kept-alive HTTP/1.1 connections per origin, at most ``max_connections`` each, and at
    most ``max_idle`` idle ones in all."""

    def __init__(
        self,
        config: NetConfig,
        resolver: Resolver,
        ssl_context: ssl.SSLContext,
        *,
        clock: Clock,
        max_connections: int,
        keepalive_expiry: float = 5.0,
        max_idle: int = MAX_IDLE,
    ) -> None:
        self._config = config
        self._resolver = resolver
        self._ssl_context = ssl_context
        self._clock = clock
        self._max = max(1, max_connections)
        self._expiry = keepalive_expiry
        self._max_idle = max(0, max_idle)
        self._idle: dict[H1Connection, Origin] = {}
        """Every idle connection, longest idle first (the order they were released in)."""
        self._slots: dict[Origin, _Slot] = {}
        self._open: set[H1Connection] = set()
        self._owner: dict[H1Connection, Origin] = {}
        self._sessions: dict[SessionKey, ssl.SSLSession] = {}
        """The TLS session to resume per origin and server name, oldest learnt first."""
        self.handshakes_full = 0
        """TLS handshakes done in full (certificate verified) by this pool's connections."""
        self.handshakes_resumed = 0
        """TLS handshakes that resumed a session of an earlier connection."""
        self._closed = False

    @property
    def closed(self) -> bool:
        """True from the first moment of :meth:`aclose`."""
        return self._closed

    # -- lending --------------------------------------------------------------------------------

    async def acquire(
        self, url: Url, probe: HopProbe, connect_timeout: float, *, fresh: bool = False
    ) -> H1Connection:
        """A connection for ``url``'s origin; ``fresh`` skips idle ones (a resend)."""
        if self._closed:
            raise ClientClosedError("the HTTP client is closed")
        origin = url.origin
        slot = self._slots.get(origin)
        if slot is None:
            slot = self._slots[origin] = _Slot()
        self._trim()
        if not fresh and slot.idle:
            now = self._clock()
            while slot.idle:
                conn = slot.idle.pop()
                self._idle.pop(conn, None)
                if conn.reusable and now - conn.idle_since < self._expiry:
                    return conn
                self._drop(conn)
        if slot.count >= self._max:
            handed = await self._wait_turn(slot)
            if handed is not None:
                return handed
        else:
            slot.count += 1
        try:
            conn = await self._connect(url, probe, connect_timeout)
        except BaseException:
            self._free(slot)
            raise
        self._owner[conn] = origin
        return conn

    async def _wait_turn(self, slot: _Slot) -> H1Connection | None:
        """Wait for a connection of this origin: one handed over, or ``None`` (the right to
        open one, the count already held for us)."""
        waiter: asyncio.Future[H1Connection | None] = asyncio.get_running_loop().create_future()
        slot.waiters.append(waiter)
        try:
            handed = await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                given = waiter.result()  # handed over just as we gave up: pass it on
                if given is not None:
                    self.release(given)
                else:
                    self._free(slot)
            else:
                with contextlib.suppress(ValueError):
                    slot.waiters.remove(waiter)
            raise
        if self._closed:
            if handed is not None:
                self._drop(handed)
            raise ClientClosedError("the HTTP client is closed")
        return handed

    def release(self, conn: H1Connection) -> None:
        """Take back a connection whose exchange is over; kept if it can serve another."""
        origin = self._owner.get(conn)
        if origin is None:
            conn.abort()
            return
        slot = self._slots[origin]
        if self._closed or not conn.reusable:
            self._drop(conn)
            return
        while slot.waiters:
            waiter = slot.waiters.popleft()
            if not waiter.done():
                waiter.set_result(conn)
                return
        conn.idle_since = self._clock()
        slot.idle.append(conn)
        self._idle[conn] = origin
        self._trim()

    def idle_count(self) -> int:
        """How many connections are idle, kept for a next request."""
        return len(self._idle)

    def _trim(self) -> None:
        """Close idle connections past their expiry, or past ``max_idle``: longest idle first."""
        now = self._clock()
        while self._idle:
            conn, origin = next(iter(self._idle.items()))
            over = len(self._idle) > self._max_idle
            if not over and conn.reusable and now - conn.idle_since < self._expiry:
                return
            del self._idle[conn]
            with contextlib.suppress(ValueError):
                self._slots[origin].idle.remove(conn)
            self._drop(conn)

    def discard(self, conn: H1Connection) -> None:
        """Close a connection that must not be used again (its answer was not read whole)."""
        conn.abort()
        if conn in self._owner:
            self._drop(conn)

    def _drop(self, conn: H1Connection) -> None:
        conn.abort()
        self._idle.pop(conn, None)
        origin = self._owner.pop(conn, None)
        if origin is not None:
            self._free(self._slots[origin])

    def _free(self, slot: _Slot) -> None:
        """One connection fewer: the first waiter may open one in its place."""
        while slot.waiters:
            waiter = slot.waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        slot.count -= 1

    # -- connecting -----------------------------------------------------------------------------

    async def _connect(self, url: Url, probe: HopProbe, connect_timeout: float) -> H1Connection:
        targets = await self._targets(url, probe)
        loop = asyncio.get_running_loop()
        last_error: Exception | None = None
        for ip, port in targets:
            self._refuse_if_closed()  # closed while we were looking the name up
            probe.phase = Phase.CONNECT
            probe.connect_target = join_host_port(ip, port)
            started = self._clock()
            try:
                async with asyncio.timeout(connect_timeout):
                    _, conn = await loop.create_connection(
                        lambda: H1Connection(self._clock, self._open), ip, port
                    )
            except TimeoutError:
                last_error = ConnectTimedOut(f"no connection within {connect_timeout} s")
                continue
            except OSError as exc:
                last_error = ConnectFailed(str(exc))
                last_error.__cause__ = exc
                continue
            conn.remote = probe.connect_target
            probe.connect_ms = (self._clock() - started) * 1000.0
            if self.closed:  # closed while we were connecting
                conn.abort()
                self._refuse_if_closed()
            if url.scheme == "https":
                await self._handshake(conn, url, probe, connect_timeout)
            return conn
        assert last_error is not None  # _targets never returns an empty list
        raise last_error

    def _refuse_if_closed(self) -> None:
        if self._closed:
            raise ClientClosedError("the HTTP client is closed")

    async def _handshake(
        self, conn: H1Connection, url: Url, probe: HopProbe, connect_timeout: float
    ) -> None:
        plain = conn.transport
        assert plain is not None
        probe.phase = Phase.TLS
        started = self._clock()
        key: SessionKey = (url.origin, url.host)
        layer = TlsLayer(
            plain,
            conn,
            self._ssl_context,
            url.host,
            session=self._sessions.get(key),
            on_session=lambda session: self._keep_session(key, session),
        )
        plain.set_protocol(layer)
        try:
            async with asyncio.timeout(connect_timeout):
                done = await layer.handshake()
        except TimeoutError:
            conn.abort()
            raise ConnectTimedOut(f"no TLS session within {connect_timeout} s") from None
        except ssl.SSLError:
            conn.abort()
            raise
        except OSError as exc:
            conn.abort()
            raise ConnectFailed(str(exc) or type(exc).__name__) from exc
        except BaseException:
            conn.abort()
            raise
        if not done or plain.is_closing() or self._closed:
            # The connection closed without an error during the handshake (an abort): a
            # failed handshake all the same.
            conn.abort()
            if self._closed:
                raise ClientClosedError("the HTTP client is closed")
            raise ConnectFailed("connection closed during the TLS handshake")
        conn.transport = layer.transport
        probe.tls_ms = (self._clock() - started) * 1000.0
        probe.tls_resumed = layer.resumed
        if layer.resumed:
            self.handshakes_resumed += 1
        else:
            self.handshakes_full += 1

    def _keep_session(self, key: SessionKey, session: ssl.SSLSession) -> None:
        """The session a next connection to ``key`` offers to resume (the latest one learnt)."""
        if not self._closed:
            self._sessions.pop(key, None)
            self._sessions[key] = session
            while len(self._sessions) > MAX_SESSIONS:
                del self._sessions[next(iter(self._sessions))]

    async def _targets(self, url: Url, probe: HopProbe) -> list[tuple[str, int]]:
        override = self._config.override_for(url.host, url.port)
        if override is not None:
            return [override]
        if url.is_ip:
            return [(url.host, url.port)]
        probe.phase = Phase.DNS
        started = self._clock()
        addresses = await self._resolver.resolve_address(url.host)
        probe.dns_ms = (self._clock() - started) * 1000.0
        if isinstance(addresses, DnsFailure):
            raise DnsLookupError(addresses)
        return [(address, url.port) for address in addresses]

    # -- closing --------------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close every connection and refuse new ones; safe to call twice and when cancelled."""
        self.close_now()
        # Aborting schedules each socket's close for the loop's next turn: take that turn, so
        # that when aclose returns the sockets are closed (if this task is cancelled instead,
        # they close on that turn all the same).
        await asyncio.sleep(0)

    def close_now(self) -> None:
        """Refuse new connections and waiters and abort every connection, without waiting: the
        sockets close on the loop's next turn."""
        self._closed = True
        for slot in self._slots.values():
            while slot.waiters:
                waiter = slot.waiters.popleft()
                if not waiter.done():
                    waiter.set_result(None)
            slot.idle.clear()
        self._idle.clear()
        self._sessions.clear()
        for conn in list(self._open):
            conn.abort()
        self._owner.clear()

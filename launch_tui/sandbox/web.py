"""A sandbox web host: one loopback address and port serving both plain HTTP and TLS.

The two are told apart by the first byte a client sends (a TLS ClientHello starts with 0x16),
peeked without consuming it, so a host needs a single ``HOST=IP:PORT`` override whether a
check asks for ``http://`` or ``https://``, just as a real host answers on 80 and 443.

With ``rtt_ms`` set, the host waits one round trip where a real network costs one: after
accepting (the TCP handshake; on loopback the kernel has already completed it, so the client
sees the wait before its first answer rather than in ``connect``), before the TLS handshake
(its server flight goes out one RTT late, as with TLS 1.3), and before every response (the
request/response round trip). A fresh https request so costs 3 RTT, plain http 2, and a
request on a kept-alive connection 1.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl

from launch_tui.sandbox.http11 import (
    BadRequest,
    Response,
    read_request,
    write_response,
)
from launch_tui.sandbox.listener import Listener, listening_socket
from launch_tui.sandbox.responder import Responder
from launch_tui.sandbox.tls_hello import PROTOCOL_VERSION_ALERT, offered_versions, server_versions

_TLS_HANDSHAKE = 0x16
_NO_TLS = b"This host does not speak TLS (https).\n"
_PLAIN_HTTP_REFUSAL = (
    b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n"
    b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(_NO_TLS), _NO_TLS)
)
FIRST_BYTE_TIMEOUT = 30.0
IDLE_TIMEOUT = 30.0
HANDSHAKE_TIMEOUT = 10.0


class HostServer:
    """Accepts connections for one host and hands requests to its :class:`Responder`."""

    def __init__(
        self,
        responder: Responder,
        tls: ssl.SSLContext | None,
        address: str,
        port: int = 0,
        rtt_ms: float = 0.0,
    ) -> None:
        """``rtt_ms`` is the emulated network round trip (0: loopback speed)."""
        self.responder = responder
        self.tls = tls
        self.rtt = rtt_ms / 1000
        """Seconds waited per emulated round trip."""
        self._versions = server_versions(tls) if tls is not None else frozenset()
        self.address = address
        self._wanted_port = port
        self.port = 0
        self._listener: Listener | None = None

    @property
    def errors(self) -> list[str]:
        return self._listener.tasks.errors if self._listener else []

    async def start(self) -> None:
        sock = listening_socket(self.address, self._wanted_port, self.responder.host.name)
        self.port = sock.getsockname()[1]
        self._listener = Listener(sock, self._connection, self.responder.host.name)
        self._listener.start()

    async def close(self) -> None:
        if self._listener is not None:
            await self._listener.close()

    async def _connection(self, conn: socket.socket) -> None:
        assert self._listener is not None
        loop = asyncio.get_running_loop()
        writer: asyncio.StreamWriter | None = None
        try:
            await self._round_trip()  # the TCP handshake
            first = await _peek(loop, conn, FIRST_BYTE_TIMEOUT)
            if not first:
                return
            use_tls = first[0] == _TLS_HANDSHAKE
            if use_tls:
                await self._round_trip()  # ClientHello to the server's first flight
            if use_tls and self.tls is None:
                # What a plain-HTTP server does with a ClientHello: the client's TLS layer
                # reports "wrong version number", the signature of http on an https URL.
                await _refuse(loop, conn, _PLAIN_HTTP_REFUSAL)
                return
            if use_tls and not self._versions_match(conn):
                await _refuse(loop, conn, PROTOCOL_VERSION_ALERT)
                return
            reader, writer = await self._listener.streams(
                conn, self.tls if use_tls else None, HANDSHAKE_TIMEOUT if use_tls else None
            )
            await self._serve(reader, writer, "https" if use_tls else "http")
            writer.close()
            with contextlib.suppress(OSError, TimeoutError):
                async with asyncio.timeout(1.0):
                    await writer.wait_closed()
        except (OSError, EOFError, BadRequest):
            pass  # the client went away, failed the handshake, or spoke nonsense
        finally:
            # Abort is immediate (no TLS close_notify round trip); the socket closes on the
            # loop's next turn. Before streams exist, the listener closes the bare socket.
            if writer is not None:
                writer.transport.abort()

    async def _round_trip(self) -> None:
        """Wait one emulated round trip; nothing at all (not even a yield) when there is none."""
        if self.rtt:
            await asyncio.sleep(self.rtt)

    def _versions_match(self, conn: socket.socket) -> bool:
        """False when the ClientHello offers no version this host accepts."""
        try:
            hello = conn.recv(16 * 1024, socket.MSG_PEEK)
        except BlockingIOError:
            return True
        offered = offered_versions(hello)
        return offered is None or bool(offered & self._versions)

    async def _serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, scheme: str
    ) -> None:
        carried = 0  # requests answered on this connection
        while True:
            try:
                async with asyncio.timeout(IDLE_TIMEOUT):
                    request = await read_request(reader, writer)
            except BadRequest as exc:
                bad = Response(exc.status, [("Content-Type", "text/plain")], close=True)
                bad.body = f"{exc}\n".encode()
                await self._round_trip()
                await write_response(writer, bad, head_only=False)
                return
            except TimeoutError:
                return
            if request is None:
                return
            response = await self.responder.respond(request, scheme)
            if response is None:
                return
            await self._round_trip()  # the request/response round trip
            if response.raw is not None:
                await response.raw(reader, writer)
                return
            if not request.keep_alive:
                response.close = True
            await write_response(writer, response, head_only=request.method == "HEAD")
            carried += 1
            if response.close:
                return
            if response.drop_after and carried >= response.drop_after:
                if response.drop_on_next:
                    with contextlib.suppress(BadRequest, TimeoutError):
                        async with asyncio.timeout(IDLE_TIMEOUT):
                            await read_request(reader)
                return


async def _refuse(loop: asyncio.AbstractEventLoop, conn: socket.socket, answer: bytes) -> None:
    """Send ``answer`` and end the connection with a FIN the client can read up to."""
    # Unread input at close makes the kernel send RST, and a client may then see a reset
    # instead of the answer: take what the client sent first.
    with contextlib.suppress(BlockingIOError):
        while conn.recv(65536):
            pass
    await loop.sock_sendall(conn, answer)
    with contextlib.suppress(OSError):
        conn.shutdown(socket.SHUT_WR)


async def _peek(loop: asyncio.AbstractEventLoop, sock: socket.socket, patience: float) -> bytes:
    """The first byte waiting on ``sock``, left in place for whoever reads next."""
    ready: asyncio.Future[None] = loop.create_future()

    def on_readable() -> None:
        if not ready.done():
            ready.set_result(None)

    fd = sock.fileno()
    loop.add_reader(fd, on_readable)
    try:
        async with asyncio.timeout(patience):
            await ready
    except TimeoutError:
        return b""
    finally:
        loop.remove_reader(fd)
    return sock.recv(1, socket.MSG_PEEK)

"""Accepting TCP connections without leaking any, for every sandbox server.

Not ``asyncio.start_server``: on Python 3.11 its ``wait_closed`` returns while connections are
still being served, and ``loop.sock_accept`` can accept into an already-cancelled future and
lose the socket. Here a reader callback accepts, each connection runs in a tracked task, and a
socket no transport owns yet is closed by :meth:`Listener.close` if its task never ran.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Callable, Coroutine
from typing import Any

from launch_tui.sandbox.tasks import TaskSet
from launch_tui.sandbox.world import SandboxStartError

Handler = Callable[[socket.socket], Coroutine[Any, Any, None]]


def listening_socket(address: str, port: int, what: str) -> socket.socket:
    """A bound, listening, non-blocking TCP socket; a clear error when the port is taken."""
    # proto=IPPROTO_TCP matters: asyncio only disables Nagle on sockets that say TCP, and
    # Nagle plus delayed ACKs would add 40 ms to every keep-alive response.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address, port))
        sock.listen(128)
        sock.setblocking(False)
    except OSError as exc:
        sock.close()
        raise SandboxStartError(
            f"cannot listen for {what} on {address}:{port}: {exc.strerror or exc}"
        ) from None
    return sock


class Listener:
    """Runs ``handler(conn)`` in a tracked task for every connection accepted on ``sock``."""

    def __init__(self, sock: socket.socket, handler: Handler, name: str) -> None:
        self.sock = sock
        self.tasks = TaskSet()
        self._handler = handler
        self._name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unowned: set[socket.socket] = set()
        self._open = False

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._open = True
        self._loop.add_reader(self.sock.fileno(), self._accept_ready)

    async def close(self) -> None:
        if self._open:
            assert self._loop is not None
            self._open = False
            self._loop.remove_reader(self.sock.fileno())
        self.sock.close()  # connections still in the backlog are reset by the kernel
        await self.tasks.close()
        for conn in self._unowned:  # tasks cancelled before they ever ran
            conn.close()
        self._unowned.clear()

    def owned(self, conn: socket.socket) -> None:
        """A transport has taken ``conn`` over and will close it."""
        self._unowned.discard(conn)

    def _accept_ready(self) -> None:
        assert self._loop is not None
        for _ in range(128):
            try:
                conn, _ = self.sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # EMFILE under load: note it, pause, keep serving
                self.tasks.errors.append(f"accept for {self._name}: {exc}")
                self._loop.remove_reader(self.sock.fileno())
                self._loop.call_later(0.1, self._resume)
                return
            conn.setblocking(False)
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._unowned.add(conn)
            self.tasks.spawn(self._run(conn), name=f"{self._name} connection")

    def _resume(self) -> None:
        if self._open and self._loop is not None:
            self._loop.add_reader(self.sock.fileno(), self._accept_ready)

    async def _run(self, conn: socket.socket) -> None:
        try:
            await self._handler(conn)
        finally:
            if conn in self._unowned:
                conn.close()
                self._unowned.discard(conn)

    async def streams(
        self,
        conn: socket.socket,
        context: ssl.SSLContext | None = None,
        handshake_timeout: float | None = None,
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """Wrap an accepted socket in streams (TLS when ``context`` is given)."""
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=64 * 1024)
        protocol = asyncio.StreamReaderProtocol(reader)
        transport, _ = await loop.connect_accepted_socket(
            lambda: protocol, conn, ssl=context, ssl_handshake_timeout=handshake_timeout
        )
        self.owned(conn)
        return reader, asyncio.StreamWriter(transport, protocol, reader, loop)

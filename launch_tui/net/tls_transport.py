"""TLS of our own between a TCP transport and an HTTP/1.1 connection, over ``ssl.MemoryBIO``.

asyncio's TLS (``loop.start_tls``) cannot resume a session (it takes no ``ssl.SSLSession``) and
gives each connection a standing 256 KiB read buffer. :class:`TlsLayer` drives an
``ssl.SSLObject`` over two memory BIOs instead: it becomes the TCP transport's protocol, feeds
what arrives to the ``SSLObject``, hands the decrypted bytes to the application protocol (an
:class:`~launch_tui.net.h1_connection.H1Connection`) in chunks of at most ``READ_CHUNK`` bytes,
and gives that protocol a :class:`TlsTransport` whose ``write`` encrypts onto the socket.

The handshake is :meth:`TlsLayer.handshake`; it raises what ``SSLObject.do_handshake`` raises
(``ssl.SSLCertVerificationError``, an ``ssl.SSLError`` for an alert), an ``OSError`` when the
connection is lost with one, and returns ``False`` when the connection closed without one:
the same outcomes the pool mapped from ``loop.start_tls`` before. ``session`` offers a session
of an earlier connection for resumption; ``on_session`` is given the resumable session a
connection with a full handshake learns: after the handshake for TLS 1.2, and for TLS 1.3 once
the server's ticket has been read (it arrives after the handshake, before the first answer's
bytes). A resumed connection gives none: the session it resumed is offered again (a server
whose TLS 1.3 tickets are single-use then does a full handshake every other connection).
A resumed handshake skips the certificate's verification, which the session's full handshake
did with the same context and server name: the pool offers a session only to its own origin
and name.

After the handshake a peer's ``close_notify`` and a TCP end of stream without one are both an
end of stream to the application (``eof_received``), and the socket is closed; a TLS error
while reading aborts the connection, and the application's ``connection_lost`` gets it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Callable
from typing import Any

#: The most plaintext handed to the application at once (and so the largest read buffer).
READ_CHUNK = 64 * 1024
#: The most ciphertext written to the incoming BIO at once. A memory BIO keeps the largest
#: size it ever held until it is freed, and a socket read can bring 256 KiB: fed whole, every
#: connection that once read a large body would keep about 200 KiB (measured).
FEED_CHUNK = 16 * 1024

SessionSink = Callable[[ssl.SSLSession], None]

_TLS_INFO = frozenset({"ssl_object", "peercert", "cipher", "compression", "sslcontext"})
"""What ``get_extra_info`` answers from the TLS state, as asyncio's TLS transport does."""

_CLOSED = asyncio.Protocol()
"""The application protocol of a layer whose connection is lost (the real one let go)."""


class TlsLayer(asyncio.Protocol):
    """The TCP transport's protocol while TLS runs on it; see the module doc."""

    def __init__(
        self,
        plain: asyncio.Transport,
        app: asyncio.Protocol,
        context: ssl.SSLContext,
        server_hostname: str,
        *,
        session: ssl.SSLSession | None = None,
        on_session: SessionSink | None = None,
    ) -> None:
        self._plain = plain
        self._app = app
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        self._ssl: ssl.SSLObject | None = context.wrap_bio(
            self._incoming, self._outgoing, server_hostname=server_hostname, session=session
        )
        """``None`` once the connection is lost: OpenSSL's state is let go at once, not when
        a garbage collection finds the connection's cycles."""
        self._on_session = on_session
        self._want_ticket = on_session is not None
        self._handshaking = True
        self._failed = False
        """The handshake failed (the pool aborts the connection)."""
        self._waiter: asyncio.Future[bool] | None = None
        self._eof = False
        """The application has been told of the end of stream."""
        self._lost = False
        self._error: BaseException | None = None
        """A TLS error that ended the connection after the handshake."""
        self.transport = TlsTransport(self)
        self.resumed = False
        """The handshake resumed an earlier session."""

    @property
    def ssl_object(self) -> ssl.SSLObject | None:
        """The TLS state; ``None`` once the connection is lost."""
        return self._ssl

    # -- handshake ------------------------------------------------------------------------------

    async def handshake(self) -> bool:
        """Run the handshake; ``True`` when done, ``False`` when the connection closed first."""
        self._waiter = asyncio.get_running_loop().create_future()
        self._step_handshake()
        return await self._waiter

    def _step_handshake(self) -> bool:
        """Take the handshake as far as the bytes so far allow; ``True`` once it is done."""
        waiter = self._waiter
        sslobj = self._ssl
        if sslobj is None:
            return False
        try:
            sslobj.do_handshake()
        except ssl.SSLWantReadError:
            self._flush()
            return False
        except ssl.SSLError as exc:
            self._handshaking = False
            self._failed = True
            self._flush()  # the alert, if OpenSSL wrote one
            if waiter is not None and not waiter.done():
                waiter.set_exception(exc)
            return False
        self._handshaking = False
        self._flush()
        self.resumed = sslobj.session_reused
        if self.resumed:
            # The session offered is still good: keep it rather than read this connection's
            # (each read of ``SSLObject.session`` copies the session, about 0.25 ms in TLS 1.3).
            self._want_ticket = False
        if self._want_ticket and sslobj.version() != "TLSv1.3":
            self._save_session(sslobj.session)  # TLS 1.2: known once the handshake is
        if waiter is not None and not waiter.done():
            waiter.set_result(True)
        return True

    def _save_session(self, session: ssl.SSLSession | None) -> None:
        self._want_ticket = False
        if session is not None and self._on_session is not None:
            self._on_session(session)

    # -- asyncio.Protocol (the TCP side) ------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Not called: the layer is set on a transport already connected."""

    def data_received(self, data: bytes) -> None:
        if len(data) <= FEED_CHUNK:
            self._feed(data)
            return
        view = memoryview(data)
        for start in range(0, len(data), FEED_CHUNK):
            if self._lost or self._failed or self._plain.is_closing():
                return
            self._feed(view[start : start + FEED_CHUNK])

    def _feed(self, data: bytes | memoryview) -> None:
        self._incoming.write(data)
        if self._handshaking and not self._step_handshake():
            return
        self._read()

    def _read(self) -> None:
        sslobj = self._ssl
        if self._eof or self._failed or sslobj is None:
            return
        got_data = False
        while True:
            try:
                chunk = sslobj.read(READ_CHUNK)
            except ssl.SSLWantReadError:
                break
            except ssl.SSLZeroReturnError:
                chunk = b""
            except ssl.SSLError as exc:
                self._error = exc
                self._plain.abort()
                return
            if not chunk:  # the peer's close_notify (the ssl module mostly reads it as b"")
                self._end_of_stream()
                self._close()  # our close_notify in answer, and the socket closed
                return
            got_data = True
            self._app.data_received(chunk)
            if self._lost or self._plain.is_closing():
                return  # the application closed the connection on what it read
        self._flush()  # a key update's answer, if any
        if self._want_ticket and got_data:
            # Looked at once, with the first bytes of the answer: the server's tickets come
            # before them. (Each read of ``SSLObject.session`` copies the session, about
            # 0.25 ms: looking after every read until a ticket came cost more than the
            # resumptions saved.)
            session = sslobj.session
            self._save_session(session if session is not None and session.has_ticket else None)

    def eof_received(self) -> bool:
        if self._failed:
            return False
        if self._handshaking:
            waiter = self._waiter
            if waiter is not None and not waiter.done():
                waiter.set_exception(
                    ConnectionResetError(
                        "the server closed the connection during the TLS handshake"
                    )
                )
            self._handshaking = False
            self._failed = True
            return False
        self._end_of_stream()
        return False  # close our side too (no half-closed TLS)

    def _end_of_stream(self) -> None:
        if not self._eof:
            self._eof = True
            self._app.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._lost:
            return
        self._lost = True
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            if exc is None:
                waiter.set_result(False)
            else:
                waiter.set_exception(exc)
        error = exc if exc is not None else self._error
        app = self._app
        # Break the cycle application -> transport -> layer -> application, so that the
        # SSLObject (and OpenSSL's buffers) go when the application does, not at the next
        # garbage collection.
        self._app = _CLOSED
        self._on_session = None
        self._ssl = None
        app.connection_lost(error if isinstance(error, Exception) else None)

    def pause_writing(self) -> None:
        self._app.pause_writing()

    def resume_writing(self) -> None:
        self._app.resume_writing()

    # -- for TlsTransport -----------------------------------------------------------------------

    def _flush(self) -> None:
        if self._outgoing.pending and not self._plain.is_closing():
            self._plain.write(self._outgoing.read())

    def _write(self, data: bytes | bytearray | memoryview) -> None:
        if self._handshaking:
            raise RuntimeError("write before the TLS handshake is done")
        sslobj = self._ssl
        if sslobj is None or self._plain.is_closing():
            return
        view = memoryview(data)
        while view:
            written = sslobj.write(view)
            view = view[written:]
        self._flush()

    def _close(self) -> None:
        if self._plain.is_closing():
            return
        sslobj = self._ssl
        if not self._handshaking and sslobj is not None:
            with contextlib.suppress(ssl.SSLError, ValueError):
                sslobj.unwrap()  # our close_notify; the peer's is not waited for
            self._flush()
        self._plain.close()


class TlsTransport(asyncio.Transport):
    """What the application writes to and reads TLS details from; see the module doc."""

    def __init__(self, layer: TlsLayer) -> None:
        super().__init__()
        self._layer = layer

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        if name not in _TLS_INFO:
            return self._layer._plain.get_extra_info(name, default)
        sslobj = self._layer.ssl_object
        if sslobj is None:
            return default  # the connection is lost
        if name == "ssl_object":
            return sslobj
        if name == "peercert":
            return sslobj.getpeercert()
        if name == "cipher":
            return sslobj.cipher()
        if name == "compression":
            return sslobj.compression()
        return sslobj.context

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self._layer._write(data)

    def writelines(self, list_of_data: Any) -> None:
        self.write(b"".join(list_of_data))

    def can_write_eof(self) -> bool:
        return False

    def write_eof(self) -> None:
        raise NotImplementedError("TLS has no half-close here")

    def get_write_buffer_size(self) -> int:
        return self._layer._plain.get_write_buffer_size()

    def get_write_buffer_limits(self) -> tuple[int, int]:
        limits: tuple[int, int] = self._layer._plain.get_write_buffer_limits()
        return limits

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self._layer._plain.set_write_buffer_limits(high, low)

    def is_reading(self) -> bool:
        return self._layer._plain.is_reading()

    def pause_reading(self) -> None:
        self._layer._plain.pause_reading()

    def resume_reading(self) -> None:
        self._layer._plain.resume_reading()

    def is_closing(self) -> bool:
        return self._layer._plain.is_closing()

    def close(self) -> None:
        self._layer._close()

    def abort(self) -> None:
        self._layer._plain.abort()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        assert isinstance(protocol, asyncio.Protocol)
        self._layer._app = protocol

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._layer._app

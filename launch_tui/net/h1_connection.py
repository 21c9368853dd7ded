"""One kept-alive HTTP/1.1 client connection, its answers parsed as the bytes arrive.

:class:`H1Connection` is an ``asyncio.Protocol``: ``data_received`` parses the status line and
headers, then the body (Content-Length, chunked or to the end of the connection), writing the
body's bytes as they come into the exchange's buffer, capped. Nothing waits on a stream and no
task is woken per chunk: the exchange sleeps on one future until the head is there, and once
more until the body is whole. What a hop needs for its record (first byte, bytes sent and
received, the raw head up to its cap, the phase) goes into its :class:`HopProbe` as it happens.

A connection serves one request at a time and is reused only when the answer ended cleanly
and nothing says otherwise: ``Connection: close``, an HTTP/1.0 answer without keep-alive, a
body running to the end of the connection, both Content-Length and chunked framing (RFC 9112
§6.3: a sign of request smuggling), bytes left over after the answer or arriving unasked, and
any error all close it.

Failures are raised to the exchange as the types ``transport.py`` defines (:class:`Dropped`,
:class:`Malformed`, :class:`HeadTooLargeError`, :class:`BodyTooLargeError`), never as h11's or
httpcore's: there is no h11 here.
"""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Callable
from dataclasses import dataclass

from launch_tui.net.failures import Phase
from launch_tui.net.hop_probe import (
    BodyTooLargeError,
    Dropped,
    HeadTooLargeError,
    HopProbe,
    Malformed,
)

Clock = Callable[[], float]
RawHeaders = list[tuple[bytes, bytes]]

_NO_BODY_STATUSES = frozenset({204, 304})
_MAX_LINE = 8 * 1024
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_HEX = re.compile(rb"[0-9A-Fa-f]+")

# Parser states.
_IDLE, _HEAD, _LENGTH, _CHUNK_SIZE, _CHUNK_DATA, _CHUNK_END, _TRAILERS, _TO_EOF, _DONE = range(9)


@dataclass(frozen=True, slots=True)
class ResponseHead:
    """A parsed response head."""

    status: int
    reason: bytes
    http_version: str
    """``HTTP/1.1`` or ``HTTP/1.0``."""
    headers: RawHeaders
    """Every header line as ``(name, value)`` bytes, in order, repeats kept."""


class H1Connection(asyncio.Protocol):
    """One HTTP/1.1 connection; see the module doc. Registered in ``registry`` while open."""

    def __init__(self, clock: Clock, registry: set[H1Connection]) -> None:
        self._clock = clock
        self._registry = registry
        self.transport: asyncio.Transport | None = None
        self.remote = ""
        """``ip:port`` connected to."""
        self.served = 0
        """Answers completed on this connection (more than 0: a request on it reuses it)."""
        self.idle_since = 0.0
        self.closed = False
        self._keep_alive = True
        self._state = _IDLE
        self._buf = bytearray()
        self._scan = 0
        self._probe: HopProbe | None = None
        self._sink: io.BytesIO | None = None
        self._cap = 0
        self._kept = 0
        self._head_only = False
        self._remaining = 0
        self._sent = 0
        self.head: ResponseHead | None = None
        self.complete = False
        """The current answer has fully arrived."""
        self._error: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None

    # -- asyncio.Protocol ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self._registry.add(self)

    def data_received(self, data: bytes) -> None:
        probe = self._probe
        if probe is None or self._state in (_IDLE, _DONE):
            self.abort()  # bytes nobody asked for: this connection cannot be trusted
            return
        if probe.first_byte is None:
            probe.first_byte = self._clock()
            if probe.phase is Phase.REQUEST:
                self._sync(probe)
        probe.bytes_received += len(data)
        self._buf += data
        try:
            self._advance(probe)
        except (Malformed, HeadTooLargeError, BodyTooLargeError) as exc:
            self._fail(exc)
            self.abort()

    def eof_received(self) -> bool:
        if self._state == _TO_EOF:
            self._finish()
        elif self._probe is not None and self._state != _DONE and self._state != _IDLE:
            self._dropped(None)
        self._keep_alive = False
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._keep_alive = False
        self._registry.discard(self)
        if self._probe is not None and self._state not in (_IDLE, _DONE):
            self._dropped(exc)

    # -- the exchange's side ------------------------------------------------------------------

    @property
    def reusable(self) -> bool:
        """Whether another request may go on this connection now."""
        return (
            self._keep_alive
            and not self.closed
            and self._state in (_IDLE, _DONE)
            and not self._buf
            and self.transport is not None
            and not self.transport.is_closing()
        )

    def send(
        self,
        probe: HopProbe,
        request: bytes,
        *,
        head_only: bool,
        sink: io.BytesIO,
        body_cap: int,
    ) -> None:
        """Write ``request``; the answer's head, then body, go to ``probe`` and ``sink``."""
        transport = self.transport
        if transport is None or self.closed or transport.is_closing() or not self._keep_alive:
            raise Dropped("the connection was closed before the request was sent", unanswered=True)
        self._probe = probe
        self._sink = sink
        self._cap = body_cap
        self._kept = 0
        self._head_only = head_only
        self._state = _HEAD
        self._buf.clear()
        self._scan = 0
        self.head = None
        self.complete = False
        self._error = None
        probe.phase = Phase.REQUEST
        probe.request_started = self._clock()
        self._sent = len(request)
        transport.write(request)
        self._sync(probe)

    def sync_probe(self) -> None:
        """Bring the probe's count of bytes sent (and so its phase) up to date."""
        if self._probe is not None and self._probe.phase is Phase.REQUEST:
            self._sync(self._probe)

    async def wait_head(self) -> ResponseHead:
        """The answer's head; raises what ended the answer before it."""
        while self.head is None:
            await self._wait()
        return self.head

    async def wait_body(self) -> None:
        """Return once the body is whole; raises what ended it early."""
        while not self.complete:
            await self._wait()

    def done_with(self) -> None:
        """The exchange is finished with this answer (read whole or not)."""
        self._probe = None
        self._sink = None
        if not self.complete:
            self._keep_alive = False
        self.served += 1 if self.complete else 0

    def abort(self) -> None:
        """Close at once, without a TLS goodbye (nothing left to say); the socket closes on
        the loop's next turn."""
        self._keep_alive = False
        self._registry.discard(self)
        if self.transport is not None:
            self.transport.abort()

    # -- internals ----------------------------------------------------------------------------

    async def _wait(self) -> None:
        if self._error is not None:
            raise self._error
        waiter = asyncio.get_running_loop().create_future()
        self._waiter = waiter
        try:
            await waiter
        finally:
            self._waiter = None

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _fail(self, exc: BaseException) -> None:
        if self._error is None and not self.complete:
            self._error = exc
        self._keep_alive = False
        self._wake()

    def _dropped(self, exc: Exception | None) -> None:
        probe = self._probe
        unanswered = probe is not None and probe.bytes_received == 0
        text = "connection closed by the server"
        if exc is not None:
            text = f"connection lost: {type(exc).__name__}: {exc}"
        dropped = Dropped(text, unanswered=unanswered)
        dropped.__cause__ = exc
        if probe is not None:
            self._sync(probe)
        self._fail(dropped)

    def _sync(self, probe: HopProbe) -> None:
        transport = self.transport
        waiting = transport.get_write_buffer_size() if transport is not None else 0
        probe.bytes_sent = self._sent - waiting
        if probe.phase is Phase.REQUEST and (not waiting or probe.first_byte is not None):
            probe.phase = Phase.HEADERS

    def _finish(self) -> None:
        self._state = _DONE
        self.complete = True
        if self._buf:
            self._keep_alive = False  # bytes after the answer: pipelined garbage
        self._wake()

    def _advance(self, probe: HopProbe) -> None:
        buf = self._buf
        while True:
            state = self._state
            if state == _HEAD:
                if not self._take_head(probe):
                    return
                if self.head is None:
                    continue  # a 1xx: the answer's head follows
                if self._state == _DONE:
                    return
            elif state in (_LENGTH, _CHUNK_DATA):
                take = min(len(buf), self._remaining)
                if take:
                    self._keep(buf[:take] if take < len(buf) else bytes(buf))
                    del buf[:take]
                    self._remaining -= take
                if self._remaining:
                    return
                if state == _LENGTH:
                    self._finish()
                    return
                self._state = _CHUNK_END
            elif state == _CHUNK_SIZE:
                line = _line(buf)
                if line is None:
                    return
                size_text = line.split(b";", 1)[0].strip()
                if not _HEX.fullmatch(size_text):
                    raise Malformed(f"a chunk size is not hexadecimal: {size_text[:20]!r}")
                self._remaining = int(size_text, 16)
                self._state = _CHUNK_DATA if self._remaining else _TRAILERS
            elif state == _CHUNK_END:
                if len(buf) < 2:
                    return
                if buf[:2] != b"\r\n":
                    raise Malformed("a chunk does not end with CRLF")
                del buf[:2]
                self._state = _CHUNK_SIZE
            elif state == _TRAILERS:
                line = _line(buf)
                if line is None:
                    return
                if not line:
                    self._finish()
                    return
            elif state == _TO_EOF:
                if buf:
                    self._keep(bytes(buf))
                    buf.clear()
                return
            else:  # _DONE: anything more is not ours to read
                if buf:
                    self._keep_alive = False
                return

    def _take_head(self, probe: HopProbe) -> bool:
        """Parse a complete head off the buffer; False when more bytes are needed."""
        buf = self._buf
        end = buf.find(b"\r\n\r\n", self._scan)
        sep = 4
        if end < 0:
            bare = buf.find(b"\n\n", self._scan)  # bare LF line ends: lenient, as h11 is
            if bare >= 0:
                end, sep = bare, 2
        cap = probe.head_cap
        if end < 0:
            self._scan = max(0, len(buf) - 3)
            if len(probe.head) + len(buf) > cap:
                probe.head += buf[: max(0, cap - len(probe.head))]
                raise HeadTooLargeError(len(buf), cap)
            return False
        size = end + sep
        if len(probe.head) + size > cap:
            probe.head += buf[: max(0, cap - len(probe.head))]
            raise HeadTooLargeError(size, cap)
        raw = bytes(buf[:size])
        del buf[:size]
        self._scan = 0
        probe.head += raw
        head = _parse_head(raw)
        if 100 <= head.status < 200:
            if head.status == 101:
                raise Malformed("the server switched protocols (101) unasked")
            probe.head.clear()  # 100 Continue, 103 Early Hints: the answer follows
            return True
        probe.head_complete = True
        probe.phase = Phase.BODY
        self._frame(head)
        self.head = head
        self._wake()
        return True

    def _frame(self, head: ResponseHead) -> None:
        keep = head.http_version == "HTTP/1.1"
        length: int | None = None
        chunked = False
        for name, value in head.headers:
            key = name.lower()
            if key == b"content-length":
                text = value.strip()
                if not text.isdigit() or (length is not None and length != int(text)):
                    raise Malformed(f"the Content-Length is not one number: {text[:20]!r}")
                length = int(text)
            elif key == b"transfer-encoding":
                codings = [c.strip() for c in value.lower().split(b",")]
                if codings[-1] != b"chunked":
                    raise Malformed("a Transfer-Encoding other than chunked")
                chunked = True
            elif key == b"connection":
                tokens = value.lower()
                if b"close" in tokens:
                    keep = False
                elif b"keep-alive" in tokens and head.http_version == "HTTP/1.0":
                    keep = True
        if chunked and length is not None:
            keep = False  # RFC 9112 §6.3: chunked wins, and the connection is not reused
        self._keep_alive = self._keep_alive and keep
        if self._head_only or head.status in _NO_BODY_STATUSES:
            self._finish()
        elif chunked:
            self._state = _CHUNK_SIZE
        elif length is not None:
            self._remaining = length
            self._state = _LENGTH
            if not length:
                self._finish()
        else:
            self._keep_alive = False
            self._state = _TO_EOF

    def _keep(self, chunk: bytes | bytearray) -> None:
        sink = self._sink
        if sink is None:
            return
        room = self._cap - self._kept
        if len(chunk) > room:
            sink.write(chunk[:room])
            self._kept = self._cap
            raise BodyTooLargeError(self._cap)
        sink.write(chunk)
        self._kept += len(chunk)


def _line(buf: bytearray) -> bytes | None:
    """One CRLF-terminated line off ``buf`` (without the CRLF), or ``None`` if incomplete."""
    end = buf.find(b"\r\n")
    if end < 0:
        if len(buf) > _MAX_LINE:
            raise Malformed("a chunk line is too long")
        return None
    line = bytes(buf[:end])
    del buf[: end + 2]
    return line


def _parse_head(raw: bytes) -> ResponseHead:
    lines = raw.rstrip(b"\r\n").split(b"\n")
    status_line = lines[0].rstrip(b"\r")
    version, _, rest = status_line.partition(b" ")
    code, _, reason = rest.partition(b" ")
    if version not in (b"HTTP/1.1", b"HTTP/1.0") or len(code) != 3 or not code.isdigit():
        raise Malformed(f"the status line is not HTTP/1.x: {status_line[:40]!r}")
    headers: RawHeaders = []
    for line in lines[1:]:
        line = line.rstrip(b"\r")
        if line[:1] in (b" ", b"\t") and headers:
            # Obsolete line folding (RFC 9112 §5.2): the value goes on, after one space.
            name, value = headers[-1]
            headers[-1] = (name, value + b" " + line.strip(b" \t"))
            continue
        name, colon, value = line.partition(b":")
        if not colon or not _TOKEN.fullmatch(name):
            raise Malformed(f"a header line is malformed: {line[:40]!r}")
        headers.append((name, value.strip(b" \t")))
    return ResponseHead(int(code), reason, version.decode("ascii"), headers)

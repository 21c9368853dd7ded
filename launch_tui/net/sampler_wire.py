"""The sampler's wire: one kept-alive HTTP/1.1 connection, parsed as bytes arrive.

Private to :mod:`launch_tui.net.sampler`. An ``asyncio.Protocol`` parses only the status line
and the headers that frame the body (Content-Length, Transfer-Encoding, Connection), drops the
body as it arrives (capped), and stamps an answer's end inside ``data_received``: a task woken by
a stream would notice it a loop turn later, and that turn would count as latency.
"""

from __future__ import annotations

import asyncio
import enum
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

Clock = Callable[[], float]
#: How long (ms) the loop's thread has waited for a CPU since last asked.
Observe = Callable[[], float]

_NO_BODY_STATUSES = frozenset({204, 304})
_MAX_LINE = 8 * 1024


class WireLimits(Protocol):
    """What the wire needs to know of a sample plan."""

    @property
    def request_timeout_s(self) -> float: ...
    @property
    def max_head_bytes(self) -> int: ...
    @property
    def max_body_bytes(self) -> int: ...


class WireTarget(Protocol):
    """What the wire needs to know of a sample target."""

    @property
    def address(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def request(self) -> bytes: ...
    @property
    def server_hostname(self) -> str: ...
    @property
    def ssl_context(self) -> ssl.SSLContext | None: ...
    @property
    def method(self) -> str: ...


#: Methods a client may send again after a connection dropped (RFC 9110 9.2.2).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})


class RequestFailed(Exception):
    """A request that ended without a complete answer; ``reason`` is short and stable.

    ``unanswered`` is set when the connection closed (or was reset) before a single byte of
    the answer arrived: the server may never have read the request.
    """

    def __init__(self, reason: str, *, unanswered: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.unanswered = unanswered


class _State(enum.Enum):
    HEAD = enum.auto()
    BODY = enum.auto()
    CHUNK_SIZE = enum.auto()
    CHUNK_END = enum.auto()
    TRAILERS = enum.auto()
    TO_EOF = enum.auto()


@dataclass(frozen=True)
class Answer:
    """A complete answer: its status and when its last byte was parsed."""

    status: int
    done: float
    """Clock reading when the last body byte was parsed, taken inside the I/O callback."""
    cpu_wait_ms: float = 0.0
    """How long the loop's thread had waited for a CPU since the loop last looked (the
    connection's ``observe``), read in the same callback; 0 when unknown."""


class _Reader(asyncio.Protocol):
    """Parses one answer at a time as bytes arrive and stamps its end in the I/O callback.

    Stamping in ``data_received`` rather than in a task that a stream wakes up later keeps the
    loop's turn-around out of the measurement; the body is counted and dropped, never kept.
    """

    def __init__(
        self, clock: Clock, plan: WireLimits, head_only: bool, observe: Observe | None
    ) -> None:
        self._clock = clock
        self._observe = observe
        self._plan = plan
        self._head_only = head_only
        self._buf = bytearray()
        self._scan = 0
        self._state = _State.HEAD
        self._remaining = 0
        self._body_total = 0
        self._chunked = False
        self._status = 0
        self._got_bytes = False
        self.keep_alive = True
        self.transport: asyncio.Transport | None = None
        self._waiter: asyncio.Future[Answer] | None = None
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    # asyncio.Protocol ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if self._waiter is None or self._waiter.done():
            self._broken()  # bytes nobody asked for: the connection cannot be trusted
            return
        self._got_bytes = True
        self._buf += data
        try:
            self._advance()
        except RequestFailed as exc:
            self.fail(exc.reason)

    def eof_received(self) -> bool:
        if self._state is _State.TO_EOF and self._waiter is not None:
            self._complete()
        else:
            self.fail("closed", dropped=True)
        self.keep_alive = False
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.keep_alive = False
        self.fail("closed" if exc is None else "reset", dropped=True)
        if not self.lost.done():
            self.lost.set_result(None)

    # the exchange ---------------------------------------------------------------------------

    def expect(self) -> asyncio.Future[Answer]:
        """A future for the next answer; call just before writing the request."""
        self._buf.clear()
        self._scan = 0
        self._state = _State.HEAD
        self._body_total = 0
        self._chunked = False
        self._got_bytes = False
        self._waiter = asyncio.get_running_loop().create_future()
        return self._waiter

    def _complete(self) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            done = self._clock()
            waited = self._observe() if self._observe is not None else 0.0
            waiter.set_result(Answer(self._status, done, waited))

    def fail(self, reason: str, *, dropped: bool = False) -> None:
        """End the exchange in flight with ``reason``; the connection is not reused.

        ``dropped``: the server closed or reset the connection (not a timeout or a parse error).
        """
        waiter, self._waiter = self._waiter, None
        self.keep_alive = False
        if waiter is not None and not waiter.done():
            unanswered = dropped and not self._got_bytes
            waiter.set_exception(RequestFailed(reason, unanswered=unanswered))

    def _broken(self) -> None:
        self.keep_alive = False
        if self.transport is not None:
            self.transport.abort()

    def _advance(self) -> None:
        buf = self._buf
        while True:
            state = self._state
            if state is _State.HEAD:
                end = buf.find(b"\r\n\r\n", self._scan)
                if end < 0:
                    if len(buf) > self._plan.max_head_bytes:
                        raise RequestFailed("head too large")
                    self._scan = max(0, len(buf) - 3)
                    return
                if end + 4 > self._plan.max_head_bytes:
                    raise RequestFailed("head too large")
                head = bytes(buf[: end + 4])
                del buf[: end + 4]
                self._scan = 0
                status, framing, keep = _parse_head(head)
                if 100 <= status < 200 and status != 101:
                    continue  # 100 Continue, 103 Early Hints: the answer follows
                self._status, self.keep_alive = status, keep
                if self._head_only or status in _NO_BODY_STATUSES:
                    self._complete()
                    return
                if framing == "chunked":
                    self._chunked, self._state = True, _State.CHUNK_SIZE
                elif isinstance(framing, int):
                    self._count(framing)
                    self._remaining, self._state = framing, _State.BODY
                else:  # no length: the body runs to the end of the connection
                    self.keep_alive, self._state = False, _State.TO_EOF
            elif state is _State.BODY:
                take = min(len(buf), self._remaining)
                del buf[:take]
                self._remaining -= take
                if self._remaining:
                    return
                if not self._chunked:
                    self._complete()
                    return
                self._state = _State.CHUNK_END
            elif state is _State.CHUNK_SIZE:
                line = _line(buf)
                if line is None:
                    return
                try:
                    size = int(line.split(b";", 1)[0].strip(), 16)
                except ValueError:
                    raise RequestFailed("protocol") from None
                if size < 0:
                    raise RequestFailed("protocol")
                self._count(size)
                self._remaining = size
                self._state = _State.BODY if size else _State.TRAILERS
            elif state is _State.CHUNK_END:
                if len(buf) < 2:
                    return
                if buf[:2] != b"\r\n":
                    raise RequestFailed("protocol")
                del buf[:2]
                self._state = _State.CHUNK_SIZE
            elif state is _State.TRAILERS:
                line = _line(buf)
                if line is None:
                    return
                if not line:
                    self._complete()
                    return
            else:  # TO_EOF
                self._count(len(buf))
                buf.clear()
                return

    def _count(self, size: int) -> None:
        self._body_total += size
        if self._body_total > self._plan.max_body_bytes:
            raise RequestFailed("body too large")


def _line(buf: bytearray) -> bytes | None:
    """Take one CRLF-terminated line off ``buf`` (without the CRLF), or ``None`` if incomplete."""
    end = buf.find(b"\r\n")
    if end < 0:
        if len(buf) > _MAX_LINE:
            raise RequestFailed("protocol")
        return None
    line = bytes(buf[:end])
    del buf[: end + 2]
    return line


class Connection:
    """One kept-alive HTTP/1.1 connection, reopened when the server closes it."""

    def __init__(
        self, target: WireTarget, plan: WireLimits, clock: Clock, observe: Observe | None = None
    ) -> None:
        """``observe`` (optional) says, when an answer is complete, how long the loop's thread
        has waited for a CPU since it was last asked (see ``Answer.cpu_wait_ms``)."""
        self._target = target
        self._plan = plan
        self._clock = clock
        self._observe = observe
        self._reader: _Reader | None = None
        self.opened = 0
        self.answered = 0
        """Answers read on the current connection (more than 0: the connection was reused)."""
        self.sent_at: float | None = None
        """When the request in flight was sent; ``None`` when idle."""

    @property
    def can_retry(self) -> bool:
        """Whether a request that met a dropped connection may be sent again on a fresh one.

        Only an idempotent method, on a connection that had already answered (a kept-alive
        connection the server closed meanwhile), as browsers and HTTP libraries do; a fresh
        connection that drops a request is the server's failure.
        """
        return self.answered > 0 and self._target.method in IDEMPOTENT_METHODS

    @property
    def is_open(self) -> bool:
        reader = self._reader
        return (
            reader is not None
            and reader.keep_alive
            and reader.transport is not None
            and not reader.transport.is_closing()
        )

    async def open(self) -> None:
        """Connect (and handshake); raises ``RequestFailed`` on failure."""
        await self.close()
        t = self._target
        loop = asyncio.get_running_loop()
        head_only = t.method == "HEAD"
        try:
            async with asyncio.timeout(self._plan.request_timeout_s):
                _, reader = await loop.create_connection(
                    lambda: _Reader(self._clock, self._plan, head_only, self._observe),
                    t.address,
                    t.port,
                    ssl=t.ssl_context,
                    server_hostname=t.server_hostname or None,
                )
        except TimeoutError:
            raise RequestFailed("connect timeout") from None
        except ssl.SSLError:
            raise RequestFailed("tls") from None
        except OSError:
            raise RequestFailed("connect") from None
        self._reader = reader
        self.opened += 1
        self.answered = 0

    async def close(self) -> None:
        reader, self._reader = self._reader, None
        if reader is None or reader.transport is None:
            return
        # Abort: no TLS close_notify round trip to wait for, and nothing left to say.
        reader.transport.abort()
        await reader.lost

    def send(self, now: float) -> asyncio.Future[Answer]:
        """Write the request; the future resolves with the answer (or its failure)."""
        assert self._reader is not None and self._reader.transport is not None
        answer = self._reader.expect()
        self._reader.transport.write(self._target.request)
        self.sent_at = now
        answer.add_done_callback(self._answered)
        return answer

    def _answered(self, answer: asyncio.Future[Answer]) -> None:
        self.sent_at = None
        if not answer.cancelled() and answer.exception() is None:
            self.answered += 1

    def expire(self, older_than: float) -> None:
        """Fail the request in flight if it was sent before ``older_than``."""
        if self.sent_at is not None and self.sent_at < older_than and self._reader is not None:
            self._reader.fail("timeout")


def _parse_head(head: bytes) -> tuple[int, int | str | None, bool]:
    """Status, body framing (length, ``"chunked"`` or ``None``) and keep-alive of a head."""
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        raise RequestFailed("protocol")
    status = int(parts[1])
    keep = parts[0] != b"HTTP/1.0"
    framing: int | str | None = None
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep:
            continue
        key = name.strip().lower()
        if key == b"content-length" and framing != "chunked":
            text = value.strip()
            if not text.isdigit() or (isinstance(framing, int) and framing != int(text)):
                raise RequestFailed("protocol")
            framing = int(text)
        elif key == b"transfer-encoding" and b"chunked" in value.lower():
            framing = "chunked"
        elif key == b"connection":
            tokens = value.lower()
            if b"close" in tokens:
                keep = False
            elif b"keep-alive" in tokens:
                keep = True
    return status, framing, keep

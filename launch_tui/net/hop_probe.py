"""What one request hop did on the wire, and how the wire says it failed.

A :class:`HopProbe` belongs to one hop of one fetch: the pool (``transport.py``) fills in DNS,
connect and TLS timings and the address, the connection (``h1_connection.py``) the bytes sent
and received, the first byte's time, the raw head and the phase. The exchange reads it to
record the hop and to word a failure ("stopped while reading the body (812 bytes received)").

The exceptions are what the pool and the connection raise; ``classify.py`` names them for a
person and ``exchange.py`` turns them into a ``NetFailure``. None escapes ``fetch``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from launch_tui.net.failures import DnsFailure, Phase

Clock = Callable[[], float]


@dataclass(slots=True)
class HopProbe:
    """What one request hop did on the wire. Mutable; owned by one ``fetch`` hop."""

    clock: Clock
    head_cap: int
    phase: Phase = Phase.CONNECT
    dns_ms: float | None = None
    connect_ms: float | None = None
    tls_ms: float | None = None
    tls_resumed: bool | None = None
    """Whether the TLS handshake resumed an earlier session; ``None`` without a handshake."""
    request_started: float | None = None
    first_byte: float | None = None
    connect_target: str = ""
    """The ``ip:port`` being (or last) connected to."""
    head: bytearray = field(default_factory=bytearray)
    """The response head as received (status line and headers), at most ``head_cap`` bytes."""
    head_complete: bool = False
    bytes_sent: int = 0
    """Request bytes the socket accepted on this hop."""
    bytes_received: int = 0
    """Response bytes read on this hop (head and body, as on the wire)."""


class DnsLookupError(Exception):
    """The host does not resolve; carries the resolver's verdict."""

    def __init__(self, failure: DnsFailure) -> None:
        super().__init__(failure.message)
        self.failure = failure


class ClientClosedError(Exception):
    """The client was closed: no connection is opened or waited for after that."""


class ConnectFailed(Exception):
    """No connection (or no TLS session on it); the ``OSError`` is the ``__cause__``."""


class ConnectTimedOut(Exception):
    """Connecting (or the TLS handshake) took longer than the connect timeout."""


class Dropped(Exception):
    """The connection closed or reset under a request.

    ``unanswered``: not one byte of the answer had arrived, so the server may never have read
    the request (the race a client resends an idempotent request for).
    """

    def __init__(self, message: str, *, unanswered: bool) -> None:
        super().__init__(message)
        self.unanswered = unanswered


class Malformed(Exception):
    """The server broke HTTP/1.1 framing (status line, header line, chunk, lengths)."""


class HeadTooLargeError(Exception):
    """The response head grew past the header byte cap without ending."""

    def __init__(self, size: int, cap: int) -> None:
        super().__init__(f"response head passed {cap} bytes without ending")
        self.size = size
        self.cap = cap


class BodyTooLargeError(Exception):
    """The body passed its cap; the first ``cap`` bytes were kept."""

    def __init__(self, cap: int) -> None:
        super().__init__(f"body passed {cap} bytes")
        self.cap = cap

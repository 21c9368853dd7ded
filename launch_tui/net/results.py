"""What a fetch returns: the final response, every hop, timings and any failure. Pure values."""

from __future__ import annotations

from dataclasses import dataclass, field

from launch_tui.net.decode import DecodedBody, decode_body
from launch_tui.net.failures import NetFailure
from launch_tui.net.settings import NetLimits

Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Timing:
    """Where one hop's time went, in milliseconds. ``None``: the step did not happen."""

    dns_ms: float | None = None
    """Name lookup; ``None`` for IP literals, overrides and reused connections."""
    connect_ms: float | None = None
    """TCP connect; ``None`` on a reused connection."""
    tls_ms: float | None = None
    """TLS handshake; ``None`` for http and reused connections."""
    ttfb_ms: float | None = None
    """From starting to send the request to the first response byte."""
    total_ms: float = 0.0
    """The whole hop, body included for the last one."""
    tls_resumed: bool | None = None
    """The TLS handshake resumed a session of an earlier connection to the origin (no
    certificate sent: it was verified on that connection); ``None`` without a handshake."""


@dataclass(frozen=True)
class Hop:
    """One request/response in a redirect chain."""

    url: str
    method: str
    status: int | None
    """``None`` when the hop failed before a status line arrived."""
    location: str | None
    """The raw ``Location`` header, if any."""
    elapsed_ms: float
    """From starting the hop to its response head (or failure)."""
    http_version: str = ""
    remote: str = ""
    """``IP:PORT`` the request went to."""
    timing: Timing = field(default_factory=Timing)


@dataclass(frozen=True)
class FetchResult:
    """Everything a check may want from one request, its redirects and its response."""

    url: str
    """The URL asked for."""
    method: str
    final_url: str
    """The URL of the last hop (equal to ``url`` without redirects)."""
    status: int | None
    """The last response's status; ``None`` if no response head arrived."""
    reason: str = ""
    headers: Headers = ()
    """The last response's headers in order, repeated names kept. Values are the raw bytes as
    UTF-8 when valid, else Latin-1 (lossless). Unsanitized: pass through ``clean()`` to show."""
    body: bytes = b""
    """The raw body as sent (still compressed), at most ``max_body_bytes``."""
    body_truncated: bool = False
    """The body was cut at the cap (``failure.kind`` is ``body_too_large``) or by a failure."""
    http_version: str = ""
    remote: str = ""
    """``IP:PORT`` of the last hop."""
    hops: tuple[Hop, ...] = ()
    """Every hop in order; the last is the final response."""
    timing: Timing = field(default_factory=Timing)
    """The last hop's timing."""
    elapsed_ms: float = 0.0
    """The whole fetch, all hops and the body."""
    failure: NetFailure | None = None
    """Why the result is incomplete; ``None`` when everything arrived."""
    raw_head: bytes = b""
    """The last response's status line and headers exactly as received (capped)."""
    decode_cap: int = NetLimits.max_decoded_bytes
    """The most bytes :meth:`decoded` will inflate the body to."""
    resent: int = 0
    """Times a request was sent again because a kept-alive connection closed before any byte
    of its answer (idempotent methods only; the hop's timing is the fresh attempt's)."""

    @property
    def ok(self) -> bool:
        """True when the exchange completed (whatever the status code)."""
        return self.failure is None

    @property
    def redirects(self) -> int:
        """Number of redirects followed."""
        return max(0, len(self.hops) - 1)

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or ``None``."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    def header_values(self, name: str) -> tuple[str, ...]:
        """Every value of header ``name`` in order (e.g. each ``Set-Cookie``)."""
        wanted = name.lower()
        return tuple(value for key, value in self.headers if key.lower() == wanted)

    def decoded(self, max_bytes: int | None = None) -> DecodedBody:
        """The body with its Content-Encoding undone, inflating at most ``max_bytes``."""
        cap = self.decode_cap if max_bytes is None else max_bytes
        return decode_body(self.body, self.header("content-encoding") or "", max_bytes=cap)

    def text(self, max_bytes: int | None = None) -> str:
        """The decoded body as text, using the Content-Type charset (UTF-8 if none or unknown)."""
        data = self.decoded(max_bytes).data
        charset = _charset(self.header("content-type") or "")
        try:
            return data.decode(charset, errors="replace")
        except LookupError:
            return data.decode("utf-8", errors="replace")


def _charset(content_type: str) -> str:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip().strip('"') or "utf-8"
    return "utf-8"

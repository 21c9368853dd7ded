"""What went wrong on the network, as a value rather than an exception.

Nothing in ``net`` raises on a transport problem: a fetch or a TLS inspection returns a result
whose ``failure`` is a :class:`NetFailure`, and a DNS lookup returns a :class:`DnsFailure`
(both are defined here, and the resolver re-exports the DNS ones). Checks
turn those into ``error`` results with the human message; nothing escapes as a traceback.

The kinds, by phase::

    invalid_url          the URL (or a redirect's Location) cannot be requested
    dns                  the name did not resolve (``NetFailure.dns`` says how)
    connect_refused      nothing listens on that address and port
    connect_timeout      no TCP connection within the connect timeout
    unreachable          no route to the host or network, or another connect error
    tls                  the TLS handshake failed (untrusted certificate, protocol mismatch)
    deadline             the whole request exceeded its total deadline (``phase`` says where)
    headers_too_large    the response head exceeded the header byte or count cap
    body_too_large       the body exceeded the body cap; the first ``max_body_bytes`` are kept
    too_many_redirects   more redirects than ``max_redirects``
    redirect_loop        a redirect led back to a URL already visited
    protocol             the server broke HTTP (malformed head, short body, closed early)
    error                anything else, with the cause in ``detail``
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FailureKind(StrEnum):
    """Why a network operation did not produce a complete result. See the module docstring."""

    INVALID_URL = "invalid_url"
    DNS = "dns"
    CONNECT_REFUSED = "connect_refused"
    CONNECT_TIMEOUT = "connect_timeout"
    UNREACHABLE = "unreachable"
    TLS = "tls"
    DEADLINE = "deadline"
    HEADERS_TOO_LARGE = "headers_too_large"
    BODY_TOO_LARGE = "body_too_large"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    REDIRECT_LOOP = "redirect_loop"
    PROTOCOL = "protocol"
    ERROR = "error"


class Phase(StrEnum):
    """Where in an exchange a failure happened."""

    URL = "url"
    DNS = "dns"
    CONNECT = "connect"
    TLS = "tls"
    REQUEST = "request"
    HEADERS = "headers"
    BODY = "body"
    REDIRECT = "redirect"


class DnsFailureKind(StrEnum):
    """Why a lookup produced no records."""

    NXDOMAIN = "nxdomain"
    """The name does not exist."""
    NODATA = "nodata"
    """The name exists but has no records of that type."""
    SERVFAIL = "servfail"
    """The nameserver failed (often broken DNSSEC or an unreachable authoritative server)."""
    TIMEOUT = "timeout"
    """No answer within the lookup lifetime."""
    REFUSED = "refused"
    """The nameserver refused to answer (REFUSED rcode: not authoritative, not recursive for us)."""
    LOOP = "loop"
    """A CNAME chain loops or is longer than the limit."""
    ERROR = "error"
    """Anything else: bad name, unreachable nameserver, malformed answer."""


@dataclass(frozen=True)
class DnsFailure:
    """A lookup that produced no records, and why."""

    name: str
    rdtype: str
    kind: DnsFailureKind
    message: str
    """One line for a person, e.g. ``app.example.com does not exist (NXDOMAIN)``. Sanitized."""
    elapsed_ms: float = 0.0
    nameserver: str = ""
    """``IP:PORT`` of the nameserver that answered, when one did."""
    cname_chain: tuple[str, ...] = ()
    """CNAMEs followed before the failure (a chain ending in NXDOMAIN is a dangling CNAME)."""

    @property
    def is_negative(self) -> bool:
        """True when DNS answered that there is nothing (NXDOMAIN or NODATA), not an error."""
        return self.kind in (DnsFailureKind.NXDOMAIN, DnsFailureKind.NODATA)


@dataclass(frozen=True)
class NetFailure:
    """A transport failure, fit to show: ``message`` is one sanitized line for a person."""

    kind: FailureKind
    phase: Phase
    """The step that was under way when it failed."""
    message: str
    """E.g. ``Couldn't connect to 127.0.0.2:8443 within 5 seconds``. Already sanitized."""
    elapsed_ms: float
    """Time from the start of the operation to the failure."""
    detail: str = ""
    """The low-level cause (exception text), sanitized; may be empty."""
    dns: DnsFailure | None = None
    """For ``kind == dns``: the resolver's structured failure."""


def seconds_text(seconds: float) -> str:
    """``5 seconds``, ``1 second``, ``0.5 seconds`` — for messages."""
    if seconds == int(seconds):
        whole = int(seconds)
        return f"{whole} second" if whole == 1 else f"{whole} seconds"
    return f"{seconds:g} seconds"

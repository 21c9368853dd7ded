"""What went wrong on the network, as a value rather than an exception.

Nothing in ``net`` raises on a transport problem: a fetch or a TLS inspection returns a result
whose ``failure`` is a :class:`NetFailure` (and a DNS lookup returns a ``DnsFailure``). Checks
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
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from launch_tui.net.resolver import DnsFailure


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

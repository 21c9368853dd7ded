"""Name what a transport exception means, in words a person can act on.

The connection pool and the connection raise the types ``hop_probe.py`` defines, with the
``OSError`` or ``ssl`` error beneath as the cause ("ConnectFailed from ConnectionRefusedError").
:func:`diagnose` walks the cause chain once and returns the :class:`FailureKind`, the phase
and a one-line message such as ``Couldn't connect to 127.0.0.2:8443 within 5 seconds``.
"""

from __future__ import annotations

import errno
import ssl
from dataclasses import dataclass
from typing import TypeVar

from launch_tui.net.failures import DnsFailure, FailureKind, Phase, seconds_text
from launch_tui.net.hop_probe import (
    ConnectFailed,
    ConnectTimedOut,
    DnsLookupError,
    Dropped,
    HeadTooLargeError,
    Malformed,
)
from launch_tui.net.settings import NetLimits
from launch_tui.net.urls import InvalidUrl, parse_url

_E = TypeVar("_E", bound=BaseException)

_PROTOCOL_ERRORS = (Dropped, Malformed)


@dataclass(frozen=True)
class Diagnosis:
    """What went wrong, before it is stamped with timing and sanitized."""

    kind: FailureKind
    phase: Phase
    message: str
    dns: DnsFailure | None = None


#: Phases that come after a completed TLS handshake, and what was going on in each.
_DOING = {
    Phase.REQUEST: "sending the request",
    Phase.HEADERS: "reading the response headers",
    Phase.BODY: "reading the response body",
}
_AFTER_HANDSHAKE = frozenset(_DOING)


def diagnose(
    exc: BaseException, *, phase: Phase, url: str, target: str, limits: NetLimits
) -> Diagnosis:
    """Classify ``exc``, raised while in ``phase`` of a request to ``url`` at ``target``.

    ``target`` is the ``ip:port`` being connected to, if known. ``protocol`` diagnoses carry a
    generic message; the caller, which knows what had arrived, may word it better.
    """
    host = url_host(url)
    target = target or url_host_port(url)
    dns_error = find_cause(exc, DnsLookupError)
    if dns_error is not None:
        return Diagnosis(
            FailureKind.DNS,
            Phase.DNS,
            f"Couldn't resolve {host}: {dns_error.failure.message}",
            dns_error.failure,
        )
    if find_cause(exc, HeadTooLargeError) is not None:
        return Diagnosis(
            FailureKind.HEADERS_TOO_LARGE,
            Phase.HEADERS,
            f"The response headers from {url} passed the "
            f"{size_text(limits.max_header_bytes)} cap without ending",
        )
    verify = find_cause(exc, ssl.SSLCertVerificationError)
    if verify is not None:
        reason = verify.verify_message or verify.reason or str(verify)
        return Diagnosis(
            FailureKind.TLS, Phase.TLS, f"The certificate of {host} could not be verified: {reason}"
        )
    tls_error = find_cause(exc, ssl.SSLError)
    if tls_error is not None and phase in _AFTER_HANDSHAKE:
        # The handshake succeeded long ago: a bad record or an unclean close mid-response is a
        # broken exchange, not a TLS set-up problem (and must not trigger a non-verifying retry).
        reason = tls_error.reason or str(tls_error)
        return Diagnosis(
            FailureKind.PROTOCOL,
            phase,
            f"The TLS connection to {host} ({target}) broke while {_DOING[phase]}: {reason}",
        )
    if tls_error is not None or (phase is Phase.TLS and isinstance(exc, ConnectFailed | Dropped)):
        reason = (tls_error.reason or str(tls_error)) if tls_error else "connection closed"
        return Diagnosis(
            FailureKind.TLS, Phase.TLS, f"TLS handshake with {host} ({target}) failed: {reason}"
        )
    if isinstance(exc, ConnectTimedOut):
        within = seconds_text(limits.connect_timeout)
        if phase is Phase.TLS:
            return Diagnosis(
                FailureKind.TLS,
                Phase.TLS,
                f"TLS handshake with {host} ({target}) did not finish within {within}",
            )
        return Diagnosis(
            FailureKind.CONNECT_TIMEOUT,
            Phase.CONNECT,
            f"Couldn't connect to {target} within {within}",
        )
    if isinstance(exc, ConnectFailed):
        return _connect_error(exc, target)
    if isinstance(exc, _PROTOCOL_ERRORS):
        return Diagnosis(FailureKind.PROTOCOL, phase, f"{url} broke HTTP: {exc}")
    if isinstance(exc, InvalidUrl):
        return Diagnosis(FailureKind.INVALID_URL, Phase.URL, f"Can't request {url}: {exc}")
    return Diagnosis(FailureKind.ERROR, phase, f"Request to {url} failed: {exc!r}")


def _connect_error(exc: BaseException, target: str) -> Diagnosis:
    if find_cause(exc, ConnectionRefusedError) is not None:
        return Diagnosis(
            FailureKind.CONNECT_REFUSED,
            Phase.CONNECT,
            f"Connection refused by {target} (nothing is listening there)",
        )
    os_error = find_cause(exc, OSError, innermost=True)
    if os_error is not None and os_error.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
        return Diagnosis(
            FailureKind.UNREACHABLE, Phase.CONNECT, f"Couldn't reach {target}: {os_error.strerror}"
        )
    if os_error is not None and os_error.strerror:
        reason = os_error.strerror
    else:
        reason = str(exc) or type(exc).__name__
    return Diagnosis(
        FailureKind.UNREACHABLE, Phase.CONNECT, f"Couldn't connect to {target}: {reason}"
    )


def find_cause(exc: BaseException, kind: type[_E], *, innermost: bool = False) -> _E | None:
    """The first (or innermost) exception of ``kind`` in ``exc``'s cause/context chain."""
    found: _E | None = None
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, kind):
            found = current
            if not innermost:
                return found
        current = current.__cause__ or current.__context__
    return found


def url_host(url: str) -> str:
    """The host of ``url``, or ``url`` itself if it does not parse."""
    try:
        return parse_url(url).host
    except InvalidUrl:
        return url


def url_host_port(url: str) -> str:
    """``host:port`` of ``url`` with the scheme's default port filled in."""
    try:
        return parse_url(url).authority
    except InvalidUrl:
        return url


def size_text(size: int) -> str:
    """``64 KiB``, ``5 MiB`` or ``1000 bytes``."""
    if size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)} MiB"
    if size % 1024 == 0:
        return f"{size // 1024} KiB"
    return f"{size} bytes"

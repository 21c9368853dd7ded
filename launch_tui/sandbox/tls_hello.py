"""Read the TLS versions a ClientHello offers, to refuse a mismatch the way real servers do.

When a server-side handshake fails, asyncio closes the connection without flushing the alert
OpenSSL wrote, so a client offering only TLS 1.0 to a TLS 1.2+ host would see a bare reset.
Real servers answer ``protocol_version`` (alert 70), and TLS checks report on it, so the
sandbox peeks at the ClientHello and sends that alert itself when no version matches.
"""

from __future__ import annotations

import ssl

TLS10, TLS11, TLS12, TLS13 = 0x0301, 0x0302, 0x0303, 0x0304
_SUPPORTED_VERSIONS_EXTENSION = 0x002B

#: A fatal ``protocol_version`` alert in a TLS 1.0 record, readable by any client version.
PROTOCOL_VERSION_ALERT = bytes([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 70])


def server_versions(context: ssl.SSLContext) -> frozenset[int]:
    """The protocol versions ``context`` is configured to accept."""
    low = context.minimum_version
    high = context.maximum_version
    low_value = TLS10 if low == ssl.TLSVersion.MINIMUM_SUPPORTED else int(low)
    high_value = TLS13 if high == ssl.TLSVersion.MAXIMUM_SUPPORTED else int(high)
    return frozenset(v for v in (TLS10, TLS11, TLS12, TLS13) if low_value <= v <= high_value)


def offered_versions(hello: bytes) -> frozenset[int] | None:
    """Versions a ClientHello offers, or ``None`` when the bytes are not a whole ClientHello."""
    try:
        return _parse(hello)
    except (IndexError, ValueError):
        return None


def _parse(data: bytes) -> frozenset[int] | None:
    if len(data) < 9 or data[0] != 0x16 or data[5] != 0x01:  # handshake record, ClientHello
        return None
    record_length = int.from_bytes(data[3:5], "big")
    if len(data) < 5 + record_length:
        return None  # split across records or segments: let OpenSSL decide
    body = data[9 : 5 + record_length]
    legacy_version = int.from_bytes(body[0:2], "big")
    pos = 2 + 32  # version, random
    pos += 1 + body[pos]  # session id
    pos += 2 + int.from_bytes(body[pos : pos + 2], "big")  # cipher suites
    pos += 1 + body[pos]  # compression methods
    if pos >= len(body):
        return _up_to(legacy_version)  # no extensions at all (an SSL 3 / TLS 1.0 client)
    end = pos + 2 + int.from_bytes(body[pos : pos + 2], "big")
    pos += 2
    while pos + 4 <= end:
        kind = int.from_bytes(body[pos : pos + 2], "big")
        length = int.from_bytes(body[pos + 2 : pos + 4], "big")
        if kind == _SUPPORTED_VERSIONS_EXTENSION:
            listed = body[pos + 5 : pos + 5 + body[pos + 4]]
            return frozenset(
                int.from_bytes(listed[i : i + 2], "big") for i in range(0, len(listed), 2)
            )
        pos += 4 + length
    return _up_to(legacy_version)


def _up_to(version: int) -> frozenset[int]:
    # Without supported_versions, a client offers every version up to its legacy_version.
    return frozenset(v for v in (TLS10, TLS11, TLS12) if v <= version)

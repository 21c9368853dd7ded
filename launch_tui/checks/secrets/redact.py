"""How a secret value is shown: a fingerprint and at most its first four characters.

Every finding is reduced to :class:`RedactedValue` as soon as it is read from the scanner, so
no full value reaches a result, the session file, a report, a log or the TUI. The fingerprint
is a truncated SHA-256: enough to tell two findings of the same value apart from two different
ones, too short to be worth brute-forcing a long random token against.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

#: Characters of a value that may be shown (enough to tell ``sk_live`` from ``sk_test``).
PREVIEW_CHARS = 4
#: Hex digits of SHA-256 kept as the fingerprint.
FINGERPRINT_HEX = 16
_MASK = "…"


@dataclass(frozen=True)
class RedactedValue:
    """What may be kept of a secret value."""

    fingerprint: str
    """``sha256:`` and the first 16 hex digits of the value's SHA-256."""
    preview: str
    """At most the first four characters, then ``…`` (nothing for values under 12 characters)."""
    length: int

    def __str__(self) -> str:
        return f"{self.preview} ({self.fingerprint})"


def redact(value: str) -> RedactedValue:
    """Reduce ``value`` to a fingerprint and a short preview."""
    digest = hashlib.sha256(value.encode("utf-8", errors="surrogatepass")).hexdigest()
    # A short value would be mostly given away by four characters: show none of it.
    shown = value[:PREVIEW_CHARS] if len(value) >= 3 * PREVIEW_CHARS else ""
    preview = "".join(ch if ch.isprintable() and ch.isascii() else "?" for ch in shown) + _MASK
    return RedactedValue(f"sha256:{digest[:FINGERPRINT_HEX]}", preview, len(value))


def scrub(text: str, values: list[str]) -> str:
    """``text`` with every occurrence of each value replaced by its redacted form."""
    for value in sorted(values, key=len, reverse=True):
        if value and value in text:
            text = text.replace(value, str(redact(value)))
    return text

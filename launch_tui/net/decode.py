"""Undo a response's Content-Encoding without letting it inflate past a cap.

The HTTP client keeps bodies as the raw bytes off the wire. Only when a caller wants the text is
the body decompressed, here, through ``zlib.decompressobj`` with ``max_length``, so a gzip bomb
(a few KiB that inflate to gigabytes) stops at ``max_bytes`` and never sits in memory whole.
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass

_CHUNK = 64 * 1024


@dataclass(frozen=True)
class DecodedBody:
    """A body with its content coding removed."""

    data: bytes
    truncated: bool
    """The decoded body was longer than the cap; ``data`` holds its first ``max_bytes``."""
    note: str = ""
    """Why the body could not be fully decoded (unknown coding, corrupt data); empty if fine."""


def decode_body(body: bytes, content_encoding: str, *, max_bytes: int) -> DecodedBody:
    """Decode ``body`` per ``content_encoding`` (gzip, x-gzip, deflate, identity; may be a list).

    Codings are undone in reverse order of application. An unsupported coding (br, zstd) leaves
    the bytes as they are, with a ``note``.
    """
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    data = body
    truncated = False
    for coding in reversed(codings):
        if coding in ("identity", ""):
            continue
        if coding in ("gzip", "x-gzip"):
            wbits = 16 + zlib.MAX_WBITS
        elif coding == "deflate":
            # "deflate" is meant to be zlib-wrapped but many servers send raw deflate.
            wbits = zlib.MAX_WBITS if _looks_like_zlib(data) else -zlib.MAX_WBITS
        else:
            return DecodedBody(
                data[:max_bytes],
                len(data) > max_bytes,
                f"content coding {coding!r} is not supported; body left encoded",
            )
        try:
            data, more = _inflate(data, wbits, max_bytes)
        except zlib.error as exc:
            return DecodedBody(
                data[:max_bytes], len(data) > max_bytes, f"body is not valid {coding}: {exc}"
            )
        truncated = truncated or more
    if len(data) > max_bytes:
        return DecodedBody(data[:max_bytes], True)
    return DecodedBody(data, truncated)


def _inflate(data: bytes, wbits: int, max_bytes: int) -> tuple[bytes, bool]:
    """Inflate at most ``max_bytes``; the flag says there was more output than that."""
    inflater = zlib.decompressobj(wbits)
    # BytesIO hands its buffer to getvalue() without a copy, so the peak stays near max_bytes.
    out = io.BytesIO()
    pending = data
    while out.tell() < max_bytes and not inflater.eof:
        # max_length bounds each step's output; unconsumed_tail holds the input not yet used.
        chunk = inflater.decompress(pending, min(_CHUNK, max_bytes - out.tell()))
        pending = inflater.unconsumed_tail
        if not chunk and not pending:
            break  # input ran out before the stream's end: a short body, decode what there is
        out.write(chunk)
    more = False
    if out.tell() >= max_bytes and not inflater.eof:
        # Full: one more byte of output tells "exactly max_bytes" from "bigger".
        more = bool(inflater.decompress(pending, 1))
    return out.getvalue(), more


def _looks_like_zlib(data: bytes) -> bool:
    return len(data) >= 2 and (data[0] & 0x0F) == 8 and (data[0] << 8 | data[1]) % 31 == 0

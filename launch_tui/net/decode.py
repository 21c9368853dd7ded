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
    cap: int = 0
    """The decoding cap this body was decoded under."""
    ratio: float | None = None
    """Decoded bytes per compressed byte consumed (``None``: nothing was decompressed)."""
    coding: str = ""
    """The content coding that was undone (``gzip``, ``deflate``...), if any."""

    @property
    def bomb(self) -> str:
        """A sentence naming a body that inflated past the cap; empty when it did not.

        E.g. ``gzip body inflates past the 10 MiB decoding cap (compression ratio 1030:1): a
        decompression bomb``. A page that does this would hang or crash a browser tab.
        """
        if not self.truncated or not self.coding:
            return ""
        ratio = f" (compression ratio {self.ratio:.0f}:1)" if self.ratio else ""
        return (
            f"{self.coding} body inflates past the {_size(self.cap)} decoding cap{ratio}: "
            "a decompression bomb"
        )


def decode_body(body: bytes, content_encoding: str, *, max_bytes: int) -> DecodedBody:
    """Decode ``body`` per ``content_encoding`` (gzip, x-gzip, deflate, identity; may be a list).

    Codings are undone in reverse order of application. An unsupported coding (br, zstd) leaves
    the bytes as they are, with a ``note``.
    """
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    data = body
    truncated = False
    undone = ""
    ratio: float | None = None
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
            data, more, consumed = _inflate(data, wbits, max_bytes)
        except zlib.error as exc:
            return DecodedBody(
                data[:max_bytes],
                len(data) > max_bytes,
                f"body is not valid {coding}: {exc}",
                cap=max_bytes,
            )
        truncated = truncated or more
        undone = coding if not undone else f"{coding}+{undone}"
        if consumed:
            ratio = len(data) / consumed
    if len(data) > max_bytes:
        return DecodedBody(data[:max_bytes], True, cap=max_bytes, ratio=ratio, coding=undone)
    return DecodedBody(data, truncated, cap=max_bytes, ratio=ratio, coding=undone)


def _size(size: int) -> str:
    if size >= 1024 * 1024 and size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)} MiB"
    if size >= 1024 and size % 1024 == 0:
        return f"{size // 1024} KiB"
    return f"{size} bytes"


def _inflate(data: bytes, wbits: int, max_bytes: int) -> tuple[bytes, bool, int]:
    """Inflate at most ``max_bytes``; the flag says there was more output than that; the
    count is how many input bytes produced the output."""
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
    consumed = len(data) - len(inflater.unconsumed_tail) - len(inflater.unused_data)
    return out.getvalue(), more, consumed


def _looks_like_zlib(data: bytes) -> bool:
    return len(data) >= 2 and (data[0] & 0x0F) == 8 and (data[0] << 8 | data[1]) % 31 == 0

"""Hostile responses: what a route sends instead of behaving.

Each one is what a real misbehaving server does to a naive client: a drip that never trips a
per-read timeout, a body too large to hold, a gzip body that inflates a thousandfold, thousands
of headers, a request that is never answered, a kept-alive connection closed without notice.
"""

from __future__ import annotations

import asyncio
import struct
import zlib
from collections.abc import AsyncIterator

from launch_tui.sandbox.http11 import Response, head_bytes
from launch_tui.sandbox.world import (
    Behaviour,
    DropsKeepAlive,
    GzipBomb,
    Hang,
    HugeBody,
    ManyHeaders,
    SlowDrip,
)

_MIB = 1024 * 1024
_PIECE = 64 * 1024
_DRIP_TEXT = b"still loading... "

#: Built gzip bombs by inflated size, shared by every world in the process (they are constants).
_BOMBS: dict[int, bytes] = {}


def hostile_response(behaviour: Behaviour, response: Response) -> Response:
    """Turn the route's normal ``response`` (status and headers) into the hostile one."""
    if isinstance(behaviour, SlowDrip):
        return _slow_drip(behaviour, response)
    if isinstance(behaviour, HugeBody):
        return _huge_body(behaviour, response)
    if isinstance(behaviour, ManyHeaders):
        response.headers.extend((f"X-Filler-{i:04d}", str(i)) for i in range(behaviour.count))
        return response
    if isinstance(behaviour, Hang):
        response.raw = _hang
        return response
    if isinstance(behaviour, DropsKeepAlive):
        response.drop_after = behaviour.after
        response.drop_on_next = behaviour.on_next_request
        return response
    raise TypeError(f"{behaviour!r} needs gzip_bomb_response")  # GzipBomb is async: see below


async def gzip_bomb_response(behaviour: GzipBomb, response: Response) -> Response:
    """A gzip body that inflates to ``behaviour.size`` zero bytes, sent whatever the client
    accepts (a hostile server does not negotiate)."""
    response.body = await gzip_bomb(behaviour.size)
    response.headers = [
        (k, v) for k, v in response.headers if k.lower() not in ("content-type", "content-encoding")
    ]
    response.headers.append(("Content-Type", "text/html; charset=utf-8"))
    response.headers.append(("Content-Encoding", "gzip"))
    return response


async def gzip_bomb(size: int) -> bytes:
    """Gzip of ``size`` (rounded down to whole MiB) zero bytes; built once, then cached.

    Deflating 1 GiB of zeros takes seconds, so it is not done: after a full flush the
    compressor's state repeats, so the compressed form of each further MiB is the same bytes.
    The stream is one member (clients that inflate only the first member still get it all).
    Only the CRC needs a pass over the data; it yields to the event loop as it goes.
    """
    mib = max(1, size // _MIB)
    cached = _BOMBS.get(mib)
    if cached is not None:
        return cached
    zeros = bytes(_MIB)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    repeat = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    end = deflate.flush(zlib.Z_FINISH)
    crc = 0
    for i in range(mib):
        crc = zlib.crc32(zeros, crc)
        if i % 32 == 31:
            await asyncio.sleep(0)
    total = mib * _MIB
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # gzip, deflate, no name, mtime 0
    trailer = struct.pack("<II", crc, total & 0xFFFFFFFF)
    bomb = header + first + repeat * (mib - 1) + end + trailer
    _BOMBS[mib] = bomb
    return bomb


def _slow_drip(drip: SlowDrip, response: Response) -> Response:
    interval = drip.interval_ms / 1000

    async def body() -> AsyncIterator[bytes]:
        sent = 0
        while drip.length == 0 or sent < drip.length:
            yield _DRIP_TEXT[sent % len(_DRIP_TEXT) : sent % len(_DRIP_TEXT) + 1]
            sent += 1
            await asyncio.sleep(interval)

    if not drip.headers:
        response.stream = body
        response.length = drip.length or None
        return response

    # Drip everything, the status line included: the client cannot even learn the status.
    headers = [*response.headers]
    if drip.length:
        headers.append(("Content-Length", str(drip.length)))
    else:
        headers.append(("Transfer-Encoding", "chunked"))
    head = head_bytes(response.status, headers)

    async def raw(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for i in range(len(head)):
            writer.write(head[i : i + 1])
            await writer.drain()
            await asyncio.sleep(interval)
        async for piece in body():
            writer.write(piece if drip.length else b"1\r\n" + piece + b"\r\n")
            await writer.drain()

    response.raw = raw
    return response


def _huge_body(huge: HugeBody, response: Response) -> Response:
    piece = (b"0123456789abcdef" * (_PIECE // 16))[:_PIECE]

    async def body() -> AsyncIterator[bytes]:
        left = huge.size
        while left > 0:
            chunk = piece if left >= _PIECE else piece[:left]
            left -= len(chunk)
            yield chunk

    response.stream = body
    response.length = huge.size
    return response


async def _hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    # Wait for the client to give up (EOF) or the sandbox to stop (cancellation).
    while await reader.read(4096):
        pass

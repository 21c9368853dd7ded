"""Hostile routes do the bad thing they promise, without hurting the sandbox itself."""

from __future__ import annotations

import asyncio
import contextlib
import struct
import time
import zlib

import pytest
from sandbox_fixtures import fetch, open_host, request_bytes

from launch_tui.sandbox import RunningWorld, start_world
from launch_tui.sandbox.behaviours import gzip_bomb

pytest_plugins = ["sandbox_fixtures"]

HOST = "www.hostile.test"


async def test_slow_drip_sends_one_byte_per_interval(hostile_world: RunningWorld) -> None:
    reader, writer = await open_host(hostile_world, HOST, tls=True)
    try:
        writer.write(request_bytes(f"https://{HOST}/drip-body"))
        head = await reader.readuntil(b"\r\n\r\n")
        assert b"Content-Length: 100000" in head
        started = time.monotonic()
        received = b""
        while len(received) < 10:
            received += await reader.read(10 - len(received))
        elapsed = time.monotonic() - started
    finally:
        writer.close()
        await writer.wait_closed()
    print(f"10 bytes in {elapsed * 1000:.0f} ms at a 50 ms drip")
    assert received == b"still load"
    # Nine gaps of 50 ms; the first byte may ride along with the headers, so count eight.
    assert elapsed >= 0.39


async def test_drip_of_the_headers_themselves(hostile_world: RunningWorld) -> None:
    reader, writer = await open_host(hostile_world, HOST, tls=True)
    try:
        writer.write(request_bytes(f"https://{HOST}/drip-headers"))
        first = await reader.read(100)
        assert first == b"H"  # one byte per read: the status line arrives byte by byte
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.25):
                await reader.readuntil(b"\r\n")
    finally:
        writer.close()
        await writer.wait_closed()


async def test_endless_drip_stops_when_the_world_stops() -> None:
    async with start_world("hostile") as running:
        reader, writer = await open_host(running, HOST, tls=True)
        writer.write(request_bytes(f"https://{HOST}/drip"))
        assert b"Transfer-Encoding: chunked" in await reader.readuntil(b"\r\n\r\n")
    assert await reader.read() in (b"", b"1\r\ns\r\n")  # the server went away mid-drip
    writer.close()
    with contextlib.suppress(ConnectionError):
        await writer.wait_closed()


async def test_huge_body_is_streamed_in_full(hostile_world: RunningWorld) -> None:
    reader, writer = await open_host(hostile_world, HOST, tls=False)
    try:
        writer.write(request_bytes(f"http://{HOST}/huge"))
        head = await reader.readuntil(b"\r\n\r\n")
        # Plain http redirects on this host; the body test goes over TLS below.
        assert head.startswith(b"HTTP/1.1 301")
    finally:
        writer.close()
        await writer.wait_closed()
    reader, writer = await open_host(hostile_world, HOST, tls=True)
    try:
        writer.write(request_bytes(f"https://{HOST}/huge"))
        head = await reader.readuntil(b"\r\n\r\n")
        assert b"Content-Length: 52428800" in head
        total = 0
        while chunk := await reader.read(1 << 20):
            total += len(chunk)
    finally:
        writer.close()
        await writer.wait_closed()
    assert total == 52428800


async def test_gzip_bomb_is_small_on_the_wire(hostile_world: RunningWorld) -> None:
    response = await fetch(hostile_world, f"https://{HOST}/bomb")
    assert response.header("content-encoding") == "gzip"
    size = len(response.body)
    print(f"gzip bomb: {size} bytes on the wire for 1 GiB")
    assert size < 2 * 1024 * 1024
    _crc, inflated = struct.unpack("<II", response.body[-8:])
    assert inflated == 1 << 30 & 0xFFFFFFFF
    inflate = zlib.decompressobj(31)
    first = inflate.decompress(response.body, 64 << 20)
    assert len(first) == 64 << 20
    assert first.count(0) == len(first)


async def test_gzip_bomb_is_a_valid_gzip_stream() -> None:
    bomb = await gzip_bomb(64 << 20)
    inflate = zlib.decompressobj(31)
    data = inflate.decompress(bomb)
    assert inflate.eof  # the CRC and length in the trailer checked out
    assert len(data) == 64 << 20
    assert await gzip_bomb(64 << 20) is bomb  # built once


async def test_five_thousand_headers(hostile_world: RunningWorld) -> None:
    response = await fetch(hostile_world, f"https://{HOST}/headers")
    fillers = [k for k, _ in response.headers if k.startswith("X-Filler-")]
    assert len(fillers) == 5000
    assert response.body == b"five thousand headers\n"


async def test_redirect_loops(hostile_world: RunningWorld) -> None:
    a = await fetch(hostile_world, f"https://{HOST}/loop/a")
    b = await fetch(hostile_world, f"https://{HOST}/loop/b")
    assert (a.status, a.header("location")) == (302, "/loop/b")
    assert (b.status, b.header("location")) == (302, "/loop/a")
    far = await fetch(hostile_world, f"https://{HOST}/far")
    back = await fetch(hostile_world, "https://b.hostile.test/back")
    assert far.header("location") == "https://b.hostile.test/back"
    assert back.header("location") == f"https://{HOST}/far"


async def test_escape_sequences_and_markup_are_sent_verbatim(hostile_world: RunningWorld) -> None:
    response = await fetch(hostile_world, f"https://{HOST}/escape")
    assert b"X-Hostile-Escape: \x1b]0;pwned\x07\r\n" in response.raw_head
    assert b"X-Hostile-Markup: [@click=app.quit] [/ [::1] [b]bold\r\n" in response.raw_head
    assert "X-Hostile-Bidi: \u202eexe.txt".encode() in response.raw_head
    assert len(response.all("set-cookie")) == 2
    title = response.body.split(b"<title>")[1].split(b"</title>")[0]
    assert title.startswith(
        b"\x1b]0;pwned\x07 [@click=app.quit] [/ [::1] <script>alert(1)</script>"
    )
    assert "\u202e".encode() in title


async def test_hang_never_answers(hostile_world: RunningWorld) -> None:
    reader, writer = await open_host(hostile_world, HOST, tls=True)
    try:
        writer.write(request_bytes(f"https://{HOST}/hang"))
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.3):
                await reader.read(1)
    finally:
        writer.close()
        await writer.wait_closed()
    ok = await fetch(hostile_world, f"https://{HOST}/ok")
    assert ok.status == 200

"""The HTTP client on servers that drop kept-alive connections or never answer, and bodies that
inflate past the decoding cap: each failure named from what was actually written and read."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from launch_tui.net import (
    FailureKind,
    HttpClient,
    NetConfig,
    NetLimits,
    Phase,
    Resolver,
    make_http_client,
    parse_resolve,
)


def client_for(*, overrides: tuple[str, ...], limits: NetLimits | None = None) -> HttpClient:
    config = NetConfig(
        overrides=tuple(parse_resolve(o) for o in overrides),
        limits=limits or NetLimits(total_deadline=5.0, connect_timeout=2.0),
    )
    return make_http_client(config, Resolver(()))


Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def listening(handle: Handler) -> AsyncIterator[int]:
    """A loopback server on a free port; every connection is closed and its task awaited."""
    tasks: set[asyncio.Task[None]] = set()
    writers: set[asyncio.StreamWriter] = set()

    async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)  # type: ignore[arg-type]
        writers.add(writer)
        try:
            await handle(reader, writer)
        finally:
            writer.close()

    listener = await asyncio.start_server(tracked, "127.0.0.1", 0)
    try:
        yield listener.sockets[0].getsockname()[1]
    finally:
        listener.close()
        for writer in writers:
            writer.close()
        await asyncio.gather(*tasks, return_exceptions=True)
        await listener.wait_closed()


@contextlib.asynccontextmanager
async def server(answers_per_connection: int, *, never_answer: bool = False) -> AsyncIterator[int]:
    """Answers the first ``answers_per_connection`` requests of a connection, then reads the
    next one and closes without a word (or, ``never_answer``, reads every request and waits)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            for _ in range(answers_per_connection):
                request = await reader.readuntil(b"\r\n\r\n")
                # No body after a HEAD's answer: bytes there would make the client distrust
                # the connection (they would be read as the start of the next answer).
                body = b"" if request.startswith(b"HEAD ") else b"ok"
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n" + body)
                await writer.drain()
            await reader.readuntil(b"\r\n\r\n")
            if never_answer:
                await reader.read()  # until the client gives up

    async with listening(handle) as port:
        yield port


async def test_a_reused_connection_closed_before_the_answer_is_sent_again() -> None:
    async with server(1) as port, client_for(overrides=(f"t.test=127.0.0.1:{port}",)) as c:
        results = [await c.fetch("http://t.test/") for _ in range(4)]
    assert [r.status for r in results] == [200] * 4, [r.failure for r in results]
    assert [r.resent for r in results] == [0, 1, 1, 1]


async def test_a_post_on_a_dropped_connection_is_not_sent_twice() -> None:
    async with server(1) as port, client_for(overrides=(f"t.test=127.0.0.1:{port}",)) as c:
        first = await c.fetch("http://t.test/", "POST", body=b"x")
        second = await c.fetch("http://t.test/", "POST", body=b"x")
    assert first.status == 200
    assert second.failure is not None and second.resent == 0
    assert second.failure.kind is FailureKind.PROTOCOL
    # The request was written whole: the server closed while it was awaited, not mid-send.
    assert second.failure.phase is Phase.HEADERS
    assert "closed the connection without a response" in second.failure.message


async def test_a_fresh_connection_closed_before_the_answer_is_a_failure() -> None:
    async with server(0) as port, client_for(overrides=(f"t.test=127.0.0.1:{port}",)) as c:
        result = await c.fetch("http://t.test/")
    assert result.failure is not None and result.resent == 0
    assert result.failure.kind is FailureKind.PROTOCOL


async def test_a_server_that_read_the_request_and_never_answered() -> None:
    limits = NetLimits(total_deadline=0.5, connect_timeout=0.5)
    async with (
        server(0, never_answer=True) as port,
        client_for(overrides=(f"t.test=127.0.0.1:{port}",), limits=limits) as c,
    ):
        result = await c.fetch("http://t.test/")
    assert result.failure is not None
    assert result.failure.kind is FailureKind.DEADLINE
    assert result.failure.phase is Phase.HEADERS
    assert "sending the request" not in result.failure.message
    assert "waiting for an answer (the request was sent, " in result.failure.message
    assert "nothing came back" in result.failure.message


async def test_a_gzip_bomb_is_named_with_its_ratio_and_the_cap() -> None:
    body = gzip.compress(bytes(8 * 1024 * 1024), mtime=0)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            await reader.readuntil(b"\r\n\r\n")
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n%s"
                % (len(body), body)
            )
            await writer.drain()

    limits = NetLimits(total_deadline=5.0, max_decoded_bytes=1024 * 1024)
    async with (
        listening(handle) as port,
        client_for(overrides=(f"t.test=127.0.0.1:{port}",), limits=limits) as c,
    ):
        result = await c.fetch("http://t.test/")
    decoded = result.decoded()
    assert decoded.truncated and len(decoded.data) == 1024 * 1024
    assert decoded.ratio is not None and decoded.ratio > 500
    assert decoded.bomb.startswith("gzip body inflates past the 1 MiB decoding cap")
    assert f"(compression ratio {decoded.ratio:.0f}:1)" in decoded.bomb
    assert not result.decoded(16 * 1024 * 1024).bomb


@pytest.mark.parametrize("method", ["GET", "HEAD"])
async def test_resending_keeps_the_method(method: str) -> None:
    async with server(1) as port, client_for(overrides=(f"t.test=127.0.0.1:{port}",)) as c:
        await c.fetch("http://t.test/", method)
        again = await c.fetch("http://t.test/", method)
    assert again.status == 200 and again.resent == 1 and again.method == method

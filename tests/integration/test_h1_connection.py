"""The lean HTTP/1.1 client's own ways to fail, against real loopback servers.

The client parses answers itself (``net/h1_connection.py``) and decides itself when a kept-alive
connection may serve another request (``net/transport.py``). Each server here writes exactly
the bytes of one odd case: a head cut short, both Content-Length and chunked framing, 1xx
answers, bytes after the body, a body running to the end of the connection, a TLS server that
resets once the handshake is done, an idle connection closed by the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from net_fixtures import HttpServer, Pki, Request, closed_port, server_context

from launch_tui.net import (
    FailureKind,
    FetchResult,
    HttpClient,
    Nameserver,
    NetConfig,
    NetLimits,
    Phase,
    Resolver,
    make_http_client,
    parse_resolve,
)
from launch_tui.net.transport import MAX_IDLE

StreamHandler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def client_for(*overrides: str, ca_bundle: str | None = None) -> HttpClient:
    config = NetConfig(
        overrides=tuple(parse_resolve(o) for o in overrides),
        ca_bundle=ca_bundle,
        limits=NetLimits(total_deadline=3.0, connect_timeout=2.0),
    )
    return make_http_client(config, Resolver((Nameserver("127.0.0.1", closed_port()),)))


class Served:
    """A loopback server answering every request of a connection with ``answer(n)`` (n counts
    the connection's requests from 0), or closing when ``answer`` returns ``None``."""

    def __init__(self, answer: Callable[[bytes, int], bytes | None]) -> None:
        self.answer = answer
        self.connections = 0
        self.requests: list[bytes] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            for index in range(100):
                request = await reader.readuntil(b"\r\n\r\n")
                self.requests.append(request)
                data = self.answer(request, index)
                if data is None:
                    break
                writer.write(data)
                await writer.drain()
        writer.close()


@contextlib.asynccontextmanager
async def serving(handle: StreamHandler) -> AsyncIterator[int]:
    """Run ``handle`` per connection on a free loopback port; every task awaited at the end."""
    tasks: set[asyncio.Task[None]] = set()

    async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)  # type: ignore[arg-type]
        try:
            await handle(reader, writer)
        finally:
            writer.transport.abort()

    listener = await asyncio.start_server(tracked, "127.0.0.1", 0)
    try:
        yield listener.sockets[0].getsockname()[1]
    finally:
        listener.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await listener.wait_closed()


async def fetch_twice(
    answer: Callable[[bytes, int], bytes | None],
) -> tuple[Served, list[FetchResult]]:
    served = Served(answer)
    async with serving(served.handle) as port, client_for(f"t.test=127.0.0.1:{port}") as c:
        results = [await c.fetch("http://t.test/"), await c.fetch("http://t.test/")]
    return served, results


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


async def test_a_kept_alive_connection_serves_the_next_request() -> None:
    served = Served(lambda _req, _n: OK)
    async with serving(served.handle) as port, client_for(f"t.test=127.0.0.1:{port}") as c:
        first = await c.fetch("http://t.test/")
        second = await c.fetch("http://t.test/")
    assert (first.body, second.body) == (b"ok", b"ok")
    assert served.connections == 1
    assert second.timing.connect_ms is None and second.resent == 0


async def test_a_head_cut_short_is_a_protocol_failure_with_what_arrived() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/ht")
        await writer.drain()

    async with serving(handle) as port, client_for(f"t.test=127.0.0.1:{port}") as c:
        result = await c.fetch("http://t.test/")
    assert result.failure is not None
    assert (result.failure.kind, result.failure.phase) == (FailureKind.PROTOCOL, Phase.HEADERS)
    assert result.status is None and result.resent == 0
    assert "closed the connection" in result.failure.message


async def test_content_length_and_chunked_together_read_chunked_and_never_reuse() -> None:
    both = (
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    )
    served, results = await fetch_twice(lambda _req, _n: both)
    for result in results:
        assert result.failure is None, result.failure
        assert result.body == b"hello world"
    # RFC 9112 §6.3: a message framed both ways is a smuggling sign; its connection is closed.
    assert served.connections == 2


async def test_informational_answers_before_the_real_one_are_skipped() -> None:
    answer = (
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n" + OK
    )
    served, results = await fetch_twice(lambda _req, _n: answer)
    for result in results:
        assert result.failure is None and result.status == 200
        assert result.body == b"ok"
        assert result.header("link") is None
        assert result.raw_head.startswith(b"HTTP/1.1 200 OK")
    assert served.connections == 1


async def test_an_unasked_protocol_switch_is_a_protocol_failure() -> None:
    switch = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"
    _served, results = await fetch_twice(lambda _req, _n: switch)
    failure = results[0].failure
    assert failure is not None and failure.kind is FailureKind.PROTOCOL
    assert "101" in failure.message


async def test_bytes_after_the_body_are_not_read_as_the_next_answer() -> None:
    # A server that pipelines garbage (or a second answer nobody asked for) after the body.
    garbage = OK + b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfalse"
    served, results = await fetch_twice(lambda _req, _n: garbage)
    assert [r.body for r in results] == [b"ok", b"ok"]
    assert all(r.failure is None for r in results)
    assert served.connections == 2


async def test_a_body_after_a_head_answer_is_not_trusted() -> None:
    served = Served(lambda _req, _n: OK)
    async with serving(served.handle) as port, client_for(f"t.test=127.0.0.1:{port}") as c:
        head = await c.fetch("http://t.test/", "HEAD")
        after = await c.fetch("http://t.test/")
    assert head.status == 200 and head.body == b"" and head.failure is None
    assert after.body == b"ok" and after.failure is None
    assert served.connections == 2


async def test_a_body_without_length_runs_to_the_close() -> None:
    connections = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(await reader.readuntil(b"\r\n\r\n"))
        writer.write(b"HTTP/1.1 200 OK\r\n\r\nuntil ")
        await writer.drain()
        writer.write(b"the end")
        writer.close()  # the end of the body

    async with serving(handle) as port, client_for(f"t.test=127.0.0.1:{port}") as c:
        results = [await c.fetch("http://t.test/"), await c.fetch("http://t.test/")]
    assert [r.failure for r in results] == [None, None]
    assert [r.body for r in results] == [b"until the end"] * 2
    assert len(connections) == 2


@pytest.mark.parametrize(
    ("answer", "phase"),
    [
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n", Phase.BODY),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok", Phase.HEADERS),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nok", Phase.HEADERS),
        (b"HTTP/1.1 200 OK\r\nNo colon here\r\n\r\nok", Phase.HEADERS),
        (b"ICY 200 OK\r\n\r\nok", Phase.HEADERS),
    ],
    ids=["chunk-size", "two-lengths", "not-chunked", "header-line", "status-line"],
)
async def test_broken_framing_is_a_protocol_failure(answer: bytes, phase: Phase) -> None:
    _served, results = await fetch_twice(lambda _req, _n: answer)
    for result in results:
        failure = result.failure
        assert failure is not None and failure.kind is FailureKind.PROTOCOL, failure
        assert failure.phase is phase


async def test_folded_header_lines_are_unfolded() -> None:
    folded = b"HTTP/1.1 200 OK\r\nX-Long: one\r\n two\r\n\tthree\r\nContent-Length: 2\r\n\r\nok"
    _served, results = await fetch_twice(lambda _req, _n: folded)
    assert results[0].failure is None
    assert results[0].header("x-long") == "one two three"


async def test_a_malformed_head_is_kept_and_read_leniently() -> None:
    answer = b"HTTP/1.1 200 OK\r\nX-Good: yes\r\nBad Header: no\r\n\r\nok"
    _served, results = await fetch_twice(lambda _req, _n: answer)
    result = results[0]
    assert result.status == 200
    assert result.header("x-good") == "yes"
    assert result.raw_head.endswith(b"Bad Header: no\r\n\r\n")


async def test_an_idle_connection_the_server_closed_is_not_handed_out() -> None:
    closed = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(OK)
        await writer.drain()
        writer.close()  # idle close, no "Connection: close"
        closed.set()

    async with serving(handle) as port, client_for(f"t.test=127.0.0.1:{port}") as c:
        first = await c.fetch("http://t.test/")
        await closed.wait()
        # A few turns of the loop: the FIN is on loopback already, so the client's side has
        # read it (end of stream) before the next fetch asks for a connection.
        for _ in range(20):
            await asyncio.sleep(0)
        second = await c.fetch("http://t.test/")
    assert first.body == second.body == b"ok"
    assert second.resent == 0  # not sent on the dead connection first
    assert second.timing.connect_ms is not None


async def test_a_tls_server_that_resets_after_the_handshake(tmp_path: Path) -> None:
    pki = Pki(tmp_path)
    leaf = pki.leaf(["tls.test"])
    context = server_context(pki.chain_file(leaf, pki.intermediate), leaf.key_path)

    async def reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        sock = writer.get_extra_info("socket")
        # SO_LINGER 0: the close is a TCP reset, not a TLS goodbye.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        writer.transport.abort()

    server = await asyncio.start_server(reset, "127.0.0.1", 0, ssl=context)
    port = server.sockets[0].getsockname()[1]
    try:
        async with client_for(f"tls.test=127.0.0.1:{port}", ca_bundle=str(pki.bundle_path)) as c:
            result = await c.fetch("https://tls.test/")
    finally:
        server.close()
        await server.wait_closed()
    assert result.failure is not None
    assert result.failure.kind is FailureKind.PROTOCOL, result.failure
    assert result.failure.phase is Phase.HEADERS
    assert result.timing.tls_ms is not None  # the handshake itself succeeded
    assert result.resent == 0  # a fresh connection's failure is the server's


async def test_tls_connections_are_kept_alive_too(tmp_path: Path) -> None:
    pki = Pki(tmp_path)
    leaf = pki.leaf(["tls.test"])
    context = server_context(pki.chain_file(leaf, pki.intermediate), leaf.key_path)

    async def answer(request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(OK)

    async with HttpServer({"/": answer}, ssl_context=context, keep_alive=True) as server:
        override = f"tls.test=127.0.0.1:{server.port}"
        async with client_for(override, ca_bundle=str(pki.bundle_path)) as c:
            results = await asyncio.gather(*(c.fetch("https://tls.test/") for _ in range(6)))
            again = await c.fetch("https://tls.test/")
    assert [r.body for r in results] == [b"ok"] * 6
    assert server.connections <= 6
    assert again.timing.tls_ms is None and again.body == b"ok"
    assert server.connections == len(server.sni_names)


async def test_post_sends_its_body_with_its_length() -> None:
    seen: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        seen.append(head + await reader.readexactly(7))
        writer.write(OK)
        await writer.drain()

    async with serving(handle) as port, client_for(f"t.test=127.0.0.1:{port}") as c:
        result = await c.fetch("http://t.test/form", "POST", body=b"a=1&b=2")
    assert result.status == 200
    head, _, body = seen[0].partition(b"\r\n\r\n")
    assert head.startswith(b"POST /form HTTP/1.1\r\nHost: t.test\r\n")
    assert b"\r\nContent-Length: 7" in head and body == b"a=1&b=2"


async def test_closing_the_client_mid_handshake_ends_the_fetch_as_closed() -> None:
    hello = asyncio.Event()

    async def mute(reader: asyncio.StreamReader, _writer: asyncio.StreamWriter) -> None:
        await reader.read(1)  # the ClientHello's first byte: the client is in the handshake
        hello.set()
        await reader.read()  # and is never answered

    async with serving(mute) as port:
        client = client_for(f"mute.test=127.0.0.1:{port}")
        fetch = asyncio.ensure_future(client.fetch("https://mute.test/"))
        await hello.wait()
        await client.aclose()
        result = await fetch
    assert result.failure is not None
    assert result.failure.kind is FailureKind.ERROR
    assert result.failure.message.endswith("the HTTP client was closed"), result.failure
    assert result.failure.phase is Phase.TLS


async def test_a_chunked_body_arriving_a_byte_at_a_time() -> None:
    answer = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"4;ext=1\r\nwiki\r\n5\r\npedia\r\n0\r\nX-Trailer: yes\r\n\r\n"
    )

    async def drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for _ in range(2):
            await reader.readuntil(b"\r\n\r\n")
            for index in range(len(answer)):
                writer.write(answer[index : index + 1])
                await writer.drain()

    async with serving(drip) as port, client_for(f"t.test=127.0.0.1:{port}") as c:
        results = [await c.fetch("http://t.test/"), await c.fetch("http://t.test/")]
    assert [r.failure for r in results] == [None, None]
    assert [r.body for r in results] == [b"wikipedia"] * 2
    assert results[1].timing.connect_ms is None  # trailers read whole: the connection is reused


async def test_an_http_1_0_answer_closes_its_connection() -> None:
    def answer(_req: bytes, n: int) -> bytes | None:
        return b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok" if n == 0 else None

    served, results = await fetch_twice(answer)
    assert [(r.http_version, r.body, r.failure) for r in results] == [("HTTP/1.0", b"ok", None)] * 2
    assert served.connections == 2
    assert results[1].resent == 0 and results[1].timing.connect_ms is not None


class Counted:
    """A server answering OK on kept-alive connections, counting those open and ever opened
    (``opened`` names each connection's first request's Host)."""

    def __init__(self) -> None:
        self.open = 0
        self.opened: list[str] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.open += 1
        try:
            with contextlib.suppress(OSError, asyncio.IncompleteReadError):
                first = True
                while True:
                    request = await reader.readuntil(b"\r\n\r\n")
                    if first:
                        host = request.split(b"\r\nHost: ", 1)[1].split(b"\r\n", 1)[0]
                        self.opened.append(host.decode())
                        first = False
                    writer.write(OK)
                    await writer.drain()
        finally:
            self.open -= 1


async def _settle(until: Callable[[], bool]) -> None:
    for _ in range(200):
        if until():
            return
        await asyncio.sleep(0.005)


async def test_idle_connections_are_capped_across_origins_longest_idle_closed_first() -> None:
    served = Counted()
    async with serving(served.handle) as port:
        names = [f"o{i}.test" for i in range(MAX_IDLE + 8)]
        async with client_for(*(f"{n}=127.0.0.1:{port}" for n in names)) as c:
            for name in names:
                assert (await c.fetch(f"http://{name}/")).body == b"ok"
            await _settle(lambda: served.open <= MAX_IDLE)
            assert served.open == MAX_IDLE  # the 8 idle longest were closed
            again_last = await c.fetch(f"http://{names[-1]}/")
            again_first = await c.fetch(f"http://{names[0]}/")
    assert again_last.timing.connect_ms is None  # still kept: reused
    assert again_first.timing.connect_ms is not None  # closed by the cap: a new connection
    assert served.opened == [*names, names[0]]


async def test_an_expired_idle_connection_is_closed_when_the_pool_is_next_used() -> None:
    served = Counted()
    shift = [0.0]

    def clock() -> float:
        return time.perf_counter() + shift[0]

    async with serving(served.handle) as port:
        config = NetConfig(
            overrides=(
                parse_resolve(f"a.test=127.0.0.1:{port}"),
                parse_resolve(f"b.test=127.0.0.1:{port}"),
            ),
            limits=NetLimits(total_deadline=3.0, connect_timeout=2.0),
        )
        resolver = Resolver((Nameserver("127.0.0.1", closed_port()),))
        async with make_http_client(config, resolver, clock=clock) as c:
            await c.fetch("http://a.test/")
            await _settle(lambda: served.open == 1)
            shift[0] = 60.0  # a minute later: a.test's idle connection has expired
            await c.fetch("http://b.test/")
            await _settle(lambda: served.open == 1)
            assert served.open == 1  # a.test's was closed, not kept to the end of the run
    assert served.opened == ["a.test", "b.test"]

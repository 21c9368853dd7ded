"""The HTTP client's own TLS layer (``net/tls_transport.py``) against real TLS servers on loopback.

A second connection to an origin resumes the first one's session (the server says so:
``SSLObject.session_reused`` on its side), in TLS 1.3 and 1.2; sessions are never offered
across clients with different verification nor across host names, so a certificate that does
not fit still fails however many good sessions exist; bodies of several MiB arrive intact in
bounded chunks; a server that ends the body with or without ``close_notify``, one that
resets mid-body, and one that sends a record no key made after the handshake.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import socket
import ssl
import threading
from pathlib import Path

import pytest
from net_fixtures import HttpServer, Pki, Request, closed_port, server_context

from launch_tui.net import (
    FailureKind,
    HttpClient,
    Nameserver,
    NetConfig,
    NetLimits,
    Phase,
    Resolver,
    make_http_client,
    parse_resolve,
)
from launch_tui.net.ssl_contexts import make_ssl_context
from launch_tui.net.tls_transport import READ_CHUNK, TlsLayer

MIB = 1024 * 1024


def client_for(*overrides: str, ca_bundle: str, max_body: int = 5 * MIB) -> HttpClient:
    config = NetConfig(
        overrides=tuple(parse_resolve(o) for o in overrides),
        ca_bundle=ca_bundle,
        limits=NetLimits(total_deadline=5.0, connect_timeout=3.0, max_body_bytes=max_body),
    )
    return make_http_client(config, Resolver((Nameserver("127.0.0.1", closed_port()),)))


class Resumptions:
    """A handler answering ``ok`` that records, per request, whether its TLS session resumed."""

    def __init__(self) -> None:
        self.reused: list[bool] = []

    async def __call__(self, _request: Request, writer: asyncio.StreamWriter) -> None:
        self.reused.append(writer.get_extra_info("ssl_object").session_reused)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")


def tls_server(
    tmp_path: Path, names: list[str], version: ssl.TLSVersion | None = None
) -> tuple[Pki, ssl.SSLContext]:
    """A CA and a server context presenting a certificate for ``names`` (pinned to ``version``)."""
    pki = Pki(tmp_path)
    leaf = pki.leaf(names)
    context = server_context(pki.chain_file(leaf, pki.intermediate), leaf.key_path, version=version)
    return pki, context


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2])
async def test_a_second_connection_to_an_origin_resumes_the_session(
    tmp_path: Path, version: ssl.TLSVersion, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each read of SSLObject.session copies the session (about 0.25 ms): a full handshake
    # reads it once, to keep it; a resumed one keeps offering the session it resumed.
    reads: list[bool] = []
    session = ssl.SSLObject.session

    def counted(sslobj: ssl.SSLObject) -> ssl.SSLSession | None:
        reads.append(sslobj.session_reused)
        return session.fget(sslobj)  # type: ignore[misc]

    monkeypatch.setattr(ssl.SSLObject, "session", property(counted, session.fset))
    pki, context = tls_server(tmp_path, ["tls.test"], version)
    seen = Resumptions()
    async with HttpServer({"/": seen}, ssl_context=context) as server:
        override = f"tls.test=127.0.0.1:{server.port}"
        async with client_for(override, ca_bundle=str(pki.bundle_path)) as c:
            results = [await c.fetch("https://tls.test/") for _ in range(3)]
    assert [r.body for r in results] == [b"ok"] * 3
    assert server.connections == 3  # each answer closed its connection: three handshakes
    assert seen.reused == [False, True, True]
    assert [r.timing.tls_resumed for r in results] == [False, True, True]
    assert all(r.timing.tls_ms is not None for r in results)
    assert reads == [False]


async def test_a_verify_off_clients_session_is_not_offered_by_a_verifying_one(
    tmp_path: Path,
) -> None:
    pki, context = tls_server(tmp_path, ["tls.test"])
    seen = Resumptions()
    async with HttpServer({"/": seen}, ssl_context=context) as server:
        override = f"tls.test=127.0.0.1:{server.port}"
        async with client_for(override, ca_bundle=str(pki.bundle_path)) as c:
            async with c.variant(verify=False) as lax:
                loose = [await lax.fetch("https://tls.test/") for _ in range(2)]
            strict = [await c.fetch("https://tls.test/") for _ in range(2)]
    assert [r.body for r in loose + strict] == [b"ok"] * 4
    # The lax client resumes its own session; the verifying one starts with a full handshake.
    assert seen.reused == [False, True, False, True]


async def test_a_certificate_that_does_not_fit_fails_whatever_sessions_exist(
    tmp_path: Path,
) -> None:
    pki, context = tls_server(tmp_path, ["good.test"])  # bad.test reaches the same server
    seen = Resumptions()
    async with HttpServer({"/": seen}, ssl_context=context) as server:
        overrides = (f"good.test=127.0.0.1:{server.port}", f"bad.test=127.0.0.1:{server.port}")
        async with client_for(*overrides, ca_bundle=str(pki.bundle_path)) as c:
            good = [await c.fetch("https://good.test/") for _ in range(2)]
            bad = [await c.fetch("https://bad.test/") for _ in range(2)]
            after = await c.fetch("https://good.test/")
    assert [r.body for r in good] == [b"ok", b"ok"] and after.body == b"ok"
    assert seen.reused == [False, True, True]  # good.test's session, never bad.test's
    for result in bad:
        assert result.failure is not None
        assert result.failure.kind is FailureKind.TLS, result.failure
        assert result.failure.phase is Phase.TLS
        assert "could not be verified" in result.failure.message, result.failure.message


async def test_a_body_of_several_mib_arrives_intact(tmp_path: Path) -> None:
    pki, context = tls_server(tmp_path, ["big.test"])
    body = hashlib.shake_256(b"launch-tui").digest(4 * MIB + 12345)

    async def big(_request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body))
        for start in range(0, len(body), 100_000):  # in writes of odd sizes
            writer.write(body[start : start + 100_000])
            await writer.drain()

    routes = {"/": big}
    async with HttpServer(routes, ssl_context=context, keep_alive=True) as server:
        override = f"big.test=127.0.0.1:{server.port}"
        async with client_for(override, ca_bundle=str(pki.bundle_path)) as c:
            results = [await c.fetch("https://big.test/") for _ in range(2)]
    for result in results:
        assert result.failure is None, result.failure
        assert result.body == body
    assert server.connections == 1  # read whole, so kept alive for the second


async def test_the_layer_hands_over_plaintext_in_bounded_chunks(tmp_path: Path) -> None:
    pki, context = tls_server(tmp_path, ["chunks.test"])
    body = bytes(range(256)) * (3 * MIB // 256)

    async def big(_request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)

    class Recorder(asyncio.Protocol):
        def __init__(self) -> None:
            self.chunks: list[int] = []
            self.data = bytearray()
            self.ended = asyncio.get_running_loop().create_future()

        def data_received(self, data: bytes) -> None:
            self.chunks.append(len(data))
            self.data += data

        def connection_lost(self, exc: Exception | None) -> None:
            if not self.ended.done():
                self.ended.set_result(exc)

    async with HttpServer({"/": big}, ssl_context=context) as server:
        loop = asyncio.get_running_loop()
        plain, recorder = await loop.create_connection(Recorder, "127.0.0.1", server.port)
        layer = TlsLayer(plain, recorder, make_ssl_context(str(pki.bundle_path)), "chunks.test")
        plain.set_protocol(layer)
        assert await asyncio.wait_for(layer.handshake(), 3.0) is True
        cert = layer.transport.get_extra_info("peercert")
        assert ("DNS", "chunks.test") in cert["subjectAltName"]
        assert layer.transport.get_extra_info("ssl_object").version() == "TLSv1.3"
        assert layer.transport.get_extra_info("cipher") is not None
        assert layer.transport.get_extra_info("peername")[0] == "127.0.0.1"
        layer.transport.write(b"GET / HTTP/1.1\r\nHost: chunks.test\r\n\r\n")
        assert await asyncio.wait_for(recorder.ended, 5.0) is None  # the server closes after
    assert recorder.data.endswith(body)
    assert max(recorder.chunks) <= READ_CHUNK
    # Once the connection is lost, OpenSSL's state is let go at once (not at a collection).
    assert layer.ssl_object is None
    assert layer.transport.get_extra_info("peercert") is None


@pytest.mark.parametrize("goodbye", ["close_notify", "tcp_fin_only"])
async def test_a_body_to_the_end_of_the_connection_ends_with_or_without_close_notify(
    tmp_path: Path, goodbye: str
) -> None:
    pki, context = tls_server(tmp_path, ["eof.test"])
    body = b"x" * 300_000

    async def to_eof(_request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\n\r\n" + body)
        await writer.drain()
        if goodbye == "close_notify":
            writer.close()
            await writer.wait_closed()
        else:  # the TCP stream ends with no TLS goodbye first
            writer.get_extra_info("socket").shutdown(socket.SHUT_WR)
            await asyncio.sleep(0.2)  # the client closes first; the fixture then aborts

    async with HttpServer({"/": to_eof}, ssl_context=context) as server:
        override = f"eof.test=127.0.0.1:{server.port}"
        async with client_for(override, ca_bundle=str(pki.bundle_path)) as c:
            result = await c.fetch("https://eof.test/")
            again = await c.fetch("https://eof.test/")
    assert result.failure is None, result.failure
    assert result.body == body
    assert again.body == body and again.timing.tls_ms is not None  # a new connection
    assert again.timing.tls_resumed is True


async def test_a_reset_mid_body_fails_the_fetch_and_the_next_one_reconnects(
    tmp_path: Path,
) -> None:
    pki, context = tls_server(tmp_path, ["cut.test"])
    calls = 0

    async def cut(_request: Request, writer: asyncio.StreamWriter) -> None:
        nonlocal calls
        calls += 1
        if calls > 1:
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            return
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n" + b"y" * 200_000)
        await writer.drain()
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        writer.transport.abort()

    routes = {"/": cut}
    async with HttpServer(routes, ssl_context=context, keep_alive=True) as server:
        override = f"cut.test=127.0.0.1:{server.port}"
        async with client_for(override, ca_bundle=str(pki.bundle_path)) as c:
            first = await c.fetch("https://cut.test/")
            second = await c.fetch("https://cut.test/")
    assert first.failure is not None
    assert first.failure.kind is FailureKind.PROTOCOL, first.failure
    assert first.failure.phase is Phase.BODY
    assert second.failure is None and second.body == b"ok"
    assert second.timing.tls_resumed is True
    assert server.connections == 2


async def test_a_bad_record_after_the_handshake_is_a_broken_exchange(tmp_path: Path) -> None:
    pki, context = tls_server(tmp_path, ["rec.test"])
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        conn, _ = listener.accept()
        with context.wrap_socket(conn, server_side=True) as tls:
            tls.recv(4096)  # the request
            # An application-data record whose bytes no key made, straight onto the socket.
            with socket.socket(fileno=os.dup(tls.fileno())) as raw:
                raw.sendall(b"\x17\x03\x03\x00\x20" + b"\x42" * 32)
                raw.recv(1)  # until the client gives up on the connection

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        async with client_for(f"rec.test=127.0.0.1:{port}", ca_bundle=str(pki.bundle_path)) as c:
            result = await c.fetch("https://rec.test/")
    finally:
        await asyncio.to_thread(thread.join, 5.0)
        listener.close()
    assert result.failure is not None
    assert result.failure.kind is FailureKind.PROTOCOL, result.failure
    assert result.failure.phase is Phase.HEADERS
    # Worded as with asyncio's TLS before (the exchange words a dropped connection itself).
    assert "SSLError" in result.failure.message, result.failure.message
    assert "bad record mac" in result.failure.message
    assert result.timing.tls_ms is not None

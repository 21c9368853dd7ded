"""The HTTP client's transport: one connection pool per origin, all closed on ``aclose``, and
stream facts that are cached only when they cannot change.

The pool tests use a loopback server whose handler the test holds (``net_fixtures``), so "the
busy origin's only connection is taken" is an awaited fact, not a guess about timing. The
closing and stream tests use a sandbox world.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import socket
import ssl
import time
import typing
import warnings
from collections import Counter
from collections.abc import AsyncIterator, Iterator

import httpcore
import pytest
from net_fixtures import HttpServer, Request, closed_port, respond, response_bytes

from launch_tui.net import (
    FailureKind,
    HttpClient,
    Nameserver,
    NetConfig,
    NetLimits,
    ResolveOverride,
    Resolver,
    make_http_client,
    net_config,
)
from launch_tui.net.ssl_contexts import make_strict_stdlib_context
from launch_tui.net.transport import ObservedStream
from launch_tui.sandbox import RunningWorld, parse_world, session_for, start_world

POOL_LAB = """
name = "poollab"
[sprint]
id = "poollab"
client = "Pool Lab"
product = "Connections"

[[hosts]]
name = "plain.pool.test"
tls = "none"
[[hosts.routes]]
path = "/"
body = "plain"

[[hosts]]
name = "secure.pool.test"
[[hosts.routes]]
path = "/"
body = "secure"

[[hosts]]
name = "other.pool.test"
[[hosts.routes]]
path = "/"
body = "other"
"""

#: Long enough that a request stuck behind a busy connection shows as a failure, not a wait.
PROMPT = NetLimits(total_deadline=2.0)
#: What a request queued behind the busy origin's only connection gets before giving up.
IMPATIENT = NetLimits(total_deadline=0.3)


@pytest.fixture
async def pool_lab() -> AsyncIterator[RunningWorld]:
    async with start_world(parse_world(POOL_LAB, source="poollab.toml")) as running:
        yield running
        assert running.errors() == ()


def offline_resolver() -> Resolver:
    """A resolver that could answer nothing: every name here goes through an override."""
    return Resolver([Nameserver("127.0.0.1", closed_port())])


@contextlib.asynccontextmanager
async def closing(client: HttpClient) -> AsyncIterator[HttpClient]:
    try:
        yield client
    finally:
        await client.aclose()


class HeldRoute:
    """A route that answers only when released; ``arrived`` is set when a request comes in."""

    def __init__(self) -> None:
        self.arrived = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, _request: Request, writer: asyncio.StreamWriter) -> None:
        self.arrived.set()
        await self.release.wait()
        writer.write(response_bytes(200, body=b"held"))


# -- one pool per origin -------------------------------------------------------------------------


@pytest.mark.parametrize("differ_by", ["host", "port"])
async def test_a_busy_origin_does_not_hold_up_another(differ_by: str) -> None:
    held = HeldRoute()
    async with (
        HttpServer({"/held": held, "/": respond(200, body=b"busy")}) as busy_server,
        HttpServer({"/": respond(200, body=b"free")}) as free_server,
    ):
        overrides: tuple[ResolveOverride, ...]
        if differ_by == "host":
            # One server, two names: only the URL's host tells the origins apart.
            overrides = (
                ResolveOverride("busy.pool.test", "127.0.0.1", busy_server.port),
                ResolveOverride("free.pool.test", "127.0.0.1", busy_server.port),
            )
            busy, free = "http://busy.pool.test", "http://free.pool.test"
        else:
            overrides = (ResolveOverride("pool.test", "127.0.0.1"),)
            busy = f"http://pool.test:{busy_server.port}"
            free = f"http://pool.test:{free_server.port}"
        config = NetConfig(overrides=overrides)
        client = make_http_client(config, offline_resolver(), max_connections=1)
        async with closing(client) as http:
            waiting = [asyncio.create_task(http.fetch(f"{busy}/held")) for _ in range(4)]
            await held.arrived.wait()  # the busy origin's one connection is taken

            other = await http.fetch(f"{free}/", limits=PROMPT)
            assert (other.status, other.body, other.failure) == (
                200,
                b"free" if differ_by == "port" else b"busy",
                None,
            )
            # The limit still holds per origin: the busy one has no connection to spare.
            queued = await http.fetch(f"{busy}/", limits=IMPATIENT)
            assert queued.status is None
            assert queued.failure is not None and queued.failure.kind is FailureKind.DEADLINE
            assert not any(task.done() for task in waiting)

            held.release.set()
            answers = await asyncio.gather(*waiting)
        assert [a.status for a in answers] == [200] * 4
        assert [r.path for r in busy_server.requests].count("/held") == 4


# -- closing -------------------------------------------------------------------------------------


def _socket_inodes() -> set[str]:
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            target = os.readlink(f"/proc/self/fd/{fd}")
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    return inodes


def _hex_endpoint(address: str, port: int) -> str:
    """``127.0.0.2:8443`` as /proc/net/tcp writes it (little-endian IPv4, then the port)."""
    packed = socket.inet_aton(address)[::-1].hex().upper()
    return f"{packed}:{port:04X}"


def established(running: RunningWorld) -> tuple[Counter[str], Counter[str]]:
    """This process's ESTABLISHED TCP connections to the world's hosts, per host name:
    the client ends (remote is the host) and the server ends (local is the host)."""
    if not os.path.exists("/proc/net/tcp"):
        pytest.skip("needs Linux /proc/net/tcp")
    by_endpoint = {_hex_endpoint(h.address, h.port): h.name for h in running.hosts.values()}
    mine = _socket_inodes()
    clients: Counter[str] = Counter()
    servers: Counter[str] = Counter()
    with open("/proc/net/tcp") as table:
        next(table)
        for line in table:
            fields = line.split()
            local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
            if state != "01" or inode not in mine:  # 01: ESTABLISHED
                continue
            if remote in by_endpoint:
                clients[by_endpoint[remote]] += 1
            if local in by_endpoint:
                servers[by_endpoint[local]] += 1
    return clients, servers


@contextlib.contextmanager
def no_unclosed_resources() -> Iterator[None]:
    """Fail if anything in the block, or garbage collected at its end, was left unclosed."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        yield
        gc.collect()
    unclosed = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert not unclosed, f"{len(unclosed)} left unclosed, e.g. {unclosed[:3]}"


def world_client(running: RunningWorld) -> HttpClient:
    config = net_config(session_for(running).network)
    context = make_strict_stdlib_context(config.ca_bundle)
    return make_http_client(config, offline_resolver(), ssl_context=context, max_connections=4)


async def test_closing_the_client_closes_the_kept_alive_connections_of_every_origin(
    pool_lab: RunningWorld,
) -> None:
    origins = [
        "http://plain.pool.test/",
        "https://secure.pool.test/",
        "http://secure.pool.test/",  # same host, another scheme: another origin (a 301 here)
        "https://other.pool.test/",
    ]
    with no_unclosed_resources():
        http = world_client(pool_lab)
        async with closing(http):
            for url in origins:
                result = await http.fetch(url, follow=False)
                assert result.failure is None, result.failure
            # Each origin's pool keeps its connection for the next request.
            clients, servers = established(pool_lab)
            assert clients == {"plain.pool.test": 1, "secure.pool.test": 2, "other.pool.test": 1}
            assert servers == clients
            await http.aclose()
            # Closed by aclose itself, not by garbage collection: the sandbox's ends have had
            # their FIN (they are no longer ESTABLISHED) before anything else ran.
            assert established(pool_lab) == (Counter(), Counter())
        del http


# -- stream facts --------------------------------------------------------------------------------


class CountingStream(httpcore.AsyncNetworkStream):
    """A real stream that counts the ``get_extra_info`` questions reaching it."""

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self.inner = inner
        self.asked: Counter[str] = Counter()

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self.inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self.inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self.inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return CountingStream(await self.inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> typing.Any:
        self.asked[info] += 1
        return self.inner.get_extra_info(info)


@contextlib.asynccontextmanager
async def observed(
    running: RunningWorld, host: str
) -> AsyncIterator[tuple[ObservedStream, CountingStream]]:
    """A real TCP connection to ``host``, as the client's backend would wrap it."""
    target = running.host(host)
    inner = await httpcore.AnyIOBackend().connect_tcp(target.address, target.port, timeout=2.0)
    counting = CountingStream(inner)
    stream = ObservedStream(counting, time.perf_counter, set())
    try:
        yield stream, counting
    finally:
        await stream.aclose()


async def readable(fileno: int) -> None:
    """Return once socket ``fileno`` has something to read (data or end of stream).

    The socket belongs to a transport, which owns its descriptor in the event loop, so the
    wait is on a duplicate of it (the same socket).
    """
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()
    fd = os.dup(fileno)

    def on_readable() -> None:
        if not ready.done():
            ready.set_result(None)

    try:
        loop.add_reader(fd, on_readable)
        try:
            async with asyncio.timeout(5):
                await ready
        finally:
            loop.remove_reader(fd)
    finally:
        os.close(fd)


async def test_is_readable_is_asked_afresh_every_time(pool_lab: RunningWorld) -> None:
    async with observed(pool_lab, "plain.pool.test") as (stream, counting):
        # Nothing sent yet, so nothing to read.
        assert stream.get_extra_info("is_readable") is False
        assert stream.get_extra_info("is_readable") is False
        await stream.write(b"GET / HTTP/1.1\r\nHost: plain.pool.test\r\nConnection: close\r\n\r\n")
        await readable(stream.get_extra_info("socket").fileno())
        # The answer (and the server's close) is waiting now: a cached False would hide it,
        # and the pool would hand out a connection the server has closed.
        assert stream.get_extra_info("is_readable") is True
        assert counting.asked["is_readable"] == 3


async def test_facts_fixed_for_a_streams_life_are_asked_once(pool_lab: RunningWorld) -> None:
    target = pool_lab.host("plain.pool.test")
    async with observed(pool_lab, "plain.pool.test") as (stream, counting):
        for _ in range(3):
            assert stream.get_extra_info("socket").fileno() >= 0
            assert stream.get_extra_info("server_addr") == (target.address, target.port)
            assert stream.get_extra_info("client_addr")[0] == "127.0.0.1"
            assert stream.get_extra_info("ssl_object") is None
        assert counting.asked == {"socket": 1, "server_addr": 1, "client_addr": 1, "ssl_object": 1}


async def test_the_stream_after_start_tls_does_not_inherit_the_plain_streams_facts(
    pool_lab: RunningWorld,
) -> None:
    context = make_strict_stdlib_context(str(pool_lab.ca_bundle))
    async with observed(pool_lab, "secure.pool.test") as (plain, _counting):
        assert plain.get_extra_info("ssl_object") is None  # cached on the plain stream
        secure = await plain.start_tls(context, "secure.pool.test", timeout=2.0)
        try:
            ssl_object = secure.get_extra_info("ssl_object")
            assert isinstance(ssl_object, ssl.SSLObject)
            assert secure.get_extra_info("ssl_object") is ssl_object
            assert ssl_object.server_hostname == "secure.pool.test"
        finally:
            await secure.aclose()

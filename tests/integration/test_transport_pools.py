"""The HTTP client's transport: one connection pool per origin, all closed on ``aclose``.

The pool tests use a loopback server whose handler the test holds (``net_fixtures``), so "the
busy origin's only connection is taken" is an awaited fact, not a guess about timing. The
closing test uses a sandbox world. (The lean client's own ways to fail are in
``test_h1_connection.py``.)
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import socket
import warnings
from collections import Counter
from collections.abc import AsyncIterator, Iterator

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

"""Every connection the HTTP client opens gets closed, however its fetch ends.

A fetch can end at its deadline (while connecting, in the TLS handshake, in the head or the
body), at a cap (body, head), after a redirect loop, or by being cancelled from outside; and the
client can be closed while fetches still run. Each test drives many of those at once through ONE
client against the hostile sandbox world, closes the client, and then looks from the operating
system's side:

* no socket of this process is still connected to one of this process's listeners (the
  sandbox's): the client closed every connection itself, before any garbage collection;
* collecting garbage finds no unclosed transport. Such a ResourceWarning is raised from a
  finalizer, where it cannot fail the test that caused it: it would surface in some later test
  or only at loop close. So the tests record ResourceWarnings themselves and collect explicitly.

The first test also counts this process's file descriptors before the world starts and after it
stops, which catches anything else left open (DNS sockets, pipes).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest
from net_fixtures import closed_port, mute_listener

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
    net_config,
    parse_resolve,
)
from launch_tui.net.ssl_contexts import make_strict_stdlib_context
from launch_tui.sandbox import RunningWorld, session_for, start_world
from launch_tui.sandbox.behaviours import gzip_bomb

pytest_plugins = ["sandbox_fixtures"]

MIB = 1024 * 1024
#: The deadline of the concurrent rounds: what a sandbox run of the checks uses for this world.
DEADLINE = 1.0
#: Concurrent fetches of each route in one round.
PER_ROUTE = 4
ROUNDS = 3


# -- what the operating system says ---------------------------------------------------------------


def _socket_inodes() -> set[str]:
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # the listing's own fd is gone by now
            target = os.readlink(f"/proc/self/fd/{fd}")
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    return inodes


def client_connections() -> list[tuple[str, str]]:
    """``(local, remote)`` of this process's TCP sockets connected to its own listeners.

    Both ends of a loopback connection belong to this process here; the client's end is the one
    whose *remote* address is a listening socket (the sandbox's), so server-side sockets that
    the sandbox has yet to notice are closed do not count.
    """
    mine = _socket_inodes()
    listening: set[str] = set()
    connected: list[tuple[str, str]] = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as lines:
            next(lines)
            for line in lines:
                fields = line.split()
                local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
                if inode not in mine:
                    continue
                if state == "0A":  # LISTEN
                    listening.add(local)
                else:
                    connected.append((local, remote))
    return [(local, remote) for local, remote in connected if remote in listening]


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@contextlib.contextmanager
def no_unclosed_resources() -> Iterator[None]:
    """Fail if anything in the block, or garbage collected at its end, warns it was not closed."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        yield
        gc.collect()
    unclosed = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert not unclosed, f"{len(unclosed)} left unclosed, e.g. {unclosed[:3]}"


# -- the client under test ------------------------------------------------------------------------


def hostile_client(running: RunningWorld, *, deadline: float = DEADLINE) -> HttpClient:
    """One client for the world, with room for every concurrent fetch (no pool waits)."""
    config = net_config(session_for(running, timeout=deadline).network)
    resolver = Resolver(config.nameservers, limits=config.limits)
    # The stdlib context loads the CA paths once; truststore's reloads them per handshake.
    context = make_strict_stdlib_context(config.ca_bundle)
    return make_http_client(config, resolver, ssl_context=context, max_connections=200)


def route_urls(running: RunningWorld) -> list[str]:
    """Every route the hostile world publishes: drips, caps, loops, hangs, and two fine ones."""
    return [route.url for route in session_for(running).targets.routes]


def ok_url(running: RunningWorld) -> str:
    return next(url for url in route_urls(running) if url.endswith("/ok"))


@pytest.fixture
async def prebuilt_bomb() -> None:
    # The sandbox builds its gzip bomb once per process, blocking the loop for a moment; build
    # it before the fetches so that stall is not part of every test's first round.
    await gzip_bomb(1024 * MIB)


@contextlib.asynccontextmanager
async def closing(client: HttpClient) -> AsyncIterator[HttpClient]:
    """Close ``client`` at the end even when an assertion failed first (aclose is idempotent)."""
    try:
        yield client
    finally:
        await client.aclose()


async def gather_fetches(calls: list[Callable[[], Awaitable[FetchResult]]]) -> list[FetchResult]:
    results = await asyncio.gather(*(call() for call in calls))
    assert all(isinstance(r, FetchResult) for r in results)
    return results


# -- the tests ------------------------------------------------------------------------------------


@pytest.mark.usefixtures("prebuilt_bomb")
async def test_concurrent_fetches_of_every_hostile_route_close_their_connections() -> None:
    before = open_fds()
    with no_unclosed_resources():
        async with start_world("hostile") as running:
            urls = route_urls(running)
            async with closing(hostile_client(running)) as client:
                for _ in range(ROUNDS):
                    results = await gather_fetches(
                        [lambda u=url: client.fetch(u) for url in urls for _ in range(PER_ROUTE)]
                    )
                    assert len(results) == len(urls) * PER_ROUTE
            assert client_connections() == []
            assert running.errors() == ()
    assert open_fds() == before


async def test_a_deadline_in_the_tls_handshake_closes_the_connection() -> None:
    # A server that accepts and never answers the ClientHello: every fetch is cut mid-handshake,
    # and the TCP connection under the cancelled handshake must still be closed (transport.py).
    with mute_listener() as port, no_unclosed_resources():
        config = NetConfig(overrides=(parse_resolve(f"mute.test=127.0.0.1:{port}"),))
        resolver = Resolver((Nameserver("127.0.0.1", closed_port()),))
        client = make_http_client(
            config, resolver, ssl_context=make_strict_stdlib_context(), max_connections=50
        )
        async with closing(client):
            limits = NetLimits(total_deadline=0.2)
            results = await gather_fetches(
                [lambda: client.fetch("https://mute.test/", limits=limits) for _ in range(20)]
            )
            # Closed when each fetch ended, not only when the client closes.
            assert client_connections() == []
    for result in results:
        assert result.failure is not None
        assert (result.failure.kind, result.failure.phase) == (FailureKind.DEADLINE, Phase.TLS)


async def test_deadlines_cutting_every_phase_close_their_connections(
    hostile_world: RunningWorld, prebuilt_bomb: None
) -> None:
    # Deadlines from 1 ms to 1 s land in connect, the TLS handshake, the request, the head and
    # the body: which phase each one cuts depends on the machine, so they are spread thickly.
    deadlines = [0.001 * 10 ** (3 * step / 15) for step in range(16)]
    urls = route_urls(hostile_world)
    with no_unclosed_resources():
        async with closing(hostile_client(hostile_world)) as client:
            calls = [
                lambda u=url, d=deadline: client.fetch(u, limits=NetLimits(total_deadline=d))
                for url in urls
                for deadline in deadlines
            ]
            results = await gather_fetches(calls)
        assert client_connections() == []
    phases = {r.failure.phase for r in results if r.failure is not None}
    assert {Phase.CONNECT, Phase.BODY} <= phases, phases


async def test_fetches_cancelled_from_outside_close_their_connections(
    hostile_world: RunningWorld, prebuilt_bomb: None
) -> None:
    loop = asyncio.get_running_loop()
    urls = route_urls(hostile_world)

    def cancel_twice(task: asyncio.Task[FetchResult], again_after: int) -> None:
        # A second cancel lands while the fetch is cleaning up after the first (an outer
        # deadline firing just after the fetch's own, say).
        task.cancel()

        def later(rounds: int) -> None:
            if rounds:
                loop.call_soon(later, rounds - 1)
            else:
                task.cancel()

        later(again_after)

    with no_unclosed_resources():
        async with closing(hostile_client(hostile_world, deadline=5.0)) as client:
            tasks = []
            for index, url in enumerate(urls * 6):
                task = asyncio.ensure_future(client.fetch(url))
                loop.call_later(0.002 * (index % 12), cancel_twice, task, index % 4)
                tasks.append(task)
            outcomes = await asyncio.gather(*tasks, return_exceptions=True)
        assert client_connections() == []
    for outcome in outcomes:
        # Someone else's cancellation is not swallowed; a fetch that finished first is a result.
        assert isinstance(outcome, FetchResult | asyncio.CancelledError), outcome
    assert any(isinstance(o, asyncio.CancelledError) for o in outcomes)


async def test_closing_the_client_ends_running_fetches_and_their_connections(
    hostile_world: RunningWorld, prebuilt_bomb: None
) -> None:
    urls = route_urls(hostile_world)
    stalls = ("drip", "drip-headers", "drip-body", "hang")
    stalling = [u for u in urls if u.rsplit("/", 1)[-1] in stalls]
    quick = [u for u in urls if u not in stalling]
    with no_unclosed_resources():
        client = hostile_client(hostile_world, deadline=30.0)
        stalled = [asyncio.ensure_future(client.fetch(u)) for u in stalling for _ in range(3)]
        # The quick routes share the pool meanwhile; once they are done the stalled fetches
        # have long been waiting on their servers.
        await gather_fetches([lambda u=url: client.fetch(u) for url in quick])
        await client.aclose()
        results = await asyncio.gather(*stalled)
        assert client_connections() == []
    for result in results:
        # Ended by the close, not by the 30-second deadline, and saying so.
        assert result.failure is not None
        assert result.failure.kind is FailureKind.ERROR, result.failure
        assert result.failure.message.endswith("the HTTP client was closed"), result.failure


async def test_a_closed_client_fetches_nothing(hostile_world: RunningWorld) -> None:
    client = hostile_client(hostile_world)
    await client.aclose()
    await client.aclose()  # closing twice is harmless
    result = await client.fetch(ok_url(hostile_world))
    assert result.failure is not None
    assert "closed" in result.failure.message
    assert result.hops == ()
    assert client_connections() == []


async def test_variants_close_their_own_pools(hostile_world: RunningWorld) -> None:
    urls = route_urls(hostile_world)
    with no_unclosed_resources():
        async with closing(hostile_client(hostile_world)) as client:
            variants = [client.variant(), client.variant(verify=False)]
            for variant in variants:
                async with variant:
                    await gather_fetches([lambda u=url, v=variant: v.fetch(u) for url in urls])
            # Closing a variant leaves the client it came from working.
            assert (await client.fetch(ok_url(hostile_world))).failure is None
        assert client_connections() == []

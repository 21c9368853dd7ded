"""The sandbox's emulated network round trip (``rtt_ms``): every server waits where a real
network would, so concurrency has something to overlap. Only lower bounds are asserted: upper
bounds on wall time are flaky on a loaded machine."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from importlib import resources

import dns.asyncquery
import dns.message
import dns.rcode
import pytest
from sandbox_fixtures import fetch, open_host, read_response, request_bytes

from launch_tui.sandbox import RunningWorld, WorldError, parse_world, start_world

pytest_plugins = ["sandbox_fixtures"]

RTT_MS = 50.0
RTT_S = RTT_MS / 1000


@pytest.fixture
async def slow_world() -> AsyncIterator[RunningWorld]:
    """The demo world behind a 50 ms round trip."""
    async with start_world("demo", rtt_ms=RTT_MS) as running:
        yield running
        assert running.errors() == ()


async def timed_query(running: RunningWorld, *, tcp: bool = False) -> tuple[float, int]:
    """(seconds, rcode) of one A query for the demo's apex."""
    address, port = running.nameserver
    query = dns.message.make_query("www.brightlane.test", "A")
    began = time.perf_counter()
    if tcp:
        answer = await dns.asyncquery.tcp(query, address, port=port, timeout=5.0)
    else:
        answer = await dns.asyncquery.udp(query, address, port=port, timeout=5.0)
    return time.perf_counter() - began, answer.rcode()


async def test_udp_dns_answer_waits_one_round_trip(slow_world: RunningWorld) -> None:
    seconds, rcode = await timed_query(slow_world)
    assert rcode == dns.rcode.NOERROR
    assert seconds >= RTT_S


async def test_tcp_dns_pays_the_handshake_and_the_query(slow_world: RunningWorld) -> None:
    seconds, rcode = await timed_query(slow_world, tcp=True)
    assert rcode == dns.rcode.NOERROR
    assert seconds >= 2 * RTT_S


async def test_http_on_a_fresh_connection_costs_two_round_trips(
    slow_world: RunningWorld,
) -> None:
    began = time.perf_counter()
    response = await fetch(slow_world, "http://api.brightlane.test/health")
    assert response.status == 200
    assert time.perf_counter() - began >= 2 * RTT_S


async def test_https_on_a_fresh_connection_costs_three_round_trips(
    slow_world: RunningWorld,
) -> None:
    began = time.perf_counter()
    response = await fetch(slow_world, "https://www.brightlane.test/")
    assert response.status == 200
    assert time.perf_counter() - began >= 3 * RTT_S


async def test_each_request_on_a_kept_alive_connection_costs_one_round_trip(
    slow_world: RunningWorld,
) -> None:
    reader, writer = await open_host(slow_world, "api.brightlane.test", tls=False)
    try:
        writer.write(request_bytes("http://api.brightlane.test/health", close=False))
        assert (await read_response(reader)).status == 200
        began = time.perf_counter()
        writer.write(request_bytes("http://api.brightlane.test/health", close=False))
        assert (await read_response(reader)).status == 200
        assert time.perf_counter() - began >= RTT_S
    finally:
        writer.close()
        await writer.wait_closed()


async def test_no_round_trip_by_default(demo_world: RunningWorld) -> None:
    assert demo_world.world.rtt_ms == 0
    _, rcode = await timed_query(demo_world)
    assert rcode == dns.rcode.NOERROR
    response = await fetch(demo_world, "https://www.brightlane.test/")
    assert response.status == 200


def demo_text() -> str:
    return (resources.files("launch_tui.sandbox") / "worlds" / "demo.toml").read_text()


def test_world_file_sets_the_round_trip() -> None:
    assert parse_world(f"rtt_ms = 35\n{demo_text()}").rtt_ms == 35.0


@pytest.mark.parametrize("value", ["-1", '"50"', "nan", "inf"])
def test_world_file_refuses_a_bad_round_trip(value: str) -> None:
    with pytest.raises(WorldError, match="rtt_ms"):
        parse_world(f"rtt_ms = {value}\n{demo_text()}", "demo.toml")


async def test_the_keyword_overrides_the_world_file() -> None:
    world = parse_world(f"rtt_ms = 35\n{demo_text()}")
    async with start_world(world, rtt_ms=0) as running:
        assert running.world.rtt_ms == 0
    async with start_world(world) as running:
        assert running.world.rtt_ms == 35.0

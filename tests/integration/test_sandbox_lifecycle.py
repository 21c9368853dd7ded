"""Starting and stopping worlds: fast, leak-free, side by side, from threads, as a session."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import socket
import ssl
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dns.message
import pytest
from sandbox_fixtures import fetch, open_host, request_bytes

from launch_tui.core.errors import LaunchError
from launch_tui.core.model import HostRole, RouteKind, Session
from launch_tui.sandbox import (
    RunningWorld,
    SandboxStartError,
    SandboxThread,
    builtin_world,
    describe,
    start_world,
)

pytest_plugins = ["sandbox_fixtures"]


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def refused(address: str, port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex((address, port)) != 0


def rebindable(port: int) -> bool:
    """Whether ``port`` can be bound again, UDP and TCP. Tried for up to a second: with the
    suite running in parallel, another test's DNS client can hold the freed port for a moment
    as its random source port; a socket this sandbox left open would hold it all along."""
    for _ in range(20):
        if all(_binds(kind, port) for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM)):
            return True
        time.sleep(0.05)
    return False


def _binds(kind: socket.SocketKind, port: int) -> bool:
    with socket.socket(socket.AF_INET, kind) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.mark.parametrize("name", ["demo", "clean", "hostile", "tls_cases", "bench"])
async def test_start_and_stop_leave_nothing_behind(name: str, tmp_path: Path) -> None:
    gc.collect()
    fds_before = open_fds()
    began = time.perf_counter()
    async with start_world(name, temp_parent=tmp_path) as running:
        started = time.perf_counter()
        response = await fetch(running, next(iter(running.hosts.values())).url)
        assert response.status in (200, 301, 404)
        endpoints = [(h.address, h.port) for h in running.hosts.values()]
        dns_port = running.nameserver[1]
        workdir = running.workdir
        assert workdir.is_dir()
    stopped = time.perf_counter()
    print(
        f"{name}: start {(started - began) * 1000:.0f} ms "
        f"(reported {running.startup_seconds * 1000:.0f} ms), "
        f"stop {(stopped - started) * 1000:.0f} ms"
    )
    gc.collect()  # a socket left for the collector would raise ResourceWarning here
    assert open_fds() == fds_before
    assert not workdir.exists()
    assert list(tmp_path.iterdir()) == []
    assert all(refused(address, port) for address, port in endpoints)
    assert rebindable(dns_port)


async def test_stopping_with_connections_open_closes_them(tmp_path: Path) -> None:
    fds_before = open_fds()
    async with start_world("hostile", temp_parent=tmp_path) as running:
        host = running.host("www.hostile.test")
        clients = [socket.create_connection((host.address, host.port)) for _ in range(5)]
        # A request the server is in the middle of (never) answering, over TLS.
        reader, writer = await open_host(running, host.name, tls=True)
        writer.write(request_bytes(f"https://{host.name}/hang"))
        await writer.drain()
        # A DNS query over TCP that is never answered.
        dns_reader, dns_writer = await asyncio.open_connection(*running.nameserver)
        query = dns.message.make_query("blackhole.hostile.test", "A").to_wire()
        dns_writer.write(len(query).to_bytes(2, "big") + query)
        await dns_writer.drain()
        while not any(q.rcode == "DROPPED" for q in running.dns_queries()):
            await asyncio.sleep(0)  # yield until the server has read the query
    assert await reader.read() == b""
    assert await dns_reader.read() == b""
    for stream in (writer, dns_writer):
        stream.close()
        with contextlib.suppress(ConnectionError, ssl.SSLError):
            await stream.wait_closed()
    try:
        for client in clients:
            client.settimeout(2)
            # Accepted, then closed on stop (b""), or reset while still in the listen backlog.
            with contextlib.suppress(ConnectionResetError):
                assert client.recv(1) == b""
    finally:
        for client in clients:
            client.close()
    assert open_fds() == fds_before


async def test_two_worlds_at_once_get_distinct_ports() -> None:
    async with start_world("demo") as first, start_world("demo") as second:
        assert first.nameserver != second.nameserver
        for name, host in first.hosts.items():
            assert host.address == second.host(name).address
            assert host.port != second.host(name).port
        assert first.workdir != second.workdir
        one = await fetch(first, "https://api.brightlane.test/health")
        two = await fetch(second, "https://api.brightlane.test/health")
        assert one.status == two.status == 200
        # Each world has its own CA: the other's bundle does not trust it.
        assert first.ca_bundle.read_bytes() != second.ca_bundle.read_bytes()


async def test_fixed_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        fds_before = open_fds()
        with pytest.raises(SandboxStartError) as caught:
            async with start_world("demo", dns_port=port, temp_parent=tmp_path):
                pass
        assert isinstance(caught.value, LaunchError)
        assert str(port) in caught.value.message
        assert open_fds() == fds_before
        assert list(tmp_path.iterdir()) == []


async def test_fixed_clock_dates_certificates_and_registry() -> None:
    now = datetime(2030, 1, 15, 12, 0, tzinfo=UTC)
    async with start_world("demo", now=now) as running:
        assert running.started_at == now
        cert = running.host("app.brightlane.test").certificate
        assert cert is not None
        assert cert.not_valid_after_utc == now + timedelta(days=5, hours=12)


def test_sandbox_thread_serves_synchronous_code() -> None:
    threads_before = threading.active_count()
    sandbox = SandboxThread("demo")
    running = sandbox.start()
    try:
        host = running.host("www.brightlane.test")
        with socket.create_connection((host.address, host.port), timeout=2) as client:
            client.sendall(b"GET / HTTP/1.1\r\nHost: www.brightlane.test\r\n\r\n")
            assert client.recv(64).startswith(b"HTTP/1.1 301")
        text = describe(running)
        assert running.nameserver_address in text
        assert str(running.ca_bundle) in text
        assert f"www.brightlane.test      {host.endpoint}" in text
    finally:
        sandbox.stop()
    sandbox.stop()  # idempotent
    assert threading.active_count() == threads_before
    assert not running.workdir.exists()


def test_sandbox_thread_reports_start_failures() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        with pytest.raises(SandboxStartError):
            SandboxThread("demo", dns_port=taken.getsockname()[1]).start()


def test_session_points_at_the_running_world(
    demo_world: RunningWorld, demo_session: Session
) -> None:
    session = demo_session
    assert session.sprint.id == "demo"
    assert session.sprint.client == "Brightlane Ltd"
    assert session.sprint.engineer == "sam"
    assert session.targets.apex == "brightlane.test"
    assert session.targets.canonical_url == "https://www.brightlane.test/"
    roles = {h.name: h.role for h in session.targets.hosts}
    assert roles["admin.brightlane.test"] is HostRole.ADMIN
    assert "rdap.registry.test" not in roles
    login = session.route("login")
    assert login is not None
    assert (login.url, login.kind, login.method) == (
        "https://app.brightlane.test/api/auth/login",
        RouteKind.AUTH,
        "POST",
    )
    create = session.route("create-quote")
    assert create is not None and create.expect_status == 201 and not create.safe_to_repeat
    assert session.network.nameservers == (demo_world.nameserver_address,)
    assert session.network.ca_bundle == str(demo_world.ca_bundle)
    assert "www.brightlane.test=127.0.0.3:" in " ".join(session.network.resolve)
    assert Path(session.targets.repo_path, ".git").is_dir()
    assert Path(session.targets.build_path).name == ".next"
    assert session.targets.dkim_selectors == ("pb1",)
    assert {p.id for p in session.people} == {"maya", "priya", "sam", "jonas"}
    vercel = next(s for s in session.services if s.name == "Vercel")
    assert vercel.admins == ("jonas",)
    assert session.stack.dns_host.declared == "Cloudflare"


def test_expected_findings_are_written_down() -> None:
    demo = builtin_world("demo")
    assert len(demo.expected) >= 20
    assert {e.area for e in demo.expected} >= {"secrets", "tls", "http", "email", "perf"}
    assert builtin_world("clean").expected == ()

"""Fixtures that start sandbox worlds, and a raw HTTP client for talking to them.

Import the fixtures into a conftest (or a test module) to use them::

    from sandbox_fixtures import demo_world, demo_session  # noqa: F401

Async fixtures run the world on the test's event loop; the ``*_thread`` fixtures run it on its
own loop in a thread, for synchronous tests and blocking clients (``dns.query.udp``). Every
fixture asserts on teardown that the servers recorded no unexpected exception.

:func:`fetch` is deliberately not httpx: it sends exactly the bytes asked for, connects to a
host's loopback address with the right SNI, and keeps every response header byte as sent, so
tests can look at hostile responses a strict client would refuse to parse.

Test modules both import helpers from here and load it as a plugin
(``pytest_plugins = ["sandbox_fixtures"]``); the import comes first, so pytest cannot rewrite
its asserts and would warn. PYTEST_DONT_REWRITE says that is intended.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import ssl
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from launch_tui.core.model import Session
from launch_tui.sandbox import RunningWorld, SandboxThread, World, session_for, start_world
from launch_tui.sandbox.loader import resolve_world
from launch_tui.store import load_session


async def _world(name: str) -> AsyncIterator[RunningWorld]:
    async with start_world(name) as running:
        yield running
        assert running.errors() == ()


@pytest.fixture
async def demo_world() -> AsyncIterator[RunningWorld]:
    """The demo world (Brightlane), started on the test's event loop."""
    async for running in _world("demo"):
        yield running


@pytest.fixture
async def clean_world() -> AsyncIterator[RunningWorld]:
    """The clean world (Harbourline): every check passes."""
    async for running in _world("clean"):
        yield running


@pytest.fixture
async def hostile_world() -> AsyncIterator[RunningWorld]:
    """The hostile world: drips, bombs, loops, escape sequences, broken DNS."""
    async for running in _world("hostile"):
        yield running


@pytest.fixture
async def tls_world() -> AsyncIterator[RunningWorld]:
    """One host per TLS case (``<case>.tlslab.test``)."""
    async for running in _world("tls_cases"):
        yield running


@pytest.fixture
async def bench_world() -> AsyncIterator[RunningWorld]:
    """Routes with known latency distributions."""
    async for running in _world("bench"):
        yield running


@pytest.fixture
def demo_session(demo_world: RunningWorld) -> Session:
    """A session pointed at the running demo world."""
    return session_for(demo_world)


@pytest.fixture
def clean_session(clean_world: RunningWorld) -> Session:
    """A session pointed at the running clean world."""
    return session_for(clean_world)


def _threaded(name: str) -> Iterator[RunningWorld]:
    with SandboxThread(name) as running:
        yield running
        assert running.errors() == ()


@pytest.fixture
def demo_world_thread() -> Iterator[RunningWorld]:
    """The demo world on its own loop in a thread (for synchronous tests)."""
    yield from _threaded("demo")


@pytest.fixture
def hostile_world_thread() -> Iterator[RunningWorld]:
    """The hostile world on its own loop in a thread (for synchronous tests)."""
    yield from _threaded("hostile")


@dataclass(frozen=True)
class WorldProcess:
    """A world served by ``launch-tui sandbox`` in a child process, and the session it wrote."""

    world: World
    session: Session


def _in_process(name: str, folder: Path) -> Iterator[WorldProcess]:
    # The servers get a process (and so a CPU) of their own, as a client's real servers would:
    # timings then measure the servers, not this process's own load (a loaded test machine
    # otherwise made an in-process server look slow).
    path = folder / f"{name}.toml"
    with subprocess.Popen(
        [sys.executable, "-m", "launch_tui", "sandbox", name, "-o", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdout is not None
        try:
            for line in process.stdout:
                if line.startswith("Serving until"):
                    break
            else:
                raise AssertionError(f"launch-tui sandbox {name} exited: {process.stderr.read()}")
            yield WorldProcess(resolve_world(name), load_session(path))
        finally:
            process.send_signal(signal.SIGTERM)
            process.communicate(timeout=30)
    assert process.returncode == 0, process.returncode


@pytest.fixture
def demo_world_process(tmp_path: Path) -> Iterator[WorldProcess]:
    """The demo world in a ``launch-tui sandbox`` child process."""
    yield from _in_process("demo", tmp_path)


@pytest.fixture
def clean_world_process(tmp_path: Path) -> Iterator[WorldProcess]:
    """The clean world in a ``launch-tui sandbox`` child process."""
    yield from _in_process("clean", tmp_path)


# --- a raw HTTP client ------------------------------------------------------------------------


@dataclass
class Fetched:
    """A response as received: status, headers (names as sent), body (de-chunked)."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    raw_head: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]


def client_context(running: RunningWorld) -> ssl.SSLContext:
    """A verifying client context that trusts the world's CA bundle."""
    return ssl.create_default_context(cafile=str(running.ca_bundle))


async def open_host(
    running: RunningWorld, host: str, *, tls: bool, context: ssl.SSLContext | None = None
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Connect to ``host``'s loopback address, with TLS and SNI ``host`` when asked."""
    target = running.host(host)
    if not tls:
        return await asyncio.open_connection(target.address, target.port)
    return await asyncio.open_connection(
        target.address,
        target.port,
        ssl=context or client_context(running),
        server_hostname=host,
        limit=1 << 20,
    )


def request_bytes(
    url: str,
    method: str = "GET",
    headers: tuple[tuple[str, str], ...] = (),
    body: bytes = b"",
    close: bool = True,
) -> bytes:
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    lines = [f"{method} {target} HTTP/1.1", f"Host: {parts.hostname}"]
    lines += [f"{k}: {v}" for k, v in headers]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def read_response(reader: asyncio.StreamReader, method: str = "GET") -> Fetched:
    """Read one response; the body by Content-Length, chunks, or until the server closes."""
    raw_head = await reader.readuntil(b"\r\n\r\n")
    lines = raw_head.decode("utf-8", "surrogateescape").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = []
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers.append((name, value.strip()))
    fetched = Fetched(status, headers, b"", raw_head)
    if method == "HEAD" or status in (204, 304):
        return fetched
    if (fetched.header("transfer-encoding") or "").lower() == "chunked":
        body = bytearray()
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            body += await reader.readexactly(size)
            await reader.readexactly(2)
        fetched.body = bytes(body)
    elif (length := fetched.header("content-length")) is not None:
        fetched.body = await reader.readexactly(int(length))
    else:
        fetched.body = await reader.read()
    return fetched


async def fetch(
    running: RunningWorld,
    url: str,
    method: str = "GET",
    headers: tuple[tuple[str, str], ...] = (),
    body: bytes = b"",
    context: ssl.SSLContext | None = None,
) -> Fetched:
    """One request on a fresh connection to the world host named in ``url``."""
    parts = urlsplit(url)
    assert parts.hostname is not None
    reader, writer = await open_host(
        running, parts.hostname, tls=parts.scheme == "https", context=context
    )
    try:
        writer.write(request_bytes(url, method, headers, body))
        await writer.drain()
        return await read_response(reader, method)
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError, ssl.SSLError):
            await writer.wait_closed()

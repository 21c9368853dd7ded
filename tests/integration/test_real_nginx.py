"""The latency sampler and the HTTP client against a real nginx (Debian's) on loopback.

nginx closes a kept-alive connection after ``keepalive_requests`` answers and after
``keepalive_timeout`` of idleness. Neither is a failure of the route: every request is answered,
the connections opened are what the server's limits imply, and reopening them (a TLS handshake
each time) is counted in the evidence, not in the latency.

The server is started on free loopback ports with a throwaway configuration and stopped after
the module; without an nginx binary (``.ci/run`` installs ``nginx-light``) the module skips.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from net_fixtures import Pki

from launch_tui.net import NetConfig, NetLimits, Resolver, make_http_client, parse_resolve
from launch_tui.net.sampler import SamplePlan, SampleTarget, sample_latency

NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
)
pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed (.ci/run adds it)")

NAME = "nginx.test"
#: The server blocks: name -> nginx directives of its own.
SERVERS = {
    "each": "keepalive_requests 1;",
    "three": "keepalive_requests 3;",
    "idle": "keepalive_timeout 100ms;",
    "kept": "keepalive_requests 1000;",
}


@dataclass(frozen=True)
class Nginx:
    ports: dict[str, int]
    """Plain HTTP port per server block."""
    tls_ports: dict[str, int]
    ca_bundle: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def config(root: Path, nginx: Nginx, cert: Path, key: Path) -> str:
    blocks = []
    for name, directives in SERVERS.items():
        blocks.append(
            f"server {{ listen 127.0.0.1:{nginx.ports[name]}; {directives}\n"
            f'  location / {{ return 200 "ok\\n"; }} }}'
        )
        blocks.append(
            f"server {{ listen 127.0.0.1:{nginx.tls_ports[name]} ssl; {directives}\n"
            f"  ssl_certificate {cert}; ssl_certificate_key {key};\n"
            f'  location / {{ return 200 "ok\\n"; }} }}'
        )
    temp = "\n".join(
        f"  {kind}_temp_path {root / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"worker_processes 1;\npid {root / 'nginx.pid'};\n"
        f"error_log {root / 'error.log'} warn;\n"
        "events { worker_connections 128; }\n"
        f"http {{\n  access_log off;\n{temp}\n" + "\n".join(blocks) + "\n}\n"
    )


@pytest.fixture(scope="module")
def nginx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nginx]:
    assert NGINX is not None
    root = tmp_path_factory.mktemp("nginx")
    pki = Pki(root)
    leaf = pki.leaf([NAME])
    server = Nginx(
        ports={name: free_port() for name in SERVERS},
        tls_ports={name: free_port() for name in SERVERS},
        ca_bundle=pki.bundle_path,
    )
    conf = root / "nginx.conf"
    conf.write_text(config(root, server, pki.chain_file(leaf, pki.intermediate), leaf.key_path))
    # nginx daemonizes once its sockets listen: when the command returns, the ports answer.
    started = subprocess.run(
        [NGINX, "-p", str(root), "-c", str(conf)], capture_output=True, text=True, timeout=30
    )
    assert started.returncode == 0, started.stderr
    pid = int((root / "nginx.pid").read_text())
    try:
        yield server
    finally:
        os.kill(pid, signal.SIGTERM)  # the master we started stops its workers
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.02)


def target(nginx: Nginx, server: str, tls: bool) -> SampleTarget:
    if tls:
        context = ssl.create_default_context(cafile=str(nginx.ca_bundle))
        return SampleTarget.from_url(
            f"https://{NAME}/", "127.0.0.1", nginx.tls_ports[server], ssl_context=context
        )
    return SampleTarget.from_url(f"http://{NAME}/", "127.0.0.1", nginx.ports[server])


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
@pytest.mark.parametrize("concurrency", [1, 3])
async def test_keepalive_requests_1_is_not_a_failure(
    nginx: Nginx, tls: bool, concurrency: int
) -> None:
    plan = SamplePlan(samples=30, concurrency=concurrency, time_budget_s=30)
    run = await sample_latency(target(nginx, "each", tls), plan)
    assert run.errors == 0, run.failures
    assert run.connects == 30  # one answer per connection
    evidence = run.evidence()
    assert evidence["reconnects"] == 30 - concurrency
    assert isinstance(evidence["reconnect_p50_ms"], float)


async def test_keepalive_requests_3_opens_a_connection_per_three_answers(nginx: Nginx) -> None:
    run = await sample_latency(target(nginx, "three", False), SamplePlan(samples=30, concurrency=1))
    assert run.errors == 0, run.failures
    assert run.connects == 10
    assert run.evidence()["reconnects"] == 9


async def test_the_tls_handshake_of_a_reconnect_is_not_latency(nginx: Nginx) -> None:
    plan = SamplePlan(samples=40, concurrency=1, time_budget_s=30)
    run = await sample_latency(target(nginx, "each", True), plan)
    assert run.errors == 0, run.failures
    handshakes = sorted(run.reconnect_ms)
    assert len(handshakes) == 39
    # A reconnect is a TCP and TLS handshake (a signature, a verification, a round trip more);
    # the request on a ready connection is one round trip to a "return 200". Were the
    # handshake counted, every latency would exceed the fastest handshake.
    assert run.summary.p50_ms is not None
    assert run.summary.p50_ms < handshakes[0], (run.summary, handshakes[:3])


async def test_an_idle_timeout_is_not_a_failure(nginx: Nginx) -> None:
    # One request per connection every 150 ms: longer than the 100 ms idle timeout.
    plan = SamplePlan(samples=12, concurrency=2, rate_per_s=2 / 0.15, time_budget_s=30)
    run = await sample_latency(target(nginx, "idle", False), plan)
    assert run.errors == 0, run.failures
    assert run.connects > plan.workers


@pytest.mark.parametrize("server", ["each", "three", "kept"])
async def test_the_http_client_reuses_or_reopens_without_failing(nginx: Nginx, server: str) -> None:
    config = NetConfig(
        overrides=(parse_resolve(f"{NAME}=127.0.0.1:{nginx.tls_ports[server]}"),),
        ca_bundle=str(nginx.ca_bundle),
        limits=NetLimits(total_deadline=5.0),
    )
    async with make_http_client(config, Resolver(())) as client:
        results = [await client.fetch(f"https://{NAME}/") for _ in range(7)]
    assert [r.status for r in results] == [200] * 7, [r.failure for r in results]
    assert all(r.text() == "ok\n" for r in results)

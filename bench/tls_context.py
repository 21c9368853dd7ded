"""What a verifying TLS handshake costs the client, with our SSL context and with truststore's.

On Linux, ``truststore.SSLContext`` verifies with OpenSSL against the system CA paths, but
loads them again on every handshake; ``net.ssl_contexts.make_ssl_context`` loads the same paths
once (a stdlib context) and is what every HTTP request uses. This measures both in the same run
against a TLS server in **another process** (so the CPU figure is the client's alone):
client CPU and wall time per handshake, median over the handshakes, with the sandbox CA added
as the extra bundle (as ``--ca-bundle`` would). The baseline is truststore's context.

    uv run python bench/tls_context.py [--handshakes N]
"""

from __future__ import annotations

import argparse
import multiprocessing
import socket
import ssl
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path

import truststore

from launch_tui.net.ssl_contexts import make_ssl_context
from launch_tui.sandbox.ca import ThrowawayCA, server_context
from launch_tui.sandbox.world import TlsCase

HOST = "tls.bench.test"


def serve(chain: str, key: str, ready: Connection) -> None:
    """Accept, handshake, close, forever (the parent terminates this process)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain, key)
    with socket.create_server(("127.0.0.1", 0)) as listener:
        ready.send(listener.getsockname()[1])
        while True:
            conn, _ = listener.accept()
            try:
                with context.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(1)
            except (OSError, ssl.SSLError):
                conn.close()


def measure(context: ssl.SSLContext, port: int, count: int) -> tuple[float, float]:
    """Median client CPU and wall milliseconds of one verified handshake."""
    cpu, wall = [], []
    for _ in range(count):
        c0, w0 = time.process_time(), time.perf_counter()
        with (
            socket.create_connection(("127.0.0.1", port)) as raw,
            context.wrap_socket(raw, server_hostname=HOST),
        ):
            pass
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
    return statistics.median(cpu), statistics.median(wall)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--handshakes", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        ca = ThrowawayCA(Path(folder), datetime.now(UTC), "bench")
        cert = ca.issue(HOST, TlsCase.VALID)
        assert server_context(cert, TlsCase.VALID).context is not None
        parent, child = multiprocessing.Pipe()
        server = multiprocessing.Process(
            target=serve, args=(str(cert.chain_path), str(cert.key_path), child), daemon=True
        )
        server.start()
        try:
            port = parent.recv()
            ours = make_ssl_context(str(ca.bundle_path))
            theirs = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            theirs.load_verify_locations(cafile=str(ca.bundle_path))
            measure(ours, port, 3)  # warm-up: imports, the first CA load
            rows = [
                ("truststore.SSLContext (baseline)", *measure(theirs, port, args.handshakes)),
                ("net.make_ssl_context", *measure(ours, port, args.handshakes)),
            ]
        finally:
            server.terminate()
            server.join()
    print(f"{args.handshakes} verified TLS 1.3 handshakes on loopback, medians per handshake")
    print(f"{'client context':34} {'client CPU ms':>14} {'wall ms':>9}")
    for name, cpu, wall in rows:
        print(f"{name:34} {cpu:14.2f} {wall:9.2f}")
    base, ours_cpu = rows[0][1], rows[1][1]
    print(f"make_ssl_context: {base / ours_cpu:.1f}x less client CPU than the baseline")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""CPU per request: the checks' HTTP client against the latency sampler's wire client.

Run: ``uv run python bench/http_cpu.py`` (``--requests N``, ``--concurrency C`` repeatable).

The bench world runs in a ``launch-tui sandbox`` process of its own, so only the client's CPU
is counted (``time.process_time`` of this process). For each concurrency, ``N`` GETs of
``/zero`` over plain HTTP (no delay: what is measured is the client's work per request) and
``/fixed-20`` over TLS (``api.bench.test``; connections kept alive, so handshakes are a small
share):

  * ours: ``HttpClient.fetch`` as the checks call it (``open_check_services``: resolver, the
    per-origin pools, redirect and body handling), ``C`` tasks each fetching in turn;
  * wire: the sampler's client (``net.sampler_wire`` through ``sample_latency``, closed loop,
    ``C`` connections), the floor for a minimal HTTP/1.1 client in Python on this machine.

Both are run alternately, twice each, and the lower CPU of the two runs is kept. Target
(issue 15): ours within 3x the wire client's CPU per request.

``--against DIR`` also measures ``HttpClient.fetch`` of the launch-tui in source tree ``DIR``
(e.g. a worktree of an older commit), in a child process importing from there, against the same
world in the same run, alternating with the others: a before/after on one machine state.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from audit import sandbox_in_process

from launch_tui.checks.engine.services import open_check_services
from launch_tui.core.model import NetworkSettings, Session
from launch_tui.net.sampler import SamplePlan, SampleTarget, sample_latency
from launch_tui.net.ssl_contexts import make_ssl_context

TARGET = 3.0


async def ours(network: NetworkSettings, url: str, requests: int, concurrency: int) -> float:
    """CPU seconds per request of ``HttpClient.fetch``."""
    async with open_check_services(network) as services:
        http = services.http
        assert http is not None
        await http.fetch(url)  # connections, imports
        left = [requests]

        async def worker() -> None:
            while left[0] > 0:
                left[0] -= 1
                result = await http.fetch(url)
                if result.status != 200:
                    raise SystemExit(f"{url}: {result.status} {result.failure}")

        began = time.process_time()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return (time.process_time() - began) / requests


async def wire(session: Session, url: str, host: str, requests: int, concurrency: int) -> float:
    """CPU seconds per request of the sampler's wire client."""
    address, _, port = next(
        r.split("=", 1)[1] for r in session.network.resolve if r.startswith(f"{host}=")
    ).rpartition(":")
    context = make_ssl_context(session.network.ca_bundle) if url.startswith("https") else None
    target = SampleTarget.from_url(url, address, int(port), ssl_context=context)
    plan = SamplePlan(samples=requests, concurrency=concurrency, time_budget_s=60)
    began = time.process_time()
    run = await sample_latency(target, plan)
    cpu = time.process_time() - began
    if run.errors:
        raise SystemExit(f"{url}: {run.errors} errors in the wire client's run")
    return cpu / requests


def ours_in(tree: str, session: Session, url: str, requests: int, concurrency: int) -> float:
    """:func:`ours`, run by the launch-tui of source tree ``tree`` in a child process."""
    argv = [sys.executable, __file__, "--child", json.dumps(asdict(session.network)), url]
    argv += ["--requests", str(requests), "--concurrency", str(concurrency)]
    env = {**os.environ, "PYTHONPATH": str(Path(tree).resolve())}
    done = subprocess.run(argv, capture_output=True, text=True, check=False, env=env)
    if done.returncode:
        raise SystemExit(f"{tree}: {done.stderr.strip()[-2000:]}")
    return float(done.stdout.split()[-1])


def child(args: argparse.Namespace) -> None:
    network = NetworkSettings(
        **{k: tuple(v) if isinstance(v, list) else v for k, v in json.loads(args.child).items()}
    )
    cpu = asyncio.run(ours(network, args.url, args.requests, args.concurrency[0]))
    print(f"{cpu!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--concurrency", type=int, action="append")
    parser.add_argument(
        "--against",
        default="",
        metavar="DIR",
        help="also measure HttpClient.fetch of the launch-tui in this source tree (before)",
    )
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    parser.add_argument("url", nargs="?", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    levels = args.concurrency or [10, 50]
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {args.requests} requests each")
    before = "   before µs/req   before / wire" if args.against else ""
    print(f"                      c   ours µs/req   wire µs/req   ours / wire{before}")
    with sandbox_in_process("bench", 0.0) as (session, _, _):
        for scheme, host, path in (
            ("http", "http.bench.test", "/zero"),
            ("https", "api.bench.test", "/fixed-20"),
        ):
            url = f"{scheme}://{host}{path}"
            for c in levels:
                ours_cpu, wire_cpu, base_cpu = [], [], []
                for _ in range(2):
                    if args.against:
                        base_cpu.append(ours_in(args.against, session, url, args.requests, c))
                    ours_cpu.append(asyncio.run(ours(session.network, url, args.requests, c)))
                    wire_cpu.append(asyncio.run(wire(session, url, host, args.requests, c)))
                a, b = min(ours_cpu) * 1e6, min(wire_cpu) * 1e6
                verdict = "PASS" if a <= TARGET * b else "FAIL"
                row = f"  {scheme:<6} {c:4d}   {a:11.0f}   {b:11.0f}   {a / b:11.2f}  {verdict}"
                if base_cpu:
                    z = min(base_cpu) * 1e6
                    row += f"   {z:11.0f}   {z / b:11.2f}"
                print(row, flush=True)
    load = os.getloadavg()
    print(f"load average after {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"target: ours <= {TARGET:g} x the wire client per request")


if __name__ == "__main__":
    main()

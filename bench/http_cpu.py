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
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from audit import sandbox_in_process

from launch_tui.checks.engine.services import open_check_services
from launch_tui.core.model import Session
from launch_tui.net.sampler import SamplePlan, SampleTarget, sample_latency
from launch_tui.net.ssl_contexts import make_ssl_context

TARGET = 3.0


async def ours(session: Session, url: str, requests: int, concurrency: int) -> float:
    """CPU seconds per request of ``HttpClient.fetch``."""
    async with open_check_services(session.network) as services:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--concurrency", type=int, action="append")
    args = parser.parse_args()
    levels = args.concurrency or [10, 50]
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {args.requests} requests each")
    print("                      c   ours µs/req   wire µs/req   ours / wire")
    with sandbox_in_process("bench", 0.0) as (session, _, _):
        for scheme, host, path in (
            ("http", "http.bench.test", "/zero"),
            ("https", "api.bench.test", "/fixed-20"),
        ):
            url = f"{scheme}://{host}{path}"
            for c in levels:
                ours_cpu, wire_cpu = [], []
                for _ in range(2):
                    ours_cpu.append(asyncio.run(ours(session, url, args.requests, c)))
                    wire_cpu.append(asyncio.run(wire(session, url, host, args.requests, c)))
                a, b = min(ours_cpu) * 1e6, min(wire_cpu) * 1e6
                verdict = "PASS" if a <= TARGET * b else "FAIL"
                print(f"  {scheme:<6} {c:4d}   {a:11.0f}   {b:11.0f}   {a / b:11.2f}  {verdict}")
    print(f"target: ours <= {TARGET:g} x the wire client per request")


if __name__ == "__main__":
    main()

"""Is the latency sampler honest? Reported vs true quantiles on routes with known delays.

The sandbox's ``bench`` world runs in a **separate process** (``--serve``), so the client's CPU
figure is the client's alone and a stall can freeze the whole server, as a GC pause or an
overloaded host would. This process is the client. Scenarios:

1. ``/fixed-20`` (20 ms) and ``/long-tail`` (20 ms, 5 % at 400 ms), closed loop, at
   concurrency 1, 10 and 50;
2. ``/zero`` and ``/fixed-20`` through ``net.HttpClient`` with one shared connection pool (what
   the sampler replaces) next to the sampler: the client's own cost per request;
3. open loop at a constant rate with a 1 s server stall in the middle, next to closed loop with
   the same stall (coordinated omission: closed loop hides the stall); then this client's own
   loop held in bursts, with late answers timed, and retaken (``SamplePlan.retake_share``);
4. wrk (``/usr/bin/wrk``: closed loop, written in C) on the same route and concurrencies, when
   installed, next to the sampler run right after it.

**Truth.** The server logs the delay it actually waited before each answer
(``RunningWorld.delays``: the ``asyncio.sleep`` measured on its loop, timer overshoot
included). The log is cleared before each run, so it holds exactly that run's requests, and
"true" pN is the nearest-rank pN of those delays, the sampler's own quantile method.
**Error** = reported - true, in ms and in % of true; the target is ``|error| <= max(5 %, 2 ms)``
(column ``ok``). The delays leave out the server's own work after the wait (building and
writing the answer), which grows when the server process is short of CPU; so the bench server
also times each request from parsed to answer written (``served``), and the error against that
second truth is shown too (column ``ok*``). What remains is loopback, the kernel and the client.
For the stall the target is an open-loop p99 >= 0.9 s.

Run with::

    uv run python bench/latency.py [--quick]

The load average is printed first: on a busy machine both processes wait for a CPU, and the
error of every client, wrk's included, grows with it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from launch_tui.core.model import NetworkSettings
from launch_tui.net import Resolver, make_http_client, net_config
from launch_tui.net.sampler import (
    SamplePlan,
    SampleRun,
    SampleTarget,
    quantile,
    sample_latency,
    summarize,
)

HOST = "http.bench.test"
WRK = Path("/usr/bin/wrk")
QS = (0.50, 0.95, 0.99)

# --- the server process ---------------------------------------------------------------------


def serve() -> None:
    """Run the bench world; answer JSON commands on stdin, one per line, on stdout."""
    from launch_tui.sandbox import start_world

    async def main() -> None:
        loop = asyncio.get_running_loop()
        done = asyncio.Event()
        served = _time_service(loop)
        async with start_world("bench") as world:
            hosts = {h.name: [h.address, h.port] for h in world.hosts.values()}
            _reply({"hosts": hosts})

            def handle(command: dict[str, Any]) -> None:
                name = command["cmd"]
                if name == "delays":
                    delays = list(world.delays(command["host"], command["path"]))
                    _reply({"delays": delays, "served": served.get(command["path"], [])})
                elif name == "clear":
                    world.clear_logs()
                    served.clear()
                    _reply({"ok": True})
                elif name == "stall":
                    # Freeze the whole server: nothing is read, answered or timed meanwhile.
                    time.sleep(command["seconds"])
                    _reply({"ok": True})
                elif name == "quit":
                    done.set()
                    _reply({"ok": True})

            def read_stdin() -> None:
                for line in sys.stdin:
                    loop.call_soon_threadsafe(handle, json.loads(line))
                loop.call_soon_threadsafe(done.set)

            threading.Thread(target=read_stdin, daemon=True).start()
            await done.wait()

    asyncio.run(main())


def _time_service(loop: asyncio.AbstractEventLoop) -> dict[str, list[float]]:
    """Time each request inside the server: from parsed to answer handed to the kernel.

    Bench-only instrumentation of this server process: it wraps the sandbox's request reader
    and response writer where its host server looks them up. The times (ms, per path) are a
    second truth that includes the server's own work after the delay.
    """
    from launch_tui.sandbox import web

    real_read = getattr(web, "read_request")  # noqa: B009 - names the host server looks up
    real_write = getattr(web, "write_response")  # noqa: B009
    pending: dict[int, tuple[float, str]] = {}
    served: dict[str, list[float]] = {}

    async def read_request(reader: Any, writer: Any = None) -> Any:
        request = await real_read(reader, writer)
        if request is not None:
            pending[id(writer)] = (loop.time(), request.path)
        return request

    async def write_response(writer: Any, response: Any, head_only: bool) -> None:
        await real_write(writer, response, head_only=head_only)
        started = pending.pop(id(writer), None)
        if started is not None:
            served.setdefault(started[1], []).append((loop.time() - started[0]) * 1000)

    setattr(web, "read_request", read_request)  # noqa: B010
    setattr(web, "write_response", write_response)  # noqa: B010
    return served


def _reply(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data) + "\n")
    sys.stdout.flush()


class Server:
    """This side of the server process: its hosts, and commands sent over its stdin."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self._proc = proc
        self._lock = asyncio.Lock()
        self.hosts: dict[str, tuple[str, int]] = {}

    @classmethod
    async def start(cls) -> Server:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--serve",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=256 * 1024 * 1024,  # a delays answer is one long JSON line
        )
        server = cls(proc)
        hello = await server._read()
        server.hosts = {name: (a, p) for name, (a, p) in hello["hosts"].items()}
        return server

    async def _read(self) -> dict[str, Any]:
        assert self._proc.stdout is not None
        line = await self._proc.stdout.readline()
        if not line:
            raise RuntimeError("the bench server exited")
        data: dict[str, Any] = json.loads(line)
        return data

    async def ask(self, **command: Any) -> dict[str, Any]:
        assert self._proc.stdin is not None
        async with self._lock:
            self._proc.stdin.write((json.dumps(command) + "\n").encode())
            await self._proc.stdin.drain()
            return await self._read()

    async def truth(self, path: str) -> tuple[list[float], list[float]]:
        """Delays waited and service times of the requests since the last clear."""
        answer = await self.ask(cmd="delays", host=HOST, path=path)
        return list(answer["delays"]), list(answer["served"])

    async def stop(self) -> None:
        with contextlib.suppress(RuntimeError, ConnectionError):  # already gone
            await self.ask(cmd="quit")
        await self._proc.wait()


# --- one measurement ------------------------------------------------------------------------


@dataclass
class Row:
    """One line of a table."""

    label: str
    reported: tuple[float, ...] | None
    delays: list[float]
    served: list[float]
    requests: int
    rps: float
    cpu_pct: float | None = None
    note: str = ""


def within(got: float, want: float) -> bool:
    return abs(got - want) <= max(0.05 * want, 2.0)


def _quantiles(values: list[float]) -> tuple[float, ...]:
    return tuple(quantile(values, q) for q in QS) if values else (float("nan"),) * 3


async def ours(
    server: Server,
    path: str,
    plan: SamplePlan,
    label: str,
    during: Callable[[], Coroutine[Any, Any, None]] | None = None,
) -> tuple[Row, SampleRun]:
    await server.ask(cmd="clear")
    address, port = server.hosts[HOST]
    target = SampleTarget.from_url(f"http://{HOST}{path}", address, port)
    side = asyncio.create_task(during()) if during is not None else None
    run = await sample_latency(target, plan)
    if side is not None:
        await side
    delays, served = await server.truth(path)
    s = run.summary
    notes = []
    if run.client_bound:
        notes.append("CLIENT-BOUND: " + "; ".join(run.client_bound_reasons))
    if len(delays) != run.sent:
        notes.append(f"server saw {len(delays)} of {run.sent}")
    assert s.p50_ms is not None and s.p95_ms is not None and s.p99_ms is not None
    row = Row(
        label,
        (s.p50_ms, s.p95_ms, s.p99_ms),
        delays,
        served,
        run.sent,
        run.requests_per_s,
        run.client_cpu_share * 100,
        " ".join(notes),
    )
    return row, run


async def httpx_baseline(server: Server, path: str, total: int, concurrency: int) -> Row:
    """The same closed-loop measurement through net.HttpClient with one shared pool."""
    address, port = server.hosts[HOST]
    config = net_config(NetworkSettings(resolve=(f"{HOST}={address}:{port}",), timeout=30))
    client = make_http_client(config, Resolver((), limits=config.limits), max_connections=50)
    latencies: list[float] = []
    remaining = 0

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            started = time.perf_counter()
            result = await client.fetch(f"http://{HOST}{path}", follow=False)
            latencies.append((time.perf_counter() - started) * 1000)
            if result.status != 200:
                raise RuntimeError(f"baseline request failed: {result.failure}")

    async with client:
        remaining = concurrency  # open the pool's connections first, as the sampler does
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        await server.ask(cmd="clear")
        latencies.clear()
        remaining = total
        cpu0, t0 = time.process_time(), time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    delays, served = await server.truth(path)
    s = summarize(latencies)
    assert s.p50_ms is not None and s.p95_ms is not None and s.p99_ms is not None
    return Row(
        f"httpx pool  {path} c={concurrency}",
        (s.p50_ms, s.p95_ms, s.p99_ms),
        delays,
        served,
        len(latencies),
        len(latencies) / wall,
        cpu / wall * 100,
        f"{cpu / len(latencies) * 1e6:.0f} us CPU/request",
    )


_WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK %d %d %.3f %.3f %.3f %.3f\\n", summary.requests,
    e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
"""


async def wrk(server: Server, path: str, concurrency: int, seconds: int) -> Row:
    await server.ask(cmd="clear")
    address, port = server.hosts[HOST]
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "done.lua"
        script.write_text(_WRK_SCRIPT)
        proc = await asyncio.create_subprocess_exec(
            str(WRK),
            "-t1",
            f"-c{concurrency}",
            f"-d{seconds}s",
            "-s",
            str(script),
            "-H",
            f"Host: {HOST}",
            f"http://{address}:{port}{path}",
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        out, _ = await proc.communicate()
    # Requests wrk left in flight are answered (and logged) after it exits: let them land.
    await asyncio.sleep(0.2)
    delays, served = await server.truth(path)
    label = f"wrk         {path} c={concurrency}"
    line = next((ln for ln in out.decode().splitlines() if ln.startswith("WRK ")), None)
    if line is None:
        return Row(label, None, delays, served, 0, 0.0, note="wrk printed no figures")
    _, requests, errors, p50, p95, p99, _max = line.split()
    return Row(
        label,
        (float(p50), float(p95), float(p99)),
        delays,
        served,
        int(requests),
        int(requests) / seconds,
        note=f"{errors} errors; wrk's own CPU not measured",
    )


# --- output ---------------------------------------------------------------------------------


def print_header(title: str) -> None:
    print(f"\n{title}")
    print(
        f"{'run':<27} {'p50 got/true err':>21} {'p95 got/true err':>21} "
        f"{'p99 got/true err':>21} {'err vs served':>20} {'n':>6} {'req/s':>6} "
        f"{'cpu':>5} ok  ok*"
    )


def print_row(row: Row) -> bool:
    """Print ``row``; True when every quantile is within the target of the delays."""
    true = _quantiles(row.delays)
    served = _quantiles(row.served)
    cpu = "-" if row.cpu_pct is None else f"{row.cpu_pct:.0f}%"
    if row.reported is None:
        print(f"{row.label:<27} {'-':>21} {'-':>21} {'-':>21} {'-':>20}  {row.note}")
        return False
    cells = []
    for got, want in zip(row.reported, true, strict=True):
        cells.append(f"{got:.1f}/{want:.1f} {got - want:+.1f}")
    vs_served = "/".join(f"{g - w:+.1f}" for g, w in zip(row.reported, served, strict=True))
    ok = all(within(g, w) for g, w in zip(row.reported, true, strict=True))
    ok_served = all(within(g, w) for g, w in zip(row.reported, served, strict=True))
    pct = max(abs(g - w) / w * 100 if w else 0.0 for g, w in zip(row.reported, true, strict=True))
    print(
        f"{row.label:<27} {cells[0]:>21} {cells[1]:>21} {cells[2]:>21} {vs_served:>20} "
        f"{row.requests:>6} {row.rps:>6.0f} {cpu:>5} {'yes' if ok else 'NO ':<3} "
        f"{'yes' if ok_served else 'NO':<3}  worst {pct:.0f}% {row.note}"
    )
    return ok


async def main(quick: bool, have_wrk: bool) -> int:
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs")
    print("cells: reported/true error, in ms; true = nearest-rank quantile of the delays waited")
    server = await Server.start()
    missed = 0
    try:
        scale = 0.3 if quick else 1.0
        sizes = {1: int(300 * scale), 10: int(1500 * scale), 50: int(3000 * scale)}
        for path in ("/fixed-20", "/long-tail"):
            print_header(f"closed loop, {path}")
            for c, n in sizes.items():
                plan = SamplePlan(samples=n, concurrency=c, time_budget_s=120)
                row, _ = await ours(server, path, plan, f"sampler     {path} c={c}")
                missed += not print_row(row)

        print_header("the client's own cost: the sampler vs net.HttpClient (one shared pool)")
        for path in ("/zero", "/fixed-20"):
            for c in (10, 50):
                n = sizes[c]
                plan = SamplePlan(samples=n, concurrency=c, time_budget_s=120)
                row, run = await ours(server, path, plan, f"sampler     {path} c={c}")
                row.note = f"{run.client_cpu_s / run.sent * 1e6:.0f} us CPU/request {row.note}"
                print_row(row)
                print_row(await httpx_baseline(server, path, n, c))

        print_header("a 1 s server stall 2 s into a 5 s run: 200 requests/s on 10 connections")

        async def stall() -> None:
            await asyncio.sleep(2.0)
            await server.ask(cmd="stall", seconds=1.0)

        open_plan = SamplePlan(samples=1000, concurrency=10, rate_per_s=200, time_budget_s=30)
        row, run = await ours(server, "/fixed-20", open_plan, "open loop   /fixed-20 c=10", stall)
        print_row(row)
        p99 = run.summary.p99_ms or 0.0
        stall_ok = p99 >= 900
        print(
            f"  open loop p99 {p99:.0f} ms: the stall shows (>= 900 ms): "
            f"{'yes' if stall_ok else 'NO'}"
        )
        missed += not stall_ok
        closed_plan = SamplePlan(samples=100_000, concurrency=10, time_budget_s=5)
        row, run = await ours(server, "/fixed-20", closed_plan, "closed loop /fixed-20 c=10", stall)
        print_row(row)
        print(
            f"  closed loop p99 {run.summary.p99_ms or 0:.0f} ms, max "
            f"{run.summary.max_ms or 0:.0f} ms: coordinated omission hides the stall"
        )

        print_header(
            "this client's loop held 20 ms in every 100 ms (CPU elsewhere in an audit), "
            "/fixed-20 c=10: late answers timed / retaken"
        )

        async def bursts() -> None:
            for _ in range(15):
                await asyncio.sleep(0.08)
                time.sleep(0.02)  # noqa: ASYNC251 - the point: this loop is held, as CPU would

        n = sizes[10] // 3
        for share, label in ((0.0, "timed  "), (0.5, "retaken")):
            plan = SamplePlan(samples=n, concurrency=10, time_budget_s=120, retake_share=share)
            row, run = await ours(server, "/fixed-20", plan, f"late {label} /fixed-20 c=10", bursts)
            row.note = f"{run.retaken} retaken {row.note}"
            print_row(row)

        if have_wrk:
            seconds = 3 if quick else 5
            print_header(f"wrk ({WRK}, {seconds} s each) and the sampler, same route")
            for c in (1, 10, 50):
                print_row(await wrk(server, "/fixed-20", c, seconds))
                plan = SamplePlan(samples=sizes[c], concurrency=c, time_budget_s=120)
                row, _ = await ours(server, "/fixed-20", plan, f"sampler     /fixed-20 c={c}")
                print_row(row)
        else:
            print(f"\nwrk not found at {WRK}: skipped")
    finally:
        await server.stop()
    print(f"\n{'every target met' if not missed else f'{missed} run(s) missed the target'}")
    return 1 if missed else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="fewer requests per run")
    args = parser.parse_args()
    if args.serve:
        serve()
    else:
        sys.exit(asyncio.run(main(args.quick, WRK.exists())))

"""The in-app monitor loop with its dashboard open: schedule jitter, CPU, event-loop lag.

Run: ``uv run python bench/monitor.py`` (``--seconds 60``, ``--routes 20``, ``--interval 1``,
``--baseline-seconds 15``).

The bench world runs in a process of its own (as a client's servers would: they do not share
this process's CPU or interpreter lock) and writes its session; this process builds a session of
``--routes`` routes over the world's hosts (its GET routes, repeated with a query string to make
up the number; the sandbox routes by path), opens it in the app headless at 120x40, and measures
two phases:

* **baseline**: the app open on a stage screen, idle, for ``--baseline-seconds``: the CPU and
  loop lag of the app doing nothing (what a monitor adds is measured against this);
* **monitors**: the live monitor dashboard open, every route probed each ``--interval``, the
  table and chart refreshing twice a second, for ``--seconds``.

Figures: probe start jitter against the schedule (p50/p99/max, target p99 <= 50 ms), process CPU
as a share of one core (``getrusage``, user + system, target <= 10 %), event-loop lag measured by
a 5 ms timer (p99/max, target <= 50 ms), probes sent and failed.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SANDBOX = """
import sys
from launch_tui.cli.cmd_sandbox import sandbox_session
from launch_tui.sandbox import SandboxThread
from launch_tui.store import create_session
with SandboxThread("bench") as running:
    create_session(sys.argv[1], sandbox_session(running)).close()
    print("ready", flush=True)
    sys.stdin.read()
"""


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1)))] if ordered else 0.0


async def lag_probe(stop: asyncio.Event, into: list[float]) -> None:
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        before = loop.time()
        await asyncio.sleep(0.005)
        into.append((loop.time() - before - 0.005) * 1000)


async def measure(path: Path, args: argparse.Namespace) -> dict[str, float]:
    from launch_tui.checks.engine.registry import Registry
    from launch_tui.cli.cmd_open import services_factory
    from launch_tui.core.model import RouteKind
    from launch_tui.core.playbook import builtin_playbook
    from launch_tui.store import create_session, load_session
    from launch_tui.tui.app import AppOptions, LaunchApp
    from launch_tui.tui.screens.monitor_dashboard import MonitorScreen

    session = load_session(path)
    gets = [r for r in session.targets.routes if r.method == "GET" and "drops" not in r.url]
    routes = []
    for i in range(args.routes):
        base = gets[i % len(gets)]
        routes.append(
            replace(
                base, name=f"r{i:02d}-{base.name}", url=f"{base.url}?n={i}", kind=RouteKind.READ
            )
        )
    session = replace(session, targets=replace(session.targets, routes=tuple(routes)))
    bench_path = path.with_name("monitor-bench.toml")
    create_session(bench_path, session).close()

    app = LaunchApp(
        sessions_dir=path.parent,
        playbook=builtin_playbook(),
        registry=Registry(),
        services_factory=services_factory(),
        open_path=bench_path,
        options=AppOptions(cursor_blink=False),
    )
    figures: dict[str, float] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.wait_opened()
        await pilot.pause()
        # Baseline: the app open and idle.
        stop, lags = asyncio.Event(), []
        probe = asyncio.create_task(lag_probe(stop, lags))
        cpu0, wall0 = cpu_seconds(), time.perf_counter()
        await asyncio.sleep(args.baseline_seconds)
        figures["baseline_cpu_pct"] = 100 * (cpu_seconds() - cpu0) / (time.perf_counter() - wall0)
        stop.set()
        await probe
        figures["baseline_lag_p99_ms"] = quantile(lags, 0.99)
        figures["baseline_lag_max_ms"] = max(lags)

        # Monitors: the dashboard open for the run.
        screen = MonitorScreen(interval_s=args.interval, window_s=300)
        await app.push_screen(screen)
        stop, lags = asyncio.Event(), []
        probe = asyncio.create_task(lag_probe(stop, lags))
        cpu0, wall0 = cpu_seconds(), time.perf_counter()
        await asyncio.sleep(args.seconds)
        wall = time.perf_counter() - wall0
        figures["monitor_cpu_pct"] = 100 * (cpu_seconds() - cpu0) / wall
        stop.set()
        await probe
        summary = await screen.stop_monitoring()
        loop = screen.loop
        assert loop is not None and summary is not None
        jitter = list(loop.jitter_ms)
        figures["lag_p99_ms"] = quantile(lags, 0.99)
        figures["lag_max_ms"] = max(lags)
        figures["lag_median_ms"] = statistics.median(lags)
        figures["jitter_p50_ms"] = quantile(jitter, 0.50)
        figures["jitter_p99_ms"] = quantile(jitter, 0.99)
        figures["jitter_max_ms"] = max(jitter)
        figures["probes"] = sum(t.samples for t in loop.tracks.values())
        figures["failed"] = sum(t.failures for t in loop.tracks.values())
        figures["expected_probes"] = args.routes * args.seconds / args.interval
        figures["wall_s"] = wall
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--baseline-seconds", type=float, default=15.0)
    parser.add_argument("--routes", type=int, default=20)
    parser.add_argument("--interval", type=float, default=1.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        path = Path(temp) / "bench.toml"
        proc = subprocess.Popen(
            [sys.executable, "-c", SANDBOX, str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        try:
            assert proc.stdout is not None
            if proc.stdout.readline().strip() != "ready":
                raise SystemExit("the sandbox process did not start")
            figures = asyncio.run(measure(path, args))
        finally:
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait(timeout=30)
            if proc.stdout is not None:
                proc.stdout.close()
    f = figures
    print(
        f"monitor loop: {args.routes} routes every {args.interval:g} s for {args.seconds:g} s, "
        "dashboard open"
    )
    print(
        f"  probes            {f['probes']:.0f} of {f['expected_probes']:.0f} scheduled, "
        f"{f['failed']:.0f} failed"
    )
    print(
        f"  schedule jitter   p50 {f['jitter_p50_ms']:.1f} ms  p99 {f['jitter_p99_ms']:.1f} ms"
        f"  max {f['jitter_max_ms']:.1f} ms   (target p99 <= 50 ms)"
    )
    print(
        f"  CPU               {figures['monitor_cpu_pct']:.1f} % of one core"
        f"   (baseline, app idle: {figures['baseline_cpu_pct']:.1f} %; target <= 10 %)"
    )
    print(
        f"  event-loop lag    p99 {f['lag_p99_ms']:.1f} ms  max {f['lag_max_ms']:.1f} ms"
        f"   (baseline p99 {f['baseline_lag_p99_ms']:.1f} ms, "
        f"max {f['baseline_lag_max_ms']:.1f} ms; target <= 50 ms)"
    )


if __name__ == "__main__":
    main()

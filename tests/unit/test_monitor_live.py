"""The monitor loop: schedule, sliding-window figures, and summaries that stay small."""

from __future__ import annotations

import asyncio
import json

from launch_tui.checks.monitor.live import MAX_HOURS, MonitorLoop, RouteTrack, Sample, percentile
from launch_tui.core.model import RouteKind
from launch_tui.core.monitor_plan import Monitor


def monitor(name: str, budget: int = 500) -> Monitor:
    return Monitor(name, name, f"https://x.test/{name}", "GET", RouteKind.READ, 200, budget)


def test_window_figures_are_exact_and_forget_old_samples() -> None:
    track = RouteTrack(monitor("home"), window_s=10)
    for i in range(100):
        ok = i % 10 != 0
        track.add(Sample("home", float(i), ok, 200 if ok else 503, float(i + 1)), 0.0)
    stats = track.stats()
    # The window holds t = 89..99: 11 samples, one of them (t=90) failed.
    assert (stats.samples, stats.failures) == (11, 1)
    assert stats.uptime_pct is not None and round(stats.uptime_pct, 1) == 90.9
    assert (stats.p50_ms, stats.p95_ms, stats.p99_ms) == (95.0, 100.0, 100.0)
    assert track.samples == 100 and track.failures == 10
    p95 = track.histogram.quantile(0.95)
    assert p95 is not None and abs(p95 - 95) / 95 < 0.06, "run histogram within its 5 % resolution"


def test_a_week_of_samples_summarizes_small() -> None:
    tracks = [RouteTrack(monitor(f"r{i}"), window_s=300) for i in range(20)]
    for track in tracks:
        for minute in range(8 * 24 * 60):  # eight days at one probe a minute
            track.add(Sample(track.monitor.route, minute * 60.0, minute % 97 != 0, 200, 80.0), 0.0)
    summaries = [t.summary() for t in tracks]
    assert all(len(s["hours"]) == MAX_HOURS for s in summaries)  # type: ignore[arg-type]
    size = len(json.dumps(summaries))
    assert size < 300_000, size
    assert summaries[0]["samples"] == 8 * 24 * 60


async def test_the_loop_probes_every_route_on_schedule_until_stopped() -> None:
    stop = asyncio.Event()
    seen: list[Sample] = []

    async def probe(m: Monitor) -> Sample:
        return Sample(m.route, 0.0, m.route != "down", 503 if m.route == "down" else 200, 5.0)

    def on_sample(sample: Sample) -> None:
        seen.append(sample)
        if len(seen) >= 12:
            stop.set()

    loop = MonitorLoop(
        [monitor("a"), monitor("b"), monitor("down")], probe, interval_s=0.01, on_sample=on_sample
    )
    await asyncio.wait_for(loop.run(stop), 10)
    assert {s.route for s in seen} == {"a", "b", "down"}
    by_route = {s.route: s for s in loop.stats()}
    assert by_route["down"].uptime_pct == 0.0 and by_route["a"].uptime_pct == 100.0
    summary = loop.summary()
    assert [r["route"] for r in summary["routes"]] == ["a", "b", "down"]  # type: ignore[index,union-attr]
    assert summary["jitter_p99_ms"] is not None


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 0.5) is None
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.99) == 4.0

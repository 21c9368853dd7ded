"""TUI responsiveness: time to first screen, and event-loop lag during a full demo audit.

Run: ``uv run python bench/tui.py`` (``--runs N`` for more samples, ``--skip-audit``).

Measures:
  * first screen, cold process: from spawning a fresh ``python`` until the stage screen of a
    typical session (the Brightlane test data: 7 stages, 84 results) has painted its rows,
    headless. Includes interpreter start and every import the app needs before painting;
  * first screen, warm process: the same in a process that already imported everything
    (constructing a new app, opening the session file, painting);
  * event-loop lag during a full audit: the demo sandbox runs in its own thread (as in
    ``launch-tui demo``), the app runs headless in this process with the real check registry
    and services, and a probe task measures how late a 5 ms sleep wakes up while every
    registered check runs, results merge, save and repaint.

Targets (DESIGN.md §6): first screen ≤ 0.5 s; lag ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SESSION = ROOT / "tests" / "data" / "tui" / "brightlane.toml"

CHILD = r"""
import asyncio, json, sys, time
from pathlib import Path

started = float(sys.argv[2])
from launch_tui.checks import Registry
from launch_tui.checks.context import CheckServices
from launch_tui.core.playbook import builtin_playbook
from launch_tui.tui.app import AppOptions, LaunchApp
from launch_tui.tui.screens.stage import StageScreen
from launch_tui.tui.widgets.check_table import CheckTable

path = Path(sys.argv[1])
imported = time.time()
app = LaunchApp(
    sessions_dir=path.parent,
    playbook=builtin_playbook(),
    registry=Registry,
    services_factory=lambda session: CheckServices(),
    open_path=path,
    options=AppOptions(cursor_blink=False),
)
shown = {}

async def auto_pilot(pilot):
    while True:
        screen = app.screen
        if isinstance(screen, StageScreen) and screen.is_mounted:
            tables = list(screen.query(CheckTable))
            if tables and tables[0].row_count:
                break
        await asyncio.sleep(0.001)
    await pilot.pause()
    shown["at"] = time.time()
    app.exit()

app.run(headless=True, size=(80, 24), auto_pilot=auto_pilot)
print(json.dumps({"imports": imported - started, "first_screen": shown["at"] - started}))
"""


BARE = r"""
import sys, time, json
started = float(sys.argv[1])
from textual.app import App
from textual.widgets import DataTable, Footer, Static
imported = time.time()

class Bare(App):
    def compose(self):
        yield Static("hello")
        yield DataTable()
        yield Footer()

shown = {}
async def auto_pilot(pilot):
    await pilot.pause()
    shown["at"] = time.time()
    pilot.app.exit()

Bare().run(headless=True, size=(80, 24), auto_pilot=auto_pilot)
print(json.dumps({"imports": imported - started, "first_screen": shown["at"] - started}))
"""


def bare_textual_baseline(runs: int) -> list[dict[str, float]]:
    """The floor on this machine: a three-widget Textual app, spawn → painted."""
    samples = []
    for _ in range(runs):
        started = time.time()
        out = subprocess.run(
            [sys.executable, "-c", BARE, repr(started)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            timeout=120,
        )
        samples.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return samples


def _copy_session(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "brightlane.toml"
    shutil.copyfile(SESSION, target)
    return target


def cold_first_screen(runs: int) -> list[dict[str, float]]:
    """Fresh interpreter each time: spawn → rows painted."""
    samples = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="launch-tui-bench-tui-") as temp:
            path = _copy_session(Path(temp))
            started = time.time()
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(path), repr(started)],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
                timeout=120,
            )
            samples.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return samples


async def warm_first_screen(runs: int) -> list[float]:
    """Modules already imported: new app → session opened → rows painted."""
    from launch_tui.checks import Registry
    from launch_tui.checks.context import CheckServices
    from launch_tui.core.playbook import builtin_playbook
    from launch_tui.tui.app import AppOptions, LaunchApp
    from launch_tui.tui.screens.stage import StageScreen
    from launch_tui.tui.widgets.check_table import CheckTable

    samples = []
    for _ in range(runs + 1):  # the first run warms caches (CSS, fonts of rich, regexes)
        with tempfile.TemporaryDirectory(prefix="launch-tui-bench-tui-") as temp:
            path = _copy_session(Path(temp))
            started = time.perf_counter()
            app = LaunchApp(
                sessions_dir=path.parent,
                playbook=builtin_playbook(),
                registry=Registry,
                services_factory=lambda session: CheckServices(),
                open_path=path,
                options=AppOptions(cursor_blink=False),
            )
            async with app.run_test(size=(80, 24)) as pilot:
                while True:
                    screen = app.screen
                    if isinstance(screen, StageScreen) and screen.is_mounted:
                        tables = list(screen.query(CheckTable))
                        if tables and tables[0].row_count:
                            break
                    await asyncio.sleep(0.001)
                await pilot.pause()
                samples.append(time.perf_counter() - started)
    return samples[1:]


async def audit_lag() -> dict[str, float]:
    """Worst event-loop lag while the full audit runs against the demo sandbox."""
    from launch_tui.checks import default_registry
    from launch_tui.cli.cmd_demo import demo_session
    from launch_tui.cli.cmd_open import services_factory
    from launch_tui.core.playbook import builtin_playbook
    from launch_tui.sandbox import SandboxThread, session_for
    from launch_tui.store import create_session
    from launch_tui.tui.app import AppOptions, LaunchApp

    registry = default_registry()
    with SandboxThread("demo") as running, tempfile.TemporaryDirectory() as temp:
        path = Path(temp) / "demo.toml"
        create_session(path, replace(demo_session(session_for(running)))).close()
        app = LaunchApp(
            sessions_dir=Path(temp),
            playbook=builtin_playbook(),
            registry=registry,
            services_factory=services_factory(),
            open_path=path,
            options=AppOptions(cursor_blink=False),
        )
        lags: list[float] = []
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await pilot.press("3")  # a stage screen with host checks filling in live
            await pilot.pause()
            loop = asyncio.get_running_loop()
            stop = asyncio.Event()

            async def probe() -> None:
                while not stop.is_set():
                    before = loop.time()
                    await asyncio.sleep(0.005)
                    lags.append(loop.time() - before - 0.005)

            task = asyncio.create_task(probe())
            started = time.perf_counter()
            await pilot.press("A")
            await app.wait_for_run()
            await pilot.pause()
            wall = time.perf_counter() - started
            stop.set()
            await task
            assert app.controller is not None
            results = len(app.controller.session.results)
            await app.wait_saved()
            saves = app.controller.saves
    lags.sort()
    return {
        "checks_registered": len(registry),
        "results": results,
        "saves": saves,
        "audit_wall_s": wall,
        "lag_max_ms": lags[-1] * 1000,
        "lag_p99_ms": lags[int(0.99 * (len(lags) - 1))] * 1000,
        "lag_median_ms": statistics.median(lags) * 1000,
        "probes": len(lags),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="samples per first-screen figure")
    parser.add_argument("--skip-audit", action="store_true", help="only the first-screen times")
    args = parser.parse_args()

    bare = sorted(s["first_screen"] for s in bare_textual_baseline(args.runs))
    print(f"baseline: a bare three-widget Textual app, cold process ({args.runs} runs)")
    print(f"  median {statistics.median(bare):.3f} s   best {bare[0]:.3f} s")
    cold = cold_first_screen(args.runs)
    first = sorted(s["first_screen"] for s in cold)
    imports = sorted(s["imports"] for s in cold)
    print(f"first screen, cold process ({args.runs} runs, 80x24, headless)")
    print(f"  median {statistics.median(first):.3f} s   best {first[0]:.3f} s", end="")
    print(f"   worst {first[-1]:.3f} s")
    print(f"  of which interpreter start + imports: median {statistics.median(imports):.3f} s")
    warm = sorted(asyncio.run(warm_first_screen(args.runs)))
    print(f"first screen, warm process ({args.runs} runs)")
    print(
        f"  median {statistics.median(warm):.3f} s   best {warm[0]:.3f} s   worst {warm[-1]:.3f} s"
    )
    print("target: first screen <= 0.5 s")
    if args.skip_audit:
        return
    lag = asyncio.run(audit_lag())
    print(
        f"full demo audit: {lag['checks_registered']} checks registered, "
        f"{lag['results']} results, {lag['saves']} saves, {lag['audit_wall_s']:.2f} s"
    )
    print(
        f"  event-loop lag: worst {lag['lag_max_ms']:.1f} ms   p99 {lag['lag_p99_ms']:.1f} ms   "
        f"median {lag['lag_median_ms']:.2f} ms   ({lag['probes']} probes of 5 ms)"
    )
    print("target: lag <= 50 ms")


if __name__ == "__main__":
    main()

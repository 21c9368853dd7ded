"""TUI responsiveness: time to first screen, and event-loop lag during a full demo audit.

Run: ``uv run python bench/tui.py`` (``--runs N`` for more samples, ``--audit-runs N``,
``--skip-audit``, ``--pycache DIR`` to measure with compiled bytecode, see below).

Measures:
  * first screen, cold process: from spawning a fresh ``python`` until the stage screen of a
    typical session (the Brightlane test data: 7 stages, 84 results) shows its rows, headless.
    Includes interpreter start and every import the app needs before painting. Each run of
    ours is paired with a run of a bare three-widget Textual app (the floor on this machine:
    interpreter, ``textual`` and a first paint), alternating, so that the difference between
    the two is measured under the same load;
  * first screen, warm process: the same in a process that already imported everything
    (constructing a new app, opening the session file, painting);
  * event-loop lag during a full audit: the app runs headless in this process with the real
    check registry and services, and a probe task measures how late a 5 ms sleep wakes up
    while every registered check runs, results merge, save and repaint. The demo sandbox runs
    either in a thread of this process (as in ``launch-tui demo``) or in a process of its own
    (as a client's real servers would: they do not share this process's interpreter lock).

Two moments are reported for a first screen: *painted*, the first frame with the check rows
(what the engineer sees), and *settled*, when the app has also gone idle (Pilot's ``pause``:
no CPU used for a short while), which is what earlier versions of this script reported.

Bytecode: when ``PYTHONDONTWRITEBYTECODE`` is set and the packages were installed without
compiled bytecode, every process compiles part of Textual and all of launch-tui from source,
which an installed app does not do. ``--pycache DIR`` compiles everything into ``DIR`` first
(once; it is reused) and measures with ``PYTHONPYCACHEPREFIX=DIR``, without touching the
environment or the source tree.

Targets (DESIGN.md §6): first screen <= 0.5 s; lag <= 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SESSION = ROOT / "tests" / "data" / "tui" / "brightlane.toml"

FIRST_SCREEN_TARGET_S = 0.5
LAG_TARGET_MS = 50.0

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
    painted = asyncio.Event()
    tables[0].call_after_refresh(painted.set)
    await painted.wait()
    shown["painted"] = time.time()
    await pilot.pause()
    shown["settled"] = time.time()
    app.exit()

app.run(headless=True, size=(80, 24), auto_pilot=auto_pilot)
print(json.dumps({
    "imports": imported - started,
    "painted": shown["painted"] - started,
    "settled": shown["settled"] - started,
}))
"""


BARE = r"""
import asyncio, sys, time, json
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
    painted = asyncio.Event()
    pilot.app.query_one(DataTable).call_after_refresh(painted.set)
    await painted.wait()
    shown["painted"] = time.time()
    await pilot.pause()
    shown["settled"] = time.time()
    pilot.app.exit()

Bare().run(headless=True, size=(80, 24), auto_pilot=auto_pilot)
print(json.dumps({
    "imports": imported - started,
    "painted": shown["painted"] - started,
    "settled": shown["settled"] - started,
}))
"""

SANDBOX = r"""
import asyncio, sys
from pathlib import Path
from launch_tui.cli.cmd_demo import demo_session
from launch_tui.sandbox import session_for, start_world
from launch_tui.store import create_session

async def main():
    async with start_world("demo") as running:
        create_session(Path(sys.argv[1]), demo_session(session_for(running))).close()
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.read)  # serve until the benchmark closes stdin

asyncio.run(main())
"""

Sample = dict[str, float]


def _spawn(script: str, *args: str) -> Sample:
    started = time.time()
    out = subprocess.run(
        [sys.executable, "-c", script, *args, repr(started)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        timeout=120,
    )
    sample: Sample = json.loads(out.stdout.strip().splitlines()[-1])
    return sample


def _copy_session(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "brightlane.toml"
    shutil.copyfile(SESSION, target)
    return target


def cold_first_screens(runs: int) -> tuple[list[Sample], list[Sample]]:
    """Fresh interpreters, spawn -> first screen: ``(bare, ours)``, run in alternating pairs."""
    bare: list[Sample] = []
    ours: list[Sample] = []
    for index in range(runs):
        with tempfile.TemporaryDirectory(prefix="launch-tui-bench-tui-") as temp:
            path = _copy_session(Path(temp))
            # Alternate which goes first, so that a change in load does not favour one.
            if index % 2:
                ours.append(_spawn(CHILD, str(path)))
                bare.append(_spawn(BARE))
            else:
                bare.append(_spawn(BARE))
                ours.append(_spawn(CHILD, str(path)))
    return bare, ours


async def warm_first_screen(runs: int) -> list[Sample]:
    """Modules already imported: new app -> session opened -> rows painted / app settled."""
    from launch_tui.checks import Registry
    from launch_tui.checks.context import CheckServices
    from launch_tui.core.playbook import builtin_playbook
    from launch_tui.tui.app import AppOptions, LaunchApp
    from launch_tui.tui.screens.stage import StageScreen
    from launch_tui.tui.widgets.check_table import CheckTable

    samples: list[Sample] = []
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
                painted = asyncio.Event()
                tables[0].call_after_refresh(painted.set)
                await painted.wait()
                at_paint = time.perf_counter() - started
                await pilot.pause()
                samples.append({"painted": at_paint, "settled": time.perf_counter() - started})
    return samples[1:]


async def warm_bare(runs: int) -> list[Sample]:
    """The bare three-widget app, in this (warm) process."""
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable, Footer, Static

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("hello")
            yield DataTable()
            yield Footer()

    samples: list[Sample] = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        app = Bare()
        async with app.run_test(size=(80, 24)) as pilot:
            painted = asyncio.Event()
            app.query_one(DataTable).call_after_refresh(painted.set)
            await painted.wait()
            at_paint = time.perf_counter() - started
            await pilot.pause()
            samples.append({"painted": at_paint, "settled": time.perf_counter() - started})
    return samples[1:]


class _SandboxProcess:
    """The demo world served by a process of its own; writes the demo session at ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> _SandboxProcess:
        self._proc = subprocess.Popen(
            [sys.executable, "-c", SANDBOX, str(self.path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if line.strip() != "ready":
            self.__exit__()
            raise RuntimeError("the sandbox process did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        proc = self._proc
        if proc is None:
            return
        self._proc = None
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.close()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()


async def audit_lag(sandbox: str) -> dict[str, float]:
    """Worst event-loop lag while the full audit runs against the demo sandbox.

    ``sandbox`` is ``"thread"`` (this process, as ``launch-tui demo``) or ``"process"``.
    """
    from launch_tui.checks import default_registry
    from launch_tui.cli.cmd_demo import demo_session
    from launch_tui.cli.cmd_open import services_factory
    from launch_tui.core.playbook import builtin_playbook
    from launch_tui.sandbox import SandboxThread, session_for
    from launch_tui.store import create_session
    from launch_tui.tui.app import AppOptions, LaunchApp

    registry = default_registry()
    with tempfile.TemporaryDirectory() as temp:
        path = Path(temp) / "demo.toml"
        served: SandboxThread | _SandboxProcess = (
            SandboxThread("demo") if sandbox == "thread" else _SandboxProcess(path)
        )
        with served as running:
            if sandbox == "thread":
                create_session(path, demo_session(session_for(running))).close()
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


def _use_pycache(folder: Path) -> None:
    """Run this script again with all bytecode compiled into ``folder`` (see the docstring)."""
    folder = folder.resolve()
    if os.environ.get("PYTHONPYCACHEPREFIX") == str(folder):
        return
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(folder)}
    paths = [p for p in dict.fromkeys(sys.path) if p and Path(p).is_dir()]
    print(f"compiling bytecode into {folder} (reused by later runs) ...", flush=True)
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "-j", "0", *paths, str(ROOT / "launch_tui")],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,  # a few test files of the standard library do not compile, by design
    )
    os.execve(sys.executable, [sys.executable, *sys.argv], env)


def _bytecode_note() -> str:
    prefix = os.environ.get("PYTHONPYCACHEPREFIX")
    if prefix:
        return f"bytecode: compiled, from {prefix}"
    if sys.dont_write_bytecode:
        return (
            "bytecode: PYTHONDONTWRITEBYTECODE is set; modules without a .pyc are compiled "
            "in every process (see --pycache)"
        )
    return "bytecode: written and reused as usual"


def _line(label: str, values: list[float], unit: str = "s") -> str:
    ordered = sorted(values)
    fmt = "{:7.1f} ms" if unit == "ms" else "{:6.3f} s"
    median = fmt.format(statistics.median(ordered))
    best = fmt.format(ordered[0])
    worst = fmt.format(ordered[-1])
    return f"  {label:<26} median {median}   best {best}   worst {worst}"


def _report_first_screens(runs: int) -> None:
    bare, ours = cold_first_screens(runs)
    print(f"first screen, cold process ({runs} runs each, alternating, 80x24, headless)")
    for moment in ("painted", "settled"):
        print(f" {moment}:")
        print(_line("bare Textual app", [s[moment] for s in bare]))
        print(_line("launch-tui", [s[moment] for s in ours]))
        diffs = [o[moment] - b[moment] for o, b in zip(ours, bare, strict=True)]
        print(_line("launch-tui - bare (paired)", diffs))
    print(" interpreter start + imports:")
    print(_line("bare Textual app", [s["imports"] for s in bare]))
    print(_line("launch-tui", [s["imports"] for s in ours]))
    warm = asyncio.run(warm_first_screen(runs))
    warm_floor = asyncio.run(warm_bare(runs))
    print(f"first screen, warm process ({runs} runs)")
    for moment in ("painted", "settled"):
        print(f" {moment}:")
        print(_line("bare Textual app", [s[moment] for s in warm_floor]))
        print(_line("launch-tui", [s[moment] for s in warm]))
    print(f"target: first screen <= {FIRST_SCREEN_TARGET_S} s")


def _report_audit(runs: int, modes: list[str]) -> None:
    for mode in modes:
        where = {
            "thread": "sandbox in a thread of this process, as launch-tui demo",
            "process": "sandbox in its own process, as a client's servers",
        }[mode]
        print(f"full demo audit, {where} ({runs} runs, 120x40)")
        samples = []
        for _ in range(runs):
            lag = asyncio.run(audit_lag(mode))
            samples.append(lag)
            print(
                f"  {lag['checks_registered']} checks, {lag['results']} results, "
                f"{lag['saves']} saves, {lag['audit_wall_s']:.2f} s:  lag worst "
                f"{lag['lag_max_ms']:.1f} ms   p99 {lag['lag_p99_ms']:.1f} ms   median "
                f"{lag['lag_median_ms']:.2f} ms   ({lag['probes']} probes of 5 ms)"
            )
        if runs > 1:
            print(_line("lag worst, over runs", [s["lag_max_ms"] for s in samples], "ms"))
            print(_line("lag p99, over runs", [s["lag_p99_ms"] for s in samples], "ms"))
    print(f"target: lag <= {LAG_TARGET_MS:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="samples per first-screen figure")
    parser.add_argument("--audit-runs", type=int, default=3, help="audits per sandbox placement")
    parser.add_argument(
        "--sandbox",
        choices=["thread", "process", "both"],
        default="both",
        help="where the demo sandbox runs during the audit",
    )
    parser.add_argument("--skip-audit", action="store_true", help="only the first-screen times")
    parser.add_argument("--skip-first-screen", action="store_true", help="only the audit")
    parser.add_argument(
        "--pycache", type=Path, help="compile all bytecode into this folder and use it"
    )
    args = parser.parse_args()
    if args.pycache is not None:
        _use_pycache(args.pycache)
    print(_bytecode_note())
    if not args.skip_first_screen:
        _report_first_screens(args.runs)
    if not args.skip_audit:
        modes = ["thread", "process"] if args.sandbox == "both" else [args.sandbox]
        _report_audit(args.audit_runs, modes)


if __name__ == "__main__":
    main()

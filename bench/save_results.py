"""Saving a grown world's audit results: the cost of ``SessionHandle.save`` alone.

Run: ``uv run python bench/save_results.py`` (``--scale K``, default 8; ``--runs N``;
``--keep PATH`` writes the audited session there, ``--from PATH`` reuses such a file instead of
auditing again; ``--profile`` prints the top of a cProfile of the saves).

The world grown K times (``bench/_scaled_world.py``) is audited once (sandbox in a thread). Then,
``--runs`` times each, on a fresh session file on disk:
  * first save: the session without results is created, then every result is saved at once
    (what the end of ``launch-tui check`` or the TUI's saver does after an audit);
  * re-run save: every result changes (timestamps and durations) and the session is saved again;
  * baseline: ``tomlkit.dumps`` of the whole session and a plain ``write_text`` (no checks, no
    fsync), measured in the same run.

Target (issue 15): a save of a x8 world's results <= 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import dataclasses
import io
import pstats
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import tomlkit

from launch_tui.checks import RunEvent, RunFinished, Selection
from launch_tui.checks.engine.services import open_check_services
from launch_tui.checks.engine.session_run import DEFAULT_PARALLELISM, run_session_checks
from launch_tui.cli.cmd_sandbox import sandbox_session
from launch_tui.core.model import Session
from launch_tui.core.session_codec import session_to_data
from launch_tui.sandbox import SandboxThread
from launch_tui.store import create_session, load_session, open_session

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _scaled_world import scaled_world

TARGET_MS = 100.0


async def _audit(session: Session) -> Session:
    events: list[RunEvent] = []
    async with open_check_services(session.network) as services:
        await run_session_checks(
            session,
            Selection(),
            services,
            on_event=events.append,
            parallelism=DEFAULT_PARALLELISM,
        )
    finished = events[-1]
    assert isinstance(finished, RunFinished)
    return dataclasses.replace(session, results=tuple(finished.results))


def audited(k: int, world: str) -> Session:
    """The world grown ``k`` times, audited once: the session with its results."""
    with tempfile.TemporaryDirectory(prefix="launch-tui-save-") as folder:
        path = scaled_world(world, k, Path(folder))
        with SandboxThread(str(path), rtt_ms=0.0) as running:
            return asyncio.run(_audit(sandbox_session(running)))


def _ms(samples: list[float]) -> str:
    return (
        f"median {statistics.median(samples):7.1f} ms  min {min(samples):7.1f} ms  "
        f"max {max(samples):7.1f} ms"
    )


def measure(session: Session, runs: int, profile: cProfile.Profile | None) -> None:
    empty = dataclasses.replace(session, results=())
    first: list[float] = []
    again: list[float] = []
    size = 0
    with tempfile.TemporaryDirectory(prefix="launch-tui-save-") as folder:
        for n in range(runs):
            path = Path(folder) / f"s{n}.toml"
            create_session(path, empty).close()
            with open_session(path) as handle:
                handle.prepare()  # the TUI parses the document ahead of the first save
                if profile:
                    profile.enable()
                began = time.perf_counter()
                saved = handle.save(session)
                first.append((time.perf_counter() - began) * 1000)
                rerun = dataclasses.replace(
                    saved,
                    results=tuple(
                        dataclasses.replace(
                            r,
                            measured_at=(r.measured_at or saved.sprint.started_at)
                            + timedelta(seconds=1),
                            duration_ms=(r.duration_ms or 0) + 1,
                        )
                        for r in saved.results
                    ),
                )
                began = time.perf_counter()
                handle.save(rerun)
                again.append((time.perf_counter() - began) * 1000)
                if profile:
                    profile.disable()
            size = path.stat().st_size
            assert load_session(path).results == handle.session.results
        baseline: list[float] = []
        for n in range(max(runs // 2, 1)):
            began = time.perf_counter()
            text = tomlkit.dumps(session_to_data(session))
            (Path(folder) / f"b{n}.toml").write_text(text, "utf-8")
            baseline.append((time.perf_counter() - began) * 1000)
    print(f"{len(session.results)} results, file {size / 1e6:.2f} MB, {runs} runs")
    print(f"  first save of every result   {_ms(first)}")
    print(f"  re-run save (all changed)    {_ms(again)}")
    print(f"  baseline tomlkit.dumps+write {_ms(baseline)}")
    verdict = "PASS" if statistics.median(first) <= TARGET_MS else "FAIL"
    print(f"target: first save <= {TARGET_MS:.0f} ms: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=8, help="world grown K times (default 8)")
    parser.add_argument("--world", default="demo")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="write the audited session to this file")
    parser.add_argument("--from", dest="source", type=Path, help="a session file to reuse")
    parser.add_argument("--profile", action="store_true", help="cProfile the saves")
    args = parser.parse_args()
    if args.source:
        session = load_session(args.source)
    else:
        session = audited(args.scale, args.world)
        if args.keep:
            create_session(args.keep, session).close()
    profile = cProfile.Profile() if args.profile else None
    measure(session, args.runs, profile)
    if profile:
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(35)
        print(out.getvalue())


if __name__ == "__main__":
    main()

"""Saving a grown world's audit results: the cost of ``SessionHandle.save`` alone.

Run: ``uv run python bench/save_results.py`` (``--scale K``, default 8; ``--runs N`` saves per
round; ``--rounds R``; ``--against TREE`` a source tree to measure side by side, e.g. a git
worktree of an older commit; ``--keep PATH`` writes the audited session there, ``--from PATH``
reuses such a file instead of auditing again; ``--profile`` prints the top of a cProfile of the
saves of this tree).

The world grown K times (``bench/_scaled_world.py``) is audited once (sandbox in a thread). Then,
in a child process per tree and round (the trees take turns, so a machine that gets busier
weighs on both), ``--runs`` times each on a fresh session file on disk:
  * first save: the session without results is created, then every result is saved at once
    (what the end of ``launch-tui check`` or the TUI's saver does after an audit);
  * re-run save: every result changes (timestamps and durations) and the session is saved again;
  * an added result: one more result, saved (what the TUI's saver does as results come in);
  * the session with its results opened from disk: made editable (``SessionHandle.prepare``),
    then every result re-run and saved (``launch-tui check`` on a session checked before);
then, once, ``tomlkit.dumps`` of the whole session and a plain ``write_text`` (no checks, no
fsync): what saving without editing in place would cost.

``--instructions`` (needs valgrind): also the instructions the first save and the re-run save
execute, per tree, counted by callgrind (``bench/_instructions.py``): the same on a busy machine,
where the timed figures of one tree against itself differ by up to a third.

Target (issue 15): a save of a x8 world's results <= 100 ms.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import io
import itertools
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from launch_tui.core.model import Session

TARGET_MS = 100.0
KINDS = (
    ("first", "first save of every result"),
    ("again", "re-run save (all changed)"),
    ("one", "one result added"),
    ("open", "open from disk for editing"),
    ("disk", "re-run save, opened from disk"),
)


def audited(k: int, world: str) -> Session:
    """The world grown ``k`` times, audited once: the session with its results."""
    import asyncio

    from launch_tui.checks import RunEvent, RunFinished, Selection
    from launch_tui.checks.engine.services import open_check_services
    from launch_tui.checks.engine.session_run import DEFAULT_PARALLELISM, run_session_checks
    from launch_tui.cli.cmd_sandbox import sandbox_session
    from launch_tui.sandbox import SandboxThread

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _scaled_world import scaled_world

    async def audit(session: Session) -> Session:
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

    with tempfile.TemporaryDirectory(prefix="launch-tui-save-") as folder:
        path = scaled_world(world, k, Path(folder))
        with SandboxThread(str(path), rtt_ms=0.0) as running:
            return asyncio.run(audit(sandbox_session(running)))


def measure(source: Path, runs: int, profile: cProfile.Profile | None) -> dict[str, list[float]]:
    """Save the session in ``source`` ``runs`` times over (see the module); times in ms."""
    from launch_tui.store import create_session, load_session, open_session

    session = load_session(source)
    empty = dataclasses.replace(session, results=())
    times: dict[str, list[float]] = {kind + cpu: [] for kind, _ in KINDS for cpu in ("", "_cpu")}

    def timed(kind: str, action: object, *args: object) -> Session:
        if profile:
            profile.enable()
        began, cpu = time.perf_counter(), time.thread_time()
        saved: Session = action(*args)  # type: ignore[operator]
        times[kind].append((time.perf_counter() - began) * 1000)
        times[kind + "_cpu"].append((time.thread_time() - cpu) * 1000)
        if profile:
            profile.disable()
        return saved

    with tempfile.TemporaryDirectory(prefix="launch-tui-save-") as folder:
        for n in range(runs):
            path = Path(folder) / f"s{n}.toml"
            create_session(path, empty).close()
            with open_session(path) as handle:
                handle.prepare()  # the TUI parses the document ahead of the first save
                saved = timed("first", handle.save, session)
                saved = timed("again", handle.save, _rerun(saved))
                extra = dataclasses.replace(saved.results[0], target=f"{n}-added")
                added = dataclasses.replace(saved, results=(*saved.results, extra))
                timed("one", handle.save, added)
            assert load_session(path).results == handle.session.results
            # The session with its results as a file (what `launch-tui check` finds the next
            # time): opened, made editable, every result re-run and saved.
            on_disk = Path(folder) / f"d{n}.toml"
            on_disk.write_bytes(source.read_bytes())
            with open_session(on_disk) as handle:
                timed("open", lambda: handle.prepare() or handle.session)
                timed("disk", handle.save, _rerun(handle.session))
            assert load_session(on_disk).results == handle.session.results
    return times


def _rerun(saved: Session) -> Session:
    """Every result measured again: new timestamps and durations, the same evidence."""
    return dataclasses.replace(
        saved,
        results=tuple(
            dataclasses.replace(
                r,
                measured_at=(r.measured_at or saved.sprint.started_at) + timedelta(seconds=1),
                duration_ms=(r.duration_ms or 0) + 1,
            )
            for r in saved.results
        ),
    )


#: The steps a ``--steps`` child takes after opening the session (see :func:`steps`).
STEPS = (("first", "first save of every result"), ("again", "re-run save (all changed)"))


def steps(source: Path, count: int) -> None:
    """Open a fresh session file made editable, then take the first ``count`` of
    :data:`STEPS`; everything else is done whatever the count, so that the difference between
    two counts is the work of the steps between them."""
    import importlib

    from launch_tui.store import create_session, load_session, open_session

    # The module a first save imports, imported (and, without bytecode, compiled) beforehand:
    # its import is not the save's work.
    importlib.import_module("launch_tui.store.text_check")
    session = load_session(source)
    again = _rerun(session)
    with tempfile.TemporaryDirectory(prefix="launch-tui-save-") as folder:
        path = Path(folder) / "s.toml"
        create_session(path, dataclasses.replace(session, results=())).close()
        with open_session(path) as handle:
            handle.prepare()
            for step in (session, again)[:count]:
                handle.save(step)


def instruction_counts(source: Path, args: argparse.Namespace) -> None:
    """Millions of instructions per step of :data:`STEPS`, per tree (see the module)."""
    from _instructions import available, instructions

    if not available():
        raise SystemExit("--instructions needs valgrind (Debian: apt-get install valgrind)")
    trees: list[tuple[str, Path | None]] = [("this", None)]
    if args.against:
        trees.insert(0, ("before", args.against))
    counts: dict[str, list[float]] = {}
    for label, tree in trees:
        totals = [
            instructions([sys.executable, __file__, "--steps", str(n), "--from", str(source)], tree)
            for n in range(len(STEPS) + 1)
        ]
        counts[label] = [(b - a) / 1e6 for a, b in itertools.pairwise(totals)]
    print("instructions per save, millions (callgrind; the same on a busy machine):")
    for index, (_, what) in enumerate(STEPS):
        row = "  ".join(f"{label} {counts[label][index]:7.1f}" for label, _ in trees)
        ratio = ""
        if args.against:
            before, after = counts["before"][index], counts["this"][index]
            ratio = f"  ({before / after:.2f}x)"
        print(f"  {what:32}{row}{ratio}")


def _ms(samples: list[float]) -> str:
    return f"{statistics.median(samples):7.1f} {min(samples):7.1f} {max(samples):7.1f}"


def _child(tree: Path | None, source: Path, runs: int) -> dict[str, list[float]]:
    """This script measuring in a child process, importing launch-tui from ``tree``."""
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = str(tree.resolve())
    argv = [sys.executable, __file__, "--child", "--from", str(source), "--runs", str(runs)]
    done = subprocess.run(argv, capture_output=True, text=True, check=False, env=env)
    lines = done.stdout.strip().splitlines()
    if done.returncode or not lines:
        raise SystemExit(f"the child failed ({done.returncode}): {done.stderr[-3000:]}")
    times: dict[str, list[float]] = json.loads(lines[-1])
    return times


def compare(source: Path, args: argparse.Namespace) -> None:
    """Each tree measured in child processes, taking turns; one table of figures."""
    trees: list[tuple[str, Path | None]] = [("this", None)]
    if args.against:
        trees.insert(0, ("before", args.against))
    load = os.getloadavg()
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    times: dict[str, dict[str, list[float]]] = {label: {} for label, _ in trees}
    for round_ in range(args.rounds):
        order = trees if round_ % 2 == 0 else trees[::-1]
        for label, tree in order:
            for kind, samples in _child(tree, source, args.runs).items():
                times[label].setdefault(kind, []).extend(samples)
    load = os.getloadavg()
    print(f"load average after:  {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    runs = args.runs * args.rounds
    print(
        f"{runs} saves of each kind per tree; ms: median min max, wall clock and the saving "
        "thread's CPU time (less disturbed by other processes on a shared machine)"
    )
    header = "".join(f"  {label + ' ' + str(tree or ''):>27}" for label, tree in trees)
    print(f"{'':34}{header}")
    for kind, what in KINDS:
        for cpu in ("", "_cpu"):
            row = "".join(f"  {_ms(times[label][kind + cpu]):>27}" for label, _ in trees)
            print(f"  {what + (' CPU' if cpu else ''):32}{row}")
    if args.against:
        for kind, what in KINDS:
            for cpu in ("", "_cpu"):
                before = statistics.median(times["before"][kind + cpu])
                after = statistics.median(times["this"][kind + cpu])
                print(
                    f"  {what + (' CPU' if cpu else '')}: {before:.1f} -> {after:.1f} ms "
                    f"({before / after:.2f}x)"
                )
    first = statistics.median(times["this"]["first"])
    verdict = "PASS" if first <= TARGET_MS else "FAIL"
    print(f"target: first save <= {TARGET_MS:.0f} ms: {verdict} ({first:.1f} ms)")


def tomlkit_baseline(source: Path) -> None:
    import tomlkit

    from launch_tui.core.session_codec import session_to_data
    from launch_tui.store import load_session

    session = load_session(source)
    with tempfile.TemporaryDirectory(prefix="launch-tui-save-") as folder:
        began = time.perf_counter()
        text = tomlkit.dumps(session_to_data(session))
        (Path(folder) / "b.toml").write_text(text, "utf-8")
        took = (time.perf_counter() - began) * 1000
    print(f"  baseline tomlkit.dumps+write of the whole session: {took:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--scale", type=int, default=8, help="world grown K times (default 8)")
    parser.add_argument("--world", default="demo")
    parser.add_argument("--runs", type=int, default=4, help="saves of each kind per round")
    parser.add_argument("--rounds", type=int, default=3, help="child processes per tree")
    parser.add_argument("--against", type=Path, help="a source tree to measure side by side")
    parser.add_argument("--keep", type=Path, help="write the audited session to this file")
    parser.add_argument("--from", dest="source", type=Path, help="a session file to reuse")
    parser.add_argument("--profile", action="store_true", help="cProfile this tree's saves")
    parser.add_argument(
        "--instructions", action="store_true", help="also count instructions (valgrind)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--steps", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.source, args.runs, None)))
        return
    if args.steps is not None:
        steps(args.source, args.steps)
        sys.stdout.flush()
        os._exit(0)  # not counting the teardown (bench/_instructions.py)
    with tempfile.TemporaryDirectory(prefix="launch-tui-save-") as folder:
        source = args.source
        if source is None:
            from launch_tui.store import create_session

            session = audited(args.scale, args.world)
            source = args.keep or Path(folder) / "audited.toml"
            create_session(source, session).close()
        from launch_tui.store import load_session

        count = len(load_session(source).results)
        print(f"{count} results, file {source.stat().st_size / 1e6:.2f} MB")
        compare(source, args)
        tomlkit_baseline(source)
        if args.instructions:
            instruction_counts(source, args)
        if args.profile:
            profile = cProfile.Profile()
            measure(source, args.runs, profile)
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(35)
            print(out.getvalue())


if __name__ == "__main__":
    main()

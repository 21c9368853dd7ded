"""TLS handshakes of one full audit: how many, how many resumed a session, and their time.

Run: ``uv run python bench/tls_resume.py`` (``--scale K``, default 1; ``--against DIR``).

The world (the demo world copied K times, ``bench/_scaled_world.py``) runs in a ``launch-tui
sandbox`` process of its own, so only the audit's side of each handshake is in this process.
Each tree runs in a child process of its own: the full audit once (every check, as ``launch-tui
check`` runs it, after one warm-up check), with ``ssl.SSLObject.do_handshake`` counted: every
client handshake that completes in the audit's process, whichever client made it (the checks'
HTTP client, which resumes sessions per origin since the TLS layer of ``net/tls_transport.py``,
and the certificate inspector of ``tls.*``, which never does; the latency sampler's processes
are not counted); and, in trees whose ``ConnectionPool`` counts them, the HTTP pools' own
full and resumed handshakes (the main client's pool and every variant's: sessions are kept per
pool). CPU is this process's during the audit.

``--against DIR`` runs the same audit with launch-tui imported from source tree ``DIR`` (e.g.
a worktree of an older commit) against a world of its own, before this tree's: a before/after
in one run. The load average is printed before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import ssl
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _scaled_world import scaled_world
from _tree_child import child_figures
from audit import run_once, sandbox_in_process

from launch_tui.checks import Selection, default_registry, expand_selection
from launch_tui.checks.engine.services import open_check_services
from launch_tui.checks.engine.session_run import DEFAULT_PARALLELISM
from launch_tui.core.model import Session


class Handshakes:
    """Client handshakes completed in this process (``SSLObject`` patched), and the HTTP
    pools made (their own counts, in trees that keep them)."""

    def __init__(self) -> None:
        self.full = 0
        self.resumed = 0
        self.pools: list[Any] = []
        original = ssl.SSLObject.do_handshake
        counter = self

        def do_handshake(obj: ssl.SSLObject) -> None:
            original(obj)  # raises SSLWantReadError until the handshake is done
            if obj.server_side:
                return
            if obj.session_reused:
                counter.resumed += 1
            else:
                counter.full += 1

        ssl.SSLObject.do_handshake = do_handshake  # type: ignore[method-assign]
        with contextlib.suppress(ImportError):
            from launch_tui.net.transport import ConnectionPool

            made = ConnectionPool.__init__

            def init(pool: Any, *args: Any, **kwargs: Any) -> None:
                made(pool, *args, **kwargs)
                counter.pools.append(pool)

            ConnectionPool.__init__ = init  # type: ignore[method-assign]

    def reset(self) -> None:
        self.full = self.resumed = 0
        for pool in self.pools:
            if hasattr(pool, "handshakes_full"):
                pool.handshakes_full = pool.handshakes_resumed = 0

    def pool_counts(self) -> tuple[int, int] | None:
        """Full and resumed handshakes of the HTTP pools; ``None`` if the tree counts none."""
        counted = [p for p in self.pools if hasattr(p, "handshakes_full")]
        if not counted:
            return None
        return sum(p.handshakes_full for p in counted), sum(p.handshakes_resumed for p in counted)


async def audit(session: Session, counter: Handshakes) -> dict[str, float]:
    registry = default_registry()
    items = expand_selection(registry, session, Selection())
    async with open_check_services(session.network) as services:
        first = sorted(items, key=lambda i: i.key)[0]
        warm = Selection(check_ids=frozenset({first.check.id}), targets=frozenset({first.target}))
        await run_once(session, warm, services, DEFAULT_PARALLELISM)
        counter.reset()
        cpu = time.process_time()
        finished = await run_once(session, Selection(), services, DEFAULT_PARALLELISM)
        cpu = time.process_time() - cpu
    return {
        "items": len(items),
        "wall_s": finished.wall_s,
        "cpu_s": cpu,
        "full": counter.full,
        "resumed": counter.resumed,
        "pool": counter.pool_counts(),
        "errors": sum(1 for r in finished.results if r.status.value == "error"),
    }


def child(scale: int, world: str) -> None:
    counter = Handshakes()
    with tempfile.TemporaryDirectory(prefix="launch-tui-tls-") as folder:
        path = str(scaled_world(world, scale, Path(folder)))
        with sandbox_in_process(path, 0.0) as (session, _start_ms, _own_ms):
            figures = asyncio.run(audit(session, counter))
    print(json.dumps(figures), flush=True)


def row(label: str, tree: str, args: argparse.Namespace) -> None:
    argv = ["--child", "--scale", str(args.scale), "--world", args.world]
    f, failed = child_figures(__file__, argv, tree)
    if f is None:
        print(f"  {label}: {failed}")
        return
    pool = f"{f['pool'][0]:6d} {f['pool'][1]:8d}" if f["pool"] else f"{'-':>6} {'-':>8}"
    print(
        f"  {label:<7} {f['items']:5d} {f['wall_s']:6.2f} s {f['cpu_s']:5.2f} s "
        f"{f['full'] + f['resumed']:5d} {f['full']:5d} {f['resumed']:8d}   {pool}"
        f" {f['errors']:7d}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1, help="copies of the world (default 1)")
    parser.add_argument("--world", default="demo", help="sandbox world (default: demo)")
    parser.add_argument("--against", default="", help="a source tree to compare with")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.scale, args.world)
        return
    load = os.getloadavg()
    print(
        f"=== world {args.world!r} x{args.scale}, one full audit per tree; "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    print("                                 client handshakes      of which HTTP pools")
    print("  tree    items    wall     CPU    all  full  resumed     full  resumed  errors")
    trees = [("after", "")] if not args.against else [("before", args.against), ("after", "")]
    for label, tree in trees:
        row(label, tree, args)
    load = os.getloadavg()
    print(f"load average after {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()

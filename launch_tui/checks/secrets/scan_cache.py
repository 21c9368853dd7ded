"""Scans reused across runs while what they read is unchanged, byte for byte.

An engineer runs the audit many times in a sprint, mostly against a repository that has not
changed since the last run; each run scanned its whole history and working tree again (on the
demo, ~260-340 ms of CPU taken from the checks that time answers; on a real history, seconds).
Here a scan's outcome is kept, in this process only, under a key that names the exact state it
read, and a run that finds the same state takes the outcome instead of scanning:

* a history scan: every ref and ``HEAD`` with the object each names (``git show-ref --head``:
  commits are content-addressed, so the ids pin every byte ``git log --all`` shows), and the
  bytes of each file that changes what git shows for the same objects (the repository's and the
  user's git config and attributes, grafts, shallow and alternates);
* a folder scan (working tree, build, CI logs, one scanner run for several): each place's
  kind, path and links, and the name, size and SHA-256 of every file those links show. A link
  that now shows anything but regular files and folders (a symlink, a socket) makes the scan
  uncacheable.

Both also name the scanner binary (path, size, modification time, inode), its arguments and the
``git`` found on ``PATH``. The state is read before the scan and again after it, and the outcome
is kept only when the two agree: a commit or an edit made while the scanner ran is never filed
under a state the scan may not have read. Only complete scans are kept (no error); a reused
outcome says so (``reused``), and keeps the time its scan took.

Kept in memory only, never on disk: a finding holds a redacted value already
(:mod:`.redact`), but the cache needs no file to be worth having, since the TUI's check process
serves every run of a sprint. At most :data:`MAX_ENTRIES` states are kept, the least recently
used dropped first.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import stat
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from launch_tui.checks.secrets.mirror import Part
from launch_tui.checks.secrets.scanner import (
    Place,
    ScanOutcome,
    folder_invocation,
    history_invocation,
)

#: States kept (a sprint scans one repository, one build and a few CI logs).
MAX_ENTRIES = 16
#: Seconds ``git show-ref`` may take before the history is scanned uncached.
_SHOW_REF_TIMEOUT_S = 10.0


class ScanCache:
    """Outcomes by state key, least recently used dropped first."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._max = max_entries
        self._entries: OrderedDict[str, ScanOutcome | dict[Place, ScanOutcome]] = OrderedDict()
        self.hits = 0
        """Outcomes given back instead of scanning (since the last :meth:`clear`)."""

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str | None) -> ScanOutcome | dict[Place, ScanOutcome] | None:
        if key is None or key not in self._entries:
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return self._entries[key]

    def put(self, key: str, value: ScanOutcome | dict[Place, ScanOutcome]) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()
        self.hits = 0


#: The process's cache (the TUI's check process serves every run of a session).
SCAN_CACHE = ScanCache()


def reused(outcome: ScanOutcome) -> ScanOutcome:
    """``outcome`` marked as given back from an earlier run's scan."""
    return replace(outcome, reused=True)


def complete(outcomes: Iterable[ScanOutcome]) -> bool:
    """Whether every outcome is a finished scan (nothing failed, nothing timed out)."""
    return all(not o.error for o in outcomes)


# --- what a scan depends on besides the files it reads ------------------------------------------


def _file_id(path: Path | str | None) -> str:
    if path is None:
        return "-"
    try:
        st = os.stat(path)
    except OSError:
        return f"{path} missing"
    return f"{path} {st.st_size} {st.st_mtime_ns} {st.st_ino}"


def _tools(engine: Path, argv: Iterable[str], env: Mapping[str, str]) -> bytes:
    """The scanner binary, its arguments and environment, and the ``git`` it would run."""
    git = shutil.which("git", path=env.get("PATH"))
    lines = [_file_id(engine), _file_id(git), *argv, *(f"{k}={v}" for k, v in sorted(env.items()))]
    return "\0".join(lines).encode("utf-8", "surrogateescape")


# --- history ------------------------------------------------------------------------------------


def _git_dirs(repo: Path) -> tuple[Path, Path] | None:
    """The repository's git folder and common folder (a linked worktree has both)."""
    dot = repo / ".git"
    if dot.is_dir():
        git_dir = dot
    elif dot.is_file():
        text = dot.read_text("utf-8", "replace").strip()
        if not text.startswith("gitdir:"):
            return None
        git_dir = (repo / text.removeprefix("gitdir:").strip()).resolve()
    else:
        return None
    common = git_dir
    pointer = git_dir / "commondir"
    if pointer.is_file():
        common = (git_dir / pointer.read_text("utf-8", "replace").strip()).resolve()
    return git_dir, common


def _config_files(repo: Path, env: Mapping[str, str]) -> list[Path] | None:
    """Files whose bytes change what ``git log -p`` shows for the same objects."""
    dirs = _git_dirs(repo)
    if dirs is None:
        return None
    git_dir, common = dirs
    home = Path(env.get("HOME", "/nonexistent"))
    xdg = Path(env.get("XDG_CONFIG_HOME") or home / ".config") / "git"
    return [
        common / "config",
        git_dir / "config.worktree",
        common / "info" / "attributes",
        common / "info" / "grafts",
        common / "shallow",
        common / "objects" / "info" / "alternates",
        home / ".gitconfig",
        xdg / "config",
        xdg / "attributes",
        Path("/etc/gitconfig"),
        Path("/etc/gitattributes"),
    ]


def _history_setting(
    repo: Path, engine: Path, argv: list[str], env: Mapping[str, str]
) -> bytes | None:
    """Everything but the refs that a history scan of ``repo`` depends on, hashed; ``None``
    when ``repo`` is no git checkout or a setting cannot be read."""
    files = _config_files(repo, env)
    if files is None:
        return None
    digest = hashlib.sha256(b"history\0")
    digest.update(_tools(engine, argv, env))
    digest.update(str(repo.resolve()).encode("utf-8", "surrogateescape") + b"\0")
    for path in files:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            data = b"\xffmissing"
        except OSError:
            return None
        digest.update(f"{path}\0{len(data)}\0".encode("utf-8", "surrogateescape"))
        digest.update(data)
    return digest.digest()


async def history_key(engine: Path | None, repo: Path) -> str | None:
    """The key of the history a scan of ``repo`` reads now; ``None`` when it cannot be told
    (no scanner, no ``git``, not a repository, no refs yet)."""
    if engine is None:
        return None
    argv, env = history_invocation(engine, repo)
    git = shutil.which("git", path=env.get("PATH"))
    if git is None:
        return None
    try:
        setting = await asyncio.to_thread(_history_setting, repo, engine, argv, env)
    except (OSError, RuntimeError):  # unreadable, or a loop of links on the way
        return None
    if setting is None:
        return None
    try:
        process = await asyncio.create_subprocess_exec(
            git,
            "show-ref",
            "--head",
            cwd=repo,
            env=dict(env),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
    except OSError:
        return None
    try:
        async with asyncio.timeout(_SHOW_REF_TIMEOUT_S):
            refs, _ = await process.communicate()
    except BaseException as exc:
        if process.returncode is None:
            process.kill()
            await asyncio.shield(process.wait())
        if isinstance(exc, TimeoutError):
            return None
        raise
    if process.returncode != 0 or not refs:
        return None
    return hashlib.sha256(setting + refs).hexdigest()


# --- folders ------------------------------------------------------------------------------------


class _Unhashable(Exception):
    """A place now shows something a key cannot stand for (a symlink, a device)."""


#: Opening never follows a last link nor waits on a pipe put where a file was a moment ago.
_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


def _hash_file(digest: hashlib._Hash, name: str, path: str) -> None:
    with open(os.open(path, _OPEN_FLAGS), "rb", buffering=0) as handle:
        st = os.fstat(handle.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise _Unhashable(name)
        file_digest = hashlib.file_digest(handle, "sha256")
    digest.update(f"F\0{name}\0{st.st_size}\0".encode("utf-8", "surrogateescape"))
    digest.update(file_digest.digest())


def _hash_tree(digest: hashlib._Hash, name: str, path: str) -> None:
    """Every entry under ``path``, in name order; only folders and regular files allowed."""
    with os.scandir(path) as listing:
        entries = sorted(listing, key=lambda e: e.name)
    digest.update(f"D\0{name}\0{len(entries)}\0".encode("utf-8", "surrogateescape"))
    for entry in entries:
        inner = f"{name}/{entry.name}"
        if entry.is_symlink():
            raise _Unhashable(inner)
        if entry.is_dir(follow_symlinks=False):
            _hash_tree(digest, inner, entry.path)
        elif entry.is_file(follow_symlinks=False):
            _hash_file(digest, inner, entry.path)
        else:
            raise _Unhashable(inner)


def _folders_digest(
    plans: Mapping[Place, Part], engine: Path, argv: list[str], env: Mapping[str, str]
) -> bytes | None:
    digest = hashlib.sha256(b"folders\0")
    digest.update(_tools(engine, argv, env))
    try:
        # By place, not by part number: which check asks first does not change what is read.
        for place, part in sorted(plans.items(), key=lambda kv: (kv[0].kind, str(kv[0].target))):
            head = f"P\0{place.kind.value}\0{place.target}\0{part.root}\0"
            digest.update(head.encode("utf-8", "surrogateescape"))
            for name, target in part.links:
                mode = os.lstat(target).st_mode
                if stat.S_ISDIR(mode):
                    _hash_tree(digest, name, str(target))
                elif stat.S_ISREG(mode):
                    _hash_file(digest, name, str(target))
                else:
                    return None
    except (OSError, _Unhashable):
        return None
    return digest.digest()


async def folders_key(engine: Path | None, plans: Mapping[Place, Part | ScanOutcome]) -> str | None:
    """The key of what one scanner run over ``plans`` reads now; ``None`` when there is no
    scanner, a place could not be planned, or one shows something other than regular files
    and folders or cannot be read."""
    parts = {place: plan for place, plan in plans.items() if isinstance(plan, Part)}
    if engine is None or len(parts) != len(plans):
        return None
    argv, env = folder_invocation(engine)
    body = await asyncio.to_thread(_folders_digest, parts, engine, argv, env)
    return None if body is None else body.hex()

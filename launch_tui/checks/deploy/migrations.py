"""``deploy.migrations``: can each schema change be reversed, and does the newest destroy data?

Reads the repository's file list (``git ls-files`` when it is a checkout, else a walk that skips
``node_modules`` and dot-folders) and the migrations' texts, judged by
:mod:`launch_tui.checks.parse.migrations`. At most :data:`MAX_FILES` migrations are read (the
newest ones); a folder with more says so in the evidence.

When the session defines a dry-run command (``targets.migration_dry_run``), it runs in the
repository within the check's budget (twice the network deadline) and its exit code, duration
and a masked tail of its output are recorded (:mod:`.dry_run`); a dry run that fails or does
not finish in time fails the check.

=====================================================  ======  ========
what is found                                          status  severity
=====================================================  ======  ========
the dry run fails or does not finish in time           fail    high
a migration without a down step                        fail    medium
the newest migration drops a table or column           warn    high
no migrations (or no repository)                       skipped
every migration reversible, the newest not destructive pass
=====================================================  ======  ========
"""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path

from launch_tui.checks.deploy.dry_run import DryRun, mask, run_dry_run
from launch_tui.checks.engine.context import CheckContext
from launch_tui.checks.engine.registry import Registry
from launch_tui.checks.parse.migrations import Framework, Migration, classify, judge, newest
from launch_tui.core.model import CheckResult, JSONValue, Severity, Status
from launch_tui.core.playbook import AppliesTo
from launch_tui.core.sanitize import clean

CHECKS = Registry()

MAX_FILES = 2000
"""Migration files read at most (the newest), however many the repository holds."""
_MAX_BYTES = 256 * 1024
_MAX_LISTED = 200_000


def repo_files(repo: Path, deadline_s: float) -> list[str]:
    """Every file path in the repository, ``/``-separated and relative to it."""
    if (repo / ".git").exists():
        try:
            out = subprocess.run(  # noqa: S603 - fixed argv, no shell
                [  # noqa: S607 - git from PATH, as the sandbox and the scanner use it
                    "git",
                    "-C",
                    str(repo),
                    "ls-files",
                    "-z",
                    "--cached",
                    "--others",
                    "--exclude-standard",
                ],
                capture_output=True,
                timeout=deadline_s,
                check=True,
            ).stdout
            return [p for p in out.decode("utf-8", "replace").split("\0") if p][:_MAX_LISTED]
        except (OSError, subprocess.SubprocessError):
            pass
    paths: list[str] = []
    for root, dirs, files in os.walk(repo):
        dirs[:] = [d for d in dirs if d != "node_modules" and not d.startswith(".")]
        rel = os.path.relpath(root, repo)
        for name in files:
            paths.append(name if rel == "." else f"{rel}/{name}".replace(os.sep, "/"))
            if len(paths) >= _MAX_LISTED:
                return paths
    return paths


def read_migrations(repo: Path, deadline_s: float) -> tuple[dict[Framework, list[Migration]], int]:
    """Judged migrations per framework, and how many files were left unread over the cap."""
    paths = repo_files(repo, deadline_s)
    siblings = frozenset(paths)
    found = classify(paths)
    total = sum(len(v) for v in found.values())
    skipped = max(0, total - MAX_FILES)
    judged: dict[Framework, list[Migration]] = {}
    budget = MAX_FILES
    for framework, files in found.items():
        for path in reversed(files):  # newest first, so the cap drops the oldest
            if budget <= 0:
                break
            budget -= 1
            try:
                with (repo / path).open("rb") as handle:
                    text = handle.read(_MAX_BYTES).decode("utf-8", "replace")
            except OSError:
                continue
            judged.setdefault(framework, []).append(judge(framework, path, text, siblings))
    return judged, skipped


@CHECKS.register(
    "deploy.migrations",
    stage="deploy",
    title="Migrations can be reversed",
    severity=Severity.MEDIUM,
    applies_to=AppliesTo.SESSION,
)
async def migrations(ctx: CheckContext) -> CheckResult:
    """Find the migrations, those without a way back, and a destructive newest one."""
    repo = ctx.session.targets.repo_path
    if not repo:
        return ctx.result(Status.SKIPPED, "No repository configured (targets.repo_path)")
    path = Path(repo)
    if not await asyncio.to_thread(path.is_dir):
        return ctx.result(Status.ERROR, f"Repository {clean(repo)} is not a folder")
    judged, skipped = await asyncio.to_thread(read_migrations, path, ctx.services.deadline_s)
    every = [m for items in judged.values() for m in items]
    command = ctx.session.targets.migration_dry_run.strip()
    dry: DryRun | None = None
    if command:
        dry = await run_dry_run(command, path, 2 * ctx.services.deadline_s)
    if dry is not None and not dry.ok:
        why = (
            f"did not finish within {dry.seconds:.0f} s and was stopped"
            if dry.timed_out
            else f"exited with {dry.exit_code}"
        )
        tail = f": {dry.tail[-1]}" if dry.tail else ""
        return ctx.result(
            Status.FAIL,
            f"The migration dry run ({mask(clean(command, max_len=80))}) {why}{tail}",
            evidence={"dry_run": dry.as_evidence(), "repo": repo},
            severity=Severity.HIGH,
        )
    if not every:
        none: dict[str, JSONValue] = {"repo": repo}
        if dry is not None:
            none["dry_run"] = dry.as_evidence()
        return ctx.result(
            Status.SKIPPED,
            "No migrations found (Alembic, Django, Prisma, Rails, Knex, Drizzle, Flyway)",
            evidence=none,
        )
    no_down = sorted((m for m in every if not m.has_down), key=lambda m: m.path)
    last = newest(every)
    assert last is not None
    evidence: dict[str, JSONValue] = {
        "frameworks": {fw.value: len(items) for fw, items in judged.items()},
        "without_down": [m.path for m in no_down[:100]],
        "newest": last.path,
        "newest_destructive": list(last.destructive),
        "unread_over_cap": skipped,
    }
    if dry is not None:
        evidence["dry_run"] = dry.as_evidence()
    frameworks = ", ".join(fw.value.capitalize() for fw in judged)
    if no_down:
        names = ", ".join(clean(m.path) for m in no_down[:3])
        more = f" and {len(no_down) - 3} more" if len(no_down) > 3 else ""
        tail = (
            f"; the newest also drops data ({clean(last.destructive[0])})"
            if last.destructive
            else ""
        )
        return ctx.result(
            Status.FAIL,
            f"{len(no_down)} of {len(every)} {frameworks} migration(s) have no down step: "
            f"{names}{more}{tail}",
            evidence=evidence,
        )
    if last.destructive:
        return ctx.result(
            Status.WARN,
            f"The newest migration {clean(last.path)} drops data "
            f"({clean(', '.join(last.destructive))}): a rollback cannot bring it back",
            evidence=evidence,
            severity=Severity.HIGH,
        )
    return ctx.result(
        Status.PASS,
        f"All {len(every)} {frameworks} migration(s) have a down step; the newest drops nothing",
        evidence=evidence,
    )

"""``secrets.rotation``: every secret that was ever exposed has been rotated since.

Exposed means found by a scan (the repository's history or tree, a CI log, the build output,
or a server-only value inlined in a client bundle) or marked ``leaked`` in the inventory by
hand. Each exposed secret is a rotation task, listed in the evidence with where it leaked, its
owner and a due date; the merge (:mod:`.tasks`) records each open task as a ``fix`` decision.
A task is done when the inventory says ``exposure = "rotated"``, or its ``last_rotated`` is
on or after the day of the commit that leaked it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from launch_tui.checks.engine.context import CheckContext
from launch_tui.checks.engine.registry import Registry
from launch_tui.checks.secrets.build_exposure import BuildInspection, BuildIssueKind
from launch_tui.checks.secrets.names import looks_secret
from launch_tui.checks.secrets.report import ScanKind
from launch_tui.checks.secrets.scanner import ScanOutcome
from launch_tui.checks.secrets.scans import (
    local_path,
    shared_build,
    shared_names,
    shared_scan,
    split_suppressed,
    unique,
)
from launch_tui.checks.secrets.tasks import (
    decision_id,
    fold_rotation,
    secret_name,
    sprint_due,
    task_owner,
)
from launch_tui.core.model import CheckResult, Exposure, JSONValue, Secret, Severity, Status
from launch_tui.core.playbook import AppliesTo
from launch_tui.core.sanitize import clean

CHECKS = Registry()


@dataclass
class _Leak:
    name: str
    places: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    fingerprints: list[str] = field(default_factory=list)
    since: date | None = None
    """Day of the earliest commit that leaked it (history findings)."""

    def add(self, place: str, rule: str, fingerprint: str, day: date | None) -> None:
        for items, item in ((self.places, place), (self.rules, rule)):
            if item not in items:
                items.append(item)
        if fingerprint not in self.fingerprints:
            self.fingerprints.append(fingerprint)
        if day is not None and (self.since is None or day < self.since):
            self.since = day


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


async def _gather(ctx: CheckContext) -> tuple[list[ScanOutcome], BuildInspection | None]:
    targets = ctx.session.targets
    jobs: list[tuple[ScanKind, Path]] = []
    if targets.repo_path.strip():
        repo = local_path(targets.repo_path)
        jobs += [(ScanKind.HISTORY, repo), (ScanKind.TREE, repo)]
    jobs += [(ScanKind.CI_LOG, local_path(p)) for p in targets.ci_logs if p.strip()]
    build = local_path(targets.build_path) if targets.build_path.strip() else None
    if build is not None:
        jobs.append((ScanKind.BUILD, build))
    outcomes = await asyncio.gather(*(shared_scan(ctx, kind, path) for kind, path in jobs))
    inspection = None
    if build is not None and await asyncio.to_thread(build.is_dir):
        inspection = await shared_build(ctx, build)
    return list(outcomes), inspection


async def _known_names(ctx: CheckContext) -> list[str]:
    """Inventoried names first, then those the repository's code and templates use."""
    names = [s.name for s in ctx.session.secrets]
    repo = ctx.session.targets.repo_path.strip()
    if repo:
        names += [n for n in await shared_names(ctx, local_path(repo)) if looks_secret(n)]
    return names


def _is_rotated(entry: Secret | None, since: date | None) -> bool:
    if entry is None:
        return False
    if entry.exposure is Exposure.ROTATED:
        return True
    return entry.last_rotated is not None and since is not None and entry.last_rotated >= since


@CHECKS.register(
    "secrets.rotation",
    stage="email-secrets",
    title="Every leaked key has been rotated",
    severity=Severity.CRITICAL,
    applies_to=AppliesTo.SESSION,
    merge=fold_rotation,
)
async def rotation(ctx: CheckContext) -> CheckResult:
    """List every exposed secret as a rotation task and judge whether it was rotated."""
    outcomes, inspection = await _gather(ctx)
    known = await _known_names(ctx)
    findings, suppressed = split_suppressed(
        unique(f for o in outcomes for f in o.findings), ctx.session
    )
    leaks: dict[str, _Leak] = {}
    for finding in findings:
        name = secret_name(finding.rule, finding.name, known)
        leak = leaks.setdefault(name, _Leak(name))
        leak.add(finding.where, finding.rule, finding.value.fingerprint, _day(finding.commit_date))
    for issue in inspection.issues if inspection is not None else ():
        if issue.kind is not BuildIssueKind.INLINED_SECRET or issue.value is None:
            continue
        if any(d.get("fingerprint") == issue.value.fingerprint for d in suppressed):
            continue
        leak = leaks.setdefault(issue.name, _Leak(issue.name))
        leak.add(f"{issue.path}:{issue.line}", "inlined-in-bundle", issue.value.fingerprint, None)
    entries = {s.name: s for s in ctx.session.secrets}
    for marked in ctx.session.secrets:
        if marked.exposure is Exposure.LEAKED and marked.name not in leaks:
            leaks[marked.name] = _Leak(marked.name, places=["marked leaked in the inventory"])
    today = ctx.clock().date()
    due = sprint_due(ctx.session, today)
    tasks: list[JSONValue] = []
    open_names: list[str] = []
    for name, leak in leaks.items():
        entry = entries.get(name)
        rotated = _is_rotated(entry, leak.since)
        if not rotated:
            open_names.append(name)
        tasks.append(
            {
                "name": name,
                "leaked_in": list(leak.places[:20]),
                "rules": list(leak.rules),
                "fingerprints": list(leak.fingerprints),
                "since": leak.since.isoformat() if leak.since else "",
                "owner": task_owner(ctx.session, entry),
                "due": due.isoformat(),
                "rotated": rotated,
                "last_rotated": entry.last_rotated.isoformat()
                if entry is not None and entry.last_rotated
                else "",
                "decision": decision_id(name),
            }
        )
    errors = [o.error for o in outcomes if o.error]
    evidence: dict[str, JSONValue] = {
        "tasks": tasks,
        "suppressed": list(suppressed),
        "scan_errors": list(errors),
    }
    if open_names:
        shown = ", ".join(open_names[:5]) + (
            f" and {len(open_names) - 5} more" if len(open_names) > 5 else ""
        )
        return ctx.result(
            Status.FAIL,
            clean(f"Rotate {len(open_names)} leaked secret(s) by {due}: {shown}", max_len=400),
            evidence=evidence,
        )
    if errors:
        return ctx.result(
            Status.ERROR,
            clean(f"Could not look for leaked secrets: {errors[0]}", max_len=400),
            evidence=evidence,
        )
    if tasks:
        return ctx.result(
            Status.PASS, f"{len(tasks)} leaked secret(s), all rotated since", evidence=evidence
        )
    return ctx.result(Status.PASS, "No leaked secrets to rotate", evidence=evidence)

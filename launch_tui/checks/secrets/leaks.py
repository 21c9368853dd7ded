"""``secrets.repo`` and ``secrets.ci_logs``: leaked credentials in the repository (every commit
of its history and the working tree) and in the CI log files the session lists.

A key committed once and deleted later is still in history: it is reported with the commit
that added it and marked ``history only``. Values are never shown: a fingerprint and at most
four characters. The scanned repository cannot switch the scan off (see
:mod:`.scanner`); suppression comes from the session's decisions (:mod:`.scans`).
"""

from __future__ import annotations

import asyncio
import re

from launch_tui.checks.engine.context import CheckContext
from launch_tui.checks.engine.registry import Registry
from launch_tui.checks.secrets.report import ScanKind, SecretFinding
from launch_tui.checks.secrets.scanner import ScanOutcome
from launch_tui.checks.secrets.scans import (
    finding_json,
    local_path,
    shared_scan,
    split_suppressed,
    unique,
)
from launch_tui.core.model import CheckResult, JSONValue, Severity, Status
from launch_tui.core.playbook import AppliesTo
from launch_tui.core.sanitize import clean

CHECKS = Registry()

_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]{1,127}$")

#: Findings listed in a summary line; the evidence has them all.
_SUMMARY_ITEMS = 3


def _describe(finding: SecretFinding, in_tree: set[tuple[str, str]]) -> str:
    named = finding.name if _ENV_NAME.match(finding.name) else ""
    label = f"{named} ({finding.rule})" if named else finding.rule
    place = finding.where
    if finding.kind is ScanKind.HISTORY:
        still = (finding.value.fingerprint, finding.path) in in_tree
        place += "" if still else " (history only, deleted later)"
    return f"{label} in {place}"


def _summary(kind: str, findings: list[SecretFinding], hidden: int) -> str:
    tree = {(f.value.fingerprint, f.path) for f in findings if f.kind is not ScanKind.HISTORY}
    # A value still in the tree is also in history: name it once, as in the tree.
    shown: list[SecretFinding] = []
    seen: set[str] = set()
    for finding in sorted(findings, key=lambda f: f.kind is ScanKind.HISTORY):
        if finding.value.fingerprint not in seen:
            seen.add(finding.value.fingerprint)
            shown.append(finding)
    parts = [_describe(f, tree) for f in shown[:_SUMMARY_ITEMS]]
    more = len(shown) - _SUMMARY_ITEMS
    text = f"{len(shown)} secret(s) in {kind}: " + "; ".join(parts)
    if more > 0:
        text += f"; and {more} more"
    text += ": rotate them"
    if hidden:
        text += f" ({hidden} suppressed by decision)"
    return clean(text, max_len=400)


def _scan_json(outcome: ScanOutcome) -> dict[str, JSONValue]:
    out: dict[str, JSONValue] = {
        "scan": outcome.kind.value,
        "target": outcome.target,
        "findings": len(outcome.findings),
        "bytes": outcome.bytes_scanned,
        "seconds": round(outcome.elapsed_s, 3),
    }
    if outcome.error:
        out["error"] = outcome.error
    if outcome.reused:  # the same state as an earlier run's scan: its outcome, not a new scan
        out["reused"] = True
    return out


def _judge(
    ctx: CheckContext, outcomes: list[ScanOutcome], where: str, clean_summary: str
) -> CheckResult:
    findings = unique(f for o in outcomes for f in o.findings)
    kept, hidden = split_suppressed(findings, ctx.session)
    evidence: dict[str, JSONValue] = {
        "engine": "betterleaks",
        "scans": [_scan_json(o) for o in outcomes],
        "findings": [finding_json(f) for f in kept],
        "suppressed": list(hidden),
    }
    errors = [o.error for o in outcomes if o.error]
    if kept:
        summary = _summary(where, kept, len(hidden))
        if errors:
            summary = clean(f"{summary}; and a scan failed: {errors[0]}", max_len=400)
        return ctx.result(Status.FAIL, summary, evidence=evidence)
    if errors:
        return ctx.result(
            Status.ERROR, clean(f"Secret scan failed: {errors[0]}", max_len=400), evidence=evidence
        )
    if hidden:
        clean_summary += f" ({len(hidden)} suppressed by decision)"
    return ctx.result(Status.PASS, clean_summary, evidence=evidence)


@CHECKS.register(
    "secrets.repo",
    stage="audit",
    title="No secrets in the repository or its history",
    severity=Severity.CRITICAL,
    applies_to=AppliesTo.SESSION,
)
async def repo(ctx: CheckContext) -> CheckResult:
    """Scan every commit of the repository's history and its working tree."""
    path = ctx.session.targets.repo_path.strip()
    if not path:
        return ctx.result(Status.SKIPPED, "The session names no repository (targets.repo_path)")
    root = local_path(path)
    history, tree = await asyncio.gather(
        shared_scan(ctx, ScanKind.HISTORY, root), shared_scan(ctx, ScanKind.TREE, root)
    )
    return _judge(
        ctx,
        [history, tree],
        "the repository",
        "No secrets in the repository's history or working tree",
    )


@CHECKS.register(
    "secrets.ci_logs",
    stage="audit",
    title="No secrets in CI logs",
    severity=Severity.CRITICAL,
    applies_to=AppliesTo.SESSION,
)
async def ci_logs(ctx: CheckContext) -> CheckResult:
    """Scan each CI log file the session lists."""
    logs = [p.strip() for p in ctx.session.targets.ci_logs if p.strip()]
    if not logs:
        return ctx.result(Status.SKIPPED, "The session lists no CI log files (targets.ci_logs)")
    outcomes = await asyncio.gather(
        *(shared_scan(ctx, ScanKind.CI_LOG, local_path(p)) for p in logs)
    )
    return _judge(ctx, list(outcomes), "CI logs", f"No secrets in {len(logs)} CI log file(s)")

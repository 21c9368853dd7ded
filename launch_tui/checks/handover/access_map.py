"""``handover.access_map``: does the client hold every account the launch depends on?

Judged from the session alone (services, people, the stack declared and detected in stage 1);
the rules and their severities are in :mod:`.access_judge`. The result's status is the worst
gap's, its summary names every gap, worst first, with who should fix it, and the evidence holds
the whole map (``services``), what the stack says must be listed (``needed``) and each gap
(``findings``: ``target``, ``problem``, ``status``, ``severity``, ``fix_by``).

Run after stage 1: what ``audit.stack`` detected (hosting on a second platform, the CDN in
front) is read from the session's last ``audit.stack`` result; without one only the declared
stack is used, and the evidence says so.
"""

from __future__ import annotations

from collections.abc import Sequence

from launch_tui.checks.engine.context import CheckContext
from launch_tui.checks.engine.findings import Finding, outcome
from launch_tui.checks.engine.registry import Registry
from launch_tui.checks.handover.access_judge import Gap, judge_access
from launch_tui.core.model import CheckResult, JSONValue, Severity
from launch_tui.core.playbook import AppliesTo

__all__ = ["CHECKS", "access_map"]

CHECKS = Registry()


@CHECKS.register(
    "handover.access_map",
    stage="handover",
    title="Every system has a client owner and two admins",
    severity=Severity.HIGH,
    applies_to=AppliesTo.SESSION,
)
async def access_map(ctx: CheckContext) -> CheckResult:
    """Every service that matters listed, owned by the client on a company address, two admins."""
    session = ctx.session
    stack_result = session.result("audit.stack")
    cdn = ""
    if stack_result is not None:
        entry = stack_result.evidence.get("cdn")
        if isinstance(entry, dict) and isinstance(entry.get("detected"), str):
            cdn = str(entry["detected"])
    judgement = judge_access(session, detected_cdn=cdn)
    evidence: dict[str, JSONValue] = judgement.evidence()
    evidence["detected_stack"] = "audit.stack" if stack_result is not None else "not run yet"
    findings = _by_target(judgement.gaps)
    listed = len(session.services)
    return outcome(
        ctx,
        findings,
        evidence,
        f"{listed} services, each owned by a client person on a company address with at least "
        "two client admins",
    )


def _by_target(gaps: Sequence[Gap]) -> list[Finding]:
    """One finding per service (or area), its gaps in a few words each, worst first."""
    grouped: dict[str, list[Gap]] = {}
    for gap in gaps:  # already worst first
        grouped.setdefault(gap.target, []).append(gap)
    return [
        Finding(
            group[0].status,
            group[0].severity,
            f"{target}: {', '.join(g.short or g.problem for g in group)}",
        )
        for target, group in grouped.items()
    ]

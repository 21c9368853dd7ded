"""A result as the worst of what a check found: :class:`Finding`, :func:`combine`, :func:`outcome`.

Many checks look at several things at once (a host's addresses and name servers, a certificate and
its protocols, a page's headers) and report one result: the worst finding's status, the worst
severity among the findings of that status, and every finding's summary on one line, worst first.
Statuses are ranked by :data:`launch_tui.core.model.STATUS_ORDER`; a part that was skipped (not
applicable) never outweighs a part that was judged, whatever its status.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from launch_tui.checks.engine.context import CheckContext
from launch_tui.core.model import CheckResult, JSONValue, Severity, Status
from launch_tui.core.sanitize import clean

__all__ = ["SUMMARY_MAX", "Finding", "combine", "outcome"]

#: Longest combined summary, in characters; the rest is cut with an ellipsis.
SUMMARY_MAX = 400


@dataclass(frozen=True)
class Finding:
    """One thing a check found; its result is the worst of them."""

    status: Status
    severity: Severity
    summary: str
    """One line for a person, untrusted parts already cleaned."""


def _worst_first(finding: Finding) -> tuple[bool, int, int]:
    return (finding.status is Status.SKIPPED, finding.status.rank, finding.severity.rank)


def combine(
    findings: Sequence[Finding], *, max_len: int = SUMMARY_MAX
) -> tuple[Status, Severity, str]:
    """The worst status, the worst severity among findings of that status, and every summary,
    worst first, joined into one line of at most ``max_len`` characters."""
    ordered = sorted(findings, key=_worst_first)
    worst = ordered[0]
    return (
        worst.status,
        worst.severity,
        clean("; ".join(f.summary for f in ordered), max_len=max_len),
    )


def outcome(
    ctx: CheckContext,
    findings: Sequence[Finding],
    evidence: Mapping[str, JSONValue],
    pass_summary: str,
) -> CheckResult:
    """``pass`` with ``pass_summary`` when nothing was found, else the worst finding first."""
    if not findings:
        return ctx.result(Status.PASS, clean(pass_summary, max_len=SUMMARY_MAX), evidence=evidence)
    status, severity, summary = combine(findings)
    return ctx.result(status, summary, evidence=evidence, severity=severity)

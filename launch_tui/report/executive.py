"""Page one of the report: what a founder reads first. Pure.

The verdict, the three to five things that must be fixed before launch (each with who fixes it
and by when), what is live today against what still needs engineering (the minimum bar, item by
item), and the sign-off. Everything here is derived from the views the rest of the report shows,
so page one never says something the pages behind it do not.
"""

from __future__ import annotations

from dataclasses import dataclass

from launch_tui.core.display import person_name
from launch_tui.core.readiness import BarState
from launch_tui.report.handover import BarItemView
from launch_tui.report.inputs import FindingView, ReportInputs

__all__ = ["MUST_FIX_LIMIT", "ExecutiveView", "MustFix", "SignOffView", "executive_view"]

#: How many must-fix items page one lists (the risk list has them all).
MUST_FIX_LIMIT = 5


@dataclass(frozen=True)
class MustFix:
    """One thing to fix before launch: a check failing on one or more targets."""

    title: str
    summary: str
    where: tuple[str, ...]
    """Targets it fails on (empty: the whole site)."""
    severity: str
    category: str
    owner: str
    """Who fixes it (the owner of its decision), or ``""`` when nobody is named yet."""
    due: str
    """ISO date, or ``""``."""
    action: str
    """The decision's action label (``Fix``, ``Defer``), or ``""`` when none is recorded."""


@dataclass(frozen=True)
class SignOffView:
    signed: bool
    handed_over_by: str
    received_by: str
    date: str


@dataclass(frozen=True)
class ExecutiveView:
    must_fix: tuple[MustFix, ...]
    more: int
    """Open findings beyond those listed (grouped by check)."""
    live: tuple[BarItemView, ...]
    """Minimum-bar items that hold today (met, or accepted with an owner)."""
    needs_work: tuple[BarItemView, ...]
    """Minimum-bar items that still need engineering, each with why."""
    sign_off: SignOffView


def executive_view(
    b: ReportInputs, open_findings: tuple[FindingView, ...], bar: tuple[BarItemView, ...]
) -> ExecutiveView:
    """Page one, from the risk list's open findings (ranked) and the minimum bar's items."""
    groups: dict[str, list[FindingView]] = {}
    for finding in open_findings:
        groups.setdefault(finding.result.check_id, []).append(finding)
    items = [_must_fix(found) for found in groups.values()]
    live_states = {BarState.MET.value, BarState.ACCEPTED.value}
    return ExecutiveView(
        must_fix=tuple(items[:MUST_FIX_LIMIT]),
        more=max(0, len(items) - MUST_FIX_LIMIT),
        live=tuple(i for i in bar if i.state in live_states),
        needs_work=tuple(i for i in bar if i.state not in live_states),
        sign_off=_sign_off(b),
    )


def _must_fix(found: list[FindingView]) -> MustFix:
    first = found[0]
    decided = next((d for f in found for d in f.decisions if d.owner), None)
    decided = decided or next((d for f in found for d in f.decisions), None)
    targets = tuple(dict.fromkeys(f.result.target for f in found if f.result.target))
    return MustFix(
        title=first.result.title,
        summary=first.result.summary,
        where=targets,
        severity=first.result.severity,
        category=first.category,
        owner=decided.owner if decided else "",
        due=decided.due if decided else "",
        action=decided.action_label if decided else "",
    )


def _sign_off(b: ReportInputs) -> SignOffView:
    signed = b.session.handover.sign_off
    if signed is None or signed.reopened_at is not None:
        return SignOffView(signed=False, handed_over_by="", received_by="", date="")
    return SignOffView(
        signed=True,
        handed_over_by=person_name(b.session, signed.handed_over_by),
        received_by=person_name(b.session, signed.received_by),
        date=signed.signed_at.date().isoformat(),
    )

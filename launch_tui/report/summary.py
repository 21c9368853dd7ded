"""A plain-text summary of a session, for ``launch-tui show`` and for pasting into chat.

Every value that came from a file or the network passes through ``clean`` so a hostile string
cannot move the cursor or retitle the terminal. Secret values are never in a session, so they
cannot appear here; secrets are listed by name only.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from launch_tui.core.bar_actions import bar_blockers, decision_problem
from launch_tui.core.display import person_name
from launch_tui.core.model import Action, Session, Severity, Status
from launch_tui.core.playbook import CheckMode, Playbook
from launch_tui.core.readiness import BarState, Verdict, compute_readiness, stage_progress
from launch_tui.core.sanitize import clean

_VERDICT_TEXT = {
    Verdict.READY: "READY",
    Verdict.READY_WITH_ACCEPTED_RISKS: "READY WITH ACCEPTED RISKS",
    Verdict.NOT_READY: "NOT READY",
}
#: Longest person name shown.
_NAME_LIMIT = 200
#: How many blockers ``show`` lists under a bar item (the readiness view has them all).
BLOCKERS_SHOWN = 3

_BAR_MARK = {
    BarState.MET: "[x]",
    BarState.ACCEPTED: "[~]",
    BarState.NOT_MET: "[!]",
    BarState.PENDING: "[ ]",
}


def _elapsed(session: Session, now: datetime) -> str:
    hours = max(0.0, (now - session.sprint.started_at).total_seconds() / 3600)
    return f"{hours:.1f} h of {session.sprint.deadline_hours} h"


def _person(session: Session, person_id: str) -> str:
    return person_name(session, person_id, max_len=_NAME_LIMIT) or "no owner"


def _due(due: date | None, today: date) -> str:
    if due is None:
        return "no due date"
    days = (due - today).days
    if days < 0:
        return f"due {due.isoformat()} (overdue by {-days} d)"
    return f"due {due.isoformat()} (in {days} d)"


def render_summary(
    session: Session,
    playbook: Playbook,
    now: datetime,
    implemented: Iterable[str] | None = None,
) -> str:
    """The whole summary as text lines joined by newlines (no trailing newline).

    ``implemented``: ids of the checks the tool can run (the others are confirmed by hand);
    ``None`` takes every automated check of the playbook as runnable.
    """
    s = session.sprint
    readiness = compute_readiness(session, playbook)
    progress = stage_progress(session, playbook)
    lines: list[str] = []
    title = clean(s.client) + (f" — {clean(s.product)}" if s.product else "")
    lines.append(title)
    lines.append("=" * min(len(title), 78))
    lines.append(f"apex       {clean(session.targets.apex) or '(not set)'}")
    lines.append(f"engineer   {_person(session, s.engineer)}")
    lines.append(f"started    {s.started_at.isoformat()}  ({_elapsed(session, now)})")
    lines.append(f"verdict    {_VERDICT_TEXT[readiness.verdict]}")
    lines.append("")

    lines.append("Stages")
    for spec in playbook.stages:
        state = session.stage(spec.id)
        p = progress[spec.id]
        owner = f", owner {_person(session, state.owner)}" if state.owner else ""
        counts = f"{p.with_result}/{p.total} checks run, {p.failing} failing"
        lines.append(
            f"  {spec.number}. {clean(spec.title):<28} {state.status.value:<12} {counts}{owner}"
        )
    lines.append("")

    lines.append("Minimum bar")
    runnable = (
        tuple(c.id for c in playbook.checks() if c.mode is CheckMode.AUTO)
        if implemented is None
        else tuple(implemented)
    )
    blockers = bar_blockers(session, playbook, runnable)
    for item_state in readiness.items:
        mark = _BAR_MARK[item_state.state]
        lines.append(f"  {mark} {clean(item_state.item.title)} — {clean(item_state.reason)}")
        for blocker in blockers.get(item_state.item.id, ())[:BLOCKERS_SHOWN]:
            lines.append(f"      {clean(blocker.what, max_len=180)}")
            lines.append(f"        → {clean(blocker.action, max_len=100)}")
        more = len(blockers.get(item_state.item.id, ())) - BLOCKERS_SHOWN
        if more > 0:
            lines.append(f"      … and {more} more (launch-tui open, v)")
    lines.append(
        "  ([x] met  [~] accepted risk  [!] not met  [ ] pending: a check not run, skipped"
    )
    lines.append("   or waiting for confirmation; → the one action that moves it)")
    lines.append("")

    failing = [
        r
        for r in session.results
        if r.status in (Status.FAIL, Status.ERROR) and r.severity.at_least(Severity.HIGH)
    ]
    failing.sort(key=lambda r: (r.severity.rank, r.check_id, r.target))
    lines.append(f"Failing checks at high or worse ({len(failing)})")
    for r in failing[:20]:
        target = f" [{clean(r.target)}]" if r.target else ""
        lines.append(
            f"  {r.severity.value:<8} {r.check_id}{target}: {clean(r.summary, max_len=100)}"
        )
    if len(failing) > 20:
        lines.append(f"  ... and {len(failing) - 20} more")
    lines.append("")

    today = now.date()
    open_decisions = [d for d in session.decisions if d.action is not Action.ACCEPT_RISK]
    accepted = [d for d in session.decisions if d.action is Action.ACCEPT_RISK]
    lines.append(f"Open decisions ({len(open_decisions)})")
    for d in sorted(open_decisions, key=lambda d: (d.due or date.max, d.id)):
        about = f" on {d.check_id}" if d.check_id else ""
        about += f" [{clean(d.target)}]" if d.target else (" [every target]" if d.check_id else "")
        lines.append(
            f"  {clean(d.id)} {d.action.value}{about}: {clean(d.text, max_len=80)} — "
            f"{_person(session, d.owner)}, {_due(d.due, today)}"
        )
    lines.append(f"Accepted risks ({len(accepted)})")
    for d in accepted:
        about = f" on {d.check_id}" if d.check_id else ""
        about += f" [{clean(d.target)}]" if d.target else (" [every target]" if d.check_id else "")
        lines.append(
            f"  {clean(d.id)}{about}: {clean(d.text, max_len=80)} — "
            f"{_person(session, d.owner)}, review {_due(d.due, today)}"
        )
        problem = decision_problem(session, d)
        if problem:
            lines.append(f"      does not count: {clean(problem, max_len=120)}")
    if session.secrets:
        lines.append("")
        lines.append(f"Secrets inventory ({len(session.secrets)}, names only)")
        for secret in session.secrets:
            where = clean(secret.stored_in) or "location unknown"
            lines.append(f"  {clean(secret.name)}: {where}, exposure {secret.exposure.value}")
    return "\n".join(lines)

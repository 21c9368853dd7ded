"""Changes the TUI makes to a session, as pure functions: ``Session`` in, new ``Session`` out.

Screens never build sessions by hand; they call one of these and hand the result to the session
controller, which saves it. Nothing here imports textual, so every edit is unit-testable and the
same edits could serve another face later.

Two choices the model forces (see the lead's notes in the report):

* A check's owner is :attr:`Session.owners` (one entry per check and target; schema version 1
  kept it as a ``fix`` decision, which the migration to version 2 turns into an entry). Owning
  a check never lifts a readiness block (only an owned ``accept-risk`` does).
* A manual confirmation is a :class:`CheckResult` written by the engineer: ``pass`` when it holds,
  ``fail`` when it does not, with the note, the evidence link and who confirmed it as evidence.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime
from enum import StrEnum

from launch_tui.core.factory import slugify
from launch_tui.core.model import (
    STAGE_IDS,
    Action,
    CheckOwner,
    CheckResult,
    Decision,
    JSONValue,
    Organisation,
    Person,
    Session,
    Sprint,
    StageState,
    StageStatus,
    Status,
    UiState,
)
from launch_tui.core.playbook import CheckSpec

ROW_SEPARATOR = ":"
"""Separates check id and target in a row key; check ids never contain it."""


def row_key(check_id: str, target: str) -> str:
    """The key of one (check, target) row, as kept in ``Session.ui.selection``."""
    return f"{check_id}{ROW_SEPARATOR}{target}"


def parse_row_key(key: str) -> tuple[str, str]:
    """``(check_id, target)`` from :func:`row_key`; a bare check id has target ``""``."""
    check_id, _, target = key.partition(ROW_SEPARATOR)
    return check_id, target


def set_ui(session: Session, stage: str, selection: str) -> Session:
    """Remember where the engineer is, so reopening returns there."""
    if stage not in STAGE_IDS:
        stage = STAGE_IDS[0]
    ui = replace(session.ui, stage=stage, selection=selection)
    return session if ui == session.ui else replace(session, ui=ui)


def remember_decision(session: Session, action: Action, owner: str, due: date | None) -> Session:
    """Keep the last decision's action, owner and due date in ``[ui]``: the next decision
    dialog starts from them, after the app is closed and opened again too."""
    ui = replace(session.ui, last_action=action, last_owner=owner, last_due=due)
    return session if ui == session.ui else replace(session, ui=ui)


def _with_stage(session: Session, stage_id: str, state: StageState) -> Session:
    stages = dict(session.stages)
    stages[stage_id] = state
    return replace(session, stages=stages)


def set_stage_notes(session: Session, stage_id: str, notes: str) -> Session:
    """Replace the stage's notes."""
    state = session.stage(stage_id)
    if state.notes == notes:
        return session
    return _with_stage(session, stage_id, replace(state, notes=notes))


def set_stage_status(
    session: Session, stage_id: str, status: StageStatus, now: datetime
) -> Session:
    """Move a stage to ``status``, stamping when it started and finished."""
    state = session.stage(stage_id)
    if state.status is status:
        return session
    started = state.started_at
    finished = state.finished_at
    if status in (StageStatus.IN_PROGRESS, StageStatus.DONE) and started is None:
        started = now
    finished = now if status is StageStatus.DONE else None
    return _with_stage(
        session, stage_id, replace(state, status=status, started_at=started, finished_at=finished)
    )


def touch_stage(session: Session, stage_id: str, now: datetime) -> Session:
    """A stage the engineer works in is at least in progress."""
    if session.stage(stage_id).status is StageStatus.TODO:
        return set_stage_status(session, stage_id, StageStatus.IN_PROGRESS, now)
    return session


def add_stage_minutes(session: Session, stage_id: str, minutes: int) -> Session:
    """Add time spent on a stage (whole minutes)."""
    if minutes <= 0:
        return session
    state = session.stage(stage_id)
    return _with_stage(
        session, stage_id, replace(state, minutes_spent=state.minutes_spent + minutes)
    )


def next_decision_id(session: Session) -> str:
    """``d<N>`` one past the highest numbered decision id in the session."""
    highest = 0
    for decision in session.decisions:
        match = re.fullmatch(r"d(\d+)", decision.id)
        if match:
            highest = max(highest, int(match.group(1)))
    return f"d{highest + 1}"


def record_decision(
    session: Session,
    *,
    stage: str,
    action: Action,
    text: str,
    now: datetime,
    check_id: str = "",
    target: str = "",
    owner: str = "",
    due: date | None = None,
) -> tuple[Session, Decision]:
    """Append a new decision; return the session and the decision as recorded."""
    decision = Decision(
        id=next_decision_id(session),
        stage=stage,
        action=action,
        text=" ".join(text.split()),
        check_id=check_id,
        target=target,
        owner=owner,
        due=due,
        decided_at=now,
    )
    return replace(session, decisions=(*session.decisions, decision)), decision


def superseded_by(session: Session, check_id: str, target: str) -> tuple[Decision, ...]:
    """The live decisions a new decision on ``check_id`` (and ``target``) would replace.

    A decision on one target replaces the earlier ones on that same target; one on every
    target (``target == ""``) replaces every earlier decision on the check. Stage-level
    decisions (no check) never replace each other.
    """
    if not check_id:
        return ()
    return tuple(
        d
        for d in session.decisions
        if d.check_id == check_id and (not target or d.target == target)
    )


def decide(
    session: Session,
    *,
    stage: str,
    action: Action,
    text: str,
    now: datetime,
    check_id: str = "",
    target: str = "",
    owner: str = "",
    due: date | None = None,
) -> tuple[Session, Decision, tuple[Decision, ...]]:
    """Record a decision that replaces the earlier ones on the same check and target.

    Two live decisions on one row (a ``fix`` and an ``accept_risk``) would contradict each
    other; the new one takes their place. Returns the session, the new decision and the ones
    it replaced (so the screen can say so).
    """
    replaced = superseded_by(session, check_id, target)
    gone = {d.id for d in replaced}
    kept = replace(session, decisions=tuple(d for d in session.decisions if d.id not in gone))
    # The id continues the session's numbering: a replaced d3 is not reused.
    updated, decision = record_decision(
        kept,
        stage=stage,
        action=action,
        text=text,
        now=now,
        check_id=check_id,
        target=target,
        owner=owner,
        due=due,
    )
    decision = replace(decision, id=next_decision_id(session))
    updated = replace(updated, decisions=(*updated.decisions[:-1], decision))
    return updated, decision, replaced


def update_decision(session: Session, decision: Decision) -> Session:
    """Replace the decision with the same id."""
    decisions = tuple(decision if d.id == decision.id else d for d in session.decisions)
    return replace(session, decisions=decisions)


def remove_decision(session: Session, decision_id: str) -> Session:
    """Drop a decision (recorded by mistake)."""
    return replace(session, decisions=tuple(d for d in session.decisions if d.id != decision_id))


def confirm_manual(
    session: Session,
    spec: CheckSpec,
    *,
    holds: bool,
    note: str,
    link: str,
    by: str,
    now: datetime,
    target: str = "",
) -> Session:
    """Record the engineer's verdict on a manual check, with the note and evidence link."""
    evidence: dict[str, JSONValue] = {"confirmed_by": by}
    if note.strip():
        evidence["note"] = note.strip()
    if link.strip():
        evidence["link"] = link.strip()
    summary = note.strip().splitlines()[0] if note.strip() else ""
    if not summary:
        summary = "Confirmed by hand" if holds else "Does not hold (confirmed by hand)"
    result = CheckResult(
        check_id=spec.id,
        target=target,
        status=Status.PASS if holds else Status.FAIL,
        severity=spec.severity,
        summary=summary,
        evidence=evidence,
        measured_at=now,
        duration_ms=0,
    )
    # Importing launch_tui.checks.engine.merging loads the whole check engine (its package): not
    # needed before the first screen, only when a manual check is confirmed.
    from launch_tui.checks.engine.merging import merge_results

    return merge_results(session, [result])


class OwnedKind(StrEnum):
    """Kinds of thing a person can own."""

    STAGE = "stage"
    CHECK = "check"
    DECISION = "decision"
    SERVICE = "service"
    SECRET = "secret"  # noqa: S105 - the kind of item, not a secret


def assign_owner(
    session: Session,
    kind: OwnedKind,
    ref: str,
    person_id: str,
    *,
    now: datetime,
    stage_of_check: str = "",
    check_title: str = "",
) -> Session:
    """Make ``person_id`` the owner of the item ``ref`` of ``kind`` (``""`` clears it).

    ``ref`` is a stage id, a row key (:func:`row_key`), a decision id, a service name or a
    secret name. A check's owner goes in :attr:`Session.owners` (``now``, ``stage_of_check``
    and ``check_title`` are kept for callers and not needed).
    """
    if kind is OwnedKind.STAGE:
        state = session.stage(ref)
        return _with_stage(session, ref, replace(state, owner=person_id))
    if kind is OwnedKind.DECISION:
        return replace(
            session,
            decisions=tuple(
                replace(d, owner=person_id) if d.id == ref else d for d in session.decisions
            ),
        )
    if kind is OwnedKind.SERVICE:
        return replace(
            session,
            services=tuple(
                replace(s, owner=person_id) if s.name == ref else s for s in session.services
            ),
        )
    if kind is OwnedKind.SECRET:
        return replace(
            session,
            secrets=tuple(
                replace(s, owner=person_id) if s.name == ref else s for s in session.secrets
            ),
        )
    check_id, target = parse_row_key(ref)
    others = tuple(o for o in session.owners if (o.check_id, o.target) != (check_id, target))
    if not person_id:
        return replace(session, owners=others)
    return replace(session, owners=(*others, CheckOwner(check_id, target, person_id)))


def check_owner(session: Session, check_id: str, target: str) -> str:
    """The person id owning the check on ``target`` (or on every target), else ``""``."""
    return session.check_owner(check_id, target)


def check_owner_decision(session: Session, check_id: str, target: str) -> Decision | None:
    """The latest fix or defer decision on exactly this row (or the whole check), if any."""
    found: Decision | None = None
    for decision in session.decisions:
        if decision.check_id != check_id or decision.action is Action.ACCEPT_RISK:
            continue
        if decision.target in (target, ""):
            found = decision
    return found


def add_person(session: Session, name: str, role: str, email: str, org: str) -> Session:
    """Add a person; the id is made from the name and made unique."""
    base = slugify(name, fallback="person")
    taken = {p.id for p in session.people}
    person_id = base
    counter = 2
    while person_id in taken:
        person_id = f"{base}-{counter}"
        counter += 1
    person = Person(
        id=person_id,
        name=" ".join(name.split()),
        role=" ".join(role.split()),
        org=Organisation(org),
        email=email.strip(),
    )
    return replace(session, people=(*session.people, person))


def from_template(session: Session, client: str, sprint_id: str, now: datetime) -> Session:
    """A new sprint reusing a session's targets, stack, people, services and network settings.

    Results, decisions, stage progress and notes, secrets' rotation state and the UI position
    start afresh: a template carries the set-up, not the findings.
    """
    sprint = Sprint(
        id=sprint_id,
        client=" ".join(client.split()),
        product=session.sprint.product,
        engineer=session.sprint.engineer,
        started_at=now,
        deadline_hours=session.sprint.deadline_hours,
    )
    return replace(
        session,
        sprint=sprint,
        stages={stage: StageState() for stage in STAGE_IDS},
        results=(),
        decisions=(),
        secrets=tuple(replace(s, last_rotated=None, found_in=()) for s in session.secrets),
        ui=UiState(),
    )

"""Signing the handover off, and reopening it: pure edits of a session.

A sign-off records who handed the launch over (the engineer), who received it (a client person)
and when. From then on the session's check results are read-only: a check run is refused with
:func:`refusal` until the session is reopened explicitly, which keeps the sign-off and stamps it
with when and by whom it was reopened. Signing again replaces a reopened sign-off.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from launch_tui.core.errors import UsageError
from launch_tui.core.handover import SignOff
from launch_tui.core.model import Organisation, Session
from launch_tui.core.sanitize import clean

__all__ = ["refusal", "reopen", "sign", "sign_off_line"]


def sign(session: Session, handed_over_by: str, received_by: str, now: datetime) -> Session:
    """``session`` signed off by ``handed_over_by`` to ``received_by`` (person ids) at ``now``.

    Raises :class:`UsageError` when either is not one of the session's people, when both are
    the same person, when the receiver is not on the client's side, or when a sign-off already
    stands.
    """
    if session.handover.signed_off:
        raise UsageError(f"The handover is already signed off: {sign_off_line(session)}")
    giver = session.person(handed_over_by.strip())
    taker = session.person(received_by.strip())
    missing = [
        repr(clean(raw, max_len=40))
        for raw, person in ((handed_over_by, giver), (received_by, taker))
        if person is None
    ]
    if missing:
        known = ", ".join(p.id for p in session.people) or "nobody yet"
        raise UsageError(
            f"Not one of the session's people: {', '.join(missing)}; the people are: {known}"
        )
    assert giver is not None and taker is not None
    if giver.id == taker.id:
        raise UsageError("The person handing over and the person receiving must differ")
    if taker.org is not Organisation.CLIENT:
        raise UsageError(
            f"{clean(taker.name, max_len=60)} is on the contractor's side: the handover is "
            "received by someone at the client"
        )
    signed = SignOff(handed_over_by=giver.id, received_by=taker.id, signed_at=now)
    return replace(session, handover=replace(session.handover, sign_off=signed))


def reopen(session: Session, by: str, now: datetime) -> Session:
    """``session`` reopened after its sign-off, by person id (or name) ``by``, at ``now``."""
    current = session.handover.sign_off
    if current is None or current.reopened_at is not None:
        raise UsageError("The handover is not signed off: there is nothing to reopen")
    if not by.strip():
        raise UsageError("Say who reopens the signed-off handover")
    reopened = replace(current, reopened_at=now, reopened_by=by.strip())
    return replace(session, handover=replace(session.handover, sign_off=reopened))


def sign_off_line(session: Session) -> str:
    """``Signed off on 2026-03-01 14:05 UTC by Sam Carter to Maya Okafor`` (or ``""``)."""
    current = session.handover.sign_off
    if current is None:
        return ""
    line = (
        f"Signed off on {current.signed_at:%Y-%m-%d %H:%M} UTC by "
        f"{_name(session, current.handed_over_by)} to {_name(session, current.received_by)}"
    )
    if current.reopened_at is not None:
        line += (
            f"; reopened on {current.reopened_at:%Y-%m-%d %H:%M} UTC by "
            f"{_name(session, current.reopened_by)}"
        )
    return line


def refusal(session: Session) -> str:
    """Why check results cannot change while the sign-off stands; ``""`` when they can."""
    if not session.handover.signed_off:
        return ""
    return (
        f"{sign_off_line(session)}: its results are read-only. Reopen the handover to run "
        "checks again"
    )


def _name(session: Session, person_id: str) -> str:
    person = session.person(person_id)
    return clean(person.name if person is not None else person_id, max_len=60)

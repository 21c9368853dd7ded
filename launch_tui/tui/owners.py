"""What a person can own (stages, checks, decisions, services, secrets) and who owns it."""

from __future__ import annotations

from dataclasses import dataclass

from launch_tui.core.model import (
    Session,
    Status,
)
from launch_tui.core.playbook import Playbook
from launch_tui.core.sanitize import clean
from launch_tui.tui.edits import OwnedKind, check_owner, row_key

# --- people and ownership ----------------------------------------------------------------------


@dataclass(frozen=True)
class OwnedItem:
    """Something a person can own, with its current owner."""

    kind: OwnedKind
    ref: str
    """Stage id, row key, decision id, service name or secret name."""
    label: str
    owner: str
    """Owner's person id (``""`` when none)."""
    detail: str = ""
    status: Status | None = None


def assignables(session: Session, playbook: Playbook) -> tuple[OwnedItem, ...]:
    """Every stage, check result, decision, service and secret, with its owner.

    A hand-edited file may repeat an entry (two results for one check and target, two services
    of one name); each item is listed once, as the first of its kind and reference.
    """
    items: list[OwnedItem] = []
    for spec in playbook.stages:
        items.append(
            OwnedItem(
                OwnedKind.STAGE,
                spec.id,
                f"{spec.number} {spec.title}",
                session.stage(spec.id).owner,
                detail=session.stage(spec.id).status.value,
            )
        )
    for result in session.results:
        owner = check_owner(session, result.check_id, result.target)
        target = clean(result.target, max_len=40)
        items.append(
            OwnedItem(
                OwnedKind.CHECK,
                row_key(result.check_id, result.target),
                result.check_id + (f" · {target}" if target else ""),
                owner,
                detail=clean(result.summary, max_len=80),
                status=result.status,
            )
        )
    for decision in session.decisions:
        items.append(
            OwnedItem(
                OwnedKind.DECISION,
                decision.id,
                f"{decision.id} {decision.action.value}: {clean(decision.text, max_len=60)}",
                decision.owner,
                detail=decision.due.isoformat() if decision.due else "",
            )
        )
    for service in session.services:
        items.append(
            OwnedItem(
                OwnedKind.SERVICE,
                service.name,
                clean(service.name, max_len=40),
                service.owner,
                detail=clean(service.purpose, max_len=60),
            )
        )
    for secret in session.secrets:
        items.append(
            OwnedItem(
                OwnedKind.SECRET,
                secret.name,
                clean(secret.name, max_len=40),
                secret.owner,
                detail=secret.exposure.value,
            )
        )
    unique: dict[tuple[OwnedKind, str], OwnedItem] = {}
    for item in items:
        unique.setdefault((item.kind, item.ref), item)
    return tuple(unique.values())


def owned_by(session: Session, playbook: Playbook, person_id: str) -> tuple[OwnedItem, ...]:
    """Everything ``person_id`` owns (stages, checks, decisions, services, secrets)."""
    return tuple(item for item in assignables(session, playbook) if item.owner == person_id)

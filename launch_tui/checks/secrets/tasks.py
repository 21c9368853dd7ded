"""From leaked values to the inventory and rotation tasks: which secret a finding is, and how
the secrets checks' results fold into the session.

:func:`secret_name` maps a finding to an inventory name: the identifier its value is assigned
to (``STRIPE_SECRET_KEY``), else the inventoried or discovered name sharing the most words
with the scanner's rule (``aws-access-token`` -> ``AWS_ACCESS_KEY_ID``), else a name made
from the rule (``GITHUB_PAT``).

:func:`fold_inventory` and :func:`fold_rotation` are the two checks' merge rules (applied by
the engine's ``merge_results``): the names ``secrets.inventory`` discovered become inventory
entries to complete, and each leaked secret ``secrets.rotation`` lists is marked ``leaked``
with where it was found, and gets a rotation task: a ``fix`` decision with an owner and a due
date, made once (id ``rotate-<name>``) and then left to the engineer. Nothing here ever sees a
value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date, timedelta

from launch_tui.core.model import (
    Action,
    CheckResult,
    Decision,
    Exposure,
    JSONValue,
    Secret,
    Session,
)

ROTATION_CHECK = "secrets.rotation"
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]{1,127}$")
_STOP_WORDS = frozenset({"token", "key", "generic", "api", "secret", "access"})


def decision_id(name: str) -> str:
    """The rotation task's decision id for secret ``name`` (``rotate-stripe-secret-key``)."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return f"rotate-{slug[:60] or 'secret'}"


def secret_name(rule: str, assigned: str, known: Iterable[str]) -> str:
    """The inventory name a finding of ``rule``, assigned to ``assigned``, belongs to."""
    names = list(dict.fromkeys(known))
    if assigned and _ENV_NAME.match(assigned):
        return assigned
    if assigned:
        # accessKeyId -> ACCESS_KEY_ID, matched whole or as the end of a name (AWS_ACCESS_KEY_ID)
        upper = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", assigned).upper()
        for name in names:
            if name == upper or (len(upper) > 5 and name.endswith("_" + upper)):
                return name
    words = [w for w in rule.lower().split("-") if w]
    vendor = words[0] if words else ""
    best, best_score = "", 0.0
    for name in names:
        parts = name.lower().split("_")
        if vendor not in parts:
            continue
        score = 2.0 + sum(1 for w in words[1:] if w in parts and w not in _STOP_WORDS)
        score += sum(1 for w in words[1:] if w in parts and w in _STOP_WORDS) / 10
        if score > best_score:
            best, best_score = name, score
    if best:
        return best
    return re.sub(r"[^A-Z0-9]+", "_", rule.upper()).strip("_") or "UNNAMED_SECRET"


def sprint_due(session: Session, today: date) -> date:
    """When a rotation is due: the end of the sprint, or tomorrow once the sprint is over."""
    end = (session.sprint.started_at + timedelta(hours=session.sprint.deadline_hours)).date()
    return end if end >= today else today + timedelta(days=1)


def task_owner(session: Session, entry: Secret | None) -> str:
    """The secret's owner, else the sprint's engineer."""
    if entry is not None and entry.owner.strip():
        return entry.owner
    return session.sprint.engineer


# --- folding results into the session -----------------------------------------------------------


def _strings(value: JSONValue | None) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _dicts(value: JSONValue | None) -> list[Mapping[str, JSONValue]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _add_places(entry: Secret, places: Iterable[str]) -> Secret:
    merged = tuple(dict.fromkeys([*entry.found_in, *places]))
    return entry if merged == entry.found_in else replace(entry, found_in=merged)


def fold_inventory(session: Session, result: CheckResult) -> Session:
    """Merge rule of ``secrets.inventory``: each secret name found becomes an inventory entry
    (to complete), and the places it was found are added to existing entries."""
    entries: dict[str, Secret] = {s.name: s for s in session.secrets}
    for item in _dicts(result.evidence.get("names")):
        name = item.get("name")
        if isinstance(name, str) and name:
            entry = entries.get(name) or Secret(name=name)
            entries[name] = _add_places(entry, _strings(item.get("found_in")))
    return replace(session, secrets=tuple(entries.values()))


def fold_rotation(session: Session, result: CheckResult) -> Session:
    """Merge rule of ``secrets.rotation``: each leaked secret is marked ``leaked`` (unless the
    inventory already says ``rotated``) with where it leaked, and each open task becomes a
    ``fix`` decision with owner and due date, once: an existing decision of that id (the
    engineer may have edited, reassigned or closed it) is left alone."""
    entries: dict[str, Secret] = {s.name: s for s in session.secrets}
    decisions = list(session.decisions)
    known_ids = {d.id for d in decisions}
    for task in _dicts(result.evidence.get("tasks")):
        name = task.get("name")
        if not isinstance(name, str) or not name:
            continue
        places = _strings(task.get("leaked_in"))
        entry = _add_places(entries.get(name) or Secret(name=name), places)
        if entry.exposure is not Exposure.ROTATED:
            entry = replace(entry, exposure=Exposure.LEAKED)
        entries[name] = entry
        ident = task.get("decision")
        if task.get("rotated") is True or not isinstance(ident, str) or ident in known_ids:
            continue
        due, owner = task.get("due"), task.get("owner")
        decisions.append(
            Decision(
                id=ident,
                stage="email-secrets",
                action=Action.FIX,
                text=f"Rotate {name} at its provider and update it where it is stored "
                f"(leaked: {', '.join(places[:3])})",
                check_id=ROTATION_CHECK,
                owner=owner if isinstance(owner, str) else "",
                due=date.fromisoformat(due) if isinstance(due, str) and due else None,
                decided_at=result.measured_at,
            )
        )
        known_ids.add(ident)
    return replace(session, secrets=tuple(entries.values()), decisions=tuple(decisions))

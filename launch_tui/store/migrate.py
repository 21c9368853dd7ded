"""Forward migrations of session files between ``schema_version`` numbers.

A migration upgrades the data of one version to the next by editing the mapping it is given: the
tomlkit document when a session is opened for editing (so hand formatting survives the upgrade),
or plain parsed data when it is only read. Migrations do no I/O; the upgraded document is written
on the next save, never on open. A file written by a newer launch-tui than this one is refused
and left alone.

Version 1 is the first released format. Version 2 gives check ownership a field of its own
(``[[owners]]``: check, target, owner), where version 1 kept it as a ``fix`` decision ("Owner
makes '<check>' on <target> hold.") that the app wrote when a check was assigned: those
decisions become ``[[owners]]`` entries and are removed; any other ``fix`` or ``defer`` decision
with an owner stays, and its owner becomes the check's owner too (the latest per check and
target, as version 1 read it). Version 2 also adds a host's ``origin_ip`` and ``[sampling]``,
which have defaults and need no conversion. Version 3 gives the handover fields of their own
(``[handover]``: env changes, rollback, support paths, limitations, next steps, monitoring
links, sign-off), where version 2 kept them as the notes and links of five manual checks'
results: those move into the fields (:mod:`launch_tui.store.migrate_handover`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, MutableMapping, MutableSequence, Sequence
from dataclasses import dataclass
from typing import Any

from launch_tui.core.model import SCHEMA_VERSION
from launch_tui.core.session_codec import CodecError
from launch_tui.store.migrate_handover import move_handover_notes

__all__ = ["MIGRATIONS", "Migration", "migrate", "schema_version_of"]


@dataclass(frozen=True)
class Migration:
    """Upgrades session data from ``from_version`` to ``from_version + 1``."""

    from_version: int
    description: str
    """One line, for release notes and error messages."""
    apply: Callable[[MutableMapping[str, Any]], None]
    """Edits the data in place. Must not touch ``schema_version``: :func:`migrate` sets it."""


#: The text version 1 wrote on the decision that carried a check's owner (tui.edits).
_OWNER_DECISION = re.compile(r"Owner makes '.*'( on .*)? hold\.", re.DOTALL)


def _owners_out_of_decisions(data: MutableMapping[str, Any]) -> None:
    """Version 1 -> 2: check ownership moves from ``fix`` decisions to ``[[owners]]``."""
    decisions = data.get("decisions")
    if not isinstance(decisions, MutableSequence):
        return
    owners: dict[tuple[str, str], str] = {}
    made_by_the_app: list[int] = []
    for index, decision in enumerate(decisions):
        if not isinstance(decision, Mapping):
            continue
        action = str(decision.get("action", "")).strip().lower()
        check = str(decision.get("check", ""))
        target = str(decision.get("target", ""))
        owner = str(decision.get("owner", ""))
        if action not in ("fix", "defer") or not check or not owner.strip():
            continue
        owners[(check, target)] = owner  # later decisions win, as version 1 read them
        if action == "fix" and _OWNER_DECISION.fullmatch(str(decision.get("text", ""))):
            made_by_the_app.append(index)
    for index in reversed(made_by_the_app):
        del decisions[index]
    if owners and "owners" not in data:
        data["owners"] = [
            {"check": check, "target": target, "owner": owner}
            for (check, target), owner in owners.items()
        ]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "check ownership moves from 'fix' decisions to [[owners]]; origin_ip and [sampling] "
        "are new and optional",
        _owners_out_of_decisions,
    ),
    Migration(
        2,
        "the handover's notes and links move from five manual checks' evidence into [handover]",
        move_handover_notes,
    ),
)
"""Every migration, oldest first."""


def schema_version_of(data: MutableMapping[str, Any], *, default: int = SCHEMA_VERSION) -> int:
    """The ``schema_version`` of session data; a file without one is taken as current."""
    version = data.get("schema_version")
    if version is None:
        return default
    if isinstance(version, bool) or not isinstance(version, int):
        raise CodecError(
            "schema_version", f"expected an integer like {SCHEMA_VERSION}, got {version!r}"
        )
    return int(version)


def migrate(
    data: MutableMapping[str, Any],
    *,
    target: int = SCHEMA_VERSION,
    migrations: Sequence[Migration] = MIGRATIONS,
) -> int:
    """Upgrade ``data`` in place to ``target``; return the version it had.

    Raises :class:`CodecError` (key ``schema_version``) when the data is newer than ``target``
    or no chain of migrations leads from its version to ``target``.
    """
    original = version = schema_version_of(data, default=target)
    if version > target:
        raise CodecError(
            "schema_version",
            f"this file has schema_version {version}, written by a newer launch-tui; this "
            f"version reads up to schema_version {target}. Upgrade launch-tui to open it",
        )
    steps = {m.from_version: m for m in migrations}
    while version < target:
        step = steps.get(version)
        if step is None:
            raise CodecError(
                "schema_version",
                f"no upgrade from schema_version {version} to {target} is known; "
                f"expected a schema_version between {min(steps, default=target)} and {target}",
            )
        step.apply(data)
        version += 1
        data["schema_version"] = version
    return original

"""The shape of a session file that both directions share: its error, and its arrays of tables.

:class:`CodecError` is what reading refuses a value with (the dotted key path and a reason).
:data:`ARRAYS` and :data:`STAGE_DEFAULTS` describe the arrays of tables for the store's in-place
updates: how entries are identified (people by ``id``, results by ``(check, target)``...) and
which values a new entry can leave out because they are the defaults. No I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from launch_tui.core.model import (
    Exposure,
    HostRole,
    Organisation,
    RouteKind,
    StageStatus,
)
from launch_tui.core.toml_schema import join_key

__all__ = [
    "ARRAYS",
    "PLAIN_SCALARS",
    "STAGE_DEFAULTS",
    "ArraySpec",
    "CodecError",
    "as_utc",
]

#: Value types that are plain data already (from tomli, or from the codec itself).
PLAIN_SCALARS = frozenset({str, int, float, bool})


class CodecError(ValueError):
    """A value in session data does not fit the schema.

    ``key`` is the dotted path of the value (``people[2].id``); ``reason`` says what was expected
    and what was found. The store turns this into a ``SessionValidationError`` with a line and
    column; it is not a ``LaunchError`` itself because the codec knows nothing of files.
    """

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason


# ---------------------------------------------------------------------------------------------
# The shape of arrays of tables, for in-place updates.


@dataclass(frozen=True)
class ArraySpec:
    """How entries of one array of tables are matched between two versions of a session."""

    identity: tuple[str, ...]
    """Keys whose values identify an entry (``("id",)`` for people)."""
    defaults: Mapping[str, Any]
    """Values a newly written entry may leave out, because reading fills them in."""


ARRAYS: Mapping[str, ArraySpec] = {
    "targets.hosts": ArraySpec(("name",), {"role": HostRole.OTHER.value}),
    "targets.routes": ArraySpec(
        ("name",),
        {
            "kind": RouteKind.READ.value,
            "method": "GET",
            "expect_status": 200,
            "safe_to_repeat": False,
        },
    ),
    "people": ArraySpec(("id",), {"role": "", "org": Organisation.CLIENT.value, "email": ""}),
    "results": ArraySpec(("check", "target"), {"evidence": {}, "duration_ms": 0}),
    "decisions": ArraySpec(("id",), {"check": "", "target": "", "owner": ""}),
    "services": ArraySpec(
        ("name",),
        {"purpose": "", "owner": "", "admins": [], "currency": "USD", "access_notes": ""},
    ),
    "secrets": ArraySpec(
        ("name",),
        {
            "stored_in": "",
            "environments": [],
            "owner": "",
            "exposure": Exposure.UNKNOWN.value,
            "found_in": [],
        },
    ),
    "credentials": ArraySpec(("name",), {"purpose": ""}),
    "targets.monitors": ArraySpec(("route", "tool"), {"link": ""}),
    "owners": ArraySpec(("check", "target"), {"target": ""}),
    # [handover]'s arrays (core.handover_codec); their key paths are built, as some of them
    # share a name with a handover manual check.
    **{
        join_key("handover", name): ArraySpec(identity, {})
        for name, identity in (
            ("env_changes", ("environment",)),
            ("support", ("kind", "channel")),
            ("limitations", ("text",)),
            ("next_steps", ("text",)),
            ("monitoring_links", ("name",)),
        )
    },
}
"""Arrays of tables by dotted path, with how their entries are identified."""

STAGE_DEFAULTS: Mapping[str, Any] = {
    "status": StageStatus.TODO.value,
    "owner": "",
    "notes": "",
    "minutes_spent": 0,
}
"""Values a newly written ``[stages.<id>]`` table may leave out."""


def as_utc(value: datetime) -> datetime:
    """``value`` in UTC; a naive datetime is taken as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

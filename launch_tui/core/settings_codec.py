"""``[sampling]`` and ``[[owners]]`` of a session file: to plain TOML-ready data and back. Pure.

::

    [sampling]                     # how the latency sampler loads each route
    requests = 30                  # requests per route (1-10000)
    concurrency = 5                # connections per route (1-100)
    duration_s = 8.0               # most seconds per route (default: the check's deadline)

    [[owners]]                     # who makes a check hold on a target
    check = "http.cookies"
    target = "login"               # "" (or left out): every target of the check
    owner = "priya"                # a person id

Both are written only when they say something (``[sampling]`` when it differs from the defaults,
``[[owners]]`` when a check has an owner), so files that use neither keep their text. Reading is
strict through the session codec's table reader: a wrong value names its dotted key.
"""

from __future__ import annotations

from typing import Any

from launch_tui.core.model import CheckOwner, SamplingSettings
from launch_tui.core.toml_schema import REQUIRED, Table

__all__ = [
    "MAX_CONCURRENCY",
    "MAX_REQUESTS",
    "owners_from_tables",
    "owners_to_data",
    "sampling_from_table",
    "sampling_to_data",
]

MAX_REQUESTS = 10_000
MAX_CONCURRENCY = 100


def sampling_to_data(sampling: SamplingSettings) -> dict[str, Any] | None:
    """The ``[sampling]`` table, or ``None`` when every value is the default."""
    if sampling == SamplingSettings():
        return None
    out: dict[str, Any] = {"requests": sampling.requests, "concurrency": sampling.concurrency}
    if sampling.duration_s is not None:
        out["duration_s"] = float(sampling.duration_s)
    return out


def owners_to_data(owners: tuple[CheckOwner, ...]) -> list[dict[str, Any]]:
    """The ``[[owners]]`` entries (an empty list writes nothing)."""
    return [{"check": o.check_id, "target": o.target, "owner": o.owner} for o in owners]


def sampling_from_table(t: Table | None) -> SamplingSettings:
    """``[sampling]``, validated; a missing table is the defaults."""
    if t is None:
        return SamplingSettings()
    default = SamplingSettings()
    requests = t.integer("requests", default.requests)
    if not 1 <= requests <= MAX_REQUESTS:
        t.fail("requests", f"expected 1 to {MAX_REQUESTS} requests per route, got {requests}")
    concurrency = t.integer("concurrency", default.concurrency)
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        t.fail(
            "concurrency",
            f"expected 1 to {MAX_CONCURRENCY} connections per route, got {concurrency}",
        )
    duration: float | None = None
    if t.has("duration_s"):
        duration = t.number("duration_s")
        if not 0 < duration <= 3600:
            t.fail("duration_s", f"expected more than 0 and at most 3600 seconds, got {duration:g}")
    return SamplingSettings(requests=requests, concurrency=concurrency, duration_s=duration)


def owners_from_tables(tables: list[Any]) -> tuple[CheckOwner, ...]:
    """``[[owners]]`` entries (each a :class:`Table`), validated; one per (check, target)."""
    owners: list[CheckOwner] = []
    seen: set[tuple[str, str]] = set()
    for t in tables:
        owner = CheckOwner(
            check_id=t.string("check", REQUIRED),
            target=t.string("target"),
            owner=t.string("owner", REQUIRED),
        )
        key = (owner.check_id, owner.target)
        if key in seen:
            where = f" on {owner.target!r}" if owner.target else ""
            t.fail("check", f"{owner.check_id!r}{where} has two owners; keep one entry")
        seen.add(key)
        owners.append(owner)
    return tuple(owners)

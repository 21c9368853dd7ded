"""The ``[handover]`` table of a session file: :class:`~launch_tui.core.handover.Handover` to
plain TOML-ready data and back. Pure.

Written only when something is in it, so a session without handover fields keeps its file as it
was. Shape::

    [handover.rollback]            # steps, who, links
    [[handover.env_changes]]       # environment, where, who, steps, links
    [[handover.support]]           # kind = "incident" | "feature-request", channel, hours, who,
                                   # response, notes, links
    [[handover.limitations]]       # text, risk
    [[handover.next_steps]]        # text, owner, why  (in priority order)
    [[handover.monitoring_links]]  # name, url
    [handover.sign_off]            # handed_over_by, received_by, signed_at,
                                   # reopened_at, reopened_by

Reading is strict: a wrong type or an unknown key is a :class:`HandoverDataError` naming the
dotted key (``handover.support[1].kind``), which the session codec reports like its own errors.
Empty strings and lists are left out when writing; reading fills them in.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from launch_tui.core.handover import (
    EnvChange,
    Handover,
    Limitation,
    MonitoringLink,
    NextStep,
    Rollback,
    SignOff,
    SupportKind,
    SupportPath,
)
from launch_tui.core.session_schema import as_utc
from launch_tui.core.session_table import plain_datetime

__all__ = ["HandoverDataError", "handover_from_data", "handover_to_data"]


class HandoverDataError(ValueError):
    """A value under ``[handover]`` does not fit; ``key`` is its dotted path."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason


# --- writing --------------------------------------------------------------------------------


def handover_to_data(handover: Handover) -> dict[str, Any]:
    """The ``[handover]`` table; ``{}`` for an empty handover (then nothing is written)."""
    out: dict[str, Any] = {}
    rollback = _compact(
        {
            "steps": handover.rollback.steps,
            "who": handover.rollback.who,
            "links": list(handover.rollback.links),
        }
    )
    if rollback:
        out["rollback"] = rollback
    _put_list(
        out,
        "env_changes",
        [
            _compact(
                {
                    "environment": e.environment,
                    "where": e.where,
                    "who": e.who,
                    "steps": e.steps,
                    "links": list(e.links),
                }
            )
            for e in handover.env_changes
        ],
    )
    _put_list(
        out,
        "support",
        [
            {"kind": p.kind.value}
            | _compact(
                {
                    "channel": p.channel,
                    "hours": p.hours,
                    "who": p.who,
                    "response": p.response,
                    "notes": p.notes,
                    "links": list(p.links),
                }
            )
            for p in handover.support
        ],
    )
    _put_list(
        out,
        "limitations",
        [{"text": x.text} | _compact({"risk": x.risk}) for x in handover.limitations],
    )
    _put_list(
        out,
        "next_steps",
        [
            {"text": s.text} | _compact({"owner": s.owner, "why": s.why})
            for s in handover.next_steps
        ],
    )
    _put_list(
        out,
        "monitoring_links",
        [{"name": m.name, "url": m.url} for m in handover.monitoring_links],
    )
    sign_off = handover.sign_off
    if sign_off is not None:
        table: dict[str, Any] = {
            "handed_over_by": sign_off.handed_over_by,
            "received_by": sign_off.received_by,
            "signed_at": as_utc(sign_off.signed_at),
        }
        if sign_off.reopened_at is not None:
            table["reopened_at"] = as_utc(sign_off.reopened_at)
            table["reopened_by"] = sign_off.reopened_by
        out["sign_off"] = table
    return out


def _compact(table: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in table.items() if v not in ("", [], None)}


def _put_list(out: dict[str, Any], key: str, entries: list[dict[str, Any]]) -> None:
    if entries:
        out[key] = entries


# --- reading --------------------------------------------------------------------------------


class _Reader:
    """A mapping read strictly; every error names the dotted key."""

    def __init__(self, data: Any, path: str, allowed: tuple[str, ...]) -> None:
        if not isinstance(data, Mapping):
            raise HandoverDataError(path, f"expected a table, got {_kind(data)}")
        unknown = sorted(str(k) for k in data if k not in allowed)
        if unknown:
            raise HandoverDataError(
                f"{path}.{unknown[0]}", f"unknown key; expected one of {', '.join(allowed)}"
            )
        self.data = data
        self.path = path

    def key(self, name: str) -> str:
        return f"{self.path}.{name}"

    def text(self, name: str, *, required: bool = False) -> str:
        value = self.data.get(name)
        if value is None:
            if required:
                raise HandoverDataError(self.key(name), "missing; expected a string")
            return ""
        if not isinstance(value, str):
            raise HandoverDataError(self.key(name), f"expected a string, got {_kind(value)}")
        return str(value)

    def texts(self, name: str) -> tuple[str, ...]:
        value = self.data.get(name)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise HandoverDataError(
                self.key(name), f"expected a list of strings, got {_kind(value)}"
            )
        return tuple(str(v) for v in value)

    def tables(self, name: str, allowed: tuple[str, ...]) -> list[_Reader]:
        value = self.data.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            raise HandoverDataError(
                self.key(name), f"expected an array of tables, got {_kind(value)}"
            )
        return [_Reader(v, f"{self.key(name)}[{i}]", allowed) for i, v in enumerate(value)]

    def table(self, name: str, allowed: tuple[str, ...]) -> _Reader | None:
        value = self.data.get(name)
        return None if value is None else _Reader(value, self.key(name), allowed)

    def moment(self, name: str, *, required: bool = False) -> datetime | None:
        value = self.data.get(name)
        if value is None:
            if required:
                raise HandoverDataError(self.key(name), "missing; expected a date and time")
            return None
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                raise HandoverDataError(
                    self.key(name),
                    f"expected a date and time like 2026-03-01T14:05:00Z, got {value!r}",
                ) from None
        if not isinstance(value, datetime):
            raise HandoverDataError(self.key(name), f"expected a date and time, got {_kind(value)}")
        return as_utc(plain_datetime(value))


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, Mapping):
        return "a table"
    return type(value).__name__


_ENV = ("environment", "where", "who", "steps", "links")
_SUPPORT = ("kind", "channel", "hours", "who", "response", "notes", "links")


def handover_from_data(data: Any, path: str = "handover") -> Handover:
    """Read a ``[handover]`` table (``None`` or missing: an empty handover)."""
    if data is None:
        return Handover()
    root = _Reader(
        data,
        path,
        (
            "rollback",
            "env_changes",
            "support",
            "limitations",
            "next_steps",
            "monitoring_links",
            "sign_off",
        ),
    )
    rollback_t = root.table("rollback", ("steps", "who", "links"))
    rollback = (
        Rollback(rollback_t.text("steps"), rollback_t.text("who"), rollback_t.texts("links"))
        if rollback_t is not None
        else Rollback()
    )
    env_changes = tuple(
        EnvChange(
            t.text("environment"), t.text("where"), t.text("who"), t.text("steps"), t.texts("links")
        )
        for t in root.tables("env_changes", _ENV)
    )
    support = tuple(_support(t) for t in root.tables("support", _SUPPORT))
    limitations = tuple(
        Limitation(t.text("text", required=True), t.text("risk"))
        for t in root.tables("limitations", ("text", "risk"))
    )
    next_steps = tuple(
        NextStep(t.text("text", required=True), t.text("owner"), t.text("why"))
        for t in root.tables("next_steps", ("text", "owner", "why"))
    )
    links = tuple(
        MonitoringLink(t.text("name", required=True), t.text("url", required=True))
        for t in root.tables("monitoring_links", ("name", "url"))
    )
    sign_t = root.table(
        "sign_off", ("handed_over_by", "received_by", "signed_at", "reopened_at", "reopened_by")
    )
    sign_off = None
    if sign_t is not None:
        signed_at = sign_t.moment("signed_at", required=True)
        assert signed_at is not None
        sign_off = SignOff(
            handed_over_by=sign_t.text("handed_over_by", required=True),
            received_by=sign_t.text("received_by", required=True),
            signed_at=signed_at,
            reopened_at=sign_t.moment("reopened_at"),
            reopened_by=sign_t.text("reopened_by"),
        )
    return Handover(
        env_changes=env_changes,
        rollback=rollback,
        support=support,
        limitations=limitations,
        next_steps=next_steps,
        monitoring_links=links,
        sign_off=sign_off,
    )


def _support(t: _Reader) -> SupportPath:
    kind = t.text("kind", required=True)
    try:
        chosen = SupportKind(kind)
    except ValueError:
        raise HandoverDataError(
            t.key("kind"),
            f"expected one of {', '.join(k.value for k in SupportKind)}, got {kind!r}",
        ) from None
    return SupportPath(
        kind=chosen,
        channel=t.text("channel"),
        hours=t.text("hours"),
        who=t.text("who"),
        response=t.text("response"),
        notes=t.text("notes"),
        links=t.texts("links"),
    )

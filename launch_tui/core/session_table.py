"""Reading a session's tables: the shared TOML reader with the session's own value types.

Timestamps (naive taken as UTC), dates, amounts of money, enum choices and evidence (JSON-like
plain data, validated all the way down), each refused with a
:class:`~launch_tui.core.session_schema.CodecError` naming the key path. No I/O.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar, cast

from launch_tui.core.model import JSONValue
from launch_tui.core.session_schema import PLAIN_SCALARS, CodecError, as_utc
from launch_tui.core.toml_schema import (
    REQUIRED,
    Table,
    Wording,
    describe_value,
    join_key,
)

__all__ = ["WORDING", "SessionTable", "is_plain", "json_table", "plain_datetime", "plain_str"]

E = TypeVar("E", bound=StrEnum)


class SessionTable(Table):
    """A session table being read: the shared reader, with the session's own value types."""

    __slots__ = ()

    def names(self) -> list[str]:
        return [str(k) for k in self.data]

    def table(self, key: str, required: bool = False, *, what: str = "a table") -> SessionTable:
        # An absent table reads as empty: every session section has defaults.
        found = super().table(key, required, what=what)
        return self.sub({}, key) if found is None else found

    def array(self, key: str) -> list[SessionTable]:
        return self.tables(key, what=f"an array of tables ([[{self.child(key)}]])")

    def bounded_integer(
        self,
        key: str,
        default: int,
        minimum: int | None = None,
        maximum: int | None = None,
        unit: str = "",
    ) -> int:
        value = self.optional_integer(key, minimum, maximum, unit)
        return default if value is None else value

    def optional_integer(
        self,
        key: str,
        minimum: int | None = None,
        maximum: int | None = None,
        unit: str = "",
    ) -> int | None:
        what = f"an integer ({unit})" if unit else "an integer"
        value = self.value(key, (int,), what, None)
        if value is None:
            return None
        number = int(value)
        if minimum is not None and number < minimum:
            self.fail(key, f"expected {what} of at least {minimum}, got {number}")
        if maximum is not None and number > maximum:
            self.fail(key, f"expected {what} of at most {maximum}, got {number}")
        return number

    def positive(self, key: str, default: float, unit: str) -> float:
        value = self.value(key, (int, float), f"a number ({unit})", None)
        if value is None:
            return default
        number = float(value)
        if not math.isfinite(number) or number <= 0:
            self.fail(key, f"expected a positive number ({unit}), got {describe_value(value)}")
        return number

    def choice(self, key: str, kind: type[E], default: E) -> E:
        found = self.optional_choice(key, kind)
        return default if found is None else found

    def required_choice(self, key: str, kind: type[E]) -> E:
        found = self.optional_choice(key, kind, REQUIRED)
        assert found is not None
        return found

    def optional_choice(self, key: str, kind: type[E], required: bool = False) -> E | None:
        value = self.data.get(key)
        if value is None and not required:
            return None
        if isinstance(value, str):
            member = kind._value2member_map_.get(value)
            if member is None:
                member = kind._value2member_map_.get(value.strip().casefold())
            if member is not None:
                return cast(E, member)
        allowed = ", ".join(member.value for member in kind)
        if value is None:
            self.fail(key, f"missing; expected one of {allowed}")
        self.fail(key, f"expected one of {allowed}; got {describe_value(value)}")

    def day(self, key: str) -> date | None:
        value = self.data.get(key)
        if value is None:
            return None
        expected = "expected a date like 2026-12-01"
        if isinstance(value, datetime | time):
            self.fail(key, f"{expected}, got {describe_value(value)}")
        if isinstance(value, date):
            return date(value.year, value.month, value.day)
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.fail(key, f"{expected}, got {describe_value(value)}")

    def required_moment(self, key: str) -> datetime:
        if self.data.get(key) is None:
            self.fail(key, "missing; expected a date and time like 2026-12-01T09:30:00Z")
        found = self.moment(key)
        assert found is not None
        return found

    def moment(self, key: str) -> datetime | None:
        value = self.data.get(key)
        if value is None:
            return None
        expected = "expected a date and time like 2026-12-01T09:30:00Z"
        if isinstance(value, datetime):
            return as_utc(plain_datetime(value))
        if isinstance(value, str):
            text = value.strip()
            try:
                parsed = datetime.fromisoformat(text)
            except ValueError:
                parsed = None
            # A bare date string parses as midnight; refuse it like a TOML date, for symmetry.
            if parsed is not None and ("T" in text.upper() or " " in text):
                return as_utc(parsed)
        self.fail(key, f"{expected}, got {describe_value(value)}")

    def money(self, key: str) -> Decimal | None:
        value = self.data.get(key)
        if value is None:
            return None
        expected = "expected an amount like 12.50"
        amount: Decimal | None = None
        if isinstance(value, bool):
            amount = None
        elif isinstance(value, int):
            amount = Decimal(int(value))
        elif isinstance(value, float):
            amount = Decimal(repr(float(value))) if math.isfinite(value) else None
        elif isinstance(value, str):
            try:
                amount = Decimal(value.strip())
            except InvalidOperation:
                amount = None
        if amount is None or not amount.is_finite():
            self.fail(key, f"{expected}, got {describe_value(value)}")
        return amount

    def evidence(self, key: str) -> dict[str, JSONValue]:
        value = self.value(key, (Mapping,), "a table of plain values", None)
        if value is None:
            return {}
        return json_table(value, lambda: self.child(key))


WORDING = Wording(error=CodecError, quote_keys=True)


def json_table(value: Mapping[str, Any], where: Callable[[], str]) -> dict[str, JSONValue]:
    out: dict[str, JSONValue] = {}
    for k, v in value.items():
        key = str(k)
        # Plain scalars (from tomli, or from the codec itself) need no conversion; the path
        # of a value is only worked out when it is needed.
        if type(v) in PLAIN_SCALARS:
            out[key] = v
        else:
            out[key] = _json_value(v, _Path(where, key))
    return out


def is_plain(value: Any) -> bool:
    """Whether ``value`` is a dict that :func:`json_table` would return unchanged: text keys,
    and values that are plain scalars, or dicts and lists of them, all of exactly those types."""
    if type(value) is not dict:
        return False
    for k, v in value.items():
        kind = type(v)
        if type(k) is not str or not (
            kind in PLAIN_SCALARS
            or (kind is dict and is_plain(v))
            or (kind is list and _plain_list(v))
        ):
            return False
    return True


def _plain_list(value: list[Any]) -> bool:
    for v in value:
        kind = type(v)
        if not (
            kind in PLAIN_SCALARS
            or (kind is dict and is_plain(v))
            or (kind is list and _plain_list(v))
        ):
            return False
    return True


class _Path:
    """A dotted path computed only when asked for (``str(path)``)."""

    __slots__ = ("_key", "_where")

    def __init__(self, where: Callable[[], str], key: str | int) -> None:
        self._where = where
        self._key = key

    def __call__(self) -> str:
        return join_key(self._where(), self._key)


def _json_value(value: Any, path: _Path) -> JSONValue:
    # Tables and arrays first, by exact type: most values that get here are one of those, and
    # the isinstance checks below (an abstract class among them) cost more than the copy.
    kind = type(value)
    if kind is dict:
        return json_table(value, path)
    if kind is list:
        return [
            v if type(v) in PLAIN_SCALARS else _json_value(v, _Path(path, i))
            for i, v in enumerate(value)
        ]
    if isinstance(value, str):
        return plain_str(value)
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, datetime | date | time):
        # Evidence is JSON-like data; a date written by hand is kept as its ISO text.
        return value.isoformat()
    if isinstance(value, Mapping):
        return json_table(value, path)
    if isinstance(value, list):
        return [
            v if type(v) in PLAIN_SCALARS else _json_value(v, _Path(path, i))
            for i, v in enumerate(value)
        ]
    raise CodecError(path(), f"expected plain data, got {describe_value(value)}")


def plain_str(value: str) -> str:
    # tomlkit hands out str subclasses tied to the document; the model holds plain strings.
    return value if type(value) is str else str.__str__(value)


def plain_datetime(value: datetime) -> datetime:
    """``value`` as a plain :class:`datetime` (tomlkit hands out a document-bound subclass)."""
    return datetime(
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
        value.microsecond,
        tzinfo=value.tzinfo,
    )

"""Reading parsed TOML against a schema: typed accessors whose errors name the key path.

Every file launch-tui reads by hand — session files (``core/session_codec``), the playbook
(``core/playbook``), sandbox worlds (``sandbox/loader``) and the provider fingerprints
(``checks/audit/fingerprints``) — is walked with one :class:`Table`: it hands out values of the
type asked for, and refuses anything else with an error that names the dotted key path of the
value (``hosts[2].routes[0].status``, ``people[1].id``) and says what was expected and found.

Each format keeps its own wording (its messages are part of the user interface and are held by
tests), given once as a :class:`Wording`: which exception to raise and how it names the file,
how a found value is described, and how keys are joined into a path. A format's own value types
(a session's timestamps, a world's header tables) are methods of a subclass of :class:`Table`,
so the walking, the type checks and the unknown-key checks are written once. No I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Final, NoReturn, Self

__all__ = [
    "REQUIRED",
    "Table",
    "Wording",
    "describe_value",
    "join_key",
    "show_text",
]


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Final[Any] = _Required()
"""Pass as an accessor's ``default`` to make the key required."""

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def join_key(prefix: str, part: str | int) -> str:
    """Extend a dotted key path: ``join_key("people", 2)`` is ``people[2]``.

    Key segments that are not bare TOML keys are quoted (``evidence."content-type"``), so the
    path can be matched against the text of the file.
    """
    if isinstance(part, int):
        return f"{prefix}[{part}]"
    segment = part if _BARE_KEY.fullmatch(part) else _quote(part)
    return f"{prefix}.{segment}" if prefix else segment


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in escaped)
    return f'"{escaped}"'


def _join_plain(prefix: str, part: str | int) -> str:
    if isinstance(part, int):
        return f"{prefix}[{part}]"
    return f"{prefix}.{part}" if prefix and part else (part or prefix)


def show_text(text: str, limit: int = 60) -> str:
    """A string quoted for an error message: escaped, and cut when long."""
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return repr(shown)


def describe_value(value: Any) -> str:
    """What a value is, with the value itself, for "expected X, got Y" messages."""
    if isinstance(value, str):
        return f"string {show_text(value)}"
    if isinstance(value, bool):
        return f"boolean {'true' if value else 'false'}"
    if isinstance(value, int):
        return f"integer {int(value)}"
    if isinstance(value, float):
        return f"number {float(value)!r}"
    if isinstance(value, datetime):
        return f"date and time {value.isoformat()}"
    if isinstance(value, date):
        return f"date {value.isoformat()}"
    if isinstance(value, time):
        return f"time {value.isoformat()}"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__


def _missing(what: str) -> str:
    return f"missing; expected {what}"


def _as_is(key: str) -> str:
    return key


@dataclass(frozen=True)
class Wording:
    """How one file format words its errors."""

    error: Callable[[str, str], Exception]
    """Builds the exception for a key path (``""`` for the top) and a reason; it adds the file."""
    describe: Callable[[Any], str] = describe_value
    """How a value of the wrong type is described (``string 'x'``, ``an integer``)."""
    found: str = "got"
    """The word between what was expected and what was found."""
    missing: Callable[[str], str] = _missing
    """The reason for a required key that is absent, given what was expected."""
    quote_keys: bool = False
    """Quote key segments that are not bare TOML keys (:func:`join_key`), or join them as they
    are (paths such as ``headers.X-Id`` passed whole)."""
    show_key: Callable[[str], str] = _as_is
    """How an unknown key is shown in the path of its error."""
    join: Callable[[str, str | int], str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "join", join_key if self.quote_keys else _join_plain)


class Table:
    """A parsed TOML table being read, with where it was found, for error messages.

    The path is worked out only when an error needs it: most tables are read without one.
    Accessors record the keys they were asked for, so :meth:`done` can refuse the rest.
    """

    __slots__ = ("_key", "_parent", "_used", "data", "wording")

    def __init__(
        self,
        data: Mapping[str, Any],
        wording: Wording,
        parent: Table | None = None,
        key: str | int | _Element = "",
    ) -> None:
        self.data = data
        self.wording = wording
        self._parent = parent
        self._key = key
        self._used: set[str] | None = None

    @property
    def path(self) -> str:
        """The dotted key path of this table (``""`` at the top)."""
        if self._parent is None:
            return ""
        if isinstance(self._key, _Element):
            return f"{self._parent.path}[{self._key.label}]"
        return self.wording.join(self._parent.path, self._key)

    def child(self, key: str | int) -> str:
        """The key path of ``key`` in this table."""
        return self.wording.join(self.path, key)

    def error(self, key: str | int | None, reason: str) -> Exception:
        """The format's error for the value at ``key`` (``None`` or ``""``: this table)."""
        return self.wording.error(self.path if key is None else self.child(key), reason)

    def fail(self, key: str | int | None, reason: str) -> NoReturn:
        """Raise :meth:`error`."""
        raise self.error(key, reason)

    def sub(self, data: Mapping[str, Any], key: str | int | _Element) -> Self:
        """A table read from ``data``, found at ``key`` in this one."""
        return type(self)(data, self.wording, self, key)

    def _mark(self, key: str) -> None:
        if self._used is None:
            self._used = {key}
        else:
            self._used.add(key)

    def has(self, key: str) -> bool:
        """Whether the key is present."""
        return key in self.data

    def raw(self, key: str) -> Any:
        """The value at ``key`` unchecked (``None`` when absent), for values read by hand."""
        self._mark(key)
        return self.data.get(key)

    def value(self, key: str, kinds: tuple[type, ...], what: str, default: Any = REQUIRED) -> Any:
        """The value at ``key`` when it is one of ``kinds`` (``what`` words them), or ``default``.

        ``True`` is not an integer here, though Python says it is.
        """
        self._mark(key)
        value = self.data.get(key)
        if value is None:
            if default is REQUIRED:
                raise self.error(key, self.wording.missing(what))
            return default
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise self.error(key, self._wrong(what, value))
        return value

    def _wrong(self, what: str, value: Any) -> str:
        return f"expected {what}, {self.wording.found} {self.wording.describe(value)}"

    def string(self, key: str, default: Any = "", *, what: str = "a string") -> str:
        """A string."""
        value = self.value(key, (str,), what, default)
        # tomlkit hands out str subclasses tied to the document; callers keep plain strings.
        return value if type(value) is str or not isinstance(value, str) else str.__str__(value)

    def strings(self, key: str, *, what: str = "an array of strings") -> tuple[str, ...]:
        """An array of strings (empty when absent)."""
        items = self.value(key, (list,), what, None)
        if items is None:
            return ()
        for index, item in enumerate(items):
            if not isinstance(item, str):
                where = self.wording.join(self.child(key), index)
                raise self.wording.error(where, self._wrong("a string", item))
        return tuple(item if type(item) is str else str.__str__(item) for item in items)

    def integer(self, key: str, default: Any = REQUIRED, *, what: str = "an integer") -> int:
        """An integer (not a boolean)."""
        value: int = self.value(key, (int,), what, default)
        return value

    def number(self, key: str, default: Any = REQUIRED, *, what: str = "a number") -> float:
        """An integer or a float, as a float."""
        value = self.value(key, (int, float), what, default)
        if isinstance(value, int | float):
            return float(value)
        absent: float = value  # the caller's default
        return absent

    def boolean(self, key: str, default: Any = REQUIRED, *, what: str = "true or false") -> bool:
        """``true`` or ``false``."""
        value: bool = self.value(key, (bool,), what, default)
        return value

    def table(self, key: str, required: bool = False, *, what: str = "a table") -> Self | None:
        """The table at ``key``; ``None`` when it is absent and not required."""
        value = self.value(key, (Mapping,), what, REQUIRED if required else None)
        return None if value is None else self.sub(value, key)

    def tables(
        self,
        key: str,
        *,
        what: str = "an array of tables",
        required: bool = False,
        label: Callable[[Any, int], str] | None = None,
    ) -> list[Self]:
        """The tables of an array of tables (empty when absent and not required), all checked.

        ``label`` names an element in paths (``stages[delivery]``); by default its index.
        """
        return list(self.each_table(key, what=what, required=required, label=label))

    def each_table(
        self,
        key: str,
        *,
        what: str = "an array of tables",
        required: bool = False,
        label: Callable[[Any, int], str] | None = None,
    ) -> Iterator[Self]:
        """:meth:`tables` one at a time: an element of the wrong type is refused when reached."""
        items = self.value(key, (list,), what, REQUIRED if required else None)
        if items is None:
            return
        array = self.sub({}, key)
        for index, item in enumerate(items):
            segment: str | int | _Element = index if label is None else _Element(label(item, index))
            if not isinstance(item, Mapping):
                at = type(self)({}, self.wording, array, segment)
                raise self.wording.error(at.path, self._wrong("a table", item))
            yield type(self)(item, self.wording, array, segment)

    def unknown(self, allowed: Iterable[str] | None = None) -> list[str]:
        """Keys not in ``allowed`` (by default: keys no accessor asked for), in file order."""
        known = (self._used or set()) if allowed is None else set(allowed)
        return [str(key) for key in self.data if key not in known]

    def only(self, *allowed: str) -> None:
        """Refuse the first key not in ``allowed``: in a hand-written file, it is a typo."""
        for key in self.unknown(allowed):
            self.fail(
                self.wording.show_key(key), f"unknown key; expected one of {', '.join(allowed)}"
            )

    def done(self) -> None:
        """Refuse the first key no accessor asked for (a typo, or a key from a newer schema)."""
        for key in self.unknown():
            self.fail(key, "unknown key")


@dataclass(frozen=True)
class _Element:
    """An element of an array of tables named by a label rather than its index."""

    label: str

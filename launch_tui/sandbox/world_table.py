"""The strict reader of world files, and the values a world's keys hold (names, ports, origins).

Every key must be consumed and every value has its type checked; errors are
:class:`~launch_tui.sandbox.world.WorldError` naming the file and the key path.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from launch_tui.core.toml_schema import Table, Wording
from launch_tui.sandbox.world import WorldError

__all__ = [
    "HEADER_TOKEN",
    "WorldTable",
    "check_loopback",
    "checked_cert_name",
    "checked_name",
    "checked_origin",
    "checked_port",
    "describe_toml_value",
    "world_wording",
]

_E = TypeVar("_E")
_LABEL = r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?"
_DNS_NAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*$")
HEADER_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


class WorldTable(Table):
    """A world table being read: every key must be consumed, every value has its type checked."""

    __slots__ = ()

    def integer(
        self, key: str, default: Any = 0, minimum: int | None = None, *, what: str = "an integer"
    ) -> int:
        value = super().integer(key, default, what=what)
        if minimum is not None and value < minimum:
            self.fail(key, f"must be at least {minimum}, got {value}")
        return value

    def opt_int(self, key: str) -> int | None:
        value: int | None = self.value(key, (int,), "an integer", None)
        return value

    def number(
        self, key: str, default: Any = 0.0, minimum: float | None = None, *, what: str = "a number"
    ) -> float:
        value = super().number(key, default, what=what)
        if minimum is not None and value < minimum:
            self.fail(key, f"must be at least {minimum}, got {value}")
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        return self.strings(key, what="a list of strings")

    def enum(self, key: str, kind: Callable[[str], _E], choices: Iterable[str], default: Any) -> _E:
        choices = tuple(choices)
        value = self.value(key, (str,), "a string", default)
        if isinstance(value, str):
            if value not in choices:
                self.fail(key, f"expected one of {', '.join(choices)}, got {value!r}")
            return kind(value)
        result: _E = value
        return result

    def headers(self, key: str) -> tuple[tuple[str, str], ...]:
        """A table of header name -> value or list of values (for repeated headers)."""
        table = self.value(key, (Mapping,), "a table of headers", {})
        out: list[tuple[str, str]] = []
        for name, value in table.items():
            where = f"{key}.{name}"
            if not HEADER_TOKEN.match(name):
                self.fail(where, "not a valid header name")
            values = value if isinstance(value, list) else [value]
            for item in values:
                if not isinstance(item, str):
                    self.fail(
                        where, f"expected a string or strings, got {describe_toml_value(item)}"
                    )
                if "\r" in item or "\n" in item:
                    self.fail(where, "header values cannot contain CR or LF")
                out.append((name, item))
        return tuple(out)


def world_wording(source: str) -> Wording:
    def error(path: str, reason: str) -> WorldError:
        return WorldError(f"{source}: {path or '(top)'}: {reason}")

    return Wording(error=error, describe=describe_toml_value)


def describe_toml_value(value: object) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}
    names |= {list: "an array", dict: "a table"}
    return names.get(type(value), type(value).__name__)


def checked_name(t: WorldTable, key: str, value: str) -> str:
    name = value.strip().rstrip(".").lower()
    if not _DNS_NAME.match(name):
        raise t.error(key, f"not a DNS name: {value!r}")
    return name


def checked_cert_name(t: WorldTable, value: str) -> str:
    """A certificate name: a DNS name, optionally with a leading ``*.`` wildcard label."""
    if value.startswith("*."):
        return "*." + checked_name(t, "cert_names", value[2:])
    return checked_name(t, "cert_names", value)


def check_loopback(t: WorldTable, key: str, value: str) -> None:
    try:
        ip = ipaddress.IPv4Address(value)
    except ValueError:
        raise t.error(key, f"not an IPv4 address: {value!r}") from None
    if not ip.is_loopback:
        raise t.error(key, f"the sandbox stays on loopback; {value} is not in 127.0.0.0/8")


def checked_port(t: WorldTable) -> int:
    port = t.integer("port", 0)
    if not 0 <= port <= 65535:
        raise t.error("port", f"must be 0-65535, got {port}")
    return port


def checked_origin(t: WorldTable, key: str, value: str) -> str:
    if value and not re.fullmatch(r"https?://[a-z0-9.-]+(:\d+)?/?", value):
        raise t.error(key, f"expected an origin like https://www.example.test, got {value!r}")
    return value.rstrip("/")

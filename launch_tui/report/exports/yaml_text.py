"""A small block-style YAML writer for the configuration files we export.

Every string is written double-quoted with JSON escapes (a JSON string is a valid YAML
double-quoted scalar), so no value can start a comment, an anchor or another document; keys are
plain only when they are simple identifiers. Numbers and booleans are written as themselves.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
YamlValue = str | int | float | bool | None | Sequence["YamlValue"] | Mapping[str, "YamlValue"]


def dump(value: YamlValue, header: str = "") -> str:
    """``value`` as a YAML document; ``header`` lines become ``#`` comments on top."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    lines.extend(_block(value, 0))
    return "\n".join(lines) + "\n"


def scalar(value: str | int | float | bool | None) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    return json.dumps(value, ensure_ascii=True)


def _key(key: str) -> str:
    return key if _PLAIN_KEY.match(key) and key not in ("true", "false", "null") else scalar(key)


def _block(value: YamlValue, indent: int) -> list[str]:
    pad = " " * indent
    if isinstance(value, Mapping):
        if not value:
            return [pad + "{}"]
        out: list[str] = []
        for key, item in value.items():
            if _is_scalar(item) or _empty(item):
                out.append(f"{pad}{_key(key)}: {_inline(item)}")
            else:
                out.append(f"{pad}{_key(key)}:")
                out.extend(_block(item, indent + 2))
        return out
    if isinstance(value, Sequence) and not isinstance(value, str):
        if not value:
            return [pad + "[]"]
        out = []
        for item in value:
            if _is_scalar(item) or _empty(item):
                out.append(f"{pad}- {_inline(item)}")
            else:
                nested = _block(item, indent + 2)
                out.append(f"{pad}- {nested[0].lstrip()}")
                out.extend(nested[1:])
        return out
    return [pad + _inline(value)]


def _is_scalar(value: YamlValue) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _empty(value: YamlValue) -> bool:
    return isinstance(value, Mapping | list | tuple) and not value


def _inline(value: YamlValue) -> str:
    if isinstance(value, Mapping):
        return "{}"
    if isinstance(value, list | tuple):
        return "[]"
    assert value is None or isinstance(value, str | int | float | bool)
    return scalar(value)

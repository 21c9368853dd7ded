"""New array-of-tables entries written as TOML text in one pass, not built from tomlkit items.

Building a tomlkit table for each new ``[[results]]`` entry costs 2-3 ms (item objects, and a
container that re-checks its keys on every insert): a second or more for an audit of a large
site, on the thread that saves. Most entries hold only plain values (text, numbers, dates, flat
lists, nested tables of those), which this module writes straight to text, laid out exactly as
the tomlkit route lays them out (a test compares the two). Anything else (a key that needs
quotes, a string with control characters or line breaks, a list of tables) returns ``None`` and
the caller builds that entry the tomlkit way.

The text goes into the document as a :class:`TextEntry`: an array-of-tables entry whose body is
held as text (in the header's trailing trivia, so every way of rendering the document writes
it). Its structure is not known to tomlkit, so an edit that reaches one re-writes its text
(:func:`entry_text` again) or, when the new value is not plain, :meth:`TextEntry.materialize`
parses it into ordinary items first. Hand edits never live in a ``TextEntry``: a file changed
on disk is parsed afresh before it is merged.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import tomli
import tomlkit
from tomlkit.container import Container
from tomlkit.items import Table, Trivia

__all__ = ["TextEntry", "entry_text", "texts_read_back"]

_BARE = re.compile(r"[A-Za-z0-9_-]+\Z")


class _NotPlain(Exception):
    """A value this module does not write (the caller uses tomlkit)."""


class TextEntry(Table):
    """An array-of-tables entry whose content is text (see the module docstring)."""

    def __init__(self, body: str) -> None:
        super().__init__(Container(), Trivia(trail="\n" + body), is_aot_element=True)
        self.text: str | None = body

    def set_text(self, body: str) -> None:
        """Replace the entry's content with ``body`` (from :func:`entry_text`)."""
        assert self.text is not None
        self.text = body
        self.trivia.trail = "\n" + body

    def materialize(self, prefix: str) -> None:
        """Turn the text into ordinary tomlkit items (the same text), so it can be edited."""
        if self.text is None:
            return
        parsed = tomlkit.parse(f"[[{prefix}]]\n{self.text}")
        table = parsed[prefix][0]
        after = list(self.value.body)  # blank lines and comments moved below this entry
        self.value.body.clear()
        self.value._map.clear()
        for key, item in table.value.body:
            self.value.append(key, item)
        for _, item in after:
            self.value.append(None, item)
        self.trivia.trail = table.trivia.trail
        self.text = None


def entry_text(prefix: str, entry: Mapping[str, Any], defaults: Mapping[str, Any]) -> str | None:
    """The lines of a new ``[[prefix]]`` entry (after its header), or ``None`` when it holds
    something only tomlkit writes. Keys whose value equals their default are left out, as the
    tomlkit route leaves them out."""
    lines: list[str] = []
    try:
        kept = {k: v for k, v in entry.items() if not (k in defaults and _same(defaults[k], v))}
        _table(lines, prefix, kept, header=False)
    except _NotPlain:
        return None
    return "".join(lines)


def texts_read_back(texts: list[tuple[str, str, dict[str, Any]]]) -> bool:
    """Whether entries written as text (array path, text, data without defaults) parse back as
    their data: the parse check of a save, on the new text only (the rest of the file was
    already checked, or changed only in values)."""
    combined = "".join(f"[[{path}]]\n{text}" for path, text, _ in texts)
    try:
        parsed = tomli.loads(combined)
    except tomli.TOMLDecodeError:
        return False
    seen: dict[str, int] = {}
    for path, _, data in texts:
        index = seen.get(path, 0)
        seen[path] = index + 1
        entries = parsed.get(path)
        if not isinstance(entries, list) or index >= len(entries):
            return False
        if entries[index] != data and _normal(entries[index]) != _normal(data):
            return False
    return True


def _normal(value: Any) -> Any:
    """``value`` with datetimes in UTC, as they are written (with a ``Z``)."""
    if isinstance(value, Mapping):
        return {k: _normal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


#: Keys as written, by key: an audit's entries repeat the same few hundred keys.
_KEYS: dict[str, str] = {}


def _key(key: Any) -> str:
    if type(key) is str:
        known = _KEYS.get(key)
        if known is not None:
            return known
    elif not isinstance(key, str):
        raise _NotPlain
    written = key if _BARE.match(key) else _string(key)  # quoted as tomlkit quotes a key
    if type(key) is str and len(_KEYS) < 4096:
        _KEYS[key] = written
    return written


def _table(
    lines: list[str], path: str, table: Mapping[str, Any], *, header: bool, blank: bool = False
) -> None:
    """Values first, then tables, as tomlkit lays out a table built key by key: a table is
    set off by a blank line unless it came first in its parent (nothing there before it when
    it was added), and a table holding only tables has no header of its own (its blank line
    still comes before its first child)."""
    values = []
    tables = []
    for index, (key, value) in enumerate(table.items()):
        if _is_table(value):
            tables.append((index, key, value))
        else:
            values.append((key, value))
    if header:
        if values or not tables:
            lines.append(f"{chr(10) if blank else ''}[{path}]\n")
        elif blank:
            lines.append("\n")
    for key, value in values:
        lines.append(f"{_key(key)} = {_value(value)}\n")
    for index, key, value in tables:
        child = f"{path}.{_key(key)}"
        if isinstance(value, list):
            _array_of_tables(lines, child, value, blank=index > 0)
        else:
            _table(lines, child, value, header=True, blank=index > 0)


def _is_table(value: Any) -> bool:
    # Plain data from the codec: dicts, not other mappings (isinstance on the ABC is slow).
    if type(value) is dict:
        return True
    return type(value) is list and bool(value) and all(type(v) is dict for v in value)


def _array_of_tables(lines: list[str], path: str, entries: list[Any], *, blank: bool) -> None:
    """A list of tables (a scanner's findings), as tomlkit writes it: each entry after the
    first set off by a blank line, each laid out as :func:`_built_table`."""
    for index, entry in enumerate(entries):
        lines.append(f"{chr(10) if blank or index else ''}[[{path}]]\n")
        _built_table(lines, path, entry)


def _built_table(lines: list[str], path: str, table: Mapping[str, Any]) -> None:
    """The body of a table tomlkit builds from a whole value (an entry of a list of tables and
    what it holds): plain values first, then lists and tables in their order, each table set
    off by a blank line. A list after a table, a table holding only tables and an empty table
    are left to tomlkit."""
    plain = [(k, v) for k, v in table.items() if not isinstance(v, dict | list)]
    nested = [(k, v) for k, v in table.items() if isinstance(v, dict | list)]
    for key, value in plain:
        lines.append(f"{_key(key)} = {_value(value)}\n")
    seen_table = False
    for key, value in nested:
        child = f"{path}.{_key(key)}"
        if _is_table(value):
            seen_table = True
            if isinstance(value, list):
                _array_of_tables(lines, child, value, blank=True)
            elif not value or all(isinstance(v, dict) for v in value.values()):
                raise _NotPlain
            else:
                lines.append(f"\n[{child}]\n")
                _built_table(lines, child, value)
        elif seen_table:
            raise _NotPlain
        else:
            lines.append(f"{_key(key)} = {_value(value)}\n")


#: Types whose values :func:`_value` writes as one scalar (checked by exact type: fast).
_SCALARS = frozenset({str, bool, int, float, datetime, date})


def _value(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return _string(value)
    if kind is int:
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _NotPlain
        return str(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, datetime):
        moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return moment.replace(tzinfo=None).isoformat() + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        if any(type(v) not in _SCALARS and isinstance(v, Mapping | list) for v in value):
            raise _NotPlain  # a list of tables inside a list, or of lists
        items = [_value(v) for v in value]
        if len(value) > 3 and sum(len(str(v)) for v in value) > 60:
            return "[\n" + "".join(f"    {item},\n" for item in items) + "]"
        return "[" + ", ".join(items) + "]"
    raise _NotPlain


def _string(text: str) -> str:
    if not text.isprintable():
        raise _NotPlain  # control characters and line breaks: tomlkit's escapes and layouts
    if '"' in text or "\\" in text:
        text = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'

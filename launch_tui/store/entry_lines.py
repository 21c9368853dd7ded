"""Changing an array-of-tables entry read from the file as text (``store/document_split.py``)
by editing its lines, so that what was added by hand stays and the save costs what changed.

A re-run changes a result's timestamp and duration (its status, summary and evidence at times):

* a changed plain value is one line, ``key = literal``: the line that holds what launch-tui writes
  for the old value is replaced by the one for the new value (removed when the new value is
  the default, which is not written; added after the entry's last value when there was none,
  if the key appears nowhere in the entry). Replacing a whole key/value line by another for the
  same key changes the file's data by that value only; the new literal is read back by the
  save's check (``Literals.new``);
* changed tables (evidence) replace the entry's lines from its first table header on with what
  launch-tui writes for them, when those lines hold no comment (none to keep) and the values'
  lines name none of the tables; those tables are checked by the save's check as an entry of
  their own (``store/text_check.py``), which they are after the values' lines.

The values' lines are those before the entry's first line that starts with ``[``: when they hold
a ``[`` themselves (an array, maybe over several lines), they must parse alone as values, so that
they end where the tables start. Anything else (a value not on its own line as launch-tui writes
it, a comment among the tables) returns ``None``: the caller parses the entry into tomlkit items
and edits them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import tomli

from launch_tui.store.entry_text import EntryText, EntryWriter

__all__ = ["edit_lines"]

_FIRST_HEADER = re.compile(r"^[ \t]*\[", re.MULTILINE)
_MISSING: Any = object()


def edit_lines(
    text: str,
    path: str,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    defaults: Mapping[str, Any],
    writer: EntryWriter,
) -> tuple[str, EntryText | None] | None:
    """The entry's lines changed from ``before`` to ``after`` (plain data), with the tables
    written anew when they changed (an entry of those tables alone, for the save's check);
    ``None`` when the change cannot be made on the lines (see the module)."""
    found = _FIRST_HEADER.search(text)
    split = len(text) if found is None else found.start()
    head, tables = text[:split], text[split:]
    if "[" in head and not _only_values(head):
        return None  # an array, maybe over several lines: where the values end is not sure
    tables_changed = False
    for key in {**before, **after}:
        old, new = before.get(key, _MISSING), after.get(key, _MISSING)
        if _same(old, new):
            continue
        if _is_table(old) or _is_table(new):
            tables_changed = True
            continue
        edited = _edit_value(
            head, key, _written(old, key, defaults), _written(new, key, defaults), writer
        )
        if edited is None:
            return None
        head = edited
    if not tables_changed:
        return head + tables, None
    if "#" in tables or '"""' in tables or "'''" in tables:
        return None
    if not _headers_known(tables, path, before):
        return None  # a table added by hand (not in the data): parsed into items, kept
    written = writer.entry(path, after, defaults)
    if written is None:
        return None
    # The values' lines end where the tables start, and name none of the tables: the tables'
    # lines (checked as an entry of their own) then read the same after them.
    if not head.endswith("\n") or any(_mentions(head, k) for k in after if _is_table(after[k])):
        return None
    fresh = EntryText(path, written.blocks[1:])
    return head + fresh.text, fresh


def _written(value: Any, key: str, defaults: Mapping[str, Any]) -> Any:
    """``value`` as it is in the file: absent when it is the default (not written)."""
    if value is _MISSING or (key in defaults and _same(defaults[key], value)):
        return _MISSING
    return value


def _edit_value(head: str, key: str, old: Any, new: Any, writer: EntryWriter) -> str | None:
    if old is _MISSING and new is _MISSING:
        return head
    if old is _MISSING:
        if _mentions(head, key):
            return None
        line = writer.line(key, new)
        if line is None:
            return None
        body = head.rstrip("\n \t")
        cut = head.find("\n", len(body))
        if not body or cut < 0:
            return None
        return head[: cut + 1] + line + head[cut + 1 :]
    was = writer.line(key, old)
    if was is None:
        return None
    at = _line_at(head, was)
    if at is None:
        return None
    line = "" if new is _MISSING else writer.line(key, new)
    if line is None:
        return None
    return head[:at] + line + head[at + len(was) :]


def _line_at(head: str, line: str) -> int | None:
    """Where ``line`` (ending with its line break) is in ``head`` as a whole line, when it is
    there once; ``None`` otherwise."""
    starts = [0] if head.startswith(line) else []
    at = head.find("\n" + line)
    while at >= 0:
        starts.append(at + 1)
        at = head.find("\n" + line, at + 1)
    return starts[0] if len(starts) == 1 else None


def _headers_known(tables: str, path: str, before: Mapping[str, Any]) -> bool:
    """Whether every header among the entry's tables names one of the tables of ``before``
    (``[path.evidence]``, ``[[path.evidence.findings]]``...), so that writing those tables
    anew loses nothing: a table whose key launch-tui does not read (``[path.notes]`` added by
    hand) is in no data, and would be dropped."""
    names = tuple(
        f"{path}.{key}" for key, value in before.items() if type(key) is str and _is_table(value)
    )
    for found in _FIRST_HEADER.finditer(tables):
        end = tables.find("\n", found.end())
        line = tables[found.end() : len(tables) if end < 0 else end].lstrip("[").strip()
        if not any(
            line.startswith(name) and line[len(name) : len(name) + 1] in (".", "]")
            for name in names
        ):
            return False
    return True


def _mentions(head: str, key: str) -> bool:
    return key in head


def _only_values(head: str) -> bool:
    """Whether ``head`` parses alone as values, no table among them (so it ends where the
    entry's first table header starts, not inside an array that spans lines)."""
    try:
        parsed = tomli.loads(head)
    except tomli.TOMLDecodeError:
        return False
    return not any(_is_table(v) or type(v) is dict for v in parsed.values())


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _is_table(value: Any) -> bool:
    return type(value) is dict or (
        type(value) is list and bool(value) and all(type(v) is dict for v in value)
    )

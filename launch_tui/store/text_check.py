"""The parse check of entries written as text, at the cost of what is new in them.

A save never writes text that does not parse, and entries written as text
(``store/entry_text.py``) are checked to read back as their data. Parsing every new entry whole
cost ~45 ms of a ~120 ms save of a x8 world's 1,096 results, though most of that text is the
same few dozen layouts filled with different values. :class:`TextCheck` parses what is new:

* the **skeleton** of an entry (its text with a hole where each literal goes): the first entry
  with a skeleton not seen before (its *witness*) is parsed whole and compared with its data,
  as before; the skeleton itself is parsed once with the holes numbered, and must read as a
  table whose leaves are exactly those numbers (so each hole is a value of its own, not part of
  a key, a string or a header);
* each **literal** not seen before (``"text"``, ``12``, ``2026-12-07T06:06:15Z``, ``[1, 2]``):
  all of them in one array, each compared with the value it was written for (same type, same
  value; datetimes as instants).

Why that proves the whole entry parses as it did for the witness, with these values: TOML's
grammar is a sequence of expressions, each ended by a line break; a key/value line's value is
one ``val`` whose extent it determines itself, and what follows it depends only on the keys and
headers around it, never on which value it is (the skeleton's leaves are all non-table values,
as the literals are: a literal that reads as a table fails the comparison). An array element
and a key/value line take the same ``val``; the one difference (an array lets a line break or a
comment come first) is refused up front: a literal must start with the value itself. A
literal that is more than one value, or carries a following line, changes the array's length
or fails to parse. Entries that share a skeleton with a witness were laid out by the same code
from the same keys, so the values land where the witness's did.

An entry whose skeleton did not pass is parsed whole. Blocks of text reused from the last save
(the evidence of a re-run) were checked then: only their new neighbours are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import tomli

from launch_tui.store.entry_text import Block, EntryText

__all__ = ["TextCheck", "texts_read_back"]

_MISSING: Any = object()
_MAX_LITERALS = 1 << 16
"""Literals remembered per open session (a x8 audit writes ~6,000 distinct ones)."""
_NOT_FIRST = frozenset(" \t\r\n#,]")


def texts_read_back(texts: Sequence[tuple[str, str, Mapping[str, Any]]]) -> bool:
    """Whether entries written as text (array path, text, data without defaults) parse back as
    their data, all parsed at once, whole."""
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


class TextCheck:
    """The skeletons and literals already checked for one open session (see the module)."""

    def __init__(self) -> None:
        self._skeletons: set[str] = set()
        self._literals: dict[str, Any] = {}

    def verify(self, texts: Sequence[tuple[str, EntryText, Mapping[str, Any]]]) -> bool:
        """Whether every entry (array path, its text, its data without defaults) parses as
        part of the file and reads back as its data. Remembers what it checked when so."""
        known = self._skeletons
        fresh: dict[str, list[tuple[str, EntryText, Mapping[str, Any]]]] = {}
        by_literals: list[EntryText] = []
        for item in texts:
            path, entry, _ = item
            skeleton = f"{path}\n{entry.skeleton}"
            if skeleton in known:
                by_literals.append(entry)
            else:
                fresh.setdefault(skeleton, []).append(item)
        proven = _skeletons_hold(fresh)
        whole: list[tuple[str, str, Mapping[str, Any]]] = []
        for skeleton, items in fresh.items():
            if skeleton in proven:
                by_literals.extend(entry for _, entry, _ in items)
            else:
                whole.extend((path, entry.text, data) for path, entry, data in items)
        known_literals = self._literals
        if len(known_literals) > _MAX_LITERALS:
            known_literals.clear()
        pending: dict[str, None] = {}
        blocks: list[Block] = []
        for entry in by_literals:
            for block in entry.blocks:
                if not block.checked:
                    blocks.append(block)
                    pending.update(dict.fromkeys(block.literals))
        new = [lit for lit in pending if lit not in known_literals]
        if new and not self._read_literals(new):
            return False
        if not all(_read_as_written(block, known_literals) for block in blocks):
            return False
        if whole and not texts_read_back(whole):
            return False
        known.update(proven)
        for block in blocks:
            block.checked = True
        return True

    def _read_literals(self, literals: list[str]) -> bool:
        """Parse new literals (all at once, as the elements of one array) and remember what
        each reads as; ``False`` when one is not a value on its own."""
        if any(not lit or lit[0] in _NOT_FIRST for lit in literals):
            return False
        try:
            parsed = tomli.loads("v = [\n" + ",\n".join(literals) + ",\n]\n")
        except tomli.TOMLDecodeError:
            return False
        values = parsed.get("v")
        if not isinstance(values, list) or len(values) != len(literals):
            return False
        self._literals.update(zip(literals, values, strict=True))
        return True


def _read_as_written(block: Block, known: Mapping[str, Any]) -> bool:
    """Whether each of the block's literals reads as the value it was written for."""
    got = list(map(known.get, block.literals))  # None where unknown: no value is None
    values = block.values
    if got == values and list(map(type, got)) == list(map(type, values)):
        return True
    return all(_equal(have, value) for have, value in zip(got, values, strict=True))


def _skeletons_hold(
    fresh: Mapping[str, Sequence[tuple[str, EntryText, Mapping[str, Any]]]],
) -> set[str]:
    """The new skeletons (keyed as in :meth:`TextCheck.verify`) that parse with each hole a
    value of its own (holes numbered in order read back as exactly those numbers, as leaves),
    and whose first entry (the witness) reads back as its data, its values put at the leaves."""
    if not fresh:
        return set()
    docs = []
    for items in fresh.values():
        path, entry, _ = items[0]
        count = sum(len(block.literals) for block in entry.blocks)
        docs.append(f"[[{path}]]\n{entry.skeleton % tuple(range(count))}")
    try:
        parsed = tomli.loads("".join(docs))
    except tomli.TOMLDecodeError:
        return set()  # each entry is then parsed whole, and fails or passes on its own
    proven = set()
    seen: dict[str, int] = {}
    for skeleton, items in fresh.items():
        path, entry, data = items[0]
        index = seen.get(path, 0)
        seen[path] = index + 1
        entries = parsed.get(path)
        if not isinstance(entries, list) or index >= len(entries):
            continue
        values = [value for block in entry.blocks for value in block.values]
        leaves: list[int] = []
        if not _leaves(entries[index], leaves) or sorted(leaves) != list(range(len(values))):
            continue
        filled = _fill(entries[index], values)
        if filled == data or _normal(filled) == _normal(data):
            proven.add(skeleton)
    return proven


def _leaves(table: Mapping[str, Any], out: list[int]) -> bool:
    """Collect the integer leaves of a parsed skeleton; ``False`` on any other leaf."""
    for value in table.values():
        if type(value) is dict:
            if not _leaves(value, out):
                return False
        elif type(value) is list and value and all(type(v) is dict for v in value):
            for item in value:
                if not _leaves(item, out):
                    return False
        elif type(value) is int:
            out.append(value)
        else:
            return False
    return True


def _fill(template: Any, values: list[Any]) -> Any:
    """A parsed skeleton with each numbered leaf replaced by its value."""
    if type(template) is dict:
        return {k: _fill(v, values) for k, v in template.items()}
    if type(template) is list:
        return [_fill(v, values) for v in template]
    return values[template]


def _equal(got: Any, want: Any) -> bool:
    """``got`` (parsed) is ``want`` (written): same type and value; datetimes as instants."""
    if type(want) is datetime:
        if type(got) is not datetime or got.tzinfo is None:
            return False
        return bool(got == (want.replace(tzinfo=UTC) if want.tzinfo is None else want))
    if type(want) is list:
        return (
            type(got) is list
            and len(got) == len(want)
            and all(_equal(g, w) for g, w in zip(got, want, strict=True))
        )
    return type(got) is type(want) and bool(got == want)


def _normal(value: Any) -> Any:
    """``value`` with datetimes in UTC, as they are written (with a ``Z``)."""
    if isinstance(value, Mapping):
        return {k: _normal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value

"""New array-of-tables entries written as TOML text in one pass, not built from tomlkit items.

Building a tomlkit table for each new ``[[results]]`` entry costs 2-3 ms (item objects, and a
container that re-checks its keys on every insert): a second or more for an audit of a large
site, on the thread that saves. Most entries hold only plain values (text, numbers, dates, flat
lists, nested tables of those), which this module writes straight to text, laid out exactly as
the tomlkit route lays them out (a test compares the two). Anything else (a key that needs
quotes, a string with control characters or line breaks, a list of tables) returns ``None`` and
the caller builds that entry the tomlkit way.

An entry is written (:class:`EntryWriter`) as :class:`Block` s of lines: the entry's own values,
then each of its tables (a re-run's unchanged evidence reuses its block). A block keeps its
*skeleton* (the lines with a hole for each literal) and the values of its literals, for the
save's check (``store/text_check.py``), which parses what is new: a layout once, a value's
literal once per open session (:class:`Literals`).

The text goes into the document as a :class:`TextEntry`: an array-of-tables entry whose body is
held as text (in the header's trailing trivia, so every way of rendering the document writes
it). Its structure is not known to tomlkit, so an edit that reaches one re-writes its text
(:meth:`EntryWriter.entry` again) or, when the new value is not plain, :meth:`TextEntry.materialize`
parses it into ordinary items first. A ``TextEntry`` also holds an entry's lines as read from
the file (``store/document_split.py``, ``from_file``), which may hold hand edits: those are
edited line by line (``store/entry_lines.py``) or parsed into items, never rewritten whole.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import tomlkit
from tomlkit.container import Container
from tomlkit.items import Table, Trivia

__all__ = ["Block", "EntryText", "EntryWriter", "Literals", "TextEntry", "entry_text"]

_BARE = re.compile(r"[A-Za-z0-9_-]+\Z")


class _NotPlain(Exception):
    """A value this module does not write (the caller uses tomlkit)."""


class TextEntry(Table):
    """An array-of-tables entry whose content is text (see the module docstring)."""

    def __init__(self, body: str, *, from_file: bool = False) -> None:
        super().__init__(Container(), Trivia(trail="\n" + body), is_aot_element=True)
        self.text: str | None = body
        self.from_file = from_file
        """The entry's lines as read from the file (``store/document_split.py``), maybe
        edited by hand; ``False`` once launch-tui wrote them."""

    def set_text(self, body: str, *, from_file: bool = False) -> None:
        """Replace the entry's content with ``body`` (from :func:`entry_text`, or the file's
        lines edited: ``from_file``)."""
        assert self.text is not None
        self.text = body
        self.trivia.trail = "\n" + body
        self.from_file = from_file

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
            # As a table adds a key: its container and its mapping (``node.get``, ``del``).
            self.raw_append(key, item)
        for _, item in after:
            self.value.append(None, item)
        self.trivia.trail = table.trivia.trail
        self.text = None


class Literals:
    """The literal written for each plain value, and which of them the store's check has read
    back (``store/text_check.py``).

    An audit's entries repeat the same values (statuses, check ids, URLs, true and false):
    a value is written, and its literal parsed, once per open session. ``new`` lists what was
    written since the last check passed, which the next check reads back.
    """

    # Not floats: 0.0 and -0.0 are one key, and two literals. Lists of text, as tuples.
    _KINDS = (str, int, bool, datetime, list)
    _LIMIT = 1 << 16

    def __init__(self) -> None:
        self.by_kind: dict[type, dict[Any, str]] = {kind: {} for kind in self._KINDS}
        self.new: list[tuple[str, Any]] = []
        """(literal, value) written and not read back yet."""

    def passed(self) -> None:
        """The check read back every new literal as its value."""
        self.new = []
        if sum(map(len, self.by_kind.values())) > self._LIMIT:
            self.by_kind = {kind: {} for kind in self._KINDS}

    def failed(self) -> None:
        """Forget what was written since the last check passed (it may not read back)."""
        for _, value in self.new:
            known = self.by_kind.get(type(value))
            if known is not None:
                if type(value) is list:
                    if not all(type(v) is str for v in value):
                        continue
                    value = tuple(value)
                known.pop(value, None)
        self.new = []


#: A list of tables cut short in what the save's check proves: where it is in the entry (its
#: keys, through tables only), the indices of the elements kept, and how many were written.
Trim = tuple[tuple[str, ...], tuple[int, ...], int]


class Block:
    """A run of whole lines of an entry's text: its skeleton (the lines with a ``%s`` where
    each literal goes, ``%`` written ``%%``), its text, and the values of its literals.

    ``proof_skeleton`` and ``proof_values`` are what the save's check parses and compares
    (``store/text_check.py``): the skeleton and values themselves, or, when a list of tables
    repeats the layout of its second element, those without the repeats (``trims`` says
    which elements are left), so that a list of 200 findings is proven as a list of two.
    """

    __slots__ = ("proof_skeleton", "proof_values", "skeleton", "text", "trims", "values")

    def __init__(
        self,
        skeleton: str,
        literals: list[str],
        values: list[Any],
        proof: tuple[str, list[Any], tuple[Trim, ...]] | None = None,
    ) -> None:
        self.skeleton = skeleton
        self.values = values
        self.text = skeleton % tuple(literals)
        self.trims: tuple[Trim, ...]
        if proof is None:
            self.proof_skeleton, self.proof_values, self.trims = skeleton, values, ()
        else:
            self.proof_skeleton, self.proof_values, self.trims = proof


class EntryText:
    """The text of one new or rewritten entry, after its ``[[path]]`` header: its blocks, and
    ``shown``, the entry's data without the keys left out as defaults (what the text reads
    back as)."""

    __slots__ = ("blocks", "path", "shown", "text")

    def __init__(self, path: str, blocks: list[Block], shown: dict[str, Any] | None = None) -> None:
        self.path = path
        self.blocks = blocks
        self.text = "".join([b.text for b in blocks])
        self.shown: dict[str, Any] = {} if shown is None else shown

    @property
    def skeleton(self) -> str:
        return "".join([b.skeleton for b in self.blocks])

    @property
    def proof_skeleton(self) -> str:
        """The skeleton the save's check proves (see :class:`Block`)."""
        return "".join([b.proof_skeleton for b in self.blocks])


class _Out:
    """Lines being written: the skeleton's lines, the literals, the values."""

    __slots__ = ("cuts", "ints", "known", "literals", "new", "out", "strings", "trims", "values")

    def __init__(self, known: Literals) -> None:
        self.known = known.by_kind
        self.strings = self.known[str]
        self.ints = self.known[int]
        self.new = known.new
        self.out: list[str] = []
        self.literals: list[str] = []
        self.values: list[Any] = []
        self.cuts: list[tuple[int, int, int, int]] = []
        """Repeated elements left out of the proof: their ranges in ``out`` and ``values``."""
        self.trims: list[Trim] = []

    def pairs(self, pairs: list[tuple[Any, Any]]) -> None:
        out = self.out.append
        literals = self.literals.append
        values = self.values.append
        lines = _LINES
        strings = self.strings
        ints = self.ints
        bools = self.known[bool]
        for key, value in pairs:
            out(lines.get(key) or _line(key))
            kind = type(value)
            if kind is str:
                literal = strings.get(value)
                if literal is None:
                    if value.isprintable() and '"' not in value and "\\" not in value:
                        literal = f'"{value}"'
                    else:
                        literal = _string(value)
                    strings[value] = literal
                    self.new.append((literal, value))
            elif kind is int:
                literal = ints.get(value)
                if literal is None:
                    literal = ints[value] = str(value)
                    self.new.append((literal, value))
            elif kind is bool:
                literal = bools.get(value)
                if literal is None:
                    literal = bools[value] = "true" if value else "false"
                    self.new.append((literal, value))
            elif kind is float and value - value == 0:  # finite (inf - inf and nan are nan)
                # Not kept (0.0 and -0.0 are one key): durations and sizes rarely repeat.
                literal = repr(value)
                self.new.append((literal, value))
            else:
                literal = self.literal(value)
            literals(literal)
            values(value)

    def literal(self, value: Any) -> str:
        kind = type(value)
        key = value
        if kind is list:
            # A list of text (often empty) is looked up as a tuple: lists cannot be keys.
            key = tuple(value) if all(type(v) is str for v in value) else None
        known = self.known.get(kind) if key is not None else None
        literal = None if known is None else known.get(key)
        if literal is None:
            literal = _value(value)
            if known is not None:
                known[key] = literal
            self.new.append((literal, value))
        return literal

    def header(self, text: str) -> None:
        self.out.append(text.replace("%", "%%") if "%" in text else text)

    def block(self) -> Block:
        skeleton = "".join(self.out)
        if not self.cuts:
            return Block(skeleton, self.literals, self.values)
        pieces: list[str] = []
        values: list[Any] = []
        at = held = 0
        for start, end, first, last in self.cuts:
            pieces += self.out[at:start]
            values += self.values[held:first]
            at, held = end, last
        pieces += self.out[at:]
        values += self.values[held:]
        proof = ("".join(pieces), values, tuple(self.trims))
        return Block(skeleton, self.literals, self.values, proof)


class EntryWriter:
    """Writes entries as text, reusing the text of tables it wrote at the last save.

    A re-run changes a result's timestamps and duration but rarely its evidence; the store
    keeps the evidence's plain data (the very same dict) when the evidence did not change
    (``store/session_encoder.py``), so the block written for it (and checked) is reused. The
    cache holds the dicts themselves, so an id is never reused for another while cached; it
    keeps what the last save used.
    """

    def __init__(self, literals: Literals | None = None) -> None:
        self.literals = Literals() if literals is None else literals
        self._blocks: dict[int, tuple[Any, str, bool, Block]] = {}
        self._used: dict[int, tuple[Any, str, bool, Block]] = {}

    def line(self, key: Any, value: Any) -> str | None:
        """``key = literal`` and its line break, as in an entry; ``None`` when the value is not
        one this module writes. The literal is read back at the save's check, when new."""
        out = _Out(self.literals)
        try:
            out.pairs([(key, value)])
        except _NotPlain:
            return None
        return out.block().text

    def begin(self) -> None:
        """A save starts: what an unfinished one wrote is not reused."""
        self._used = {}
        self.literals.failed()

    def done(self) -> None:
        """A save was written with the text checked: keep only the blocks it used."""
        self._blocks, self._used = self._used, {}

    def forget(self) -> None:
        """The check failed: reuse nothing written since it last passed."""
        self._blocks, self._used = {}, {}
        self.literals.failed()

    def entry(
        self, prefix: str, entry: Mapping[str, Any], defaults: Mapping[str, Any]
    ) -> EntryText | None:
        """The text of a ``[[prefix]]`` entry (after its header), or ``None`` when it holds
        something only tomlkit writes. Keys whose value equals their default are left out, as
        the tomlkit route leaves them out."""
        try:
            head = _Out(self.literals)
            plain: list[tuple[Any, Any]] = []
            tables: list[tuple[bool, Any, Any]] = []
            shown: dict[str, Any] = {}
            for key, value in entry.items():
                if key in defaults and _same(defaults[key], value):
                    continue
                shown[key] = value
                kind = type(value)
                if kind is dict or (kind is list and _is_table(value)):
                    tables.append((len(tables) + len(plain) > 0, key, value))
                else:
                    plain.append((key, value))
            head.pairs(plain)
            blocks = [head.block()]
            for blank, key, value in tables:
                blocks.append(self._table_block(key, f"{prefix}.{_key(key)}", value, blank))
        except _NotPlain:
            return None
        return EntryText(prefix, blocks, shown)

    def _table_block(self, key: str, path: str, value: Any, blank: bool) -> Block:
        known = self._blocks.get(id(value)) or self._used.get(id(value))
        if known is not None and known[0] is value and known[1] == path and known[2] == blank:
            block = known[3]
        else:
            out = _Out(self.literals)
            if isinstance(value, list):
                _array_of_tables(out, path, value, blank=blank, keys=((), key))
            else:
                _table(out, path, value, header=True, blank=blank, keys=((), key))
            block = out.block()
        self._used[id(value)] = (value, path, blank, block)
        return block


def entry_text(prefix: str, entry: Mapping[str, Any], defaults: Mapping[str, Any]) -> str | None:
    """The lines of a new ``[[prefix]]`` entry (after its header), or ``None`` when it holds
    something only tomlkit writes (see :meth:`EntryWriter.entry`)."""
    written = EntryWriter().entry(prefix, entry, defaults)
    return None if written is None else written.text


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


#: Keys as written, by key: an audit's entries repeat the same few hundred keys.
_KEYS: dict[str, str] = {}
#: A key's line in a skeleton, by key.
_LINES: dict[str, str] = {}


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


def _line(key: Any) -> str:
    if type(key) is str:
        known = _LINES.get(key)
        if known is not None:
            return known
    written = _key(key)
    line = f"{written.replace('%', '%%')} = %s\n"
    if type(key) is str and len(_LINES) < 4096:
        _LINES[key] = line
    return line


def _table(
    out: _Out,
    path: str,
    table: Mapping[str, Any],
    *,
    header: bool,
    blank: bool = False,
    keys: _Keys,
) -> None:
    """Values first, then tables, as tomlkit lays out a table built key by key: a table is
    set off by a blank line unless it came first in its parent (nothing there before it when
    it was added), and a table holding only tables has no header of its own (its blank line
    still comes before its first child). ``keys``: where the table is in the entry."""
    values = []
    tables = []
    for index, (key, value) in enumerate(table.items()):
        kind = type(value)
        if kind is dict or (kind is list and _is_table(value)):
            tables.append((index, key, value))
        else:
            values.append((key, value))
    if header:
        if values or not tables:
            out.header(f"{chr(10) if blank else ''}[{path}]\n")
        elif blank:
            out.header("\n")
    out.pairs(values)
    for index, key, value in tables:
        child = f"{path}.{_key(key)}"
        if isinstance(value, list):
            _array_of_tables(out, child, value, blank=index > 0, keys=(keys, key))
        else:
            _table(out, child, value, header=True, blank=index > 0, keys=(keys, key))


def _is_table(value: Any) -> bool:
    # Plain data from the codec: dicts, not other mappings (isinstance on the ABC is slow).
    if type(value) is dict:
        return True
    return (
        type(value) is list
        and bool(value)
        and type(value[0]) is dict
        and all(type(v) is dict for v in value)
    )


def _array_of_tables(
    out: _Out, path: str, entries: list[Any], *, blank: bool, keys: _Keys | None = None
) -> None:
    """A list of tables (a scanner's findings), as tomlkit writes it: each entry after the
    first set off by a blank line, each laid out as :func:`_built_table`.

    With ``keys`` (where the list is in the entry, reached through tables only), each element
    after the second whose lines are the second's with other values is left out of what the
    save's check proves (:meth:`_Out.block`): a ``[[path]]`` header opens a new element of the
    list, everything up to the next header is that element's, and what follows the list is
    the next key of the enclosing table, so an element laid out as the one before it parses
    as it did, wherever the list ends."""
    if keys is None or len(entries) < 3:  # nothing to leave out
        for index, entry in enumerate(entries):
            out.header(f"{chr(10) if blank or index else ''}[[{path}]]\n")
            _built_table(out, path, entry)
        return
    second: list[str] | None = None
    kept: list[int] = []
    for index, entry in enumerate(entries):
        at, held = len(out.out), len(out.values)
        out.header(f"{chr(10) if blank or index else ''}[[{path}]]\n")
        _built_table(out, path, entry)
        lines = out.out[at:] if index else None  # the element's lines, as written
        if index >= 2 and lines == second:
            out.cuts.append((at, len(out.out), held, len(out.values)))
            continue
        kept.append(index)
        if index == 1:
            second = lines
    if len(kept) < len(entries):
        out.trims.append((_flat(keys), tuple(kept), len(entries)))


#: Where a table is in an entry, built as it is walked: (the parent's, key), the entry's own
#: tables' parent being ``()`` (a tuple per level, flattened only for a list cut short).
_Keys = tuple[Any, str]


def _flat(keys: _Keys) -> tuple[str, ...]:
    out: list[str] = []
    node: Any = keys
    while node:
        node, key = node
        out.append(key)
    return tuple(reversed(out))


def _built_table(out: _Out, path: str, table: Mapping[str, Any]) -> None:
    """The body of a table tomlkit builds from a whole value (an entry of a list of tables and
    what it holds): plain values first, then lists and tables in their order, each table set
    off by a blank line. A list after a table, a table holding only tables and an empty table
    are left to tomlkit."""
    plain = []
    nested = []
    for item in table.items():
        kind = type(item[1])
        if kind is dict or kind is list or isinstance(item[1], dict | list):
            nested.append(item)
        else:
            plain.append(item)
    out.pairs(plain)
    seen_table = False
    for key, value in nested:
        child = f"{path}.{_key(key)}"
        if _is_table(value):
            seen_table = True
            if isinstance(value, list):
                _array_of_tables(out, child, value, blank=True)
            elif not value or all(isinstance(v, dict) for v in value.values()):
                raise _NotPlain
            else:
                out.header(f"\n[{child}]\n")
                _built_table(out, child, value)
        elif seen_table:
            raise _NotPlain
        else:
            out.pairs([(key, value)])


#: Types whose values :func:`_value` writes as one scalar (checked by exact type: fast).
_SCALARS = frozenset({str, bool, int, float, datetime, date})


def _value(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return _string(value)
    if kind is int:
        return str(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is float and math.isfinite(value):
        return str(value)
    if kind is datetime:
        return _datetime(value)
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
        return _datetime(value)
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


def _datetime(value: datetime) -> str:
    if value.tzinfo is UTC:  # what the codec gives (as_utc): "+00:00" is the last 6 characters
        return value.isoformat()[:-6] + "Z"
    moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return moment.replace(tzinfo=None).isoformat() + "Z"


def _string(text: str) -> str:
    if not text.isprintable():
        raise _NotPlain  # control characters and line breaks: tomlkit's escapes and layouts
    if '"' in text or "\\" in text:
        text = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'

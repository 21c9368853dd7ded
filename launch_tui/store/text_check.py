"""The parse check of entries written as text, at the cost of what is new in them.

A save never writes text that does not parse, and entries written as text
(``store/entry_text.py``) are checked to read back as their data. Parsing every new entry whole
cost ~45 ms of a ~120 ms save of a x8 world's 1,096 results, though that text is a few dozen
layouts filled with a few thousand distinct values. :class:`TextCheck` parses what is new:

* the **skeleton** of an entry (its text with a hole where each literal goes): the first entry
  with a skeleton not seen before (its *witness*) must read back as its data: the skeleton is
  parsed with its holes numbered, must read as a table whose leaves are exactly those numbers
  (so each hole is a value of its own, not part of a key, a string or a header), and with the
  witness's values put at the leaves must equal the witness's data. A list of tables whose
  elements after the second are laid out as the second is proven as its first two elements
  (``Block.proof_skeleton``; the witness's list cut to the same elements, and holding as many
  as the text): a scan's 200 findings are one layout, not 200 lines of skeleton to parse, and
  an entry with 3 findings shares its proof with one with 40 (a x8 save's skeletons: 60 -> 41
  KB to parse);
* each **literal** written since the last check (``Literals.new``: ``"text"``, ``12``,
  ``2026-12-07T06:06:15Z``, ``[1, 2]``; a value already read back is written with the same
  literal and not checked again), compared with the value it was written for (same type, same
  value; datetimes as instants). Most are of a few simple forms, each checked on its own
  (:func:`_reads_as`): text with nothing to escape, a decimal integer, ``true``/``false``, a
  float as Python writes one, a UTC date-time or a date. Such a literal must match, whole, the
  TOML grammar's rule for its kind (an anchored pattern over ASCII, a subset of the rule), and
  Python's own parser for the kind must read it back as the value: what a TOML parser would
  prove, without one (the literal check of a x8 save's ~5,500 new literals: 17 -> 7 ms). The
  literals of one kind are checked together (:func:`_not_simple`: one pattern match over them
  joined by line breaks, resumed past each literal that stops it, which is then checked alone;
  one comparison of the lists).
  The others (text with escapes, lists, anything that did not pass) are parsed by tomli, all at
  once, as the elements of one array.

Why that proves an entry parses as its witness did, with its own values: TOML's grammar is a
sequence of expressions, each ended by a line break; a key/value line's value is one ``val``
whose extent it determines itself, and what follows depends only on the keys and headers around
it, never on which value it is (the skeleton's leaves are all non-table values, and so are the
literals: one that reads as a table fails the comparison). An array element and a key/value
line take the same ``val``; the one difference (an array lets a line break or a comment come
first) is refused up front: a literal must start with the value itself. A literal that is more
than one value, or carries a following line, changes the array's length or fails to parse.
Entries that share a skeleton with a witness were laid out by the same code from the same keys,
so their values land where the witness's did; so do the elements of a list left out of its
proof, each laid out as the element proven before it (why it parses as that one did:
``entry_text._array_of_tables``), their literals checked as every other.

An entry whose skeleton does not pass is parsed whole, as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import tomli

from launch_tui.store.entry_text import EntryText, Literals

__all__ = ["TextCheck", "texts_read_back"]

_NOT_FIRST = frozenset(" \t\r\n#,]")
_MAX_SKELETONS = 4096


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

    def verify(
        self, texts: Sequence[tuple[str, EntryText, Mapping[str, Any]]], literals: Literals
    ) -> bool:
        """Whether every entry (array path, its text, its data without defaults) parses as
        part of the file and reads back as its data, the literals written since the last
        check (``literals.new``) included. Remembers what it checked when so."""
        known = self._skeletons
        fresh: dict[str, list[tuple[str, EntryText, Mapping[str, Any]]]] = {}
        for item in texts:
            path, entry, _ = item
            skeleton = f"{path}\n{entry.proof_skeleton}"
            if skeleton not in known:
                fresh.setdefault(skeleton, []).append(item)
        proven = _skeletons_hold(fresh)
        whole = [
            (path, entry.text, data)
            for skeleton, items in fresh.items()
            if skeleton not in proven
            for path, entry, data in items
        ]
        if literals.new and not _literals_read_back(literals.new):
            return False
        if whole and not texts_read_back(whole):
            return False
        if len(known) + len(proven) > _MAX_SKELETONS:
            known.clear()  # layouts are few; this only bounds a session that keeps changing
        known.update(proven)
        literals.passed()
        return True


def _literals_read_back(pairs: list[tuple[str, Any]]) -> bool:
    """Whether each literal reads as the value it was written for: of a simple form, on its own
    (:func:`_reads_as`); else parsed (all at once, as the elements of one array); ``False``
    too when one is not a value on its own."""
    pairs = _not_simple(pairs)
    if not pairs:
        return True
    literals = list(dict.fromkeys([lit for lit, _ in pairs]))
    if any(not lit or lit[0] in _NOT_FIRST for lit in literals):
        return False
    try:
        parsed = tomli.loads("v = [\n" + ",\n".join(literals) + ",\n]\n")
    except tomli.TOMLDecodeError:
        return False
    values = parsed.get("v")
    if not isinstance(values, list) or len(values) != len(literals):
        return False
    read = dict(zip(literals, values, strict=True))
    for lit, want in pairs:
        got = read[lit]
        if (type(got) is not type(want) or got != want) and not _equal(got, want):
            return False
    return True


# The TOML grammar's rules for the simple forms (RFC-style ABNF in toml.io/en/v1.0.0), narrowed
# to what the writer makes: ASCII digits only (\d would take any script's), no underscores.
# basic-string without escapes: any character but a quote, a backslash, a control character
# other than tab (not written either) or a surrogate.
_BASIC = re.compile(r'"[^"\\\x00-\x1f\x7f\ud800-\udfff]*"\Z')
_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)\Z")  # dec-int, no plus sign
_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?\Z")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")  # full-date
_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{6})?Z\Z"
)  # offset-date-time, in UTC
_INT64 = 1 << 63
# The same rules, as one literal per line (for _not_simple). A float needs a fraction or an
# exponent (an integer is not a float in TOML).
_BASICS = re.compile(r'(?:"[^"\\\x00-\x1f\x7f\ud800-\udfff]*"\n)*')
_INTEGERS = re.compile(r"(?:-?(?:0|[1-9][0-9]*)\n)*")
_FLOATS = re.compile(r"(?:-?(?:0|[1-9][0-9]*)(?:\.[0-9]+(?:e[+-]?[0-9]+)?|e[+-]?[0-9]+)\n)*")
_DATETIMES = re.compile(
    r"(?:[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{6})?Z\n)*"
)


def _text(lit: str, want: str) -> bool:
    return _BASIC.match(lit) is not None and lit[1:-1] == want


def _integer(lit: str, want: int) -> bool:
    return -_INT64 <= want < _INT64 and _INTEGER.match(lit) is not None and int(lit) == want


def _boolean(lit: str, want: bool) -> bool:
    return lit == ("true" if want else "false")


def _float(lit: str, want: float) -> bool:
    # An integer is not a float in TOML: a fraction or an exponent must be there.
    # Compared as written, so that -0.0 is not 0.0.
    return (
        ("." in lit or "e" in lit)
        and _FLOAT.match(lit) is not None
        and repr(float(lit)) == repr(want)
    )


def _date_time(lit: str, want: datetime) -> bool:
    if _DATETIME.match(lit) is None:
        return False
    try:
        return _equal(datetime.fromisoformat(lit), want)
    except ValueError:  # no such day or time: tomli refuses it too
        return False


def _date(lit: str, want: date) -> bool:
    if _DATE.match(lit) is None:
        return False
    try:
        return date.fromisoformat(lit) == want
    except ValueError:
        return False


_SIMPLE: dict[type, Callable[[str, Any], bool]] = {
    str: _text,
    int: _integer,
    bool: _boolean,
    float: _float,
    datetime: _date_time,
    date: _date,
}


def _not_simple(pairs: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The pairs whose literal :func:`_reads_as` does not pass, the others checked a kind at a
    time: the literals of one kind, joined by line breaks (which none of the simple forms can
    hold), matched against the kind's rule for one literal per line, each literal that stops
    the match checked on its own, the others read back as a list and compared with the values
    (a kind whose list does not compare is checked literal by literal)."""
    kinds: dict[type, tuple[list[str], list[Any]]] = {}
    rest = []
    for pair in pairs:
        kind = type(pair[1])
        if kind in _MANY:
            found = kinds.get(kind)
            if found is None:
                found = kinds[kind] = ([], [])
            found[0].append(pair[0])
            found[1].append(pair[1])
        else:
            rest.append(pair)
    for kind, (lits, wants) in kinds.items():
        rule, read = _MANY[kind]
        rest.extend((lits[i], wants[i]) for i in _failing(rule, read, lits, wants))
    return [(lit, want) for lit, want in rest if not _reads_as(lit, want)]


def _failing(
    rule: re.Pattern[str],
    read: Callable[[list[str], list[Any]], bool],
    lits: list[str],
    wants: list[Any],
) -> Sequence[int]:
    """The indices of the literals of one kind that are not proven together (see
    :func:`_not_simple`)."""
    every = range(len(lits))
    text = "\n".join(lits) + "\n"
    if text.count("\n") != len(lits):
        return every  # a literal of several lines: each one on its own
    bad = _unmatched(rule, text, lits)
    if bad:
        skip = set(bad)
        kept = [i for i in every if i not in skip]
        lits, wants = [lits[i] for i in kept], [wants[i] for i in kept]
    return bad if read(lits, wants) else every


def _unmatched(rule: re.Pattern[str], text: str, lits: list[str]) -> list[int]:
    """The indices of the lines of ``text`` (``lits``, one per line) where a match of
    ``rule`` (any number of whole lines) stops, each skipped to go on with the next."""
    end = rule.match(text)
    assert end is not None  # the rule matches no lines at all
    at = end.end()
    if at == len(text):
        return []
    starts = {}
    offset = 0
    for index, lit in enumerate(lits):
        starts[offset] = index
        offset += len(lit) + 1
    bad = []
    while at < len(text):
        index = starts[at]  # the rule only ever ends at the end of a line
        bad.append(index)
        end = rule.match(text, at + len(lits[index]) + 1)
        assert end is not None
        at = end.end()
    return bad


def _texts(lits: list[str], wants: list[Any]) -> bool:
    return [lit[1:-1] for lit in lits] == wants


def _integers(lits: list[str], wants: list[Any]) -> bool:
    return all(-_INT64 <= want < _INT64 for want in wants) and list(map(int, lits)) == wants


def _floats(lits: list[str], wants: list[Any]) -> bool:
    # Compared as written (repr), so that -0.0 is not 0.0.
    return list(map(repr, map(float, lits))) == list(map(repr, wants))


def _date_times(lits: list[str], wants: list[Any]) -> bool:
    try:
        # Instants compared (a naive value is never equal to what is read: it is then checked
        # on its own, as UTC).
        return list(map(datetime.fromisoformat, lits)) == wants
    except ValueError:  # no such day or time
        return False


#: The kinds checked a kind at a time (see :func:`_not_simple`): the rule for one literal per
#: line, and how the literals that match it read back as their values. The others one by one.
_MANY: dict[type, tuple[re.Pattern[str], Callable[[list[str], list[Any]], bool]]] = {
    str: (_BASICS, _texts),
    int: (_INTEGERS, _integers),
    float: (_FLOATS, _floats),
    datetime: (_DATETIMES, _date_times),
}


def _reads_as(lit: str, want: Any) -> bool:
    """Whether ``lit`` is of a simple form of ``want``'s kind (see the module) and reads as
    ``want``; ``False`` says only that tomli must decide."""
    check = _SIMPLE.get(type(want))
    return check is not None and check(lit, want)


def _skeletons_hold(
    fresh: Mapping[str, Sequence[tuple[str, EntryText, Mapping[str, Any]]]],
) -> set[str]:
    """The new skeletons (keyed as in :meth:`TextCheck.verify`) that parse with each hole a
    value of its own (holes numbered in order read back as exactly those numbers, as leaves),
    and whose first entry (the witness) reads back as its data, its values put at the leaves."""
    if not fresh:
        return set()
    docs = []
    try:
        for items in fresh.values():
            path, entry, _ = items[0]
            count = sum(len(block.proof_values) for block in entry.blocks)
            docs.append(f"[[{path}]]\n{entry.proof_skeleton % tuple(range(count))}")
        parsed = tomli.loads("".join(docs))
    except (tomli.TOMLDecodeError, TypeError, ValueError):
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
        values = [value for block in entry.blocks for value in block.proof_values]
        leaves: list[int] = []
        if not _leaves(entries[index], leaves) or sorted(leaves) != list(range(len(values))):
            continue
        filled = _fill(entries[index], values)
        witness: Mapping[str, Any] | None = data
        for block in entry.blocks:
            for keys, kept, written in block.trims:
                witness = _trimmed(witness, keys, kept, written)
        if witness is None:
            continue
        if filled == witness or _normal(filled) == _normal(witness):
            proven.add(skeleton)
    return proven


def _trimmed(
    data: Mapping[str, Any] | None, keys: tuple[str, ...], kept: tuple[int, ...], written: int
) -> dict[str, Any] | None:
    """``data`` with the list at ``keys`` cut to the elements ``kept`` (copied along the way,
    never changed in place); ``None`` (the witness fails) where there is no such list or it
    does not hold as many elements as the text (``written``)."""
    child = data.get(keys[0]) if type(data) is dict else None
    if len(keys) > 1:
        cut: Any = _trimmed(child, keys[1:], kept, written)
    elif type(child) is list and len(child) == written:
        cut = [child[i] for i in kept]
    else:
        return None
    return None if cut is None or data is None else {**data, keys[0]: cut}


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

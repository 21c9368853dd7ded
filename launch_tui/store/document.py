"""The session file as a TOML document: parse it, point at its keys, and change it in place.

A session file is edited by people as well as by the app, so the app never regenerates it.
:func:`parse_document` keeps the tomlkit document; :func:`apply_changes` rewrites only the keys
whose values differ between two versions of the session's plain data, so comments, blank lines,
key order, quoting and unknown keys survive a save. Entries of arrays of tables are matched by
identity (people by ``id``, results by ``(check, target)``: see ``ARRAYS`` in the codec), so an
entry added in the middle or removed does not disturb its neighbours.

Reading without tomlkit (:func:`decode_text`, :func:`locate`) lives in
:mod:`launch_tui.store.toml_text` and is re-exported here, and parsing to plain data in
:mod:`launch_tui.store.plain_parse`; this module, and tomlkit with it, is only imported when a
document is edited or an error needs tomlkit's own parser.

:class:`Renderer` renders a document the way ``TOMLDocument.as_string`` does, but keeps the text
of sections that did not change; it does so through tomlkit's private rendering helpers
(``_render_table``, ``_render_aot_table``, ``_render_simple_item``, ``_header_less_aots``...),
which tomlkit may change in any release: ``pyproject.toml`` pins tomlkit to the tested releases,
and a test compares its output with ``as_string`` on every kind of edit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.container import (
    Container,
    OutOfOrderTableProxy,
    _header_less_aots,
    _is_empty_aot,
    _render_empty_aot,
)
from tomlkit.exceptions import KeyAlreadyPresent, ParseError, TOMLKitError
from tomlkit.items import (
    AbstractTable,
    AoT,
    Array,
    Comment,
    DateTime,
    InlineTable,
    Item,
    Key,
    Table,
    Trivia,
    Whitespace,
)
from tomlkit.toml_document import TOMLDocument

from launch_tui.core.errors import SessionParseError
from launch_tui.core.session_codec import ARRAYS, STAGE_DEFAULTS, ArraySpec
from launch_tui.core.toml_schema import join_key
from launch_tui.store.toml_text import _CLOSERS, _scan, decode_text, locate

__all__ = [
    "Changes",
    "Renderer",
    "apply_changes",
    "decode_text",
    "locate",
    "merge_data",
    "parse_document",
    "render",
    "to_item",
]

_MISSING: Any = object()

# ---------------------------------------------------------------------------------------------
# Reading


def parse_document(text: str, path: Path) -> TOMLDocument:
    """Parse ``text`` with tomlkit, keeping everything needed to write it back unchanged.

    Raises :class:`SessionParseError` with a line, a column and what was expected.
    """
    try:
        return tomlkit.parse(text)
    except RecursionError:
        raise SessionParseError("values are nested too deeply", path, 1, 1) from None
    except KeyAlreadyPresent as exc:
        raise _duplicate_error(text, path, str(exc)) from None
    except ParseError as exc:
        raise _parse_error(text, path, exc) from None
    except TOMLKitError as exc:
        raise _duplicate_error(text, path, str(exc)) from None
    except Exception as exc:  # tomlkit has no other documented errors; never show a traceback
        raise SessionParseError(f"could not be read as TOML ({exc})", path, 1, 1) from None


_TOMLKIT_POSITION = re.compile(r" at line \d+ col \d+$")


def _parse_error(text: str, path: Path, exc: ParseError) -> SessionParseError:
    message = _TOMLKIT_POSITION.sub("", str(exc))
    line, column = exc.line, exc.col + 1  # tomlkit counts columns from 0
    scan = _scan(text)
    # tomlkit reads past the end of the text as a NUL character.
    at_end = "Unexpected end of file" in message or "'\\x00'" in message
    runs_on = "use \\u000a instead" in message
    if scan.unclosed is not None and (at_end or runs_on):
        line, column, what = scan.unclosed
        message = f"{what} is not closed; expected its closing {_CLOSERS[what]}"
    elif at_end:
        message = "the file ends in the middle of a value; expected the rest of it"
    elif runs_on:
        message = "a string runs past the end of its line; expected its closing quote"
    elif message.startswith("Unexpected character") and _in_header(text, line):
        message = (
            f"{message[len('Unexpected character: ') :]} in a table header; "
            "expected a header like [name] or [[name]] on one line"
        )
    elif message.startswith("Key ") and "already exists" in message:
        return _duplicate_error(text, path, message)
    return SessionParseError(message, path, max(line, 1), max(column, 1))


def _in_header(text: str, line: int) -> bool:
    lines = text.splitlines()
    return 0 < line <= len(lines) and lines[line - 1].lstrip().startswith("[")


def _duplicate_error(text: str, path: Path, message: str) -> SessionParseError:
    scan = _scan(text)
    if scan.duplicate is not None:
        key, line, column = scan.duplicate
        return SessionParseError(
            f"{key} is defined twice; expected each key once", path, line, column
        )
    return SessionParseError(message, path, 1, 1)


# ---------------------------------------------------------------------------------------------
# Writing


@dataclass
class Changes:
    """What :func:`apply_changes` touched, so that :class:`Renderer` re-renders only that."""

    keys: set[str] = field(default_factory=set)
    """Top-level keys whose content changed."""
    entries: set[int] = field(default_factory=set)
    """``id()`` of array-of-tables entries that were changed, added or re-spaced."""
    reshaped: bool = False
    """Tables or arrays were added, removed or replaced (not only values changed in place):
    the kind of edit tomlkit has been seen to render wrongly, so the store parses the result."""


class Renderer:
    """Renders a document to text, reusing the text of what did not change since last time.

    tomlkit renders the whole document on every call, which is most of the cost of a save. Top-
    level sections and array-of-tables entries (a result, a person) keep their last text until
    :func:`apply_changes` reports them changed. The cache holds the items themselves, so an id
    can never be reused for another item while its text is cached. Output is identical to
    ``doc.as_string()`` (the tests check it).
    """

    def __init__(self) -> None:
        self._sections: dict[int, tuple[Item, str]] = {}
        self._entries: dict[int, tuple[Table, str]] = {}

    def render(self, doc: TOMLDocument, changes: Changes | None = None) -> str:
        """The text of ``doc``; ``changes=None`` renders everything afresh."""
        if changes is None:
            self._sections.clear()
            self._entries.clear()
            changes = Changes()
        sections: dict[int, tuple[Item, str]] = {}
        entries: dict[int, tuple[Table, str]] = {}
        parts: list[str] = [_render_empty_aot(p, a) for p, a in _header_less_aots(doc.body)]
        tail = "".join(parts).strip(" ")
        for key, item in doc.body:
            if key is None:
                part = item.as_string()
            elif _is_empty_aot(item):
                continue
            elif isinstance(item, Table | AoT):
                if tail and not tail.endswith("\n") and "\n" not in item.trivia.indent:
                    parts.append("\n")
                    tail = "\n"
                if isinstance(item, AoT):
                    part = self._aot(doc, key, item, changes, entries)
                else:
                    cached = self._sections.get(id(item))
                    if key.key in changes.keys or cached is None or cached[0] is not item:
                        part = doc._render_table(key, item)
                    else:
                        part = cached[1]
                    sections[id(item)] = (item, part)
            else:
                part = doc._render_simple_item(key, item)
            parts.append(part)
            stripped = part.strip(" ")
            if stripped:
                tail = stripped
        self._sections, self._entries = sections, entries
        return "".join(parts)

    def _aot(
        self,
        doc: TOMLDocument,
        key: Key,
        aot: AoT,
        changes: Changes,
        entries: dict[int, tuple[Table, str]],
    ) -> str:
        prefix = key.as_string()
        texts = []
        for table in aot.body:
            cached = self._entries.get(id(table))
            if id(table) in changes.entries or cached is None or cached[0] is not table:
                text = doc._render_aot_table(table, prefix=prefix)
            else:
                text = cached[1]
            entries[id(table)] = (table, text)
            texts.append(text)
        return "".join(texts)


def render(doc: TOMLDocument) -> str:
    """The document's text, rendered afresh."""
    return doc.as_string()


def apply_changes(doc: TOMLDocument, old: Mapping[str, Any], new: Mapping[str, Any]) -> Changes:
    """Change ``doc`` in place from holding ``old`` to holding ``new`` (both plain data).

    ``doc`` must read as ``old`` (missing keys standing for defaults). Keys whose values are
    equal are not touched; keys whose values changed are rewritten where they are; values that
    became ``None`` (absent from ``new``) are removed; new keys go after the last key of their
    table, new tables and entries at the end of their section. Keys ``old`` does not know
    (added by hand) are left alone. Returns what was touched, for :class:`Renderer`.
    """
    updater = _Updater()
    updater.table(doc, old, new, "")
    return updater.changes


def _same(a: Any, b: Any) -> bool:
    # 1 == 1.0 == True in Python, but not in a TOML file.
    return type(a) is type(b) and a == b


class _Updater:
    """Applies a data diff to a document, noting what it touched."""

    def __init__(self) -> None:
        self.changes = Changes()

    def table(self, node: Any, old: Mapping[str, Any], new: Mapping[str, Any], path: str) -> None:
        for key in old:
            if key not in new and key in node:
                self.touch(path, key)
                self.changes.reshaped = True
                del node[key]
        for key, value in new.items():
            before = old.get(key, _MISSING)
            if before is not _MISSING and _same(before, value):
                continue
            self.touch(path, key)
            child = join_key(path, key)
            spec = ARRAYS.get(child)
            if spec is not None and isinstance(value, list):
                self.array(
                    node, key, before if isinstance(before, list) else [], value, spec, child
                )
            elif _scalars(value) and _scalars(before) and isinstance(node.get(key), Array):
                if len(value) != len(before):
                    self.changes.reshaped = True
                _update_scalars(node[key], before, value)
            elif isinstance(value, dict) and (before is _MISSING or isinstance(before, dict)):
                self.subtable(node, key, before, value, child, path)
            else:
                if (
                    not _plain_value(before)
                    or not _plain_value(value)
                    or _is_container(node.get(key))
                ):
                    self.changes.reshaped = True
                _set(node, key, value)

    def touch(self, path: str, key: str) -> None:
        if not path:
            self.changes.keys.add(key)

    def subtable(
        self, node: Any, key: str, before: Any, value: dict[str, Any], child: str, path: str
    ) -> None:
        existing = node.get(key)
        if isinstance(existing, AbstractTable | OutOfOrderTableProxy | Container):
            self.table(existing, before if isinstance(before, dict) else {}, value, child)
            if isinstance(existing, Table) and len(existing) == 0 and existing.is_super_table():
                # A table that was only there as the path to its child tables ([a.b.c] makes
                # a.b implicit) is not written; having lost its last child it would vanish from
                # the file, and an empty table is still a value (hypothesis found this).
                node[key] = tomlkit.table()
                self.changes.reshaped = True
            return
        self.changes.reshaped = True  # a new table, or a value of another kind becomes one
        if existing is not None:
            del node[key]
        template = STAGE_DEFAULTS if path == "stages" else {}
        fresh = tomlkit.inline_table() if _is_inline(node) else tomlkit.table()
        self.table(fresh, before if isinstance(before, dict) else template, value, child)
        # A table that existed before (as defaults) only needs writing when something differs;
        # a new one (a stage, a sub-table of evidence) must exist even when empty.
        if before is _MISSING or len(fresh) > 0:
            _insert(node, key, fresh)

    def array(
        self,
        node: Any,
        key: str,
        before: Sequence[Mapping[str, Any]],
        after: Sequence[Mapping[str, Any]],
        spec: ArraySpec,
        path: str,
    ) -> None:
        existing = node.get(key)
        if len(after) != len(before) or not isinstance(existing, AoT | Array):
            self.changes.reshaped = True
        if not after:
            # An emptied array of tables would be written as `key = []` at the top of the
            # file, away from where it was; removing the key reads back the same.
            if existing is not None:
                del node[key]
            return
        if not isinstance(existing, AoT | Array):
            if existing is not None:
                del node[key]
            array = tomlkit.array() if _is_inline(node) else tomlkit.aot()
            for index, entry in enumerate(after):
                array.append(self.new_entry(array, entry, spec, join_key(path, index)))
            _insert(node, key, array)
            return
        matches = _match(before, after, spec)
        kept = sorted(m for m in matches if m is not None)
        for gone in sorted(set(range(len(before))) - set(kept), reverse=True):
            del existing[gone]
        items: list[Any] = list(existing)
        position = {j: p for p, j in enumerate(kept)}
        reordered = [m for m in matches if m is not None] != kept
        if reordered or None in matches:
            self.changes.reshaped = True
        if reordered:
            del existing[:]
        for index, (entry, j) in enumerate(zip(after, matches, strict=True)):
            entry_path = join_key(path, index)
            if j is None:
                fresh = self.new_entry(existing, entry, spec, entry_path)
                if reordered:
                    existing.append(fresh)
                else:
                    self.insert_entry(existing, index, fresh)
                continue
            current = items[position[j]]
            if not _same(before[j], entry):
                self.changes.entries.add(id(current))
                self.table(current, before[j], entry, entry_path)
            if reordered:
                existing.append(current)

    def new_entry(self, array: Any, entry: Mapping[str, Any], spec: ArraySpec, path: str) -> Any:
        fresh = tomlkit.inline_table() if isinstance(array, Array) else tomlkit.table()
        self.table(fresh, spec.defaults, entry, path)
        self.changes.entries.add(id(fresh))
        return fresh

    def insert_entry(self, array: AoT | Array, index: int, fresh: Any) -> None:
        if isinstance(array, AoT) and len(array) > 0:
            if index == 0:
                fresh.append(None, tomlkit.nl())
            else:
                previous = array[index - 1]
                self.changes.entries.add(id(previous))
                _space_after(previous, fresh)
        array.insert(index, fresh)


def _match(
    before: Sequence[Mapping[str, Any]], after: Sequence[Mapping[str, Any]], spec: ArraySpec
) -> list[int | None]:
    """For each entry of ``after``, the index of the same entry in ``before``, or ``None``.

    Entries are the same when their identity keys are equal (the n-th duplicate matching the
    n-th); an entry whose identity changed but which stayed at the same index is taken as
    renamed, so its comments and hand-added keys survive.
    """

    def identities(entries: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
        seen: dict[tuple[Any, ...], int] = {}
        out = []
        for entry in entries:
            ident = tuple(repr(entry.get(k)) for k in spec.identity)
            count = seen.get(ident, 0)
            seen[ident] = count + 1
            out.append((*ident, count))
        return out

    where = {ident: j for j, ident in enumerate(identities(before))}
    matches: list[int | None] = [where.get(ident) for ident in identities(after)]
    used = {j for j in matches if j is not None}
    for index, j in enumerate(matches):
        if j is None and index < len(before) and index not in used:
            matches[index] = index
            used.add(index)
    return matches


def _plain_value(value: Any) -> bool:
    """A value written on its key's line (not a table, not an array)."""
    return value is not _MISSING and not isinstance(value, dict | list)


def _is_container(item: Any) -> bool:
    return isinstance(item, AbstractTable | OutOfOrderTableProxy | Container | AoT | Array)


def _scalars(value: Any) -> bool:
    return isinstance(value, list) and not any(isinstance(v, dict | list) for v in value)


def _update_scalars(array: Array, before: list[Any], after: list[Any]) -> None:
    """Change an array of plain values element by element, so that its layout and the
    comments between its elements stay."""
    for index in range(min(len(before), len(after))):
        if not _same(before[index], after[index]):
            array[index] = to_item(after[index], inline=True)
    for index in range(len(before) - 1, len(after) - 1, -1):
        del array[index]
    for value in after[len(before) :]:
        array.append(to_item(value, inline=True))


def _space_after(previous: Any, fresh: Table) -> None:
    """Lay out ``fresh``, a table added right after the table ``previous``.

    tomlkit keeps the blank lines and comments that precede a table at the end of the table
    above it. From the first blank line on, they introduce what follows (``# Decisions``
    above ``[[decisions]]``), so they move to after ``fresh`` and ``fresh`` gets a blank line
    of its own before it. Comments right under ``previous``'s last key stay with it.
    """
    body = previous.value.body
    start = len(body)
    while (
        start > 0
        and body[start - 1][0] is None
        and isinstance(body[start - 1][1], Whitespace | Comment)
    ):
        start -= 1
    blank = next(
        (i for i in range(start, len(body)) if isinstance(body[i][1], Whitespace)), len(body)
    )
    moved = [item for _, item in body[blank:]]
    del body[blank:]
    if previous.as_string() and not previous.as_string().endswith("\n"):
        previous.append(None, tomlkit.nl())
    if not fresh.trivia.indent.startswith("\n"):
        fresh.trivia.indent = "\n" + fresh.trivia.indent
    for item in moved:
        fresh.value.body.append((None, item))


def _is_inline(node: Any) -> bool:
    return isinstance(node, InlineTable | Array)


def _set(node: Any, key: str, value: Any) -> None:
    item = to_item(value, inline=_is_inline(node))
    if key in node:
        current = node[key]
        if isinstance(current, AbstractTable | AoT) == isinstance(item, AbstractTable | AoT):
            node[key] = item
            return
        del node[key]
    _insert(node, key, item)


def _insert(node: Any, key: str, item: Item) -> None:
    """Add a new key to a table: a value after the table's last value (before trailing comments
    and blank lines, which usually belong to what follows), a table at the end."""
    if isinstance(node, InlineTable | OutOfOrderTableProxy) or isinstance(item, Table | AoT):
        if isinstance(node, Table) and isinstance(item, Table):
            last = _last_item(node.value)
            if isinstance(last, Table | AoT):
                _space_after(last if isinstance(last, Table) else last[-1], item)
        elif isinstance(node, OutOfOrderTableProxy) and isinstance(item, Table):
            # A table defined in several places: the new sub-table lands inside one of them,
            # maybe right before another section; a blank line keeps the two apart.
            item.append(None, tomlkit.nl())
        node[key] = item
        return
    container: Container = node.value if isinstance(node, Table) else node
    body = container.body
    last_value, first_table = -1, len(body)
    for index, (k, v) in enumerate(body):
        if k is None:
            continue
        if isinstance(v, AoT) or (isinstance(v, Table) and not k.is_dotted()):
            first_table = index
            break
        last_value = index
    if last_value >= 0:
        at = last_value + 1
        # Line up with the table's other keys, when they are indented.
        item.trivia.indent = body[last_value][1].trivia.indent.rpartition("\n")[2]
    else:
        at = first_table
        while at > 0 and isinstance(body[at - 1][1], Whitespace):
            at -= 1
    if at >= len(body):
        node[key] = item
        return
    container._insert_at(at, key, item)
    if isinstance(node, AbstractTable):
        dict.__setitem__(node, key, item)


def _last_item(container: Container) -> Any:
    for key, value in reversed(container.body):
        if key is not None:
            return value
    return None


def to_item(value: Any, *, inline: bool = False) -> Item:
    """A tomlkit item for a plain value, formatted for people.

    Datetimes are written in UTC with a ``Z``; text with line breaks as a multi-line string;
    tables nested in an inline table or array stay inline; long arrays go one item per line.
    """
    if isinstance(value, datetime):
        moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        raw = moment.replace(tzinfo=None).isoformat() + "Z"
        return DateTime(
            moment.year,
            moment.month,
            moment.day,
            moment.hour,
            moment.minute,
            moment.second,
            moment.microsecond,
            UTC,
            Trivia(),
            raw,
        )
    if isinstance(value, date):
        return tomlkit.item(date(value.year, value.month, value.day))
    if isinstance(value, str):
        if not inline and "\n" in value and _multiline_safe(value):
            return tomlkit.string(value, multiline=True)
        return tomlkit.string(value)
    if isinstance(value, Mapping):
        table: Table | InlineTable = tomlkit.inline_table() if inline else tomlkit.table()
        scalars = [(k, v) for k, v in value.items() if not isinstance(v, Mapping | list)]
        nested = [(k, v) for k, v in value.items() if isinstance(v, Mapping | list)]
        for k, v in scalars + nested:
            table.append(str(k), to_item(v, inline=inline))
        return table
    if isinstance(value, list):
        if not inline and value and all(isinstance(v, Mapping) for v in value):
            aot = tomlkit.aot()
            for v in value:
                aot.append(to_item(v))
            return aot
        array = tomlkit.array()
        for v in value:
            array.append(to_item(v, inline=True))
        if len(value) > 3 and sum(len(str(v)) for v in value) > 60:
            array.multiline(True)
        return array
    plain: Item = tomlkit.item(value)
    return plain


def _multiline_safe(text: str) -> bool:
    # Other control characters (and bare carriage returns) are kept in an escaped string.
    return all(ch == "\n" or ch == "\t" or ch.isprintable() for ch in text)


# ---------------------------------------------------------------------------------------------
# Merging hand edits


def merge_data(base: Any, ours: Any, theirs: Any, path: str = "") -> Any:
    """Three-way merge of session data: ``base`` as last read, ``ours`` and ``theirs`` changed.

    Used when a file was edited by hand while the app had it open: values only one side changed
    take that side's value; entries of arrays of tables are merged by identity (both sides'
    additions kept, deletions honoured unless the other side edited the entry); when both sides
    changed the same value differently, ``ours`` wins. Missing keys are ``_MISSING``-aware, so a
    value removed on one side stays removed.
    """
    if _same(ours, base):
        return theirs
    if _same(theirs, base) or _same(ours, theirs):
        return ours
    if isinstance(ours, dict) and isinstance(theirs, dict):
        base_map = base if isinstance(base, dict) else {}
        merged: dict[str, Any] = {}
        for key in [*theirs, *(k for k in ours if k not in theirs)]:
            value = merge_data(
                base_map.get(key, _MISSING),
                ours.get(key, _MISSING),
                theirs.get(key, _MISSING),
                join_key(path, key),
            )
            if value is not _MISSING:
                merged[key] = value
        return merged
    spec = ARRAYS.get(path)
    if spec is not None and isinstance(ours, list) and isinstance(theirs, list):
        return _merge_entries(base if isinstance(base, list) else [], ours, theirs, spec, path)
    return ours


def _merge_entries(
    base: list[Any], ours: list[Any], theirs: list[Any], spec: ArraySpec, path: str
) -> list[Any]:
    def keyed(entries: list[Any]) -> dict[tuple[Any, ...], Any]:
        out: dict[tuple[Any, ...], Any] = {}
        seen: dict[tuple[str, ...], int] = {}
        for entry in entries:
            ident = tuple(repr(entry.get(k)) for k in spec.identity)
            seen[ident] = count = seen.get(ident, -1) + 1
            out[(*ident, count)] = entry
        return out

    b, o, t = keyed(base), keyed(ours), keyed(theirs)
    merged: list[Any] = []
    for key, entry in t.items():
        if key in o:
            merged.append(merge_data(b.get(key, _MISSING), o[key], entry, path))
        elif key not in b or not _same(b[key], entry):
            merged.append(entry)  # added by hand, or edited by hand after we removed it
    for key, entry in o.items():
        if key not in t and (key not in b or not _same(b[key], entry)):
            merged.append(entry)  # added by us, or edited by us after it was removed by hand
    return merged

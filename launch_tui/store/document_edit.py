"""Changing a session document in place, from one version of the session's plain data to another.

:func:`apply_changes` rewrites only the keys whose values differ, so comments, blank lines, key
order, quoting and unknown keys survive a save. Entries of arrays of tables are matched by
identity (people by ``id``, results by ``(check, target)``: see ``ARRAYS`` in the codec), so an
entry added in the middle or removed does not disturb its neighbours. New values are laid out
for people (:func:`to_item`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from itertools import pairwise
from typing import Any

import tomlkit
from tomlkit.container import Container, OutOfOrderTableProxy
from tomlkit.items import (
    AbstractTable,
    AoT,
    Array,
    Comment,
    DateTime,
    InlineTable,
    Item,
    Table,
    Trivia,
    Whitespace,
)
from tomlkit.toml_document import TOMLDocument

from launch_tui.core.session_codec import ARRAYS, STAGE_DEFAULTS, ArraySpec
from launch_tui.core.toml_schema import join_key
from launch_tui.store.document_render import Changes
from launch_tui.store.entry_lines import edit_lines
from launch_tui.store.entry_text import EntryWriter, TextEntry

__all__ = ["apply_changes", "same_value", "to_item"]

_MISSING: Any = object()


def apply_changes(
    doc: TOMLDocument,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    writer: EntryWriter | None = None,
) -> Changes:
    """Change ``doc`` in place from holding ``old`` to holding ``new`` (both plain data).

    ``doc`` must read as ``old`` (missing keys standing for defaults). Keys whose values are
    equal are not touched; keys whose values changed are rewritten where they are; values that
    became ``None`` (absent from ``new``) are removed; new keys go after the last key of their
    table, new tables and entries at the end of their section. Keys ``old`` does not know
    (added by hand) are left alone. Returns what was touched, for :class:`Renderer`.
    ``writer`` writes new entries as text (one kept across saves reuses unchanged tables).
    """
    updater = _Updater(doc, EntryWriter() if writer is None else writer)
    updater.table(doc, old, new, "")
    return updater.changes


def same_value(a: Any, b: Any) -> bool:
    # 1 == 1.0 == True in Python, but not in a TOML file.
    return type(a) is type(b) and a == b


class _Updater:
    """Applies a data diff to a document, noting what it touched."""

    def __init__(self, root: TOMLDocument, writer: EntryWriter | None = None) -> None:
        self.changes = Changes()
        self.root = root
        self.writer = EntryWriter() if writer is None else writer

    def table(self, node: Any, old: Mapping[str, Any], new: Mapping[str, Any], path: str) -> None:
        for key in old:
            if key not in new and key in node:
                self.touch(path, key)
                self.changes.reshaped = True
                del node[key]
        for key, value in new.items():
            before = old.get(key, _MISSING)
            if before is not _MISSING and same_value(before, value):
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
            try:
                self.table(existing, before if isinstance(before, dict) else {}, value, child)
            except (IndexError, KeyError):
                if not _dotted(node, key):
                    raise
                # Written by hand as dotted keys two levels deep in an array's entry
                # (evidence.fetch.status = 200), which tomlkit fails to change in place
                # (IndexError from its proxy): the table is written anew, whole.
                self.changes.reshaped = True
                del node[key]
                fresh = tomlkit.inline_table() if _is_inline(node) else tomlkit.table()
                self.table(fresh, {}, value, child)
                _insert(node, key, fresh)
                return
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
        # As text (store/entry_text.py): new entries of a top-level array of tables.
        as_text = node is self.root and not _is_inline(node) and not isinstance(existing, Array)
        replaced = existing is not None and not isinstance(existing, AoT | Array)
        if len(after) < len(before) or replaced or (existing is None and not as_text):
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
            made_all = []
            for index, entry in enumerate(after):
                made = self.text_entry(path, entry, spec) if as_text else None
                if made is None:
                    self.changes.reshaped = True
                    made = self.new_entry(array, entry, spec, join_key(path, index))
                made_all.append(made)
            if isinstance(array, AoT):
                _extend_new(array, made_all)
            else:
                for made in made_all:
                    array.append(made)
            _insert(node, key, array)
            return
        matches = _match(before, after, spec)
        kept = sorted(m for m in matches if m is not None)
        for gone in sorted(set(range(len(before))) - set(kept), reverse=True):
            self.remove_entry(existing, gone)
        items: list[Any] = list(existing)
        position = {j: p for p, j in enumerate(kept)}
        reordered = [m for m in matches if m is not None] != kept
        if reordered or len(kept) < len(before) or (None in matches and not as_text):
            self.changes.reshaped = True
        if reordered:
            del existing[:]
        for index, (entry, j) in enumerate(zip(after, matches, strict=True)):
            entry_path = join_key(path, index)
            if j is None:
                fresh = self.text_entry(path, entry, spec) if as_text else None
                if fresh is None:
                    self.changes.reshaped = True
                    fresh = self.new_entry(existing, entry, spec, entry_path)
                if reordered:
                    existing.append(fresh)
                else:
                    self.insert_entry(existing, index, fresh)
                continue
            current = items[position[j]]
            if not same_value(before[j], entry):
                self.changes.entries.add(id(current))
                if not self.retext(current, path, before[j], entry, spec):
                    # What introduces the next table stays at the end, whichever of the
                    # entry's tables the edit removes or adds.
                    moved = (
                        _trailing(current, all_comments=True) if isinstance(existing, AoT) else []
                    )
                    self.table(current, before[j], entry, entry_path)
                    current.value.body.extend((None, item) for item in moved)
            if reordered:
                existing.append(current)

    def text_entry(self, path: str, entry: Mapping[str, Any], spec: ArraySpec) -> Any:
        """A new entry written as text, or ``None`` when it holds what only tomlkit writes."""
        written = self.writer.entry(path, entry, spec.defaults)
        if written is None:
            return None
        fresh = TextEntry(written.text)
        self.changes.entries.add(id(fresh))
        self.changes.texts.append((path, written, written.shown))
        return fresh

    def retext(
        self,
        current: Any,
        path: str,
        before: Mapping[str, Any],
        entry: Mapping[str, Any],
        spec: ArraySpec,
    ) -> bool:
        """Rewrite an entry that is still text as text; ``False`` when it is (now) items.

        Lines read from the file are edited line by line where that keeps what was added by
        hand (``store/entry_lines.py``); else they are parsed into items and edited in place.
        """
        if not isinstance(current, TextEntry) or current.text is None:
            return False
        if current.from_file:
            edited = edit_lines(current.text, path, before, entry, spec.defaults, self.writer)
            if edited is None:
                current.materialize(path)
                return False
            text, tables = edited
            current.set_text(text, from_file=True)
            if tables is not None:
                data = _without_defaults(entry, spec)
                shown = {k: v for k, v in data.items() if type(v) is dict or type(v) is list}
                self.changes.texts.append((path, tables, shown))
            return True
        written = self.writer.entry(path, entry, spec.defaults)
        if written is None:
            current.materialize(path)
            return False
        current.set_text(written.text)
        self.changes.texts.append((path, written, written.shown))
        return True

    def new_entry(self, array: Any, entry: Mapping[str, Any], spec: ArraySpec, path: str) -> Any:
        fresh = tomlkit.inline_table() if isinstance(array, Array) else tomlkit.table()
        self.table(fresh, spec.defaults, entry, path)
        self.changes.entries.add(id(fresh))
        return fresh

    def remove_entry(self, array: AoT | Array, index: int) -> None:
        """Remove an entry, keeping what introduces what follows it.

        tomlkit keeps the blank lines and comments above a table at the end of the table
        before it: from the first blank line on, those at the end of a removed entry (a
        section's comment above ``[[decisions]]``, a note above the next result) go to the
        end of the entry before it, or before the entry after it when it was the first.
        Comments right under its last key go with it.
        """
        if isinstance(array, AoT):
            moved = _trailing(array[index])
            if moved and index > 0:
                previous = array[index - 1]
                if type(previous) is not TextEntry or previous.text is None:
                    shown = previous.as_string()
                    if shown and not shown.endswith("\n"):
                        previous.append(None, tomlkit.nl())
                previous.value.body.extend((None, item) for item in moved)
                self.changes.entries.add(id(previous))
            elif moved and index + 1 < len(array):
                following = array[index + 1]
                text = "".join(item.as_string() for item in moved)
                following.trivia.indent = text + following.trivia.indent
                self.changes.entries.add(id(following))
        del array[index]

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

    keys = spec.identity

    def identities(entries: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
        seen: dict[tuple[Any, ...], int] = {}
        out = []
        for entry in entries:
            ident = tuple([entry.get(k) for k in keys])
            if not all(type(v) is str for v in ident):
                # 1, 1.0 and True are one dict key; their texts are not. Tagged, so that
                # such an identity never equals one made of strings.
                ident = (None, *(repr(v) for v in ident))
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


def _extend_new(aot: AoT, tables: list[Table]) -> None:
    """``aot.append`` for each of ``tables``, on a new, empty array of tables, at once: what
    tomlkit's insert does there is to set a table off by a line break when the one before it
    holds items (its indentation and parent checks find nothing to do), ~3 us a table."""
    if aot._parsed or aot._body or aot.trivia.indent:
        for table in tables:
            aot.append(table)
        return
    for previous, table in pairwise(tables):
        # As tomlkit tests it: a table is falsy when it holds no items (an entry as text).
        if previous and "\n" not in table.trivia.indent:
            table.trivia.indent = "\n" + table.trivia.indent
    aot._body.extend(tables)
    list.extend(aot, tables)


def _dotted(node: Any, key: str) -> bool:
    """Whether ``key`` of ``node`` is written as dotted keys (``key.x = 1``)."""
    container = node if isinstance(node, Container) else getattr(node, "value", None)
    if not isinstance(container, Container):
        return False
    return any(k is not None and k.is_dotted() and k.key == key for k, _ in container.body)


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
        if not same_value(before[index], after[index]):
            array[index] = to_item(after[index], inline=True)
    for index in range(len(before) - 1, len(after) - 1, -1):
        del array[index]
    for value in after[len(before) :]:
        array.append(to_item(value, inline=True))


def _trailing(entry: Any, *, all_comments: bool = False) -> list[Item]:
    """Take the blank lines and comments at the end of ``entry`` from the first blank line on
    (what introduces the table after it; ``all_comments``: those right under its last key
    too), and return them; none when they hold no comment. They are at the end of its last
    sub-table when it ends with one (``[results.evidence.fetch]``)."""
    body = entry.value.body
    start = len(body)
    while (
        start > 0
        and body[start - 1][0] is None
        and isinstance(body[start - 1][1], Whitespace | Comment)
    ):
        start -= 1
    if start == len(body) and body:
        last = body[-1][1]
        if isinstance(last, Table):
            return _trailing(last, all_comments=all_comments)
        if isinstance(last, AoT) and len(last) > 0:
            return _trailing(last[-1], all_comments=all_comments)
    blank = start
    if not all_comments:
        while blank < len(body) and not isinstance(body[blank][1], Whitespace):
            blank += 1
    moved = [item for _, item in body[blank:]]
    if not any(isinstance(item, Comment) for item in moved):
        return []  # blank lines only: the entry's own spacing
    del body[blank:]
    return moved


def _space_after(previous: Any, fresh: Table) -> None:
    """Lay out ``fresh``, a table added right after the table ``previous``.

    tomlkit keeps the blank lines and comments that precede a table at the end of the table
    above it. From the first blank line on, they introduce what follows (``# Decisions``
    above ``[[decisions]]``), so they move to after ``fresh`` and ``fresh`` gets a blank line
    of its own before it. Comments right under ``previous``'s last key stay with it. When
    ``previous`` ends with a sub-table (``[results.evidence.fetch]``), they are at its end.
    """
    moved = _trailing(previous)
    if not moved:  # blank lines only, if any: those at the end of previous itself
        body = previous.value.body
        start = len(body)
        while (
            start > 0
            and body[start - 1][0] is None
            and isinstance(body[start - 1][1], Whitespace | Comment)
        ):
            start -= 1
        blank = next(
            (i for i in range(start, len(body)) if isinstance(body[i][1], Whitespace)),
            len(body),
        )
        moved = [item for _, item in body[blank:]]
        del body[blank:]
    if previous.as_string() and not previous.as_string().endswith("\n"):
        previous.append(None, tomlkit.nl())
    if not fresh.trivia.indent.startswith("\n"):
        fresh.trivia.indent = "\n" + fresh.trivia.indent
    for item in moved:
        fresh.value.body.append((None, item))


def _without_defaults(entry: Mapping[str, Any], spec: ArraySpec) -> dict[str, Any]:
    defaults = spec.defaults
    return {k: v for k, v in entry.items() if not (k in defaults and same_value(defaults[k], v))}


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

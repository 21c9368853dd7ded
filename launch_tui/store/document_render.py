"""Rendering a session document to text, re-rendering only the sections an edit touched.

:class:`Renderer` renders a document the way ``TOMLDocument.as_string`` does, but keeps the text
of sections that did not change; it does so through tomlkit's private rendering helpers
(``_render_table``, ``_render_aot_table``, ``_render_simple_item``, ``_header_less_aots``...),
which tomlkit may change in any release: ``pyproject.toml`` pins tomlkit to the tested releases,
and a test compares its output with ``as_string`` on every kind of edit.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tomlkit.container import _header_less_aots, _is_empty_aot, _render_empty_aot
from tomlkit.items import AoT, Item, Key, Table
from tomlkit.toml_document import TOMLDocument

from launch_tui.store.entry_text import TextEntry

if TYPE_CHECKING:
    from launch_tui.store.entry_text import EntryText

__all__ = ["Changes", "Renderer", "render"]


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
    texts: list[tuple[str, EntryText, dict[str, Any]]] = field(default_factory=list)
    """Entries written as text (``store/entry_text.py``): array path, text, the entry's data.
    The store checks these texts (``store/text_check.py``), not the whole file, read back as
    the data."""


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
        self.unproven = False
        """Set by :meth:`render` when an entry written as text landed where checking its text
        alone does not prove the file parses (see :func:`_placed`): the store parses it all."""

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
        length = len(tail)
        placed: list[tuple[str, list[tuple[int, int]], int]] = []
        for key, item in doc.body:
            if key is None:
                part = item.as_string()
            elif _is_empty_aot(item):
                continue
            elif isinstance(item, Table | AoT):
                if tail and not tail.endswith("\n") and "\n" not in item.trivia.indent:
                    parts.append("\n")
                    tail = "\n"
                    length += 1
                if isinstance(item, AoT):
                    marks: list[tuple[int, int]] = []
                    part = self._aot(doc, key, item, changes, entries, length, marks)
                    if marks:
                        placed.append((key.key, marks, length + len(part)))
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
            length += len(part)
            stripped = part.strip(" ")
            if stripped:
                tail = stripped
        self._sections, self._entries = sections, entries
        text = "".join(parts)
        self.unproven = bool(placed) and not _placed(doc, text, placed)
        return text

    def _aot(
        self,
        doc: TOMLDocument,
        key: Key,
        aot: AoT,
        changes: Changes,
        entries: dict[int, tuple[Table, str]],
        offset: int,
        marks: list[tuple[int, int]],
    ) -> str:
        """The entries' text; ``marks`` gets, for each entry written as text that changed, the
        offsets in the document's text of its header and of the end of its text."""
        prefix = key.as_string()
        header = f"[[{prefix}]]"
        texts: list[str] = []
        length = offset  # where the next entry starts in the document's text
        known = self._entries
        changed = changes.entries
        for table in aot.body:
            ident = id(table)
            cached = known.get(ident)
            if ident in changed or cached is None or cached[0] is not table:
                as_text = type(table) is TextEntry and table.text is not None
                trivia = table.trivia
                head = f"{trivia.indent}{header}{trivia.comment_ws}{trivia.comment}"
                if as_text and not table.value.body:
                    text = head + trivia.trail  # what tomlkit renders, without its overhead
                else:
                    text = doc._render_aot_table(table, prefix=prefix)
                if as_text:
                    start = length + len(trivia.indent)
                    marks.append((start, length + len(head) + len(trivia.trail)))
            else:
                text = cached[1]
            entries[ident] = (table, text)
            texts.append(text)
            length += len(text)
        return "".join(texts)


_FOLLOWS = re.compile(r"(?:[ \t]*(?:#[^\n]*)?\r?\n)*[ \t]*(?:\[|(?:#[^\n]*)?\Z)")
"""What may follow an entry's text: blank and comment lines, then a header or the end."""
_HEADER = re.compile(r"^[ \t]*\[[^\n]*", re.MULTILINE)


def _placed(
    doc: TOMLDocument, text: str, placed: list[tuple[str, list[tuple[int, int]], int]]
) -> bool:
    """Whether entries written as text (checked alone, ``store/text_check.py``) parse as the
    same entries where they landed in ``text``: the rest of the file parsed before (or changed
    only in values), and inserting whole ``[[name]]`` entries between its lines changes it
    only by those entries when

    * each header starts a line and its text ends one (a file that ended without a line
      break, or a comment on the last line, is given one first);
    * what follows each is blank lines, comments, and then a header or the end of the file
      (never a key, which would join the new entry);
    * no header after the array's last entry names it, or is quoted (``[results.evidence]``
      after ``[ui]`` refers to the array's *last* entry, which is then a new one), and the
      document holds the array once (not also as a dotted key or a second run of entries).
    """
    names = Counter(k.key for k, _ in doc.body if k is not None)
    for name, marks, end in placed:
        if names[name] != 1:
            return False
        for head, stop in marks:
            if head > 0 and text[head - 1] != "\n":
                return False
            if stop < len(text) and (text[stop - 1] != "\n" or not _FOLLOWS.match(text, stop)):
                return False
        for header in _HEADER.finditer(text, end):
            line = header.group()
            if name in line or '"' in line or "'" in line:
                return False
    return True


def render(doc: TOMLDocument) -> str:
    """The document's text, rendered afresh."""
    return doc.as_string()

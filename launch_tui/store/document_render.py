"""Rendering a session document to text, re-rendering only the sections an edit touched.

:class:`Renderer` renders a document the way ``TOMLDocument.as_string`` does, but keeps the text
of sections that did not change; it does so through tomlkit's private rendering helpers
(``_render_table``, ``_render_aot_table``, ``_render_simple_item``, ``_header_less_aots``...),
which tomlkit may change in any release: ``pyproject.toml`` pins tomlkit to the tested releases,
and a test compares its output with ``as_string`` on every kind of edit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tomlkit.container import _header_less_aots, _is_empty_aot, _render_empty_aot
from tomlkit.items import AoT, Item, Key, Table
from tomlkit.toml_document import TOMLDocument

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
    texts: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    """Entries written as text (``store/entry_text.py``): array path, text, the entry's data.
    The store parses these texts (not the whole file) to check they read back as the data."""


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

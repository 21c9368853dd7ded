"""The editable document of a session file without tomlkit parsing its results: each
``[[results]]`` entry is kept as its own text until a save changes it.

tomlkit parses about 0.6 MB/s here: a session holding a x8 world's audit (0.8 MB, almost all of it
results) took 1.3 s to open for editing, and its first save re-rendered every entry (~140 ms),
whatever changed. :func:`split_document` parses the rest of the file with tomlkit (a few tens of
KB) and puts the results back as :class:`~launch_tui.store.entry_text.TextEntry` items, each
holding its entry's lines as they are in the file (blank lines and comments after an entry
become items of the entry, as tomlkit keeps them, so that what is added after it goes where
tomlkit would put it). An entry that a save changes is written again as text when its lines are
exactly what launch-tui writes for it (``EntryWriter``), else parsed into ordinary items first
(``TextEntry.materialize``), so that comments and keys added by hand inside it are kept.

Used only when the split is proven to be the file's own structure; otherwise (``None``) the
whole file is parsed as before:

* the file's line breaks are ``\\n`` and the results' region (from the first ``[[results]]``
  line to the first header after it that is not one of the results' own) holds no multi-line
  string, so every line that reads ``[[results]]`` there is a header;
* the region alone parses as ``results`` and nothing else, with as many entries as there are
  such lines, and the rest of the file parses with no ``results`` in it;
* the schema version is current (a migration edits the document, results included);
* the document, rendered, is the file's text, byte for byte.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import tomli
import tomlkit
from tomlkit.items import AoT

from launch_tui.core.model import SCHEMA_VERSION
from launch_tui.store.entry_text import TextEntry

if TYPE_CHECKING:
    from tomlkit.toml_document import TOMLDocument

__all__ = ["split_document"]

_HEADER = re.compile(r"^[ \t]*\[", re.MULTILINE)
_MIN_ENTRIES = 16
"""Fewer entries than this: tomlkit parses the whole file in milliseconds anyway."""


def split_document(text: str, name: str = "results") -> TOMLDocument | None:
    """The file's editable document with the ``[[name]]`` entries as text, or ``None`` when
    that split is not proven to be the file's structure (see the module)."""
    marker = f"[[{name}]]\n"
    if "\r" in text or text.count(marker) < _MIN_ENTRIES:
        return None
    start = 0 if text.startswith(marker) else text.find("\n" + marker) + 1
    if start <= 0 and not text.startswith(marker):
        return None
    end = _region_end(text, start + len(marker), name)
    region = text[start:end]
    if '"""' in region or "'''" in region:
        return None
    try:
        alone = tomli.loads(region)
        rest = tomli.loads(text[:start] + text[end:])
    except (tomli.TOMLDecodeError, RecursionError, ValueError):
        return None
    entries = alone.get(name)
    starts = [0] + [i + 1 for i in _find_all(region, "\n" + marker)]
    if (
        list(alone) != [name]
        or not isinstance(entries, list)
        or len(entries) != len(starts)
        or name in rest
        or rest.get("schema_version", SCHEMA_VERSION) != SCHEMA_VERSION
    ):
        return None
    try:
        doc = _assemble(text[:start], region, starts, text[end:], name)
    except Exception:  # tomlkit refusing a part: the whole file is parsed instead
        return None
    from launch_tui.store.document_render import Renderer

    if Renderer().render(doc) != text:
        return None
    return doc


def _region_end(text: str, after: int, name: str) -> int:
    """Where the entries end: the first header line that is not ``[[name]]`` or below it."""
    own = (f"[[{name}]]", f"[{name}.", f"[[{name}.")
    for found in _HEADER.finditer(text, after):
        line_end = text.find("\n", found.start())
        line = text[found.start() : len(text) if line_end < 0 else line_end].strip()
        if not line.startswith(own):
            return found.start()
    return len(text)


def _find_all(text: str, needle: str) -> list[int]:
    found, at = [], text.find(needle)
    while at >= 0:
        found.append(at)
        at = text.find(needle, at + 1)
    return found


def _assemble(before: str, region: str, starts: list[int], after: str, name: str) -> TOMLDocument:
    # The rest parsed as one text (so that tomlkit lays it out as it does the whole file), the
    # entries put back where they were: after what the text before them made.
    doc = tomlkit.parse(before + after)
    position = len(tomlkit.parse(before).body)
    aot = AoT([], name=name, parsed=True)
    header = len(f"[[{name}]]\n")
    for index, begin in enumerate(starts):
        stop = starts[index + 1] if index + 1 < len(starts) else len(region)
        aot.append(_entry(region[begin + header : stop]))
    if position < len(doc.body):
        doc._insert_at(position, name, aot)
    else:
        doc.append(name, aot)
    return doc


def _entry(lines: str) -> TextEntry:
    """An entry's lines as a :class:`TextEntry`: its values and tables as text, the blank lines
    and comments after them as items (tomlkit keeps them at the end of the entry)."""
    kept = lines.splitlines(keepends=True)
    cut = len(kept)
    while cut > 0 and (not kept[cut - 1].strip() or kept[cut - 1].lstrip().startswith("#")):
        cut -= 1
    entry = TextEntry("".join(kept[:cut]), from_file=True)
    if cut < len(kept):
        for _, item in tomlkit.parse("".join(kept[cut:])).body:
            entry.value.append(None, item)
    return entry

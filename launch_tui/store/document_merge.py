"""Merging hand edits: a three-way merge of session data, for a file edited while it was open."""

from __future__ import annotations

from typing import Any

from launch_tui.core.session_codec import ARRAYS, ArraySpec
from launch_tui.core.toml_schema import join_key
from launch_tui.store.document_edit import same_value

__all__ = ["merge_data"]

_MISSING: Any = object()


def merge_data(base: Any, ours: Any, theirs: Any, path: str = "") -> Any:
    """Three-way merge of session data: ``base`` as last read, ``ours`` and ``theirs`` changed.

    Used when a file was edited by hand while the app had it open: values only one side changed
    take that side's value; entries of arrays of tables are merged by identity (both sides'
    additions kept, deletions honoured unless the other side edited the entry); when both sides
    changed the same value differently, ``ours`` wins. Missing keys are ``_MISSING``-aware, so a
    value removed on one side stays removed.
    """
    if same_value(ours, base):
        return theirs
    if same_value(theirs, base) or same_value(ours, theirs):
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
        elif key not in b or not same_value(b[key], entry):
            merged.append(entry)  # added by hand, or edited by hand after we removed it
    for key, entry in o.items():
        if key not in t and (key not in b or not same_value(b[key], entry)):
            merged.append(entry)  # added by us, or edited by us after it was removed by hand
    return merged

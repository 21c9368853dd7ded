"""Schema migration: the handover's free-text notes move into the ``[handover]`` fields.

Before the handover had fields of its own, the engineer confirmed five manual checks and wrote
what they knew in each result's evidence (``note``, ``link``, ``links``). This moves that text,
without losing any of it, into the structured fields the forms, the checks and the report now
read (see :mod:`launch_tui.core.handover_codec` for the shape):

=========================  =================================================================
manual check               moved to
=========================  =================================================================
handover.env_changes       one ``[[handover.env_changes]]`` entry: the note as its ``steps``,
                           environment left blank for the engineer to name
handover.rollback_notes    ``[handover.rollback]`` ``steps`` (appended to any already there)
handover.support_paths     one ``[[handover.support]]`` entry of kind ``incident`` with the
                           note as its ``notes`` (the check then asks for its channel)
handover.limitations       one ``[[handover.limitations]]`` entry per line of the note
handover.next_steps        one ``[[handover.next_steps]]`` entry per line, in order
=========================  =================================================================

Links go with the text (``links`` where the entry has them; one more entry each for
limitations and next steps). List markers (``-``, ``*``, ``1.``) at the start of a line are
dropped, nothing else. The moved keys leave the result's evidence, which records
``moved_to = "handover"``; the result itself stays until the check runs again. Works on the
tomlkit document and on plain parsed data alike; no I/O.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Any

__all__ = ["MOVED", "move_handover_notes"]

#: The manual checks whose notes move, in the order the handover lists them.
MOVED = (
    "handover.env_changes",
    "handover.rollback_notes",
    "handover.support_paths",
    "handover.limitations",
    "handover.next_steps",
)
_MARKER = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


def move_handover_notes(data: MutableMapping[str, Any]) -> None:
    """Move the notes and links of the five handover manual checks into ``data["handover"]``."""
    results = data.get("results")
    if not isinstance(results, list):
        return
    moved: dict[str, tuple[str, list[str]]] = {}
    for entry in results:
        if not isinstance(entry, MutableMapping) or entry.get("check") not in MOVED:
            continue
        evidence = entry.get("evidence")
        if not isinstance(evidence, MutableMapping):
            continue
        note, links = _take(evidence)
        if not note and not links:
            continue
        evidence["moved_to"] = "handover"
        check = str(entry["check"])
        old_note, old_links = moved.get(check, ("", []))
        moved[check] = (_join(old_note, note), old_links + [x for x in links if x not in old_links])
    if not moved:
        return
    handover = data.get("handover")
    if not isinstance(handover, MutableMapping):
        data["handover"] = {}
        handover = data["handover"]
    for check in MOVED:
        if check in moved:
            note, links = moved[check]
            _place(handover, check, note, links)


def _take(evidence: MutableMapping[str, Any]) -> tuple[str, list[str]]:
    note = evidence.get("note")
    text = str(note).strip() if isinstance(note, str) else ""
    links: list[str] = []
    link = evidence.get("link")
    if isinstance(link, str) and link.strip():
        links.append(str(link).strip())
    many = evidence.get("links")
    if isinstance(many, list):
        links.extend(str(v).strip() for v in many if isinstance(v, str) and v.strip())
    if not text and not links:
        return "", []
    for key in ("note", "link", "links"):
        if key in evidence:
            del evidence[key]
    unique: list[str] = []
    for value in links:
        if value not in unique:
            unique.append(value)
    return text, unique


def _join(first: str, second: str) -> str:
    return "\n\n".join(part for part in (first, second) if part)


def _place(handover: MutableMapping[str, Any], check: str, note: str, links: list[str]) -> None:
    if check == "handover.env_changes":
        entry: dict[str, Any] = {"environment": ""}
        if note:
            entry["steps"] = note
        if links:
            entry["links"] = links
        _append(handover, "env_changes", entry)
    elif check == "handover.rollback_notes":
        rollback = handover.get("rollback")
        if not isinstance(rollback, MutableMapping):
            handover["rollback"] = {}
            rollback = handover["rollback"]
        old = rollback.get("steps")
        steps = _join(str(old) if isinstance(old, str) else "", note)
        if steps:
            rollback["steps"] = steps
        if links:
            had = rollback.get("links")
            kept = [str(v) for v in had] if isinstance(had, list) else []
            rollback["links"] = kept + [x for x in links if x not in kept]
    elif check == "handover.support_paths":
        entry = {"kind": "incident"}
        if note:
            entry["notes"] = note
        if links:
            entry["links"] = links
        _append(handover, "support", entry)
    else:
        key = "limitations" if check == "handover.limitations" else "next_steps"
        for line in [*_lines(note), *links]:
            _append(handover, key, {"text": line})


def _lines(note: str) -> list[str]:
    return [_MARKER.sub("", line).strip() for line in note.splitlines() if line.strip()]


def _append(handover: MutableMapping[str, Any], key: str, entry: dict[str, Any]) -> None:
    existing = handover.get(key)
    if isinstance(existing, list):
        existing.append(entry)
    else:
        handover[key] = [entry]

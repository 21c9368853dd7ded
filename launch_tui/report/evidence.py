"""Reading check evidence without knowing its exact shape.

Evidence is plain data written by many checks; a report must show it whatever it holds, and pick
out the few values it tabulates (an expiry date, a p95) under whichever of a few names a check
used. Everything returned is cleaned text or a plain number: evidence is data from the network.

Keys the report looks for (a check that uses them gets its values in the tables):

* manual results: ``note`` (text, may span lines), ``link`` (URL) or ``links`` (list of URLs);
* dates: ISO strings (``2027-03-01`` or ``2027-03-01T12:00:00Z``);
* numbers: ints or floats, or numeric strings.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from launch_tui.core.model import CheckResult, Evidence, JSONValue
from launch_tui.report.cleaning import clean, clean_multiline

__all__ = [
    "EvidenceLine",
    "day_of",
    "first",
    "flatten",
    "links_of",
    "note_of",
    "number_of",
    "text_of",
    "texts_of",
]

#: Longest value shown for one evidence entry; the report is a summary, not a dump.
VALUE_LIMIT = 200
#: Most entries shown for one result's evidence.
ENTRY_LIMIT = 24
#: Keys whose values are shown elsewhere (notes and links of manual checks).
_SHOWN_ELSEWHERE = frozenset({"note", "link", "links"})


@dataclass(frozen=True)
class EvidenceLine:
    """One flattened evidence entry: a dotted key path and its value as cleaned text."""

    key: str
    value: str


def flatten(
    evidence: Evidence, *, limit: int = ENTRY_LIMIT, skip: Iterable[str] = _SHOWN_ELSEWHERE
) -> tuple[EvidenceLine, ...]:
    """Evidence as ``key.path: value`` lines in the order the check wrote them.

    Nested tables become dotted keys and list items ``key[0]``; lists of scalars are joined with
    commas. Beyond ``limit`` entries one last line says how many were left out.
    """
    skipped = set(skip)
    lines: list[EvidenceLine] = []
    total = 0
    for key, value in evidence.items():
        if key in skipped:
            continue
        for path, text in _walk(clean(key, max_len=60), value, depth=0):
            total += 1
            if len(lines) < limit:
                lines.append(EvidenceLine(path, text))
    if total > len(lines):
        lines.append(EvidenceLine("…", f"{total - len(lines)} more entries not shown"))
    return tuple(lines)


def _walk(path: str, value: JSONValue, depth: int) -> Iterable[tuple[str, str]]:
    # Scalars first, and dict before the Mapping ABC: this runs for every evidence value.
    if value is None or isinstance(value, str | int | float):
        yield path, _scalar(value)
    elif isinstance(value, dict | Mapping):
        if not value:
            yield path, "(empty)"
        for key, inner in value.items():
            yield from _walk(f"{path}.{clean(key, max_len=60)}", inner, depth + 1)
    elif all(v is None or isinstance(v, str | int | float) for v in value):
        yield path, _scalar_list(value)
    else:
        for index, inner in enumerate(value):
            yield from _walk(f"{path}[{index}]", inner, depth + 1)


def _scalar(value: JSONValue) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}" if math.isfinite(value) else str(value)
    return clean(str(value), max_len=VALUE_LIMIT) if value != "" else "(empty)"


def _scalar_list(values: list[JSONValue]) -> str:
    if not values:
        return "(none)"
    return clean(", ".join(_scalar(v) for v in values), max_len=VALUE_LIMIT)


def first(evidence: Evidence, *keys: str) -> JSONValue:
    """The value of the first of ``keys`` present (and not ``None``) in ``evidence``."""
    for key in keys:
        value = evidence.get(key)
        if value is not None:
            return value
    return None


def text_of(evidence: Evidence, *keys: str, limit: int = VALUE_LIMIT) -> str:
    """The first of ``keys`` holding a scalar, as cleaned one-line text; ``""`` if none."""
    value = first(evidence, *keys)
    if value is None or isinstance(value, Mapping | list):
        return ""
    return clean(_scalar(value), max_len=limit)


def texts_of(evidence: Evidence, *keys: str, limit: int = VALUE_LIMIT) -> tuple[str, ...]:
    """The first of ``keys`` as a tuple of cleaned strings (a scalar gives a 1-tuple)."""
    value = first(evidence, *keys)
    if value is None or isinstance(value, Mapping):
        return ()
    items = value if isinstance(value, list) else [value]
    return tuple(
        clean(_scalar(v), max_len=limit) for v in items if not isinstance(v, Mapping | list)
    )


def number_of(evidence: Evidence, *keys: str) -> float | None:
    """The first of ``keys`` holding a finite number (or a numeric string)."""
    for key in keys:
        value = evidence.get(key)
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, int | float):
            number = float(value)
        elif isinstance(value, str):
            try:
                number = float(value.strip().rstrip("%").strip())
            except ValueError:
                continue
        else:
            continue
        if math.isfinite(number):
            return number
    return None


def day_of(evidence: Evidence, *keys: str) -> date | None:
    """The first of ``keys`` holding an ISO date or date-time, as a date (UTC for date-times)."""
    for key in keys:
        value = evidence.get(key)
        if isinstance(value, str):
            parsed = _parse_day(value.strip())
            if parsed is not None:
                return parsed
    return None


def _parse_day(text: str) -> date | None:
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.date()


def note_of(result: CheckResult, *, limit: int = 4000) -> str:
    """A manual result's ``note``, cleaned but keeping its line breaks; ``""`` if none."""
    value = result.evidence.get("note")
    if not isinstance(value, str):
        return ""
    return clean_multiline(value, max_len=limit).strip()


def links_of(result: CheckResult) -> tuple[str, ...]:
    """A result's ``link`` and ``links`` values as raw strings, in order, without repeats.

    Not cleaned here: callers decide with :func:`~launch_tui.report.escaping.safe_url` whether a
    value is a link, and clean it for display otherwise.
    """
    found: list[str] = []
    link = result.evidence.get("link")
    if isinstance(link, str):
        found.append(link)
    links = result.evidence.get("links")
    if isinstance(links, list):
        found.extend(v for v in links if isinstance(v, str))
    unique: list[str] = []
    for value in found:
        if value.strip() and value not in unique:
            unique.append(value)
    return tuple(unique)

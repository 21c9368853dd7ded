"""Domain values written for people: durations in milliseconds and person names.

Pure functions shared by the checks' summaries, the CLI, the TUI and the reports, so that one
value reads the same wherever it is shown. Each surface keeps the precision it always had
(:class:`MsStyle`): a TUI table says ``1.4 s``, a check summary ``1.40 s``, the report ``1400 ms``.
"""

from __future__ import annotations

from dataclasses import dataclass

from launch_tui.core.model import Session
from launch_tui.core.sanitize import clean

__all__ = [
    "PRECISE_MS",
    "REPORT_MS",
    "TABLE_MS",
    "MsStyle",
    "fmt_ms",
    "person_name",
]

#: Shown for a duration nobody measured.
UNKNOWN = "—"


@dataclass(frozen=True)
class MsStyle:
    """How :func:`fmt_ms` writes a duration given in milliseconds."""

    seconds_from: float = 1000.0
    """From this many milliseconds on, the value is written in seconds."""
    second_places: int = 1
    """Decimal places of a value written in seconds."""
    whole_seconds_from: float | None = 10_000.0
    """From this many milliseconds on, whole seconds; ``None`` never."""
    tenths_below: float = 0.0
    """Below this many milliseconds, tenths of a millisecond are shown."""


#: Tables in the TUI: ``85 ms``, ``1.4 s``, ``12 s``.
TABLE_MS = MsStyle()
#: Report tables: milliseconds up to ten seconds (``1400 ms``), then ``12.3 s``.
REPORT_MS = MsStyle(seconds_from=10_000.0, whole_seconds_from=None)
#: Check summaries: ``4.2 ms``, ``142 ms``, ``1.40 s``.
PRECISE_MS = MsStyle(second_places=2, whole_seconds_from=None, tenths_below=10.0)


def fmt_ms(value: float | None, style: MsStyle = TABLE_MS) -> str:
    """``value`` milliseconds written as ``style`` says; ``—`` when unknown."""
    if value is None:
        return UNKNOWN
    if style.whole_seconds_from is not None and value >= style.whole_seconds_from:
        return f"{value / 1000:.0f} s"
    if value >= style.seconds_from:
        return f"{value / 1000:.{style.second_places}f} s"
    if value < style.tenths_below:
        return f"{value:.1f} ms"
    return f"{value:.0f} ms"


def person_name(session: Session, person_id: str, max_len: int = 60) -> str:
    """The name of the person ``person_id`` names, cleaned and cut to ``max_len``; the id itself
    when nobody has it; ``""`` when it is blank."""
    person_id = person_id.strip()
    if not person_id:
        return ""
    person = session.person(person_id)
    return clean(person.name if person is not None else person_id, max_len=max_len).strip()

"""The printed appendix's digest: one line per check, however many targets it ran on. Pure.

A check measured on six hosts is one line: its worst status, how its targets fared ("5 pass,
1 fail") and the summary of its worst result. The raw evidence is printed only for findings.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from launch_tui.core.model import Status
from launch_tui.report.views import ResultView

__all__ = ["DigestLine", "digest"]


@dataclass(frozen=True)
class DigestLine:
    check_id: str
    status: str
    """The worst status among the check's results (a CSS class suffix too)."""
    status_label: str
    targets: str
    """``app.acme.example``, ``6 targets: 5 pass, 1 fail``, or ``""`` for a session-wide check."""
    summary: str
    """The summary of the worst result."""


def digest(results: tuple[ResultView, ...]) -> tuple[DigestLine, ...]:
    """One line per check of ``results`` (in their order), worst result first within each."""
    groups: dict[str, list[ResultView]] = {}
    for result in results:
        groups.setdefault(result.check_id, []).append(result)
    return tuple(_line(found) for found in groups.values())


def _rank(result: ResultView) -> int:
    try:
        return Status(result.status).rank
    except ValueError:
        return len(Status)


def _line(found: list[ResultView]) -> DigestLine:
    worst = min(found, key=_rank)
    if len(found) == 1:
        targets = worst.target
    else:
        counts = Counter(r.status_label for r in sorted(found, key=_rank))
        tally = ", ".join(f"{n} {label}" for label, n in counts.items())
        targets = f"{len(found)} targets: {tally}"
    return DigestLine(
        check_id=worst.check_id,
        status=worst.status,
        status_label=worst.status_label,
        targets=targets,
        summary=worst.summary,
    )

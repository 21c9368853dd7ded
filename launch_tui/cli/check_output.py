"""What ``launch-tui check`` prints: the results of one run, as text for people or JSON for CI.

:func:`build_check_report` decides, for every result of the run, whether it *blocks* (a ``fail``
or ``error`` at or above ``--fail-on`` that no accept-risk decision with an owner covers) and so
what the exit code is. :func:`render_text` and :func:`render_json` only format that.

Every string that may come from the network or a hand-edited file (summaries, targets, client
names, decision owners) is passed through :func:`~launch_tui.core.sanitize.clean` in text, and
JSON is written with ``ensure_ascii``, so no control character a server sent reaches the
terminal either way.

The JSON shape is documented in the README ("Headless checks") and kept stable; fields are only
ever added. ``format`` names its version.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from launch_tui.cli.exit_codes import Exit
from launch_tui.core.model import (
    Action,
    CheckResult,
    Decision,
    JSONValue,
    Session,
    Severity,
    Status,
)
from launch_tui.core.playbook import Playbook
from launch_tui.core.sanitize import clean

#: The ``format`` field of the JSON output; bumped only for an incompatible change.
JSON_FORMAT = "launch-tui/check-v1"

_STATUS_WORD = {
    Status.PASS: "PASS",
    Status.WARN: "WARN",
    Status.FAIL: "FAIL",
    Status.ERROR: "ERROR",
    Status.SKIPPED: "SKIP",
    Status.MANUAL: "MANUAL",
}
# Failures first when reading a stage's results.
_STATUS_ORDER = (
    Status.FAIL,
    Status.ERROR,
    Status.WARN,
    Status.MANUAL,
    Status.SKIPPED,
    Status.PASS,
)


@dataclass(frozen=True)
class Acceptance:
    """An owned accept-risk decision covering a failing result."""

    decision: str
    """The decision's id (``D3``)."""
    owner: str
    """The owner's person id."""
    owner_name: str
    """The owner's name when the session lists the person, else the id."""


@dataclass(frozen=True)
class ReportedResult:
    """One result of the run and what it means for the exit code."""

    result: CheckResult
    stage: str
    """Id of the stage the check belongs to."""
    blocking: bool
    """Fails the run: fail/error at or above ``--fail-on``, not covered by an accepted risk."""
    accepted_by: tuple[Acceptance, ...] = ()
    """Owned accept-risk decisions that keep a failing result from blocking."""


@dataclass(frozen=True)
class CheckReport:
    """Everything ``check`` prints about one run."""

    session: Session
    path: Path
    results: tuple[ReportedResult, ...]
    fail_on: Severity
    playbook: Playbook
    cancelled: bool = False
    """The run was interrupted; ``results`` holds what finished before."""
    timed_out: bool = False
    wall_s: float = 0.0

    @property
    def blocking(self) -> int:
        """How many results fail the run."""
        return sum(1 for r in self.results if r.blocking)

    @property
    def accepted(self) -> int:
        """How many failing results an owned accept-risk decision covers."""
        return sum(1 for r in self.results if r.accepted_by)

    @property
    def exit_code(self) -> int:
        """130 when interrupted, else 1 when anything blocks, else 0."""
        if self.cancelled:
            return int(Exit.INTERRUPTED)
        return int(Exit.FINDINGS if self.blocking else Exit.OK)

    def counts(self) -> dict[str, int]:
        """Results per status, every status present (zero when none)."""
        counts = {status.value: 0 for status in Status}
        for item in self.results:
            counts[item.result.status.value] += 1
        return counts


def build_check_report(
    session: Session,
    results: Iterable[CheckResult],
    playbook: Playbook,
    *,
    fail_on: Severity,
    path: Path,
    stages: dict[str, str] | None = None,
    cancelled: bool = False,
    timed_out: bool = False,
    wall_s: float = 0.0,
) -> CheckReport:
    """Judge each of the run's ``results`` against ``fail_on`` and the session's decisions.

    ``stages`` maps check ids to stage ids for checks the playbook does not list (a custom
    playbook); the playbook is asked first.
    """
    reported = []
    for result in results:
        failing = result.status in (Status.FAIL, Status.ERROR)
        acceptances = _acceptances(session, result) if failing else ()
        reported.append(
            ReportedResult(
                result=result,
                stage=_stage_of(playbook, result.check_id, stages or {}),
                blocking=failing and result.severity.at_least(fail_on) and not acceptances,
                accepted_by=acceptances,
            )
        )
    return CheckReport(
        session=session,
        path=path,
        results=tuple(reported),
        fail_on=fail_on,
        playbook=playbook,
        cancelled=cancelled,
        timed_out=timed_out,
        wall_s=wall_s,
    )


def _acceptances(session: Session, result: CheckResult) -> tuple[Acceptance, ...]:
    found = []
    for decision in session.decisions_covering(result):
        if decision.action is Action.ACCEPT_RISK and decision.owner.strip():
            found.append(_acceptance(session, decision))
    return tuple(found)


def _acceptance(session: Session, decision: Decision) -> Acceptance:
    person = session.person(decision.owner)
    return Acceptance(
        decision=decision.id,
        owner=decision.owner,
        owner_name=person.name if person is not None and person.name else decision.owner,
    )


def _stage_of(playbook: Playbook, check_id: str, stages: dict[str, str]) -> str:
    if check_id in playbook:
        return playbook.stage_of(check_id).id
    return stages.get(check_id, "")


# --- text ----------------------------------------------------------------------------------------


def render_text(report: CheckReport) -> str:
    """Results grouped by stage, failures first, then one summary line."""
    session = report.session
    lines = [
        f"launch-tui check: {clean(session.sprint.client, max_len=60)} — "
        f"{clean(session.targets.apex, max_len=60) or 'no apex'} ({clean(str(report.path))})"
    ]
    if not report.results:
        lines.append("No checks ran.")
    target_width = min(40, max((len(_target(r.result)) for r in report.results), default=10))
    check_width = max((len(r.result.check_id) for r in report.results), default=10)
    for number, title, items in _by_stage(report):
        lines.append("")
        lines.append(f"{number} {title}" if number else title)
        for item in items:
            lines.append(_line(item.result, target_width, check_width))
            for acceptance in item.accepted_by:
                lines.append(
                    f"         accepted risk {clean(acceptance.decision)} "
                    f"({clean(acceptance.owner_name)})"
                )
    lines.append("")
    lines.append(_summary_line(report))
    return "\n".join(lines)


def _by_stage(report: CheckReport) -> list[tuple[str, str, list[ReportedResult]]]:
    groups: dict[str, list[ReportedResult]] = {}
    for item in report.results:
        groups.setdefault(item.stage, []).append(item)
    order = [s.id for s in report.playbook.stages]
    out = []
    for stage_id in sorted(groups, key=lambda s: order.index(s) if s in order else len(order)):
        items = sorted(
            groups[stage_id],
            key=lambda r: (
                _STATUS_ORDER.index(r.result.status),
                r.result.severity.rank,
                r.result.check_id,
                r.result.target,
            ),
        )
        if stage_id in order:
            spec = report.playbook.stage(stage_id)
            out.append((f"Stage {spec.number} ·", spec.title, items))
        else:
            out.append(("", clean(stage_id) or "Other checks", items))
    return out


def _target(result: CheckResult) -> str:
    return clean(result.target, max_len=40) if result.target else "(session)"


def _line(result: CheckResult, target_width: int, check_width: int) -> str:
    changed = (
        f" (was {result.previous_status.value})"
        if result.changed and result.previous_status is not None
        else ""
    )
    return (
        f"  {_STATUS_WORD[result.status]:<6} {result.severity.value:<8} "
        f"{result.check_id:<{check_width}}  {_target(result):<{target_width}}  "
        f"{clean(result.summary, max_len=300)}{changed}"
    )


def _summary_line(report: CheckReport) -> str:
    counts = report.counts()
    parts = [f"{counts[s.value]} {s.value}" for s in _STATUS_ORDER if counts[s.value]]
    total = len(report.results)
    text = f"{total} result{'s' if total != 1 else ''}"
    if parts:
        text += ": " + ", ".join(parts)
    text += f" in {report.wall_s:.2f} s."
    blocking = report.blocking
    text += (
        f" {blocking} blocking at {report.fail_on.value} or worse"
        if blocking
        else f" Nothing blocking at {report.fail_on.value} or worse"
    )
    if report.accepted:
        text += f" ({report.accepted} covered by accepted risks)"
    text += "."
    if report.timed_out:
        text += " The run hit its total deadline."
    if report.cancelled:
        text += " Interrupted: results so far were saved."
    return text + f" Exit {report.exit_code}."


# --- json ----------------------------------------------------------------------------------------


def render_json(report: CheckReport) -> str:
    """The documented JSON object (see the module docstring), indented, ASCII only."""
    return json.dumps(json_document(report), indent=2, ensure_ascii=True, sort_keys=False)


def json_document(report: CheckReport) -> dict[str, JSONValue]:
    """The JSON output as plain data."""
    session = report.session
    return {
        "format": JSON_FORMAT,
        "session": {
            "id": session.sprint.id,
            "client": session.sprint.client,
            "product": session.sprint.product,
            "apex": session.targets.apex,
            "file": str(report.path),
        },
        "results": [_json_result(item) for item in report.results],
        "summary": {
            "total": len(report.results),
            "counts": dict(report.counts()),
            "fail_on": report.fail_on.value,
            "blocking": report.blocking,
            "accepted": report.accepted,
            "cancelled": report.cancelled,
            "timed_out": report.timed_out,
            "wall_ms": round(report.wall_s * 1000),
        },
        "exit_code": report.exit_code,
    }


def _json_result(item: ReportedResult) -> dict[str, JSONValue]:
    result = item.result
    return {
        "check_id": result.check_id,
        "stage": item.stage,
        "target": result.target,
        "status": result.status.value,
        "severity": result.severity.value,
        "summary": result.summary,
        "evidence": _plain(result.evidence),
        "duration_ms": result.duration_ms,
        "measured_at": result.measured_at.isoformat() if result.measured_at else None,
        "previous_status": result.previous_status.value if result.previous_status else None,
        "blocking": item.blocking,
        "accepted_by": [
            {"decision": a.decision, "owner": a.owner, "owner_name": a.owner_name}
            for a in item.accepted_by
        ],
    }


def _plain(value: object) -> JSONValue:
    """Evidence as JSON data (mappings to dicts, sequences to lists)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, Sequence):
        return [_plain(v) for v in value]
    return str(value)

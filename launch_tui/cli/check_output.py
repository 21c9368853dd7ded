"""What ``launch-tui check`` prints: the results of one run, as text for people or JSON for CI.

:func:`build_check_report` decides, for every result of the run, whether it *blocks* (a ``fail``
or ``error`` at or above ``--fail-on`` that no accept-risk decision with an owner covers) and so
what the exit code is, and ranks the run's findings into the risk list with
:func:`~launch_tui.report.risk_list.rank_findings` (the ranking lives there, not here).
:func:`render_text` and :func:`render_json` only format that, as do the CI formats in
:mod:`~launch_tui.cli.check_junit` and :mod:`~launch_tui.cli.check_sarif`.

Every string that may come from the network or a hand-edited file (summaries, targets, client
names, decision owners) is passed through :func:`~launch_tui.core.sanitize.clean` in text, and
JSON is written with ``ensure_ascii``, so no control character a server sent reaches the
terminal either way.

The JSON shape is documented in the README ("Headless checks") and kept stable; fields are only
ever added. ``format`` names its version.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

from launch_tui.cli.exit_codes import Exit
from launch_tui.core.model import (
    STATUS_ORDER,
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
from launch_tui.report.risk_list import RankedFinding, rank_findings

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


@dataclass(frozen=True)
class Acceptance:
    """An owned accept-risk decision covering a failing result."""

    decision: str
    """The decision's id (``D3``)."""
    owner: str
    """The owner's person id."""
    owner_name: str
    """The owner's name when the session lists the person, else the id."""
    due: date | None = None
    """When the accepted risk is to be reviewed again (the decision's due date)."""
    reason: str = ""
    """The decision's text: why the risk was accepted."""

    def describe(self) -> str:
        """One line for people: ``accepted risk D3 by Priya Raman (priya) until 2025-06-09:
        renewal is booked``, cleaned of control characters."""
        text = f"accepted risk {clean(self.decision)} by {clean(self.owner_name)}"
        if self.owner_name != self.owner:
            text += f" ({clean(self.owner)})"
        if self.due is not None:
            text += f" until {self.due.isoformat()}"
        if self.reason.strip():
            text += f": {clean(self.reason, max_len=300)}"
        return text


@dataclass(frozen=True)
class RiskEntry:
    """One finding of the run on the risk list, where it stands and what covers it."""

    rank: int
    """1-based position on the list as shown: open blocking, then other open, then accepted."""
    finding: RankedFinding
    """The finding as :func:`~launch_tui.report.risk_list.rank_findings` ranked it."""
    blocking: bool
    """The finding fails the run (see :attr:`ReportedResult.blocking`)."""
    acceptances: tuple[Acceptance, ...] = ()
    """Owned accept-risk decisions covering it (any finding status, ``warn`` included)."""

    @property
    def result(self) -> CheckResult:
        return self.finding.result

    @property
    def accepted(self) -> bool:
        """An owned accept-risk decision covers the finding."""
        return bool(self.acceptances)

    @property
    def state(self) -> str:
        """``blocking``, ``open`` or ``accepted``."""
        if self.accepted:
            return "accepted"
        return "blocking" if self.blocking else "open"


@dataclass(frozen=True)
class StageGroup:
    """The run's results of one stage, failures first, as every format groups them."""

    stage: str
    """The stage id (or the id a custom check gave, or ``""``)."""
    number: int | None
    """1 to 7 for a playbook stage; ``None`` for checks outside the playbook."""
    title: str
    """The stage's title, or a label for checks outside the playbook."""
    items: tuple[ReportedResult, ...]

    @property
    def label(self) -> str:
        """``Stage 3 · Harden delivery``, or the plain title outside the playbook."""
        return f"Stage {self.number} · {self.title}" if self.number else self.title


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
    risks: tuple[RiskEntry, ...] = ()
    """The run's findings (``fail``, ``error``, ``warn``) as the ranked risk list."""
    started_at: datetime | None = None
    """When the run was invoked (UTC), if known: the only times the CI formats print."""
    finished_at: datetime | None = None
    """When the run ended (UTC), if known."""
    _risk_index: Mapping[tuple[str, str], RiskEntry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Derived once; the dataclass is frozen, hence object.__setattr__.
        object.__setattr__(self, "_risk_index", {r.result.key: r for r in self.risks})

    def risk_of(self, result: CheckResult) -> RiskEntry | None:
        """The risk-list entry for ``result``; ``None`` for a pass, skip or manual result."""
        return self._risk_index.get(result.key)

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
    started_at: datetime | None = None,
    finished_at: datetime | None = None,
) -> CheckReport:
    """Judge each of the run's ``results`` against ``fail_on`` and the session's decisions.

    ``stages`` maps check ids to stage ids for checks the playbook does not list (a custom
    playbook); the playbook is asked first. ``started_at`` and ``finished_at`` are the run's
    invocation times, printed by the CI formats.
    """
    results = tuple(results)
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
        risks=_risk_entries(
            session, playbook, results, {r.result.key: r.blocking for r in reported}
        ),
        started_at=started_at,
        finished_at=finished_at,
    )


def _risk_entries(
    session: Session,
    playbook: Playbook,
    results: tuple[CheckResult, ...],
    blocking: Mapping[tuple[str, str], bool],
) -> tuple[RiskEntry, ...]:
    """The run's findings in :func:`rank_findings` order, split (keeping that order) into open
    blocking, other open, then accepted."""
    # Rank this run's results only, not whatever else the session file holds.
    ranked = rank_findings(replace(session, results=results), playbook)
    ordered = [
        *(f for f in ranked.open if blocking.get(f.result.key, False)),
        *(f for f in ranked.open if not blocking.get(f.result.key, False)),
        *ranked.accepted,
    ]
    return tuple(
        RiskEntry(
            rank=position,
            finding=finding,
            blocking=blocking.get(finding.result.key, False),
            acceptances=tuple(_acceptance(session, d) for d in finding.accepted_by),
        )
        for position, finding in enumerate(ordered, start=1)
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
        due=decision.due,
        reason=decision.text,
    )


def _stage_of(playbook: Playbook, check_id: str, stages: dict[str, str]) -> str:
    if check_id in playbook:
        return playbook.stage_of(check_id).id
    return stages.get(check_id, "")


# --- text ----------------------------------------------------------------------------------------


def render_text(report: CheckReport) -> str:
    """Results grouped by stage, failures first, then the risk list and one summary line."""
    session = report.session
    lines = [
        f"launch-tui check: {clean(session.sprint.client, max_len=60)} — "
        f"{clean(session.targets.apex, max_len=60) or 'no apex'} ({clean(str(report.path))})"
    ]
    if not report.results:
        lines.append("No checks ran.")
    target_width = min(40, max((len(_target(r.result)) for r in report.results), default=10))
    check_width = max((len(r.result.check_id) for r in report.results), default=10)
    for group in stage_groups(report):
        lines.append("")
        lines.append(group.label)
        for item in group.items:
            lines.append(_line(item.result, target_width, check_width))
            for acceptance in item.accepted_by:
                lines.append(
                    f"         accepted risk {clean(acceptance.decision)} "
                    f"({clean(acceptance.owner_name)})"
                )
    if report.results:
        lines.append("")
        lines.extend(_risk_lines(report, target_width, check_width))
    # The verdict stays the last line: CI logs are read from the bottom.
    lines.append("")
    lines.append(_summary_line(report))
    return "\n".join(lines)


def stage_groups(report: CheckReport) -> tuple[StageGroup, ...]:
    """The run's results by stage in sprint order (checks outside the playbook last), each
    stage's results failures first, then by severity, check id and target."""
    groups: dict[str, list[ReportedResult]] = {}
    for item in report.results:
        groups.setdefault(item.stage, []).append(item)
    order = [s.id for s in report.playbook.stages]
    out = []
    for stage_id in sorted(
        groups, key=lambda s: (order.index(s), "") if s in order else (len(order), s)
    ):
        items = tuple(
            sorted(
                groups[stage_id],
                key=lambda r: (
                    r.result.status.rank,
                    r.result.severity.rank,
                    r.result.check_id,
                    r.result.target,
                ),
            )
        )
        if stage_id in order:
            spec = report.playbook.stage(stage_id)
            out.append(StageGroup(stage_id, spec.number, spec.title, items))
        else:
            out.append(StageGroup(stage_id, None, clean(stage_id) or "Other checks", items))
    return tuple(out)


_RISK_STATE_WORD = {"blocking": "BLOCKING", "open": "open", "accepted": "accepted"}


def _risk_lines(report: CheckReport, target_width: int, check_width: int) -> list[str]:
    """The ranked risk list: open blocking items, other open items, then accepted risks."""
    if not report.risks:
        return ["Risk list: no findings."]
    counts = dict.fromkeys(_RISK_STATE_WORD, 0)
    for entry in report.risks:
        counts[entry.state] += 1
    lines = [
        "Risk list, by launch impact: "
        + ", ".join(f"{n} {state}" for state, n in counts.items() if n)
    ]
    rank_width = len(str(len(report.risks)))
    for entry in report.risks:
        result = entry.result
        lines.append(
            f"  {entry.rank:>{rank_width}}. {_RISK_STATE_WORD[entry.state]:<8} "
            f"{_STATUS_WORD[result.status]:<5} {result.severity.value:<8} "
            f"{result.check_id:<{check_width}}  {_target(result):<{target_width}}  "
            f"{clean(result.summary, max_len=160)} [{entry.finding.category.label}]"
        )
        indent = " " * (rank_width + 4)
        lines.extend(f"{indent}{acceptance.describe()}" for acceptance in entry.acceptances)
    return lines


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
    parts = [f"{counts[s.value]} {s.value}" for s in STATUS_ORDER if counts[s.value]]
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
        "results": [_json_result(session, item) for item in report.results],
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
        # Added after the first release of check-v1, hence last.
        "risks": [_json_risk(session, entry) for entry in report.risks],
    }


def _json_risk(session: Session, entry: RiskEntry) -> dict[str, JSONValue]:
    result = entry.result
    url, host = target_location(session, result.target)
    return {
        "rank": entry.rank,
        "check_id": result.check_id,
        "target": result.target,
        "status": result.status.value,
        "severity": result.severity.value,
        "category": entry.finding.category.name.lower(),
        "category_label": entry.finding.category.label,
        "summary": result.summary,
        "state": entry.state,
        "blocking": entry.blocking,
        "accepted": entry.accepted,
        "accepted_by": [
            {
                "decision": a.decision,
                "owner": a.owner,
                "owner_name": a.owner_name,
                "due": a.due.isoformat() if a.due else None,
                "reason": a.reason,
            }
            for a in entry.acceptances
        ],
        "decisions": [
            {
                "decision": d.id,
                "action": d.action.value,
                "owner": d.owner,
                "due": d.due.isoformat() if d.due else None,
            }
            for d in entry.finding.decisions
        ],
        # Added after the first release of check-v1, hence last.
        "url": url or None,
        "host": host or None,
    }


def _json_result(session: Session, item: ReportedResult) -> dict[str, JSONValue]:
    result = item.result
    url, host = target_location(session, result.target)
    return {
        "check_id": result.check_id,
        "stage": item.stage,
        "target": result.target,
        "status": result.status.value,
        "severity": result.severity.value,
        "summary": result.summary,
        "evidence": plain(result.evidence),
        "duration_ms": result.duration_ms,
        "measured_at": result.measured_at.isoformat() if result.measured_at else None,
        "previous_status": result.previous_status.value if result.previous_status else None,
        "blocking": item.blocking,
        "accepted_by": [
            {"decision": a.decision, "owner": a.owner, "owner_name": a.owner_name}
            for a in item.accepted_by
        ],
        # Added after the first release of check-v1, hence last.
        "url": url or None,
        "host": host or None,
    }


_HOST_NAME = re.compile(r"(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


def target_location(session: Session, target: str) -> tuple[str, str]:
    """``(url, host)`` of a result's target, for CI systems that link or group by them.

    A route gives its URL and that URL's host; a host (declared, or a DNS name a check found)
    gives its name and no URL; a session-wide result or any other target (a secret's name, a
    DKIM selector) gives neither.
    """
    if not target:
        return "", ""
    route = session.route(target)
    if route is not None:
        try:
            host = urlsplit(route.url).hostname or ""
        except ValueError:
            host = ""
        return route.url, host
    if any(h.name == target for h in session.targets.hosts) or _HOST_NAME.fullmatch(target):
        return "", target
    return "", ""


def plain(value: object) -> JSONValue:
    """Evidence as JSON data (mappings to dicts, sequences to lists)."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, Sequence):
        return [plain(v) for v in value]
    return str(value)

"""What the screens show, computed from a session: plain frozen values, no textual.

Widgets render these; tests assert on them without running an app. Every string that may have
come from outside (the network, a repository, a hand-edited session file) leaves this module
through :func:`launch_tui.core.sanitize.clean`, so a widget never sees a control character.
Markup safety is the widgets' job: they render these strings as plain text, never as markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from launch_tui.core.display import person_name
from launch_tui.core.model import (
    Action,
    Decision,
    Evidence,
    JSONValue,
    Session,
    Severity,
    StageStatus,
    Status,
)
from launch_tui.core.playbook import CheckMode, Playbook
from launch_tui.core.readiness import stage_progress
from launch_tui.core.sanitize import clean
from launch_tui.tui.edits import parse_row_key, row_key
from launch_tui.tui.target_edits import FORM_LABEL, form_named_by

#: Longest value shown for one evidence item; the rest is cut with an ellipsis.
EVIDENCE_VALUE_MAX = 400
#: At most this many evidence lines are shown for one result.
EVIDENCE_LINES_MAX = 200

# --- check table and detail pane ---------------------------------------------------------------


@dataclass(frozen=True)
class CheckRow:
    """One line of a stage's check table: a check on one target, or a check not run yet."""

    key: str
    """``check_id:target`` (see :func:`launch_tui.tui.edits.row_key`)."""
    check_id: str
    title: str
    target: str
    """Cleaned target; ``""`` for session-wide checks and for checks not run yet."""
    status: Status | None
    """``None`` when the check has no result yet."""
    severity: Severity
    summary: str
    duration_ms: int | None
    changed: bool
    """The status differs from the previous run's."""
    manual: bool
    """A check the engineer confirms by hand."""
    runnable: bool
    """An auto check that is implemented (in the registry)."""
    decision: Action | None
    """The action of the latest decision covering this row, if any."""


#: The summary of a row the running check run has yet to give a result for.
QUEUED_SUMMARY = "in this run, waiting for its result"


def stage_rows(
    session: Session,
    playbook: Playbook,
    stage_id: str,
    implemented: Iterable[str] = (),
    queued: Iterable[str] = (),
) -> tuple[CheckRow, ...]:
    """The rows of a stage's check table: failures first.

    Ordered by status (fail, error, warn; then checks still to run or confirm, manual,
    skipped, pass), then severity (critical first), then playbook and target order.

    ``queued``: the row keys of a running check run's items. Each one without a result yet is
    a row of its own from the start of the run, so results fill rows in rather than adding
    them: the table keeps its size while results stream in, and the screen is not laid out
    again for every batch.
    """
    available = frozenset(implemented)
    waiting: dict[str, list[str]] = {}
    for key in queued:
        check_id, target = parse_row_key(key)
        waiting.setdefault(check_id, []).append(target)
    rows: list[CheckRow] = []
    for spec in playbook.stage(stage_id).checks:
        manual = spec.mode is CheckMode.MANUAL
        runnable = not manual and spec.id in available
        results = session.results_for(spec.id)
        have = {r.target for r in results}
        rows.extend(
            _queued_row(session, spec.id, spec.title, spec.severity, target)
            for target in waiting.get(spec.id, ())
            if target not in have
        )
        if not results and spec.id in waiting:
            continue
        if not results:
            if manual:
                summary = "waiting for your confirmation"
            elif runnable:
                summary = "not run yet"
            else:
                summary = "not automated yet; confirm by hand"
            rows.append(
                CheckRow(
                    key=row_key(spec.id, ""),
                    check_id=spec.id,
                    title=spec.title,
                    target="",
                    status=None,
                    severity=spec.severity,
                    summary=summary,
                    duration_ms=None,
                    changed=False,
                    manual=manual,
                    runnable=runnable,
                    decision=_latest_action(session.decisions, spec.id, ""),
                )
            )
            continue
        shown: set[str] = set()
        for result in results:
            key = row_key(result.check_id, result.target)
            if key in shown:
                continue  # a hand-edited file may repeat a result; the first one counts
            shown.add(key)
            rows.append(
                CheckRow(
                    key=key,
                    check_id=spec.id,
                    title=spec.title,
                    target=clean(result.target, max_len=120),
                    status=result.status,
                    severity=result.severity,
                    summary=clean(result.summary, max_len=300),
                    duration_ms=None if manual else result.duration_ms,
                    changed=result.changed,
                    manual=manual,
                    runnable=runnable,
                    decision=_latest_action(
                        session.decisions, spec.id, result.target, result.status
                    ),
                )
            )
    return tuple(sorted(rows, key=row_order))


def _queued_row(
    session: Session, check_id: str, title: str, severity: Severity, target: str
) -> CheckRow:
    return CheckRow(
        key=row_key(check_id, target),
        check_id=check_id,
        title=title,
        target=clean(target, max_len=120),
        status=None,
        severity=severity,
        summary=QUEUED_SUMMARY,
        duration_ms=None,
        changed=False,
        manual=False,
        runnable=True,
        decision=_latest_action(session.decisions, check_id, target),
    )


#: Where a check with no result yet sorts: after the warnings, before manual, skipped, pass.
_NO_RESULT_RANK = Status.WARN.rank + 0.5


def row_order(row: CheckRow) -> tuple[float, int]:
    """Sort key of a check row: status (worst first), then severity (worst first)."""
    status = _NO_RESULT_RANK if row.status is None else row.status.rank
    return (status, row.severity.rank)


def _latest_action(
    decisions: Sequence[Decision], check_id: str, target: str, status: Status | None = None
) -> Action | None:
    """The action of the latest decision on this row. A decision on every target of a check
    marks only its rows that are not passing: an accepted risk on a passing row covers
    nothing, and showing "A" there reads as if it did."""
    action: Action | None = None
    for decision in decisions:
        if decision.check_id != check_id:
            continue
        if decision.target == target or (not decision.target and status is not Status.PASS):
            action = decision.action
    return action


@dataclass(frozen=True)
class DecisionLine:
    """A decision as one line: what, who, when."""

    id: str
    action: Action
    text: str
    owner: str
    """The owner's name (or id when not among the people); ``""`` when nobody."""
    due: date | None
    scope: str
    """``check on target``, ``check`` or ``stage``."""


@dataclass(frozen=True)
class DetailView:
    """Everything the detail pane shows about one row."""

    key: str
    check_id: str
    title: str
    target: str
    status: Status | None
    severity: Severity
    summary: str
    why: str
    fix: str
    look_at: str
    manual: bool
    measured_at: datetime | None
    duration_ms: int | None
    previous_status: Status | None
    evidence: tuple[tuple[str, str], ...]
    decisions: tuple[DecisionLine, ...]
    owner: str
    """Name of the person carrying the check (through its fix/defer decision)."""
    closing: str = ""
    """How to close the row from here (which key, or which setting unblocks it)."""


def closing_hint(status: Status | None, summary: str, *, by_hand: bool) -> str:
    """One line saying how a row gets closed: ``by_hand`` for manual and not-automated checks."""
    if status is None and by_hand:
        return (
            "Press m to confirm it, with a note or an evidence link (or d to accept the risk "
            "as not verified)."
        )
    if status is None:
        return "Press r to run this stage's checks."
    if status is Status.SKIPPED:
        form = form_named_by(summary)
        change = (
            f"Press e to edit {FORM_LABEL[form]}"
            if form is not None
            else "Change that setting (e edits the row's route or host, the DKIM selectors or "
            "the network settings)"
        )
        return (
            f"Skipped: {summary} {change}, then r runs it again; or d accepts the risk "
            "as not verified."
        )
    if status in (Status.FAIL, Status.ERROR):
        return "Press d to record fix, accept risk (with an owner) or defer."
    return ""


def detail_for(
    session: Session, playbook: Playbook, key: str, implemented: Iterable[str] | None = None
) -> DetailView | None:
    """The detail of the row ``key``; ``None`` when the check is not in the playbook.

    ``implemented``: the checks the app can run (others are confirmed by hand); ``None`` takes
    every automated check as runnable."""
    check_id, target = parse_row_key(key)
    if check_id not in playbook:
        return None
    spec = playbook.check(check_id)
    result = session.result(check_id, target)
    decisions = tuple(
        decision_line(session, d)
        for d in session.decisions
        if d.check_id == check_id and d.target in ("", target)
    )
    owner = session.check_owner(check_id, target)
    return DetailView(
        key=key,
        check_id=check_id,
        title=spec.title,
        target=clean(target, max_len=200),
        status=None if result is None else result.status,
        severity=spec.severity if result is None else result.severity,
        summary="" if result is None else clean(result.summary, max_len=500),
        why=spec.why,
        fix=spec.fix,
        look_at=spec.look_at,
        manual=spec.mode is CheckMode.MANUAL,
        measured_at=None if result is None else result.measured_at,
        duration_ms=None if result is None else result.duration_ms,
        previous_status=None if result is None else result.previous_status,
        evidence=() if result is None else evidence_lines(result.evidence),
        decisions=decisions,
        owner=person_name(session, owner) if owner else "",
        closing=closing_hint(
            None if result is None else result.status,
            "" if result is None else clean(result.summary, max_len=300),
            by_hand=spec.mode is CheckMode.MANUAL
            or (implemented is not None and check_id not in frozenset(implemented)),
        ),
    )


def decision_line(session: Session, decision: Decision) -> DecisionLine:
    """One decision, with the owner's name resolved."""
    if decision.check_id and decision.target:
        scope = f"{decision.check_id} on {clean(decision.target, max_len=80)}"
    elif decision.check_id:
        scope = decision.check_id
    else:
        scope = "stage"
    return DecisionLine(
        id=clean(decision.id, max_len=20),
        action=decision.action,
        text=clean(decision.text, max_len=500),
        owner=person_name(session, decision.owner),
        due=decision.due,
        scope=scope,
    )


def evidence_lines(evidence: Evidence) -> tuple[tuple[str, str], ...]:
    """Evidence flattened to ``(key, value)`` lines; nested keys joined with dots.

    A list of plain values gives one line per value, the key shown on the first only. Values are
    cleaned of control characters and cut to :data:`EVIDENCE_VALUE_MAX` characters.
    """
    lines: list[tuple[str, str]] = []

    def walk(prefix: str, value: JSONValue) -> None:
        if len(lines) >= EVIDENCE_LINES_MAX:
            return
        if isinstance(value, Mapping):
            if not value:
                lines.append((prefix, "(none)"))
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list):
            if not value:
                lines.append((prefix, "(none)"))
            for index, inner in enumerate(value):
                if isinstance(inner, Mapping | list):
                    walk(f"{prefix}[{index}]", inner)
                else:
                    walk(prefix if index == 0 else "", inner)
        else:
            lines.append((prefix, _scalar(value)))

    for key, value in evidence.items():
        walk(str(key), value)
    cleaned = [(clean(k, max_len=80), clean(v, max_len=EVIDENCE_VALUE_MAX)) for k, v in lines]
    if len(lines) >= EVIDENCE_LINES_MAX:
        cleaned.append(("…", "more evidence is in the session file"))
    return tuple(cleaned)


def _scalar(value: JSONValue) -> str:
    if value is None:
        return "(null)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


# --- sprint overview ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StageLine:
    """One stage in the sidebar."""

    id: str
    number: int
    title: str
    status: StageStatus
    minutes: int
    checks_total: int
    checks_with_result: int
    checks_failing: int


@dataclass(frozen=True)
class ClockView:
    """The sprint clock: time used of the sprint's hours."""

    elapsed_minutes: int
    deadline_hours: int

    @property
    def fraction(self) -> float:
        """Share of the sprint used, 0 to 1 (capped)."""
        total = self.deadline_hours * 60
        return 0.0 if total <= 0 else min(1.0, self.elapsed_minutes / total)

    @property
    def overdue(self) -> bool:
        return self.elapsed_minutes > self.deadline_hours * 60

    @property
    def elapsed(self) -> str:
        """``12.5 h``, or ``9.2 d`` once past 99 hours (an old session reopened)."""
        hours = self.elapsed_minutes / 60
        return f"{hours:.1f} h" if hours < 100 else f"{hours / 24:.1f} d"

    @property
    def label(self) -> str:
        """``12.5 h of 48 h``."""
        return f"{self.elapsed} of {self.deadline_hours} h"


def clock_view(session: Session, now: datetime) -> ClockView:
    """How far into the sprint ``now`` is."""
    seconds = (now - session.sprint.started_at).total_seconds()
    return ClockView(
        elapsed_minutes=max(0, int(seconds // 60)), deadline_hours=session.sprint.deadline_hours
    )


def stage_lines(session: Session, playbook: Playbook) -> tuple[StageLine, ...]:
    """Every stage's status, time spent and check progress, in sprint order."""
    progress = stage_progress(session, playbook)
    lines = []
    for spec in playbook.stages:
        state = session.stage(spec.id)
        p = progress[spec.id]
        lines.append(
            StageLine(
                id=spec.id,
                number=spec.number,
                title=spec.title,
                status=state.status,
                minutes=state.minutes_spent,
                checks_total=p.total,
                checks_with_result=p.with_result,
                checks_failing=p.failing,
            )
        )
    return tuple(lines)


def short_stage_title(title: str) -> str:
    """A stage title short enough for the sidebar (``Harden delivery`` → ``Delivery``)."""
    words = title.split()
    table = {
        "Quick audit": "Audit",
        "Stabilize the request path": "Request path",
        "Harden delivery": "Delivery",
        "Secure email and secrets": "Email & secrets",
        "Rehearse the deploy": "Deploy",
        "Observe real usage": "Observe",
        "Hand over": "Handover",
    }
    return table.get(title, " ".join(words[-2:]) if len(words) > 2 else title)


def bar_label(item_id: str) -> str:
    """A minimum-bar item id as a short label (``email-auth`` → ``SPF/DKIM/DMARC``)."""
    words = item_id.replace("-", " ").strip()
    labels = {
        "core-reads": "Core reads p95",
        "writes-auth": "Writes/auth p95",
        "uptime-monitoring": "Uptime monitors",
        "secrets-out-of-code": "Secrets out of code",
        "dns-redirects": "DNS & redirects",
        "edge-tls": "Edge & TLS",
        "email-auth": "SPF/DKIM/DMARC",
        "env-separation": "Prod separated",
        "handover": "Handover",
    }
    return labels.get(item_id, words[:1].upper() + words[1:])


def fmt_minutes(minutes: int) -> str:
    """``0`` → ``—``, ``42`` → ``42m``, ``125`` → ``2h05``."""
    if minutes <= 0:
        return "—"
    if minutes < 60:
        return f"{minutes}m"
    return f"{minutes // 60}h{minutes % 60:02d}"


def fmt_ago(then: datetime | None, now: datetime) -> str:
    """``just now``, ``5 min ago``, ``3 h ago``, ``2 d ago`` or a date."""
    if then is None:
        return "—"
    seconds = (now - then).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    if seconds < 86400 * 14:
        return f"{int(seconds // 86400)} d ago"
    return then.date().isoformat()

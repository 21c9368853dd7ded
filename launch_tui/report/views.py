"""Small view values shared by the report sections, and the functions that build them. Pure.

A view holds only cleaned, display-ready text and plain numbers, so templates never touch the
domain model and every untrusted string has passed through ``clean`` (one line) or
``clean_multiline`` (notes) before any escaping happens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from launch_tui.core import display
from launch_tui.core.model import Action, CheckResult, Decision, Session, Status
from launch_tui.core.playbook import Playbook
from launch_tui.report import evidence as ev
from launch_tui.report.cleaning import clean
from launch_tui.report.escaping import safe_url
from launch_tui.report.evidence import EvidenceLine

#: Longest one-line value in a report (summaries, names, notes on one line).
TEXT_LIMIT = 500
#: Longest multi-line note.
NOTE_LIMIT = 4000

STATUS_LABELS = {
    Status.PASS: "pass",
    Status.WARN: "warn",
    Status.FAIL: "fail",
    Status.ERROR: "error",
    Status.SKIPPED: "skipped",
    Status.MANUAL: "waiting for confirmation",
}
ACTION_LABELS = {
    Action.FIX: "fix",
    Action.ACCEPT_RISK: "accept risk",
    Action.DEFER: "defer",
}


def text(value: str, limit: int = TEXT_LIMIT) -> str:
    """One line of untrusted text, cleaned and capped."""
    return clean(value, max_len=limit).strip()


@dataclass(frozen=True)
class Link:
    """A link: ``href`` is ``""`` when ``text`` is not an http(s) URL (then it is only shown)."""

    text: str
    href: str


def link(value: str) -> Link:
    """A link view of a raw URL from the session or evidence."""
    return Link(text=text(value, 300), href=safe_url(value))


@dataclass(frozen=True)
class ManualNote:
    """What the engineer recorded for a manual check: status, note and links."""

    check_id: str
    title: str
    status: str
    """``pass``, ``fail``... or ``not recorded`` when the check has no result."""
    note: str
    """Multi-line, cleaned."""
    links: tuple[Link, ...]
    recorded: bool
    """Whether the check has a result with a note or a link."""
    fills: str
    """Which stage records it: ``stage 7 (Hand over)``."""


def manual_note(session: Session, playbook: Playbook, check_id: str) -> ManualNote:
    """The note and links recorded for ``check_id`` (session-wide), or an unrecorded entry."""
    result = session.result(check_id)
    title = playbook.check(check_id).title if check_id in playbook else check_id
    fills = ""
    if check_id in playbook:
        stage = playbook.stage_of(check_id)
        fills = f"stage {stage.number} ({stage.title})"
    if result is None:
        return ManualNote(check_id, title, "not recorded", "", (), False, fills)
    note = ev.note_of(result, limit=NOTE_LIMIT)
    links = tuple(link(v) for v in ev.links_of(result))
    return ManualNote(
        check_id=check_id,
        title=title,
        status=STATUS_LABELS[result.status],
        note=note,
        links=links,
        recorded=bool(note or links),
        fills=fills,
    )


@dataclass(frozen=True)
class ResultView:
    """One check result as the report shows it."""

    check_id: str
    title: str
    target: str
    status: str
    """The status value (``pass``, ``fail``...), also used as a CSS class suffix."""
    status_label: str
    severity: str
    summary: str
    measured_at: str
    evidence: tuple[EvidenceLine, ...]
    note: str
    links: tuple[Link, ...]


def result_view(result: CheckResult, playbook: Playbook) -> ResultView:
    check_id = text(result.check_id, 80)
    title = playbook.check(result.check_id).title if result.check_id in playbook else check_id
    measured = result.measured_at.strftime("%Y-%m-%d %H:%M UTC") if result.measured_at else ""
    return ResultView(
        check_id=check_id,
        title=title,
        target=text(result.target, 253),
        status=result.status.value,
        status_label=STATUS_LABELS[result.status],
        severity=result.severity.value,
        summary=text(result.summary),
        measured_at=measured,
        evidence=ev.flatten(result.evidence),
        note=ev.note_of(result, limit=NOTE_LIMIT),
        links=tuple(link(v) for v in ev.links_of(result)),
    )


@dataclass(frozen=True)
class DecisionView:
    """A decision with names resolved and its date put in context."""

    id: str
    action: str
    action_label: str
    stage: str
    text: str
    check_id: str
    check_title: str
    target: str
    owner: str
    """The owner's name, or ``""``."""
    due: str
    """ISO date or ``""``."""
    due_note: str
    """``in 5 d``, ``today``, ``overdue by 3 d`` or ``""``."""
    flags: tuple[str, ...]


def decision_view(
    decision: Decision, session: Session, playbook: Playbook, today: date
) -> DecisionView:
    check_title = ""
    if decision.check_id and decision.check_id in playbook:
        check_title = playbook.check(decision.check_id).title
    flags: list[str] = []
    if decision.action is Action.ACCEPT_RISK:
        if not decision.owner.strip():
            flags.append("no owner: does not count toward readiness")
        if decision.due is None:
            flags.append("no review date")
        elif decision.due < today:
            flags.append("review overdue")
    elif decision.due is not None and decision.due < today:
        flags.append("overdue")
    stage = playbook.stage(decision.stage).title if decision.stage in _stage_ids(playbook) else ""
    return DecisionView(
        id=text(decision.id, 60),
        action=decision.action.value,
        action_label=ACTION_LABELS[decision.action],
        stage=stage,
        text=text(decision.text),
        check_id=text(decision.check_id, 80),
        check_title=check_title,
        target=text(decision.target, 253),
        owner=person_name(session, decision.owner),
        due=decision.due.isoformat() if decision.due else "",
        due_note=days_note(decision.due, today),
        flags=tuple(flags),
    )


def _stage_ids(playbook: Playbook) -> tuple[str, ...]:
    return tuple(s.id for s in playbook.stages)


def person_name(session: Session, person_id: str) -> str:
    """:func:`launch_tui.core.display.person_name` at the report's length (120 characters)."""
    return display.person_name(session, person_id, max_len=120)


def days_note(day: date | None, today: date) -> str:
    """``in 5 d``, ``today``, ``3 d ago``: a date relative to ``today``; ``""`` for none."""
    if day is None:
        return ""
    days = (day - today).days
    if days == 0:
        return "today"
    return f"in {days} d" if days > 0 else f"{-days} d ago"


def fmt_ms(value: float | None) -> str:
    """:func:`launch_tui.core.display.fmt_ms` in the report's style: ``412 ms``, ``12.3 s``."""
    return display.fmt_ms(value, display.REPORT_MS)


def fmt_pct(value: float | None, digits: int = 2) -> str:
    """A percentage for a table: ``99.95 %``; ``—`` when unknown."""
    if value is None:
        return "—"
    return f"{value:.{digits}f} %"


def fmt_money(amount: Decimal, currency: str) -> str:
    """``85.00 USD``: two decimals, the currency code cleaned."""
    return f"{amount.quantize(Decimal('0.01')):,} {text(currency, 10) or 'USD'}"


def fmt_moment(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")

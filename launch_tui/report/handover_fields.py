"""The handover's own fields as the report shows them: read from ``session.handover``, not from
check evidence. Pure.

Environment-variable changes per environment, rollback notes (with what the stage 5 drill
recorded beside them), support paths by kind, known limitations with their risk, next steps in
order with their owner, and the sign-off line. Each part that nothing was written for carries a
notice saying how to fill it in (the handover form, ``H`` in the app).
"""

from __future__ import annotations

from dataclasses import dataclass

from launch_tui.core.handover import SupportKind, SupportPath
from launch_tui.core.sanitize import clean_multiline
from launch_tui.core.signoff import sign_off_line
from launch_tui.report import parts
from launch_tui.report.inputs import ReportInputs
from launch_tui.report.views import Link, ManualNote, link, person_name, text

__all__ = ["HandoverFieldsView", "SupportView", "handover_fields", "support_views"]

#: What a long free-text field (steps, notes) is capped at in the report.
STEPS_LIMIT = 4000
_KIND_LABELS = {SupportKind.INCIDENT: "Incidents", SupportKind.FEATURE_REQUEST: "Feature requests"}
_HOW = "write it in the handover form (H in the app)"


@dataclass(frozen=True)
class EnvChangeView:
    environment: str
    where: str
    who: str
    steps: str
    """Multi-line, cleaned."""
    links: tuple[Link, ...]


@dataclass(frozen=True)
class RollbackView:
    steps: str
    """Multi-line, cleaned."""
    who: str
    links: tuple[Link, ...]
    drill: tuple[ManualNote, ...]
    """What stage 5's rollback drill recorded (only what was recorded)."""


@dataclass(frozen=True)
class SupportView:
    kind: str
    """``Incidents`` or ``Feature requests``."""
    channel: str
    hours: str
    who: str
    response: str
    notes: str
    links: tuple[Link, ...]


@dataclass(frozen=True)
class LimitationView:
    text: str
    risk: str


@dataclass(frozen=True)
class NextStepView:
    number: int
    text: str
    owner: str
    why: str


@dataclass(frozen=True)
class HandoverFieldsView:
    env_changes: tuple[EnvChangeView, ...]
    env_notice: str
    rollback: RollbackView
    rollback_notice: str
    support: tuple[SupportView, ...]
    support_notice: str
    limitations: tuple[LimitationView, ...]
    limitations_notice: str
    next_steps: tuple[NextStepView, ...]
    next_steps_notice: str
    links: tuple[Link, ...]
    """The monitoring links written in the handover."""
    sign_off: str
    """``Signed off on ... by ... to ...``, or ``""``."""


def _names(b: ReportInputs, value: str) -> str:
    """Person ids (comma-separated) shown as names; anything else shown as typed."""
    parts_ = [p.strip() for p in value.split(",") if p.strip()]
    return ", ".join(person_name(b.session, p) for p in parts_)


def _long(value: str) -> str:
    return clean_multiline(value, max_len=STEPS_LIMIT).strip()


def _links(values: tuple[str, ...]) -> tuple[Link, ...]:
    return tuple(link(v) for v in values if v.strip())


def _support_view(b: ReportInputs, p: SupportPath) -> SupportView:
    return SupportView(
        kind=_KIND_LABELS[p.kind],
        channel=text(p.channel, 200),
        hours=text(p.hours, 120),
        who=_names(b, p.who),
        response=text(p.response, 120),
        notes=_long(p.notes),
        links=_links(p.links),
    )


def support_views(b: ReportInputs, *kinds: SupportKind) -> tuple[SupportView, ...]:
    """The handover's support paths of ``kinds``, kind by kind, each in the order written."""
    handover = b.session.handover
    return tuple(_support_view(b, p) for kind in kinds for p in handover.support_for(kind))


def handover_fields(b: ReportInputs) -> HandoverFieldsView:
    """The view of ``b.session.handover``."""
    handover = b.session.handover
    env = tuple(
        EnvChangeView(
            environment=text(e.environment, 60) or "(environment not named)",
            where=text(e.where, 200),
            who=_names(b, e.who),
            steps=_long(e.steps),
            links=_links(e.links),
        )
        for e in handover.env_changes
    )
    drill = tuple(n for n in b.manuals(parts.HANDOVER_ROLLBACK) if n.recorded)
    rollback = RollbackView(
        steps=_long(handover.rollback.steps),
        who=_names(b, handover.rollback.who),
        links=_links(handover.rollback.links),
        drill=drill,
    )
    support = support_views(b, *SupportKind)
    limitations = tuple(
        LimitationView(text=text(x.text, 300), risk=text(x.risk, 300)) for x in handover.limitations
    )
    steps = tuple(
        NextStepView(
            number=i, text=text(s.text, 300), owner=_names(b, s.owner), why=text(s.why, 300)
        )
        for i, s in enumerate(handover.next_steps, start=1)
    )
    links = tuple(
        Link(text=text(m.name, 120) or text(m.url, 300), href=link(m.url).href)
        for m in handover.monitoring_links
    )
    return HandoverFieldsView(
        env_changes=env,
        env_notice=""
        if env
        else b.missing("handover", "No env-var change procedure written yet", _HOW),
        rollback=rollback,
        rollback_notice=""
        if rollback.steps
        else b.missing("handover", "No rollback notes written yet", _HOW),
        support=support,
        support_notice=""
        if support
        else b.missing("handover", "No support paths written yet", _HOW),
        limitations=limitations,
        limitations_notice=""
        if limitations
        else b.missing("handover", "No known limitations written yet", _HOW),
        next_steps=steps,
        next_steps_notice="" if steps else b.missing("handover", "No next steps written yet", _HOW),
        links=links,
        sign_off=text(sign_off_line(b.session), 300),
    )

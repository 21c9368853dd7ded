"""The report's sections: their ids, titles, the stage that fills each, and ``--only`` parsing.

A full report is the handover checklist followed by every stage's deliverable and an appendix of
check results. ``--only`` takes section ids (``domain-map``), a stage number or id (``3``,
``delivery``: that stage's deliverables) or ``all``; each section is a template of its own
(``sections/<id>.md.j2`` / ``.html.j2``) that ``--templates`` can override.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from launch_tui.core.errors import UsageError
from launch_tui.core.playbook import Playbook

__all__ = ["SECTIONS", "SectionSpec", "resolve_sections"]


@dataclass(frozen=True)
class SectionSpec:
    """One section of the report."""

    id: str
    """Stable id: the ``--only`` value, the template name and the HTML anchor."""
    title: str
    stage: str
    """The stage whose work fills this section (``""`` for the appendix)."""
    intro: str = ""
    """The section's first paragraph; ``""`` uses the stage deliverable's description."""

    @property
    def anchor(self) -> str:
        """The anchor GitHub gives the section's heading (``prioritized-fix-list``)."""
        return re.sub(r"[^a-z0-9 -]", "", self.title.lower()).replace(" ", "-")


SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec("handover", "Handover checklist", "handover"),
    SectionSpec("risk-list", "Risk list", "audit"),
    SectionSpec("fix-list", "Prioritized fix list", "request-path"),
    SectionSpec("domain-map", "Domain map", "delivery"),
    SectionSpec(
        "secrets-inventory",
        "Secrets inventory",
        "email-secrets",
        "Every secret by name, with where it is stored, who owns it and when it was last "
        "rotated (never its value), and what the secret scans found.",
    ),
    SectionSpec(
        "email-checklist",
        "Email deliverability checklist",
        "email-secrets",
        "Whether transactional and notification mail is authenticated (SPF, DKIM, DMARC) and "
        "delivered (MX, a real inbox test), with the exact DNS records to publish.",
    ),
    SectionSpec("deploy-runbook", "Deploy runbook", "deploy"),
    SectionSpec("monitoring-summary", "Monitoring summary", "observe"),
    SectionSpec(
        "evidence",
        "Check results and evidence",
        "",
        "Every check result recorded in the session, stage by stage, with the evidence behind "
        "it and the notes recorded by hand.",
    ),
)


def resolve_sections(only: Iterable[str], playbook: Playbook) -> tuple[SectionSpec, ...]:
    """The sections ``only`` asks for, in report order; every section when ``only`` is empty.

    Raises :class:`UsageError` naming the valid choices for anything unrecognised.
    """
    wanted: set[str] = set()
    asked = [w for w in only if w.strip()]
    for raw in asked:
        word = " ".join(raw.split()).casefold()
        if word == "all":
            wanted.update(s.id for s in SECTIONS)
            continue
        matches = {s.id for s in SECTIONS if s.id == word}
        if not matches:
            try:
                stage = playbook.resolve_stage(word)
            except UsageError:
                stage = None
            if stage is not None:
                matches = {s.id for s in SECTIONS if s.stage == stage.id}
        if not matches:
            choices = ", ".join(s.id for s in SECTIONS)
            raise UsageError(
                f"unknown report section {raw!r}: give one of {choices}, "
                "a stage number from 1 to 7, or all"
            )
        wanted.update(matches)
    if not asked:
        return SECTIONS
    return tuple(s for s in SECTIONS if s.id in wanted)

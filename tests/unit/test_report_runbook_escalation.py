"""The deploy runbook's incident escalation names the handover's incident support paths (what
the handover form wrote in ``[handover]``), not a manual check's note; none is "not recorded"."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from launch_tui.core.handover import Handover, SupportKind, SupportPath
from launch_tui.core.model import (
    CheckResult,
    Organisation,
    Person,
    Session,
    Severity,
    Sprint,
    Status,
)
from launch_tui.core.playbook import builtin_playbook
from launch_tui.report.render import render_document

NOW = datetime(2026, 5, 6, 10, 0, tzinfo=UTC)
PLAYBOOK = builtin_playbook()
SESSION = Session(
    sprint=Sprint("acme", "Acme", "App", "sam", NOW),
    people=(
        Person("sam", "Sam Carter", org=Organisation.CONTRACTOR),
        Person("maya", "Maya Okafor"),
    ),
    handover=Handover(
        support=(
            SupportPath(SupportKind.FEATURE_REQUEST, "Linear board", "Mondays", "maya"),
            SupportPath(SupportKind.INCIDENT, "#acme-<b>incidents</b>", "24/7", "sam", "30 min"),
            SupportPath(
                SupportKind.INCIDENT,
                "",
                "office hours",
                "maya",
                notes="Call Maya <first>\nthen Priya",
                links=("https://wiki.acme.test/oncall",),
            ),
        )
    ),
)


def runbook(session: Session, fmt: str) -> str:
    return render_document(session, PLAYBOOK, fmt=fmt, only=("deploy-runbook",), now=NOW)  # type: ignore[arg-type]


def test_markdown_lists_the_incident_paths_only() -> None:
    md = runbook(SESSION, "md")
    escalation = md[md.index("### Incident escalation") :]
    assert r"| \#acme-\<b\>incidents\</b\> | 24/7 | Sam Carter | 30 min |" in escalation
    assert "| **no channel** | office hours | Maya Okafor | — |" in escalation
    assert "Call Maya \\<first\\>" in escalation and "then Priya" in escalation
    assert "https://wiki.acme.test/oncall" in escalation
    assert "Linear board" not in md  # feature requests are not an escalation path
    assert "not recorded" not in escalation


def test_html_escapes_the_channel() -> None:
    html = runbook(SESSION, "html")
    escalation = html[html.index("Incident escalation") :]
    assert (
        "<td>#acme-&lt;b&gt;incidents&lt;/b&gt;</td><td>24/7</td><td>Sam Carter</td>" in escalation
    )
    assert '<span class="flag">no channel</span>' in escalation
    assert '<div class="note">Call Maya &lt;first&gt;\nthen Priya</div>' in escalation
    assert 'href="https://wiki.acme.test/oncall"' in escalation
    assert "<b>incidents" not in html


def test_no_incident_path_is_not_recorded_even_with_the_old_manual_note() -> None:
    # A result of the manual check with a note (what sessions held before [handover]) does not
    # stand in for the field.
    noted = replace(
        SESSION,
        handover=Handover(support=(SupportPath(SupportKind.FEATURE_REQUEST, "Linear"),)),
        results=(
            CheckResult(
                check_id="handover.support_paths",
                target="",
                status=Status.PASS,
                severity=Severity.MEDIUM,
                summary="Incidents: Slack",
                evidence={"note": "Incidents: #old-channel"},
            ),
        ),
    )
    for fmt in ("md", "html"):
        text = runbook(noted, fmt)
        escalation = text[text.index("Incident escalation") :]
        assert "Incident support path: not recorded" in escalation
        assert "#old-channel" not in text

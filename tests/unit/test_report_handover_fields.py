"""The report's handover reads the handover's own fields (not check evidence), escaped."""

from __future__ import annotations

from datetime import UTC, datetime

from launch_tui.core.handover import (
    EnvChange,
    Handover,
    Limitation,
    MonitoringLink,
    NextStep,
    Rollback,
    SupportKind,
    SupportPath,
)
from launch_tui.core.model import Organisation, Person, Session, Sprint
from launch_tui.core.playbook import builtin_playbook
from launch_tui.core.signoff import sign
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
        env_changes=(EnvChange("production", "Vercel settings", "maya", "edit\nredeploy"),),
        rollback=Rollback(
            "vercel rollback <deployment>", "maya, sam", ("https://wiki.example/rb",)
        ),
        support=(
            SupportPath(SupportKind.FEATURE_REQUEST, "Linear board"),
            SupportPath(SupportKind.INCIDENT, "", "24/7", "sam"),
        ),
        limitations=(Limitation("One droplet <script>alert(1)</script>", ""),),
        next_steps=(NextStep("Add a queue", "maya", "timeouts"), NextStep("Replica")),
        monitoring_links=(MonitoringLink("Status page", "https://status.example"),),
    ),
)


def render(session: Session, fmt: str) -> str:
    return render_document(session, PLAYBOOK, fmt=fmt, only=("handover",), now=NOW)  # type: ignore[arg-type]


def test_markdown_shows_each_field_in_order() -> None:
    md = render(SESSION, "md")
    assert "| production | Vercel settings | Maya Okafor |" in md
    assert "Who may run it: Maya Okafor, Sam Carter." in md
    # Incidents first, whatever order they were written in; a missing channel is called out.
    incident = md.index("| Incidents | **no channel** | 24/7 | Sam Carter |")
    assert incident < md.index("| Feature requests | Linear board |")
    assert "| 1 | Add a queue | Maya Okafor | timeouts |" in md
    assert "| 2 | Replica | — | — |" in md
    assert "**risk not written**" in md
    assert "Status page" in md and "https://status.example" in md
    assert "Not recorded yet" not in md.split("### Changing environment")[1].split("### Next")[0]


def test_html_escapes_what_was_written() -> None:
    html = render(SESSION, "html")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    assert "vercel rollback &lt;deployment&gt;" in html


def test_the_sign_off_is_shown() -> None:
    signed = sign(SESSION, "sam", "maya", NOW)
    md = render(signed, "md")
    assert "**Signed off on 2026-05-06 10:00 UTC by Sam Carter to Maya Okafor.**" in md

"""The handover's own fields judged for completeness: what is missing is a finding."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from launch_tui.checks import default_registry
from launch_tui.checks.engine.context import context_factory
from launch_tui.checks.engine.targets import WorkItem
from launch_tui.checks.handover.fields import (
    judge_env_changes,
    judge_limitations,
    judge_next_steps,
    judge_rollback,
    judge_support,
)
from launch_tui.core.handover import (
    EnvChange,
    Handover,
    Limitation,
    NextStep,
    Rollback,
    SupportKind,
    SupportPath,
)
from launch_tui.core.model import CheckResult, Session, Severity, Sprint, Status

NOW = datetime(2026, 3, 1, tzinfo=UTC)
DRILL = CheckResult(
    "deploy.rollback_drill", "", Status.PASS, Severity.HIGH, "4 min", measured_at=NOW
)

COMPLETE = Handover(
    env_changes=(
        EnvChange("production", "Vercel settings", "priya, maya", "edit, redeploy, check /health"),
        EnvChange("staging", "Vercel settings", "priya", "edit and redeploy"),
    ),
    rollback=Rollback("vercel rollback <deployment>", "priya"),
    support=(
        SupportPath(SupportKind.INCIDENT, "#incidents", "24/7", "sam", "30 minutes"),
        SupportPath(SupportKind.FEATURE_REQUEST, "Linear board", "Mon-Fri", "priya"),
    ),
    limitations=(Limitation("One API droplet", "an outage when it reboots"),),
    next_steps=(NextStep("Add a second droplet", "priya"),),
)


def kinds(findings: list) -> list[tuple[str, Status, Severity]]:  # type: ignore[type-arg]
    return [(f.target, f.status, f.severity) for f in findings]


def test_a_complete_handover_has_no_findings() -> None:
    assert judge_env_changes(COMPLETE) == []
    assert judge_rollback(COMPLETE, DRILL) == []
    assert judge_support(COMPLETE) == []
    assert judge_limitations(COMPLETE) == []
    assert judge_next_steps(COMPLETE) == []


def test_an_empty_handover_fails_each_part() -> None:
    empty = Handover()
    assert kinds(judge_env_changes(empty)) == [("env changes", Status.FAIL, Severity.MEDIUM)]
    assert kinds(judge_rollback(empty, None)) == [
        ("rollback", Status.FAIL, Severity.HIGH),
        ("rollback", Status.WARN, Severity.MEDIUM),
        ("drill", Status.WARN, Severity.LOW),
    ]
    assert ("incident", Status.FAIL, Severity.MEDIUM) in kinds(judge_support(empty))
    assert kinds(judge_limitations(empty)) == [("limitations", Status.FAIL, Severity.LOW)]
    assert kinds(judge_next_steps(empty)) == [("next steps", Status.FAIL, Severity.LOW)]


def test_a_support_path_with_no_incident_channel_is_a_finding() -> None:
    no_channel = replace(
        COMPLETE,
        support=(
            SupportPath(SupportKind.INCIDENT, "", "24/7", "sam"),
            COMPLETE.support[1],
        ),
    )
    (finding,) = judge_support(no_channel)
    assert (finding.target, finding.status) == ("incident", Status.FAIL)
    assert "no channel" in finding.problem


def test_missing_parts_of_entries_are_named() -> None:
    partial = replace(
        COMPLETE,
        env_changes=(EnvChange("staging", "", "priya", ""),),
        support=(SupportPath(SupportKind.INCIDENT, "#incidents"),),
        limitations=(Limitation("No queue for emails"),),
        next_steps=(NextStep("Move to a managed queue"),),
    )
    env = judge_env_changes(partial)
    assert kinds(env) == [
        ("production", Status.FAIL, Severity.MEDIUM),
        ("staging", Status.WARN, Severity.LOW),
    ]
    assert env[1].problem == "missing where the variables are set, steps to apply, check and undo"
    support = judge_support(partial)
    assert "missing hours, who answers" in support[0].problem
    assert ("feature-request", Status.WARN, Severity.LOW) in kinds(support)
    assert judge_limitations(partial)[0].problem == "No queue for emails: no risk written"
    assert judge_next_steps(partial)[0].problem == "Move to a managed queue: no owner"


def test_a_failed_drill_leaves_the_notes_untested() -> None:
    failed = replace(DRILL, status=Status.FAIL)
    (finding,) = judge_rollback(COMPLETE, failed)
    assert (finding.target, finding.status) == ("drill", Status.WARN)
    assert "is fail" in finding.problem


async def run(check_id: str, session: Session) -> CheckResult:
    definition = default_registry().get(check_id)
    return await definition.func(
        context_factory(session, clock=lambda: NOW)(WorkItem(definition, ""))
    )


async def test_checks_read_the_session_and_link_the_drill() -> None:
    session = Session(
        sprint=Sprint("t", "Acme", "App", "sam", NOW), handover=COMPLETE, results=(DRILL,)
    )
    rollback = await run("handover.rollback_notes", session)
    assert rollback.status is Status.PASS
    assert rollback.evidence["drill"] == {
        "status": "pass",
        "summary": "4 min",
        "measured_at": NOW.isoformat(),
    }
    support = await run("handover.support_paths", replace(session, handover=Handover()))
    assert (support.status, support.severity) == (Status.FAIL, Severity.MEDIUM)
    assert support.summary.startswith("incident: no incident path")
    for check_id in ("handover.env_changes", "handover.limitations", "handover.next_steps"):
        assert (await run(check_id, session)).status is Status.PASS, check_id

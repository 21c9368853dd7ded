"""The handover's own fields, judged for completeness (``session.handover``, ``core.handover``).

Each check reads what the engineer wrote in the handover forms and names what is missing; none
touches the network. Every result's evidence has ``findings`` (``target``, ``problem``,
``status``, ``severity``), as the other handover checks do.

==========================================================================  ======  ========
finding                                                                     status  severity
==========================================================================  ======  ========
``handover.env_changes``: no procedure at all, or none for production       fail    medium
    a procedure without its environment, where, who or steps                warn    low
``handover.rollback_notes``: no rollback steps                              fail    high
    nobody named to run it                                                  warn    medium
    no rollback drill recorded in stage 5, or it did not pass               warn    low
``handover.support_paths``: no incident path, or one with no channel        fail    medium
    an incident path without hours or who answers                           warn    low
    no feature-request path, or one with no channel                         warn    low
``handover.limitations``: none recorded                                     fail    low
    a limitation without its risk                                           warn    low
``handover.next_steps``: none recommended                                   fail    low
    a step without an owner                                                 warn    low
==========================================================================  ======  ========

The rollback notes are linked to the stage 5 drill (``deploy.rollback_drill``): its status,
summary and measured time are in the evidence under ``drill``, so the report can show both.
The drill is a manual step driven from the app (it needs someone to roll a release back), so a
headless ``check`` never produces it: complete notes with no drill recorded are a warning ("drill
not run yet"), never a failure, and the notes are judged on their own. A drill that did not pass
is a warning too: the notes stand, but they are untested.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from launch_tui.checks.engine.context import CheckContext
from launch_tui.checks.engine.findings import Finding, combine
from launch_tui.checks.engine.registry import Registry
from launch_tui.core.handover import Handover, SupportKind, SupportPath
from launch_tui.core.model import CheckResult, JSONValue, Session, Severity, Status
from launch_tui.core.playbook import AppliesTo
from launch_tui.core.sanitize import clean

__all__ = [
    "CHECKS",
    "FieldFinding",
    "env_changes",
    "judge_env_changes",
    "judge_limitations",
    "judge_next_steps",
    "judge_rollback",
    "judge_support",
    "limitations",
    "next_steps",
    "rollback_notes",
    "support_paths",
]

CHECKS = Registry()


@dataclass(frozen=True)
class FieldFinding:
    target: str
    """What the finding is about (``production``, ``incident``, ``limitation 2``)."""
    problem: str
    status: Status
    severity: Severity


def _blank(text: str) -> bool:
    return not text.strip()


def _label(text: str, fallback: str) -> str:
    return clean(text, max_len=60).strip() or fallback


# --- judgements (pure) --------------------------------------------------------------------------


def judge_env_changes(handover: Handover) -> list[FieldFinding]:
    """What is missing from the environment-variable change procedures."""
    procedures = handover.env_changes
    if not procedures:
        return [
            FieldFinding(
                "env changes",
                "no procedure for changing environment variables: write one per environment "
                "(where they are set, who may change them, how to apply, check and undo)",
                Status.FAIL,
                Severity.MEDIUM,
            )
        ]
    found: list[FieldFinding] = []
    if not any("prod" in p.environment.casefold() for p in procedures):
        found.append(
            FieldFinding(
                "production",
                "no procedure for production's environment variables",
                Status.FAIL,
                Severity.MEDIUM,
            )
        )
    for index, proc in enumerate(procedures, 1):
        target = _label(proc.environment, f"procedure {index}")
        missing = [
            name
            for name, value in (
                ("environment", proc.environment),
                ("where the variables are set", proc.where),
                ("who may change them", proc.who),
                ("steps to apply, check and undo", proc.steps),
            )
            if _blank(value)
        ]
        if missing:
            found.append(
                FieldFinding(target, "missing " + ", ".join(missing), Status.WARN, Severity.LOW)
            )
    return found


def judge_rollback(handover: Handover, drill: CheckResult | None) -> list[FieldFinding]:
    """What is missing from the rollback notes, and whether stage 5's drill backs them."""
    rollback = handover.rollback
    found: list[FieldFinding] = []
    if _blank(rollback.steps):
        found.append(
            FieldFinding(
                "rollback",
                "no rollback steps written: hand over the tested steps and commands",
                Status.FAIL,
                Severity.HIGH,
            )
        )
    if _blank(rollback.who):
        found.append(
            FieldFinding(
                "rollback", "nobody is named to run a rollback", Status.WARN, Severity.MEDIUM
            )
        )
    if drill is None or drill.status is Status.MANUAL:
        found.append(
            FieldFinding(
                "drill",
                "not run yet: no rollback drill recorded in stage 5 "
                "(deploy.rollback_drill) to back the notes",
                Status.WARN,
                Severity.LOW,
            )
        )
    elif drill.status is not Status.PASS:
        found.append(
            FieldFinding(
                "drill",
                f"the stage 5 rollback drill is {drill.status.value}: the notes are untested",
                Status.WARN,
                Severity.LOW,
            )
        )
    return found


def _path_problems(path: SupportPath) -> list[str]:
    return [
        name for name, value in (("hours", path.hours), ("who answers", path.who)) if _blank(value)
    ]


def judge_support(handover: Handover) -> list[FieldFinding]:
    """Incident and feature-request paths: a channel each, and hours and who for incidents."""
    found: list[FieldFinding] = []
    incidents = handover.support_for(SupportKind.INCIDENT)
    features = handover.support_for(SupportKind.FEATURE_REQUEST)
    if not incidents:
        found.append(
            FieldFinding(
                "incident",
                "no incident path: write whom to contact in an outage, how and when",
                Status.FAIL,
                Severity.MEDIUM,
            )
        )
    elif not any(not _blank(p.channel) for p in incidents):
        found.append(
            FieldFinding(
                "incident",
                "the incident path has no channel: nobody knows where to report an outage",
                Status.FAIL,
                Severity.MEDIUM,
            )
        )
    for path in incidents:
        missing = _path_problems(path)
        if missing:
            found.append(
                FieldFinding(
                    "incident",
                    f"incident path via {_label(path.channel, '(no channel)')}: missing "
                    + ", ".join(missing),
                    Status.WARN,
                    Severity.LOW,
                )
            )
    if not features:
        found.append(
            FieldFinding(
                "feature-request",
                "no feature-request path: requests will land in the incident channel",
                Status.WARN,
                Severity.LOW,
            )
        )
    elif not any(not _blank(p.channel) for p in features):
        found.append(
            FieldFinding(
                "feature-request",
                "the feature-request path has no channel",
                Status.WARN,
                Severity.LOW,
            )
        )
    return found


def judge_limitations(handover: Handover) -> list[FieldFinding]:
    """At least one limitation, each with its risk."""
    if not handover.limitations:
        return [
            FieldFinding(
                "limitations",
                "no known limitations recorded: list the shortcuts taken and their risk",
                Status.FAIL,
                Severity.LOW,
            )
        ]
    return [
        FieldFinding(
            f"limitation {index}",
            f"{_label(item.text, '(blank)')}: no risk written",
            Status.WARN,
            Severity.LOW,
        )
        for index, item in enumerate(handover.limitations, 1)
        if _blank(item.risk)
    ]


def judge_next_steps(handover: Handover) -> list[FieldFinding]:
    """At least one next step, each with an owner."""
    if not handover.next_steps:
        return [
            FieldFinding(
                "next steps",
                "no next steps recommended: list them in priority order, each with an owner",
                Status.FAIL,
                Severity.LOW,
            )
        ]
    return [
        FieldFinding(
            f"step {index}",
            f"{_label(step.text, '(blank)')}: no owner",
            Status.WARN,
            Severity.LOW,
        )
        for index, step in enumerate(handover.next_steps, 1)
        if _blank(step.owner)
    ]


# --- the checks -----------------------------------------------------------------------------


def _result(
    ctx: CheckContext,
    findings: Sequence[FieldFinding],
    evidence: dict[str, JSONValue],
    pass_summary: str,
) -> CheckResult:
    evidence["findings"] = [
        {
            "target": f.target,
            "problem": f.problem,
            "status": f.status.value,
            "severity": f.severity.value,
        }
        for f in findings
    ]
    if not findings:
        return ctx.result(Status.PASS, clean(pass_summary, max_len=400), evidence=evidence)
    status, severity, summary = combine(
        [Finding(f.status, f.severity, f"{f.target}: {f.problem}") for f in findings]
    )
    return ctx.result(status, summary, evidence=evidence, severity=severity)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


@CHECKS.register(
    "handover.env_changes",
    stage="handover",
    title="Safe way to change environment variables documented",
    severity=Severity.MEDIUM,
    applies_to=AppliesTo.SESSION,
)
async def env_changes(ctx: CheckContext) -> CheckResult:
    """A procedure per environment, production included: where, who, steps."""
    handover = ctx.session.handover
    envs = [clean(p.environment, max_len=40) for p in handover.env_changes]
    return _result(
        ctx,
        judge_env_changes(handover),
        {"environments": list[JSONValue](envs)},
        f"Procedures written for {', '.join(envs)}",
    )


@CHECKS.register(
    "handover.rollback_notes",
    stage="handover",
    title="Rollback notes handed over",
    severity=Severity.HIGH,
    applies_to=AppliesTo.SESSION,
)
async def rollback_notes(ctx: CheckContext) -> CheckResult:
    """Rollback steps and who runs them, linked to the stage 5 drill."""
    session: Session = ctx.session
    drill = session.result("deploy.rollback_drill")
    evidence: dict[str, JSONValue] = {"steps_written": not _blank(session.handover.rollback.steps)}
    if drill is not None:
        evidence["drill"] = {
            "status": drill.status.value,
            "summary": clean(drill.summary, max_len=200),
            "measured_at": drill.measured_at.isoformat() if drill.measured_at else None,
        }
    return _result(
        ctx,
        judge_rollback(session.handover, drill),
        evidence,
        "Rollback steps written, who runs them named, and the stage 5 drill passed",
    )


@CHECKS.register(
    "handover.support_paths",
    stage="handover",
    title="Support paths for incidents and for feature requests",
    severity=Severity.MEDIUM,
    applies_to=AppliesTo.SESSION,
)
async def support_paths(ctx: CheckContext) -> CheckResult:
    """An incident path with a channel, hours and who; a separate feature-request path."""
    handover = ctx.session.handover
    counts: dict[str, JSONValue] = {
        kind.value: len(handover.support_for(kind)) for kind in SupportKind
    }
    return _result(
        ctx,
        judge_support(handover),
        {"paths": counts},
        "Incident and feature-request paths written, each with a channel",
    )


@CHECKS.register(
    "handover.limitations",
    stage="handover",
    title="Known limitations recorded",
    severity=Severity.LOW,
    applies_to=AppliesTo.SESSION,
)
async def limitations(ctx: CheckContext) -> CheckResult:
    """Known limitations, each with its risk."""
    count = len(ctx.session.handover.limitations)
    return _result(
        ctx,
        judge_limitations(ctx.session.handover),
        {"count": count},
        f"{_plural(count, 'limitation')} recorded, each with its risk",
    )


@CHECKS.register(
    "handover.next_steps",
    stage="handover",
    title="Next steps recommended",
    severity=Severity.LOW,
    applies_to=AppliesTo.SESSION,
)
async def next_steps(ctx: CheckContext) -> CheckResult:
    """Next steps in order, each with an owner."""
    count = len(ctx.session.handover.next_steps)
    return _result(
        ctx,
        judge_next_steps(ctx.session.handover),
        {"count": count},
        f"{_plural(count, 'next step')} recommended, each with an owner",
    )

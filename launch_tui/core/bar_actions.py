"""What stands in the way of each minimum-bar item now, and the one action that would move it.

:mod:`launch_tui.core.readiness` says where an item stands; this module says what to do about
it, result by result: run a check that has no result, confirm a manual one, decide about a
failure (fix it, or accept the risk with an owner), or change the setting a skipped check names.

It also says when a decision cannot count: an accepted risk covers failures only, so one on a
skipped or passing result changes nothing (:func:`acceptance_problem`,
:func:`decision_problem`). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from launch_tui.core.model import Action, CheckResult, Decision, Session, Status
from launch_tui.core.playbook import CheckMode, CheckSpec, Playbook
from launch_tui.core.readiness import BarItemState, BarState, compute_readiness
from launch_tui.core.sanitize import clean

__all__ = [
    "Blocker",
    "Move",
    "acceptance_problem",
    "bar_blockers",
    "decision_problem",
]


class Move(StrEnum):
    """The kind of action that moves a blocker."""

    RUN = "run"
    CONFIRM = "confirm"
    DECIDE = "decide"
    EDIT = "edit"


@dataclass(frozen=True)
class Blocker:
    """One thing in the way of a bar item, and what would move it."""

    check_id: str
    target: str
    stage: str
    """Id of the stage the check belongs to (``""`` for a missing target setting)."""
    what: str
    """What blocks now, one line."""
    move: Move
    action: str
    """The one action that would move it, one line (names the key in the app)."""


def bar_blockers(
    session: Session, playbook: Playbook, implemented: Iterable[str] = ()
) -> dict[str, tuple[Blocker, ...]]:
    """Blockers of every minimum-bar item that is not met or accepted, keyed by item id.

    ``implemented`` are the ids of the checks the app can run (the others are confirmed by
    hand).
    """
    runnable = frozenset(implemented)
    readiness = compute_readiness(session, playbook)
    found: dict[str, tuple[Blocker, ...]] = {}
    for state in readiness.items:
        if state.state in (BarState.MET, BarState.ACCEPTED):
            continue
        found[state.item.id] = _item_blockers(session, playbook, state, runnable)
    return found


def _item_blockers(
    session: Session, playbook: Playbook, state: BarItemState, runnable: frozenset[str]
) -> tuple[Blocker, ...]:
    out: list[Blocker] = [_failure(playbook, r) for r in state.blocking]
    kinds = state.item.route_kinds
    for check_id in state.item.checks:
        spec = playbook.check(check_id)
        number = _stage_number(playbook, spec.stage)
        results = session.results_for(check_id)
        if kinds:
            routes = [r for r in session.targets.routes if r.kind in kinds]
            if not routes:
                names = " or ".join(k.value for k in kinds)
                out.append(
                    Blocker(
                        check_id,
                        "",
                        "",
                        f"no {names} route is configured",
                        Move.EDIT,
                        f"add a {names} route to the session's targets, then run its checks",
                    )
                )
                continue
            for route in routes:
                on_route = tuple(r for r in results if r.target == route.name)
                out.extend(_undecided(spec, on_route, route.name, runnable, number))
        else:
            out.extend(_undecided(spec, results, "", runnable, number))
    return tuple(out)


def _stage_number(playbook: Playbook, stage_id: str) -> int:
    return playbook.stage(stage_id).number


def _failure(playbook: Playbook, result: CheckResult) -> Blocker:
    spec = playbook.check(result.check_id)
    number = _stage_number(playbook, spec.stage)
    where = f" on {clean(result.target, max_len=60)}" if result.target else ""
    summary = clean(result.summary, max_len=120)
    if result.status is Status.ERROR:
        what = f"{spec.id} could not be checked{where}: {summary}"
        action = f"run stage {number} again (r), or accept the risk with an owner (d)"
    else:
        what = f"{spec.id} fails{where}: {summary}"
        action = f"fix it and run stage {number} again (r), or accept the risk with an owner (d)"
    return Blocker(spec.id, result.target, spec.stage, what, Move.DECIDE, action)


def _undecided(
    spec: CheckSpec,
    results: tuple[CheckResult, ...],
    route: str,
    runnable: frozenset[str],
    number: int,
) -> list[Blocker]:
    """A blocker when ``results`` (of one check, on one route or all targets) decide nothing."""
    if any(r.status is not Status.SKIPPED and r.status is not Status.MANUAL for r in results):
        decided = [r for r in results if r.status in (Status.PASS, Status.FAIL, Status.ERROR)]
        decided += [r for r in results if r.status is Status.WARN and spec.mode is CheckMode.AUTO]
        if decided:
            return []
    where = f" on route {route!r}" if route else ""
    target = route
    if spec.mode is CheckMode.MANUAL or spec.id not in runnable:
        how = "a manual check" if spec.mode is CheckMode.MANUAL else "not automated yet"
        waits = f"{spec.id}{where} waits for your confirmation ({how})"
        if spec.absent and not results:
            waits = f"{spec.absent}: {waits}"
        return [
            Blocker(
                spec.id,
                target,
                spec.stage,
                waits,
                Move.CONFIRM,
                f"look, then confirm it with a note or a link (m on {spec.id})",
            )
        ]
    skipped = [r for r in results if r.status is Status.SKIPPED]
    if skipped:
        reason = clean(skipped[0].summary, max_len=160)
        return [
            Blocker(
                spec.id,
                skipped[0].target or target,
                spec.stage,
                f"{spec.id}{where} was skipped: {reason}",
                Move.EDIT,
                f"change the setting it names, then run stage {number} again (r); an accepted "
                "risk does not count on a skipped result",
            )
        ]
    return [
        Blocker(
            spec.id,
            target,
            spec.stage,
            f"no result yet for {spec.id}{where}",
            Move.RUN,
            f"run stage {number}'s checks (r on stage {number})",
        )
    ]


def acceptance_problem(result: CheckResult | None) -> str | None:
    """Why an accepted risk on ``result`` would not count, or ``None`` when it would.

    Readiness counts an accepted risk only against a failure (``fail`` or ``error``): on a
    passing, warning, skipped or unconfirmed result there is nothing it could accept.
    """
    if result is None:
        return "the check has no result yet: run it (or confirm it) first"
    if result.status in (Status.FAIL, Status.ERROR):
        return None
    if result.status is Status.SKIPPED:
        return (
            f"it was skipped ({clean(result.summary, max_len=100)}): change that setting and "
            "run it again"
        )
    if result.status is Status.PASS:
        return "it passes: there is no risk to accept"
    if result.status is Status.WARN:
        return "a warning does not block the bar: there is no risk to accept"
    return "it waits for your confirmation: confirm it (m) first"


def decision_problem(session: Session, decision: Decision) -> str | None:
    """Why an accept-risk ``decision`` counts for nothing now, or ``None`` when it counts.

    It counts when it has an owner and covers at least one failing result.
    """
    if decision.action is not Action.ACCEPT_RISK:
        return None
    if not decision.owner.strip():
        return "no owner: an accepted risk counts only with one"
    covered = [r for r in session.results if decision.covers(r)]
    if not covered:
        return "no result of its check yet"
    if any(r.status in (Status.FAIL, Status.ERROR) for r in covered):
        return None
    problems = {acceptance_problem(r) for r in covered}
    return next(iter(problems)) if len(problems) == 1 else "none of its results fails"

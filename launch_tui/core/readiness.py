"""The readiness verdict: does the session meet the playbook's minimum bar?

Each minimum-bar item is decided from the results of its checks and the decisions recorded about
them. The rules, in the order they apply to one item:

- An item's relevant results are the session's results for its checks. When the item names
  ``route_kinds``, only results on configured routes of those kinds count, and every such route
  needs a result of its own; with no such route configured the item is *pending*.
- An auto check is satisfied by ``pass`` or ``warn``. A manual check is satisfied only by
  ``pass``: the engineer confirmed it by hand.
- ``fail`` and ``error`` block the item, unless an ``accept-risk`` decision with an owner covers
  that result; then the result is *accepted*. An accept-risk without an owner, a ``fix`` or a
  ``defer`` does not lift a block.
- No result yet, or only ``skipped`` / ``manual`` ones, leaves the check *pending*. A check whose
  playbook entry says what its absence means (``absent``) is waited on in those words: the
  rollback drill's ``rollback never drilled (deploy.rollback_drill)``.

An item with any unaccepted block is ``not_met`` (a known failure outweighs an unknown); else
with anything pending it is ``pending``; else with anything accepted it is ``accepted``; else
``met``. The verdict is ``ready`` when every item is met, ``ready_with_accepted_risks`` when every
item is met or accepted and at least one is accepted, and ``not_ready`` otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum, StrEnum

from launch_tui.core.model import Action, CheckResult, Decision, RouteKind, Session, Status
from launch_tui.core.playbook import BarItem, CheckMode, CheckSpec, Playbook


class BarState(StrEnum):
    """Where one minimum-bar item stands."""

    MET = "met"
    ACCEPTED = "accepted"  # met except for failures accepted as risks with an owner
    NOT_MET = "not_met"
    PENDING = "pending"  # not enough results yet to say


class Verdict(StrEnum):
    """The top-level answer: is this backend launch ready?"""

    READY = "ready"
    READY_WITH_ACCEPTED_RISKS = "ready_with_accepted_risks"
    NOT_READY = "not_ready"

    @property
    def rank(self) -> int:
        """0 for not ready, 1 with accepted risks, 2 for ready; higher is better."""
        return _VERDICT_RANK[self]


_VERDICT_RANK = {
    Verdict.NOT_READY: 0,
    Verdict.READY_WITH_ACCEPTED_RISKS: 1,
    Verdict.READY: 2,
}


@dataclass(frozen=True)
class BarItemState:
    """One minimum-bar item, decided."""

    item: BarItem
    state: BarState
    blocking: tuple[CheckResult, ...]
    """Failing results not covered by an owned accept-risk decision."""
    accepted: tuple[CheckResult, ...]
    """Failing results that an owned accept-risk decision covers."""
    accepting: tuple[Decision, ...]
    """The owned accept-risk decisions covering ``accepted``, without repeats."""
    waiting_on: tuple[str, ...]
    """What is still missing, one short phrase each (``no result yet for email.dkim``)."""
    reason: str
    """One line saying why the item is in its state, fit for a list or a report."""


@dataclass(frozen=True)
class Readiness:
    """Every minimum-bar item's state and the verdict they add up to."""

    items: tuple[BarItemState, ...]
    verdict: Verdict

    def item(self, item_id: str) -> BarItemState:
        """The state of the bar item with this id; ``KeyError`` when there is none."""
        for state in self.items:
            if state.item.id == item_id:
                return state
        raise KeyError(item_id)

    def count(self, state: BarState) -> int:
        """How many items are in ``state``."""
        return sum(1 for s in self.items if s.state is state)


@dataclass(frozen=True)
class StageProgress:
    """How far one stage's checks have got, for lists and progress bars."""

    stage: str
    total: int
    """Checks the stage declares."""
    with_result: int
    """Checks with at least one result other than ``manual`` (waiting for the engineer)."""
    passing: int
    """Checks whose deciding results all satisfy them (see the module rules)."""
    failing: int
    """Checks with at least one ``fail`` or ``error`` result, accepted or not."""

    @property
    def remaining(self) -> int:
        """Checks with no result yet."""
        return self.total - self.with_result


class _Outcome(Enum):
    SATISFIES = "satisfies"
    BLOCKS = "blocks"
    UNDECIDED = "undecided"


def compute_readiness(session: Session, playbook: Playbook) -> Readiness:
    """Decide each minimum-bar item of ``playbook`` from ``session``'s results and decisions."""
    items = tuple(_item_state(session, playbook, item) for item in playbook.minimum_bar)
    return Readiness(items=items, verdict=_verdict(items))


def stage_progress(session: Session, playbook: Playbook) -> dict[str, StageProgress]:
    """Progress of every stage, keyed by stage id, in sprint order."""
    progress: dict[str, StageProgress] = {}
    for stage in playbook.stages:
        with_result = passing = failing = 0
        for spec in stage.checks:
            results = session.results_for(spec.id)
            if any(r.status is not Status.MANUAL for r in results):
                with_result += 1
            outcomes = [_outcome(spec, r) for r in results]
            if any(r.status in (Status.FAIL, Status.ERROR) for r in results):
                failing += 1
            elif _Outcome.SATISFIES in outcomes and _Outcome.BLOCKS not in outcomes:
                passing += 1
        progress[stage.id] = StageProgress(
            stage=stage.id,
            total=len(stage.checks),
            with_result=with_result,
            passing=passing,
            failing=failing,
        )
    return progress


def _outcome(spec: CheckSpec, result: CheckResult) -> _Outcome:
    """What one result says about its check, before decisions are considered."""
    if result.status in (Status.FAIL, Status.ERROR):
        # For a manual check this is the engineer recording that it does not hold.
        return _Outcome.BLOCKS
    if result.status is Status.PASS:
        return _Outcome.SATISFIES
    if result.status is Status.WARN and spec.mode is CheckMode.AUTO:
        return _Outcome.SATISFIES
    # skipped, manual, or a warn on a manual check: nobody confirmed it holds.
    return _Outcome.UNDECIDED


def _owned_acceptances(session: Session, result: CheckResult) -> tuple[Decision, ...]:
    return tuple(
        d
        for d in session.decisions_covering(result)
        if d.action is Action.ACCEPT_RISK and d.owner.strip()
    )


@dataclass
class _Tally:
    """What the results of one bar item add up to, gathered check by check."""

    satisfied: int = 0
    warned: int = 0
    blocking: tuple[CheckResult, ...] = ()
    accepted: tuple[CheckResult, ...] = ()
    accepting: tuple[Decision, ...] = ()
    waiting_on: tuple[str, ...] = ()

    def add(self, session: Session, spec: CheckSpec, results: Iterable[CheckResult]) -> bool:
        """Count ``results`` of one check (on one target, or all targets); False if undecided."""
        decided = False
        for result in results:
            outcome = _outcome(spec, result)
            if outcome is _Outcome.SATISFIES:
                decided = True
                self.satisfied += 1
                self.warned += int(result.status is Status.WARN)
            elif outcome is _Outcome.BLOCKS:
                decided = True
                owned = _owned_acceptances(session, result)
                if owned:
                    self.accepted += (result,)
                    self.accepting += tuple(d for d in owned if d not in self.accepting)
                else:
                    self.blocking += (result,)
        return decided


def _item_state(session: Session, playbook: Playbook, item: BarItem) -> BarItemState:
    tally = _Tally()
    for check_id in item.checks:
        spec = playbook.check(check_id)
        results = session.results_for(check_id)
        if item.route_kinds:
            _add_route_results(tally, session, spec, item.route_kinds, results)
        elif not tally.add(session, spec, results):
            tally.waiting_on += (_undecided_phrase(spec, results),)

    if tally.blocking:
        state = BarState.NOT_MET
        reason = _blocking_reason(tally.blocking)
    elif tally.waiting_on:
        state = BarState.PENDING
        reason = _first_and_more(tally.waiting_on, "still missing")
    elif tally.accepted:
        state = BarState.ACCEPTED
        reason = _accepted_reason(session, tally)
    else:
        state = BarState.MET
        verb = "passes" if tally.satisfied == 1 else "pass"
        reason = f"{_plural(tally.satisfied, 'result')} {verb}" + (
            f", {tally.warned} with warnings" if tally.warned else ""
        )
    return BarItemState(
        item=item,
        state=state,
        blocking=tally.blocking,
        accepted=tally.accepted,
        accepting=tally.accepting,
        waiting_on=tally.waiting_on,
        reason=reason,
    )


def _add_route_results(
    tally: _Tally,
    session: Session,
    spec: CheckSpec,
    kinds: tuple[RouteKind, ...],
    results: tuple[CheckResult, ...],
) -> None:
    """Per-route checks narrowed by kind: every configured route of those kinds must decide."""
    routes = [r for r in session.targets.routes if r.kind in kinds]
    if not routes:
        names = " or ".join(k.value for k in kinds)
        tally.waiting_on += (f"no {names} routes configured",)
        return
    for route in routes:
        on_route = [r for r in results if r.target == route.name]
        if not tally.add(session, spec, on_route):
            tally.waiting_on += (_undecided_phrase(spec, on_route, route=route.name),)


def _undecided_phrase(
    spec: CheckSpec, results: Iterable[CheckResult], route: str | None = None
) -> str:
    where = f" on route {route!r}" if route is not None else ""
    statuses = {r.status for r in results}
    if spec.absent and not statuses:
        return f"{spec.absent} ({spec.id}){where}"
    if spec.mode is CheckMode.MANUAL:
        return f"{spec.id}{where} waits for the engineer's confirmation"
    if statuses and statuses <= {Status.SKIPPED}:
        return f"{spec.id}{where} was skipped"
    return f"no result yet for {spec.id}{where}"


def _blocking_reason(blocking: tuple[CheckResult, ...]) -> str:
    phrases = []
    for result in blocking:
        verb = "could not be checked" if result.status is Status.ERROR else "fails"
        where = f" on {result.target}" if result.target else ""
        phrases.append(f"{result.check_id} {verb}{where}")
    return _first_and_more(tuple(phrases), "more")


def _accepted_reason(session: Session, tally: _Tally) -> str:
    owners: list[str] = []
    for decision in tally.accepting:
        person = session.person(decision.owner.strip())
        name = person.name if person is not None else decision.owner.strip()
        if name not in owners:
            owners.append(name)
    return f"{_plural(len(tally.accepted), 'failing result')} accepted as risk by " + ", ".join(
        owners
    )


def _first_and_more(phrases: tuple[str, ...], more: str) -> str:
    if len(phrases) == 1:
        return phrases[0]
    return f"{phrases[0]} (and {len(phrases) - 1} {more})"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _verdict(items: tuple[BarItemState, ...]) -> Verdict:
    states = {s.state for s in items}
    if states <= {BarState.MET}:
        return Verdict.READY
    if states <= {BarState.MET, BarState.ACCEPTED}:
        return Verdict.READY_WITH_ACCEPTED_RISKS
    return Verdict.NOT_READY

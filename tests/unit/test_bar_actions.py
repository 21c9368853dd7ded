"""Each minimum-bar item says what blocks it and the one action that moves it; an accepted risk
that cannot count (on a skipped or passing result) is named as such."""

from __future__ import annotations

from datetime import UTC, datetime

from launch_tui.core.bar_actions import Move, acceptance_problem, bar_blockers, decision_problem
from launch_tui.core.model import (
    Action,
    CheckResult,
    Decision,
    Route,
    RouteKind,
    Session,
    Severity,
    Sprint,
    Status,
    Targets,
)
from launch_tui.core.playbook import builtin_playbook
from launch_tui.report.summary import render_summary

PLAYBOOK = builtin_playbook()
NOW = datetime(2026, 5, 6, 10, 0, tzinfo=UTC)
WRITE = Route("book", "https://api.acme.test/book", RouteKind.WRITE, method="POST")


def session(
    *results: CheckResult, decisions: tuple[Decision, ...] = (), routes=(WRITE,)
) -> Session:  # type: ignore[no-untyped-def]
    return Session(
        sprint=Sprint("acme", "Acme", "", "eng", datetime(2026, 5, 4, tzinfo=UTC)),
        targets=Targets(apex="acme.test", routes=tuple(routes)),
        results=results,
        decisions=decisions,
    )


def latency(status: Status, summary: str) -> CheckResult:
    return CheckResult("perf.latency", "book", status, Severity.HIGH, summary, {})


def test_a_skipped_write_route_names_the_setting_and_refuses_acceptance() -> None:
    skipped = latency(Status.SKIPPED, "Not sent: book is a write route; set safe_to_repeat")
    blockers = bar_blockers(session(skipped), PLAYBOOK, {"perf.latency"})["writes-auth"]
    assert [b.move for b in blockers] == [Move.EDIT]
    assert "safe_to_repeat" in blockers[0].what
    assert "run stage 2 again" in blockers[0].action
    problem = acceptance_problem(skipped)
    assert problem is not None and "skipped" in problem
    accept = Decision("d1", "request-path", Action.ACCEPT_RISK, "ok", "perf.latency", "book", "ann")
    assert "skipped" in (decision_problem(session(skipped, decisions=(accept,)), accept) or "")


def test_each_kind_of_blocker_has_its_own_action() -> None:
    failing = latency(Status.FAIL, "p95 1.2 s over 800 ms")
    blockers = bar_blockers(session(failing), PLAYBOOK, {"perf.latency"})["writes-auth"]
    assert (
        blockers[0].move is Move.DECIDE
        and "accept the risk with an owner (d)" in blockers[0].action
    )
    nothing = bar_blockers(session(), PLAYBOOK, {"perf.latency"})["writes-auth"]
    assert nothing[0].move is Move.RUN and "run stage 2" in nothing[0].action
    no_routes = bar_blockers(session(routes=()), PLAYBOOK, {"perf.latency"})["writes-auth"]
    assert no_routes[0].move is Move.EDIT and "add a write or auth route" in no_routes[0].action
    monitors = bar_blockers(session(), PLAYBOOK, set())["uptime-monitoring"]
    assert {b.move for b in monitors} == {Move.CONFIRM}


def test_an_owned_acceptance_of_a_failure_counts_and_one_of_a_pass_does_not() -> None:
    failing = latency(Status.FAIL, "slow")
    accept = Decision("d1", "request-path", Action.ACCEPT_RISK, "ok", "perf.latency", "", "ann")
    assert decision_problem(session(failing, decisions=(accept,)), accept) is None
    passing = latency(Status.PASS, "fast")
    assert "passes" in (decision_problem(session(passing, decisions=(accept,)), accept) or "")
    unowned = Decision("d2", "request-path", Action.ACCEPT_RISK, "ok", "perf.latency", "", "")
    assert "owner" in (decision_problem(session(failing), unowned) or "")


def test_show_says_what_blocks_and_which_decisions_do_not_count() -> None:
    skipped = latency(Status.SKIPPED, "Not sent: book is a write route; set safe_to_repeat")
    accept = Decision("d1", "request-path", Action.ACCEPT_RISK, "ok", "perf.latency", "book", "ann")
    text = render_summary(session(skipped, decisions=(accept,)), PLAYBOOK, NOW, {"perf.latency"})
    assert "perf.latency on route 'book' was skipped: Not sent" in text
    assert "→ change the setting it names" in text
    assert "d1 on perf.latency [book]" in text
    assert "does not count: it was skipped" in text


def test_a_rollback_never_drilled_is_named_as_the_handover_blocker() -> None:
    blockers = bar_blockers(session(), PLAYBOOK, {"handover.access_map"})["handover"]
    drill = [b for b in blockers if b.check_id == "deploy.rollback_drill"]
    assert len(drill) == 1 and drill[0].move is Move.CONFIRM
    assert drill[0].what.startswith("rollback never drilled: deploy.rollback_drill waits")


def test_show_names_the_target_of_every_decision() -> None:
    fix = Decision("d2", "request-path", Action.FIX, "cache it", "perf.latency", "book", "ann")
    whole = Decision("d3", "request-path", Action.DEFER, "later", "perf.latency", "", "ann")
    text = render_summary(
        session(latency(Status.FAIL, "slow"), decisions=(fix, whole)), PLAYBOOK, NOW, set()
    )
    assert "d2 fix on perf.latency [book]" in text
    assert "d3 defer on perf.latency [every target]" in text

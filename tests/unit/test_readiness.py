"""The minimum bar and the readiness verdict, decided from results and decisions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from launch_tui.core.model import (
    Action,
    CheckResult,
    Decision,
    Person,
    Route,
    RouteKind,
    Session,
    Severity,
    Sprint,
    Status,
    Targets,
)
from launch_tui.core.playbook import AppliesTo, BarItem, builtin_playbook
from launch_tui.core.readiness import (
    BarState,
    Readiness,
    StageProgress,
    Verdict,
    compute_readiness,
    stage_progress,
)

PLAYBOOK = builtin_playbook()
BAR_IDS = PLAYBOOK.bar_item_ids
HOST = "www.acme.test"

ROUTES = (
    Route("home", "https://www.acme.test/", RouteKind.READ),
    Route("search", "https://www.acme.test/search", RouteKind.READ),
    Route("signup", "https://www.acme.test/signup", RouteKind.WRITE, method="POST"),
    Route("login", "https://www.acme.test/login", RouteKind.AUTH, method="POST"),
    Route("hook", "https://api.acme.test/hook", RouteKind.WEBHOOK, method="POST"),
    Route("health", "https://api.acme.test/health", RouteKind.HEALTH),
)
ANA = Person("ana", "Ana Okafor", role="CTO")


def session(
    results: tuple[CheckResult, ...] = (),
    decisions: tuple[Decision, ...] = (),
    routes: tuple[Route, ...] = ROUTES,
) -> Session:
    return Session(
        sprint=Sprint(
            id="acme",
            client="Acme Freight",
            product="Acme Market",
            engineer="eng",
            started_at=datetime(2025, 3, 1, 9, 0, tzinfo=UTC),
        ),
        targets=Targets(apex="acme.test", routes=routes),
        people=(ANA,),
        results=results,
        decisions=decisions,
    )


def result(check_id: str, status: Status, target: str = "") -> CheckResult:
    spec = PLAYBOOK.check(check_id)
    return CheckResult(check_id, target, status, spec.severity, f"{check_id} {status}")


def targets_of(check_id: str, item: BarItem, routes: tuple[Route, ...] = ROUTES) -> list[str]:
    """The targets a check's results would have for ``item``."""
    applies_to = PLAYBOOK.check(check_id).applies_to
    if item.route_kinds:
        return [r.name for r in routes if r.kind in item.route_kinds]
    if applies_to is AppliesTo.ROUTE:
        return ["home"]
    if applies_to is AppliesTo.HOST:
        return [HOST]
    return [""]


def item_results(item: BarItem, status: Status) -> tuple[CheckResult, ...]:
    return tuple(
        result(check_id, status, target)
        for check_id in item.checks
        for target in targets_of(check_id, item)
    )


def decision(
    check_id: str, action: Action = Action.ACCEPT_RISK, owner: str = "ana", target: str = ""
) -> Decision:
    return Decision(
        id=f"d-{check_id}-{action}-{owner}-{target}",
        stage=PLAYBOOK.stage_of(check_id).id,
        action=action,
        text="Known and agreed with the client.",
        check_id=check_id,
        target=target,
        owner=owner,
    )


def state_of(s: Session, item_id: str) -> BarState:
    return compute_readiness(s, PLAYBOOK).item(item_id).state


# --- every item through its states ------------------------------------------------------------


@pytest.mark.parametrize("item_id", BAR_IDS)
def test_item_is_pending_without_results(item_id: str) -> None:
    state = compute_readiness(session(), PLAYBOOK).item(item_id)
    assert state.state is BarState.PENDING
    assert state.waiting_on and not state.blocking
    assert state.reason == state.waiting_on[0] or state.reason.startswith(state.waiting_on[0])


@pytest.mark.parametrize("item_id", BAR_IDS)
def test_item_is_not_met_when_its_checks_fail(item_id: str) -> None:
    item = PLAYBOOK.bar_item(item_id)
    failing = item_results(item, Status.FAIL)
    state = compute_readiness(session(failing), PLAYBOOK).item(item_id)
    assert state.state is BarState.NOT_MET
    assert state.blocking == failing
    assert f"{item.checks[0]} fails" in state.reason


@pytest.mark.parametrize("item_id", BAR_IDS)
def test_item_is_met_when_its_checks_pass(item_id: str) -> None:
    item = PLAYBOOK.bar_item(item_id)
    passing = item_results(item, Status.PASS)
    state = compute_readiness(session(passing), PLAYBOOK).item(item_id)
    assert state.state is BarState.MET
    assert not state.blocking and not state.accepted and not state.waiting_on
    assert state.reason == (
        "1 result passes" if len(passing) == 1 else f"{len(passing)} results pass"
    )


@pytest.mark.parametrize("item_id", BAR_IDS)
def test_item_is_accepted_with_an_owned_accept_risk(item_id: str) -> None:
    item = PLAYBOOK.bar_item(item_id)
    failing = item_results(item, Status.FAIL)
    decisions = tuple(decision(check_id) for check_id in item.checks)
    state = compute_readiness(session(failing, decisions), PLAYBOOK).item(item_id)
    assert state.state is BarState.ACCEPTED
    assert state.accepted == failing and not state.blocking
    assert state.accepting == decisions
    assert "accepted as risk by Ana Okafor" in state.reason


@pytest.mark.parametrize("item_id", BAR_IDS)
@pytest.mark.parametrize(
    ("action", "owner"),
    [
        (Action.ACCEPT_RISK, ""),
        (Action.ACCEPT_RISK, "   "),
        (Action.DEFER, "ana"),
        (Action.FIX, "ana"),
    ],
)
def test_only_an_owned_accept_risk_lifts_a_failure(
    item_id: str, action: Action, owner: str
) -> None:
    item = PLAYBOOK.bar_item(item_id)
    failing = item_results(item, Status.FAIL)
    decisions = tuple(decision(c, action, owner) for c in item.checks)
    assert state_of(session(failing, decisions), item_id) is BarState.NOT_MET


@pytest.mark.parametrize("item_id", [i for i in BAR_IDS if len(PLAYBOOK.bar_item(i).checks) > 1])
def test_item_stays_pending_until_every_check_has_a_result(item_id: str) -> None:
    item = PLAYBOOK.bar_item(item_id)
    last = item.checks[-1]
    partial = tuple(r for r in item_results(item, Status.PASS) if r.check_id != last)
    state = compute_readiness(session(partial), PLAYBOOK).item(item_id)
    assert state.state is BarState.PENDING
    assert len(state.waiting_on) == 1 and last in state.waiting_on[0]


def test_a_known_failure_outweighs_a_missing_result() -> None:
    results = (result("email.spf", Status.FAIL),)
    state = compute_readiness(session(results), PLAYBOOK).item("email-auth")
    assert state.state is BarState.NOT_MET
    assert len(state.waiting_on) == 2  # dkim and dmarc are still missing, and say so


# --- what a result counts for -----------------------------------------------------------------


def test_warn_satisfies_an_auto_check() -> None:
    results = (
        result("email.spf", Status.WARN),
        result("email.dkim", Status.PASS),
        result("email.dmarc", Status.WARN),
    )
    state = compute_readiness(session(results), PLAYBOOK).item("email-auth")
    assert state.state is BarState.MET
    assert state.reason == "3 results pass, 2 with warnings"


def handover_with_runbook(status: Status) -> tuple[CheckResult, ...]:
    """The handover item's results, every check passing but the manual ``deploy.runbook``."""
    return tuple(
        result(c, status if c == "deploy.runbook" else Status.PASS)
        for c in PLAYBOOK.bar_item("handover").checks
    )


@pytest.mark.parametrize("status", [Status.MANUAL, Status.WARN, Status.SKIPPED])
def test_a_manual_check_counts_only_once_confirmed(status: Status) -> None:
    assert PLAYBOOK.check("deploy.runbook").mode.value == "manual"
    state = compute_readiness(session(handover_with_runbook(status)), PLAYBOOK).item("handover")
    assert state.state is BarState.PENDING
    assert state.reason == "deploy.runbook waits for the engineer's confirmation"


def test_a_manual_check_recorded_as_failing_blocks() -> None:
    assert state_of(session(handover_with_runbook(Status.FAIL)), "handover") is BarState.NOT_MET


def test_only_skipped_results_leave_the_check_pending() -> None:
    results = (
        result("email.spf", Status.PASS),
        result("email.dkim", Status.SKIPPED),
        result("email.dmarc", Status.PASS),
    )
    state = compute_readiness(session(results), PLAYBOOK).item("email-auth")
    assert state.state is BarState.PENDING
    assert state.reason == "email.dkim was skipped"


def test_error_blocks_and_says_it_could_not_be_checked() -> None:
    results = (
        result("email.spf", Status.ERROR),
        result("email.dkim", Status.PASS),
        result("email.dmarc", Status.PASS),
    )
    state = compute_readiness(session(results), PLAYBOOK).item("email-auth")
    assert state.state is BarState.NOT_MET
    assert state.reason == "email.spf could not be checked"


def test_a_skipped_host_does_not_hold_up_a_host_check_decided_elsewhere() -> None:
    results = (
        result("dns.records", Status.PASS, "www.acme.test"),
        result("dns.records", Status.SKIPPED, "mail.acme.test"),
        result("http.redirects", Status.PASS, "www.acme.test"),
        result("http.canonical_redirect", Status.PASS),
    )
    assert state_of(session(results), "dns-redirects") is BarState.MET


def test_one_failing_host_blocks_and_is_named() -> None:
    results = (
        result("dns.records", Status.PASS, "www.acme.test"),
        result("dns.records", Status.FAIL, "api.acme.test"),
        result("http.redirects", Status.FAIL, "www.acme.test"),
        result("http.canonical_redirect", Status.PASS),
    )
    state = compute_readiness(session(results), PLAYBOOK).item("dns-redirects")
    assert state.state is BarState.NOT_MET
    assert state.reason == "dns.records fails on api.acme.test (and 1 more)"


def test_accept_risk_narrowed_to_one_target_covers_only_that_target() -> None:
    results = (
        result("tls.certificate", Status.FAIL, "www.acme.test"),
        result("tls.certificate", Status.FAIL, "api.acme.test"),
        result("edge.cloudflare", Status.PASS, "www.acme.test"),
        result("http.https_forced", Status.PASS, "www.acme.test"),
        result("edge.ddos", Status.PASS),
    )
    narrow = (decision("tls.certificate", target="api.acme.test"),)
    state = compute_readiness(session(results, narrow), PLAYBOOK).item("edge-tls")
    assert state.state is BarState.NOT_MET
    assert [r.target for r in state.blocking] == ["www.acme.test"]
    assert [r.target for r in state.accepted] == ["api.acme.test"]
    both = (*narrow, decision("tls.certificate", target="www.acme.test"))
    assert state_of(session(results, both), "edge-tls") is BarState.ACCEPTED


def test_owner_without_a_person_record_still_counts_and_is_named_as_written() -> None:
    results = (
        result("email.spf", Status.FAIL),
        result("email.dkim", Status.PASS),
        result("email.dmarc", Status.PASS),
    )
    decisions = (decision("email.spf", owner="founder@acme.test"),)
    state = compute_readiness(session(results, decisions), PLAYBOOK).item("email-auth")
    assert state.state is BarState.ACCEPTED
    assert state.reason == "1 failing result accepted as risk by founder@acme.test"


# --- route kinds ------------------------------------------------------------------------------


def test_route_kinds_keep_reads_and_writes_apart() -> None:
    results = (
        result("perf.latency", Status.PASS, "home"),
        result("perf.latency", Status.PASS, "search"),
        result("perf.latency", Status.FAIL, "signup"),
        result("perf.latency", Status.PASS, "login"),
        result("perf.latency", Status.FAIL, "hook"),  # a webhook is neither read nor write
    )
    readiness = compute_readiness(session(results), PLAYBOOK)
    assert readiness.item("core-reads").state is BarState.MET
    writes = readiness.item("writes-auth")
    assert writes.state is BarState.NOT_MET
    assert [r.target for r in writes.blocking] == ["signup"]


def test_every_route_of_the_kind_needs_its_own_result() -> None:
    results = (result("perf.latency", Status.PASS, "home"),)
    state = compute_readiness(session(results), PLAYBOOK).item("core-reads")
    assert state.state is BarState.PENDING
    assert state.reason == "no result yet for perf.latency on route 'search'"


def test_a_write_route_skipped_as_unsafe_to_repeat_is_pending() -> None:
    results = (
        result("perf.latency", Status.SKIPPED, "signup"),
        result("perf.latency", Status.PASS, "login"),
    )
    state = compute_readiness(session(results), PLAYBOOK).item("writes-auth")
    assert state.state is BarState.PENDING
    assert state.reason == "perf.latency on route 'signup' was skipped"


def test_no_routes_of_the_kind_configured_is_pending() -> None:
    only_health = (Route("health", "https://api.acme.test/health", RouteKind.HEALTH),)
    readiness = compute_readiness(session(routes=only_health), PLAYBOOK)
    assert readiness.item("core-reads").reason == "no read routes configured"
    assert readiness.item("writes-auth").reason == "no write or auth routes configured"
    assert readiness.item("core-reads").state is BarState.PENDING


def test_one_kind_of_several_is_enough_when_it_is_all_there_is() -> None:
    routes = (Route("login", "https://www.acme.test/login", RouteKind.AUTH),)
    results = (result("perf.latency", Status.PASS, "login"),)
    assert state_of(session(results, routes=routes), "writes-auth") is BarState.MET


def test_results_on_routes_no_longer_configured_are_ignored() -> None:
    results = (
        result("perf.latency", Status.PASS, "home"),
        result("perf.latency", Status.PASS, "search"),
        result("perf.latency", Status.FAIL, "old-listing"),  # removed from the targets since
    )
    assert state_of(session(results), "core-reads") is BarState.MET


def test_accepting_a_slow_read_route() -> None:
    results = (
        result("perf.latency", Status.PASS, "home"),
        result("perf.latency", Status.FAIL, "search"),
    )
    decisions = (decision("perf.latency", target="search"),)
    state = compute_readiness(session(results, decisions), PLAYBOOK).item("core-reads")
    assert state.state is BarState.ACCEPTED
    assert state.accepting == decisions


# --- the verdict ------------------------------------------------------------------------------


def all_items(status: Status) -> tuple[CheckResult, ...]:
    seen: dict[tuple[str, str], CheckResult] = {}
    for item in PLAYBOOK.minimum_bar:
        for r in item_results(item, status):
            seen[r.key] = r
    return tuple(seen.values())


def test_verdict_ready_when_every_item_is_met() -> None:
    readiness = compute_readiness(session(all_items(Status.PASS)), PLAYBOOK)
    assert readiness.verdict is Verdict.READY
    assert readiness.count(BarState.MET) == 9


def test_verdict_ready_with_accepted_risks() -> None:
    results = tuple(
        replace(r, status=Status.FAIL) if r.check_id == "edge.ddos" else r
        for r in all_items(Status.PASS)
    )
    decisions = (decision("edge.ddos"),)
    readiness = compute_readiness(session(results, decisions), PLAYBOOK)
    assert readiness.verdict is Verdict.READY_WITH_ACCEPTED_RISKS
    assert readiness.count(BarState.ACCEPTED) == 1
    assert readiness.item("edge-tls").state is BarState.ACCEPTED


@pytest.mark.parametrize("status", [Status.FAIL, Status.MANUAL])
def test_verdict_not_ready_when_an_item_fails_or_waits(status: Status) -> None:
    results = tuple(
        replace(r, status=status) if r.check_id == "deploy.runbook" else r
        for r in all_items(Status.PASS)
    )
    readiness = compute_readiness(session(results), PLAYBOOK)
    assert readiness.verdict is Verdict.NOT_READY


def test_verdict_of_an_empty_session_is_not_ready() -> None:
    readiness = compute_readiness(session(), PLAYBOOK)
    assert readiness.verdict is Verdict.NOT_READY
    assert readiness.count(BarState.PENDING) == 9
    assert [s.item.id for s in readiness.items] == list(BAR_IDS)


def test_readiness_item_lookup_of_unknown_id() -> None:
    with pytest.raises(KeyError):
        compute_readiness(session(), PLAYBOOK).item("nope")


# --- stage progress ---------------------------------------------------------------------------


def test_stage_progress_counts_checks_not_results() -> None:
    results = (
        result("email.spf", Status.PASS),
        result("email.dkim", Status.WARN),
        result("email.dmarc", Status.FAIL),
        result("email.mx", Status.SKIPPED),
        result("email.transactional_test", Status.MANUAL),
        result("tls.certificate", Status.PASS, "www.acme.test"),
        result("tls.certificate", Status.ERROR, "api.acme.test"),
        result("edge.cloudflare", Status.PASS, "www.acme.test"),
        result("edge.cloudflare", Status.PASS, "api.acme.test"),
    )
    progress = stage_progress(session(results), PLAYBOOK)
    assert list(progress) == [p.id for p in PLAYBOOK.stages]
    assert progress["email-secrets"] == StageProgress(
        stage="email-secrets", total=7, with_result=4, passing=2, failing=1
    )
    assert progress["email-secrets"].remaining == 3
    assert progress["delivery"] == StageProgress(
        stage="delivery", total=11, with_result=2, passing=1, failing=1
    )
    assert progress["audit"] == StageProgress(
        stage="audit", total=11, with_result=0, passing=0, failing=0
    )


# --- invariants -------------------------------------------------------------------------------

_BAR_CHECKS = sorted({c for item in PLAYBOOK.minimum_bar for c in item.checks})
_TARGETS = ["", "home", "search", "signup", "login", "hook", "old-route", HOST, "api.acme.test"]
_STATE_RANK = {BarState.NOT_MET: 0, BarState.PENDING: 1, BarState.ACCEPTED: 2, BarState.MET: 3}

_results = st.dictionaries(
    keys=st.tuples(st.sampled_from(_BAR_CHECKS), st.sampled_from(_TARGETS)),
    values=st.sampled_from(list(Status)),
    max_size=30,
)
_decisions = st.lists(
    st.builds(
        lambda check_id, action, owner, target: decision(check_id, action, owner, target),
        st.sampled_from(_BAR_CHECKS),
        st.sampled_from(list(Action)),
        st.sampled_from(["", "ana", "  ", "someone"]),
        st.sampled_from(["", "home", "search", HOST]),
    ),
    max_size=8,
    unique_by=lambda d: d.id,
)
_routes = st.lists(st.sampled_from(ROUTES), unique=True).map(tuple)


def build(
    statuses: dict[tuple[str, str], Status],
    decisions: list[Decision],
    routes: tuple[Route, ...],
) -> Session:
    results = tuple(result(c, s, t) for (c, t), s in statuses.items())
    return session(results, tuple(decisions), routes)


def check_consistent(readiness: Readiness) -> None:
    states = [s.state for s in readiness.items]
    for s in readiness.items:
        assert (s.state is BarState.NOT_MET) == bool(s.blocking)
        assert bool(s.accepted) == bool(s.accepting)
        assert s.reason and "\n" not in s.reason
    if all(x is BarState.MET for x in states):
        assert readiness.verdict is Verdict.READY
    elif all(x in (BarState.MET, BarState.ACCEPTED) for x in states):
        assert readiness.verdict is Verdict.READY_WITH_ACCEPTED_RISKS
    else:
        assert readiness.verdict is Verdict.NOT_READY


@settings(max_examples=300, deadline=None)
@given(
    statuses=_results,
    decisions=_decisions,
    routes=_routes,
    key=st.tuples(st.sampled_from(_BAR_CHECKS), st.sampled_from(_TARGETS)),
)
def test_a_passing_result_never_makes_things_worse(
    statuses: dict[tuple[str, str], Status],
    decisions: list[Decision],
    routes: tuple[Route, ...],
    key: tuple[str, str],
) -> None:
    before = compute_readiness(build(statuses, decisions, routes), PLAYBOOK)
    after = compute_readiness(build({**statuses, key: Status.PASS}, decisions, routes), PLAYBOOK)
    check_consistent(before)
    check_consistent(after)
    assert after.verdict.rank >= before.verdict.rank
    for old, new in zip(before.items, after.items, strict=True):
        assert _STATE_RANK[new.state] >= _STATE_RANK[old.state], (old, new)


@settings(max_examples=200, deadline=None)
@given(statuses=_results, decisions=_decisions, routes=_routes)
def test_decisions_other_than_owned_accept_risks_change_nothing(
    statuses: dict[tuple[str, str], Status],
    decisions: list[Decision],
    routes: tuple[Route, ...],
) -> None:
    owned = [d for d in decisions if d.action is Action.ACCEPT_RISK and d.owner.strip()]
    assert compute_readiness(build(statuses, decisions, routes), PLAYBOOK) == compute_readiness(
        build(statuses, owned, routes), PLAYBOOK
    )


@settings(max_examples=200, deadline=None)
@given(statuses=_results, routes=_routes)
def test_without_decisions_nothing_is_accepted(
    statuses: dict[tuple[str, str], Status], routes: tuple[Route, ...]
) -> None:
    readiness = compute_readiness(build(statuses, [], routes), PLAYBOOK)
    assert readiness.verdict is not Verdict.READY_WITH_ACCEPTED_RISKS
    assert readiness.count(BarState.ACCEPTED) == 0


def test_severity_of_a_result_does_not_change_the_bar() -> None:
    # The bar is about whether the checks hold, not how loudly a single result is labelled.
    results = tuple(replace(r, severity=Severity.INFO) for r in all_items(Status.FAIL))
    assert compute_readiness(session(results), PLAYBOOK).verdict is Verdict.NOT_READY


# --- the items stage 5 and 6 measure -----------------------------------------------------------


def test_uptime_is_decided_by_monitor_coverage_alone() -> None:
    """Coverage measured passing meets the uptime item; nothing has to be confirmed by hand."""
    item = PLAYBOOK.bar_item("uptime-monitoring")
    assert item.checks == ("monitor.coverage",)
    assert PLAYBOOK.check("monitor.coverage").mode.value == "auto"
    assert state_of(session((result("monitor.coverage", Status.PASS),)), item.id) is BarState.MET
    uncovered = session((result("monitor.coverage", Status.FAIL),))
    assert state_of(uncovered, item.id) is BarState.NOT_MET


def test_environment_separation_is_measured_by_both_deploy_checks() -> None:
    item = PLAYBOOK.bar_item("env-separation")
    assert set(item.checks) == {"deploy.env_diff", "deploy.env_separation"}
    assert all(PLAYBOOK.check(c).mode.value == "auto" for c in item.checks)
    apart = session(
        (result("deploy.env_diff", Status.WARN), result("deploy.env_separation", Status.PASS))
    )
    assert state_of(apart, item.id) is BarState.MET
    shared = session(
        (result("deploy.env_diff", Status.PASS), result("deploy.env_separation", Status.FAIL))
    )
    state = compute_readiness(shared, PLAYBOOK).item(item.id)
    assert state.state is BarState.NOT_MET
    assert state.reason.startswith("deploy.env_separation fails")


def test_a_rollback_never_drilled_is_said_so() -> None:
    others = tuple(
        result(c, Status.PASS)
        for c in PLAYBOOK.bar_item("handover").checks
        if c != "deploy.rollback_drill"
    )
    state = compute_readiness(session(others), PLAYBOOK).item("handover")
    assert state.state is BarState.PENDING
    assert state.waiting_on == ("rollback never drilled (deploy.rollback_drill)",)
    assert state.reason == "rollback never drilled (deploy.rollback_drill)"
    drilled = session((*others, result("deploy.rollback_drill", Status.PASS)))
    assert state_of(drilled, "handover") is BarState.MET
    failed = session((*others, result("deploy.rollback_drill", Status.FAIL)))
    assert state_of(failed, "handover") is BarState.NOT_MET


def test_a_recorded_but_unconfirmed_drill_is_not_called_never_drilled() -> None:
    manual = session((result("deploy.rollback_drill", Status.MANUAL),))
    waiting = compute_readiness(manual, PLAYBOOK).item("handover").waiting_on
    assert "deploy.rollback_drill waits for the engineer's confirmation" in waiting
    assert not any("never drilled" in w for w in waiting)

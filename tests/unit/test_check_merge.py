"""Merging a run's results into the session keeps what each check said last time."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from launch_tui.checks import merge_results
from launch_tui.core.model import CheckResult, Session, Severity, Sprint, Status

T0 = datetime(2025, 3, 1, tzinfo=UTC)
T1 = datetime(2025, 3, 2, tzinfo=UTC)


def result(check_id: str, target: str, status: Status, at: datetime = T1) -> CheckResult:
    return CheckResult(
        check_id, target, status, Severity.HIGH, f"{check_id} {status}", measured_at=at
    )


def session_with(*results: CheckResult) -> Session:
    sprint = Sprint(id="acme", client="Acme", product="Freight", engineer="", started_at=T0)
    return Session(sprint=sprint, results=results)


def test_a_rerun_replaces_in_place_and_remembers_the_previous_status() -> None:
    before = session_with(
        result("dns.records", "acme.test", Status.PASS, T0),
        result("tls.certificate", "acme.test", Status.WARN, T0),
        result("email.spf", "", Status.FAIL, T0),
    )
    after = merge_results(before, [result("tls.certificate", "acme.test", Status.FAIL)])

    assert [r.key for r in after.results] == [r.key for r in before.results]
    rerun = after.result("tls.certificate", "acme.test")
    assert rerun is not None
    assert rerun.status is Status.FAIL and rerun.previous_status is Status.WARN
    assert rerun.changed and rerun.measured_at == T1
    # Results of checks that were not re-run are untouched.
    assert after.results[0] is before.results[0]
    assert after.results[2] is before.results[2]


def test_previous_status_is_always_the_immediately_preceding_run() -> None:
    first = merge_results(session_with(), [result("email.spf", "", Status.FAIL)])
    second = merge_results(first, [result("email.spf", "", Status.PASS)])
    third = merge_results(second, [result("email.spf", "", Status.PASS)])

    assert first.results[0].previous_status is None and not first.results[0].changed
    assert second.results[0].previous_status is Status.FAIL and second.results[0].changed
    assert third.results[0].previous_status is Status.PASS and not third.results[0].changed


def test_new_results_are_appended_in_the_order_given() -> None:
    before = session_with(result("dns.records", "acme.test", Status.PASS, T0))
    incoming = [
        result("perf.latency", "login", Status.WARN),
        result("dns.records", "acme.test", Status.PASS),
        result("perf.latency", "home", Status.PASS),
    ]
    after = merge_results(before, incoming)

    assert [r.key for r in after.results] == [
        ("dns.records", "acme.test"),
        ("perf.latency", "login"),
        ("perf.latency", "home"),
    ]
    assert after.results[1].previous_status is None
    assert after.results[0].previous_status is Status.PASS and not after.results[0].changed


def test_a_stale_previous_status_on_a_new_result_is_cleared() -> None:
    stale = replace(result("email.dmarc", "", Status.PASS), previous_status=Status.FAIL)
    after = merge_results(session_with(), [stale])
    assert after.results[0].previous_status is None


def test_the_last_of_duplicate_incoming_results_wins() -> None:
    before = session_with(result("email.mx", "", Status.PASS, T0))
    after = merge_results(
        before, [result("email.mx", "", Status.ERROR), result("email.mx", "", Status.FAIL)]
    )
    assert len(after.results) == 1
    assert after.results[0].status is Status.FAIL
    assert after.results[0].previous_status is Status.PASS


def test_duplicated_keys_in_a_hand_edited_session_collapse_on_rerun() -> None:
    before = session_with(
        result("email.mx", "", Status.PASS, T0),
        result("dns.records", "acme.test", Status.PASS, T0),
        result("email.mx", "", Status.WARN, T0),
    )
    after = merge_results(before, [result("email.mx", "", Status.FAIL)])
    assert [r.key for r in after.results] == [("email.mx", ""), ("dns.records", "acme.test")]
    assert after.results[0].previous_status is Status.PASS


def test_merging_nothing_leaves_the_session_as_it_was() -> None:
    before = session_with(result("email.mx", "", Status.PASS, T0))
    assert merge_results(before, []) is before
    assert merge_results(before, iter(())) == before


def test_everything_but_the_results_is_kept() -> None:
    before = replace(session_with(), decisions=())
    after = merge_results(before, [result("email.mx", "", Status.PASS)])
    assert replace(after, results=()) == before


def test_detected_stack_and_registrar_are_filled_beside_the_declared_values() -> None:
    from launch_tui.core.model import Stack, StackItem

    declared = replace(
        session_with(),
        stack=Stack(
            hosting=StackItem(declared="Vercel"),
            dns_host=StackItem(declared="Cloudflare", detected="Cloudflare"),
            registrar=StackItem(declared="Namewise"),
        ),
    )
    stack_result = replace(
        result("audit.stack", "", Status.WARN),
        evidence={
            "hosting": {"declared": "Vercel", "detected": "Render", "status": "warn"},
            "email_provider": {"declared": "", "detected": "", "status": "skipped"},
        },
    )
    expiry = replace(
        result("domain.expiry", "", Status.PASS),
        evidence={"registrar": "Namewise Registrar, Inc.", "days_left": 300},
    )
    after = merge_results(declared, [stack_result, expiry])

    assert after.stack.hosting == StackItem(declared="Vercel", detected="Render")
    # RDAP's "Namewise Registrar, Inc." is the declared "Namewise": kept in the client's words.
    assert after.stack.registrar == StackItem(declared="Namewise", detected="Namewise")
    other = replace(expiry, evidence={"registrar": "Lab Registrar"})
    assert merge_results(declared, [other]).stack.registrar == StackItem(
        declared="Namewise", detected="Lab Registrar"
    )
    # Not detected this run: the earlier value stays.
    assert after.stack.dns_host.detected == "Cloudflare"
    assert after.stack.email_provider.detected == ""
    # A run without either check leaves the stack alone.
    assert merge_results(after, [result("dns.records", "x.test", Status.PASS)]).stack == after.stack


def test_the_stack_rules_belong_to_their_checks_and_only_given_rules_apply() -> None:
    from launch_tui.checks.engine.registry import default_registry

    rules = default_registry().merge_rules()
    assert {"audit.stack", "domain.expiry"} <= set(rules)
    expiry = replace(
        result("domain.expiry", "", Status.PASS), evidence={"registrar": "Namewise Registrar"}
    )
    assert merge_results(session_with(), [expiry], rules).stack.registrar.detected == (
        "Namewise Registrar"
    )
    # The engine itself knows no check: without the rules the stack is left alone.
    assert merge_results(session_with(), [expiry], {}).stack == session_with().stack

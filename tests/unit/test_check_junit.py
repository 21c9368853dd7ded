"""``launch-tui check --format junit``: the run as JUnit XML, judged like the exit code.

Reports are built by hand here (no network); ``tests/integration/test_cli_check_formats.py``
runs the command against the sandbox.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from functools import partial

import check_reports
import pytest
from check_reports import (
    CONTROL_OR_MARK,
    EXTRA_HOSTILE,
    HOSTILE,
    PLAYBOOK,
    hostile_finding,
    junit_cases_with,
    result,
)

from launch_tui.cli.check_junit import render_junit, xml_safe
from launch_tui.cli.check_output import CheckReport, json_document
from launch_tui.core.model import Action, Decision, Severity, Status

#: Characters XML 1.0 cannot carry at all, even as character references.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

RESULTS = (
    result(
        "dns.records",
        "promo.brightlane.test",
        Status.FAIL,
        Severity.HIGH,
        "Dangling CNAME to brightlane-promo.pagehost.example (NXDOMAIN)",
        {"failure": "dangling-cname", "chain": ["promo.brightlane.test", "gone.example"]},
    ),
    result("dns.records", "www.brightlane.test", Status.PASS, Severity.HIGH, "A 127.0.0.3"),
    result("domain.expiry", "", Status.ERROR, Severity.HIGH, "RDAP lookup timed out"),
    result("tls.certificate", "app.brightlane.test", Status.FAIL, Severity.HIGH, "Expires in 5d"),
    result("tls.certificate", "staging.brightlane.test", Status.FAIL, Severity.MEDIUM, "Chain"),
    result("tls.certificate", "cdn.brightlane.test", Status.SKIPPED, Severity.CRITICAL, "No 443"),
    result("http.hsts", "www.brightlane.test", Status.WARN, Severity.LOW, "No preload"),
    result("http.cookies", "login", Status.FAIL, Severity.HIGH, "Session cookie lacks HttpOnly"),
    result("handover.limitations", "", Status.MANUAL, Severity.LOW, "Waiting for the engineer"),
)
#: This module's RESULTS for the demo session with D3 accepted, unless told otherwise.
make_report = partial(check_reports.make_report, results=RESULTS)


def parse(report: CheckReport) -> ET.Element:
    text = render_junit(report)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')
    assert text.isascii()
    return ET.fromstring(text)


def case(root: ET.Element, check_id: str, target: str) -> ET.Element:
    found = [
        c
        for c in root.iter("testcase")
        if (c.get("classname"), c.get("name")) == (check_id, target or "(session)")
    ]
    assert len(found) == 1, (check_id, target)
    return found[0]


def properties(element: ET.Element) -> list[tuple[str | None, str | None]]:
    props = element.find("properties")
    assert props is not None
    return [(p.get("name"), p.get("value")) for p in props.findall("property")]


# --- structure ------------------------------------------------------------------------------


def test_one_testsuite_per_stage_in_sprint_order() -> None:
    root = parse(make_report())
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [
        "Stage 1 · Quick audit",
        "Stage 3 · Harden delivery",
        "Stage 7 · Hand over",
    ]
    assert [dict(properties(s))["stage"] for s in suites] == ["audit", "delivery", "handover"]
    assert dict(properties(suites[0])) == {
        "stage": "audit",
        "session": "demo",
        "client": "Brightlane Ltd",
        "apex": "brightlane.test",
        "fail_on": "high",
    }
    assert suites[0].get("timestamp") == "2025-06-02T09:30:00"
    assert [s.get("tests") for s in suites] == ["3", "5", "1"]
    assert root.get("tests") == "9" and root.get("time") == "1.250"


def test_each_result_is_a_testcase_named_by_check_and_target() -> None:
    root = parse(make_report())
    cases = {(c.get("classname"), c.get("name")) for c in root.iter("testcase")}
    assert cases == {(r.check_id, r.target or "(session)") for r in RESULTS}
    assert case(root, "dns.records", "www.brightlane.test").get("time") == "0.040"
    assert ("status", "pass") in properties(case(root, "dns.records", "www.brightlane.test"))


def test_failures_are_exactly_the_blocking_results() -> None:
    report = make_report()
    root = parse(report)
    failed = junit_cases_with(root, "failure")
    assert failed == {
        ("dns.records", "promo.brightlane.test"),
        ("domain.expiry", "(session)"),
        ("http.cookies", "login"),
    }
    assert root.get("failures") == str(report.blocking) == "3"
    assert root.get("errors") == "0"
    failure = case(root, "dns.records", "promo.brightlane.test").find("failure")
    assert failure is not None
    assert (
        failure.get("message") == "Dangling CNAME to brightlane-promo.pagehost.example (NXDOMAIN)"
    )
    assert failure.get("type") == "high"
    body = failure.text or ""
    assert body.startswith("FAIL high dns.records promo.brightlane.test\nDangling CNAME")
    assert (
        "Evidence:\n  failure: dangling-cname\n  chain: promo.brightlane.test, gone.example" in body
    )
    spec = PLAYBOOK.check("dns.records")
    assert f"Why it matters: {spec.why}\nFix: {spec.fix}" in body
    error = case(root, "domain.expiry", "").find("failure")
    assert error is not None and error.get("type") == "high"
    assert (error.text or "").startswith("ERROR high domain.expiry (session)\nRDAP lookup")


def test_skipped_and_manual_results_are_skipped() -> None:
    root = parse(make_report())
    skipped = junit_cases_with(root, "skipped")
    assert skipped == {
        ("tls.certificate", "cdn.brightlane.test"),
        ("handover.limitations", "(session)"),
    }
    assert root.get("skipped") == "2"
    element = case(root, "tls.certificate", "cdn.brightlane.test").find("skipped")
    assert element is not None and element.get("message") == "No 443"


def test_an_accepted_risk_passes_but_is_shown() -> None:
    report = make_report()
    root = parse(report)
    accepted = case(root, "tls.certificate", "app.brightlane.test")
    assert accepted.find("failure") is None and accepted.find("skipped") is None
    assert ("accepted_by", "D3") in properties(accepted)
    out = accepted.find("system-out")
    assert out is not None
    assert out.text == (
        "FAIL high: Expires in 5d (does not fail the run: covered by an accepted risk)\n"
        "accepted risk D3 by Priya Raman (priya) until 2025-06-09: Renewal is booked for Monday"
    )
    # Without the decision it fails, and so does the run.
    without = parse(make_report(decisions=()))
    assert case(without, "tls.certificate", "app.brightlane.test").find("failure") is not None
    assert without.get("failures") == "4"


def test_when_every_failure_is_accepted_nothing_fails_and_the_exit_code_is_0() -> None:
    decisions = tuple(
        Decision(f"D{n}", "audit", Action.ACCEPT_RISK, "Known", check_id=check, owner="priya")
        for n, check in enumerate(
            ("dns.records", "domain.expiry", "http.cookies", "tls.certificate")
        )
    )
    report = make_report(decisions=decisions)
    assert report.exit_code == 0 and report.blocking == 0
    root = parse(report)
    assert root.get("failures") == "0"
    assert not list(root.iter("failure"))
    shown = [c for c in root.iter("testcase") if ("accepted_by", "D0") in properties(c)]
    assert [(c.get("classname"), c.get("name")) for c in shown] == [
        ("dns.records", "promo.brightlane.test")
    ]
    # An accept-risk nobody owns does not count.
    unowned = make_report(decisions=tuple(replace(d, owner=" ") for d in decisions))
    assert unowned.exit_code == 1 and parse(unowned).get("failures") == "4"


def test_findings_that_do_not_block_pass_with_a_note() -> None:
    root = parse(make_report())
    staging = case(root, "tls.certificate", "staging.brightlane.test")
    assert staging.find("failure") is None
    out = staging.find("system-out")
    assert out is not None and out.text == (
        "FAIL medium: Chain (below --fail-on high: does not fail the run)"
    )
    warn = case(root, "http.hsts", "www.brightlane.test").find("system-out")
    assert warn is not None and warn.text == "WARN low: No preload (a warning: never fails the run)"
    # --fail-on medium turns the medium failure into a JUnit failure.
    stricter = parse(make_report(fail_on=Severity.MEDIUM))
    assert case(stricter, "tls.certificate", "staging.brightlane.test").find("failure") is not None


def test_an_empty_run_is_a_valid_document() -> None:
    root = parse(make_report(results=()))
    assert root.attrib == {
        "name": "launch-tui check",
        "tests": "0",
        "failures": "0",
        "errors": "0",
        "skipped": "0",
        "time": "1.250",
    }
    assert list(root) == []


def test_output_is_deterministic() -> None:
    first = render_junit(make_report())
    assert render_junit(make_report()) == first
    assert render_junit(make_report(results=tuple(reversed(RESULTS)))) == first


# --- hostile input ----------------------------------------------------------------------------


@pytest.mark.parametrize("hostile", HOSTILE + EXTRA_HOSTILE)
def test_hostile_strings_stay_well_formed_and_visible(hostile: str) -> None:
    results = (
        hostile_finding(hostile, {hostile: hostile, "nested": {"list": [hostile, 1, None]}}),
        result("dns.records", hostile, Status.FAIL, Severity.CRITICAL, hostile, {"x": hostile}),
        result("http.hsts", hostile, Status.SKIPPED, Severity.LOW, hostile),
        result("probe.custom", hostile, Status.WARN, Severity.LOW, hostile),
    )
    text = render_junit(check_reports.hostile_report(hostile, results, sprint_id=hostile))
    assert text.isascii()
    root = ET.fromstring(text)  # expat rejects what XML 1.0 forbids
    strings = [s for e in root.iter() for s in (e.text or "", *e.attrib.values())]
    for value in strings:
        assert not XML_ILLEGAL.search(value), value
        assert not CONTROL_OR_MARK.search(value.replace("\n", "")), value
    assert len(list(root.iter("testcase"))) == 4
    if "\x1b" in hostile:
        assert any("␛" in s for s in strings)  # shown, as on the terminal
    accepted = [s for s in strings if s.startswith("FAIL high: ")]
    assert accepted and "accepted risk D3 by " in accepted[0]


def test_xml_safe_removes_only_what_xml_forbids() -> None:
    assert xml_safe("a\x00b\x1bc\ud800d\ufffee\uffff\tf\ng\rh\x85i") == "abcde\tf\ng\rh\x85i"
    assert xml_safe("é 😀 ␛") == "é 😀 ␛"


def test_a_route_case_carries_its_url_and_host_and_a_host_case_its_host() -> None:
    root = parse(make_report())
    login = properties(case(root, "http.cookies", "login"))
    assert ("url", "https://app.brightlane.test/login") in login
    assert ("host", "app.brightlane.test") in login
    promo = properties(case(root, "dns.records", "promo.brightlane.test"))
    assert ("host", "promo.brightlane.test") in promo and "url" not in dict(promo)
    assert not {"url", "host"} & set(dict(properties(case(root, "domain.expiry", ""))))


def test_json_results_and_risks_carry_url_and_host() -> None:
    document = json_document(make_report())
    results = {(r["check_id"], r["target"]): r for r in document["results"]}
    assert (results["http.cookies", "login"]["url"], results["http.cookies", "login"]["host"]) == (
        "https://app.brightlane.test/login",
        "app.brightlane.test",
    )
    assert results["tls.certificate", "app.brightlane.test"]["url"] is None
    assert results["tls.certificate", "app.brightlane.test"]["host"] == "app.brightlane.test"
    assert results["domain.expiry", ""]["host"] is None
    risks = {(r["check_id"], r["target"]): r for r in document["risks"]}
    assert risks["http.cookies", "login"]["url"] == "https://app.brightlane.test/login"

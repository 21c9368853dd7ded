"""``launch-tui check --format sarif``: a SARIF 2.1.0 log, valid against the official schema.

The schema in ``tests/data/sarif-schema-2.1.0.json`` is the OASIS one, unmodified (see the
NOTICE beside it). Reports are built by hand here; the integration test runs the command.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import check_reports
import pytest
from check_reports import (
    CONTROL_OR_MARK,
    D3,
    EXTRA_HOSTILE,
    HOSTILE,
    PLAYBOOK,
    assert_valid_sarif,
    hostile_finding,
)

from launch_tui import __version__
from launch_tui.cli.check_output import CheckReport
from launch_tui.cli.check_sarif import (
    FINGERPRINT,
    SARIF_SCHEMA,
    level_for,
    render_sarif,
    sarif_document,
)
from launch_tui.core.model import Action, Decision, JSONValue, Severity, Status

#: Every result here is measured once before, when it passed: SARIF shows what it was.
result = partial(check_reports.result, previous_status=Status.PASS)
#: This module's session lists two hosts: not promo.brightlane.test, which has a finding.
HOSTS = ("www.brightlane.test", "app.brightlane.test")

RESULTS = (
    result(
        "dns.records",
        "promo.brightlane.test",
        Status.FAIL,
        Severity.HIGH,
        "Dangling CNAME (NXDOMAIN)",
        {"failure": "dangling-cname", "ttl": 300, "ratio": 0.5},
    ),
    result("dns.records", "www.brightlane.test", Status.PASS, Severity.HIGH),
    result("domain.expiry", "", Status.ERROR, Severity.HIGH, "RDAP lookup timed out"),
    result("tls.certificate", "app.brightlane.test", Status.FAIL, Severity.CRITICAL, "Expired"),
    result("tls.certificate", "staging.brightlane.test", Status.FAIL, Severity.MEDIUM, "Chain"),
    result("tls.certificate", "cdn.brightlane.test", Status.SKIPPED, Severity.CRITICAL),
    result("http.hsts", "www.brightlane.test", Status.WARN, Severity.HIGH, "Short max-age"),
    result("http.security_headers", "www.brightlane.test", Status.WARN, Severity.INFO, "No CSP"),
    result("http.cookies", "login", Status.FAIL, Severity.LOW, "Cookie lacks SameSite"),
    result(
        "secrets.repo",
        "",
        Status.FAIL,
        Severity.CRITICAL,
        "Stripe key committed",
        {"file": "src/pay ment.py", "line": 12, "rule": "stripe-live-key"},
    ),
    result("handover.limitations", "", Status.MANUAL, Severity.LOW),
    result("probe.custom", "www.brightlane.test", Status.FAIL, Severity.HIGH, "Custom finding"),
)
FINDINGS = {
    (r.check_id, r.target) for r in RESULTS if r.status in (Status.FAIL, Status.ERROR, Status.WARN)
}


#: This module's RESULTS for its session with D3 accepted, unless told otherwise; the custom
#: check probe.custom is in stage 1.
make_report = partial(
    check_reports.make_report, results=RESULTS, hosts=HOSTS, stages={"probe.custom": "audit"}
)


def rendered(report: CheckReport, base: Path | None = None) -> dict[str, Any]:
    text = render_sarif(report, base=base)
    assert text.isascii()
    document: dict[str, Any] = json.loads(text)
    return document


def run_of(document: dict[str, Any]) -> dict[str, Any]:
    assert len(document["runs"]) == 1
    run: dict[str, Any] = document["runs"][0]
    return run


def by_key(run: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["ruleId"], r["properties"]["target"]): r for r in run["results"]}


# --- the log ------------------------------------------------------------------------------------


def test_validates_against_the_official_schema() -> None:
    document = rendered(make_report())
    assert document["$schema"] == SARIF_SCHEMA
    assert document["version"] == "2.1.0"
    assert_valid_sarif(document)
    assert_valid_sarif(rendered(make_report(results=())))


def test_the_tool_lists_every_playbook_check_as_a_rule() -> None:
    driver = run_of(rendered(make_report()))["tool"]["driver"]
    assert driver["name"] == "launch-tui"
    assert driver["version"] == __version__
    assert driver["informationUri"].startswith("https://")
    ids = [rule["id"] for rule in driver["rules"]]
    assert ids == [c.id for c in PLAYBOOK.checks()] + ["probe.custom"]
    tls = driver["rules"][ids.index("tls.certificate")]
    spec = PLAYBOOK.check("tls.certificate")
    assert tls == {
        "id": "tls.certificate",
        "name": "TlsCertificate",
        "shortDescription": {"text": spec.title},
        "fullDescription": {"text": spec.why},
        "help": {"text": spec.fix},
        "defaultConfiguration": {"level": level_for(Status.FAIL, spec.severity)},
        "properties": {
            "stage": "delivery",
            "severity": spec.severity.value,
            "mode": "auto",
            "appliesTo": "host",
            "tags": ["launch-tui", "delivery", "auto"],
        },
    }
    custom = driver["rules"][-1]
    assert custom["name"] == "ProbeCustom" and custom["properties"]["stage"] == "audit"


def test_results_are_the_findings_pointing_at_their_rules() -> None:
    run = run_of(rendered(make_report()))
    results = by_key(run)
    assert set(results) == FINDINGS
    rules = run["tool"]["driver"]["rules"]
    for sarif in run["results"]:
        assert rules[sarif["ruleIndex"]]["id"] == sarif["ruleId"]
        assert sarif["partialFingerprints"][FINGERPRINT]
    promo = results["dns.records", "promo.brightlane.test"]
    assert promo["message"] == {"text": "promo.brightlane.test: Dangling CNAME (NXDOMAIN)"}
    assert promo["properties"] == {
        "status": "fail",
        "severity": "high",
        "stage": "audit",
        "target": "promo.brightlane.test",
        "rank": promo["properties"]["rank"],
        "category": "other",
        "blocking": True,
        "previousStatus": "pass",
        "evidence": {"failure": "dangling-cname", "ttl": 300, "ratio": 0.5},
    }
    assert results["domain.expiry", ""]["message"] == {"text": "RDAP lookup timed out"}
    # Risk-list order: open blocking first (secrets before the rest), accepted last.
    order = [(r["ruleId"], r["properties"]["target"]) for r in run["results"]]
    assert order[0] == ("secrets.repo", "")
    assert order[-1] == ("tls.certificate", "app.brightlane.test")
    assert [r["properties"]["rank"] for r in run["results"]] == list(range(1, len(order) + 1))


@pytest.mark.parametrize(
    ("status", "severity", "level"),
    [
        (Status.FAIL, Severity.CRITICAL, "error"),
        (Status.FAIL, Severity.HIGH, "error"),
        (Status.ERROR, Severity.HIGH, "error"),
        (Status.FAIL, Severity.MEDIUM, "warning"),
        (Status.ERROR, Severity.MEDIUM, "warning"),
        (Status.FAIL, Severity.LOW, "note"),
        (Status.FAIL, Severity.INFO, "note"),
        (Status.WARN, Severity.CRITICAL, "warning"),
        (Status.WARN, Severity.HIGH, "warning"),
        (Status.WARN, Severity.MEDIUM, "warning"),
        (Status.WARN, Severity.LOW, "note"),
        (Status.WARN, Severity.INFO, "note"),
    ],
)
def test_level_mapping(status: Status, severity: Severity, level: str) -> None:
    assert level_for(status, severity) == level


def test_levels_follow_severity_not_fail_on() -> None:
    results = by_key(run_of(rendered(make_report())))
    assert results["tls.certificate", "staging.brightlane.test"]["level"] == "warning"
    assert results["http.hsts", "www.brightlane.test"]["level"] == "warning"
    assert results["http.cookies", "login"]["level"] == "note"
    assert results["domain.expiry", ""]["level"] == "error"
    assert results["tls.certificate", "staging.brightlane.test"]["properties"]["blocking"] is False


def test_an_accepted_risk_is_a_visible_suppression() -> None:
    report = make_report()
    run = run_of(rendered(report))
    accepted = by_key(run)["tls.certificate", "app.brightlane.test"]
    assert accepted["level"] == "error"
    assert accepted["properties"]["blocking"] is False
    assert accepted["suppressions"] == [
        {
            "kind": "external",
            "status": "accepted",
            "justification": "accepted risk D3 by Priya Raman (priya) until 2025-06-09: "
            "Renewal is booked for Monday",
            "properties": {
                "decision": "D3",
                "owner": "priya",
                "ownerName": "Priya Raman",
                "due": "2025-06-09",
            },
        }
    ]
    assert [r for r in run["results"] if "suppressions" in r] == [accepted]
    invocation = run["invocations"][0]
    assert invocation["exitCode"] == report.exit_code == 1
    assert invocation["properties"]["accepted"] == 1
    # Accept the other blocking findings too: exit 0, all of them still listed.
    more = tuple(
        Decision(f"D{n}", "audit", Action.ACCEPT_RISK, "Known", check_id=check, owner="priya")
        for n, check in enumerate(("dns.records", "domain.expiry", "secrets.repo", "probe.custom"))
    )
    everything = make_report(decisions=(D3, *more))
    assert everything.exit_code == 0
    run = run_of(rendered(everything))
    assert run["invocations"][0]["exitCode"] == 0
    assert set(by_key(run)) == FINDINGS
    suppressed = {k for k, r in by_key(run).items() if r.get("suppressions")}
    assert suppressed == {
        ("tls.certificate", "app.brightlane.test"),
        ("dns.records", "promo.brightlane.test"),
        ("domain.expiry", ""),
        ("secrets.repo", ""),
        ("probe.custom", "www.brightlane.test"),
    }
    # An accept-risk nobody owns is no suppression.
    unowned = make_report(decisions=(replace(D3, owner=""),))
    assert "suppressions" not in by_key(run_of(rendered(unowned)))[D3.check_id, D3.target]


def test_locations() -> None:
    results = by_key(run_of(rendered(make_report())))
    session_file = {
        "artifactLocation": {
            "uri": "sessions/demo.toml",
            "description": {"text": "the session file that declares this target"},
        }
    }
    assert results["dns.records", "promo.brightlane.test"]["locations"] == [
        {
            "physicalLocation": session_file,
            "logicalLocations": [
                {
                    "name": "promo.brightlane.test",
                    "fullyQualifiedName": "promo.brightlane.test",
                    "kind": "resource",
                    "properties": {"targetKind": "host", "host": "promo.brightlane.test"},
                }
            ],
        }
    ]
    route = results["http.cookies", "login"]["locations"][0]["logicalLocations"]
    assert route == [
        {
            "name": "login",
            "fullyQualifiedName": "https://app.brightlane.test/login",
            "kind": "resource",
            "properties": {
                "targetKind": "route",
                "method": "POST",
                "url": "https://app.brightlane.test/login",
                "host": "app.brightlane.test",
            },
        }
    ]
    session = results["domain.expiry", ""]["locations"][0]["logicalLocations"]
    assert session == [
        {"name": "brightlane.test", "kind": "resource", "properties": {"targetKind": "session"}}
    ]
    assert results["secrets.repo", ""]["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": "src/pay%20ment.py", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 12},
            }
        }
    ]


@pytest.mark.parametrize(
    "path",
    ["../outside.py", "/etc/passwd", "https://evil.example/x.py", "a\x1bb.py", "C:\\x.py", ""],
)
def test_only_repository_relative_files_become_file_locations(path: str) -> None:
    finding = result("secrets.repo", "", Status.FAIL, Severity.CRITICAL, "x", {"file": path})
    document = rendered(make_report(results=(finding,)))
    assert_valid_sarif(document)
    location = run_of(document)["results"][0]["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "sessions/demo.toml"
    assert location["logicalLocations"][0]["properties"] == {"targetKind": "session"}


def test_the_session_file_is_relative_to_the_working_folder(tmp_path: Path) -> None:
    inside = make_report(path=tmp_path / "sessions" / "a b.toml")

    def session_uri(run: dict[str, Any]) -> str:
        promo = by_key(run)["dns.records", "promo.brightlane.test"]
        uri: str = promo["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        return uri

    run = run_of(rendered(inside, base=tmp_path))
    assert session_uri(run) == "sessions/a%20b.toml"
    assert run["properties"]["session"]["file"] == "sessions/a%20b.toml"
    elsewhere = run_of(rendered(inside, base=tmp_path / "other"))
    assert session_uri(elsewhere) == (tmp_path / "sessions" / "a b.toml").as_uri()


def test_the_invocation_carries_the_only_times() -> None:
    report = make_report()
    text = render_sarif(report)
    invocation = run_of(json.loads(text))["invocations"][0]
    assert invocation == {
        "executionSuccessful": True,
        "exitCode": 1,
        "startTimeUtc": "2025-06-02T09:30:00.000Z",
        "endTimeUtc": "2025-06-02T09:30:02.000Z",
        "properties": {
            "failOn": "high",
            "blocking": report.blocking,
            "accepted": 1,
            "cancelled": False,
            "timedOut": False,
            "counts": report.counts(),
        },
    }
    assert "2025-06-02T09:30:01" not in text  # results' own times are left out


def test_an_interrupted_run_did_not_execute_successfully() -> None:
    invocation = run_of(rendered(make_report(cancelled=True)))["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert invocation["exitCode"] == 130


def test_output_is_deterministic() -> None:
    first = render_sarif(make_report())
    assert render_sarif(make_report()) == first
    assert render_sarif(make_report(results=tuple(reversed(RESULTS)))) == first


def test_non_finite_numbers_in_evidence_stay_valid_json() -> None:
    evidence: dict[str, JSONValue] = {"p95": math.nan, "max": [math.inf, 1.5]}
    finding = result("perf.latency", "home", Status.FAIL, Severity.HIGH, "slow", evidence)
    document = rendered(make_report(results=(finding,)))
    assert_valid_sarif(document)
    assert run_of(document)["results"][0]["properties"]["evidence"] == {
        "p95": "nan",
        "max": ["inf", 1.5],
    }


# --- hostile input ----------------------------------------------------------------------------


@pytest.mark.parametrize("hostile", HOSTILE + EXTRA_HOSTILE)
def test_hostile_strings_are_shown_not_acted_on(hostile: str) -> None:
    evidence: dict[str, JSONValue] = {hostile: hostile, "file": hostile}
    results = (
        hostile_finding(hostile, evidence, previous_status=Status.PASS),
        result("dns.records", hostile, Status.FAIL, Severity.CRITICAL, hostile),
        result("probe.custom", hostile, Status.WARN, Severity.LOW, hostile),
    )
    report = check_reports.hostile_report(hostile, results, hosts=HOSTS)
    text = render_sarif(report)
    assert text.isascii()
    document = json.loads(text)
    assert_valid_sarif(document)
    run = run_of(document)
    shown = [r["message"]["text"] for r in run["results"]]
    shown += [s["justification"] for r in run["results"] for s in r.get("suppressions", ())]
    shown += [
        value
        for r in run["results"]
        for location in r["locations"]
        for logical in location.get("logicalLocations", ())
        for value in (logical["name"], logical.get("fullyQualifiedName", ""))
    ]
    for value in shown:
        assert not CONTROL_OR_MARK.search(value), value
    # Evidence is data: kept as sent (JSON escapes it).
    evidence = next(r for r in run["results"] if r["ruleId"] == "tls.certificate")
    assert evidence["properties"]["evidence"][hostile] == hostile
    assert len(run["results"]) == 3
    assert any(r.get("suppressions") for r in run["results"])
    assert sarif_document(report) == document

"""``launch-tui check --format junit|sarif``, and the risk list in text and JSON, end to end.

Each test runs ``main(argv, env=CliEnv(...))`` against a sandbox world started by the fixtures
in ``tests/sandbox_fixtures.py`` (the threaded ones: ``main`` runs its own event loop), then
parses what was printed. All four formats come from one report, so they must agree with each
other and with the exit code, accepted risks included.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from check_reports import (
    CONTROL,
    D3,
    D4,
    DEMO_FINDINGS,
    Cli,
    assert_valid_sarif,
    junit_cases_with,
    write,
)

from launch_tui.cli.cmd_sandbox import sandbox_session
from launch_tui.cli.exit_codes import Exit
from launch_tui.core.model import Host
from launch_tui.sandbox import RunningWorld

pytest_plugins = ["sandbox_fixtures"]


def junit(text: str) -> ET.Element:
    assert text.isascii()
    return ET.fromstring(text)


def sarif(text: str) -> dict[str, Any]:
    assert text.isascii()
    document: dict[str, Any] = json.loads(text)
    assert_valid_sarif(document)
    return document


def test_every_format_agrees_with_the_exit_code_and_shows_accepted_risks(
    demo_world_thread: RunningWorld, tmp_path: Path
) -> None:
    session = replace(sandbox_session(demo_world_thread), decisions=(D3,))
    path = write(tmp_path / "sessions" / "demo.toml", session)
    cli = Cli(tmp_path)

    code, text = cli.run(path, "json")
    assert code == Exit.FINDINGS
    document = json.loads(text)
    # check-v1 only gained a field: the old ones keep their order, "risks" comes after.
    assert list(document)[:5] == ["format", "session", "results", "summary", "exit_code"]
    assert document["format"] == "launch-tui/check-v1"
    risks = document["risks"]
    assert {(r["check_id"], r["target"]): (r["status"], r["severity"]) for r in risks} == (
        DEMO_FINDINGS
    )
    assert [r["state"] for r in risks] == ["blocking", "open", "open", "accepted"]
    assert [r["rank"] for r in risks] == [1, 2, 3, 4]
    assert (risks[0]["check_id"], risks[0]["target"]) == ("dns.records", "promo.brightlane.test")
    assert risks[-1]["accepted_by"] == [
        {
            "decision": "D3",
            "owner": "priya",
            "owner_name": "Priya Raman",
            "due": "2025-06-09",
            "reason": "Renewal is booked for Monday",
        }
    ]
    assert risks[-1]["decisions"] == [
        {"decision": "D3", "action": "accept-risk", "owner": "priya", "due": "2025-06-09"}
    ]
    assert document["summary"]["blocking"] == 1 and document["summary"]["accepted"] == 1

    code, text = cli.run(path, "text")
    assert code == Exit.FINDINGS
    risk_list = text[text.index("\nRisk list, by launch impact: ") :]
    assert risk_list.startswith("\nRisk list, by launch impact: 1 blocking, 2 open, 1 accepted\n")
    assert re.search(
        r"\n  1\. BLOCKING FAIL  high     dns\.records      promo\.brightlane\.test\s+"
        r"Dangling CNAME",
        risk_list,
    )
    assert re.search(
        r"\n  4\. accepted FAIL  high     tls\.certificate  app\.brightlane\.test ", text
    )
    assert (
        "\n     accepted risk D3 by Priya Raman (priya) until 2025-06-09: "
        "Renewal is booked for Monday\n" in risk_list
    )
    # The verdict stays the last line.
    assert re.search(r"\n\n16 results: .* 1 blocking at high or worse .*Exit 1\.\n$", risk_list)

    code, text = cli.run(path, "junit")
    assert code == Exit.FINDINGS
    root = junit(text)
    assert junit_cases_with(root, "failure") == {("dns.records", "promo.brightlane.test")}
    assert root.get("failures") == "1" and root.get("tests") == "16"
    assert [s.get("name") for s in root.findall("testsuite")] == [
        "Stage 1 · Quick audit",
        "Stage 3 · Harden delivery",
    ]
    accepted = next(
        c
        for c in root.iter("testcase")
        if (c.get("classname"), c.get("name")) == ("tls.certificate", "app.brightlane.test")
    )
    out = accepted.find("system-out")
    assert out is not None and "accepted risk D3 by Priya Raman (priya) until 2025-06-09" in (
        out.text or ""
    )

    code, text = cli.run(path, "sarif")
    assert code == Exit.FINDINGS
    run = sarif(text)["runs"][0]
    results = {(r["ruleId"], r["properties"]["target"]): r for r in run["results"]}
    assert set(results) == set(DEMO_FINDINGS)
    assert results["dns.records", "promo.brightlane.test"]["level"] == "error"
    assert results["tls.certificate", "staging.brightlane.test"]["level"] == "warning"
    suppressed = {k for k, r in results.items() if r.get("suppressions")}
    assert suppressed == {("tls.certificate", "app.brightlane.test")}
    invocation = run["invocations"][0]
    assert invocation["exitCode"] == 1 and invocation["executionSuccessful"] is True
    assert invocation["startTimeUtc"] <= invocation["endTimeUtc"]
    location = results["dns.records", "promo.brightlane.test"]["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "sessions/demo.toml"
    assert location["logicalLocations"][0]["name"] == "promo.brightlane.test"


def test_accepting_every_blocking_finding_exits_0_in_every_format(
    demo_world_thread: RunningWorld, tmp_path: Path
) -> None:
    session = replace(sandbox_session(demo_world_thread), decisions=(D3, D4))
    path = write(tmp_path / "accepted.toml", session)
    cli = Cli(tmp_path)
    outputs = {}
    for fmt in ("text", "json", "junit", "sarif"):
        code, outputs[fmt] = cli.run(path, fmt)
        assert code == Exit.OK, (fmt, outputs[fmt][-500:])
    assert "Risk list, by launch impact: 2 open, 2 accepted" in outputs["text"]
    assert "accepted risk D4 by Maya Okafor (maya): promo record goes" in outputs["text"]
    assert outputs["text"].endswith("(2 covered by accepted risks). Exit 0.\n")
    document = json.loads(outputs["json"])
    assert document["exit_code"] == 0
    assert [r["state"] for r in document["risks"]] == ["open", "open", "accepted", "accepted"]
    root = junit(outputs["junit"])
    assert root.get("failures") == "0" and not junit_cases_with(root, "failure")
    shown = [c for c in root.iter("testcase") if c.find("system-out") is not None]
    assert any("accepted risk D4 by Maya Okafor" in (c.findtext("system-out") or "") for c in shown)
    run = sarif(outputs["sarif"])["runs"][0]
    assert run["invocations"][0]["exitCode"] == 0
    assert len(run["results"]) == len(DEMO_FINDINGS)  # shown, not hidden
    suppressions = [s for r in run["results"] for s in r.get("suppressions", ())]
    assert [s["status"] for s in suppressions] == ["accepted", "accepted"]
    assert {s["properties"]["decision"] for s in suppressions} == {"D3", "D4"}


def test_hostile_world_output_is_well_formed_and_inert(
    hostile_world_thread: RunningWorld, tmp_path: Path
) -> None:
    session = sandbox_session(hostile_world_thread, timeout=1.0)
    hosts = (*session.targets.hosts, Host(name="broken.hostile.test"))
    path = write(
        tmp_path / "hostile.toml", replace(session, targets=replace(session.targets, hosts=hosts))
    )
    cli = Cli(tmp_path)
    for fmt in ("text", "json", "junit", "sarif"):
        code, text = cli.run(path, fmt)
        assert code == Exit.FINDINGS, fmt
        assert not CONTROL.findall(text.replace("\n", "")), (fmt, CONTROL.findall(text)[:5])
    code, text = cli.run(path, "junit")
    root = junit(text)
    assert root.get("failures") == str(len(junit_cases_with(root, "failure"))) != "0"
    client = {p.get("name"): p.get("value") for p in root.iter("property")}["client"]
    assert client is not None and "␛]0;pwned␇" in client  # visible, not interpreted
    code, text = cli.run(path, "sarif")
    assert sarif(text)["runs"][0]["properties"]["session"]["client"].startswith("Hostile \x1b")
    code, text = cli.run(path, "text")
    assert "\nRisk list, by launch impact: " in text


def test_an_unknown_format_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = Cli(tmp_path)
    assert cli("check", str(tmp_path / "x.toml"), "--format", "xml") == Exit.USAGE
    # argparse reports on the process's stderr.
    assert "invalid choice: 'xml' (choose from 'text', 'json', 'junit', 'sarif')" in (
        capsys.readouterr().err
    )

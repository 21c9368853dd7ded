"""The worst-of combination every multi-part check reports through."""

from __future__ import annotations

from launch_tui.checks.engine.findings import Finding, combine
from launch_tui.core.model import Severity, Status


def test_the_worst_status_leads_then_the_worst_severity_of_that_status() -> None:
    findings = [
        Finding(Status.WARN, Severity.CRITICAL, "warned"),
        Finding(Status.FAIL, Severity.LOW, "failed low"),
        Finding(Status.ERROR, Severity.CRITICAL, "errored"),
        Finding(Status.FAIL, Severity.HIGH, "failed high"),
    ]
    status, severity, summary = combine(findings)
    assert (status, severity) == (Status.FAIL, Severity.HIGH)
    assert summary == "failed high; failed low; errored; warned"


def test_a_skipped_part_never_outweighs_a_judged_one() -> None:
    findings = [
        Finding(Status.SKIPPED, Severity.HIGH, "no site to look at"),
        Finding(Status.PASS, Severity.LOW, "hosting matches"),
    ]
    assert combine(findings) == (Status.PASS, Severity.LOW, "hosting matches; no site to look at")


def test_the_summary_is_cleaned_and_cut() -> None:
    findings = [Finding(Status.WARN, Severity.LOW, "a\u202eb\n" + "x" * 50)]
    _, _, summary = combine(findings, max_len=20)
    assert len(summary) == 20 and summary.endswith("…")
    assert "\u202e" not in summary and "\n" not in summary

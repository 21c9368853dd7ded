"""The exact SPF and DMARC records the email checklist tells the client to paste."""

from __future__ import annotations

from launch_tui.checks.email.fixes import dmarc_fix, spf_fix


def test_spf_fixes_change_only_what_a_finding_names() -> None:
    assert spf_fix("v=spf1 +all", "a.test") == "v=spf1 ~all"
    assert spf_fix("v=spf1 ip4:192.0.2.1 ptr ?all", "a.test") == "v=spf1 ip4:192.0.2.1 ~all"
    assert spf_fix("v=spf1 mx -all include:x.test", "a.test", "spf.mtasv.net") == (
        "v=spf1 mx include:spf.mtasv.net -all"
    )
    assert spf_fix("", "a.test", "spf.mtasv.net") == "v=spf1 include:spf.mtasv.net ~all"
    assert spf_fix("", "a.test") == "", "no provider known: the report shows its template"
    assert spf_fix("v=spf1 include:spf.mtasv.net -all", "a.test", "spf.mtasv.net") == ""
    assert spf_fix("v=spf1 redirect=_spf.a.test", "a.test") == ""


def test_dmarc_fixes_add_reports_and_tighten_monitoring() -> None:
    assert dmarc_fix({}, "a.test") == "v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@a.test"
    published = {"v": "DMARC1", "p": "none", "rua": "mailto:d@a.test", "fo": "1"}
    assert dmarc_fix(published, "a.test") == "v=DMARC1; p=quarantine; rua=mailto:d@a.test; fo=1"

"""The email provider is judged from who sends (SPF includes, DKIM selectors) as well as MX:
a domain that receives mail at Google but sends through Postmark is not a mismatch."""

from __future__ import annotations

from launch_tui.checks.audit.fingerprints import builtin_providers
from launch_tui.checks.audit.stack_judge import judge_email
from launch_tui.checks.email.senders import sending_signs
from launch_tui.core.model import Status
from launch_tui.net import DnsAnswer, DnsFailure, DnsFailureKind

DATA = builtin_providers()
GOOGLE_MX = DnsAnswer("example.com", "MX", ("1 aspmx.l.google.com.",), 300, "example.com", txt=())


def test_signs_come_from_spf_includes_and_dkim_selectors() -> None:
    signs = sending_signs(["_spf.google.com", "spf.mtasv.net"], ["pm"], "Postmark")
    assert [(s.sender.name, s.source) for s in signs] == [
        ("Google Workspace", "SPF include:_spf.google.com"),
        ("Postmark", "SPF include:spf.mtasv.net"),
    ]
    keyed = sending_signs([], ["pm"], "Postmark")
    assert [(s.sender.name, s.source) for s in keyed] == [("Postmark", "DKIM key at pm._domainkey")]
    # "s1" is SendGrid's default alone; "google" is Google's; an unknown selector proves nothing.
    assert [s.sender.name for s in sending_signs([], ["s1", "custom"], "")] == ["SendGrid"]


def test_receiving_at_google_and_sending_through_postmark_is_no_mismatch() -> None:
    without = judge_email("Postmark", GOOGLE_MX, DATA)
    assert without.status is Status.WARN
    signs = sending_signs(["_spf.google.com", "spf.mtasv.net"], [], "Postmark")
    verdict = judge_email("Postmark", GOOGLE_MX, DATA, senders=signs)
    assert verdict.status is Status.PASS
    assert verdict.detected == "Postmark"
    assert verdict.summary == (
        "Email: Postmark sends the mail (SPF include:spf.mtasv.net); mail is received at "
        "Google Workspace"
    )


def test_a_declared_sender_nobody_authorizes_stays_a_mismatch() -> None:
    signs = sending_signs(["_spf.google.com"], [], "Postmark")
    assert judge_email("Postmark", GOOGLE_MX, DATA, senders=signs).status is Status.WARN


def test_no_mx_but_a_sender_is_detected() -> None:
    none = DnsFailure("example.com", "MX", DnsFailureKind.NODATA, "no MX")
    signs = sending_signs(["sendgrid.net"], [], "")
    verdict = judge_email("", none, DATA, senders=signs)
    assert (verdict.status, verdict.detected) == (Status.PASS, "SendGrid")

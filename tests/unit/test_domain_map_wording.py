"""The domain map's TLS cell reads as sentences: a finding and the certificate's dates are two
clauses, and dates the finding already gives are not repeated."""

from __future__ import annotations

from test_report_tables import TODAY, result, session

from launch_tui.core.model import Host, HostRole, Status, Targets
from launch_tui.report.domain_map import domain_map


def _tls(summary: str, status: Status, not_after: str) -> str:
    s = session(
        targets=Targets(hosts=(Host("www.acme.test", HostRole.WWW),)),
        results=(
            result(
                "tls.certificate",
                "www.acme.test",
                status,
                summary=summary,
                evidence={"not_after": not_after},
            ),
        ),
    )
    return domain_map(s, TODAY)[0].tls


def test_a_finding_and_the_expiry_are_two_clauses() -> None:
    cell = _tls("TLS 1.0 and 1.1 are accepted", Status.WARN, "2026-08-01T00:00:00Z")
    assert cell == "TLS 1.0 and 1.1 are accepted; certificate valid until 2026-08-01 (87 d left)"


def test_an_expiry_the_finding_states_is_not_repeated() -> None:
    cell = _tls("Expires in 5 days (on 2026-05-11)", Status.FAIL, "2026-05-11T00:00:00Z")
    assert cell == "Expires in 5 days (on 2026-05-11)"


def test_a_valid_certificate_says_until_when() -> None:
    assert _tls("ok", Status.PASS, "2026-05-20T00:00:00Z") == "valid until 2026-05-20 (14 d left)"

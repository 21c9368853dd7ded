"""tls.certificate against the sandbox's HTTPS hosts: a real CA, real handshakes, real probes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from check_runs import run_checks, select

from launch_tui.checks import CheckServices
from launch_tui.checks.engine.services import open_check_services
from launch_tui.cli.cmd_sandbox import sandbox_session
from launch_tui.core.model import CheckResult, Session, Severity, Status
from launch_tui.sandbox import ExpectedFinding, RunningWorld, TlsCase

pytest_plugins = ["sandbox_fixtures"]

CHECK = "tls.certificate"
#: The worlds name protocol findings ``tls.protocols``; the playbook has one check for both.
EXPECTED_AS = {"tls.certificate", "tls.protocols"}

#: What each expected finding's summary must say, by target.
SAYS = {
    "expired.tlslab.test": "Certificate expired 2 days ago",
    "expiring.tlslab.test": "Certificate expires in 5 days",
    "wrong-host.tlslab.test": "Certificate does not name wrong-host.tlslab.test",
    "incomplete-chain.tlslab.test": "Incomplete chain: intermediate certificate not sent",
    "self-signed.tlslab.test": "Self-signed certificate",
    "tls10.tlslab.test": "Only TLS 1.0 is offered",
    "legacy.tlslab.test": "TLS 1.0 and 1.1 are accepted",
    "app.brightlane.test": "Certificate expires in 5 days",
    "staging.brightlane.test": "Incomplete chain: intermediate certificate not sent",
    "api.brightlane.test": "TLS 1.0 and 1.1 are accepted",
}


async def run_tls(
    session: Session,
    services: CheckServices | None = None,
    *,
    clock: Callable[[], datetime] | None = None,
) -> dict[str, CheckResult]:
    """tls.certificate on every host of ``session``, by target."""
    done = await run_checks(session, select(CHECK), services=services, clock=clock)
    return done.by_target(CHECK)


def expected(running: RunningWorld) -> dict[str, ExpectedFinding]:
    return {e.target: e for e in running.world.expected if e.check in EXPECTED_AS}


def assert_exactly_expected(running: RunningWorld, results: dict[str, CheckResult]) -> None:
    wanted = expected(running)
    assert set(wanted) <= set(results)
    for target, finding in wanted.items():
        result = results[target]
        assert (result.status, result.severity) == (finding.status, finding.severity), result
        assert result.summary.startswith(SAYS[target]), result.summary
    for target, result in results.items():
        if target not in wanted:
            assert result.status in (Status.PASS, Status.SKIPPED), result


@pytest.fixture
async def tls_results(tls_world: RunningWorld) -> dict[str, CheckResult]:
    unavailable = [h.name for h in tls_world.hosts.values() if not h.available]
    if unavailable:
        pytest.skip(f"this OpenSSL cannot serve {unavailable}")
    return await run_tls(sandbox_session(tls_world))


async def test_tls_cases_are_each_diagnosed_as_the_world_expects(
    tls_world: RunningWorld, tls_results: dict[str, CheckResult]
) -> None:
    assert_exactly_expected(tls_world, tls_results)
    assert tls_results["valid.tlslab.test"].status is Status.PASS


async def test_demo_findings_are_exactly_the_worlds_expected_ones(demo_world: RunningWorld) -> None:
    results = await run_tls(sandbox_session(demo_world))
    assert_exactly_expected(demo_world, results)
    assert set(expected(demo_world)) == {
        "app.brightlane.test",
        "staging.brightlane.test",
        "api.brightlane.test",
    }
    for name in ("brightlane.test", "www.brightlane.test", "admin.brightlane.test"):
        assert results[name].status is Status.PASS
    # Names that only exist in the zone: one with no address, one with no listener of its own.
    assert results["promo.brightlane.test"].summary == (
        "Not checked: promo.brightlane.test has no address (nxdomain); dns.records reports it"
    )
    assert results["cdn.brightlane.test"].summary.startswith("No HTTPS listener: 127.0.0.3:443")


async def test_clean_world_passes_everywhere(clean_session: Session) -> None:
    results = await run_tls(clean_session)
    assert len(results) == 6
    assert {t: r.status for t, r in results.items()} == dict.fromkeys(results, Status.PASS)


async def test_a_host_without_tls_is_skipped_not_failed(
    tls_results: dict[str, CheckResult],
) -> None:
    plain = tls_results["plain.tlslab.test"]
    assert plain.status is Status.SKIPPED
    assert plain.summary.startswith("No HTTPS: 127.0.0.10:")
    assert plain.summary.endswith("answers, but not with TLS (plain HTTP?)")
    assert plain.evidence["failure"] == "tls"


async def test_evidence_is_what_a_person_would_check(
    tls_world: RunningWorld, tls_results: dict[str, CheckResult]
) -> None:
    valid = tls_results["valid.tlslab.test"]
    evidence = valid.evidence
    host = tls_world.host("valid.tlslab.test")
    assert valid.summary.startswith("Trusted and valid for valid.tlslab.test, issued by ")
    assert "; 89 days left; TLS 1.2, TLS 1.3" in valid.summary
    assert evidence["verified"] is True
    assert evidence["hostname_matches"] is True
    assert evidence["address"] == host.endpoint
    assert evidence["sans"] == ["valid.tlslab.test"]
    assert "CN=valid.tlslab.test" in str(evidence["subject"])
    assert evidence["days_to_expiry"] == 89
    assert str(evidence["not_after"]).startswith(
        host.certificate.not_valid_after_utc.date().isoformat()  # type: ignore[union-attr]
    )
    assert evidence["key_type"] in ("EC", "RSA")
    assert isinstance(evidence["key_bits"], int)
    chain = evidence["chain"]
    assert isinstance(chain, list) and len(chain) == 2
    assert evidence["protocols"] == {
        "TLS 1.0": "refused",
        "TLS 1.1": "refused",
        "TLS 1.2": "accepted",
        "TLS 1.3": "accepted",
    }
    assert evidence["negotiated"] == "TLSv1.3"
    assert "verify_message" not in evidence

    broken = tls_results["self-signed.tlslab.test"].evidence
    assert broken["verified"] is False
    assert broken["problem"] == "self_signed"
    assert broken["verify_code"] == 18
    assert broken["verify_message"] == "self-signed certificate"
    incomplete = tls_results["incomplete-chain.tlslab.test"].evidence
    assert incomplete["problem"] == "incomplete_chain"
    assert len(incomplete["chain"]) == 1  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("days_later", "status", "severity", "says"),
    [
        (70, Status.WARN, Severity.MEDIUM, "Certificate expires in 19 days"),
        (83, Status.FAIL, Severity.HIGH, "Certificate expires in 6 days"),
        (89, Status.FAIL, Severity.HIGH, "Certificate expires today"),
        (95, Status.FAIL, Severity.CRITICAL, "Certificate expired 6 days ago"),
    ],
)
async def test_expiry_thresholds(
    tls_world: RunningWorld, days_later: int, status: Status, severity: Severity, says: str
) -> None:
    # The check's clock runs ahead of the world's: the same valid certificate, seen later.
    later = tls_world.started_at + timedelta(days=days_later)
    session = sandbox_session(tls_world)
    async with open_check_services(session.network) as services:
        results = await run_tls(session, services, clock=lambda: later)
    valid = results["valid.tlslab.test"]
    assert (valid.status, valid.severity) == (status, severity), valid.summary
    assert valid.summary.startswith(says)


async def test_worst_finding_comes_first(tls_world: RunningWorld) -> None:
    # 84 days on, the legacy host's certificate has 5 days left (fail, high) and it still
    # accepts TLS 1.0/1.1 (fail, medium): the result is the worst, named first.
    later = tls_world.started_at + timedelta(days=84)
    session = sandbox_session(tls_world)
    async with open_check_services(session.network) as services:
        results = await run_tls(session, services, clock=lambda: later)
    legacy = results["legacy.tlslab.test"]
    assert (legacy.status, legacy.severity) == (Status.FAIL, Severity.HIGH)
    assert legacy.summary.startswith("Certificate expires in 5 days")
    assert legacy.summary.endswith(
        "; TLS 1.0 and 1.1 are accepted (deprecated by RFC 8996): refuse them"
    )


async def test_without_an_inspector_the_result_says_so(demo_session: Session) -> None:
    results = await run_tls(demo_session, CheckServices())
    assert {r.status for r in results.values()} == {Status.ERROR}
    assert next(iter(results.values())).summary == "No TLS inspector is configured for this run"


def test_every_tls_case_is_covered_by_the_tests() -> None:
    covered = {target.split(".")[0] for target in SAYS if target.endswith(".tlslab.test")}
    cases = {c.value for c in TlsCase} - {"valid", "none"}
    assert len(covered) == len(cases)

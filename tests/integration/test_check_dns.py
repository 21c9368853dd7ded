"""dns.records against the sandbox's authoritative DNS: real UDP/TCP, real zones."""

from __future__ import annotations

from dataclasses import replace

import pytest
from check_runs import run_checks, select

from launch_tui.checks import CheckServices
from launch_tui.cli.cmd_sandbox import sandbox_session
from launch_tui.core.model import CheckResult, Host, Session, Severity, Status
from launch_tui.sandbox import RunningWorld, parse_world, start_world

pytest_plugins = ["sandbox_fixtures"]

CHECK = "dns.records"

# An apex that resolves but publishes no CAA record, and a host with only an AAAA record.
NO_CAA_WORLD = """
name = "nocaa"
[sprint]
id = "nocaa"
client = "No CAA Ltd"
product = "Shop"
[targets]
apex = "nocaa.test"
[[hosts]]
name = "nocaa.test"
role = "apex"
tls = "none"
[[dns.zones]]
origin = "nocaa.test"
records = [["@", "NS", "ns1.nocaa.test."], ["ns1", "A", "127.0.0.1"], ["v6", "AAAA", "::1"]]
"""


async def run_dns(
    session: Session, services: CheckServices | None = None
) -> dict[str, CheckResult]:
    """dns.records on every host of ``session``, by target."""
    return (await run_checks(session, select(CHECK), services=services)).by_target(CHECK)


def with_hosts(session: Session, *names: str) -> Session:
    hosts = session.targets.hosts + tuple(Host(name=n) for n in names)
    return replace(session, targets=replace(session.targets, hosts=hosts))


@pytest.fixture
async def demo_results(demo_world: RunningWorld) -> dict[str, CheckResult]:
    return await run_dns(sandbox_session(demo_world))


async def test_demo_findings_are_exactly_the_worlds_expected_ones(
    demo_world: RunningWorld,
    demo_results: dict[str, CheckResult],
) -> None:
    expected = {e.target: e for e in demo_world.world.expected if e.check == CHECK}
    assert set(expected) == {"promo.brightlane.test"}
    for target, finding in expected.items():
        result = demo_results[target]
        assert (result.status, result.severity) == (finding.status, finding.severity), result
    others = {t: r.status for t, r in demo_results.items() if t not in expected}
    assert set(others.values()) == {Status.PASS}, others
    # Every web host of the world and every CNAME in its zone was checked.
    assert set(demo_results) >= {h.name for h in demo_world.hosts.values() if h.published}
    assert {"promo.brightlane.test", "cdn.brightlane.test"} <= set(demo_results)


async def test_dangling_cname_names_the_target_and_records_the_chain(
    demo_results: dict[str, CheckResult],
) -> None:
    promo = demo_results["promo.brightlane.test"]
    assert promo.summary.startswith(
        "Dangling CNAME to brightlane-promo.pagehost.example (NXDOMAIN): takeover risk"
    )
    assert promo.evidence["failure"] == "dangling-cname"
    assert promo.evidence["cname_chain"] == ["brightlane-promo.pagehost.example"]
    assert promo.evidence["a"] == {
        "failure": "nxdomain",
        "message": "promo.brightlane.test (via brightlane-promo.pagehost.example) does not "
        "exist (NXDOMAIN): a dangling CNAME",
    }


async def test_cname_chain_ttl_and_answering_nameserver_are_evidence(
    demo_world: RunningWorld,
    demo_results: dict[str, CheckResult],
) -> None:
    app = demo_results["app.brightlane.test"]
    assert app.status is Status.PASS
    assert app.summary == "A 127.0.0.4 (via brightlane-app.pagehost.example)"
    assert app.evidence["cname_chain"] == ["brightlane-app.pagehost.example"]
    assert app.evidence["canonical_name"] == "brightlane-app.pagehost.example"
    nameserver = demo_world.nameserver_address
    assert app.evidence["a"] == {"records": ["127.0.0.4"], "ttl": 300, "nameserver": nameserver}
    assert app.evidence["aaaa"]["failure"] == "nodata"  # type: ignore[index]
    assert app.evidence["answered_by"] == nameserver
    assert app.evidence["apex"] is False
    assert "ns" not in app.evidence and "caa" not in app.evidence


async def test_apex_records_ns_and_caa(demo_results: dict[str, CheckResult]) -> None:
    apex = demo_results["brightlane.test"]
    assert apex.status is Status.PASS
    assert apex.evidence["apex"] is True
    ns = apex.evidence["ns"]
    assert isinstance(ns, dict)
    assert sorted(ns["records"]) == ["ada.ns.cloudflare.com", "rob.ns.cloudflare.com"]  # type: ignore[arg-type]
    caa = apex.evidence["caa"]
    assert isinstance(caa, dict)
    assert '0 issue "letsencrypt.org"' in caa["records"]  # type: ignore[operator]
    assert "NS " in apex.summary and "letsencrypt.org" in apex.summary


async def test_clean_world_passes_everywhere(clean_session: Session) -> None:
    results = await run_dns(clean_session)
    assert len(results) == len(clean_session.targets.hosts) == 6
    assert {t: r.status for t, r in results.items()} == dict.fromkeys(results, Status.PASS)


async def test_missing_caa_warns_with_remediation_and_aaaa_only_passes() -> None:
    async with start_world(parse_world(NO_CAA_WORLD, "nocaa.toml")) as running:
        session = with_hosts(sandbox_session(running), "v6.nocaa.test", "nope.nocaa.test")
        results = await run_dns(session)
    apex = results["nocaa.test"]
    assert apex.status is Status.WARN
    assert apex.severity is Severity.LOW
    assert apex.summary.startswith("No CAA record at nocaa.test: any certificate authority")
    assert 'e.g. 0 issue "letsencrypt.org"' in apex.summary
    assert apex.evidence["caa"]["failure"] == "nodata"  # type: ignore[index]
    v6 = results["v6.nocaa.test"]
    assert (v6.status, v6.summary) == (Status.PASS, "AAAA ::1")
    nope = results["nope.nocaa.test"]
    assert (nope.status, nope.severity) == (Status.FAIL, Severity.HIGH)
    assert nope.summary == "nope.nocaa.test does not exist (NXDOMAIN): no address"
    assert nope.evidence["failure"] == "nxdomain"


async def test_apex_is_recognised_by_role_as_well_as_by_name(
    demo_world: RunningWorld,
) -> None:
    session = sandbox_session(demo_world)
    session = replace(session, targets=replace(session.targets, apex=""))
    results = await run_dns(session)
    assert results["brightlane.test"].evidence["apex"] is True  # role = apex
    assert results["www.brightlane.test"].evidence["apex"] is False


async def test_without_a_resolver_the_result_says_so(demo_session: Session) -> None:
    results = await run_dns(demo_session, CheckServices())
    assert {r.status for r in results.values()} == {Status.ERROR}
    assert next(iter(results.values())).summary == "No DNS resolver is configured for this run"

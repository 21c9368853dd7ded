"""edge.cloudflare and edge.origin_exposed against sandbox hosts that answer like Cloudflare."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from check_runs import run_checks, select

from launch_tui.checks.edge import cloudflare_networks, in_cloudflare
from launch_tui.cli.cmd_sandbox import sandbox_session
from launch_tui.core.model import CheckResult, Session, Severity, Status
from launch_tui.net import data_files
from launch_tui.sandbox import RunningWorld, parse_world, start_world

pytest_plugins = ["sandbox_fixtures"]

PROXY = "edge.cloudflare"
ORIGIN = "edge.origin_exposed"
#: The demo world calls the not-proxied finding ``delivery.proxy``; it is edge.cloudflare's.
ALIASES = {PROXY: {PROXY, "delivery.proxy"}, ORIGIN: {ORIGIN}}
SAYS = {
    (PROXY, "api.brightlane.test"): "Not proxied by Cloudflare: origin exposed directly "
    "(api.brightlane.test answers from 127.0.0.5, server nginx/1.18.0 (Ubuntu)); its DNS is "
    "on Cloudflare, so turn the proxy on (orange cloud)",
    (PROXY, "staging.brightlane.test"): "Not proxied by Cloudflare: origin exposed directly "
    "(staging.brightlane.test answers from 127.0.0.7, server nginx/1.24.0)",
}

# www and shop are behind the edge; origin.edge.test is a DNS-only name on www's origin
# server, which answers www's page to anyone; go-origin does the same for go's redirect.
EDGE_LAB = """
name = "edgelab"
[sprint]
id = "edgelab"
client = "Edge Lab"
product = "Edge"
[targets]
apex = "edge.test"

[[hosts]]
name = "www.edge.test"
role = "www"
cloudflare = true
[[hosts.routes]]
path = "/"
page = { title = "Edge Shop" }

[[hosts]]
name = "origin.edge.test"
[[hosts.routes]]
path = "/"
page = { title = "Edge Shop" }

[[hosts]]
name = "shop.edge.test"
cloudflare = true
[[hosts.routes]]
path = "/"
page = { title = "Another Shop" }

[[hosts]]
name = "go.edge.test"
cloudflare = true
redirect_to = "https://www.edge.test"

[[hosts]]
name = "go-origin.edge.test"
redirect_to = "https://www.edge.test"

[[hosts]]
name = "app.edge.test"
role = "app"
[[hosts.routes]]
path = "/"
body = "the app, straight from its server"

[[hosts]]
name = "mixed.edge.test"
cloudflare = true
dns = false
[[hosts.routes]]
path = "/"
page = { title = "Half behind the edge" }

[[hosts]]
name = "mail.edge.test"
role = "mail"

[[dns.zones]]
origin = "edge.test"
records = [
  ["@", "NS", "ns1.edge.test."],
  ["ns1", "A", "127.0.0.1"],
  ["mixed", "A", "104.16.1.1"],
  ["mixed", "A", "192.0.2.10"],
]
"""


async def run(session: Session) -> dict[tuple[str, str], CheckResult]:
    return {r.key: r for r in (await run_checks(session, select(PROXY, ORIGIN))).session.results}


async def test_demo_findings_are_exactly_the_worlds_expected_ones(
    demo_world: RunningWorld,
) -> None:
    results = await run(sandbox_session(demo_world))
    wanted = {
        (check, e.target): e
        for check, names in ALIASES.items()
        for e in demo_world.world.expected
        if e.check in names
    }
    assert set(wanted) == set(SAYS)
    for key, finding in wanted.items():
        result = results[key]
        assert (result.status, result.severity) == (finding.status, finding.severity), result
        assert result.summary.startswith(SAYS[key]), result.summary
    for key, result in results.items():
        if key not in wanted:
            assert result.status in (Status.PASS, Status.SKIPPED), result
    # The domain map's proxy column reads `proxied`.
    www = results[(PROXY, "www.brightlane.test")]
    assert www.evidence["proxied"] is True
    assert str(www.evidence["cf_ray"]).endswith("-SJC")
    assert www.evidence["dns_host"] == "Cloudflare"
    assert results[(PROXY, "api.brightlane.test")].evidence["proxied"] is False
    # Proxied hosts were probed at the DNS-only addresses and did not answer as themselves.
    app = results[(ORIGIN, "app.brightlane.test")]
    assert app.status is Status.PASS
    assert app.evidence["path"] == "/login"  # "/" is a 404: the first GET route is compared
    assert results[(ORIGIN, "api.brightlane.test")].summary.endswith("edge.cloudflare reports it")


async def test_clean_world_is_behind_the_edge_everywhere(clean_session: Session) -> None:
    results = await run(clean_session)
    assert {r.status for k, r in results.items() if k[0] == PROXY} == {Status.PASS}
    assert {r.status for k, r in results.items() if k[0] == ORIGIN} <= {
        Status.PASS,
        Status.SKIPPED,
    }


@pytest.fixture
async def lab() -> dict[tuple[str, str], CheckResult]:
    async with start_world(parse_world(EDGE_LAB)) as running:
        results = await run(sandbox_session(running))
        assert running.errors() == ()
    return results


async def test_proxy_cases(lab: dict[tuple[str, str], CheckResult]) -> None:
    def outcome(target: str) -> tuple[Status, Severity]:
        return lab[(PROXY, target)].status, lab[(PROXY, target)].severity

    assert outcome("www.edge.test")[0] is Status.PASS
    assert outcome("origin.edge.test") == (Status.FAIL, Severity.MEDIUM)
    assert outcome("app.edge.test") == (Status.FAIL, Severity.HIGH)
    assert lab[(PROXY, "app.edge.test")].summary.startswith(
        "Not proxied by Cloudflare: origin exposed directly (app.edge.test answers from "
    )
    assert outcome("mixed.edge.test") == (Status.WARN, Severity.MEDIUM)
    assert lab[(PROXY, "mixed.edge.test")].summary == (
        "Partly proxied: mixed.edge.test has addresses inside Cloudflare (104.16.1.1) and "
        "outside (192.0.2.10); visitors sent to the others bypass the edge"
    )
    assert lab[(PROXY, "mixed.edge.test")].evidence["cloudflare_addresses"] == ["104.16.1.1"]
    assert outcome("mail.edge.test")[0] is Status.SKIPPED


async def test_origin_cases(lab: dict[tuple[str, str], CheckResult]) -> None:
    def outcome(target: str) -> tuple[Status, Severity]:
        return lab[(ORIGIN, target)].status, lab[(ORIGIN, target)].severity

    www = lab[(ORIGIN, "www.edge.test")]
    assert outcome("www.edge.test") == (Status.FAIL, Severity.HIGH)
    assert re.match(
        r"Origin answers directly: 127\.0\.0\.\d+:\d+ serves www\.edge\.test/ without Cloudflare",
        www.summary,
    ), www.summary
    assert www.evidence["edge_fingerprint"] == {"status": 200, "title": "Edge Shop"}
    assert outcome("go.edge.test") == (Status.WARN, Severity.MEDIUM)
    assert (
        "gives go.edge.test's redirect without Cloudflare" in lab[(ORIGIN, "go.edge.test")].summary
    )
    assert outcome("shop.edge.test")[0] is Status.PASS
    probed = lab[(ORIGIN, "shop.edge.test")].evidence["probed"]
    assert isinstance(probed, list) and len(probed) == 7  # every other host's address
    # DNS-only hosts are edge.cloudflare's finding, mail hosts are never proxied.
    assert outcome("origin.edge.test")[0] is Status.SKIPPED
    assert outcome("mail.edge.test")[0] is Status.SKIPPED


def test_cloudflare_ranges_snapshot() -> None:
    text = data_files.shipped(data_files.CLOUDFLARE_IPS).decode("utf-8")
    assert re.search(r"^# Snapshot date: \d{4}-\d{2}-\d{2}", text, re.MULTILINE)
    networks = cloudflare_networks()
    assert len(networks) >= 20
    assert {n.version for n in networks} == {4, 6}
    assert in_cloudflare("104.16.1.1")
    assert in_cloudflare("172.67.10.10")
    assert in_cloudflare("2606:4700:3033::6815:1")
    assert not in_cloudflare("127.0.0.2")
    assert not in_cloudflare("192.0.2.10")
    assert not in_cloudflare("not an address")


async def test_a_declared_origin_ip_is_probed_even_when_no_hostname_points_there() -> None:
    async with start_world(parse_world(EDGE_LAB)) as running:
        session = sandbox_session(running)
        origin = running.host("origin.edge.test")
        hosts = tuple(
            replace(h, origin_ip=f"{origin.address}:{origin.port}")
            if h.name == "www.edge.test"
            else h
            for h in session.targets.hosts
            if h.name in ("www.edge.test", "shop.edge.test")
        )
        session = replace(session, targets=replace(session.targets, hosts=hosts))
        results = await run(session)
        assert running.errors() == ()
    www = results[(ORIGIN, "www.edge.test")]
    assert (www.status, www.severity) == (Status.FAIL, Severity.HIGH), www.summary
    assert f"{origin.address}:{origin.port} serves www.edge.test/" in www.summary
    probed = www.evidence["probed"]
    assert isinstance(probed, list) and len(probed) == 2  # the origin, then shop's address

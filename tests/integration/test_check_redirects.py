"""http.redirects, http.https_forced and http.canonical_redirect against sandbox hosts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from check_runs import run_checks, select

from launch_tui.cli.cmd_sandbox import sandbox_session
from launch_tui.core.model import CheckResult, Session, Severity, Status
from launch_tui.sandbox import RunningWorld, parse_world, start_world

pytest_plugins = ["sandbox_fixtures"]

CHECKS = ("http.redirects", "http.https_forced", "http.canonical_redirect")
#: The worlds' own names for findings these checks report.
ALIASES = {
    "http.redirects": {"http.redirects"},
    "http.https_forced": {"http.https_forced", "http.https_redirect"},
    "http.canonical_redirect": {"http.canonical_redirect"},
}
SAYS = {
    ("http.https_forced", "api.brightlane.test"): (
        "Plain http:// is served instead of redirected to https:// "
        "(http://api.brightlane.test/ answers 404)"
    ),
}

# One host per redirect behaviour. Route redirects default to 302; host redirects are 301.
REDIRECT_LAB = """
name = "redirlab"
[sprint]
id = "redirlab"
client = "Redirect Lab"
product = "Redirects"
[targets]
apex = "redir.test"

[[hosts]]
name = "ok.redir.test"
[[hosts.routes]]
path = "/"
body = "fine"

[[hosts]]
name = "temp.redir.test"
[[hosts.routes]]
path = "/"
redirect = "https://ok.redir.test/"

[[hosts]]
name = "chain.redir.test"
[[hosts.routes]]
path = "/"
redirect = "/a"
[[hosts.routes]]
path = "/a"
redirect = "/b"
status = 301
[[hosts.routes]]
path = "/b"
body = "at last"

[[hosts]]
name = "loop.redir.test"
[[hosts.routes]]
path = "/"
redirect = "/x"
status = 301
[[hosts.routes]]
path = "/x"
redirect = "/"
status = 301

[[hosts]]
name = "broken.redir.test"
[[hosts.routes]]
path = "/"
redirect = "/gone"
status = 301

[[hosts]]
name = "down.redir.test"
[[hosts.routes]]
path = "/"
redirect = "http://plain.redir.test/"
status = 301

[[hosts]]
name = "plain.redir.test"
tls = "none"
[[hosts.routes]]
path = "/"
body = "plain text only"

[[hosts]]
name = "closed.redir.test"
http = "close"
[[hosts.routes]]
path = "/"
body = "https only"

[[dns.zones]]
origin = "redir.test"
records = [["@", "NS", "ns1.redir.test."], ["ns1", "A", "127.0.0.1"]]
"""

# Apex and www each serving their own copy; a second apex with no www at all.
CANONICAL_LAB = """
name = "canonlab"
[sprint]
id = "canonlab"
client = "Canonical Lab"
product = "Canonical"

[[hosts]]
name = "twin.test"
role = "apex"
[[hosts.routes]]
path = "/"
body = "apex copy"

[[hosts]]
name = "www.twin.test"
role = "www"
[[hosts.routes]]
path = "/"
body = "www copy"

[[hosts]]
name = "solo.test"
role = "apex"
[[hosts.routes]]
path = "/"
body = "the only site"

[[dns.zones]]
origin = "twin.test"
records = [["@", "NS", "ns1.twin.test."], ["ns1", "A", "127.0.0.1"]]

[[dns.zones]]
origin = "solo.test"
records = [["@", "NS", "ns1.solo.test."], ["ns1", "A", "127.0.0.1"]]
"""


async def run(session: Session, *check_ids: str) -> dict[tuple[str, str], CheckResult]:
    """``check_ids`` on every target of ``session``, by (check, target)."""
    return {r.key: r for r in (await run_checks(session, select(*check_ids))).session.results}


def of(results: dict[tuple[str, str], CheckResult], check_id: str) -> dict[str, CheckResult]:
    return {target: r for (check, target), r in results.items() if check == check_id}


@pytest.fixture
async def lab() -> AsyncIterator[RunningWorld]:
    async with start_world(parse_world(REDIRECT_LAB)) as running:
        yield running
        assert running.errors() == ()


@pytest.fixture
async def lab_results(lab: RunningWorld) -> dict[tuple[str, str], CheckResult]:
    return await run(sandbox_session(lab), "http.redirects", "http.https_forced")


async def test_demo_findings_are_exactly_the_worlds_expected_ones(
    demo_world: RunningWorld,
) -> None:
    results = await run(sandbox_session(demo_world), *CHECKS)
    for check_id in CHECKS:
        wanted = {e.target: e for e in demo_world.world.expected if e.check in ALIASES[check_id]}
        got = of(results, check_id)
        assert set(wanted) <= set(got), check_id
        for target, finding in wanted.items():
            result = got[target]
            assert (result.status, result.severity) == (finding.status, finding.severity), result
            assert result.summary.startswith(SAYS[(check_id, target)]), result.summary
        for target, result in got.items():
            if target not in wanted:
                assert result.status in (Status.PASS, Status.SKIPPED), result
    assert set(SAYS) == {
        (check, e.target)
        for check in CHECKS
        for e in demo_world.world.expected
        if e.check in ALIASES[check]
    }
    # The redirect column of the domain map reads these.
    apex = results[("http.redirects", "brightlane.test")]
    assert apex.evidence["final_url"] == "https://www.brightlane.test/"
    assert apex.summary == (
        "https://brightlane.test/ → https://www.brightlane.test/ (301); "
        "http://brightlane.test/ → https://www.brightlane.test/ (301, 301)"
    )
    canonical = results[("http.canonical_redirect", "")]
    assert canonical.summary == (
        "All 4 variants (brightlane.test, www.brightlane.test; http and https) reach "
        "https://www.brightlane.test/"
    )
    # The staging certificate does not verify, yet its redirects were read (and are fine).
    staging = results[("http.redirects", "staging.brightlane.test")].evidence["https"]
    assert isinstance(staging, dict) and staging["certificate_verified"] is False
    for name in ("promo.brightlane.test", "cdn.brightlane.test"):
        assert results[("http.redirects", name)].status is Status.SKIPPED


async def test_clean_world_has_nothing_to_report(clean_session: Session) -> None:
    results = await run(clean_session, *CHECKS)
    assert len(results) == 13
    assert {r.status for r in results.values()} == {Status.PASS}


async def test_redirect_findings(lab_results: dict[tuple[str, str], CheckResult]) -> None:
    got = of(lab_results, "http.redirects")
    assert got["ok.redir.test"].status is Status.PASS

    temp = got["temp.redir.test"]
    assert (temp.status, temp.severity) == (Status.WARN, Severity.LOW)
    assert temp.summary.startswith(
        "https://temp.redir.test/ → https://ok.redir.test/ uses 302 (temporary)"
    )

    chain = got["chain.redir.test"]
    assert (chain.status, chain.severity) == (Status.WARN, Severity.LOW)
    assert chain.summary.startswith(
        "2 redirects before the final page (https://chain.redir.test/ → "
        "https://chain.redir.test/a → https://chain.redir.test/b): make it one hop"
    )

    loop = got["loop.redir.test"]
    assert (loop.status, loop.severity) == (Status.FAIL, Severity.MEDIUM)
    assert loop.summary.startswith("Redirect loop: https://loop.redir.test/ → ")

    broken = got["broken.redir.test"]
    assert broken.status is Status.FAIL
    assert broken.summary.startswith(
        "https://broken.redir.test/ redirects to https://broken.redir.test/gone, which answers 404"
    )

    down = got["down.redir.test"]
    assert down.status is Status.FAIL
    assert "Redirects from https://down.redir.test/ end on plain HTTP at " in down.summary
    hops = down.evidence["https"]
    assert isinstance(hops, dict)
    assert hops["hops"] == [
        {"url": "https://down.redir.test/", "status": 301, "location": "http://plain.redir.test/"},
        {"url": "http://plain.redir.test/", "status": 200},
    ]


async def test_https_forced_findings(lab_results: dict[tuple[str, str], CheckResult]) -> None:
    got = of(lab_results, "http.https_forced")
    ok = got["ok.redir.test"]
    assert ok.status is Status.PASS
    assert ok.summary == "http://ok.redir.test/ redirects to https://ok.redir.test/ (301)"

    plain = got["plain.redir.test"]
    assert (plain.status, plain.severity) == (Status.FAIL, Severity.HIGH)
    assert plain.summary.startswith("Plain http:// is served instead of redirected to https://")

    down = got["down.redir.test"]
    assert (down.status, down.severity) == (Status.FAIL, Severity.HIGH)
    assert "Downgrade: https://down.redir.test/ redirects to plain http://plain.redir.test/" in (
        down.summary
    )

    closed = got["closed.redir.test"]
    assert (closed.status, closed.severity) == (Status.WARN, Severity.LOW)
    assert closed.summary.startswith(
        "No answer over plain HTTP (http://closed.redir.test/ closed the connection"
    )


async def test_canonical_redirect_findings() -> None:
    async with start_world(parse_world(CANONICAL_LAB)) as running:
        session = sandbox_session(running)

        def aimed(apex: str, canonical: str) -> Session:
            targets = replace(session.targets, apex=apex, canonical_url=canonical)
            return replace(session, targets=targets)

        twin = (await run(aimed("twin.test", "https://www.twin.test/"), CHECKS[2]))[(CHECKS[2], "")]
        solo = (await run(aimed("solo.test", "https://solo.test/"), CHECKS[2]))[(CHECKS[2], "")]
        unset = (await run(aimed("solo.test", ""), CHECKS[2]))[(CHECKS[2], "")]
        assert running.errors() == ()

    assert (twin.status, twin.severity) == (Status.FAIL, Severity.MEDIUM)
    assert twin.summary.startswith(
        "https://twin.test/ serves its own page (200) instead of redirecting: send it to "
        "https://www.twin.test/"
    )
    assert (solo.status, solo.severity) == (Status.WARN, Severity.LOW)
    assert solo.summary.startswith(
        "www.solo.test does not answer (www.solo.test has no address (nxdomain))"
    )
    assert unset.status is Status.SKIPPED

"""http.hsts against sandbox hosts, and the Strict-Transport-Security parser."""

from __future__ import annotations

import pytest
from check_runs import run_checks, select

from launch_tui.checks.http.hsts import Hsts, parse_hsts
from launch_tui.cli.cmd_sandbox import sandbox_session
from launch_tui.core.model import CheckResult, Session, Severity, Status
from launch_tui.sandbox import RunningWorld, parse_world, start_world

pytest_plugins = ["sandbox_fixtures"]

CHECK = "http.hsts"
SAYS = {
    "brightlane.test": "HSTS without includeSubDomains and preload: not preload-eligible",
    "app.brightlane.test": "No HSTS header: https://app.brightlane.test/ sends no",
    "admin.brightlane.test": "No HSTS header: https://admin.brightlane.test/ sends no",
    "staging.brightlane.test": "No HSTS header: https://staging.brightlane.test/ sends no",
}

HSTS_LAB = """
name = "hstslab"
[sprint]
id = "hstslab"
client = "HSTS Lab"
product = "HSTS"
[targets]
apex = "hsts.test"

[[hosts]]
name = "hsts.test"
role = "apex"
hsts = "max-age=63072000; includeSubDomains; preload"

[[hosts]]
name = "good.hsts.test"
hsts = "max-age=31536000"

[[hosts]]
name = "short.hsts.test"
hsts = "max-age=86400; includeSubDomains"

[[hosts]]
name = "none.hsts.test"

[[hosts]]
name = "staging.hsts.test"
role = "staging"

[[hosts]]
name = "zero.hsts.test"
hsts = "max-age=0"

[[hosts]]
name = "bad.hsts.test"
hsts = "max-age=forever"

[[hosts]]
name = "twice.hsts.test"
hsts = "max-age=31536000; max-age=60"

[[hosts]]
name = "everywhere.hsts.test"
headers = { "Strict-Transport-Security" = "max-age=31536000" }

[[hosts]]
name = "plain.hsts.test"
tls = "none"
"""


async def run(session: Session) -> dict[str, CheckResult]:
    return (await run_checks(session, select(CHECK))).by_target(CHECK)


async def test_demo_findings_are_exactly_the_worlds_expected_ones(
    demo_world: RunningWorld,
) -> None:
    results = await run(sandbox_session(demo_world))
    wanted = {e.target: e for e in demo_world.world.expected if e.check == CHECK}
    assert set(wanted) == set(SAYS)
    for target, finding in wanted.items():
        result = results[target]
        assert (result.status, result.severity) == (finding.status, finding.severity), result
        assert result.summary.startswith(SAYS[target]), result.summary
    others = {t: r.status for t, r in results.items() if t not in wanted}
    assert others == {
        "www.brightlane.test": Status.PASS,
        "api.brightlane.test": Status.PASS,  # 180 days: the playbook's minimum
        "promo.brightlane.test": Status.SKIPPED,
        "cdn.brightlane.test": Status.SKIPPED,
    }
    www = results["www.brightlane.test"]
    assert www.summary == "HSTS max-age=31536000 (365 days), includeSubDomains"
    assert www.evidence["hsts"] == ["max-age=31536000; includeSubDomains"]
    assert www.evidence["max_age"] == 31536000


async def test_clean_world_passes_everywhere(clean_session: Session) -> None:
    results = await run(clean_session)
    assert len(results) == 6
    assert {r.status for r in results.values()} == {Status.PASS}


async def test_each_hsts_case() -> None:
    async with start_world(parse_world(HSTS_LAB)) as running:
        results = await run(sandbox_session(running))
        assert running.errors() == ()

    def outcome(name: str) -> tuple[Status, Severity]:
        return results[name].status, results[name].severity

    assert outcome("hsts.test") == (Status.PASS, Severity.MEDIUM)
    assert results["hsts.test"].summary == (
        "HSTS max-age=63072000 (730 days), includeSubDomains, preload"
    )
    assert outcome("good.hsts.test")[0] is Status.PASS
    assert outcome("short.hsts.test") == (Status.WARN, Severity.LOW)
    assert results["short.hsts.test"].summary.startswith(
        "HSTS max-age of 1 day is short: use at least 180 days"
    )
    assert outcome("none.hsts.test") == (Status.FAIL, Severity.MEDIUM)
    assert outcome("staging.hsts.test") == (Status.FAIL, Severity.LOW)
    assert outcome("zero.hsts.test") == (Status.FAIL, Severity.MEDIUM)
    assert results["zero.hsts.test"].summary.startswith("HSTS is switched off (max-age=0)")
    assert outcome("bad.hsts.test") == (Status.FAIL, Severity.MEDIUM)
    assert results["bad.hsts.test"].summary == (
        "HSTS header 'max-age=forever' is ignored by browsers: max-age 'forever' is not a "
        "number of seconds"
    )
    assert outcome("twice.hsts.test")[0] is Status.FAIL
    assert "max-age is given twice" in results["twice.hsts.test"].summary
    assert outcome("everywhere.hsts.test") == (Status.WARN, Severity.LOW)
    assert results["everywhere.hsts.test"].summary.startswith(
        "HSTS is also sent over plain http://everywhere.hsts.test/, where browsers ignore it"
    )
    assert results["everywhere.hsts.test"].evidence["hsts_over_http"] == ["max-age=31536000"]
    assert outcome("plain.hsts.test")[0] is Status.SKIPPED
    assert results["plain.hsts.test"].summary.startswith("No HTTPS on plain.hsts.test")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("max-age=31536000", Hsts(31536000)),
        ('MAX-AGE="600" ; includeSubDomains;PRELOAD', Hsts(600, True, True)),
        ("max-age=10; unknown-directive=1", Hsts(10)),
        ("includeSubDomains", Hsts(None, True, problem="it has no max-age")),
        ("max-age=-5", Hsts(None, problem="max-age '-5' is not a number of seconds")),
        ("max-age=1; preload; preload", Hsts(None, problem="preload is given twice")),
        ("max-age=1; a b", Hsts(None, problem="malformed directive 'a b'")),
    ],
)
def test_parse_hsts(value: str, expected: Hsts) -> None:
    assert parse_hsts(value) == expected

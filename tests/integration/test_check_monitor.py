"""The monitor family against the demo and clean worlds: exactly the expected findings."""

from __future__ import annotations

from dataclasses import replace

from check_runs import run_checks, select

from launch_tui.checks import Registry
from launch_tui.checks.monitor import coverage, request_id
from launch_tui.cli.cmd_sandbox import sandbox_session
from launch_tui.core.model import CheckResult, RouteKind, RouteMonitor, Session, Status
from launch_tui.sandbox import RunningWorld

pytest_plugins = ["sandbox_fixtures"]

FINDINGS = (Status.WARN, Status.FAIL, Status.ERROR)


def registry() -> Registry:
    return Registry([*coverage.CHECKS.all(), *request_id.CHECKS.all()])


async def run(session: Session) -> list[CheckResult]:
    done = await run_checks(session, select(), registry=registry())
    assert not done.finished.timed_out
    return list(done.results)


async def test_demo_gives_exactly_the_expected_monitor_findings(demo_world: RunningWorld) -> None:
    results = await run(sandbox_session(demo_world))
    ours = set(registry().ids())
    expected = {
        (e.check, "" if e.check == "monitor.coverage" else e.target): (e.status, e.severity)
        for e in demo_world.world.expected
        if e.check in ours
    }
    found = {r.key: (r.status, r.severity) for r in results if r.status in FINDINGS}
    assert found == expected
    by_key = {r.key: r for r in results}
    assert by_key[("monitor.request_id", "staging-health")].status is Status.SKIPPED
    assert by_key[("monitor.request_id", "create-quote")].status is Status.SKIPPED
    assert by_key[("monitor.request_id", "login")].evidence["echoed"].startswith("launch-tui-")  # type: ignore[union-attr]
    rows = by_key[("monitor.coverage", "")].evidence["key_routes"]
    assert {k: v["route"] for k, v in rows.items()} == {  # type: ignore[union-attr,index]
        "homepage": "home",
        "login": "login",
        "health": "health",
        "webhook": "stripe-webhook",
    }


async def test_a_missing_or_broken_key_route_fails_coverage(demo_world: RunningWorld) -> None:
    session = sandbox_session(demo_world)
    routes = tuple(r for r in session.targets.routes if r.kind is not RouteKind.WEBHOOK)
    broken = tuple(
        replace(r, url=r.url.replace("/health", "/nope")) if r.name == "health" else r
        for r in routes
    )
    result = next(
        r
        for r in await run(replace(session, targets=replace(session.targets, routes=broken)))
        if r.check_id == "monitor.coverage"
    )
    assert result.status is Status.FAIL
    assert "No webhook route configured" in result.summary
    assert "health (health) answers 404, not 200" in result.summary


async def test_exported_key_routes_are_covered(demo_world: RunningWorld) -> None:
    session = sandbox_session(demo_world)
    monitors = tuple(
        RouteMonitor(name, "gatus", "/srv/exports/gatus")
        for name in ("home", "login", "health", "stripe-webhook")
    )
    covered = replace(session, targets=replace(session.targets, monitors=monitors))
    result = next(r for r in await run(covered) if r.check_id == "monitor.coverage")
    assert result.status is Status.PASS, result.summary
    rows = result.evidence["key_routes"]
    assert rows["login"]["monitors"] == ["gatus: /srv/exports/gatus"]  # type: ignore[index,call-overload]


async def test_clean_world_is_silent(clean_world: RunningWorld) -> None:
    """Harbourline echoes request IDs and declares its external monitors: nothing to find."""
    results = await run(sandbox_session(clean_world))
    assert not [(r.key, r.summary) for r in results if r.status in FINDINGS]
    coverage_result = next(r for r in results if r.check_id == "monitor.coverage")
    assert coverage_result.status is Status.PASS
    assert (
        "https://stats.uptimerobot.example/harbourline/login" in coverage_result.evidence["links"]
    )  # type: ignore[operator]

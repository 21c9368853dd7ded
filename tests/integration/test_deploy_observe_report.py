"""The deploy runbook and the monitoring summary, filled from what a demo session recorded."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from launch_tui.checks import Registry, RunEvent, RunFinished, Selection
from launch_tui.checks.deploy import build_output, env_diff, health, migrations
from launch_tui.checks.deploy.drill import DrillOutcome, DrillRecord, drill_result
from launch_tui.checks.engine.merging import merge_results
from launch_tui.checks.engine.services import open_check_services
from launch_tui.checks.engine.session_run import run_session_checks
from launch_tui.checks.monitor import coverage, request_id
from launch_tui.cli.cmd_sandbox import sandbox_session
from launch_tui.core.model import RouteMonitor, Session, Severity
from launch_tui.core.playbook import builtin_playbook
from launch_tui.report.render import render_document
from launch_tui.sandbox import RunningWorld

pytest_plugins = ["sandbox_fixtures"]

NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
MONITORING = {
    "saved_at": "2025-06-02T11:00:00+00:00",
    "interval_s": 5.0,
    "duration_s": 3600.0,
    "routes": [
        {"route": "home", "samples": 720, "failures": 0, "uptime_pct": 100.0, "p95_ms": 96.0},
        {"route": "health", "samples": 720, "failures": 36, "uptime_pct": 95.0, "p95_ms": 14.0},
    ],
}


async def recorded(running: RunningWorld) -> Session:
    session = sandbox_session(running)
    monitors = tuple(
        RouteMonitor(name, "UptimeRobot", f"https://stats.uptimerobot.example/{name}")
        for name in ("home", "login", "health", "stripe-webhook")
    )
    session = replace(
        session,
        targets=replace(session.targets, monitors=monitors, migration_dry_run="ls migrations"),
        monitoring=MONITORING,
    )
    registry = Registry()
    for module in (env_diff, health, migrations, build_output, coverage, request_id):
        registry.extend(module.CHECKS.all())
    events: list[RunEvent] = []
    async with open_check_services(session.network) as services:
        session = await run_session_checks(
            session, Selection(), services, registry=registry, on_event=events.append
        )
    assert isinstance(events[-1], RunFinished)
    drill = DrillRecord(
        started_at=NOW,
        route="health",
        from_version="1.9.0",
        to_version="1.8.2",
        outcome=DrillOutcome.RECOVERED,
        version_changed_s=4.2,
        healthy_s=11.5,
        watched_s=11.5,
    )
    return merge_results(session, [drill_result(drill, Severity.HIGH, "sam")])


async def test_the_runbook_and_monitoring_summary_say_what_was_recorded(
    demo_world: RunningWorld,
) -> None:
    session = await recorded(demo_world)
    playbook = builtin_playbook()
    runbook = render_document(session, playbook, fmt="md", only=("deploy-runbook",), now=NOW)
    assert "`launch-tui watch-deploy demo --timeout 600`" in runbook
    assert "`npx knex migrate:rollback`" in runbook, "the framework the rehearsal found"
    assert "dry run (`ls migrations`)" in runbook
    assert (
        "Rollback 1.9.0 → 1.8.2 drilled: release changed after 4.2 s, healthy after 11.5 s"
        in runbook
    )
    summary = render_document(session, playbook, fmt="md", only=("monitoring-summary",), now=NOW)
    assert "https://stats.uptimerobot.example/login" in summary
    home = next(line for line in summary.splitlines() if line.startswith("| `home`"))
    assert "100" in home and "yes" in home
    health_row = next(line for line in summary.splitlines() if line.startswith("| `health`"))
    assert "95" in health_row and "5" in health_row
    html = render_document(session, playbook, fmt="html", only=("deploy-runbook",), now=NOW)
    assert "<code>npx knex migrate:rollback</code>" in html

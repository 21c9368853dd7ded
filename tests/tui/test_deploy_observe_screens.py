"""The rollback drill and the live monitor dashboard against the demo sandbox."""

from __future__ import annotations

import asyncio
import math
from pathlib import Path

from conftest import AppFactory

from launch_tui.checks.deploy.drill import DRILL_CHECK, DrillOutcome
from launch_tui.checks.engine.services import open_check_services
from launch_tui.checks.monitor.live import Sample, http_probe
from launch_tui.cli.cmd_open import services_factory
from launch_tui.cli.cmd_sandbox import sandbox_session
from launch_tui.core.model import JSONValue, Status
from launch_tui.core.monitor_plan import Monitor
from launch_tui.sandbox import RunningWorld
from launch_tui.sandbox.deploys import BadRollout
from launch_tui.store import create_session, load_session
from launch_tui.tui.app import AppOptions
from launch_tui.tui.screens.monitor_dashboard import MonitorScreen
from launch_tui.tui.screens.rollback_drill import DrillScreen
from launch_tui.tui.widgets.latency_chart import chart_lines
from launch_tui.tui.widgets.plain import Plain

pytest_plugins = ["sandbox_fixtures"]

API = "api.brightlane.test"


async def test_a_rollback_drill_is_timed_and_recorded(
    make_app: AppFactory, sessions_dir: Path, demo_world: RunningWorld
) -> None:
    path = sessions_dir / "demo.toml"
    create_session(path, sandbox_session(demo_world)).close()
    demo_world.deploys.deploy(API, "1.9.0", BadRollout(unhealthy_s=math.inf))
    app = make_app(open_path=path, services_factory=services_factory())
    async with app.run_test(size=(110, 34)) as pilot:
        await app.wait_opened()
        await pilot.press("R")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DrillScreen)
        screen.interval_s = 0.1
        await pilot.press("g")
        await pilot.pause()
        assert screen.record is None, "nothing to time before the release is noted"
        await pilot.press("n")
        await screen.workers.wait_for_complete()
        assert screen.noted is not None and screen.noted.version == "1.9.0"
        assert not screen.noted.healthy
        demo_world.deploys.rollback(API, BadRollout(lag_s=0.2, unhealthy_s=0.4))
        await pilot.press("g")
        await pilot.pause()
        await screen.workers.wait_for_complete()
        record = screen.record
        assert record is not None and record.outcome is DrillOutcome.RECOVERED
        assert record.to_version == "1.8.2"
        assert record.healthy_s is not None and record.version_changed_s is not None
        assert 0 <= record.version_changed_s <= record.healthy_s < 5
        assert app.controller is not None
        stored = app.controller.session.result(DRILL_CHECK)
        assert stored is not None and stored.status is Status.PASS
        assert stored.evidence["from_version"] == "1.9.0"
        assert "healthy after" in stored.summary
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, DrillScreen)


async def test_the_monitor_dashboard_shows_live_figures_and_hands_back_a_summary(
    make_app: AppFactory, sessions_dir: Path, demo_world: RunningWorld
) -> None:
    session = sandbox_session(demo_world)
    path = sessions_dir / "demo.toml"
    create_session(path, session).close()
    enough = asyncio.Event()
    seen: list[Sample] = []
    summaries: list[dict[str, JSONValue]] = []
    async with open_check_services(session.network) as services:
        assert services.http is not None
        real = http_probe(services.http, 5.0)

        async def probe(monitor: Monitor) -> Sample:
            sample = await real(monitor)
            seen.append(sample)
            if len(seen) >= 24:
                enough.set()
            return sample

        app = make_app(open_path=path, services_factory=services_factory())
        async with app.run_test(size=(110, 34)) as pilot:
            await app.wait_opened()

            def keep(summary: dict[str, JSONValue]) -> None:
                summaries.append(summary)
                app.store_monitor_summary(summary)

            screen = MonitorScreen(interval_s=0.05, probe=probe, on_summary=keep)
            await app.push_screen(screen)
            await asyncio.wait_for(enough.wait(), 30)
            screen.refresh_figures()
            await pilot.pause()
            lines = str(screen.query_one("#monitor-routes", Plain).render()).splitlines()
            assert len(lines) == 1 + 8, "a header and the eight monitored routes"
            home = lines[1].split()
            assert home[:3] == ["home", "up", "100.0%"], lines[1]
            await pilot.press("down")
            assert screen.selected == 1
            await pilot.press("escape")
            await pilot.pause()
            assert app.controller is not None
            saved = app.controller.session.monitoring
            assert saved["interval_s"] == 0.05 and "saved_at" in saved
            await app.wait_saved()
    assert summaries, "closing hands the summary back"
    assert load_session(path).monitoring["routes"] == summaries[0]["routes"], "on disk too"
    routes = {r["route"]: r for r in summaries[0]["routes"]}  # type: ignore[union-attr,index]
    assert routes["home"]["samples"] >= 2 and routes["home"]["failures"] == 0  # type: ignore[operator,index]
    assert routes["dashboard"]["p50_ms"] is not None  # type: ignore[index]


def test_the_chart_draws_the_budget_line_and_failed_probes() -> None:
    lines = chart_lines([100.0, 900.0, None, 200.0], budget_ms=500, width=6, height=6)
    text = [line.plain for line in lines]
    assert len(text) == 6 and all(len(t) == 6 for t in text)
    budget_rows = [t for t in text if "─" in t]
    assert len(budget_rows) == 1, text
    assert text[-1][2] == "×", "a failed probe sits at the bottom"
    assert text[0][1] in "█▁▂▃▄▅▆▇", "the 900 ms probe reaches the top"


async def test_watching_a_deploy_shows_the_time_to_healthy(
    make_app: AppFactory, sessions_dir: Path, demo_world: RunningWorld
) -> None:
    path = sessions_dir / "demo.toml"
    create_session(path, sandbox_session(demo_world)).close()
    app = make_app(open_path=path, services_factory=services_factory())
    async with app.run_test(size=(110, 34)) as pilot:
        await app.wait_opened()
        await pilot.press("R")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DrillScreen)
        screen.interval_s = 0.1
        demo_world.deploys.deploy(API, "2.0.0", BadRollout(unhealthy_s=0.5))
        await pilot.press("w")
        await pilot.pause()
        await screen.workers.wait_for_complete()
        outcome = screen.watched
        assert outcome is not None and outcome.healthy and outcome.version == "2.0.0"
        assert outcome.polls[0].probe.status == 503, "the deploy was caught failing first"
        step = str(screen.query_one("#drill-step", Plain).render())
        assert step.startswith("Healthy after") and "running 2.0.0" in step
        demo_world.deploys.deploy(API, "2.0.1", BadRollout(unhealthy_s=math.inf))
        screen.timeout_s = 60
        await pilot.press("w")
        await pilot.pause()
        await pilot.press("x")
        await screen.workers.wait_for_complete()
        assert screen.watched is not None and screen.watched.cancelled


async def test_the_demo_drill_deploys_and_rolls_back_the_sandbox_itself(
    make_app: AppFactory, sessions_dir: Path, demo_world: RunningWorld
) -> None:
    path = sessions_dir / "demo.toml"
    create_session(path, sandbox_session(demo_world)).close()
    options = AppOptions(
        cursor_blink=False, theme="textual-dark", sandbox_deploys=demo_world.deploy_admin_url
    )
    app = make_app(open_path=path, services_factory=services_factory(), options=options)
    async with app.run_test(size=(110, 34)) as pilot:
        await app.wait_opened()
        await pilot.press("R")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DrillScreen)
        screen.interval_s = 0.2
        await pilot.press("B")
        await pilot.pause()
        await screen.workers.wait_for_complete()
        assert demo_world.deploys.status(API).version == "9.9.9-bad"
        await pilot.press("n")
        await screen.workers.wait_for_complete()
        assert screen.noted is not None and screen.noted.version == "9.9.9-bad"
        await pilot.press("b")
        await pilot.pause()
        await screen.workers.wait_for_complete()
        assert demo_world.deploys.status(API).version == "1.8.2"
        await pilot.press("g")
        await pilot.pause()
        await screen.workers.wait_for_complete()
        record = screen.record
        assert record is not None and record.outcome is DrillOutcome.RECOVERED
        assert record.to_version == "1.8.2"
        assert record.version_changed_s is not None and record.healthy_s is not None

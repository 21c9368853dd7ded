"""The rollback drill against the demo's API host: a bad deploy, a rollback, a timed recovery."""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, datetime

from launch_tui.checks.deploy.drill import DrillOutcome, note_release, watch_rollback
from launch_tui.checks.deploy.health_probe import HealthProbe, probe
from launch_tui.checks.engine.services import open_check_services
from launch_tui.cli.cmd_sandbox import sandbox_session
from launch_tui.sandbox import RunningWorld
from launch_tui.sandbox.deploys import BadRollout

pytest_plugins = ["sandbox_fixtures"]

API = "api.brightlane.test"


async def test_a_rollback_is_timed_from_release_change_to_health(demo_world: RunningWorld) -> None:
    session = sandbox_session(demo_world)
    route = session.route("health")
    assert route is not None
    demo_world.deploys.deploy(API, "1.9.0", BadRollout(unhealthy_s=math.inf))
    async with open_check_services(session.network) as services:
        http = services.http
        assert http is not None

        async def look(within: float) -> HealthProbe:
            return await probe(http, route, within)

        noted = await note_release(look)
        assert (noted.version, noted.healthy) == ("1.9.0", False)
        started = datetime.now(UTC)
        # The engineer rolls back; the platform takes a moment to report the old release and
        # longer to be healthy on it.
        demo_world.deploys.rollback(API, BadRollout(lag_s=0.3, unhealthy_s=0.6))
        record = await watch_rollback(
            look,
            route="health",
            from_version="1.9.0",
            started_at=started,
            timeout_s=10,
            interval_s=0.05,
        )
    assert record.outcome is DrillOutcome.RECOVERED and record.to_version == "1.8.2"
    assert record.version_changed_s is not None and record.healthy_s is not None
    assert 0.25 <= record.version_changed_s <= record.healthy_s
    assert 0.55 <= record.healthy_s < 5
    evidence = record.as_evidence()
    assert evidence["outcome"] == "recovered" and evidence["polls"] == len(record.polls)


async def test_a_rollback_that_never_happens_says_so(demo_world: RunningWorld) -> None:
    session = sandbox_session(demo_world)
    route = session.route("health")
    assert route is not None
    async with open_check_services(session.network) as services:
        http = services.http
        assert http is not None

        async def look(within: float) -> HealthProbe:
            return await probe(http, route, within)

        record = await watch_rollback(
            look,
            route="health",
            from_version="1.8.2",
            started_at=datetime.now(UTC),
            timeout_s=0.5,
            interval_s=0.1,
        )
        assert record.outcome is DrillOutcome.NO_CHANGE and record.healthy_s is None
        cancel = asyncio.Event()
        cancel.set()
        stopped = await watch_rollback(
            look,
            route="health",
            from_version="1.8.2",
            started_at=datetime.now(UTC),
            timeout_s=5,
            cancel=cancel,
        )
        assert stopped.outcome is DrillOutcome.CANCELLED

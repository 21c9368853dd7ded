"""While a run goes on, the check table holds a row for each of its items from the start:
results fill rows in, so the table does not grow (and the screen is not laid out again) with
every batch of results."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from conftest import AppFactory, copy_session, fake_registry
from test_stage_flows import opened, stage_screen

from launch_tui.checks import CheckContext, Registry
from launch_tui.core.model import CheckResult, Severity, Status
from launch_tui.core.playbook import AppliesTo
from launch_tui.tui.views import QUEUED_SUMMARY
from launch_tui.tui.widgets.check_table import CheckTable


def _gated_registry(gate: threading.Event) -> Registry:
    registry = fake_registry()

    @registry.register(
        "edge.origin_exposed",
        stage="delivery",
        title="Origin cannot be reached directly",
        severity=Severity.HIGH,
        applies_to=AppliesTo.HOST,
    )
    async def origin(ctx: CheckContext) -> CheckResult:
        if ctx.target.startswith("www."):
            await asyncio.to_thread(gate.wait, 10)  # one target holds the run open
        return ctx.result(Status.PASS, "no origin found")

    return registry


async def test_a_runs_items_are_rows_until_their_results_arrive(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    gate = threading.Event()
    path = copy_session("brightlane", sessions_dir)
    app = make_app(open_path=path, registry=_gated_registry(gate))
    async with opened(app) as pilot:
        table = stage_screen(app).query_one("#checks", CheckTable)
        before = {str(row.key.value) for row in table.ordered_rows}
        assert "edge.origin_exposed:" in before  # one "not run yet" row for the check
        await pilot.press("r")
        for _ in range(200):  # until everything but the gated target has its result
            await pilot.pause(0.02)
            if app.run_state.done == app.run_state.total - 1 and app.run_state.total:
                break
        await pilot.pause(0.3)
        waiting = {r.key: r for r in table._rows if r.summary == QUEUED_SUMMARY}
        assert set(waiting) == {"edge.origin_exposed:www.brightlane.test"}
        during = table.row_count
        hosts = {r.target for r in table._rows if r.check_id == "edge.origin_exposed"}
        assert app.controller is not None
        assert len(hosts) == len(app.controller.session.targets.hosts)
        gate.set()
        await app.wait_for_run()
        await pilot.pause(0.3)
        assert table.row_count == during
        assert not [r for r in table._rows if r.summary == QUEUED_SUMMARY]
        assert "edge.origin_exposed:" not in {r.key for r in table._rows}

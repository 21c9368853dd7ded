"""The app's check runs in a child process, with the real services, against the demo world.

The app gets what ``launch-tui open`` gives it (the real services factory, the default check
registry, a clock of the package), so its runs go to a check process (``tui.check_runs``);
the sandbox is served on the test's event loop and the child reaches it over loopback.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest
from process_tree import alive, descendants

from launch_tui.checks import default_registry
from launch_tui.checks.engine.context import utc_now
from launch_tui.cli.cmd_demo import demo_session
from launch_tui.cli.cmd_open import services_factory
from launch_tui.core.playbook import builtin_playbook
from launch_tui.sandbox import RunningWorld, session_for
from launch_tui.store import create_session
from launch_tui.tui import app as app_module
from launch_tui.tui.app import LaunchApp
from launch_tui.tui.check_runs import child_run_plan
from launch_tui.tui.messages import ResultsArrived
from launch_tui.tui.screens.modals import ErrorModal

pytest_plugins = ["sandbox_fixtures"]

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")


class FirstResults(LaunchApp):
    """The app, doing ``act`` once, when the first results of a run arrive (mid-run)."""

    CSS_PATH = str(Path(app_module.__file__).with_name("app.tcss"))

    def __init__(self, act: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.act = act
        self.acted = False

    def on_results_arrived(self, message: ResultsArrived) -> None:
        super().on_results_arrived(message)
        if self.acted:
            return
        self.acted = True
        process = self.check_runs.process
        assert process is not None and process.pid is not None
        if self.act == "kill":
            os.kill(process.pid, signal.SIGKILL)
        else:
            self.cancel_run()


def _app(
    sessions_dir: Path, world: RunningWorld, app_class: type[LaunchApp] = LaunchApp, **extra: Any
) -> LaunchApp:
    path = sessions_dir / "demo.toml"
    create_session(path, demo_session(session_for(world))).close()
    return app_class(
        sessions_dir=sessions_dir,
        playbook=builtin_playbook(),
        registry=default_registry,
        services_factory=services_factory(),
        clock=utc_now,
        open_path=path,
        **extra,
    )


def test_the_real_services_run_in_a_child_and_fakes_in_a_thread() -> None:
    from launch_tui.cli.context import CliEnv

    registry = default_registry()
    # What the command line gives the app: its clock is the package's own.
    assert child_run_plan(services_factory(), registry, CliEnv().clock) is not None
    assert child_run_plan(services_factory({"timeout": 3.0}), registry, utc_now) is not None
    # A test's fake services, a fixed clock of a test, or a check a test wrote: in-thread.
    assert child_run_plan(lambda session: services_factory()(session), registry, utc_now) is None
    assert child_run_plan(services_factory(), registry, lambda: utc_now()) is None
    own = default_registry()

    @own.register(
        "test.local",
        stage="audit",
        title="A test's own check",
        severity=registry.all()[0].severity,
        applies_to=registry.all()[0].applies_to,
    )
    async def local(ctx: Any) -> Any:
        raise AssertionError("never run")

    assert child_run_plan(services_factory(), own, utc_now) is None


async def test_a_full_audit_runs_in_the_check_process(
    sessions_dir: Path, demo_world: RunningWorld
) -> None:
    app = _app(sessions_dir, demo_world)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("A")
        await app.wait_for_run()
        await pilot.pause()
        process = app.check_runs.process
        assert process is not None and process.ready
        assert app.controller is not None
        results = app.controller.session.results
        assert len(results) > 100
        assert app.run_state.last.startswith(f"full audit: {len(results)} checks")
        first = process.pid
        # The next run goes to the same, warm process.
        await pilot.press("A")
        await app.wait_for_run()
        assert app.check_runs.process is process and process.pid == first


async def test_cancelling_mid_run_stops_it_in_the_child_and_the_next_run_works(
    sessions_dir: Path, demo_world: RunningWorld
) -> None:
    app = _app(sessions_dir, demo_world, FirstResults, act="cancel")
    assert isinstance(app, FirstResults)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("A")
        await app.wait_for_run()
        await pilot.pause()
        assert app.acted
        assert "full audit cancelled after" in app.run_state.last
        process = app.check_runs.process
        assert process is not None and process.pid is not None and alive(process.pid)
        await pilot.press("A")
        await app.wait_for_run()
        await pilot.pause()
        assert app.check_runs.process is process
        assert app.run_state.last.startswith("full audit: ")
        assert "cancelled" not in app.run_state.last


async def test_a_killed_check_process_is_a_clear_error_and_the_next_run_starts_another(
    sessions_dir: Path, demo_world: RunningWorld
) -> None:
    app = _app(sessions_dir, demo_world, FirstResults, act="kill")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("A")
        await app.wait_for_run()
        await pilot.pause()
        dead = app.check_runs.process
        assert dead is not None and dead.gone
        modal = app.screen
        assert isinstance(modal, ErrorModal)
        assert modal.error_title == "Check run failed"
        assert "killed by SIGKILL" in modal.message and "Run the checks again" in modal.message
        assert app.run_state.last == "the check run failed"
        assert app.controller is not None and app.controller.session.results  # kept
        await pilot.press("escape")
        await pilot.press("A")
        await app.wait_for_run()
        await pilot.pause()
        fresh = app.check_runs.process
        assert fresh is not None and fresh is not dead and fresh.pid != dead.pid
        assert app.run_state.last.startswith("full audit: ")


async def test_quitting_leaves_no_process_behind(
    sessions_dir: Path, demo_world: RunningWorld
) -> None:
    app = _app(sessions_dir, demo_world)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("A")
        await app.wait_for_run()
        process = app.check_runs.process
        assert process is not None and process.pid is not None
        # The child and the sampling process its latency checks started.
        seen = {process.pid} | descendants(process.pid)
        assert len(seen) >= 2
        await pilot.press("q")
    assert [pid for pid in seen if alive(pid)] == []

"""Pilot flows on the stage screens: decide, confirm, resume, read-only, runs that fail."""

from __future__ import annotations

import contextlib
import tomllib
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import AppFactory, copy_session, fake_registry
from textual.pilot import Pilot
from textual.widgets import Select

from launch_tui.checks import CheckContext, CheckServices, Registry
from launch_tui.core.errors import NetworkError
from launch_tui.core.model import CheckResult, Session, Severity, Status
from launch_tui.core.playbook import AppliesTo
from launch_tui.store import open_session
from launch_tui.tui.app import LaunchApp
from launch_tui.tui.screens.decision import DecisionModal
from launch_tui.tui.screens.modals import ErrorModal, ManualModal
from launch_tui.tui.screens.readiness import ReadinessScreen
from launch_tui.tui.screens.stage import StageScreen
from launch_tui.tui.widgets.banner import Banner
from launch_tui.tui.widgets.check_table import CheckTable


def brightlane_app(make_app: AppFactory, sessions_dir: Path) -> tuple[LaunchApp, Path]:
    """An app opening a fresh copy of the Brightlane session, and that copy's path."""
    path = copy_session("brightlane", sessions_dir)
    return make_app(open_path=path), path


@contextlib.asynccontextmanager
async def opened(app: LaunchApp, **options: Any) -> AsyncIterator[Pilot[Any]]:
    """Run ``app`` headless until its session is open."""
    async with app.run_test(**options) as pilot:
        await pilot.pause()
        await app.wait_opened()
        yield pilot


def stage_screen(app: object) -> StageScreen:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, StageScreen)
    return screen


def toml_of(path: Path) -> dict[str, object]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


async def test_opens_on_the_stage_and_row_it_was_left_at(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    app, _path = brightlane_app(make_app, sessions_dir)
    async with opened(app):
        screen = stage_screen(app)
        assert screen.stage_id == "delivery"
        table = screen.query_one(CheckTable)
        assert table.selected_key == "tls.certificate:app.brightlane.test"


async def test_the_row_it_was_left_at_is_in_view_at_80x24(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    # A passing row of stage 3, below the eight rows an 80x24 screen shows (failures come
    # first): the table scrolls to it as soon as it has a size (and the stage screen is built
    # complete before its first frame).
    path = copy_session("brightlane", sessions_dir)
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            'selection = "tls.certificate:app.brightlane.test"',
            'selection = "tls.certificate:www.brightlane.test"',
        ),
        encoding="utf-8",
    )
    app = make_app(open_path=path)
    async with opened(app, size=(80, 24)):
        table = stage_screen(app).query_one(CheckTable)
        shown_rows = table.scrollable_content_region.height - 1  # less the header row
        assert table.cursor_row >= shown_rows  # not in view without scrolling
        first_shown = round(table.scroll_y)
        assert first_shown <= table.cursor_row < first_shown + shown_rows
        assert table.selected_key == "tls.certificate:www.brightlane.test"
        assert stage_screen(app).focused is table


async def test_accept_risk_with_owner_and_due_date_lands_in_the_toml_file(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    app, path = brightlane_app(make_app, sessions_dir)
    async with opened(app, size=(100, 30)) as pilot:
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, DecisionModal)
        await pilot.click("#action-accept-risk")
        # The form starts from d4, the fix it replaces: its text and due date are cleared.
        await pilot.click("#decision-text-input")
        await pilot.press("ctrl+a", "ctrl+k", *"Certificate renewal is booked for Friday")
        app.screen.query_one("#decision-owner", Select).value = "priya"
        await pilot.click("#decision-due-input")
        await pilot.press("ctrl+a", "ctrl+k", *"+3d")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, StageScreen)
        await app.wait_saved()
        decisions = toml_of(path)["decisions"]
        assert isinstance(decisions, list)
        recorded = decisions[-1]
        assert recorded["action"] == "accept-risk"
        assert recorded["owner"] == "priya"
        assert recorded["due"] == date(2026, 5, 8)
        assert recorded["check"] == "tls.certificate"
        assert recorded["target"] == "app.brightlane.test"
        assert recorded["text"] == "Certificate renewal is booked for Friday"


async def test_accept_risk_without_owner_is_refused_with_the_reason(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    app, _path = brightlane_app(make_app, sessions_dir)
    async with opened(app, size=(100, 30)) as pilot:
        await pilot.press("d")
        await pilot.pause()
        await pilot.click("#action-accept-risk")
        app.screen.query_one("#decision-owner", Select).value = ""
        await pilot.click("#decision-text-input")
        await pilot.press(*"Later")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, DecisionModal)
        reason = str(app.screen.query_one("#owner-reason").render())
        assert "owner" in reason
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, StageScreen)


async def test_manual_check_is_ticked_with_a_note_and_a_link(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    app, path = brightlane_app(make_app, sessions_dir)
    async with opened(app, size=(100, 30)) as pilot:
        table = stage_screen(app).query_one(CheckTable)
        assert table.select_key("edge.ddos:")
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, ManualModal)
        await pilot.press(*"Managed DDoS ruleset is on")
        await pilot.click("#manual-link-input")
        await pilot.press(*"https://dash.example/ddos")
        await pilot.press("ctrl+s")
        await pilot.pause()
        await app.wait_saved()
        results = toml_of(path)["results"]
        assert isinstance(results, list)
        ddos = next(r for r in results if r["check"] == "edge.ddos")
        assert ddos["status"] == "pass"
        assert ddos["evidence"]["link"] == "https://dash.example/ddos"
        assert ddos["evidence"]["note"] == "Managed DDoS ruleset is on"


async def test_quit_and_resume_on_the_same_stage_and_selection(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    app, path = brightlane_app(make_app, sessions_dir)
    async with opened(app) as pilot:
        await pilot.press("2")
        await pilot.pause()
        assert stage_screen(app).stage_id == "request-path"
        await pilot.press("down", "down")
        await pilot.pause()
        chosen = stage_screen(app).query_one(CheckTable).selected_key
        await pilot.press("q")
        await pilot.pause()
    assert chosen
    ui = toml_of(path)["ui"]
    assert ui == {"stage": "request-path", "selection": chosen}

    again = make_app(open_path=path)
    async with again.run_test() as pilot:
        await pilot.pause()
        await again.wait_opened()
        screen = stage_screen(again)
        assert screen.stage_id == "request-path"
        assert screen.query_one(CheckTable).selected_key == chosen


async def test_time_on_a_stage_is_added_when_leaving_it(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    from datetime import timedelta

    from conftest import FIXED_NOW

    path = copy_session("brightlane", sessions_dir)
    now = [FIXED_NOW]
    app = make_app(open_path=path, clock=lambda: now[0])
    async with app.run_test() as pilot:
        await pilot.pause()
        await app.wait_opened()
        now[0] = FIXED_NOW + timedelta(minutes=12, seconds=30)
        await pilot.press("4")
        await pilot.pause()
        assert app.controller is not None
        assert app.controller.session.stage("delivery").minutes_spent == 45 + 12


async def test_session_locked_elsewhere_opens_read_only_with_a_banner(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    path = copy_session("brightlane", sessions_dir)
    before = path.read_bytes()
    with open_session(path) as holder:
        assert not holder.read_only
        app = make_app(open_path=path)
        async with app.run_test() as pilot:
            await pilot.pause()
            await app.wait_opened()
            banner = stage_screen(app).query_one("#banner", Banner)
            assert banner.display
            assert "Read-only" in str(banner.render())
            await pilot.press("d")
            await pilot.pause()
            assert isinstance(app.screen, StageScreen)  # no dialog on a read-only session
            await pilot.press("D")
            await pilot.pause()
            await pilot.press("q")
    assert path.read_bytes() == before


async def test_stage_done_toggles_and_is_saved(make_app: AppFactory, sessions_dir: Path) -> None:
    app, path = brightlane_app(make_app, sessions_dir)
    async with opened(app) as pilot:
        await pilot.press("D")
        await pilot.pause()
        await app.wait_saved()
        assert toml_of(path)["stages"]["delivery"]["status"] == "done"  # type: ignore[index]


async def test_notes_are_saved_as_typed(make_app: AppFactory, sessions_dir: Path) -> None:
    app, path = brightlane_app(make_app, sessions_dir)
    async with opened(app) as pilot:
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("end", *" Cookie fix agreed.")
        await pilot.press("2")  # typed into the notes, not a stage switch
        await pilot.pause()
        assert stage_screen(app).stage_id == "delivery"
        stage_screen(app).save_notes()
        await app.wait_saved()
    notes = toml_of(path)["stages"]["delivery"]["notes"]  # type: ignore[index]
    assert notes == "Check the cookie domain with Priya. Cookie fix agreed.2"


async def test_a_run_fills_the_table_and_marks_changes(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    app, path = brightlane_app(make_app, sessions_dir)
    async with opened(app) as pilot:
        await pilot.press("r")
        await app.wait_for_run()
        await pilot.pause()
        assert app.controller is not None
        session = app.controller.session
        api = session.result("tls.certificate", "api.brightlane.test")
        assert api is not None and api.status is Status.PASS and api.changed
        assert "stage 3" in app.run_state.last
        await app.wait_saved()
    assert "answers straight from the origin" in path.read_text(encoding="utf-8")


def _crashing_registry() -> Registry:
    registry = fake_registry()

    @registry.register(
        "http.hsts",
        stage="delivery",
        title="HSTS is set",
        severity=Severity.MEDIUM,
        applies_to=AppliesTo.HOST,
    )
    async def hsts(ctx: CheckContext) -> CheckResult:
        raise RuntimeError("boom \x1b]0;pwned\x07 [@click=app.quit]")

    return registry


async def test_a_crashing_check_becomes_an_error_result_not_a_crash(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    path = copy_session("brightlane", sessions_dir)
    app = make_app(open_path=path, registry=_crashing_registry())
    async with app.run_test() as pilot:
        await pilot.pause()
        await app.wait_opened()
        await pilot.press("r")
        await app.wait_for_run()
        await pilot.pause()
        assert app.is_running
        assert app.controller is not None
        result = app.controller.session.result("http.hsts", "www.brightlane.test")
        assert result is not None and result.status is Status.ERROR
        assert "\x1b" not in result.summary


async def test_a_failing_worker_shows_a_titled_error_and_the_app_carries_on(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    path = copy_session("brightlane", sessions_dir)

    def broken_services(session: Session) -> CheckServices:
        raise NetworkError("no route to [::1] \x1b[2J", title="Network [b]down")

    app = make_app(open_path=path, services_factory=broken_services)
    async with app.run_test() as pilot:
        await pilot.pause()
        await app.wait_opened()
        await pilot.press("r")
        await app.wait_for_run()
        await pilot.pause()
        assert isinstance(app.screen, ErrorModal)
        assert app.screen.error_title == "Network [b]down"
        assert "\x1b" not in app.screen.message and "[::1]" in app.screen.message
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, StageScreen)
        assert not app.run_state.active


async def test_a_run_can_be_cancelled(make_app: AppFactory, sessions_dir: Path) -> None:
    import asyncio
    import threading

    started = threading.Event()  # the run has its own thread and event loop
    registry = Registry()

    @registry.register(
        "tls.certificate",
        stage="delivery",
        title="TLS certificate is trusted, matching, complete and current",
        severity=Severity.CRITICAL,
        applies_to=AppliesTo.HOST,
    )
    async def slow(ctx: CheckContext) -> CheckResult:
        started.set()
        await asyncio.sleep(60)
        return ctx.result(Status.PASS, "late")

    path = copy_session("brightlane", sessions_dir)
    app = make_app(open_path=path, registry=registry)
    async with app.run_test() as pilot:
        await pilot.pause()
        await app.wait_opened()
        await pilot.press("r")
        assert await asyncio.to_thread(started.wait, 30)
        await pilot.pause()
        assert app.run_state.active
        await pilot.press("x")
        await app.wait_for_run()
        await pilot.pause()
        assert not app.run_state.active
        assert "cancelled" in app.run_state.last


async def test_readiness_view_follows_a_new_decision(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    app, _path = brightlane_app(make_app, sessions_dir)
    async with opened(app) as pilot:
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, ReadinessScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, StageScreen)


@pytest.mark.parametrize("key", ["[", "]"])
async def test_prev_and_next_stage(make_app: AppFactory, sessions_dir: Path, key: str) -> None:
    app, _path = brightlane_app(make_app, sessions_dir)
    async with opened(app) as pilot:
        await pilot.press(key)
        await pilot.pause()
        expected = "request-path" if key == "[" else "email-secrets"
        assert stage_screen(app).stage_id == expected

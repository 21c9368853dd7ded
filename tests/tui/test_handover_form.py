"""The handover form and the sign-off, driven with Pilot on the Brightlane session."""

from __future__ import annotations

from pathlib import Path

from conftest import AppFactory, copy_session
from textual.widgets import Input, Select, TextArea

from launch_tui.core.handover import Limitation, NextStep, SupportKind
from launch_tui.tui.screens.handover import HandoverForm, SignOffForm
from launch_tui.tui.screens.modals import ConfirmModal
from launch_tui.tui.screens.stage import StageScreen


async def test_the_form_writes_the_handover_fields(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    app = make_app(open_path=copy_session("brightlane", sessions_dir))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.wait_opened()
        assert isinstance(app.screen, StageScreen)
        await pilot.press("H")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, HandoverForm)
        form.query_one("#area-rollback", TextArea).load_text("vercel rollback <url>")
        form.query_one("#area-rollback_who", Input).value = "priya"
        form.query_one("#area-support", TextArea).load_text(
            "incident | #incidents | 24/7 | sam\nfeature | Linear"
        )
        form.query_one("#area-limitations", TextArea).load_text("One droplet | no failover")
        form.query_one("#area-next_steps", TextArea).load_text("Add a queue | priya | timeouts")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, StageScreen)
        handover = app.controller.session.handover  # type: ignore[union-attr]
        assert handover.rollback.steps == "vercel rollback <url>"
        assert handover.rollback.who == "priya"
        assert [p.kind for p in handover.support] == [
            SupportKind.INCIDENT,
            SupportKind.FEATURE_REQUEST,
        ]
        assert handover.limitations == (Limitation("One droplet", "no failover"),)
        assert handover.next_steps == (NextStep("Add a queue", "priya", "timeouts"),)


async def test_a_line_the_form_cannot_read_is_named_and_nothing_is_saved(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    app = make_app(open_path=copy_session("brightlane", sessions_dir))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.wait_opened()
        before = app.controller.session.handover  # type: ignore[union-attr]
        await pilot.press("H")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, HandoverForm)
        form.query_one("#area-support", TextArea).load_text("#incidents | 24/7")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        problem = str(form.query_one("#handover-problem").render())
        assert "line 1: '#incidents' is not incident or feature-request" in problem
        await pilot.press("escape")
        await pilot.pause()
        assert app.controller.session.handover == before  # type: ignore[union-attr]


async def test_sign_off_and_reopen(make_app: AppFactory, sessions_dir: Path) -> None:
    app = make_app(open_path=copy_session("brightlane", sessions_dir))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.wait_opened()
        session = app.controller.session  # type: ignore[union-attr]
        client = next(p.id for p in session.people if p.org.value == "client")
        await pilot.press("S")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, SignOffForm)
        if not isinstance(form.query_one("#giver", Select).value, str):
            form.query_one("#giver", Select).value = session.people[-1].id
        form.query_one("#taker", Select).value = client
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.controller.session.handover.signed_off  # type: ignore[union-attr]
        await pilot.press("S")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.click("#yes")
        await pilot.pause()
        handover = app.controller.session.handover  # type: ignore[union-attr]
        assert not handover.signed_off and handover.sign_off is not None

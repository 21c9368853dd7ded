"""The email stage's paste box against the sandbox: the demo's signed password reset pasted as
text verifies (DKIM, SPF, DMARC aligned) and is kept as email.transactional_test like
``launch-tui email-check`` keeps it; the tampered copy fails; a Subject carrying markup and an
escape sequence is shown as literal, cleaned text."""

from __future__ import annotations

from pathlib import Path

from conftest import AppFactory
from textual import events
from textual.widgets import TextArea

from launch_tui.checks.email.message import TRANSACTIONAL_CHECK
from launch_tui.cli.cmd_demo import demo_session
from launch_tui.cli.cmd_open import services_factory
from launch_tui.core.model import STAGE_IDS, Status
from launch_tui.sandbox import RunningWorld, session_for
from launch_tui.sandbox.mail import OUTBOUND_IP
from launch_tui.store import create_session, load_session
from launch_tui.tui.app import LaunchApp
from launch_tui.tui.screens.message_paste import PASTED, PasteMessageModal
from launch_tui.tui.screens.stage import StageScreen
from launch_tui.tui.widgets.plain import Plain

pytest_plugins = ["sandbox_fixtures"]


def _mail(world: RunningWorld, name: str) -> str:
    return next(p for p in world.mail_paths if p.name == name).read_text(encoding="utf-8")


async def _paste_and_verify(app: LaunchApp, pilot: object, text: str) -> PasteMessageModal:
    modal = app.screen
    assert isinstance(modal, PasteMessageModal)
    area = modal.query_one("#paste-text", TextArea)
    area.clear()
    area.focus()
    app.post_message(events.Paste(text))  # as a terminal's bracketed paste arrives
    await pilot.pause()  # type: ignore[attr-defined]
    await pilot.press("ctrl+s")  # type: ignore[attr-defined]
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]
    return modal


def _shown(modal: PasteMessageModal) -> str:
    return str(modal.query_one("#paste-verdict", Plain).render())


async def test_pasted_messages_are_verified_and_kept(
    make_app: AppFactory, sessions_dir: Path, demo_world: RunningWorld
) -> None:
    path = sessions_dir / "demo.toml"
    create_session(path, demo_session(session_for(demo_world))).close()
    app = make_app(
        open_path=path, services_factory=services_factory(), clock=lambda: demo_world.started_at
    )
    email_stage = app.playbook.stage_of(TRANSACTIONAL_CHECK).id
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.wait_opened()
        # Elsewhere the key says where the box is and opens nothing.
        await pilot.press("P")
        await pilot.pause()
        assert isinstance(app.screen, StageScreen)
        await pilot.press(str(STAGE_IDS.index(email_stage) + 1))
        await pilot.pause()
        assert isinstance(app.screen, StageScreen) and app.screen.stage_id == email_stage
        await pilot.press("P")
        await pilot.pause()

        modal = await _paste_and_verify(app, pilot, _mail(demo_world, "password-reset.eml"))
        assert modal.verdict is not None and modal.verdict.dkim_aligned
        shown = _shown(modal)
        assert shown.startswith("Verdict: PASS"), shown
        assert "DKIM      pass      d=brightlane.test s=pb1" in shown
        assert f"[{OUTBOUND_IP}]" in shown
        assert app.controller is not None
        result = app.controller.session.result(TRANSACTIONAL_CHECK)
        assert result is not None and result.status is Status.PASS
        assert result.evidence["message_file"] == PASTED
        assert result.evidence["connecting_ip"] == OUTBOUND_IP

        modal = await _paste_and_verify(
            app, pilot, _mail(demo_world, "password-reset-tampered.eml")
        )
        assert _shown(modal).startswith("Verdict: FAIL"), _shown(modal)
        result = app.controller.session.result(TRANSACTIONAL_CHECK)
        assert result is not None and result.status is Status.FAIL

        hostile = _mail(demo_world, "password-reset.eml").replace(
            "Subject: Reset your Brightlane password",
            "Subject: [@click=app.quit]\x1b[31mowned[/]",
        )
        modal = await _paste_and_verify(app, pilot, hostile)
        shown = _shown(modal)
        assert shown.startswith("Verdict: FAIL"), shown  # the signed Subject changed
        assert "[@click=app.quit]" in shown and "\x1b" not in shown
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, StageScreen)
    assert app.return_code in (None, 0)
    assert app.controller is None or app.controller.read_only is False
    # What the app kept was saved to the session file.
    saved = load_session(path).result(TRANSACTIONAL_CHECK)
    assert saved is not None and saved.status is Status.FAIL
    assert demo_world.errors() == ()

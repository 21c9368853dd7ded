"""The handover stage previews the handover document, and ``w`` writes the report files."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from conftest import AppFactory, copy_session
from textual.pilot import Pilot
from textual.widgets import Markdown

from launch_tui.store import open_session
from launch_tui.tui.app import LaunchApp
from launch_tui.tui.screens.stage import StageScreen
from launch_tui.tui.widgets.handover import HandoverPreview, handover_files


async def _handover_preview(app: LaunchApp, pilot: Pilot[object]) -> HandoverPreview:
    """Open the handover stage's deliverable tab and wait for the preview to render."""
    await pilot.pause()
    await app.wait_opened()
    await pilot.press("7")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, StageScreen) and screen.stage_id == "handover"
    screen.show_tab("tab-deliverable")
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    return screen.query_one("#deliverable", HandoverPreview)


def _notices(app: LaunchApp) -> list[tuple[str, str, str]]:
    return [(n.title, n.message, n.severity) for n in app._notifications]


async def test_handover_stage_previews_the_handover_document(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    path = copy_session("brightlane", sessions_dir)
    app = make_app(open_path=path)
    async with app.run_test(size=(100, 30)) as pilot:
        preview = await _handover_preview(app, pilot)
        markdown = preview.query_one(Markdown)
        hint = str(preview.query_one("#handover-hint").render())
        assert hint.startswith("w writes the whole report")
        assert markdown.source == preview.markdown_text
        assert "# Launch readiness report: Brightlane Ltd" in markdown.source
        assert "**Verdict:** Not launch ready" in markdown.source
        assert "## Handover checklist" in markdown.source
        # Only the handover section: the other stages' deliverables are not in the preview.
        assert "## Risk list" not in markdown.source
        assert markdown.children  # rendered into blocks, not just stored

        # A change to the session while the stage is shown is previewed again.
        assert app.controller is not None
        session = app.controller.session
        app.update_session(replace(session, sprint=replace(session.sprint, client="Northwind")))
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "# Launch readiness report: Northwind" in markdown.source


async def test_links_in_the_preview_are_shown_not_opened(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    path = copy_session("brightlane", sessions_dir)
    app = make_app(open_path=path)
    opened: list[str] = []
    app.open_url = lambda url, **_: opened.append(url)  # type: ignore[method-assign]
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        preview = await _handover_preview(app, pilot)
        markdown = preview.query_one(Markdown)
        markdown.post_message(Markdown.LinkClicked(markdown, "https://x.test/[@click=app.quit]"))
        await pilot.pause()
        assert app.is_running and opened == []
        assert ("Link (not opened)", "https://x.test/[@click=app.quit]", "information") in (
            _notices(app)
        )


async def test_write_key_writes_markdown_and_html_beside_the_session(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    path = copy_session("brightlane", sessions_dir)
    app = make_app(open_path=path)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await _handover_preview(app, pilot)
        await pilot.press("w")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        files = handover_files(path)
        assert files.markdown == sessions_dir / "brightlane-handover.md"
        assert files.html == sessions_dir / "brightlane-handover.html"
        markdown = files.markdown.read_text(encoding="utf-8")
        html = files.html.read_text(encoding="utf-8")
        assert "Not launch ready" in markdown and "Not launch ready" in html
        assert markdown.startswith("# Launch readiness report: Brightlane Ltd")
        assert html.lstrip().lower().startswith("<!doctype html")
        titles = [title for title, _, severity in _notices(app) if severity == "information"]
        assert "Handover written" in titles


async def test_read_only_session_can_still_write_reports(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    path = copy_session("brightlane", sessions_dir)
    before = path.read_bytes()
    with open_session(path) as holder:
        assert not holder.read_only
        app = make_app(open_path=path)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await app.wait_opened()
            assert app.controller is not None and app.controller.read_only
            await pilot.press("w")
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
    assert path.read_bytes() == before
    assert "Not launch ready" in handover_files(path).markdown.read_text(encoding="utf-8")


async def test_a_write_that_fails_is_a_titled_notice(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    path = copy_session("brightlane", sessions_dir)
    # A folder where the Markdown file should go: the atomic rename cannot replace it.
    handover_files(path).markdown.mkdir()
    app = make_app(open_path=path)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause()
        await app.wait_opened()
        await pilot.press("w")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, StageScreen)
        errors = [(title, message) for title, message, sev in _notices(app) if sev == "error"]
        assert errors and errors[0][0] == "Could not write report"

"""Text that must read right: the status line names only this stage's run, the handover preview
turns a spinner until it is on screen, the palette and key bar name the stages."""

from __future__ import annotations

from pathlib import Path

from conftest import AppFactory
from test_stage_flows import brightlane_app, opened, stage_screen
from textual.app import App, ComposeResult

from launch_tui.tui.command_palette import CommandsProvider
from launch_tui.tui.screens.modals import PersonForm
from launch_tui.tui.widgets.footer import KeyFooter
from launch_tui.tui.widgets.handover import SPINNER, HandoverPreview
from launch_tui.tui.widgets.plain import Plain


async def test_the_status_line_does_not_carry_another_stages_run(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    app, _path = brightlane_app(make_app, sessions_dir)
    async with opened(app, size=(100, 30)) as pilot:
        await pilot.press("r")  # stage 3's checks
        await app.wait_for_run()
        await pilot.pause()
        line = str(stage_screen(app).query_one("#run-status", Plain).render())
        assert "stage 3" in line, line
        await pilot.press("2")
        await pilot.pause()
        line = str(stage_screen(app).query_one("#run-status", Plain).render())
        assert "stage 3" not in line and "1-7 [ ] stages" in line, line


class PreviewApp(App[None]):
    def compose(self) -> ComposeResult:
        yield HandoverPreview(hint="w writes it")


async def test_the_handover_preview_spins_until_the_document_is_shown() -> None:
    app = PreviewApp()
    async with app.run_test() as pilot:
        preview = app.query_one(HandoverPreview)
        status = preview.query_one("#handover-status", Plain)
        first = str(status.render())
        assert preview.working and first[0] in SPINNER
        await pilot.pause(0.35)
        assert str(status.render())[0] != first[0], "the spinner turns"
        await preview.show_markdown("# Handover\n\nAll good.")
        await pilot.pause()
        assert not preview.working and not status.display


async def test_the_key_bar_shows_the_stage_keys_when_there_is_room(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    for width, shown in ((120, True), (80, False)):
        app, _path = brightlane_app(make_app, sessions_dir)
        async with opened(app, size=(width, 30)) as pilot:
            await pilot.pause()
            bar = str(stage_screen(app).query_one(KeyFooter).render())
            assert ("1-7 Stages" in bar and "[ ] Prev/next" in bar) is shown, bar
            assert "q Quit" in bar and "palette" in bar, bar


async def test_the_palette_names_each_stage(make_app: AppFactory, sessions_dir: Path) -> None:
    app, _path = brightlane_app(make_app, sessions_dir)
    async with opened(app, size=(100, 30)) as pilot:
        provider = CommandsProvider(stage_screen(app))
        found = [hit.text async for hit in provider.search("handover")]
        assert f"Stage 7: {app.playbook.stages[6].title}" in found, found
        await pilot.pause()


async def test_add_person_labels_do_not_run_into_their_values(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    app, _path = brightlane_app(make_app, sessions_dir)
    async with opened(app, size=(100, 30)) as pilot:
        await app.push_screen(PersonForm())
        await pilot.pause()
        labels = [str(p.render()) for p in app.screen.query(".field-label")]
        widths = {p.size.width for p in app.screen.query(".field-label")}
        # Every label is shorter than its column, so a gap separates it from the value.
        assert all(len(label) < min(widths) for label in labels), (labels, widths)

"""Saved sessions: progress, verdict, last saved, who has them open. Open, new, copy, archive."""

from __future__ import annotations

import contextlib
import os
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable

from launch_tui.core.errors import LaunchError
from launch_tui.core.factory import slugify
from launch_tui.core.model import STAGE_IDS
from launch_tui.core.readiness import Verdict
from launch_tui.core.sanitize import clean
from launch_tui.store import load_session
from launch_tui.tui import commands, edits
from launch_tui.tui.home_rows import HomeRow, progress_glyphs
from launch_tui.tui.messages import SessionsLoaded
from launch_tui.tui.screens.base import LaunchScreen
from launch_tui.tui.screens.modals import ConfirmModal, TemplateForm
from launch_tui.tui.text import VERDICT_STYLE
from launch_tui.tui.views import fmt_ago
from launch_tui.tui.widgets.footer import KeyFooter
from launch_tui.tui.widgets.plain import Plain
from launch_tui.tui.workers import load_home_rows

ARCHIVE_FOLDER = "archive"

#: Verdicts in the few letters a list column has room for.
HOME_VERDICT = {
    Verdict.READY.value: "READY",
    Verdict.READY_WITH_ACCEPTED_RISKS.value: "READY (RISKS)",
    Verdict.NOT_READY.value: "NOT READY",
}


def _verdict_style(verdict: str) -> str:
    return VERDICT_STYLE[Verdict(verdict)] if verdict in HOME_VERDICT else "dim"


class HomeScreen(LaunchScreen):
    """The list of saved sessions, most recently used first."""

    SCOPE: ClassVar[str] = commands.HOME
    STACK_BASE: ClassVar[bool] = True
    BINDINGS = commands.bindings(commands.HOME)

    def __init__(self) -> None:
        super().__init__(classes="home-screen")
        self.rows: tuple[HomeRow, ...] = ()
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Plain("", id="home-title")
        yield DataTable[Text](id="sessions", cursor_type="row")
        with Vertical(id="empty"):
            yield Plain(
                Text.assemble(
                    ("No saved sessions yet.\n\n", "bold"),
                    "Start a sprint for a client with the new-session wizard, or look around a "
                    "realistic demo client first: the demo runs a fake client infrastructure on "
                    "this machine (no network needed).",
                ),
                id="empty-text",
            )
            with Horizontal(id="empty-buttons"):
                yield Button("New session (n)", variant="primary", id="new")
                yield Button("Demo (d)", id="demo")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#sessions", DataTable)
        for label, width in (
            ("Client", 22),
            ("Stages", 7),
            ("Verdict", 13),
            ("Saved", 10),
            ("", 14),
        ):
            table.add_column(Text(label, style="bold"), width=width, key=label or "note")
        self.query_one("#home-title", Plain).show(
            Text.assemble(
                (" launch-tui", "bold"),
                ("  saved sessions in ", "dim"),
                clean(
                    self.launch.options.sessions_label or str(self.launch.sessions_dir),
                    max_len=120,
                ),
            )
        )
        self.query_one("#demo", Button).display = self.launch.options.allow_demo
        self._show_rows(())
        self.reload()

    def reload(self) -> None:
        """Read the sessions folder again (in a thread worker)."""
        self._load(self.launch.sessions_dir)

    @work(thread=True, exclusive=True, group="home", exit_on_error=False, description="listing")
    def _load(self, folder: Path) -> None:
        try:
            rows = load_home_rows(folder, self.launch.playbook)
        except LaunchError as exc:
            self.post_message(SessionsLoaded((), str(folder), error=exc.message))
            return
        self.post_message(SessionsLoaded(rows, str(folder)))

    def on_sessions_loaded(self, message: SessionsLoaded) -> None:
        self.loaded = True
        if message.error:
            self.launch.show_error("Cannot list sessions", message.error)
        self._show_rows(message.rows)

    def _show_rows(self, rows: tuple[HomeRow, ...]) -> None:
        self.rows = rows
        table = self.query_one("#sessions", DataTable)
        selected = self._selected_path()
        table.clear()
        now = self.launch.now()
        for row in rows:
            table.add_row(*self._cells(row, now), key=row.path)
        empty = self.loaded and not rows
        table.display = not empty
        self.query_one("#empty").display = empty
        if empty:
            self.query_one("#new", Button).focus()
        else:
            table.focus()
            if selected:
                # The session may have been archived meanwhile.
                with contextlib.suppress(Exception):
                    table.move_cursor(row=table.get_row_index(selected), animate=False)

    def _cells(self, row: HomeRow, now: datetime) -> list[Text]:
        if row.error:
            error = Text(row.error, style="red")
            error.truncate(14, overflow="ellipsis")
            return [
                Text(row.name, style="bold"),
                Text(progress_glyphs(()), style="dim"),
                Text("unreadable", style="red"),
                Text(fmt_ago(row.saved_at, now), style="dim"),
                error,
            ]
        verdict = Text(HOME_VERDICT.get(row.verdict, "—"), style=_verdict_style(row.verdict))
        note = Text("open elsewhere" if row.locked_by else "", style="yellow")
        client = Text(row.client or row.name, style="bold")
        client.truncate(22, overflow="ellipsis")
        return [
            client,
            self._stages(row),
            verdict,
            Text(fmt_ago(row.saved_at, now), style="dim"),
            note,
        ]

    def _stages(self, row: HomeRow) -> Text:
        """One glyph per stage; the stage the engineer was on is highlighted."""
        text = Text(progress_glyphs(row.stage_statuses))
        if row.current_stage in STAGE_IDS:
            at = STAGE_IDS.index(row.current_stage)
            text.stylize("reverse", at, at + 1)
        return text

    def _selected_path(self) -> str:
        table = self.query_one("#sessions", DataTable)
        if not table.row_count:
            return ""
        try:
            return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value or "")
        except Exception:
            return ""

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_selected()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "new":
            self.action_new_session()
        elif event.button.id == "demo":
            self.action_demo()

    # --- actions -------------------------------------------------------------------------

    def action_open_selected(self) -> None:
        path = self._selected_path()
        if path:
            self.launch.open_session_path(Path(path))

    def action_new_session(self) -> None:
        from launch_tui.tui.screens.wizard import WizardScreen

        self.app.push_screen(WizardScreen())

    def action_demo(self) -> None:
        if not self.launch.options.allow_demo:
            self.launch.say("The demo is not available here.")
            return
        self.app.exit("demo")

    def action_refresh(self) -> None:
        self.reload()

    def action_duplicate(self) -> None:
        path = self._selected_path()
        row = next((r for r in self.rows if r.path == path), None)
        if row is None or row.error:
            return

        def done(answer: tuple[str, str] | None) -> None:
            if answer is None:
                return
            client, sprint_id = answer
            try:
                source = load_session(Path(path))
            except LaunchError as exc:
                self.launch.show_error(exc.title, exc.message)
                return
            session = edits.from_template(
                source,
                client,
                slugify(sprint_id or client, fallback="session"),
                self.launch.now(),
            )
            self.launch.create_session_file(session)

        self.app.push_screen(TemplateForm(row.client or row.name), done)

    def action_archive(self) -> None:
        path = self._selected_path()
        row = next((r for r in self.rows if r.path == path), None)
        if row is None:
            return
        if row.locked_by:
            self.launch.say(
                "That session is open in another launch-tui; close it there first.",
                title="Not archived",
                severity="warning",
            )
            return
        source = Path(path)
        target = source.parent / ARCHIVE_FOLDER / source.name

        def done(yes: bool | None) -> None:
            if not yes:
                return
            try:
                target.parent.mkdir(mode=0o700, exist_ok=True)
                if target.exists():
                    raise FileExistsError(f"{target} already exists")
                os.replace(source, target)
            except OSError as exc:
                self.launch.show_error("Not archived", f"{source}: {exc}")
                return
            self.launch.say(f"Moved to {target}", title="Archived")
            self.reload()

        self.app.push_screen(
            ConfirmModal(
                "Archive this session?",
                f"{source.name} moves to {target.parent}. Move it back to restore it.",
                yes="Archive",
            ),
            done,
        )

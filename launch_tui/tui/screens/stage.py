"""One stage of the sprint: its checks live, the detail of one, decisions, notes, deliverable."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, TypeVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import DataTable

from launch_tui.core.display import person_name
from launch_tui.core.errors import ReportError
from launch_tui.core.model import STAGE_IDS, Session, StageStatus
from launch_tui.core.sanitize import clean, clean_multiline
from launch_tui.tui import commands, edits
from launch_tui.tui.app_state import WIDE_COLUMNS, RunState, SessionChange
from launch_tui.tui.messages import PartReady
from launch_tui.tui.screens.stage_docs import StageDocs
from launch_tui.tui.text import ACTION_WORD
from launch_tui.tui.views import (
    decision_line,
    detail_for,
    fmt_minutes,
    stage_rows,
)
from launch_tui.tui.widgets.banner import Banner
from launch_tui.tui.widgets.check_table import CheckTable
from launch_tui.tui.widgets.detail import DetailPane
from launch_tui.tui.widgets.footer import KeyFooter
from launch_tui.tui.widgets.plain import Plain
from launch_tui.tui.widgets.sprint import (
    SIDEBAR_COLUMNS,
    SprintSidebar,
    SprintStrip,
    TitleBar,
    sprint_view,
)
from launch_tui.tui.widgets.tab_bar import Tab, TabBar

if TYPE_CHECKING:
    # Imported when first used: the tabs behind the first one, the dialogs and the handover
    # preview (Jinja, Markdown) are not needed to show a stage.
    from textual.widgets import TextArea

    from launch_tui.tui.deliverables import DeliverableView
    from launch_tui.tui.widgets.deliverable import DeliverablePane
    from launch_tui.tui.widgets.handover import HandoverPreview
    from launch_tui.tui.widgets.stage_tabs import DecisionsTable, StageNotes

W = TypeVar("W", bound=Widget)


TABS = ("tab-checks", "tab-deliverable", "tab-decisions", "tab-notes", "tab-about")

#: Each stage's deliverable, named short enough for a tab at 80 columns.
TAB_NAMES = {
    "audit": "Risk list",
    "request-path": "Fix list",
    "delivery": "Domain map",
    "email-secrets": "Secrets & email",
    "deploy": "Runbook",
    "observe": "Monitoring",
    "handover": "Handover",
}

#: The stage whose deliverable is previewed as the handover document itself.
HANDOVER_STAGE = "handover"

#: How the run of every check is named in the status line.
FULL_AUDIT = "full audit"

#: Seconds of quiet typing after which notes are saved.
NOTES_SAVE_DELAY = 0.6
#: While results stream in, the screen catches up at most this often.
RESULTS_REPAINT_SECONDS = 0.25


class StageScreen(StageDocs):
    """The screen of one stage."""

    SCOPE: ClassVar[str] = commands.STAGE
    STACK_BASE: ClassVar[bool] = True
    AUTO_FOCUS: ClassVar[str | None] = "#checks"
    BINDINGS = commands.bindings(commands.STAGE)

    def __init__(self, stage_id: str) -> None:
        super().__init__(classes="stage-screen")
        self.stage_id = stage_id
        self._refresh_queued = False
        self._full_refresh = False
        self._queued: frozenset[str] = frozenset()  # the run's items the table last showed
        self._notes_timer: object | None = None
        self._loaded_notes = False
        self._notes_text: str | None = None
        self._caught_up: tuple[Session, RunState] | None = None
        """What the screen showed when it last caught up (both are replaced on every change)."""
        self._filled_tabs: set[str] = {"tab-checks"}
        """Tabs whose pane is mounted (each is mounted the first time it is shown)."""
        self._active_tab = "tab-checks"

    # --- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        spec = self.launch.playbook.stage(self.stage_id)
        yield TitleBar("", id="title")
        yield SprintStrip("", id="strip")
        yield Banner("", id="banner")
        yield Banner("", id="notice")
        # Only what the first paint shows is built with the screen: the sidebar when the
        # terminal is wide (see on_resize), and the tabs other than the checks when first shown
        # (see _fill_tab). Every widget mounted costs styling and layout before the first paint.
        wide = self.app.size.width >= WIDE_COLUMNS
        labels = ("Checks", TAB_NAMES.get(spec.id, "Deliverable"), "Decisions", "Notes", "About")
        with Horizontal(id="body"):
            if wide:
                yield SprintSidebar(id="sidebar")
            with Vertical(id="main"):
                yield TabBar(
                    [Tab(tab_id, label) for tab_id, label in zip(TABS, labels, strict=True)],
                    active="tab-checks",
                    id="tabs",
                )
                with Vertical(id="tab-checks", classes="tab-pane"):
                    # Sized for the width it will get, so the first layout keeps its columns.
                    table_width = self.app.size.width - (SIDEBAR_COLUMNS if wide else 0)
                    yield CheckTable(id="checks", width_hint=table_width)
                    yield DetailPane(id="detail")
                yield Plain("", id="run-status")
        yield KeyFooter()

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width >= WIDE_COLUMNS and not self.query("#sidebar"):
            self.query_one("#body", Horizontal).mount(SprintSidebar(id="sidebar"), before=0)

    def _fill_tab(self, tab_id: str) -> bool:
        """Mount the pane of ``tab_id`` if it is not there yet; True when it was mounted.

        A part asks for its data once mounted (``PartReady``).
        """
        if tab_id in self._filled_tabs or tab_id not in TABS:
            return False
        self._filled_tabs.add(tab_id)
        content: Widget
        if tab_id == "tab-deliverable":
            if self.stage_id == HANDOVER_STAGE:
                # The handover is shown as the document the client receives.
                from launch_tui.tui.widgets.handover import HandoverPreview

                content = HandoverPreview(hint=self._report_hint(), id="deliverable")
            else:
                from launch_tui.tui.widgets.deliverable import DeliverablePane

                content = DeliverablePane(id="deliverable")
        else:
            from launch_tui.tui.widgets.stage_tabs import AboutPane, DecisionsTable, StageNotes

            if tab_id == "tab-decisions":
                content = DecisionsTable(id="decisions")
            elif tab_id == "tab-notes":
                content = StageNotes(id="notes", soft_wrap=True)
            else:
                content = AboutPane(id="about-scroll")
        pane = Vertical(content, id=tab_id, classes="tab-pane")
        pane.display = False
        self.query_one("#main", Vertical).mount(pane, before="#run-status")
        return True

    def _report_hint(self) -> str:
        key = commands.key_label(commands.command("stage.report"), self.launch.user_keymap)
        folder = self.launch.options.reports_dir
        where = f"in {clean(str(folder), max_len=120)}" if folder else "beside the session file"
        return f"{key} writes the whole report as Markdown and HTML {where}."

    def _part(self, selector: str, kind: type[W]) -> W | None:
        """A part that may not be mounted yet (see :meth:`_fill_tab`)."""
        found = self.query(selector)
        return found.first(kind) if found else None

    def _notes(self) -> StageNotes | None:
        if "tab-notes" not in self._filled_tabs:
            return None
        from launch_tui.tui.widgets.stage_tabs import StageNotes

        return self._part("#notes", StageNotes)

    def _decisions(self) -> DecisionsTable | None:
        if "tab-decisions" not in self._filled_tabs:
            return None
        from launch_tui.tui.widgets.stage_tabs import DecisionsTable

        return self._part("#decisions", DecisionsTable)

    def _about(self) -> Plain | None:
        return self._part("#about", Plain) if "tab-about" in self._filled_tabs else None

    def on_part_ready(self, message: PartReady) -> None:
        message.stop()
        if self.launch.controller is not None:
            self._on_session_changed(SessionChange(self.session))

    def on_mount(self) -> None:
        """Fill every part before the first layout, so the first frame is the finished screen.

        The screen is on top of the stack while it mounts. Filling it here rather than when
        Textual reports it shown (``ScreenResume``, after the first frames) saves the rounds of
        relayout and repaint that rows, focus and texts arriving one by one would each cost;
        ``on_screen_resume`` then finds nothing to change.
        """
        if self.launch.controller is not None and self.is_current:
            self._catch_up()

    def on_screen_resume(self) -> None:
        """Shown (first time, or again from the app's cache): catch up with the session.

        Stage screens are kept once built, so moving between stages is instant. A screen that
        is not shown may still hear the app's signals but does not redraw for them (see
        ``_showing``); it subscribes again here in case a signal dropped it.
        """
        if self.launch.controller is None:
            return
        for signal, callback in (
            (self.launch.session_changed, self._on_session_changed),
            (self.launch.run_changed, self._on_run_changed),
        ):
            signal.unsubscribe(self)
            signal.subscribe(self, callback)  # type: ignore[arg-type]
        if self._caught_up != (self.session, self.launch.run_state):
            self._catch_up()  # not when nothing changed since on_mount did it

    def _catch_up(self) -> None:
        """Show the session as it is now, with the stored row selected and the table focused."""
        self.query_one("#notice", Banner).set_message(self.launch.options.notice, style="dim")
        self._refresh_all()
        selection = self.session.ui.selection
        table = self.query_one("#checks", CheckTable)
        if self.session.ui.stage == self.stage_id and selection:
            table.select_key(selection)
        # Focused now, not on the next turn of the loop (``Widget.focus``): the focus styles
        # are then part of the first layout instead of a second one.
        self.set_focus(table)
        self._show_detail()
        self._on_run_changed(self.launch.run_state)
        # Make sure the stored position matches what is on screen from the start.
        self.launch.remember_selection(self.stage_id, table.selected_key)
        self._caught_up = (self.session, self.launch.run_state)

    # --- refreshing --------------------------------------------------------------------------

    def _on_session_changed(self, change: SessionChange) -> None:
        full = change.keys is None
        self._full_refresh = self._full_refresh or full
        if self._refresh_queued:
            return
        self._refresh_queued = True
        if full:
            self.call_later(self._refresh_all)  # an edit: show it now
        else:
            # Results stream in during a run: repaint a few times a second, not per result.
            self.set_timer(RESULTS_REPAINT_SECONDS, self._refresh_results)

    def _showing(self) -> bool:
        """Whether a refresh should draw now: a screen not on show (another stage, or being
        taken down) catches up when it is shown again (``on_screen_resume``)."""
        return self.launch.controller is not None and self.is_current and not self._pruning

    def _refresh_results(self) -> None:
        """After new results: only what results change (table, overview, detail, deliverable)."""
        if self._full_refresh:
            self._refresh_all()
            return
        self._refresh_queued = False
        if not self._showing():
            return
        self._refresh_overview()
        self._show_detail()
        if self._active_tab == "tab-deliverable":
            self._show_deliverable()

    def _refresh_overview(self) -> None:
        session = self.session
        playbook = self.launch.playbook
        spec = playbook.stage(self.stage_id)
        view = sprint_view(session, playbook, self.launch.now(), self.stage_id)
        heading = f"{spec.number}/{len(STAGE_IDS)} {spec.title}"
        self.query_one("#title", TitleBar).show_view(view, heading)
        self.query_one("#strip", SprintStrip).show_view(view)
        sidebar = self._part("#sidebar", SprintSidebar)
        if sidebar is not None:
            sidebar.show_view(view)
        self._queued = queued = self.launch.run_state.queued
        rows = stage_rows(session, playbook, self.stage_id, self.launch.implemented_ids, queued)
        self.query_one("#checks", CheckTable).show_rows(self.filter_rows(rows))

    def refresh_rows(self) -> None:
        self._refresh_overview()
        self._show_detail()

    def _refresh_all(self) -> None:
        self._refresh_queued = False
        self._full_refresh = False
        controller = self.launch.controller
        if controller is None or not self._showing():
            return
        session = self.session
        self.query_one("#banner", Banner).set_message(controller.banner, style="bold reverse")
        notes = self._notes()
        if notes is not None:
            notes.read_only = controller.read_only
        self._refresh_overview()
        self._show_detail()
        self._fill_decisions()
        self._fill_about()
        if notes is not None and not self._loaded_notes:
            self._loaded_notes = True
            # Notes may come from a hand-edited file: never hand raw escapes to the terminal.
            notes.load_text(clean_multiline(session.stage(self.stage_id).notes))
        if self._active_tab == "tab-deliverable":
            self._show_deliverable()

    def _show_deliverable(self) -> None:
        """Build the deliverable; only while its tab is shown (it is the costliest view)."""
        if "tab-deliverable" not in self._filled_tabs:
            return
        if self.stage_id == HANDOVER_STAGE:
            from launch_tui.tui.widgets.handover import HandoverPreview

            preview = self._part("#deliverable", HandoverPreview)
            if preview is not None:
                self._render_handover(preview, self.session, self.launch.now())
            return
        from launch_tui.tui.deliverables import deliverable_for
        from launch_tui.tui.widgets.deliverable import DeliverablePane

        pane = self._part("#deliverable", DeliverablePane)
        if pane is None:
            return
        view = deliverable_for(
            self.session, self.launch.playbook, self.stage_id, self.launch.now().date()
        )
        self._fill_deliverable(pane, view)

    # Through @work (which wraps a partial, not a coroutine object): an exclusive worker that is
    # replaced before it starts must not leave a never-awaited coroutine behind.
    @work(exclusive=True, group="deliverable", exit_on_error=False)
    async def _fill_deliverable(self, pane: DeliverablePane, view: DeliverableView) -> None:
        await pane.show_view(view)

    @work(
        exclusive=True,
        group="handover-preview",
        exit_on_error=False,
        description="rendering the handover preview",
    )
    async def _render_handover(
        self, preview: HandoverPreview, session: Session, now: datetime
    ) -> None:
        # Templates take ~10 ms warm and ~100 ms cold: rendered off the event loop. A newer
        # render cancels this one (exclusive), so a stale text never replaces a fresh one.
        from launch_tui.tui.widgets.handover import render_handover_preview

        try:
            text = await asyncio.to_thread(
                render_handover_preview, session, self.launch.playbook, now
            )
        except ReportError as exc:
            preview.show_error(exc.title, exc.message)
            return
        await preview.show_markdown(text)

    @on(TabBar.Activated, "#tabs")
    def _tab_picked(self, event: TabBar.Activated) -> None:
        event.stop()
        self.show_tab(event.tab_id, focus_pane=False)

    def _show_detail(self) -> None:
        key = self.query_one("#checks", CheckTable).selected_key
        playbook, implemented = self.launch.playbook, self.launch.implemented_ids
        view = detail_for(self.session, playbook, key, implemented) if key else None
        self.query_one("#detail", DetailPane).show_detail(view)

    def _fill_decisions(self) -> None:
        table = self._decisions()
        if table is None:
            return
        table.clear()
        session = self.session
        for decision in session.decisions:
            if decision.stage != self.stage_id:
                continue
            line = decision_line(session, decision)
            table.add_row(
                Text(line.id),
                Text(ACTION_WORD[line.action], style="bold"),
                Text(line.scope),
                Text(line.owner or "—"),
                Text(line.due.isoformat() if line.due else "—"),
                Text(line.text),
            )

    def _fill_about(self) -> None:
        session = self.session
        spec = self.launch.playbook.stage(self.stage_id)
        state = session.stage(self.stage_id)
        text = Text()
        text.append(f"{spec.number}. {spec.title}\n", style="bold")
        text.append(f"Goal: {spec.goal}\n\n")
        text.append("Why it matters\n", style="bold")
        text.append(f"{spec.why}\n\n")
        text.append("Failure signal\n", style="bold")
        text.append(f"{spec.failure_signal}\n\n")
        text.append(f"Deliverable: {spec.deliverable.name}\n", style="bold")
        text.append(f"{spec.deliverable.description}\n\n")
        text.append("Status ", style="dim")
        text.append(state.status.value.replace("_", " "))
        text.append("   Owner ", style="dim")
        text.append(person_name(session, state.owner) or "—")
        text.append("   Time spent ", style="dim")
        text.append(fmt_minutes(state.minutes_spent))
        about = self._about()
        if about is not None:
            about.show(text)

    def _on_run_changed(self, state: RunState) -> None:
        if state.queued != self._queued and self._showing():
            self.refresh_rows()  # a run began (its rows wait for results) or ended
        status = self.query_one("#run-status", Plain)
        if state.active:
            running = f" · {state.running[0]}" if state.running else ""
            line = Text(" ⟳ ", style="bold")
            line.append(f"Running {state.label}: {state.done}/{state.total}{running}")
            status.show(line.append("  (x cancels)", style="dim"))
        elif state.last and state.label in ("", FULL_AUDIT, self._stage_label()):
            status.show(Text(f" {state.last}", style="dim"))
        else:
            # The last run was of another stage: its line would read as this stage's.
            hint = " r runs this stage's checks · A the full audit · 1-7 [ ] stages · ? help"
            status.show(Text(hint, style="dim"))

    # --- events ----------------------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#checks")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()
        key = str(event.row_key.value or "")
        self.launch.remember_selection(self.stage_id, key)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        # By name rather than with @on(TextArea.Changed): TextArea is imported with the notes.
        notes = self._notes()
        if notes is None or event.text_area is not notes:
            return
        self._notes_text = notes.text
        if notes.read_only or self._notes_text == self._saved_notes():
            return
        timer = self._notes_timer
        if timer is not None:
            timer.stop()  # type: ignore[attr-defined]
        self._notes_timer = self.set_timer(NOTES_SAVE_DELAY, self.save_notes)

    def save_notes(self) -> None:
        """Write the notes into the session (also called when leaving the screen)."""
        self._notes_timer = None
        text = self._notes_text
        if self.launch.controller is None or text is None or text == self._saved_notes():
            return
        session = self.session
        updated = edits.set_stage_notes(session, self.stage_id, text)
        updated = edits.touch_stage(updated, self.stage_id, self.launch.now())
        self.launch.update_session(updated)

    def _saved_notes(self) -> str | None:
        controller = self.launch.controller
        if controller is None:
            return None
        return clean_multiline(controller.session.stage(self.stage_id).notes)

    def on_screen_suspend(self) -> None:
        self.save_notes()
        self._loaded_notes = False

    def on_unmount(self) -> None:
        self.save_notes()

    # --- actions ---------------------------------------------------------------------------

    def action_run_stage(self) -> None:
        from launch_tui.checks import Selection

        self.launch.start_run(Selection(stages=frozenset({self.stage_id})), self._stage_label())

    def action_run_all(self) -> None:
        from launch_tui.checks import Selection

        self.launch.start_run(Selection(), FULL_AUDIT)

    def action_cancel_run(self) -> None:
        if not self.launch.cancel_run():
            self.launch.say("No checks are running.")

    def _stage_label(self) -> str:
        spec = self.launch.playbook.stage(self.stage_id)
        return f"stage {spec.number}"

    def action_edit_notes(self) -> None:
        self.show_tab("tab-notes")

    def action_leave_notes(self) -> None:
        self.save_notes()
        self.show_tab("tab-checks")

    def action_next_tab(self, step: int = 1) -> None:
        current = self._active_tab if self._active_tab in TABS else TABS[0]
        self.show_tab(TABS[(TABS.index(current) + step) % len(TABS)])

    def action_previous_tab(self) -> None:
        self.action_next_tab(-1)

    #: Actions on the selected check row: only while the check table is on show.
    ROW_ACTIONS: ClassVar[frozenset[str]] = frozenset(
        {
            "decide",
            "confirm_manual",
            "assign_owner",
            "toggle_mark",
            "next_failing",
            "previous_failing",
            "cycle_filter",
            "edit_target",
        }
    )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Row actions are disabled (dimmed in the key bar) on the other tabs, so that ``d``
        never decides about a row of a table that is hidden."""
        if action in self.ROW_ACTIONS and self._active_tab != "tab-checks":
            return None
        return True

    @property
    def active_tab(self) -> str:
        """Id of the tab on show (``tab-checks``, ``tab-deliverable``, ...)."""
        return self._active_tab

    def show_tab(self, tab_id: str, *, focus_pane: bool = True) -> None:
        """Show a tab's pane (mounting it the first time) and put the focus in it.

        ``focus_pane`` is False when the tab bar itself was used (the focus stays on the bar,
        so left and right keep moving between tabs) unless the focus was in the old pane.
        """
        if tab_id not in TABS:
            return
        bar = self.query_one("#tabs", TabBar)
        focus_pane = focus_pane or self.focused is not bar
        # Focus leaves the old pane before it is hidden: Textual would otherwise hand it to a
        # neighbour of the hidden widget.
        if focus_pane:
            self.set_focus(None)
        new = self._fill_tab(tab_id)
        self._active_tab = tab_id
        bar.active = tab_id
        self.refresh_bindings()
        for pane in self.query(".tab-pane"):
            pane.display = pane.id == tab_id
        if not new and tab_id == "tab-deliverable" and self.launch.controller is not None:
            self._show_deliverable()  # a new pane asks for its data once mounted
        if not focus_pane:
            return
        focus = {
            "tab-checks": "#checks",
            "tab-deliverable": "#deliverable",
            "tab-decisions": "#decisions",
            "tab-notes": "#notes",
            "tab-about": "#about-scroll",
        }[tab_id]

        def focus_it() -> None:
            found = self.query(focus)
            if found:
                found.first().focus()

        self.call_after_refresh(focus_it)

    def action_toggle_done(self) -> None:
        if self.launch.refuse_edit():
            return
        state = self.session.stage(self.stage_id)
        status = StageStatus.IN_PROGRESS if state.status is StageStatus.DONE else StageStatus.DONE
        self.launch.update_session(
            edits.set_stage_status(self.session, self.stage_id, status, self.launch.now())
        )
        self.launch.say(f"Stage marked {status.value.replace('_', ' ')}.", title="Stage")

    def land_on_checks(self) -> None:
        if self.active_tab != "tab-checks":
            self.show_tab("tab-checks")

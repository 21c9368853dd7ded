"""The stage screen's documents: writing the report, the handover's own fields and its
sign-off. A base of :class:`~launch_tui.tui.screens.stage.StageScreen` (through
:class:`~launch_tui.tui.screens.stage_rows.StageRows`), kept apart so that the screen's module
stays about showing the stage."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from textual import work

from launch_tui.core.errors import ReportError
from launch_tui.core.model import Session
from launch_tui.tui import edits
from launch_tui.tui.screens.stage_rows import StageRows


class StageDocs(StageRows):
    """Report and handover actions of a stage screen."""

    def action_write_report(self) -> None:
        # Writing reports leaves the session untouched, so read-only sessions may do it too.
        controller = self.launch.controller
        if controller is None:
            return
        self._write_report(controller.session, controller.path, self.launch.now())

    @work(thread=True, group="report", exit_on_error=False, description="writing the handover")
    def _write_report(self, session: Session, path: Path, now: datetime) -> None:
        from launch_tui.tui.widgets.handover import write_handover

        say = self.launch.say
        try:
            folder = self.launch.options.reports_dir
            files = write_handover(session, self.launch.playbook, path, now, folder)
        except ReportError as exc:
            self.app.call_from_thread(say, exc.message, title=exc.title, severity="error")
            return
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            message = f"{exc.filename or path.parent}: {reason}"
            self.app.call_from_thread(
                say, message, title="Could not write report", severity="error"
            )
            return
        # Plain text (``say`` never parses markup): paths may hold brackets.
        message = f"Wrote {files.markdown} and {files.html}"
        self.app.call_from_thread(say, message, title="Handover written")

    def action_paste_message(self) -> None:
        from launch_tui.tui.screens.message_paste import open_paste_box

        open_paste_box(self)

    # --- the handover's own fields and its sign-off (session-wide; stage 7's business) ---------

    def action_edit_handover(self) -> None:
        if self.launch.refuse_edit():
            return
        from dataclasses import replace

        from launch_tui.core.handover import Handover
        from launch_tui.tui.screens.handover import HandoverForm

        def done(handover: Handover | None) -> None:
            if handover is None or self.launch.controller is None:
                return
            updated = replace(self.session, handover=handover)
            updated = edits.touch_stage(updated, "handover", self.launch.now())
            self.launch.update_session(updated)
            self.launch.say(
                "Handover fields saved; run stage 7's checks (r) to see what is missing.",
                title="Handover",
            )

        self.app.push_screen(HandoverForm(self.session.handover), done)

    def action_sign_off(self) -> None:
        if self.launch.refuse_edit():
            return
        from launch_tui.core import signoff
        from launch_tui.core.errors import UsageError
        from launch_tui.tui.screens.handover import SignOffDraft, SignOffForm
        from launch_tui.tui.screens.modals import ConfirmModal

        engineer = self.session.sprint.engineer

        def reopened(yes: bool | None) -> None:
            if not yes or self.launch.controller is None:
                return
            by = engineer or "engineer"
            self.launch.update_session(signoff.reopen(self.session, by, self.launch.now()))
            self.launch.say("Reopened: checks can run again.", title="Handover")

        def signed(draft: SignOffDraft | None) -> None:
            if draft is None or self.launch.controller is None:
                return
            try:
                updated = signoff.sign(
                    self.session, draft.handed_over_by, draft.received_by, self.launch.now()
                )
            except UsageError as exc:
                self.launch.say(exc.message, title="Not signed off", severity="error")
                return
            self.launch.update_session(updated)
            self.launch.say(signoff.sign_off_line(updated), title="Handover signed off")

        if self.session.handover.signed_off:
            question = (
                f"{signoff.sign_off_line(self.session)}.\n\nReopen it so checks can run again?"
            )
            self.app.push_screen(ConfirmModal("Reopen the handover", question, "Reopen"), reopened)
        else:
            self.app.push_screen(SignOffForm(self.session.people, engineer), signed)

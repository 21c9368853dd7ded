"""The email stage's paste box: does a real message authenticate?

The engineer pastes a received message's raw source (Gmail "Show original", Outlook "View
source": the ``.eml`` text) and presses Verify. The message is verified in a thread worker on
its own event loop by the same code as ``launch-tui email-check``
(:func:`~launch_tui.checks.email.message.verify_message`: dkimpy for the signature, our SPF
evaluator for the connecting IP, DMARC alignment), through the session's DNS settings (the app's
services factory), and the outcome becomes the session's ``email.transactional_test`` result
as the CLI records it.

Everything in the message is untrusted: the verdict lines are sanitized by the check code and
shown as literal :class:`~rich.text.Text`, never markup.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, TextArea

from launch_tui.core.model import Session, Status
from launch_tui.core.sanitize import clean
from launch_tui.tui.widgets.plain import Plain

if TYPE_CHECKING:
    from launch_tui.checks.email.message import MessageVerdict
    from launch_tui.tui.screens.stage_docs import StageDocs
    from launch_tui.tui.workers import ServicesFactory

#: What the stored result names as its source (the CLI stores the file's name).
PASTED = "pasted message"
_STYLE = {Status.PASS: "bold green", Status.WARN: "bold yellow", Status.FAIL: "bold red"}


def open_paste_box(screen: StageDocs) -> None:
    """``P`` on a stage screen: the paste box on the email stage, a hint elsewhere."""
    from launch_tui.checks.email.message import TRANSACTIONAL_CHECK

    playbook = screen.launch.playbook
    if TRANSACTIONAL_CHECK not in playbook:
        screen.launch.say("This playbook has no transactional email check.", title="Paste mail")
        return
    stage = playbook.stage_of(TRANSACTIONAL_CHECK)
    if screen.stage_id != stage.id:
        screen.launch.say(
            f"Paste a received message on the {stage.title} stage.", title="Paste mail"
        )
        return
    if screen.launch.refuse_edit():
        return
    screen.app.push_screen(PasteMessageModal(screen.launch.services_factory, screen))


def normalized(text: str) -> bytes:
    """A pasted message as bytes with CRLF line ends (a text area keeps plain newlines)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n").split("\n")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8", errors="surrogateescape")


class PasteMessageModal(ModalScreen[None]):
    """Paste a message, verify it, see the verdict; the result is kept in the session."""

    DEFAULT_CSS = """
    #paste-dialog { width: 100; }
    #paste-text { height: 12; }
    #paste-verdict { height: auto; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", show=False),
        Binding("ctrl+s", "verify", "Verify", show=False, priority=True),
    ]

    def __init__(self, services_factory: ServicesFactory, stage: StageDocs) -> None:
        super().__init__(classes="dialog-screen")
        self._factory = services_factory
        self._stage = stage
        self.verdict: MessageVerdict | None = None
        """The last verified message (tests read it)."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="paste-dialog"):
            yield Plain(Text("Verify a received message", style="bold"), classes="dialog-title")
            yield Plain(
                Text(
                    "Paste its raw source (Gmail: Show original; Outlook: View source), then "
                    "Verify (ctrl+s). DKIM, SPF for the relay and DMARC alignment are checked "
                    "through the session's DNS; the outcome is kept as the transactional "
                    "email check.",
                    style="dim",
                ),
                classes="dialog-text",
            )
            yield TextArea(id="paste-text", soft_wrap=False, show_line_numbers=False)
            yield Plain(Text(""), id="paste-verdict", classes="dialog-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Verify", variant="primary", id="verify", compact=True)
                yield Button("Close", id="close", compact=True)

    def on_mount(self) -> None:
        self.query_one("#paste-text", TextArea).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "verify":
            self.action_verify()
        else:
            self.action_close()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_verify(self) -> None:
        text = self.query_one("#paste-text", TextArea).text
        if not text.strip():
            self._show(Text("Paste a message first.", style="bold"))
            return
        controller = self._stage.launch.controller
        if controller is None:
            return
        self._show(Text("Verifying…", style="dim"))
        self._verify(normalized(text), controller.session)

    def _show(self, text: Text) -> None:
        self.query_one("#paste-verdict", Plain).show(text)

    @work(thread=True, exclusive=True, group="paste-mail", exit_on_error=False)
    def _verify(self, raw: bytes, session: Session) -> None:
        from launch_tui.checks.email.message import MessageError

        try:
            verdict = asyncio.run(self._verify_on_own_loop(raw, session))
        except MessageError as exc:
            message = Text(f"Not a mail message: {clean(str(exc), max_len=300)}")
            self.app.call_from_thread(self._show, message)
            return
        self.app.call_from_thread(self._record, verdict)

    async def _verify_on_own_loop(self, raw: bytes, session: Session) -> MessageVerdict:
        from launch_tui.checks.email.message import MessageError, verify_message
        from launch_tui.tui.workers import open_services

        async with open_services(self._factory, session) as services:
            if services.resolver is None:
                raise MessageError("no DNS resolver is configured for this session")
            return await verify_message(raw, services.resolver, dns_timeout=services.deadline_s)

    def _record(self, verdict: MessageVerdict) -> None:
        from launch_tui.checks.email.message import (
            TRANSACTIONAL_CHECK,
            judge,
            transactional_result,
            verdict_lines,
        )
        from launch_tui.checks.engine.merging import merge_results
        from launch_tui.tui import edits

        launch = self._stage.launch
        self.verdict = verdict
        status, _ = judge(verdict)
        text = Text(f"Verdict: {status.value.upper()}\n", style=_STYLE.get(status, "bold"))
        text.append("\n".join(verdict_lines(verdict)), style="")
        controller = launch.controller
        if controller is not None and not controller.read_only:
            spec = launch.playbook.check(TRANSACTIONAL_CHECK)
            result = transactional_result(verdict, spec.severity, launch.now(), PASTED)
            updated = merge_results(controller.session, [result])
            updated = edits.touch_stage(updated, spec.stage, launch.now())
            launch.update_session(updated)
            text.append(f"\nSaved as {TRANSACTIONAL_CHECK}.", style="dim")
        self._show(text)

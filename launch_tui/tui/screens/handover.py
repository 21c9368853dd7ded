"""The handover's dialogs: the form for its own fields, and the sign-off.

:class:`HandoverForm` edits every list of the handover (environment-variable changes, support
paths, limitations, next steps, monitoring links) as lines of text with ``|`` between columns,
and the rollback notes as free text (the format is :mod:`launch_tui.tui.handover_form`). It
returns the new :class:`~launch_tui.core.handover.Handover`, or ``None`` when cancelled; a line
it cannot read is named under its area and nothing is saved.

:class:`SignOffForm` asks who hands over and who receives; it returns the two person ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Select, TextArea

from launch_tui.core.handover import Handover
from launch_tui.core.model import Organisation, Person
from launch_tui.core.sanitize import clean, clean_multiline
from launch_tui.tui.handover_form import SECTIONS, FormProblem, form_texts, parse_form
from launch_tui.tui.screens.modals import _FormModal, person_options
from launch_tui.tui.widgets.plain import Plain

__all__ = ["HandoverForm", "SignOffDraft", "SignOffForm"]

_KEYS: list[BindingType] = [
    Binding("escape", "cancel", "Cancel", show=False),
    Binding("ctrl+s", "save", "Save", show=False, priority=True),
]


class HandoverForm(_FormModal[Handover]):
    """Every field of the handover on one scrolling form; ctrl+s saves, escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = _KEYS
    DEFAULT_CSS = """
    HandoverForm .handover-dialog { width: 96%; height: 92%; max-width: 140; }
    HandoverForm .handover-area { height: 6; }
    HandoverForm #area-rollback { height: 5; }
    HandoverForm .handover-hint { color: $text-muted; }
    HandoverForm #handover-problem { color: $error; }
    """

    def __init__(self, handover: Handover, heading: str = "Handover") -> None:
        super().__init__(classes="dialog-screen")
        self.base = handover
        self.heading = clean(heading, max_len=80)
        self.texts = {
            k: clean_multiline(v, max_len=20_000) for k, v in form_texts(handover).items()
        }

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog handover-dialog"):
            yield Plain(Text(self.heading, style="bold"), classes="dialog-title")
            yield Plain(
                Text("One entry a line, columns separated by | (ctrl+s saves, escape cancels)"),
                classes="handover-hint",
            )
            with VerticalScroll(classes="dialog-body"):
                yield Plain(Text("Rollback notes: tested steps and commands", style="bold"))
                yield TextArea(self.texts["rollback"], id="area-rollback", classes="handover-area")
                yield Input(
                    self.texts["rollback_who"],
                    placeholder="Who may run a rollback",
                    id="area-rollback_who",
                    compact=True,
                )
                for section in SECTIONS:
                    yield Plain(Text(section.title, style="bold"))
                    yield Plain(Text(section.hint), classes="handover-hint")
                    yield TextArea(
                        self.texts[section.key],
                        id=f"area-{section.key}",
                        classes="handover-area",
                        soft_wrap=False,
                    )
            yield Plain("", id="handover-problem")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", variant="primary", id="save", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#area-rollback", TextArea).focus()

    def on_input_submitted(self) -> None:
        # Enter in the one-line field moves on rather than saving half a form.
        self.focus_next()

    def current_texts(self) -> dict[str, str]:
        texts = {s.key: self.query_one(f"#area-{s.key}", TextArea).text for s in SECTIONS}
        texts["rollback"] = self.query_one("#area-rollback", TextArea).text
        texts["rollback_who"] = self.query_one("#area-rollback_who", Input).value
        return texts

    def action_save(self) -> None:
        try:
            handover = parse_form(self.current_texts(), self.base)
        except FormProblem as problem:
            title = next(s.title for s in SECTIONS if s.key == problem.section)
            self.query_one("#handover-problem", Plain).show(Text(f"{title}: {problem}"))
            area = self.query_one(f"#area-{problem.section}", TextArea)
            area.focus()
            if problem.line:
                area.move_cursor((problem.line - 1, 0))
            return
        self.dismiss(handover)


@dataclass(frozen=True)
class SignOffDraft:
    """Who hands the launch over, and who at the client receives it."""

    handed_over_by: str
    received_by: str


class SignOffForm(_FormModal[SignOffDraft]):
    """Two people; saving signs the handover off (results become read-only)."""

    BINDINGS: ClassVar[list[BindingType]] = _KEYS

    def __init__(self, people: tuple[Person, ...], engineer: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self.people = people
        self.engineer = engineer if any(p.id == engineer for p in people) else ""
        self.client = tuple(p for p in people if p.org is Organisation.CLIENT)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Plain(Text("Sign the handover off", style="bold"), classes="dialog-title")
            yield Plain(
                Text("Check results become read-only until the handover is reopened (S again)."),
                classes="dialog-text",
            )
            yield Plain(Text("Handed over by"))
            yield Select(
                person_options(self.people),
                value=self.engineer or Select.BLANK,
                id="giver",
                allow_blank=True,
                compact=True,
            )
            yield Plain(Text("Received by (at the client)"))
            yield Select(person_options(self.client), id="taker", allow_blank=True, compact=True)
            yield Plain("", id="signoff-problem")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Sign off", variant="primary", id="save", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#taker", Select).focus()

    def action_save(self) -> None:
        giver = self.query_one("#giver", Select).value
        taker = self.query_one("#taker", Select).value
        if not isinstance(giver, str) or not giver or not isinstance(taker, str) or not taker:
            self.query_one("#signoff-problem", Plain).show(
                Text("Choose who hands over and who receives.")
            )
            return
        self.dismiss(SignOffDraft(giver, taker))

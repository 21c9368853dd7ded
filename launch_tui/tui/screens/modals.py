"""Small dialogs: errors, confirmations, manual confirmations, people pickers, forms.

The decision dialog is in :mod:`launch_tui.tui.screens.decision`.

Each is a ``ModalScreen[T]`` that returns its value with ``dismiss``; ``None`` means cancelled.
Anything from the session or the network is shown as literal text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, OptionList, RadioButton, RadioSet, Select
from textual.widgets.option_list import Option

from launch_tui.core.model import Organisation, Person
from launch_tui.core.sanitize import clean, clean_multiline
from launch_tui.tui import validation
from launch_tui.tui.widgets.choice import ChoiceSet
from launch_tui.tui.widgets.fields import Field
from launch_tui.tui.widgets.plain import Plain

_CLOSE: list[BindingType] = [Binding("escape", "cancel", "Cancel", show=False)]


class ErrorModal(ModalScreen[None]):
    """A titled failure message; the text is escaped, never markup."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", show=False),
        Binding("enter", "close", "Close", show=False),
    ]

    def __init__(self, title: str, message: str) -> None:
        super().__init__(classes="dialog-screen")
        self.error_title = clean(title, max_len=120) or "Error"
        self.message = clean_multiline(message, max_len=4000)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog error-dialog"):
            yield Plain(Text(self.error_title, style="bold"), classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Plain(Text(self.message), id="error-message")
            with Horizontal(classes="dialog-buttons"):
                yield Button("OK", variant="primary", id="ok", compact=True)

    def on_mount(self) -> None:
        self.query_one("#ok", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)


class ConfirmModal(ModalScreen[bool]):
    """Yes or no."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "no", "No", show=False)]

    def __init__(self, title: str, question: str, yes: str = "Yes") -> None:
        super().__init__(classes="dialog-screen")
        self.question_title = title
        self.question = question
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Plain(Text(self.question_title, style="bold"), classes="dialog-title")
            yield Plain(Text(clean_multiline(self.question)), classes="dialog-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.yes, variant="primary", id="yes", compact=True)
                yield Button("Cancel", id="no", compact=True)

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_no(self) -> None:
        self.dismiss(False)


def person_options(people: tuple[Person, ...], blank: str = "(nobody)") -> list[tuple[Text, str]]:
    """``Select`` options for people: literal names, person ids as values."""
    options = [(Text(blank, style="dim"), "")]
    for person in people:
        label = clean(person.name, max_len=40)
        if person.role:
            label += f" — {clean(person.role, max_len=30)}"
        options.append((Text(label), person.id))
    return options


_Draft = TypeVar("_Draft")


class _FormModal(ModalScreen[_Draft | None]):
    """A dialog form: Save (button, Enter in a field, ctrl+s) or Cancel (button, Escape).

    Subclasses compose their fields, a ``#save`` button, and implement :meth:`action_save`, which
    dismisses with the draft or returns early when a field shows a problem.
    """

    def action_save(self) -> None:
        raise NotImplementedError

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.dismiss(None)

    def on_input_submitted(self) -> None:
        self.action_save()


@dataclass(frozen=True)
class ManualDraft:
    """What the manual-confirmation dialog returns."""

    holds: bool
    note: str
    link: str


class ManualModal(_FormModal[ManualDraft]):
    """Tick a manual check: it holds or not, with a note and an evidence link."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *_CLOSE,
        Binding("ctrl+s", "save", "Save", show=False, priority=True),
    ]

    def __init__(self, title: str, look_at: str) -> None:
        super().__init__(classes="dialog-screen")
        self.check_title = clean(title, max_len=200)
        self.look_at = clean(look_at, max_len=600)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="manual-dialog"):
            yield Plain(Text(self.check_title, style="bold"), classes="dialog-title")
            if self.look_at:
                yield Plain(Text(self.look_at, style="dim"), classes="dialog-text")
            with ChoiceSet(id="manual-holds"):
                yield RadioButton("It holds", value=True, id="holds-yes")
                yield RadioButton("It does not hold", id="holds-no")
            yield Field("Note", id="manual-note", placeholder="what you saw, who showed you")
            yield Field(
                "Evidence",
                id="manual-link",
                placeholder="https://… (optional)",
                checks=(validation.url,),
                hint="link, optional",
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", variant="primary", id="save", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#manual-note", Field).input.focus()

    def action_save(self) -> None:
        link = self.query_one("#manual-link", Field)
        if link.show_problem(force=True):
            return
        pressed = self.query_one("#manual-holds", RadioSet).pressed_button
        holds = pressed is None or pressed.id == "holds-yes"
        note = self.query_one("#manual-note", Field).value
        self.dismiss(ManualDraft(holds=holds, note=note.strip(), link=link.value.strip()))


class PersonPicker(ModalScreen[str | None]):
    """Choose a person (or nobody); returns the person id, ``""`` for nobody."""

    BINDINGS: ClassVar[list[BindingType]] = [*_CLOSE]

    def __init__(self, heading: str, people: tuple[Person, ...], current: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self.heading = clean(heading, max_len=200)
        self.people = people
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="person-dialog"):
            yield Plain(Text("Assign an owner", style="bold"), classes="dialog-title")
            yield Plain(Text(self.heading, style="dim"), classes="dialog-text")
            options = [
                Option(label, id=value or "-") for label, value in person_options(self.people)
            ]
            yield OptionList(*options, id="person-options")

    def on_mount(self) -> None:
        options = self.query_one("#person-options", OptionList)
        options.focus()
        ids = ["", *(p.id for p in self.people)]
        if self.current in ids:
            options.highlighted = ids.index(self.current)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        choice = event.option.id or "-"
        self.dismiss("" if choice == "-" else choice)

    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class PersonDraft:
    name: str
    role: str
    org: str
    email: str


class PersonForm(_FormModal[PersonDraft]):
    """Add a person to the session."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *_CLOSE,
        Binding("ctrl+s", "save", "Save", show=False, priority=True),
    ]

    def __init__(self) -> None:
        super().__init__(classes="dialog-screen")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="person-form"):
            yield Plain(Text("Add a person", style="bold"), classes="dialog-title")
            yield Field("Name", id="person-name", checks=(validation.required("a name"),))
            yield Field("Role", id="person-role", placeholder="CTO, founder, freelancer…")
            with Horizontal(classes="field"):
                yield Plain(Text("Works for"), classes="field-label")
                yield Select(
                    [
                        (Text("client"), Organisation.CLIENT.value),
                        (Text("contractor"), "contractor"),
                    ],
                    value=Organisation.CLIENT.value,
                    allow_blank=False,
                    compact=True,
                    id="person-org",
                )
                yield Plain("", classes="field-reason")
            yield Field("Email", id="person-email", checks=(validation.email,), hint="optional")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Add", variant="primary", id="save", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#person-name", Field).input.focus()

    def action_save(self) -> None:
        fields = [self.query_one(f"#person-{n}", Field) for n in ("name", "role", "email")]
        if [f for f in fields if f.show_problem(force=True)]:
            return
        org = self.query_one("#person-org", Select).value
        self.dismiss(
            PersonDraft(
                name=fields[0].value.strip(),
                role=fields[1].value.strip(),
                org=org if isinstance(org, str) else Organisation.CLIENT.value,
                email=fields[2].value.strip(),
            )
        )


class TemplateForm(_FormModal[tuple[str, str]]):
    """Client name and session id for a session copied from another one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *_CLOSE,
        Binding("ctrl+s", "save", "Save", show=False, priority=True),
    ]

    def __init__(self, source: str) -> None:
        super().__init__(classes="dialog-screen")
        self.source = clean(source, max_len=80)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="template-form"):
            yield Plain(Text("New sprint from a template", style="bold"), classes="dialog-title")
            yield Plain(
                Text(
                    f"Copies hosts, routes, stack, people and services of {self.source}; "
                    "findings, decisions and notes start empty.",
                    style="dim",
                ),
                classes="dialog-text",
            )
            yield Field("Client", id="template-client", checks=(validation.required("the client"),))
            yield Field("Session id", id="template-id", placeholder="made from the client if blank")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Create", variant="primary", id="save", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#template-client", Field).input.focus()

    def action_save(self) -> None:
        client = self.query_one("#template-client", Field)
        if client.show_problem(force=True):
            return
        self.dismiss((client.value.strip(), self.query_one("#template-id", Field).value.strip()))

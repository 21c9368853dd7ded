"""What a stage screen shows behind its Decisions, Notes and About tabs.

These are mounted the first time their tab is shown (the stage screen's first paint has only the
check table), so this module, and ``TextArea`` with it, is imported then. Each asks for its data
once mounted with :class:`~launch_tui.tui.messages.PartReady`.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable

from launch_tui.tui.messages import PartReady
from launch_tui.tui.widgets.fields import NotesArea
from launch_tui.tui.widgets.plain import Plain


class DecisionsTable(DataTable[Text]):
    """The stage's decisions; asks for its rows once mounted."""

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id, cursor_type="row")

    def on_mount(self) -> None:
        for label in ("Id", "Action", "About", "Owner", "Due", "Decision"):
            self.add_column(Text(label, style="bold"), key=label)
        self.post_message(PartReady())


class StageNotes(NotesArea):
    """The stage's notes; asks for its text once mounted.

    Every key types into the notes, so the stage's keys do not work here: Escape leaves them
    (back to the checks), and the key bar says so while they have the focus.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "screen.leave_notes",
            "Back to checks",
            tooltip="Leave the notes (they are saved as you type) and go back to the checks.",
        )
    ]

    def on_mount(self) -> None:
        super().on_mount()
        self.post_message(PartReady())


class AboutPane(VerticalScroll):
    """Goal, why, failure signal and deliverable of the stage."""

    def compose(self) -> ComposeResult:
        yield Plain("", id="about")

    def on_mount(self) -> None:
        self.post_message(PartReady())

"""People and owners: who is on the sprint, what each owns, and assigning owners."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import DataTable

from launch_tui.core.display import person_name
from launch_tui.core.sanitize import clean
from launch_tui.tui import commands, edits
from launch_tui.tui.app_state import SessionChange
from launch_tui.tui.owners import OwnedItem, assignables
from launch_tui.tui.screens.base import LaunchScreen
from launch_tui.tui.screens.modals import PersonDraft, PersonForm, PersonPicker
from launch_tui.tui.text import status_cell
from launch_tui.tui.widgets.footer import KeyFooter
from launch_tui.tui.widgets.plain import Plain


class PeopleScreen(LaunchScreen):
    """People on the left; on the right everything that can be owned, or one person's share."""

    SCOPE: ClassVar[str] = commands.PEOPLE
    BINDINGS = commands.bindings(commands.PEOPLE)

    def __init__(self) -> None:
        super().__init__(classes="people-screen")
        self.only_selected = False
        self.items: tuple[OwnedItem, ...] = ()

    def compose(self) -> ComposeResult:
        yield Plain("", id="people-title")
        with Horizontal(id="people-body"):
            yield DataTable[Text](id="people", cursor_type="row")
            yield DataTable[Text](id="owned", cursor_type="row")
        yield KeyFooter()

    def on_mount(self) -> None:
        people = self.query_one("#people", DataTable)
        people.add_column(Text("Person", style="bold"), width=18, key="person")
        people.add_column(Text("Owns", style="bold"), width=4, key="owns")
        owned = self.query_one("#owned", DataTable)
        for label, width in (("", 1), ("Kind", 8), ("Item", None), ("Owner", 14)):
            owned.add_column(Text(label, style="bold"), width=width, key=label or "status")
        self.launch.session_changed.subscribe(self, self._on_session_changed)
        self._refresh()
        owned.focus()

    def _on_session_changed(self, change: SessionChange) -> None:
        self._refresh()

    def _person_id(self) -> str:
        table = self.query_one("#people", DataTable)
        people = self.session.people
        if not people or table.cursor_row >= len(people):
            return ""
        return people[table.cursor_row].id

    def _refresh(self) -> None:
        if self.launch.controller is None:
            return
        session = self.session
        everything = assignables(session, self.launch.playbook)
        people = self.query_one("#people", DataTable)
        row = people.cursor_row
        people.clear()
        for person in session.people:
            count = sum(1 for item in everything if item.owner == person.id)
            name = Text(clean(person.name, max_len=60), style="bold")
            name.truncate(18, overflow="ellipsis")
            people.add_row(name, Text(str(count)), key=person.id)
        if session.people:
            people.move_cursor(row=min(row, len(session.people) - 1), animate=False)
        self._fill_owned(everything)

    def _fill_owned(self, everything: tuple[OwnedItem, ...] | None = None) -> None:
        session = self.session
        if everything is None:
            everything = assignables(session, self.launch.playbook)
        person_id = self._person_id()
        items = tuple(i for i in everything if not self.only_selected or i.owner == person_id)
        self.items = items
        owned = self.query_one("#owned", DataTable)
        row = owned.cursor_row
        owned.clear()
        room = max(12, owned.size.width - (1 + 8 + 14) - 2 * 4 - 2)
        for item in items:
            label = Text(item.label)
            label.truncate(room, overflow="ellipsis")
            owned.add_row(
                status_cell(item.status) if item.kind is edits.OwnedKind.CHECK else Text(" "),
                Text(item.kind.value, style="dim"),
                label,
                Text(person_name(session, item.owner) or "—", style="" if item.owner else "dim"),
                key=f"{item.kind.value}|{item.ref}",
            )
        if items:
            owned.move_cursor(row=min(row, len(items) - 1), animate=False)
        title = Text(" People", style="bold")
        person = session.person(person_id)
        if person is not None:
            title.append("  ")
            title.append(clean(person.name, max_len=40), style="bold")
            about = ", ".join(
                clean(part, max_len=50)
                for part in (person.role, person.org.value, person.email)
                if part
            )
            title.append(f" ({about})" if about else "", style="dim")
        title.append(
            "   only theirs (f: all)" if self.only_selected else "   all items (f: theirs)",
            style="dim",
        )
        title.truncate(max(20, self.size.width or 80), overflow="ellipsis")
        self.query_one("#people-title", Plain).show(title)

    def on_resize(self) -> None:
        self.call_after_refresh(self._refresh)

    @on(DataTable.RowHighlighted, "#people")
    def _person_changed(self) -> None:
        self._fill_owned()

    def action_toggle_filter(self) -> None:
        self.only_selected = not self.only_selected
        self._fill_owned()

    def action_assign(self) -> None:
        if self.launch.refuse_edit():
            return
        owned = self.query_one("#owned", DataTable)
        if not self.items or owned.cursor_row >= len(self.items):
            return
        item = self.items[owned.cursor_row]

        def done(person_id: str | None) -> None:
            if person_id is None or self.launch.controller is None:
                return
            stage = ""
            title = ""
            if item.kind is edits.OwnedKind.CHECK:
                check_id, _ = edits.parse_row_key(item.ref)
                if check_id in self.launch.playbook:
                    spec = self.launch.playbook.check(check_id)
                    stage, title = spec.stage, spec.title
            updated = edits.assign_owner(
                self.session,
                item.kind,
                item.ref,
                person_id,
                now=self.launch.now(),
                stage_of_check=stage,
                check_title=title,
            )
            self.launch.update_session(updated)

        self.app.push_screen(PersonPicker(item.label, self.session.people, item.owner), done)

    def action_add_person(self) -> None:
        if self.launch.refuse_edit():
            return

        def done(draft: PersonDraft | None) -> None:
            if draft is None or self.launch.controller is None:
                return
            self.launch.update_session(
                edits.add_person(self.session, draft.name, draft.role, draft.email, draft.org)
            )

        self.app.push_screen(PersonForm(), done)

    def action_close(self) -> None:
        self.app.pop_screen()

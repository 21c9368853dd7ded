"""The decision dialog: fix, accept the risk or defer, with owner and due date.

What it will record is said in words under the fields before Save (the action, whom and when,
and which earlier decision it replaces), so a wrong option is caught before it is saved. The
arrow keys choose the action (:class:`~launch_tui.tui.widgets.choice.ChoiceSet`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, RadioButton, RadioSet, Select

from launch_tui.core.model import Action, Decision, Person
from launch_tui.core.sanitize import clean
from launch_tui.tui import validation
from launch_tui.tui.screens.modals import _CLOSE, _FormModal, person_options
from launch_tui.tui.text import ACTION_WORD
from launch_tui.tui.widgets.choice import ChoiceSet
from launch_tui.tui.widgets.fields import Field
from launch_tui.tui.widgets.plain import Plain

_BUTTON_ACTION = {
    "action-fix": Action.FIX,
    "action-accept-risk": Action.ACCEPT_RISK,
    "action-defer": Action.DEFER,
}


@dataclass(frozen=True)
class DecisionDraft:
    """What the decision dialog returns."""

    action: Action
    text: str
    owner: str
    due: date | None
    whole_check: bool
    """The decision covers every target of the check, not only the selected one."""
    not_verified: bool = False
    """Record the rows with nothing to accept yet as not verified (a failing result confirmed
    by hand) before accepting the risk, in one step."""


def due_placeholder(today: date) -> str:
    """An example due date a week from ``today`` (never one in the past)."""
    return f"{(today + timedelta(days=7)).isoformat()} or +3d"


class DecisionModal(_FormModal[DecisionDraft]):
    """Fix, accept risk or defer, with owner and due date."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *_CLOSE,
        Binding("ctrl+s", "save", "Save", show=False, priority=True),
    ]

    def __init__(
        self,
        heading: str,
        people: tuple[Person, ...],
        today: date,
        *,
        target: str = "",
        default_owner: str = "",
        existing: tuple[Decision, ...] = (),
        names: dict[str, str] | None = None,
        accept_problem: str | None = None,
        accept_problem_whole: str | None = None,
        unverified: bool = False,
        remembered: DecisionDraft | None = None,
    ) -> None:
        """``existing``: the live decisions this one will replace (the newest fills the form).
        ``names``: person id to display name, for the summary line. ``accept_problem`` (and
        ``accept_problem_whole``, for every target of the check): why an accepted risk would
        count for nothing there (:func:`launch_tui.core.bar_actions.acceptance_problem`);
        such a decision is refused with that reason, unless ``unverified`` (nothing verified
        yet, as opposed to passing) and the engineer records it as not verified in the same
        step. ``remembered``: the last decision saved, whose action, owner and due date start
        a form that replaces nothing."""
        super().__init__(classes="dialog-screen")
        self.heading = clean(heading, max_len=200)
        self.people = people
        self.today = today
        self.target = target
        self.existing = existing
        self.names = names or {}
        self.accept_problem = accept_problem
        self.accept_problem_whole = accept_problem_whole
        self.unverified = unverified
        latest = existing[-1] if existing else None
        self._start_action = latest.action if latest else Action.FIX
        self._start_text = latest.text if latest else ""
        self._start_owner = (latest.owner if latest else "") or default_owner
        self._start_due = latest.due.isoformat() if latest and latest.due else ""
        if latest is None and remembered is not None:
            self._start_action = remembered.action
            self._start_owner = remembered.owner or self._start_owner
            if remembered.due is not None and remembered.due >= today:
                self._start_due = remembered.due.isoformat()

    def compose(self) -> ComposeResult:
        start = self._start_action
        with Vertical(classes="dialog", id="decision-dialog"):
            yield Plain(Text("Record a decision", style="bold"), classes="dialog-title")
            yield Plain(Text(self.heading, style="dim"), classes="dialog-text")
            with ChoiceSet(id="decision-action"):
                for ident, action in _BUTTON_ACTION.items():
                    label = ACTION_WORD[action].capitalize()
                    yield RadioButton(label, value=action is start, id=ident)
            yield Field(
                "Decision",
                id="decision-text",
                value=clean(self._start_text, max_len=500),
                placeholder="what was agreed, in one line",
                checks=(validation.required("the decision text"),),
            )
            with Horizontal(classes="field"):
                yield Plain(Text("Owner"), classes="field-label")
                owners = person_options(self.people)
                known = {value for _, value in owners}
                yield Select(
                    owners,
                    value=self._start_owner if self._start_owner in known else "",
                    allow_blank=False,
                    compact=True,
                    id="decision-owner",
                )
                yield Plain("", id="owner-reason", classes="field-reason")
            yield Field(
                "Due",
                id="decision-due",
                value=self._start_due,
                placeholder=due_placeholder(self.today),
                checks=(validation.due_date,),
                hint="optional",
            )
            if self.target:
                yield Checkbox(
                    "Applies to every target of this check",
                    value=False,
                    id="decision-all",
                    compact=True,
                )
            if self.unverified:
                yield Checkbox(
                    "Not verified: record it as not holding, then accept the risk",
                    value=True,
                    id="decision-unverified",
                    compact=True,
                )
            yield Plain("", id="decision-echo", classes="dialog-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", variant="primary", id="save", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#decision-text", Field).input.focus()
        self._refresh()

    def _action(self) -> Action:
        pressed = self.query_one("#decision-action", RadioSet).pressed_button
        return _BUTTON_ACTION.get((pressed.id if pressed else "") or "", Action.FIX)

    def _owner(self) -> str:
        value = self.query_one("#decision-owner", Select).value
        return value if isinstance(value, str) else ""

    def _owner_problem(self) -> str | None:
        if self._action() is not Action.ACCEPT_RISK:
            return None
        whole = bool(self.target) and self.query_one("#decision-all", Checkbox).value
        useless = self.accept_problem_whole if whole or not self.target else self.accept_problem
        if useless and not self._not_verified():
            return f"would not count: {useless}"
        if not self._owner():
            return "an accepted risk counts only with an owner"
        return None

    def _not_verified(self) -> bool:
        return self.unverified and self.query_one("#decision-unverified", Checkbox).value

    def echo(self) -> Text:
        """What Save will record, in words: the action, whom and when, what it replaces."""
        action = self._action()
        line = Text("Saves: ", style="dim")
        line.append(ACTION_WORD[action], style="bold reverse")
        owner = self._owner()
        line.append(f" · owner {clean(self.names.get(owner, owner), max_len=40)}" if owner else "")
        try:
            due = validation.parse_due(self.query_one("#decision-due", Field).value, self.today)
        except ValueError:
            due = None
        line.append(f" · due {due.isoformat()}" if due else "")
        whole = bool(self.target) and self.query_one("#decision-all", Checkbox).value
        if self.target and not whole:
            line.append(f" · {clean(self.target, max_len=60)} only")
        elif self.target:
            line.append(" · every target")
        if action is Action.ACCEPT_RISK and self._not_verified():
            line.append(" · recorded as not verified first")
        if self.existing:
            old = ", ".join(f"{d.id} ({ACTION_WORD[d.action]})" for d in self.existing)
            line.append(f"\nreplaces {old}", style="bold")
        return line

    @on(RadioSet.Changed)
    @on(Select.Changed)
    @on(Input.Changed)
    @on(Checkbox.Changed)
    def _refresh(self) -> None:
        problem = self._owner_problem()
        self.query_one("#owner-reason", Plain).show(
            Text(f"✗ {problem}", style="red") if problem else Text("")
        )
        self.query_one("#decision-echo", Plain).show(self.echo())

    def action_save(self) -> None:
        text_field = self.query_one("#decision-text", Field)
        due_field = self.query_one("#decision-due", Field)
        problems = [text_field.show_problem(force=True), due_field.show_problem(force=True)]
        owner_problem = self._owner_problem()
        self._refresh()
        if any(problems) or owner_problem:
            return
        whole = False
        if self.target:
            whole = self.query_one("#decision-all", Checkbox).value
        self.dismiss(
            DecisionDraft(
                action=self._action(),
                text=text_field.value.strip(),
                owner=self._owner(),
                due=validation.parse_due(due_field.value, self.today),
                whole_check=whole,
                not_verified=self._not_verified(),
            )
        )

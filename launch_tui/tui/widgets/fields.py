"""Form fields that validate as you type and say why beside the input."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, TextArea

from launch_tui.tui.validation import Check, first_problem
from launch_tui.tui.widgets.plain import Plain


def blink_enabled(widget: Input | TextArea) -> bool:
    """Whether the app wants blinking cursors (snapshot tests turn them off)."""
    return bool(getattr(widget.app, "cursor_blink_enabled", True))


class TextInput(Input):
    """An ``Input`` that follows the app's cursor-blink setting."""

    def on_mount(self) -> None:
        self.cursor_blink = blink_enabled(self)


class NotesArea(TextArea):
    """A ``TextArea`` that follows the app's cursor-blink setting."""

    def on_mount(self) -> None:
        self.cursor_blink = blink_enabled(self)


class Field(Horizontal):
    """Label, input and the reason the value is not accepted (or a tick when it is)."""

    def __init__(
        self,
        label: str,
        *,
        id: str,
        value: str = "",
        placeholder: str = "",
        checks: tuple[Check, ...] = (),
        hint: str = "",
    ) -> None:
        super().__init__(id=id, classes="field")
        self.label = label
        self._value = value
        self._placeholder = placeholder
        self.checks = checks
        self.hint = hint
        self.touched = bool(value)

    def compose(self) -> ComposeResult:
        yield Plain(Text(self.label), classes="field-label")
        yield TextInput(
            value=self._value,
            placeholder=self._placeholder,
            compact=True,
            id=f"{self.id}-input",
            classes="field-input",
        )
        yield Plain(Text(self.hint, style="dim"), classes="field-reason")

    @property
    def input(self) -> TextInput:
        return self.query_one(TextInput)

    @property
    def value(self) -> str:
        return self.input.value

    def problem(self) -> str | None:
        """Why the current value is not accepted, or ``None``."""
        return first_problem(self.value, *self.checks)

    def show_problem(self, force: bool = False) -> str | None:
        """Refresh the reason beside the input; returns the problem."""
        problem = self.problem()
        reason = self.query_one(".field-reason", Plain)
        if problem is not None and (self.touched or force):
            reason.show(Text(f"✗ {problem}", style="red"))
            self.add_class("-invalid")
        else:
            shown = Text("✓", style="green") if self.value.strip() and self.checks else None
            reason.show(shown or Text(self.hint, style="dim"))
            self.remove_class("-invalid")
        return problem

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.touched = True
        self.show_problem()

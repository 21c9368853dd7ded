"""A set of radio buttons where the arrow keys choose, as in every other form.

Textual's ``RadioSet`` moves a highlight with the arrow keys and needs Space or Enter to choose:
an engineer who moved to "Accept risk" and saved recorded the option still chosen ("Fix").
Here moving is choosing; Space and Enter still work.
"""

from __future__ import annotations

from textual.widgets import RadioButton, RadioSet


class ChoiceSet(RadioSet):
    """A ``RadioSet`` whose arrow keys press the option they move to."""

    def action_next_button(self) -> None:
        super().action_next_button()
        self._press_highlighted()

    def action_previous_button(self) -> None:
        super().action_previous_button()
        self._press_highlighted()

    def on_mount(self) -> None:
        # RadioSet highlights its first option on mount; start from the chosen one instead.
        if self.pressed_index >= 0:
            self._selected = self.pressed_index

    def _press_highlighted(self) -> None:
        # Only a key moves the choice: RadioSet also moves its highlight while mounting.
        if self._selected is None or not self.has_focus:
            return
        button = self._nodes[self._selected]
        if isinstance(button, RadioButton) and not button.value:
            self.action_toggle_button()

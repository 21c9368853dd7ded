"""Progress messages collapse, but never the one that carries the run's plan."""

from __future__ import annotations

from launch_tui.tui.messages import RunProgress


def test_progress_collapses_but_keeps_the_plan() -> None:
    planned = RunProgress(1, "stage 3", 0, 2, (), planned=("a:x", "b:y"))
    later = RunProgress(1, "stage 3", 1, 2, ("a on x",))
    last = RunProgress(1, "stage 3", 2, 2, ())
    other_run = RunProgress(2, "stage 3", 0, 2, ())
    # Textual asks the message it took whether the next one may be handled instead.
    assert not planned.can_replace(later)  # the plan would be lost
    assert later.can_replace(last)
    assert not later.can_replace(other_run)
    assert later.can_replace(RunProgress(1, "stage 3", 0, 2, (), planned=("a:x",)))

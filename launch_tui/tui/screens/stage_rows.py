"""The stage screen's actions on the selected check row: confirm it by hand, decide about it,
give it an owner. A base of :class:`~launch_tui.tui.screens.stage.StageScreen`, kept apart so
that the screen's module stays about showing the stage."""

from __future__ import annotations

from typing import TYPE_CHECKING

from launch_tui.core.bar_actions import acceptance_problem
from launch_tui.core.model import Status
from launch_tui.tui import edits
from launch_tui.tui.screens.base import LaunchScreen
from launch_tui.tui.text import ACTION_WORD
from launch_tui.tui.widgets.check_table import CheckTable

if TYPE_CHECKING:
    from launch_tui.tui.screens.decision import DecisionDraft
    from launch_tui.tui.screens.modals import ManualDraft


class StageRows(LaunchScreen):
    """Row actions of a stage screen (``stage_id`` and the ``#checks`` table are the screen's)."""

    stage_id: str

    def _selected(self) -> tuple[str, str] | None:
        key = self.query_one("#checks", CheckTable).selected_key
        return edits.parse_row_key(key) if key else None

    def action_confirm_manual(self) -> None:
        selected = self._selected()
        if selected is None:
            return
        check_id, target = selected
        playbook = self.launch.playbook
        spec = playbook.check(check_id)
        if check_id not in self.launch.manual_specs():
            self.launch.say(
                f"{check_id} is measured by the app: run it with r.", title="Not a manual check"
            )
            return
        if self.launch.refuse_edit():
            return

        from launch_tui.tui.screens.modals import ManualModal

        def done(draft: ManualDraft | None) -> None:
            if draft is None or self.launch.controller is None:
                return
            engineer = self.session.sprint.engineer
            updated = edits.confirm_manual(
                self.session,
                spec,
                holds=draft.holds,
                note=draft.note,
                link=draft.link,
                by=engineer or "engineer",
                now=self.launch.now(),
                target=target,
            )
            updated = edits.touch_stage(updated, self.stage_id, self.launch.now())
            self.launch.update_session(updated)

        self.app.push_screen(ManualModal(spec.title, spec.look_at or spec.fix), done)

    def action_decide(self) -> None:
        selected = self._selected()
        if self.launch.refuse_edit():
            return
        check_id, target = selected if selected is not None else ("", "")
        playbook = self.launch.playbook
        heading = playbook.stage(self.stage_id).title
        if check_id:
            heading = f"{check_id}" + (f" on {target}" if target else "")
        owner = edits.check_owner(self.session, check_id, target)

        from launch_tui.tui.screens.decision import DecisionModal

        def done(draft: DecisionDraft | None) -> None:
            if draft is None or self.launch.controller is None:
                return
            updated, decision, replaced = edits.decide(
                self.session,
                stage=self.stage_id,
                action=draft.action,
                text=draft.text,
                now=self.launch.now(),
                check_id=check_id,
                target="" if draft.whole_check else target,
                owner=draft.owner,
                due=draft.due,
            )
            updated = edits.touch_stage(updated, self.stage_id, self.launch.now())
            self.launch.update_session(updated)
            said = f"{decision.id}: {ACTION_WORD[decision.action]}"
            if replaced:
                said += " — replaces " + ", ".join(
                    f"{d.id} ({ACTION_WORD[d.action]})" for d in replaced
                )
            self.launch.say(said, title="Decision saved")

        self.app.push_screen(
            DecisionModal(
                heading,
                self.session.people,
                self.launch.now().date(),
                target=target,
                default_owner=owner,
                existing=edits.superseded_by(self.session, check_id, target),
                names={p.id: p.name for p in self.session.people},
                **self._accept_problems(check_id, target),
            ),
            done,
        )

    def _accept_problems(self, check_id: str, target: str) -> dict[str, str | None]:
        """Why an accepted risk on the row (or on every target of its check) would not count."""
        if not check_id:
            return {}
        results = self.session.results_for(check_id)
        row = next((r for r in results if r.target == target), None)
        whole = None
        if not any(r.status in (Status.FAIL, Status.ERROR) for r in results):
            whole = acceptance_problem(row or (results[0] if results else None))
        return {"accept_problem": acceptance_problem(row), "accept_problem_whole": whole}

    def action_assign_owner(self) -> None:
        selected = self._selected()
        if selected is None or self.launch.refuse_edit():
            return
        check_id, target = selected
        spec = self.launch.playbook.check(check_id)
        current = edits.check_owner(self.session, check_id, target)

        from launch_tui.tui.screens.modals import PersonPicker

        def done(person_id: str | None) -> None:
            if person_id is None or self.launch.controller is None:
                return
            updated = edits.assign_owner(
                self.session,
                edits.OwnedKind.CHECK,
                edits.row_key(check_id, target),
                person_id,
                now=self.launch.now(),
                stage_of_check=self.stage_id,
                check_title=spec.title,
            )
            self.launch.update_session(updated)

        heading = check_id + (f" on {target}" if target else "")
        self.app.push_screen(PersonPicker(heading, self.session.people, current), done)

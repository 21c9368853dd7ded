"""The stage screen's actions on the selected check row: confirm it by hand, decide about it,
give it an owner. A base of :class:`~launch_tui.tui.screens.stage.StageScreen`, kept apart so
that the screen's module stays about showing the stage."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from launch_tui.core.bar_actions import acceptance_problem
from launch_tui.core.model import STAGE_IDS, Action, CheckResult, Session, Status
from launch_tui.tui import edits
from launch_tui.tui.screens.base import LaunchScreen
from launch_tui.tui.target_edits import FORM_LABEL, TargetForm, form_named_by
from launch_tui.tui.text import ACTION_WORD
from launch_tui.tui.views import CheckRow
from launch_tui.tui.widgets.check_table import CheckTable

if TYPE_CHECKING:
    from launch_tui.tui.screens.decision import DecisionDraft
    from launch_tui.tui.screens.modals import ManualDraft


#: The check table's filters, in the order ``/`` cycles through them.
ROW_FILTERS = ("all", "failing", "undecided", "mine")

#: Statuses a row needs to be "failing" (what ``f`` jumps to).
FAILING = frozenset({Status.FAIL, Status.ERROR, Status.WARN})


class StageRows(LaunchScreen):
    """Row actions of a stage screen (``stage_id`` and the ``#checks`` table are the screen's)."""

    stage_id: str
    row_filter: str = "all"
    """Which rows the check table shows (one of :data:`ROW_FILTERS`)."""

    # --- moving around the rows --------------------------------------------------------------

    def filter_rows(self, rows: tuple[CheckRow, ...]) -> tuple[CheckRow, ...]:
        """``rows`` as the current filter lets them through."""
        if self.row_filter == "failing":
            return tuple(r for r in rows if r.status in FAILING)
        if self.row_filter == "undecided":
            return tuple(r for r in rows if r.status in FAILING and r.decision is None)
        if self.row_filter == "mine":
            me = self.session.sprint.engineer
            return tuple(
                r
                for r in rows
                if me and edits.check_owner(self.session, r.check_id, r.target) == me
            )
        return rows

    def action_cycle_filter(self) -> None:
        self.row_filter = ROW_FILTERS[(ROW_FILTERS.index(self.row_filter) + 1) % len(ROW_FILTERS)]
        table = self.query_one("#checks", CheckTable)
        table.filter_note = "" if self.row_filter == "all" else self.row_filter
        self.refresh_rows()
        self.launch.say(f"Showing {self.row_filter} rows.", title="Filter")

    def refresh_rows(self) -> None:
        """Show the stage's rows again (the screen fills the table)."""
        raise NotImplementedError

    def action_next_failing(self) -> None:
        self._jump_failing(1)

    def action_previous_failing(self) -> None:
        self._jump_failing(-1)

    def _jump_failing(self, step: int) -> None:
        table = self.query_one("#checks", CheckTable)
        statuses = table.row_statuses()
        count = len(statuses)
        for offset in range(1, count + 1):
            index = (table.cursor_row + step * offset) % count
            if statuses[index] in FAILING:
                table.move_cursor(row=index, animate=False, scroll=True)
                return
        self.launch.say("No failing row on this stage.", title="Next failing")

    def action_prev_stage(self) -> None:
        index = STAGE_IDS.index(self.stage_id)
        if index > 0:
            self._land(STAGE_IDS[index - 1])

    def action_next_stage(self) -> None:
        index = STAGE_IDS.index(self.stage_id)
        if index + 1 < len(STAGE_IDS):
            self._land(STAGE_IDS[index + 1])

    def action_goto_stage(self, number: int) -> None:
        if 1 <= number <= len(STAGE_IDS) and STAGE_IDS[number - 1] != self.stage_id:
            self._land(STAGE_IDS[number - 1])

    def _land(self, stage_id: str) -> None:
        """Go to a stage by key: always on its checks tab (a stage left on another tab would
        otherwise come back on it)."""
        self.launch.goto_stage(stage_id)
        screen = self.app.screen
        if isinstance(screen, StageRows):
            screen.land_on_checks()

    def land_on_checks(self) -> None:
        """Show the checks tab (the screen has the tabs)."""
        raise NotImplementedError

    # --- the targets -----------------------------------------------------------------------------

    def action_edit_target(self) -> None:
        """Edit what the selected row points at: the setting its skipped result names, else
        its route or host, else the DKIM selectors (email checks) or the network settings."""
        if self.launch.refuse_edit():
            return
        selected = self._selected()
        check_id, target = selected if selected is not None else ("", "")
        result = self.session.result(check_id, target) if check_id else None
        form = None
        if result is not None and result.status is Status.SKIPPED:
            form = form_named_by(result.summary)
        if form is TargetForm.ROUTE and self.session.route(target) is None:
            form = None
        if form is None:
            if self.session.route(target) is not None:
                form = TargetForm.ROUTE
            elif any(h.name == target for h in self.session.targets.hosts):
                form = TargetForm.HOSTS
            elif check_id.startswith("email."):
                form = TargetForm.SELECTORS
            else:
                form = TargetForm.NETWORK
        if form is TargetForm.ROUTE:
            self._edit_route(target)
        else:
            self._edit_targets(form, target)

    def _edit_route(self, name: str) -> None:
        from launch_tui.tui.screens.route_form import RouteDraft, RouteForm, apply_route

        route = self.session.route(name)
        if route is None:
            return

        def done(draft: RouteDraft | None) -> None:
            if draft is None or self.launch.controller is None:
                return
            updated = apply_route(self.session, name, draft, self.launch.now())
            self.launch.update_session(updated)
            self.launch.say(
                f"Route {name} saved; r runs this stage's checks with it.", title="Route"
            )

        self.app.push_screen(RouteForm(route), done)

    def _edit_targets(self, form: TargetForm, host: str) -> None:
        """Open the hosts, DKIM selectors or network form; save what it returns."""
        from launch_tui.core.errors import UsageError
        from launch_tui.tui import target_edits as te
        from launch_tui.tui.screens.target_forms import HostsForm, NetworkForm, SelectorsForm

        title = FORM_LABEL[form].removeprefix("the ").capitalize()

        def save(change: Callable[[Session], Session]) -> None:
            if self.launch.controller is None:
                return
            try:
                updated = change(self.session)
            except UsageError as exc:
                self.launch.say(str(exc), title=title)
                return
            self.launch.update_session(updated)
            self.launch.say(f"{title} saved; r runs this stage's checks with them.", title=title)

        def hosts_done(drafts: tuple[te.HostDraft, ...] | None) -> None:
            if drafts is not None:
                save(lambda s: te.apply_hosts(s, drafts))

        def selectors_done(value: str | None) -> None:
            if value is not None:
                save(lambda s: te.apply_selectors(s, value))

        def network_done(draft: te.NetworkDraft | None) -> None:
            if draft is not None:
                save(lambda s: te.apply_network(s, draft))

        if form is te.TargetForm.HOSTS:
            self.app.push_screen(HostsForm(self.session, focus=host), hosts_done)
        elif form is te.TargetForm.SELECTORS:
            self.app.push_screen(SelectorsForm(self.session), selectors_done)
        else:
            self.app.push_screen(NetworkForm(self.session), network_done)

    # --- deciding and confirming ---------------------------------------------------------------

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

    def action_toggle_mark(self) -> None:
        self.query_one("#checks", CheckTable).toggle_mark()

    def _decision_rows(self) -> list[tuple[str, str]]:
        """The rows a decision is about: the marked ones (space), else the selected one."""
        table = self.query_one("#checks", CheckTable)
        marked = table.marked_keys()
        if marked:
            return [edits.parse_row_key(key) for key in marked]
        selected = self._selected()
        return [selected] if selected is not None else []

    def _whole_check_problem(self, check_id: str) -> str | None:
        """Why an accepted risk on every target of the check would not count (none fails)."""
        results = self.session.results_for(check_id)
        if not check_id or any(r.status in (Status.FAIL, Status.ERROR) for r in results):
            return None
        return acceptance_problem(results[0] if results else None)

    def _row_result(self, check_id: str, target: str) -> CheckResult | None:
        return next((r for r in self.session.results_for(check_id) if r.target == target), None)

    def action_decide(self) -> None:
        if self.launch.refuse_edit():
            return
        rows = self._decision_rows()
        check_id, target = rows[0] if rows else ("", "")
        several = len(rows) > 1
        heading = self.launch.playbook.stage(self.stage_id).title
        if several:
            named = ", ".join(c + (f" on {t}" if t else "") for c, t in rows[:3])
            heading = f"{len(rows)} marked rows: {named}" + ("…" if len(rows) > 3 else "")
        elif check_id:
            heading = f"{check_id}" + (f" on {target}" if target else "")
        problems = {row: acceptance_problem(self._row_result(*row)) for row in rows}
        # Rows with nothing to accept yet: no result, skipped, or waiting for confirmation. They
        # can be recorded as not verified and accepted in the same step; a passing row cannot.
        unverified = [row for row, problem in problems.items() if problem is not None]
        verifiable = all(
            (result := self._row_result(*row)) is None
            or result.status in (Status.SKIPPED, Status.MANUAL)
            for row in unverified
        )
        first_problem = (
            next(
                (f"{c}{f' on {t}' if t else ''}: {p}" if several else p)
                for (c, t), p in problems.items()
                if p is not None
            )
            if unverified
            else None
        )
        whole = None if several else self._whole_check_problem(check_id)

        from launch_tui.tui.screens.decision import DecisionModal

        def done(draft: DecisionDraft | None) -> None:
            if draft is None or self.launch.controller is None:
                return
            session = self.session
            now = self.launch.now()
            saved: list[str] = []
            for row_check, row_target in rows:
                if (
                    draft.not_verified
                    and draft.action is Action.ACCEPT_RISK
                    and problems[(row_check, row_target)] is not None
                ):
                    session = edits.confirm_manual(
                        session,
                        self.launch.playbook.check(row_check),
                        holds=False,
                        note=f"Not verified: {draft.text}",
                        link="",
                        by=session.sprint.engineer or "engineer",
                        now=now,
                        target=row_target,
                    )
                session, decision, replaced = edits.decide(
                    session,
                    stage=self.stage_id,
                    action=draft.action,
                    text=draft.text,
                    now=now,
                    check_id=row_check,
                    target="" if draft.whole_check and not several else row_target,
                    owner=draft.owner,
                    due=draft.due,
                )
                said = f"{decision.id}: {ACTION_WORD[decision.action]}"
                if replaced:
                    said += " (replaces " + ", ".join(d.id for d in replaced) + ")"
                saved.append(said)
            session = edits.touch_stage(session, self.stage_id, now)
            session = edits.remember_decision(session, draft.action, draft.owner, draft.due)
            self.launch.update_session(session)
            self.query_one("#checks", CheckTable).clear_marks()
            summary = saved[0] if len(saved) == 1 else f"{len(saved)} decisions: {', '.join(saved)}"
            self.launch.say(summary, title="Decision saved")

        self.app.push_screen(
            DecisionModal(
                heading,
                self.session.people,
                self.launch.now().date(),
                target="" if several else target,
                default_owner=edits.check_owner(self.session, check_id, target),
                existing=() if several else edits.superseded_by(self.session, check_id, target),
                names={p.id: p.name for p in self.session.people},
                accept_problem=first_problem,
                accept_problem_whole=whole,
                unverified=bool(unverified) and verifiable,
                remembered=self._remembered(),
            ),
            done,
        )

    def _remembered(self) -> DecisionDraft | None:
        """The last decision's action, owner and due date, as the session's ``[ui]`` keeps
        them (the owner only while that person is still in the session)."""
        from launch_tui.tui.screens.decision import DecisionDraft

        ui = self.session.ui
        if ui.last_action is None:
            return None
        owner = ui.last_owner if self.session.person(ui.last_owner) is not None else ""
        return DecisionDraft(ui.last_action, "", owner, ui.last_due, whole_check=False)

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

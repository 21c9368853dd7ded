"""Session edits the TUI makes, as pure functions."""

from __future__ import annotations

from datetime import date

from conftest import DATA, FIXED_NOW

from launch_tui.core.model import Action, CheckOwner, StageStatus, Status
from launch_tui.core.playbook import builtin_playbook
from launch_tui.core.readiness import BarState, compute_readiness
from launch_tui.store import load_session
from launch_tui.tui import edits, validation

PLAYBOOK = builtin_playbook()
SESSION = load_session(DATA / "brightlane.toml")


def test_record_decision_numbers_and_stamps_it() -> None:
    session, decision = edits.record_decision(
        SESSION,
        stage="delivery",
        action=Action.ACCEPT_RISK,
        text="  Staging  chain can wait ",
        now=FIXED_NOW,
        check_id="tls.certificate",
        target="staging.brightlane.test",
        owner="priya",
        due=date(2026, 5, 20),
    )
    assert decision.id == "d5"
    assert decision.text == "Staging chain can wait"
    assert decision.decided_at == FIXED_NOW
    assert session.decisions[-1] == decision


def test_owned_accept_risk_moves_the_bar_item() -> None:
    before = compute_readiness(SESSION, PLAYBOOK).item("handover")
    assert before.state is BarState.NOT_MET
    session, _ = edits.record_decision(
        SESSION,
        stage="handover",
        action=Action.ACCEPT_RISK,
        text="Second admins are added next week.",
        now=FIXED_NOW,
        check_id="handover.access_map",
        owner="maya",
    )
    after = compute_readiness(session, PLAYBOOK).item("handover")
    assert after.blocking == ()
    assert [r.check_id for r in after.accepted] == ["handover.access_map"]
    assert after.state is BarState.PENDING  # rollback notes and the runbook are still to do


def test_confirm_manual_records_note_link_and_who() -> None:
    spec = PLAYBOOK.check("edge.ddos")
    session = edits.confirm_manual(
        SESSION,
        spec,
        holds=True,
        note="Managed ruleset on, rate limit on /login\nsecond line",
        link="https://dash.example/ddos",
        by="sam",
        now=FIXED_NOW,
    )
    result = session.result("edge.ddos")
    assert result is not None and result.status is Status.PASS
    assert result.summary == "Managed ruleset on, rate limit on /login"
    assert result.evidence["link"] == "https://dash.example/ddos"
    assert result.evidence["confirmed_by"] == "sam"
    again = edits.confirm_manual(
        session, spec, holds=False, note="", link="", by="sam", now=FIXED_NOW
    )
    changed = again.result("edge.ddos")
    assert changed is not None and changed.status is Status.FAIL and changed.changed


def test_assign_check_sets_then_moves_then_clears_its_owner() -> None:
    key = edits.row_key("http.cookies", "login")
    session = edits.assign_owner(
        SESSION, edits.OwnedKind.CHECK, key, "priya", now=FIXED_NOW, stage_of_check="delivery"
    )
    assert edits.check_owner(session, "http.cookies", "login") == "priya"
    assert session.decisions == SESSION.decisions  # ownership is no decision
    moved = edits.assign_owner(session, edits.OwnedKind.CHECK, key, "maya", now=FIXED_NOW)
    mine = [o for o in moved.owners if (o.check_id, o.target) == ("http.cookies", "login")]
    assert mine == [CheckOwner("http.cookies", "login", "maya")]
    assert len(moved.owners) == len(session.owners)  # the others are kept
    cleared = edits.assign_owner(moved, edits.OwnedKind.CHECK, key, "", now=FIXED_NOW)
    assert edits.check_owner(cleared, "http.cookies", "login") == ""
    assert len(cleared.owners) == len(session.owners) - 1


def test_assign_stage_service_and_secret() -> None:
    s = edits.assign_owner(SESSION, edits.OwnedKind.STAGE, "deploy", "priya", now=FIXED_NOW)
    assert s.stage("deploy").owner == "priya"
    s = edits.assign_owner(s, edits.OwnedKind.SERVICE, "Vercel", "priya", now=FIXED_NOW)
    assert next(x for x in s.services if x.name == "Vercel").owner == "priya"
    s = edits.assign_owner(s, edits.OwnedKind.SECRET, "POSTBIRD_API_KEY", "maya", now=FIXED_NOW)
    assert next(x for x in s.secrets if x.name == "POSTBIRD_API_KEY").owner == "maya"


def test_stage_status_minutes_notes_and_ui() -> None:
    s = edits.touch_stage(SESSION, "deploy", FIXED_NOW)
    assert s.stage("deploy").status is StageStatus.IN_PROGRESS
    assert s.stage("deploy").started_at == FIXED_NOW
    s = edits.set_stage_status(s, "deploy", StageStatus.DONE, FIXED_NOW)
    assert s.stage("deploy").finished_at == FIXED_NOW
    s = edits.add_stage_minutes(s, "deploy", 7)
    assert s.stage("deploy").minutes_spent == 7
    s = edits.set_stage_notes(s, "deploy", "rollback took 4 min")
    assert s.stage("deploy").notes == "rollback took 4 min"
    s = edits.set_ui(s, "deploy", "deploy.health:health")
    assert (s.ui.stage, s.ui.selection) == ("deploy", "deploy.health:health")
    assert edits.set_ui(s, "nowhere", "").ui.stage == "audit"


def test_template_keeps_set_up_and_drops_findings() -> None:
    copy = edits.from_template(SESSION, "Harbourline", "harbourline", FIXED_NOW)
    assert copy.sprint.client == "Harbourline" and copy.sprint.id == "harbourline"
    assert copy.targets == SESSION.targets and copy.people == SESSION.people
    assert copy.results == () and copy.decisions == ()
    assert all(copy.stage(s).status is StageStatus.TODO for s in copy.stages)


def test_add_person_makes_unique_ids() -> None:
    s = edits.add_person(SESSION, "Priya Raman", "Ops", "", "client")
    assert s.people[-1].id == "priya-raman"
    s = edits.add_person(s, "Priya Raman", "Ops", "", "contractor")
    assert s.people[-1].id == "priya-raman-2"


def test_row_keys_round_trip() -> None:
    assert edits.parse_row_key(edits.row_key("dns.records", "a.b:c")) == ("dns.records", "a.b:c")
    assert edits.parse_row_key("audit.stack") == ("audit.stack", "")


def test_wizard_validators_give_reasons() -> None:
    assert validation.hostname("acme.example") is None
    assert validation.hostname("https://acme.example") is not None
    assert validation.hostname("acme") is not None
    assert validation.url("") is None
    assert validation.url("ftp://x") is not None
    assert validation.email("sam@x.example") is None and validation.email("sam") is not None
    assert validation.selectors("google, s1") is None
    assert validation.selectors("bad selector!") is not None
    assert validation.due_date("+3d") is None and validation.due_date("soon") is not None
    assert validation.parse_due("+1w", date(2026, 5, 5)) == date(2026, 5, 12)
    assert validation.parse_due("", date(2026, 5, 5)) is None
    assert validation.folder("/definitely/not/here") is not None

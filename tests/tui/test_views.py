"""The screens' view values, computed from a session without running the app."""

from __future__ import annotations

from datetime import UTC, datetime

from conftest import DATA, FIXED_NOW

from launch_tui.core.display import fmt_ms
from launch_tui.core.model import Action, Status
from launch_tui.core.playbook import builtin_playbook
from launch_tui.store import load_session
from launch_tui.tui import deliverables, home_rows, owners, views
from launch_tui.tui.edits import OwnedKind, row_key

PLAYBOOK = builtin_playbook()
SESSION = load_session(DATA / "brightlane.toml")


def test_stage_rows_list_every_check_of_the_stage_with_its_results() -> None:
    rows = views.stage_rows(SESSION, PLAYBOOK, "delivery", implemented={"tls.certificate"})
    ids = {r.check_id for r in rows}
    assert ids == {c.id for c in PLAYBOOK.stage("delivery").checks}
    app = next(r for r in rows if r.key == row_key("tls.certificate", "app.brightlane.test"))
    assert app.status is Status.FAIL
    assert app.changed  # it passed on the previous run
    assert app.decision is Action.FIX
    assert app.runnable
    origin = next(r for r in rows if r.check_id == "edge.origin_exposed")
    assert origin.status is None and not origin.runnable
    assert "confirm by hand" in origin.summary


def test_manual_check_without_result_waits_for_the_engineer() -> None:
    rows = views.stage_rows(SESSION, PLAYBOOK, "delivery")
    ddos = next(r for r in rows if r.check_id == "edge.ddos")
    assert ddos.manual and ddos.status is None
    assert ddos.summary == "waiting for your confirmation"


def test_detail_carries_evidence_decisions_and_owner() -> None:
    view = views.detail_for(SESSION, PLAYBOOK, row_key("tls.certificate", "app.brightlane.test"))
    assert view is not None
    assert ("days_left", "5") in view.evidence
    assert view.owner == "Sam Carter"
    assert view.previous_status is Status.PASS
    assert [d.id for d in view.decisions] == ["d4"]
    assert "certificate" in view.fix.lower()


def test_evidence_lines_flatten_nested_values_and_clean_them() -> None:
    lines = views.evidence_lines(
        {
            "findings": [{"path": "a.js", "line": 3}],
            "names": ["x", "y"],
            "ok": True,
            "none": None,
            "header": "evil\x1b]0;title\x07[/b]",
        }
    )
    assert ("findings[0].path", "a.js") in lines
    assert ("names", "x") in lines and ("", "y") in lines
    assert ("ok", "yes") in lines and ("none", "(null)") in lines
    header = dict(lines)["header"]
    assert "\x1b" not in header and "\x07" not in header and "[/b]" in header


def test_clock_counts_the_sprint_hours() -> None:
    clock = views.clock_view(SESSION, FIXED_NOW)
    assert clock.label == "24.5 h of 48 h"
    assert 0.5 < clock.fraction < 0.52
    late = views.clock_view(SESSION, datetime(2026, 5, 7, tzinfo=UTC))
    assert late.overdue and late.fraction == 1.0
    assert late.label == "63.5 h of 48 h"
    reopened = views.clock_view(SESSION, datetime(2026, 6, 4, 8, 30, tzinfo=UTC))
    assert reopened.label == "31.0 d of 48 h"


def test_every_stage_has_a_deliverable_with_tables() -> None:
    for stage in PLAYBOOK.stages:
        view = deliverables.deliverable_for(SESSION, PLAYBOOK, stage.id, FIXED_NOW.date())
        assert view.name == stage.deliverable.name
        assert view.tables, stage.id


def test_domain_map_has_one_row_per_host_with_tls_status() -> None:
    table = deliverables.domain_map_table(SESSION, FIXED_NOW.date())
    hosts = [row[0].text for row in table.rows]
    assert hosts[0] == "brightlane.test"
    assert "staging.brightlane.test" in hosts
    app = next(row for row in table.rows if row[0].text == "app.brightlane.test")
    assert app[3].status is Status.FAIL


def test_slowest_routes_and_latency_series_in_stage_two() -> None:
    view = deliverables.deliverable_for(SESSION, PLAYBOOK, "request-path", FIXED_NOW.date())
    slowest = view.tables[0]
    assert slowest.rows[0][0].text == "dashboard"
    assert len(slowest.rows) == 5
    assert {s.label for s in view.series} >= {"home", "dashboard"}
    assert all(len(s.values) == 40 for s in view.series)


def test_risk_list_ranks_auth_before_secrets() -> None:
    view = deliverables.deliverable_for(SESSION, PLAYBOOK, "audit", FIXED_NOW.date())
    risks = view.tables[0]
    assert risks.rows[0][1].text == "Broken auth"
    areas = [row[1].text for row in risks.rows]
    assert areas.index("Leaked secrets") > areas.index("Broken auth")


def test_assignables_cover_every_kind_and_owned_by_filters() -> None:
    items = owners.assignables(SESSION, PLAYBOOK)
    assert {i.kind for i in items} == set(OwnedKind)
    priya = owners.owned_by(SESSION, PLAYBOOK, "priya")
    assert any(i.kind is OwnedKind.SERVICE and i.ref == "Cloudflare" for i in priya)
    assert any(i.kind is OwnedKind.DECISION and i.ref == "d1" for i in priya)
    sam = owners.owned_by(SESSION, PLAYBOOK, "sam")
    assert any(i.kind is OwnedKind.CHECK for i in sam)  # through the fix decision d4


def test_formatting_helpers() -> None:
    assert views.fmt_minutes(0) == "—"
    assert views.fmt_minutes(42) == "42m"
    assert views.fmt_minutes(125) == "2h05"
    assert fmt_ms(None) == "—" and fmt_ms(85) == "85 ms"
    assert fmt_ms(1400) == "1.4 s"
    now = FIXED_NOW
    assert views.fmt_ago(now, now) == "just now"
    assert views.fmt_ago(datetime(2026, 5, 5, 8, 0, tzinfo=UTC), now) == "1 h ago"
    assert home_rows.progress_glyphs(()) == "·······"


def test_a_running_checks_items_are_rows_from_the_start() -> None:
    """Queued items without a result are rows of their own (results fill them in); items with
    a result show it; a check not run yet is replaced by its queued targets."""
    origin = [row_key("edge.origin_exposed", h) for h in ("www.brightlane.test", "new.test")]
    have = row_key("tls.certificate", "app.brightlane.test")
    rows = views.stage_rows(
        SESSION,
        PLAYBOOK,
        "delivery",
        implemented={"tls.certificate", "edge.origin_exposed"},
        queued=[*origin, have],
    )
    by_key = {r.key: r for r in rows}
    for key in origin:
        assert by_key[key].status is None
        assert by_key[key].summary == views.QUEUED_SUMMARY
        assert by_key[key].runnable
    assert row_key("edge.origin_exposed", "") not in by_key  # its "not run yet" row
    assert by_key[have].status is Status.FAIL  # the last result stays until the new one
    without = views.stage_rows(SESSION, PLAYBOOK, "delivery", implemented={"tls.certificate"})
    assert len(rows) == len(without) - 1 + len(origin)


def test_queued_targets_keep_their_colons_and_stay_in_their_stage() -> None:
    url = "https://app.brightlane.test:8443/login"
    queued = [row_key("tls.certificate", url), row_key("secrets.repo", "")]
    rows = views.stage_rows(SESSION, PLAYBOOK, "delivery", {"tls.certificate"}, queued)
    waiting = [r for r in rows if r.summary == views.QUEUED_SUMMARY]
    assert [(r.check_id, r.target) for r in waiting] == [("tls.certificate", url)]

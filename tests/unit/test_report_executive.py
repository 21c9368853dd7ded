"""Page one of the report and the printed appendix's digest, from the golden session."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from launch_tui.core.handover import SignOff
from launch_tui.core.playbook import builtin_playbook
from launch_tui.report.context import build_context
from launch_tui.report.digest import digest
from launch_tui.report.executive import MUST_FIX_LIMIT
from launch_tui.report.sections import SECTIONS
from launch_tui.report.views import ResultView
from launch_tui.store import load_session

SESSION = Path(__file__).resolve().parent.parent / "data" / "report" / "session.toml"
NOW = datetime(2026, 5, 6, 10, 0, tzinfo=UTC)


def _context(**changes: object):  # type: ignore[no-untyped-def]
    session = load_session(SESSION)
    if changes:
        session = replace(session, **changes)  # type: ignore[arg-type]
    return build_context(session, builtin_playbook(), NOW, SECTIONS)


def test_must_fix_lists_the_worst_checks_once_each_with_owner_and_date() -> None:
    r = _context()
    x = r.executive
    assert 3 <= len(x.must_fix) <= MUST_FIX_LIMIT
    titles = [f.title for f in x.must_fix]
    assert len(set(titles)) == len(titles), "a check failing on two targets is one item"
    # In the risk list's order: the first item is the risk list's first open finding.
    assert x.must_fix[0].title == r.risks.open[0].result.title
    owned = next(f for f in x.must_fix if f.owner)
    assert owned.due and owned.action
    assert x.more == len({f.result.check_id for f in r.risks.open}) - len(x.must_fix)


def test_live_and_needs_work_split_the_nine_bar_items() -> None:
    r = _context()
    x = r.executive
    assert len(x.live) + len(x.needs_work) == len(r.handover.bar) == 9
    assert {i.state for i in x.live} <= {"met", "accepted"}
    assert all(i.state in ("not_met", "pending") and i.reason for i in x.needs_work)


def test_sign_off_names_both_people_once_signed() -> None:
    assert not _context().executive.sign_off.signed
    session = load_session(SESSION)
    engineer = session.sprint.engineer
    client = next(p.id for p in session.people if p.org.value == "client" and p.id != engineer)
    signed = replace(
        session.handover,
        sign_off=SignOff(engineer, client, datetime(2026, 5, 6, 9, 0, tzinfo=UTC)),
    )
    view = _context(handover=signed).executive.sign_off
    assert view.signed and view.date == "2026-05-06"
    assert view.handed_over_by and view.received_by and view.handed_over_by != view.received_by


def _result(check: str, target: str, status: str) -> ResultView:
    return ResultView(
        check, check, target, status, status, "high", f"{check} {status}", "", (), "", ()
    )


def test_the_digest_has_one_line_per_check_with_its_worst_result() -> None:
    lines = digest(
        (
            _result("tls.certificate", "www", "pass"),
            _result("tls.certificate", "app", "fail"),
            _result("tls.certificate", "api", "pass"),
            _result("dns.records", "", "pass"),
        )
    )
    assert [(d.check_id, d.status) for d in lines] == [
        ("tls.certificate", "fail"),
        ("dns.records", "pass"),
    ]
    assert lines[0].targets == "3 targets: 1 fail, 2 pass"
    assert lines[0].summary == "tls.certificate fail"
    assert lines[1].targets == ""

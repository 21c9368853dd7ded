"""Every open row's detail says how to close it: m for checks confirmed by hand (manual or not
automated yet), the setting a skipped check names, d for a failure."""

from __future__ import annotations

from dataclasses import replace

from test_views import PLAYBOOK, SESSION

from launch_tui.core.model import CheckResult, Severity, Status
from launch_tui.tui.edits import row_key
from launch_tui.tui.views import detail_for
from launch_tui.tui.widgets.detail import render_detail


def test_a_check_not_automated_yet_says_press_m() -> None:
    view = detail_for(SESSION, PLAYBOOK, row_key("edge.origin_exposed", ""), implemented=set())
    assert view is not None and view.closing.startswith("Press m to confirm it")
    assert "Press m to confirm it" in render_detail(view).plain


def test_a_skipped_check_names_the_setting_that_unblocks_it() -> None:
    skipped = CheckResult(
        "perf.latency",
        "book",
        Status.SKIPPED,
        Severity.HIGH,
        "Not sent: book is a write route (POST); set safe_to_repeat once the client agrees.",
        {},
    )
    session = replace(SESSION, results=(*SESSION.results, skipped))
    view = detail_for(session, PLAYBOOK, row_key("perf.latency", "book"))
    assert view is not None
    assert "safe_to_repeat" in view.closing and "r runs it again" in view.closing


def test_a_failure_says_press_d() -> None:
    view = detail_for(SESSION, PLAYBOOK, row_key("tls.certificate", "app.brightlane.test"))
    assert view is not None and view.closing.startswith("Press d")

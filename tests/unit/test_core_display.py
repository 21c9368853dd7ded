"""The shared display helpers: one status order, one millisecond formatter, one name lookup."""

from __future__ import annotations

from dataclasses import replace

import pytest

from launch_tui.core.display import PRECISE_MS, REPORT_MS, TABLE_MS, fmt_ms, person_name
from launch_tui.core.model import STATUS_ORDER, Person, Status
from tests.check_reports import make_session


def test_status_order_is_worst_first_and_covers_every_status() -> None:
    assert set(STATUS_ORDER) == set(Status)
    assert [s.rank for s in STATUS_ORDER] == list(range(len(Status)))
    assert sorted(Status, key=lambda s: s.rank) == [
        Status.FAIL,
        Status.ERROR,
        Status.WARN,
        Status.MANUAL,
        Status.SKIPPED,
        Status.PASS,
    ]


@pytest.mark.parametrize(
    ("value", "table", "report", "precise"),
    [
        (None, "—", "—", "—"),
        (4.25, "4 ms", "4 ms", "4.2 ms"),
        (9.96, "10 ms", "10 ms", "10.0 ms"),
        (142.4, "142 ms", "142 ms", "142 ms"),
        (999.4, "999 ms", "999 ms", "999 ms"),
        (1000, "1.0 s", "1000 ms", "1.00 s"),
        (1404, "1.4 s", "1404 ms", "1.40 s"),
        (9_999, "10.0 s", "9999 ms", "10.00 s"),
        (10_000, "10 s", "10.0 s", "10.00 s"),
        (12_345, "12 s", "12.3 s", "12.35 s"),
    ],
)
def test_fmt_ms_keeps_each_surfaces_precision(
    value: float | None, table: str, report: str, precise: str
) -> None:
    assert fmt_ms(value) == fmt_ms(value, TABLE_MS) == table
    assert fmt_ms(value, REPORT_MS) == report
    assert fmt_ms(value, PRECISE_MS) == precise


def test_person_name_looks_up_the_id_and_falls_back_to_it() -> None:
    session = make_session()
    assert person_name(session, "priya") == "Priya Raman"
    assert person_name(session, " priya ") == "Priya Raman"
    assert person_name(session, "lee") == "lee"
    assert person_name(session, "  ") == ""


def test_person_name_is_cleaned_and_cut() -> None:
    session = replace(make_session(), people=(Person("x", "Eve\u202e\nMallory" + "y" * 200),))
    name = person_name(session, "x", max_len=20)
    assert "\u202e" not in name and "\n" not in name
    assert len(name) == 20 and name.endswith("…")

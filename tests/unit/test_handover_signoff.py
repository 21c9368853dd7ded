"""Signing the handover off makes check results read-only until it is reopened."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from launch_tui.checks import Selection
from launch_tui.checks.engine.context import CheckServices
from launch_tui.checks.engine.session_run import run_session_checks
from launch_tui.core.errors import CheckError, UsageError
from launch_tui.core.model import Organisation, Person, Session, Sprint, Status
from launch_tui.core.signoff import refusal, reopen, sign, sign_off_line

NOW = datetime(2026, 3, 1, 14, 5, tzinfo=UTC)
LATER = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SESSION = Session(
    sprint=Sprint("t", "Acme", "App", "sam", NOW),
    people=(
        Person("sam", "Sam Carter", org=Organisation.CONTRACTOR),
        Person("maya", "Maya Okafor"),
    ),
)
HANDOVER_ONLY = Selection(check_ids=frozenset({"handover.limitations"}))


def test_sign_records_who_and_when() -> None:
    signed = sign(SESSION, "sam", "maya", NOW)
    assert signed.handover.signed_off
    assert sign_off_line(signed) == (
        "Signed off on 2026-03-01 14:05 UTC by Sam Carter to Maya Okafor"
    )
    assert "read-only" in refusal(signed)
    assert refusal(SESSION) == ""


@pytest.mark.parametrize(
    ("giver", "taker", "says"),
    [
        ("sam", "nobody", "Not one of the session's people: 'nobody'"),
        ("maya", "maya", "must differ"),
        ("maya", "sam", "Sam Carter is on the contractor's side"),
    ],
)
def test_bad_sign_offs_are_usage_errors(giver: str, taker: str, says: str) -> None:
    with pytest.raises(UsageError, match=says):
        sign(SESSION, giver, taker, NOW)


def test_reopen_keeps_the_record_and_allows_a_new_sign_off() -> None:
    signed = sign(SESSION, "sam", "maya", NOW)
    with pytest.raises(UsageError, match="already signed off"):
        sign(signed, "sam", "maya", LATER)
    reopened = reopen(signed, "maya", LATER)
    assert not reopened.handover.signed_off
    assert reopened.handover.sign_off is not None
    assert reopened.handover.sign_off.signed_at == NOW
    assert sign_off_line(reopened).endswith("; reopened on 2026-03-02 09:00 UTC by Maya Okafor")
    with pytest.raises(UsageError, match="nothing to reopen"):
        reopen(reopened, "maya", LATER)
    assert sign(reopened, "sam", "maya", LATER).handover.signed_off


async def test_a_signed_off_session_refuses_check_runs_until_reopened() -> None:
    signed = sign(SESSION, "sam", "maya", NOW)
    with pytest.raises(CheckError, match=r"read-only\. Reopen the handover"):
        await run_session_checks(signed, HANDOVER_ONLY, CheckServices())
    after = await run_session_checks(reopen(signed, "maya", LATER), HANDOVER_ONLY, CheckServices())
    result = after.result("handover.limitations")
    assert result is not None and result.status is Status.FAIL


async def test_results_of_a_run_are_dropped_if_signed_off_meanwhile() -> None:
    saved: list[Session] = []

    def save(fold):  # type: ignore[no-untyped-def]
        saved.append(fold(sign(SESSION, "sam", "maya", NOW)))
        return saved[-1]

    await run_session_checks(SESSION, HANDOVER_ONLY, CheckServices(), save=save)
    assert saved and saved[0].results == ()

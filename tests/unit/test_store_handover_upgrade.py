"""Opening a real demo session written before the handover had fields upgrades it: the five
handover manual checks' notes and links land in ``[handover]`` with nothing lost, the upgrade is
written on the next save (hand comments kept), and the fields, the sign-off included, survive a
save and a reopen."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from launch_tui.core import toml_read
from launch_tui.core.errors import SessionValidationError
from launch_tui.core.handover import Limitation, MonitoringLink, SupportKind, SupportPath
from launch_tui.core.model import SCHEMA_VERSION, Session
from launch_tui.core.session_codec import session_from_data
from launch_tui.core.signoff import refusal, reopen, sign
from launch_tui.store import load_session, open_session
from launch_tui.store.migrate import MIGRATIONS, migrate
from launch_tui.store.migrate_handover import MOVED

FIXTURE = Path(__file__).parents[1] / "data" / "sessions" / "demo-handover-v1.toml"


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    path = tmp_path / "demo.toml"
    shutil.copyfile(FIXTURE, path)
    return path


def _evidence_before() -> dict[str, dict[str, Any]]:
    data = toml_read.loads(FIXTURE.read_text("utf-8"))
    return {e["check"]: dict(e["evidence"]) for e in data["results"] if e["check"] in MOVED}


def _as_of_version_2() -> Session:
    """The fixture upgraded by every migration except the handover's: what it held before."""
    data = toml_read.loads(FIXTURE.read_text("utf-8"))
    before_handover = [m for m in MIGRATIONS if m.from_version < 2]
    migrate(data, target=2, migrations=before_handover)
    return session_from_data(data)


def test_opening_upgrades_the_handover_notes_into_the_fields(copy: Path) -> None:
    text = copy.read_text("utf-8")
    with open_session(copy) as handle:
        assert handle.migrated_from == 1
        session = handle.session
        assert copy.read_text("utf-8") == text  # opening never writes
    assert session.schema_version == SCHEMA_VERSION
    handover = session.handover
    evidence = _evidence_before()

    (env,) = handover.env_changes
    assert env.steps == evidence["handover.env_changes"]["note"]
    assert env.links == (evidence["handover.env_changes"]["link"],)
    assert handover.rollback.steps == evidence["handover.rollback_notes"]["note"]
    assert handover.rollback.links == (evidence["handover.rollback_notes"]["link"],)
    assert handover.support == (
        SupportPath(SupportKind.INCIDENT, notes=evidence["handover.support_paths"]["note"]),
    )
    assert handover.limitations == (
        Limitation("Single API droplet: no failover"),
        Limitation("Emails sent inline in the request, no queue"),
        Limitation("Admin panel on Render is outside the deploy pipeline"),
    )
    assert [s.text for s in handover.next_steps] == [
        "Put admin.brightlane.test behind Cloudflare Access",
        "Move email sending to a queue",
        "Add a second droplet behind a load balancer",
        "https://linear.example/brightlane/roadmap",
    ]
    assert handover.sign_off is None and not handover.signed_off


def test_nothing_is_lost_in_the_upgrade(copy: Path) -> None:
    old = _as_of_version_2()
    new = load_session(copy)
    # Every part of the session but the handover and the moved results' evidence is as it was.
    moved = {r.check_id for r in old.results if r.check_id in MOVED}
    assert moved == set(MOVED)
    assert replace(new, handover=old.handover, results=old.results, schema_version=2) == old
    for was, now in zip(old.results, new.results, strict=True):
        if was.check_id not in MOVED:
            assert now == was
            continue
        assert replace(now, evidence=was.evidence) == was  # status, summary, times: kept
        assert now.evidence == {
            **{k: v for k, v in was.evidence.items() if k not in ("note", "link", "links")},
            "moved_to": "handover",
        }
    # Every line of every note and every link is in the fields.
    fields = repr(new.handover)
    for entry in _evidence_before().values():
        for line in str(entry["note"]).splitlines():
            assert line.lstrip("-*0123456789. ").strip() in fields
        if "link" in entry:
            assert entry["link"] in fields


def test_the_upgrade_is_saved_and_reopens_the_same(copy: Path) -> None:
    with open_session(copy) as handle:
        upgraded = handle.session
        saved = handle.save(upgraded)  # the session did not change; its format did
    assert saved == upgraded
    text = copy.read_text("utf-8")
    assert f"schema_version = {SCHEMA_VERSION}\n" in text
    assert "[handover.rollback]" in text and "[[handover.limitations]]" in text
    assert 'moved_to = "handover"' in text
    assert "# Fixture: a real demo session" in text  # comments made by hand survive
    assert load_session(copy) == upgraded
    with open_session(copy) as handle:
        assert handle.migrated_from is None  # already at the current version


def test_edited_fields_and_the_sign_off_persist(copy: Path) -> None:
    signed_at = datetime(2026, 12, 8, 17, 30, tzinfo=UTC)
    with open_session(copy) as handle:
        session = handle.session
        edited = replace(
            session,
            handover=replace(
                session.handover,
                monitoring_links=(MonitoringLink("Status", "https://status.brightlane.test"),),
                limitations=session.handover.limitations[1:],
            ),
        )
        handle.save(sign(edited, "sam", "maya", signed_at))
    reopened = load_session(copy)
    assert reopened.handover.monitoring_links == (
        MonitoringLink("Status", "https://status.brightlane.test"),
    )
    assert reopened.handover.limitations == edited.handover.limitations
    sign_off = reopened.handover.sign_off
    assert sign_off is not None
    assert (sign_off.handed_over_by, sign_off.received_by, sign_off.signed_at) == (
        "sam",
        "maya",
        signed_at,
    )
    assert reopened.handover.signed_off and "read-only" in refusal(reopened)

    later = datetime(2026, 12, 9, 9, 0, tzinfo=UTC)
    with open_session(copy) as handle:
        handle.save(reopen(handle.session, "priya", later))
    again = load_session(copy).handover
    assert again.sign_off is not None and again.sign_off.reopened_at == later
    assert again.sign_off.reopened_by == "priya" and not again.signed_off


def test_a_bad_handover_value_is_refused_with_its_line(copy: Path) -> None:
    with open_session(copy) as handle:
        handle.save(handle.session)
    text = copy.read_text("utf-8")
    broken = text.replace(
        '[[handover.support]]\nkind = "incident"', '[[handover.support]]\nkind = "wish"'
    )
    assert broken != text
    copy.write_text(broken, "utf-8")
    with pytest.raises(SessionValidationError) as caught:
        load_session(copy)
    error = caught.value
    assert error.key == "handover.support[0].kind"
    assert broken.splitlines()[error.line - 1].startswith("kind = ")
    assert "incident" in str(error) and "feature-request" in str(error)

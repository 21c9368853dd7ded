"""The handover migration moves the manual checks' notes into the structured fields, losing
nothing: tested on a copy of a real demo session file written at schema_version 1."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tomlkit

from launch_tui.core import toml_read
from launch_tui.core.handover import (
    EnvChange,
    Handover,
    Limitation,
    MonitoringLink,
    NextStep,
    Rollback,
    SignOff,
    SupportKind,
    SupportPath,
)
from launch_tui.core.handover_codec import (
    HandoverDataError,
    handover_from_data,
    handover_to_data,
)
from launch_tui.store.migrate_handover import MOVED, move_handover_notes

FIXTURE = Path(__file__).parent.parent / "data" / "sessions" / "demo-handover-v1.toml"


def notes_and_links(data: dict[str, Any]) -> dict[str, tuple[str, list[str]]]:
    found = {}
    for entry in data["results"]:
        if entry["check"] in MOVED:
            ev = entry["evidence"]
            links = [ev["link"]] if "link" in ev else []
            found[entry["check"]] = (ev.get("note", ""), links)
    return found


def test_migration_moves_every_note_and_link_into_the_fields(tmp_path: Path) -> None:
    copy = tmp_path / "demo.toml"
    shutil.copyfile(FIXTURE, copy)
    data = toml_read.loads(copy.read_text())
    before = notes_and_links(data)
    assert set(before) == set(MOVED)
    move_handover_notes(data)
    handover = handover_from_data(data["handover"])

    env_note, env_links = before["handover.env_changes"]
    assert handover.env_changes == (EnvChange("", steps=env_note, links=tuple(env_links)),)
    rb_note, rb_links = before["handover.rollback_notes"]
    assert handover.rollback == Rollback(steps=rb_note, links=tuple(rb_links))
    (support,) = handover.support
    assert support.kind is SupportKind.INCIDENT
    assert support.notes == before["handover.support_paths"][0]
    assert [x.text for x in handover.limitations] == [
        "Single API droplet: no failover",
        "Emails sent inline in the request, no queue",
        "Admin panel on Render is outside the deploy pipeline",
    ]
    assert [x.text for x in handover.next_steps] == [
        "Put admin.brightlane.test behind Cloudflare Access",
        "Move email sending to a queue",
        "Add a second droplet behind a load balancer",
        "https://linear.example/brightlane/roadmap",
    ]
    # Nothing lost: every word of every note and every link is in the new fields.
    written = repr(handover_to_data(handover))
    for note, links in before.values():
        for line in note.splitlines():
            assert line.lstrip("-*0123456789. ").strip() in written
        for link in links:
            assert link in written
    # The moved keys left the evidence, which says where they went.
    for entry in data["results"]:
        if entry["check"] in MOVED:
            assert "note" not in entry["evidence"] and "link" not in entry["evidence"]
            assert entry["evidence"]["moved_to"] == "handover"
            assert entry["evidence"]["confirmed_by"] == "sam"


def test_migration_edits_the_tomlkit_document_in_place(tmp_path: Path) -> None:
    document = tomlkit.parse(FIXTURE.read_text())
    move_handover_notes(document)
    again = toml_read.loads(tomlkit.dumps(document))
    assert handover_from_data(again["handover"]).limitations[0] == Limitation(
        "Single API droplet: no failover"
    )
    # A second pass finds nothing left to move and changes nothing.
    text = tomlkit.dumps(document)
    move_handover_notes(document)
    assert tomlkit.dumps(document) == text


def test_handover_round_trips_through_plain_data() -> None:
    full = Handover(
        env_changes=(EnvChange("production", "Vercel", "priya", "edit; redeploy", ("https://a",)),),
        rollback=Rollback("vercel rollback", "priya", ("https://b",)),
        support=(
            SupportPath(SupportKind.INCIDENT, "#inc", "24/7", "sam", "30 min", "n", ("x",)),
            SupportPath(SupportKind.FEATURE_REQUEST, "Linear"),
        ),
        limitations=(Limitation("one droplet", "no failover"), Limitation("no queue")),
        next_steps=(NextStep("queue", "priya", "timeouts"), NextStep("replica")),
        monitoring_links=(MonitoringLink("Status", "https://status.example"),),
        sign_off=SignOff(
            "sam",
            "maya",
            datetime(2026, 3, 1, 14, 5, tzinfo=UTC),
            datetime(2026, 3, 2, tzinfo=UTC),
            "maya",
        ),
    )
    data = handover_to_data(full)
    assert handover_from_data(data) == full
    assert (
        handover_from_data(toml_read.loads(tomlkit.dumps({"handover": data}))["handover"]) == full
    )
    assert handover_to_data(Handover()) == {}
    assert handover_from_data(None) == Handover()


def test_bad_handover_data_names_the_key() -> None:
    cases = [
        ({"support": [{"kind": "wish"}]}, "handover.support[0].kind"),
        ({"limitations": [{"risk": "x"}]}, "handover.limitations[0].text"),
        ({"rollback": {"steps": 3}}, "handover.rollback.steps"),
        ({"colour": "red"}, "handover.colour"),
        ({"sign_off": {"handed_over_by": "a", "received_by": "b"}}, "handover.sign_off.signed_at"),
    ]
    for data, key in cases:
        try:
            handover_from_data(data)
        except HandoverDataError as exc:
            assert exc.key == key, (data, exc)
        else:
            raise AssertionError(f"accepted {data}")

"""A world's ``[handover]``: the session file's own shape, read strictly, handed to sessions."""

from __future__ import annotations

import pytest

from launch_tui.core.handover import SupportKind
from launch_tui.core.handover_codec import handover_from_data, handover_to_data
from launch_tui.sandbox import WorldError, builtin_world, parse_world

MINIMAL = """
name = "mini"
[sprint]
id = "mini"
client = "Mini"
product = "Mini"
"""


def world_error(text: str) -> str:
    with pytest.raises(WorldError) as caught:
        parse_world(MINIMAL + text, source="mini.toml")
    return caught.value.message


def test_a_world_without_handover_fields_starts_empty() -> None:
    assert parse_world(MINIMAL).handover.empty


def test_handover_fields_are_read_as_a_session_file_holds_them() -> None:
    world = parse_world(
        MINIMAL
        + """
[handover.rollback]
steps = "Promote the previous deployment"
who = "ana"
[[handover.support]]
kind = "incident"
channel = "#ops"
[[handover.limitations]]
text = "One server"
"""
    )
    handover = world.handover
    assert handover.rollback.steps == "Promote the previous deployment"
    assert [p.kind for p in handover.support] == [SupportKind.INCIDENT]
    assert handover.limitations[0].risk == ""
    # The same table a session file holds: it round-trips through the session codec.
    assert handover_from_data(handover_to_data(handover)) == handover


def test_mistakes_name_the_world_file_and_the_key() -> None:
    assert world_error('[[handover.support]]\nkind = "outage"\n') == (
        "mini.toml: handover.support[0].kind: expected one of incident, feature-request, "
        "got 'outage'"
    )
    assert world_error('[handover]\ncolour = "red"\n').startswith("mini.toml: handover.colour:")
    assert world_error("[[handover.limitations]]\nrisk = 'x'\n") == (
        "mini.toml: handover.limitations[0].text: missing; expected a string"
    )


def test_a_world_cannot_declare_a_sign_off() -> None:
    message = world_error(
        '[handover.sign_off]\nhanded_over_by = "a"\nreceived_by = "b"\n'
        "signed_at = 2026-03-01T10:00:00Z\n"
    )
    assert message.startswith("mini.toml: handover.sign_off: a world is where a sprint starts")


def test_the_clean_world_declares_complete_fields_and_the_demo_partial_ones() -> None:
    clean = builtin_world("clean").handover
    assert clean.rollback.steps and clean.rollback.who
    assert {e.environment for e in clean.env_changes} >= {"production"}
    assert all(p.channel and p.hours and p.who for p in clean.support)
    assert all(item.risk for item in clean.limitations)
    assert all(step.owner for step in clean.next_steps)
    demo = builtin_world("demo").handover
    assert [p.channel for p in demo.support_for(SupportKind.INCIDENT)] == [""]
    assert [bool(item.risk) for item in demo.limitations] == [True, False]

"""Building a new session from what `launch-tui new` and the wizard collect."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from launch_tui.core.errors import UsageError
from launch_tui.core.factory import (
    NewSessionRequest,
    build_session,
    parse_host,
    parse_route,
    slugify,
)
from launch_tui.core.model import STAGE_IDS, HostRole, Organisation, RouteKind, StageStatus

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def test_slugify_makes_file_and_keyring_safe_ids() -> None:
    assert slugify("Acme Freight, Inc.") == "acme-freight-inc"
    assert slugify("Ünïcödé GmbH") == "unicode-gmbh"
    assert slugify("!!!") == "session"


def test_host_labels_are_relative_to_the_apex_and_roles_guessed() -> None:
    assert parse_host("www", "acme.example").name == "www.acme.example"
    assert parse_host("www", "acme.example").role is HostRole.WWW
    assert parse_host("api.acme.example", "acme.example").role is HostRole.API
    assert parse_host("shop.acme.example:app", "acme.example").role is HostRole.APP
    assert parse_host("Status.Acme.Example.", "acme.example").name == "status.acme.example"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("bad_host!", "not a valid hostname"),
        ("www:boss", "unknown role 'boss'"),
    ],
)
def test_bad_hosts_say_what_is_wrong(spec: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_host(spec, "acme.example")


def test_route_spec_parses_kind_and_method() -> None:
    route = parse_route("login:auth:POST=https://app.acme.example/api/login")
    assert (route.name, route.kind, route.method) == ("login", RouteKind.AUTH, "POST")
    assert parse_route("hook:webhook=https://api.acme.example/hook").method == "POST"
    assert parse_route("home=https://www.acme.example/").kind is RouteKind.READ


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("home", "expected NAME"),
        ("=https://x.example/", "needs a name"),
        ("home:fast=https://x.example/", "unknown kind 'fast'"),
        ("home=ftp://x.example/", "must start with http"),
    ],
)
def test_bad_routes_say_what_is_wrong(spec: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_route(spec)


def test_build_session_starts_every_stage_todo_with_the_engineer_as_a_person() -> None:
    session = build_session(
        NewSessionRequest(
            client="Acme Freight",
            apex="acme.example",
            engineer="Dana Reyes",
            hosts=("www", "app", "www"),
            routes=("home=https://www.acme.example/",),
        ),
        NOW,
    )
    assert session.sprint.id == "acme-freight"
    assert session.sprint.started_at == NOW
    assert [h.name for h in session.targets.hosts] == [
        "acme.example",
        "www.acme.example",
        "app.acme.example",
    ]
    assert session.targets.canonical_url == "https://www.acme.example/"
    assert set(session.stages) == set(STAGE_IDS)
    assert all(s.status is StageStatus.TODO for s in session.stages.values())
    (engineer,) = session.people
    assert engineer.id == session.sprint.engineer == "dana-reyes"
    assert engineer.org is Organisation.CONTRACTOR


def test_duplicate_route_names_are_refused() -> None:
    with pytest.raises(UsageError, match="given twice"):
        build_session(
            NewSessionRequest(
                client="A",
                apex="a.example",
                engineer="B",
                routes=("home=https://a.example/", "home=https://a.example/x"),
            ),
            NOW,
        )

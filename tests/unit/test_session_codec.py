"""The session codec: plain data <-> Session, and what it says about bad data.

The hypothesis strategies for sessions live here; the store tests import them.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
from launch_tui.core.model import (
    KEYRING_REF,
    SCHEMA_VERSION,
    STAGE_IDS,
    Action,
    CheckOwner,
    CheckResult,
    CredentialRef,
    Decision,
    Exposure,
    Host,
    HostRole,
    NetworkSettings,
    Organisation,
    Person,
    Route,
    RouteKind,
    SamplingSettings,
    Secret,
    Service,
    Session,
    Severity,
    Sprint,
    Stack,
    StackItem,
    StageState,
    StageStatus,
    Status,
    Targets,
    UiState,
)
from launch_tui.core.session_codec import (
    CodecError,
    join_key,
    session_from_data,
    session_to_data,
)

# ---------------------------------------------------------------------------------------------
# Strategies: sessions built from the model, with awkward text.

AWKWARD = [
    "",
    '"',
    "'",
    '"""',
    "'''",
    "\\",
    "[x]",
    "[[people]]",
    "# not a comment",
    "a = 1",
    "line\nbreak",
    'trailing quote"',
    "tab\there",
    "crlf\r\nline",
    "nul\x00byte",
    "del\x7f",
    "ünïcødé ✓ 漢字 🎉",
    "  spaced  ",
    "keyring:launch-tui/x/y",
]

texts = st.one_of(
    st.sampled_from(AWKWARD),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=24),
)
short_texts = st.one_of(st.sampled_from(AWKWARD), st.text(max_size=8))
utc_datetimes = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
# Aware datetimes in other zones come back as the same instant in UTC.
offset_datetimes = st.datetimes(
    min_value=datetime(1971, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.builds(
        timezone, st.integers(-14 * 60, 14 * 60).map(lambda m: timedelta(minutes=m))
    ),
)
datetimes = st.one_of(utc_datetimes, offset_datetimes)
dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
int64 = st.integers(-(2**63), 2**63 - 1)
json_scalars = st.one_of(
    texts, int64, st.booleans(), st.floats(allow_nan=False, allow_infinity=False)
)
evidence_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(short_texts, inner, max_size=3),
    max_leaves=8,
)
evidence = st.dictionaries(short_texts, evidence_values, max_size=4)
names = st.one_of(st.sampled_from(["a", "b", "home", "a.b", "x y", ""]), short_texts)


def unique_by(strategy: st.SearchStrategy[Any], key: str, max_size: int = 4) -> Any:
    return st.lists(strategy, max_size=max_size, unique_by=lambda item: getattr(item, key)).map(
        tuple
    )


hosts = st.builds(
    Host, name=names, role=st.sampled_from(HostRole), origin_ip=st.just("") | short_texts
)
routes = st.builds(
    Route,
    name=names,
    url=texts,
    kind=st.sampled_from(RouteKind),
    method=st.sampled_from(["GET", "POST", "PUT"]),
    expect_status=st.integers(100, 599),
    safe_to_repeat=st.booleans(),
    p95_budget_ms=st.none() | st.integers(1, 10_000),
)
targets = st.builds(
    Targets,
    apex=texts,
    canonical_url=texts,
    staging_url=texts,
    hosts=st.lists(hosts, max_size=4).map(tuple),  # duplicates allowed
    routes=unique_by(routes, "name"),
    repo_path=texts,
    build_path=texts,
    ci_logs=st.lists(texts, max_size=3).map(tuple),
    dkim_selectors=st.lists(short_texts, max_size=3).map(tuple),
)
stack_items = st.builds(StackItem, declared=short_texts, detected=short_texts)
stacks = st.builds(
    Stack,
    hosting=stack_items,
    database=stack_items,
    email_provider=stack_items,
    auth_provider=stack_items,
    registrar=stack_items,
    dns_host=stack_items,
)
people = st.builds(
    Person,
    id=names,
    name=texts,
    role=short_texts,
    org=st.sampled_from(Organisation),
    email=short_texts,
)
stage_states = st.builds(
    StageState,
    status=st.sampled_from(StageStatus),
    owner=short_texts,
    notes=texts,
    started_at=st.none() | datetimes,
    finished_at=st.none() | datetimes,
    minutes_spent=st.integers(0, 10_000),
)
results = st.builds(
    CheckResult,
    check_id=st.sampled_from(["dns.records", "tls.expiry", "http.hsts"]) | short_texts,
    target=names,
    status=st.sampled_from(Status),
    severity=st.sampled_from(Severity),
    summary=texts,
    evidence=evidence,
    measured_at=st.none() | datetimes,
    duration_ms=int64,
    previous_status=st.none() | st.sampled_from(Status),
)
decisions = st.builds(
    Decision,
    id=names,
    stage=st.sampled_from(STAGE_IDS),
    action=st.sampled_from(Action),
    text=texts,
    check_id=short_texts,
    target=short_texts,
    owner=short_texts,
    due=st.none() | dates,
    decided_at=st.none() | datetimes,
)
money = st.none() | st.decimals(allow_nan=False, allow_infinity=False)
services = st.builds(
    Service,
    name=names,
    purpose=short_texts,
    owner=short_texts,
    admins=st.lists(short_texts, max_size=3).map(tuple),
    renewal=st.none() | dates,
    monthly_cost=money,
    currency=st.sampled_from(["USD", "EUR", ""]),
    access_notes=texts,
)
secrets = st.builds(
    Secret,
    name=names,
    stored_in=short_texts,
    environments=st.lists(short_texts, max_size=3).map(tuple),
    owner=short_texts,
    last_rotated=st.none() | dates,
    exposure=st.sampled_from(Exposure),
    found_in=st.lists(texts, max_size=3).map(tuple),
)
credentials = st.builds(
    CredentialRef,
    name=names,
    ref=st.from_regex(KEYRING_REF, fullmatch=True),
    purpose=short_texts,
)
networks = st.builds(
    NetworkSettings,
    nameservers=st.lists(short_texts, max_size=2).map(tuple),
    resolve=st.lists(short_texts, max_size=2).map(tuple),
    ca_bundle=short_texts,
    timeout=st.floats(min_value=0.001, max_value=1e6),
)
sprints = st.builds(
    Sprint,
    id=names,
    client=texts,
    product=texts,
    engineer=short_texts,
    started_at=datetimes,
    deadline_hours=st.integers(1, 10_000),
)
links = st.lists(texts, max_size=2).map(tuple)
sign_offs = st.builds(
    SignOff, handed_over_by=names, received_by=names, signed_at=datetimes
) | st.builds(
    SignOff,
    handed_over_by=names,
    received_by=names,
    signed_at=datetimes,
    reopened_at=datetimes,
    reopened_by=names,
)
handovers = st.builds(
    Handover,
    env_changes=st.lists(
        st.builds(EnvChange, environment=names, where=texts, who=names, steps=texts, links=links),
        max_size=2,
    ).map(tuple),
    rollback=st.builds(Rollback, steps=texts, who=names, links=links),
    support=st.lists(
        st.builds(
            SupportPath,
            kind=st.sampled_from(SupportKind),
            channel=texts,
            hours=short_texts,
            who=names,
            response=short_texts,
            notes=texts,
            links=links,
        ),
        max_size=3,
    ).map(tuple),
    limitations=st.lists(st.builds(Limitation, text=texts, risk=texts), max_size=3).map(tuple),
    next_steps=st.lists(st.builds(NextStep, text=texts, owner=names, why=texts), max_size=3).map(
        tuple
    ),
    monitoring_links=st.lists(st.builds(MonitoringLink, name=names, url=texts), max_size=2).map(
        tuple
    ),
    sign_off=st.none() | sign_offs,
)
"""Any handover, the sign-off (standing or reopened) included."""

sessions = st.builds(
    Session,
    sprint=sprints,
    targets=targets,
    stack=stacks,
    people=unique_by(people, "id"),
    stages=st.dictionaries(st.sampled_from(STAGE_IDS), stage_states, max_size=4),
    results=st.lists(results, max_size=4).map(tuple),
    decisions=unique_by(decisions, "id"),
    services=st.lists(services, max_size=3).map(tuple),
    secrets=st.lists(secrets, max_size=3).map(tuple),
    credentials=st.lists(credentials, max_size=2).map(tuple),
    network=networks,
    ui=st.builds(
        UiState,
        stage=st.sampled_from(STAGE_IDS) | short_texts,
        selection=texts,
        last_action=st.none() | st.sampled_from(Action),
        last_owner=short_texts,
        last_due=st.none() | dates,
    ),
    sampling=st.builds(
        SamplingSettings,
        requests=st.integers(1, 10_000),
        concurrency=st.integers(1, 100),
        duration_s=st.none() | st.floats(min_value=0.001, max_value=3600),
    ),
    owners=st.lists(
        st.builds(CheckOwner, check_id=names, target=st.just("") | names, owner=names),
        max_size=4,
        unique_by=lambda o: (o.check_id, o.target),
    ).map(tuple),
    handover=st.just(Handover()) | handovers,
)
"""Any valid session."""


def make_session(**changes: Any) -> Session:
    """A small valid session, with ``changes`` applied."""
    base = Session(
        sprint=Sprint(
            id="acme",
            client="Acme",
            product="Dispatch",
            engineer="sam",
            started_at=datetime(2026, 5, 4, 8, 30, tzinfo=UTC),
        )
    )
    return dataclasses.replace(base, **changes)


def minimal_data(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "sprint": {"id": "acme", "client": "Acme", "started_at": "2026-05-04T08:30:00Z"}
    }
    data.update(extra)
    return data


# ---------------------------------------------------------------------------------------------
# Round trip


@settings(max_examples=200, deadline=None)
@given(sessions)
def test_from_data_inverts_to_data(session: Session) -> None:
    assert session_from_data(session_to_data(session)) == session


def test_to_data_is_plain_toml_data() -> None:
    session = make_session(
        results=(
            CheckResult(
                "dns.records",
                "acme.example",
                Status.PASS,
                Severity.LOW,
                "ok",
                evidence={"ttl": 300, "nothing": None, "list": [1, None, {"a": None}]},
            ),
        ),
        services=(
            Service("Render", monthly_cost=Decimal("85.50")),
            Service("Odd", monthly_cost=Decimal("0.1234567890123456789")),
        ),
    )
    data = session_to_data(session)
    assert data["sprint"]["started_at"] == datetime(2026, 5, 4, 8, 30, tzinfo=UTC)
    assert data["results"][0]["status"] == "pass"
    assert type(data["results"][0]["status"]) is str  # not the enum
    assert data["results"][0]["evidence"] == {"ttl": 300, "list": [1, {}]}  # None dropped
    assert "previous_status" not in data["results"][0]  # None omitted
    assert data["services"][0]["monthly_cost"] == 85.5  # exact as a float
    assert data["services"][1]["monthly_cost"] == "0.1234567890123456789"  # not exact: string


def test_naive_and_offset_datetimes_are_read_as_utc() -> None:
    data = minimal_data()
    data["sprint"]["started_at"] = datetime(2026, 5, 4, 8, 30)  # naive: taken as UTC
    data["stages"] = {"audit": {"started_at": "2026-05-04T10:30:00+02:00"}}
    session = session_from_data(data)
    assert session.sprint.started_at == datetime(2026, 5, 4, 8, 30, tzinfo=UTC)
    assert session.sprint.started_at.tzinfo is UTC
    started = session.stages["audit"].started_at
    assert started is not None and started.tzinfo is UTC and started.hour == 8


def test_dates_accept_native_and_iso_strings() -> None:
    data = minimal_data(
        decisions=[
            {"id": "a", "stage": "audit", "action": "fix", "due": date(2026, 6, 1)},
            {"id": "b", "stage": "audit", "action": "defer", "due": "2026-06-02"},
        ]
    )
    session = session_from_data(data)
    assert [d.due for d in session.decisions] == [date(2026, 6, 1), date(2026, 6, 2)]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (85, Decimal(85)),
        (85.5, Decimal("85.5")),
        ("85.00", Decimal("85.00")),
        (0.1, Decimal("0.1")),
    ],
)
def test_monthly_cost_accepts_int_float_and_string(raw: Any, expected: Decimal) -> None:
    session = session_from_data(minimal_data(services=[{"name": "x", "monthly_cost": raw}]))
    assert session.services[0].monthly_cost == expected


def test_enums_ignore_case_and_spaces() -> None:
    session = session_from_data(
        minimal_data(
            results=[{"check": "c", "status": " PASS ", "severity": "High", "summary": ""}]
        )
    )
    assert session.results[0].status is Status.PASS
    assert session.results[0].severity is Severity.HIGH


def test_unknown_keys_are_ignored() -> None:
    data = minimal_data(extra_table={"a": 1})
    data["sprint"]["billing_code"] = "X"
    assert session_from_data(data) == make_session(
        sprint=dataclasses.replace(make_session().sprint, product="", engineer="")
    )


def test_schema_version_is_kept() -> None:
    assert session_from_data(minimal_data()).schema_version == SCHEMA_VERSION
    assert session_from_data(minimal_data(schema_version=1)).schema_version == 1


def test_join_key_quotes_what_is_not_bare() -> None:
    assert join_key("", "people") == "people"
    assert join_key("people", 2) == "people[2]"
    assert join_key("people[2]", "id") == "people[2].id"
    assert join_key("evidence", "content-type") == "evidence.content-type"
    assert join_key("evidence", "a.b") == 'evidence."a.b"'
    assert join_key("evidence", 'say "hi"\n') == 'evidence."say \\"hi\\"\\u000a"'


# ---------------------------------------------------------------------------------------------
# Errors: the key path, and a reason saying what was expected and what was found


def _error(data: dict[str, Any]) -> CodecError:
    with pytest.raises(CodecError) as caught:
        session_from_data(data)
    return caught.value


def _with(path: list[Any], value: Any) -> dict[str, Any]:
    data = minimal_data()
    node: Any = data
    for part in path[:-1]:
        node = node.setdefault(part, {}) if isinstance(part, str) else node[part]
    node[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("data", "key", "fragments"),
    [
        ({}, "sprint", ["missing; expected a table"]),
        ({"sprint": "acme"}, "sprint", ["expected a table, got string 'acme'"]),
        (
            {"sprint": {"client": "A", "started_at": "2026-01-01T00:00:00Z"}},
            "sprint.id",
            ["missing"],
        ),
        (
            {"sprint": {"id": "a", "client": "A"}},
            "sprint.started_at",
            ["missing", "2026-12-01T09:30:00Z"],
        ),
        (
            _with(["sprint", "deadline_hours"], "two days"),
            "sprint.deadline_hours",
            ["expected an integer (hours)", "got string 'two days'"],
        ),
        (_with(["sprint", "deadline_hours"], True), "sprint.deadline_hours", ["got boolean true"]),
        (_with(["sprint", "deadline_hours"], 0), "sprint.deadline_hours", ["at least 1", "got 0"]),
        (_with(["sprint", "client"], 42), "sprint.client", ["expected a string, got integer 42"]),
        (
            _with(["sprint", "started_at"], "next week"),
            "sprint.started_at",
            ["expected a date and time like 2026-12-01T09:30:00Z", "got string 'next week'"],
        ),
        (
            _with(["sprint", "started_at"], date(2026, 1, 1)),
            "sprint.started_at",
            ["got date 2026-01-01"],
        ),
        (
            _with(["sprint", "started_at"], "2026-01-01"),
            "sprint.started_at",
            ["got string '2026-01-01'"],
        ),
        (_with(["schema_version"], "1"), "schema_version", ["expected an integer"]),
        (
            _with(["targets", "ci_logs"], "a.log"),
            "targets.ci_logs",
            ["expected an array of strings, got string 'a.log'"],
        ),
        (
            _with(["targets", "ci_logs"], ["a", 2]),
            "targets.ci_logs[1]",
            ["expected a string, got integer 2"],
        ),
        (
            _with(["targets", "hosts"], [{"name": "a", "role": "cdn"}]),
            "targets.hosts[0].role",
            [
                "expected one of apex, www, app, api, admin, staging, mail, other",
                "got string 'cdn'",
            ],
        ),
        (
            _with(["targets", "hosts"], {"name": "a"}),
            "targets.hosts",
            ["expected an array of tables ([[targets.hosts]])"],
        ),
        (_with(["targets", "hosts"], ["a"]), "targets.hosts[0]", ["expected a table"]),
        (
            _with(["targets", "routes"], [{"name": "a", "url": "u"}, {"name": "a", "url": "v"}]),
            "targets.routes[1].name",
            ["duplicate route name 'a'", "targets.routes[0]"],
        ),
        (
            _with(["targets", "routes"], [{"name": "a", "url": "u", "safe_to_repeat": "yes"}]),
            "targets.routes[0].safe_to_repeat",
            ["expected true or false, got string 'yes'"],
        ),
        (_with(["targets", "routes"], [{"name": "a"}]), "targets.routes[0].url", ["missing"]),
        (
            _with(["people"], [{"id": "a", "name": "A"}, {"id": "a", "name": "B"}]),
            "people[1].id",
            ["duplicate person id 'a' (already used by people[0])"],
        ),
        (
            _with(["people"], [{"id": "a", "name": "A", "org": "vendor"}]),
            "people[0].org",
            ["expected one of client, contractor; got string 'vendor'"],
        ),
        (
            _with(["stages"], {"deliverz": {}}),
            "stages.deliverz",
            ["unknown stage id 'deliverz'", "expected one of audit, request-path"],
        ),
        (_with(["stages"], {"audit": "done"}), "stages.audit", ["expected a table"]),
        (
            _with(["stages"], {"audit": {"status": "finished"}}),
            "stages.audit.status",
            ["expected one of todo, in_progress, done, blocked; got string 'finished'"],
        ),
        (
            _with(["stages"], {"audit": {"minutes_spent": -5}}),
            "stages.audit.minutes_spent",
            ["at least 0"],
        ),
        (
            _with(["results"], [{"check": "c", "status": "passed", "severity": "low"}]),
            "results[0].status",
            ["expected one of pass, warn, fail, error, skipped, manual"],
        ),
        (
            _with(["results"], [{"check": "c", "status": "pass"}]),
            "results[0].severity",
            ["missing; expected one of critical"],
        ),
        (
            _with(
                ["results"],
                [{"check": "c", "status": "pass", "severity": "low", "evidence": "none"}],
            ),
            "results[0].evidence",
            ["expected a table of plain values"],
        ),
        (
            _with(
                ["decisions"], [{"id": "d", "stage": "audit", "action": "fix", "due": "next week"}]
            ),
            "decisions[0].due",
            ["expected a date like 2026-12-01, got string 'next week'"],
        ),
        (
            _with(
                ["decisions"],
                [{"id": "d", "stage": "audit", "action": "fix", "due": datetime(2026, 1, 1, 9)}],
            ),
            "decisions[0].due",
            ["got date and time 2026-01-01T09:00:00"],
        ),
        (
            _with(["decisions"], [{"id": "d", "stage": "launch", "action": "fix"}]),
            "decisions[0].stage",
            ["unknown stage id 'launch'"],
        ),
        (
            _with(["decisions"], [{"id": "d", "stage": "audit", "action": "ignore"}]),
            "decisions[0].action",
            ["expected one of fix, accept-risk, defer; got string 'ignore'"],
        ),
        (
            _with(
                ["decisions"],
                [
                    {"id": "d", "stage": "audit", "action": "fix"},
                    {"id": "d", "stage": "audit", "action": "defer"},
                ],
            ),
            "decisions[1].id",
            ["duplicate decision id 'd'"],
        ),
        (
            _with(["services"], [{"name": "s", "monthly_cost": "$12"}]),
            "services[0].monthly_cost",
            ["expected an amount like 12.50, got string '$12'"],
        ),
        (
            _with(["services"], [{"name": "s", "monthly_cost": "NaN"}]),
            "services[0].monthly_cost",
            ["expected an amount"],
        ),
        (
            _with(["secrets"], [{"name": "S", "exposure": "public"}]),
            "secrets[0].exposure",
            ["expected one of none, leaked, rotated, unknown"],
        ),
        (_with(["network", "timeout"], 0), "network.timeout", ["positive number (seconds)"]),
        (_with(["network", "timeout"], "fast"), "network.timeout", ["expected a number"]),
        (_with(["ui", "selection"], ["a"]), "ui.selection", ["expected a string, got an array"]),
    ],
)
def test_bad_values_name_the_key_and_what_was_expected(
    data: dict[str, Any], key: str, fragments: list[str]
) -> None:
    error = _error(data)
    assert error.key == key
    for fragment in fragments:
        assert fragment in error.reason
    assert str(error) == f"{key}: {error.reason}"


def test_bad_credential_ref_is_not_echoed() -> None:
    secret = "sk_live_51HxAcmeNotARealKey"
    error = _error(_with(["credentials"], [{"name": "stripe", "ref": secret}]))
    assert error.key == "credentials[0].ref"
    assert "keyring:launch-tui/<session>/<name>" in error.reason
    assert secret not in str(error)


def test_long_values_are_cut_and_control_characters_escaped() -> None:
    error = _error(_with(["sprint", "deadline_hours"], "x" * 500 + "\x1b[31m"))
    assert len(error.reason) < 200
    assert "\x1b" not in error.reason


def test_nested_evidence_errors_name_the_nested_key() -> None:
    data = _with(
        ["results"],
        [{"check": "c", "status": "pass", "severity": "low", "evidence": {"hops": [1, object()]}}],
    )
    assert _error(data).key == "results[0].evidence.hops[1]"


def test_hand_written_evidence_dates_become_text() -> None:
    data = _with(
        ["results"],
        [{"check": "c", "status": "pass", "severity": "low", "evidence": {"on": date(2026, 1, 2)}}],
    )
    assert session_from_data(data).results[0].evidence == {"on": "2026-01-02"}

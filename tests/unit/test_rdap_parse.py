"""Reading RDAP answers and the bootstrap registry, hostile shapes included; judging the record."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from launch_tui.checks.domain import days_left, judge, record_evidence
from launch_tui.core.errors import UsageError
from launch_tui.core.model import JSONValue, Severity, Status
from launch_tui.net.rdap import domain_url, lookup_name, rdap_server_for, shipped_bootstrap
from launch_tui.net.rdap_parse import (
    MAX_TEXT,
    Bootstrap,
    DomainRecord,
    RdapParseError,
    error_text,
    parse_bootstrap,
    parse_date,
    parse_domain,
    parse_json,
    status_key,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def answer(**changes: Any) -> dict[str, Any]:
    """A domain answer shaped like Verisign's for example.com; ``changes`` replace keys
    (``None`` removes one)."""
    doc: dict[str, Any] = {
        "objectClassName": "domain",
        "handle": "2336799_DOMAIN_COM-VRSN",
        "ldhName": "EXAMPLE.COM",
        "links": [{"value": "https://rdap.verisign.com/com/v1/domain/EXAMPLE.COM", "rel": "self"}],
        "status": ["client delete prohibited", "client transfer prohibited"],
        "entities": [
            {
                "objectClassName": "entity",
                "handle": "376",
                "roles": ["registrar"],
                "publicIds": [{"type": "IANA Registrar ID", "identifier": "376"}],
                "vcardArray": [
                    "vcard",
                    [
                        ["version", {}, "text", "4.0"],
                        ["fn", {}, "text", "RESERVED-Internet Assigned Numbers Authority"],
                    ],
                ],
                "entities": [
                    {
                        "objectClassName": "entity",
                        "roles": ["abuse"],
                        "vcardArray": ["vcard", [["fn", {}, "text", "Abuse desk"]]],
                    }
                ],
            }
        ],
        "events": [
            {"eventAction": "registration", "eventDate": "1995-08-14T04:00:00Z"},
            {"eventAction": "expiration", "eventDate": "2026-08-13T04:00:00Z"},
            {"eventAction": "last changed", "eventDate": "2025-08-14T07:01:39Z"},
            {"eventAction": "last update of RDAP database", "eventDate": "not a date at all"},
        ],
        "secureDNS": {"delegationSigned": True},
        "nameservers": [
            {"objectClassName": "nameserver", "ldhName": "A.IANA-SERVERS.NET"},
            {"objectClassName": "nameserver", "ldhName": "B.IANA-SERVERS.NET."},
        ],
        "rdapConformance": ["rdap_level_0", "icann_rdap_response_profile_0"],
    }
    for key, value in changes.items():
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    return doc


def registrar_entity(**changes: Any) -> list[Any]:
    entity = dict(answer()["entities"][0], **changes)
    return [entity]


# --- parse_json -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\xff\xfe{}", "not UTF-8 text"),
        (b"<html><body>Service Unavailable</body></html>", "not JSON (Expecting value at line 1"),
        (b"", "not JSON"),
        (b'{"a": 1', "not JSON"),
        (b"[" * 100_000, "JSON nested too deeply"),
        (b"1" * 5000, "not readable JSON"),
    ],
)
def test_bytes_that_are_not_json_name_the_document(data: bytes, reason: str) -> None:
    with pytest.raises(RdapParseError) as caught:
        parse_json(data)
    assert caught.value.path == "$"
    assert reason in caught.value.reason


def test_a_byte_order_mark_is_tolerated() -> None:
    assert parse_json(b'\xef\xbb\xbf{"a": [1]}') == {"a": [1]}


# --- parse_domain: the good answer -----------------------------------------------------------


def test_a_registry_answer_gives_dates_registrar_statuses_and_nameservers() -> None:
    record = parse_domain(answer(), expected="example.com")
    assert record == DomainRecord(
        name="example.com",
        expires_at=datetime(2026, 8, 13, 4, 0, tzinfo=UTC),
        registered_at=datetime(1995, 8, 14, 4, 0, tzinfo=UTC),
        last_changed_at=datetime(2025, 8, 14, 7, 1, 39, tzinfo=UTC),
        registrar="RESERVED-Internet Assigned Numbers Authority",
        registrar_iana_id="376",
        statuses=("client delete prohibited", "client transfer prohibited"),
        nameservers=("a.iana-servers.net", "b.iana-servers.net"),
    )


def test_the_registrar_is_found_in_nested_entities_and_ids_may_be_numbers() -> None:
    nested = {
        "roles": ["technical"],
        "entities": [
            {
                "roles": ["Registrar"],
                "publicIds": [{"type": "IANA Registrar ID", "identifier": 1068}],
                "vcardArray": ["vcard", [["fn", {}, "text", "  NameCheap,\n Inc. "]]],
            }
        ],
    }
    record = parse_domain(answer(entities=["junk", nested]))
    assert (record.registrar, record.registrar_iana_id) == ("NameCheap, Inc.", "1068")
    assert record.notes == ("$.entities[0]: expected an object, got a string",)


def test_the_earliest_of_two_expiration_dates_is_kept() -> None:
    events = [
        {"eventAction": "expiration", "eventDate": "2027-01-01T00:00:00Z"},
        {"eventAction": "EXPIRATION", "eventDate": "2026-07-01T00:00:00Z"},
    ]
    record = parse_domain(answer(events=events))
    assert record.expires_at == datetime(2026, 7, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-08-13T04:00:00Z", datetime(2026, 8, 13, 4, tzinfo=UTC)),
        ("2027-03-18T23:45:37.622Z", datetime(2027, 3, 18, 23, 45, 37, 622000, tzinfo=UTC)),
        ("2026-08-13T06:00:00+02:00", datetime(2026, 8, 13, 4, tzinfo=UTC)),
        ("2026-08-13t04:00:00z", datetime(2026, 8, 13, 4, tzinfo=UTC)),
        ("2026-08-13T04:00:00", datetime(2026, 8, 13, 4, tzinfo=UTC)),
        ("2026-08-13", datetime(2026, 8, 13, tzinfo=UTC)),
    ],
)
def test_dates_in_every_shape_registries_send(text: str, expected: datetime) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text", ["", "tomorrow", "2026-13-01", "9999-12-31T23:59:59-14:00", "9" * 70]
)
def test_bad_dates_are_errors(text: str) -> None:
    with pytest.raises(RdapParseError):
        parse_date(text, "$.x")


def test_optional_parts_may_be_missing() -> None:
    bare = parse_domain({"objectClassName": "domain"}, expected="Example.com.")
    assert bare == DomainRecord(name="example.com")
    assert parse_domain({}).name == ""


# --- parse_domain: hostile and broken shapes ----------------------------------------------------


BROKEN: list[tuple[str, JSONValue, str]] = [
    ("a list", [answer()], "$: expected a JSON object, got an array"),
    ("a string", "domain", "$: expected a JSON object, got a string"),
    ("null", None, "$: expected a JSON object, got null"),
    ("a number", 404, "$: expected a JSON object, got a number"),
    (
        "an RDAP error",
        {"errorCode": 404, "title": "Not Found", "description": ["gone"]},
        "$: the server answered with an RDAP error (404: Not Found: gone)",
    ),
    (
        "an entity",
        answer(objectClassName="entity"),
        "$.objectClassName: expected 'domain', got 'entity'",
    ),
    (
        "a numeric class",
        answer(objectClassName=7),
        "$.objectClassName: expected 'domain', got a number",
    ),
    (
        "another domain",
        answer(ldhName="evil.example"),
        "$.ldhName: the answer is about 'evil.example', not 'example.com'",
    ),
    ("a numeric name", answer(ldhName=12), "$.ldhName: expected a string, got a number"),
    ("events as a string", answer(events="soon"), "$.events: expected an array, got a string"),
    (
        "events as an object",
        answer(events={"expiration": "2026-01-01"}),
        "$.events: expected an array, got an object",
    ),
    (
        "an event as a list",
        answer(events=[["expiration", "2026-01-01"]]),
        "$.events[0]: expected an object, got an array",
    ),
    (
        "an action as a number",
        answer(events=[{"eventAction": 3}]),
        "$.events[0].eventAction: expected a string, got a number",
    ),
    (
        "a missing date",
        answer(events=[{"eventAction": "expiration"}]),
        "$.events[0].eventDate: expected a string, got null",
    ),
    (
        "a numeric date",
        answer(events=[{"eventAction": "registration", "eventDate": 1700000000}]),
        "$.events[0].eventDate: expected a string, got a number",
    ),
    (
        "a bad date",
        answer(events=[{}, {"eventAction": "expiration", "eventDate": "next year"}]),
        "$.events[0].eventAction: expected a string, got null",
    ),
    (
        "a bad expiry",
        answer(events=[{"eventAction": "expiration", "eventDate": "next year"}]),
        "$.events[0].eventDate: not an RFC 3339 date: 'next year'",
    ),
    ("status as a string", answer(status="active"), "$.status: expected an array, got a string"),
    (
        "a status as an object",
        answer(status=["active", {"x": 1}]),
        "$.status[1]: expected a string, got an object",
    ),
    ("a boolean status", answer(status=[True]), "$.status[0]: expected a string, got a boolean"),
]


@pytest.mark.parametrize(("shape", "value", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_shapes_are_errors_naming_the_json_path(
    shape: str, value: JSONValue, message: str
) -> None:
    with pytest.raises(RdapParseError) as caught:
        parse_domain(value, expected="example.com")
    assert str(caught.value) == message


DECORATION: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "entities not a list",
        answer(entities={"registrar": "x"}),
        "",
        "$.entities: expected an array, got an object",
    ),
    (
        "vcard not a jCard",
        answer(entities=registrar_entity(vcardArray={"fn": "x"})),
        "",
        "$.entities[0].vcardArray: not a jCard array; registrar name unknown",
    ),
    (
        "fn not text",
        answer(entities=registrar_entity(vcardArray=["vcard", [["fn", {}, "text", ["x"]]]])),
        "",
        "$.entities[0].vcardArray[1][0][3]: fn is not text; registrar name unknown",
    ),
    (
        "nameservers an object",
        answer(nameservers={"ldhName": "ns1"}),
        "RESERVED-Internet Assigned Numbers Authority",
        "$.nameservers: expected an array, got an object",
    ),
    (
        "a nameserver without a name",
        answer(nameservers=[{"ldhName": 5}, {"ldhName": "ns2.example"}]),
        "RESERVED-Internet Assigned Numbers Authority",
        "$.nameservers[0]: no ldhName string; skipped",
    ),
]


@pytest.mark.parametrize(
    ("shape", "value", "registrar", "note"), DECORATION, ids=[d[0] for d in DECORATION]
)
def test_malformed_decoration_is_skipped_and_noted(
    shape: str, value: dict[str, Any], registrar: str, note: str
) -> None:
    record = parse_domain(value, expected="example.com")
    assert record.expires_at == datetime(2026, 8, 13, 4, 0, tzinfo=UTC)
    assert record.registrar == registrar
    assert note in record.notes


def test_strings_are_capped_and_kept_as_plain_data() -> None:
    hostile = "\x1b[2J\x1b]8;;https://evil.example\x07[b]Registrar[/b]" + "A" * 5000
    value = answer(
        entities=registrar_entity(vcardArray=["vcard", [["fn", {}, "text", hostile]]]),
        status=["x" * 1000],
        nameservers=[{"ldhName": "n" * 1000}] * 100,
    )
    record = parse_domain(value)
    assert len(record.registrar) == MAX_TEXT
    assert record.registrar.startswith("\x1b[2J")  # data is kept; displays clean it
    assert len(record.statuses[0]) == 64
    assert len(record.nameservers) == 26
    assert all(len(n) == MAX_TEXT for n in record.nameservers)


def test_huge_lists_are_read_only_as_far_as_needed() -> None:
    events = [{"eventAction": "reregistration", "eventDate": "x"}] * 10_000
    entities = [{"roles": ["technical"]}] * 10_000
    record = parse_domain(answer(events=events, entities=entities, status=["ok"] * 10_000))
    assert record.expires_at is None
    assert record.registrar == ""
    assert len(record.statuses) == 32
    assert any("more than 64 entities" in n for n in record.notes)


def test_error_text_reads_rdap_error_objects_only() -> None:
    assert error_text({"errorCode": 429, "title": "Too Many Requests"}) == "Too Many Requests"
    assert error_text({"description": "one line"}) == "one line"
    assert error_text(["not", "an", "object"]) == ""
    assert len(error_text({"title": "t" * 10_000})) == MAX_TEXT


# --- fuzzing --------------------------------------------------------------------------------------

KEYS = st.sampled_from(
    [
        "objectClassName", "ldhName", "events", "eventAction", "eventDate", "entities", "roles",
        "vcardArray", "publicIds", "type", "identifier", "status", "nameservers", "errorCode",
        "title", "description",
    ]
)  # fmt: skip
WORDS = st.sampled_from(
    [
        "domain", "expiration", "registration", "last changed", "registrar", "vcard", "fn",
        "IANA Registrar ID", "redemption period", "2026-01-01T00:00:00Z", "2026-02-30",
        "example.com", "\x1b[31m", "",
    ]
)  # fmt: skip
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20) | WORDS,
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(KEYS | st.text(max_size=5), inner, max_size=6)
    ),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None)
@given(JSON)
def test_any_json_gives_a_record_or_a_parse_error(value: JSONValue) -> None:
    try:
        record = parse_domain(value, expected="example.com")
    except RdapParseError as exc:
        assert exc.path.startswith("$")
    else:
        assert isinstance(record, DomainRecord)
        json.dumps(record_evidence(record, NOW))  # evidence is always plain data


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(KEYS, JSON, max_size=6))
def test_any_rdap_key_of_a_real_answer_may_hold_anything(value: dict[str, JSONValue]) -> None:
    # A real answer with some of its keys replaced: reaches deeper than random documents.
    with contextlib.suppress(RdapParseError):
        parse_domain(dict(answer(), **value), expected="example.com")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200) | JSON.map(lambda v: json.dumps(v).encode()))
def test_any_bytes_give_json_or_a_parse_error(data: bytes) -> None:
    try:
        parse_json(data)
    except RdapParseError as exc:
        assert exc.path == "$"


@settings(max_examples=200, deadline=None)
@given(JSON)
def test_any_bootstrap_gives_a_registry_or_a_parse_error(value: JSONValue) -> None:
    try:
        parse_bootstrap({"services": value})
    except RdapParseError as exc:
        assert exc.path.startswith("$.services")


# --- the bootstrap registry --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("domain", "base"),
    [
        ("example.com", "https://rdap.verisign.com/com/v1/"),
        ("EXAMPLE.NET.", "https://rdap.verisign.com/net/v1/"),
        ("wikipedia.org", "https://rdap.publicinterestregistry.org/rdap/"),
        ("web.dev", "https://www.registry.google/rdap/"),
        ("launch.app", "https://www.registry.google/rdap/"),
        ("example.info", "https://rdap.identitydigital.services/rdap/"),
        ("bbc.co.uk", "https://rdap.nominet.uk/uk/"),
        ("example.xyz", "https://rdap.centralnic.com/xyz/"),
        ("example.fr", "https://rdap.nic.fr/"),
        # Not in IANA's registry; from the overrides laid over it.
        ("startup.io", "https://rdap.identitydigital.services/rdap/"),
        ("example.de", "https://rdap.denic.de/"),
        ("example.ch", "https://rdap.nic.ch/"),
        ("example.co", "https://rdap.registry.co/co/"),
        ("example.me", "https://rdap.identitydigital.services/rdap/"),
        ("example.us", "https://rdap.nic.us/"),
        # Known nowhere: the session's rdap_url is the way.
        ("example.eu", ""),
        ("example.test", ""),
        ("example.kg", ""),  # IANA lists only an http:// server: never asked
    ],
)
def test_the_shipped_snapshot_maps_tlds_to_their_registries(domain: str, base: str) -> None:
    assert shipped_bootstrap().https_base(domain) == base


def test_the_shipped_snapshot_is_dated_and_says_how_to_refresh() -> None:
    bootstrap = shipped_bootstrap()
    assert datetime.fromisoformat(bootstrap.publication).year >= 2024
    assert "https://data.iana.org/rdap/dns.json" in bootstrap.description
    assert "refresh" in bootstrap.description
    assert "launch-tui data refresh" in bootstrap.description
    assert len(bootstrap.entries) > 1100  # IANA's whole registry, not a subset
    assert all(u.endswith("/") for v in bootstrap.entries.values() for u in v)


def test_bootstrap_longest_match_https_only_and_trailing_slashes() -> None:
    bootstrap = parse_bootstrap(
        {
            "version": "1.0",
            "publication": "2026-01-01T00:00:00Z",
            "services": [
                [["UK."], ["https://rdap.nominet.uk/uk"]],
                [["co.uk"], ["https://rdap.example/co-uk/"]],
                [["kg"], ["http://rdap.cctld.kg/"]],
                [["tv"], ["http://rdap.nic.tv/", "https://rdap.nic.tv/"]],
            ],
        }
    )
    assert bootstrap.https_base("shop.example.co.uk") == "https://rdap.example/co-uk/"
    assert bootstrap.https_base("example.org.uk") == "https://rdap.nominet.uk/uk/"
    assert bootstrap.base_urls("example.kg") == ("http://rdap.cctld.kg/",)
    assert bootstrap.https_base("example.kg") == ""  # never asked over plain HTTP
    assert bootstrap.https_base("example.tv") == "https://rdap.nic.tv/"
    assert bootstrap.https_base("example.com") == ""


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([], "$: expected a JSON object, got an array"),
        ({}, "$.services: expected an array, got null"),
        ({"services": [["com"]]}, "$.services[0]: expected [[suffixes], [urls]]"),
        (
            {"services": [["com", ["https://x/"]]]},
            "$.services[0][0]: expected an array, got a string",
        ),
        ({"services": [[["com"], [7]]]}, "$.services[0][1][0]: expected a string, got a number"),
    ],
)
def test_malformed_bootstraps_are_errors(value: JSONValue, message: str) -> None:
    with pytest.raises(RdapParseError) as caught:
        parse_bootstrap(value)
    assert str(caught.value) == message


# --- which server, which name ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("apex", "name"),
    [
        ("brightlane.test", "brightlane.test"),
        ("www.Example.co.uk.", "example.co.uk"),
        ("app.example.com", "example.com"),
        ("bücher.de", "xn--bcher-kva.de"),
    ],
)
def test_lookup_name_is_the_registered_domain(apex: str, name: str) -> None:
    assert lookup_name(apex) == name


@pytest.mark.parametrize(
    "apex",
    ["127.0.0.1", "[::1]", "localhost", "exa mple.com", "a/b.com", "x..com", "a" * 70 + ".com"],
)
def test_lookup_name_refuses_what_is_not_a_domain(apex: str) -> None:
    with pytest.raises(ValueError, match="apex"):
        lookup_name(apex)


def test_rdap_server_for_prefers_the_session_and_refuses_plain_http() -> None:
    configured = rdap_server_for("example.io", "https://rdap.registry.test")
    assert configured is not None
    assert (configured.base_url, configured.source) == ("https://rdap.registry.test/", "session")
    found = rdap_server_for("example.com")
    assert found is not None
    assert (found.base_url, found.source) == ("https://rdap.verisign.com/com/v1/", "bootstrap")
    assert rdap_server_for("example.eu") is None
    assert rdap_server_for("example.eu", bootstrap=Bootstrap(entries={"eu": ("https://x/",)}))
    with pytest.raises(UsageError, match="not an https:// URL"):
        rdap_server_for("example.com", "http://rdap.example/")
    with pytest.raises(UsageError, match="not an https:// URL"):
        rdap_server_for("example.com", "rdap.example")
    assert domain_url("https://r.example/v1", "a.com") == "https://r.example/v1/domain/a.com"


# --- the verdict -------------------------------------------------------------------------------


def record(
    days: float | None = 300, statuses: tuple[str, ...] = (), registrar: str = "Namewise"
) -> DomainRecord:
    expires = None if days is None else NOW + timedelta(days=days)
    return DomainRecord(
        name="example.com", expires_at=expires, registrar=registrar, statuses=statuses
    )


VERDICTS = [
    (
        record(300),
        Status.PASS,
        Severity.HIGH,
        "example.com expires in 300 days (2027-03-28), registrar Namewise",
    ),
    (record(61.5), Status.PASS, Severity.HIGH, "example.com expires in 61 days"),
    (
        record(60.5),
        Status.WARN,
        Severity.MEDIUM,
        "example.com expires in 60 days (2026-08-01), registrar Namewise: "
        "renew it before the launch",
    ),
    (record(31), Status.WARN, Severity.MEDIUM, "example.com expires in 31 days"),
    (record(30.9), Status.FAIL, Severity.HIGH, "example.com expires in 30 days"),
    (
        record(24.5),
        Status.FAIL,
        Severity.HIGH,
        "example.com expires in 24 days (2026-06-26), registrar Namewise: "
        "renew it and turn on auto-renew",
    ),
    (
        record(1.2, registrar=""),
        Status.FAIL,
        Severity.HIGH,
        "example.com expires in 1 day (2026-06-02): renew",
    ),
    (
        record(-3),
        Status.FAIL,
        Severity.HIGH,
        "example.com expired 3 days ago (2026-05-29), registrar Namewise: renew it today",
    ),
    (
        record(None),
        Status.WARN,
        Severity.MEDIUM,
        "The registry does not publish an expiry date for example.com (registrar Namewise)",
    ),
    (
        record(200, ("redemption period",)),
        Status.FAIL,
        Severity.HIGH,
        "example.com is in its redemption period (redemption period) (registrar Namewise): "
        "the registration has lapsed",
    ),
    (
        record(None, ("ok", "pendingDelete")),
        Status.FAIL,
        Severity.HIGH,
        "example.com is pending delete (pendingDelete)",
    ),
    (
        record(200, ("client hold",)),
        Status.FAIL,
        Severity.HIGH,
        "example.com is on hold (client hold) (registrar Namewise): it does not resolve",
    ),
    (
        record(200, ("auto renew period", "client transfer prohibited")),
        Status.PASS,
        Severity.HIGH,
        "example.com expires in 200 days",
    ),
    (
        record(300, registrar="\x1b[31mEvil\x1b[0m"),
        Status.PASS,
        Severity.HIGH,
        "example.com expires in 300 days (2027-03-28), registrar ␛[31mEvil␛[0m",
    ),
]


@pytest.mark.parametrize(("value", "status", "severity", "summary"), VERDICTS)
def test_verdicts(value: DomainRecord, status: Status, severity: Severity, summary: str) -> None:
    verdict = judge(value, NOW)
    assert (verdict.status, verdict.severity) == (status, severity)
    assert verdict.summary.startswith(summary), verdict.summary
    assert "\x1b" not in verdict.summary


def test_days_left_rounds_down_and_status_keys_ignore_spelling() -> None:
    assert days_left(NOW + timedelta(days=24, hours=12), NOW) == 24
    assert days_left(NOW - timedelta(hours=1), NOW) == -1
    assert status_key("Redemption Period") == status_key("redemptionPeriod") == "redemptionperiod"


def test_evidence_is_plain_data() -> None:
    evidence = record_evidence(parse_domain(answer()), NOW)
    assert evidence == {
        "registrar": "RESERVED-Internet Assigned Numbers Authority",
        "registrar_iana_id": "376",
        "expires_at": "2026-08-13T04:00:00+00:00",
        "days_left": 72,
        "registered_at": "1995-08-14T04:00:00+00:00",
        "status": ["client delete prohibited", "client transfer prohibited"],
        "nameservers": ["a.iana-servers.net", "b.iana-servers.net"],
        "last_changed_at": "2025-08-14T07:01:39+00:00",
    }

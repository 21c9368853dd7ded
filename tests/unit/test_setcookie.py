"""The Set-Cookie parser reads headers the way browsers do (RFC 6265 §5.2, RFC 6265bis)."""

from __future__ import annotations

from datetime import UTC, datetime
from http.cookies import SimpleCookie

import pytest
from hypothesis import given
from hypothesis import strategies as st

from launch_tui.checks.parse.setcookie import (
    IgnoredCookie,
    SetCookie,
    domain_matches,
    domain_problem,
    parse_cookie_date,
    parse_set_cookie,
    prefix_problem,
)

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def parsed(header: str) -> SetCookie:
    cookie = parse_set_cookie(header)
    assert isinstance(cookie, SetCookie), cookie
    return cookie


def test_a_typical_session_cookie() -> None:
    cookie = parsed("__session=sbx.8f2c; Domain=.Brightlane.test; Path=/; Secure; SameSite=Lax")
    assert (cookie.name, cookie.value) == ("__session", "sbx.8f2c")
    assert cookie.domain == "brightlane.test"  # leading dot dropped, lower-cased
    assert cookie.path == "/"
    assert cookie.secure and not cookie.http_only
    assert cookie.same_site == "Lax"
    assert not cookie.host_only and not cookie.persistent


def test_partitioned_and_unknown_attributes_keep_the_cookie() -> None:
    header = "embed=1; Secure; Partitioned; SameSite=None; Priority=High; Path=/"
    # The standard library drops the whole header over the attributes it does not know.
    assert "embed" not in SimpleCookie(header)
    cookie = parsed(header)
    assert cookie.partitioned and cookie.secure
    assert cookie.same_site == "None"
    assert cookie.extensions == (("Priority", "High"),)


def test_attribute_names_are_case_insensitive_and_the_last_wins() -> None:
    cookie = parsed("a=b; SECURE; httponly; samesite=strict; Path=/x; path=/y; max-age=10")
    assert cookie.secure and cookie.http_only
    assert cookie.same_site == "Strict"
    assert cookie.path == "/y"
    assert cookie.max_age == 10


@pytest.mark.parametrize(
    ("header", "name", "value"),
    [
        ("  spaced  =  value  ; Path=/", "spaced", "value"),
        ("novalue=", "novalue", ""),
        ("justvalue", "", "justvalue"),  # RFC 6265bis: a nameless cookie
        ('quoted="a b"', "quoted", '"a b"'),
        ("eq=a=b=c", "eq", "a=b=c"),
    ],
)
def test_name_and_value(header: str, name: str, value: str) -> None:
    cookie = parsed(header)
    assert (cookie.name, cookie.value) == (name, value)


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("=", "no name and no value"),
        ("   ; Secure", "no name and no value"),
        ("sid=\x1b]0;pwned\x07", "control character in the value"),
        ("s\x00id=1", "control character in the name"),
        ("big=" + "x" * 5000, "name and value longer than 4096 bytes"),
    ],
)
def test_headers_browsers_ignore(header: str, reason: str) -> None:
    cookie = parse_set_cookie(header)
    assert isinstance(cookie, IgnoredCookie)
    assert cookie.reason == reason


def test_invalid_attribute_values_are_ignored_not_fatal() -> None:
    cookie = parsed("a=1; Max-Age=soon; Domain=; Path=relative; SameSite=Sideways; Expires=never")
    assert cookie.max_age is None
    assert cookie.domain is None  # an empty Domain is ignored: host-only
    assert cookie.path is None  # a path not starting with / falls back to the default
    assert cookie.same_site is None and cookie.same_site_raw == "Sideways"
    assert cookie.expires is None


def test_max_age_beats_expires_and_deletion_is_recognised() -> None:
    kept = parsed("a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT; Max-Age=3600")
    assert not kept.deleted(NOW)
    assert parsed("a=; Max-Age=0").deleted(NOW)
    assert parsed("a=; Max-Age=-1").deleted(NOW)
    assert parsed("a=; Expires=Thu, 01 Jan 1970 00:00:00 GMT").deleted(NOW)
    assert not parsed("a=1; Expires=Fri, 01 Jan 2100 00:00:00 GMT").deleted(NOW)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Wed, 21 Oct 2015 07:28:00 GMT", datetime(2015, 10, 21, 7, 28, tzinfo=UTC)),
        ("Wednesday, 21-Oct-15 07:28:00 GMT", datetime(2015, 10, 21, 7, 28, tzinfo=UTC)),
        ("Sun Nov  6 08:49:37 1994", datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)),
        ("21 oct 70 1:2:3", datetime(1970, 10, 21, 1, 2, 3, tzinfo=UTC)),
        ("Thu, 01 Jan 69 00:00:00", datetime(2069, 1, 1, tzinfo=UTC)),
        ("Wed, 31 Feb 2015 07:28:00 GMT", None),
        ("Wed, 21 Oct 2015 25:28:00 GMT", None),
        ("Wed, 21 Oct 1600 07:28:00 GMT", None),
        ("tomorrow", None),
    ],
)
def test_cookie_dates(text: str, expected: datetime | None) -> None:
    assert parse_cookie_date(text) == expected


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        ("__Host-sid=1; Secure; Path=/", ""),
        ("__Host-sid=1; Path=/", "__Host- cookie lacks Secure: browsers reject it"),
        ("__Host-sid=1; Secure", "__Host- cookie lacks Path=/: browsers reject it"),
        (
            "__host-sid=1; Secure; Path=/; Domain=example.com",
            "__Host- cookie sets Domain: browsers reject it",
        ),
        ("__Secure-id=1; Secure", ""),
        ("__Secure-id=1", "__Secure- cookie lacks Secure: browsers reject it"),
        ("plain=1", ""),
    ],
)
def test_prefix_rules(header: str, problem: str) -> None:
    assert prefix_problem(parsed(header)) == problem


def test_domain_rules() -> None:
    assert domain_matches("app.example.com", "example.com")
    assert domain_matches("example.com", "EXAMPLE.com.")
    assert not domain_matches("badexample.com", "example.com")
    assert not domain_matches("127.0.0.1", "0.0.1")
    cookie = parsed("a=1; Domain=other.test")
    assert domain_problem(cookie, "app.example.com") == (
        "Domain=other.test does not cover app.example.com: browsers reject it"
    )
    assert domain_problem(parsed("a=1; Domain=example.com"), "app.example.com") == ""
    assert domain_problem(parsed("a=1"), "app.example.com") == ""


@given(st.text(max_size=300))
def test_any_header_parses_to_a_value_without_raising(header: str) -> None:
    cookie = parse_set_cookie(header)
    assert isinstance(cookie, SetCookie | IgnoredCookie)
    assert cookie.raw == header

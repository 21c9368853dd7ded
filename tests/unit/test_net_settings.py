"""Parsing ``--nameserver`` / ``--resolve`` and building the network config (pure; no sockets)."""

from __future__ import annotations

import pytest

from launch_tui.core.errors import UsageError
from launch_tui.core.model import NetworkSettings
from launch_tui.net import (
    Nameserver,
    NetConfig,
    NetLimits,
    ResolveOverride,
    make_ssl_context,
    net_config,
    parse_connect_to,
    parse_nameserver,
    parse_resolve,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1", Nameserver("127.0.0.1", 53)),
        ("127.0.0.1:5353", Nameserver("127.0.0.1", 5353)),
        ("::1", Nameserver("::1", 53)),
        ("[::1]:5353", Nameserver("::1", 5353)),
        (" 10.0.0.2 ", Nameserver("10.0.0.2", 53)),
    ],
)
def test_parse_nameserver(text: str, expected: Nameserver) -> None:
    assert parse_nameserver(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "empty"),
        ("ns1.example.com", "IP address"),
        ("127.0.0.1:0", "1 to 65535"),
        ("127.0.0.1:99999", "1 to 65535"),
        ("127.0.0.1:dns", "not a number"),
        ("[::1", "missing ']'"),
    ],
)
def test_parse_nameserver_errors(text: str, says: str) -> None:
    with pytest.raises(UsageError, match=says) as info:
        parse_nameserver(text)
    assert info.value.title == "Usage error"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("app.example.com=127.0.0.2", ResolveOverride("app.example.com", "127.0.0.2")),
        ("App.Example.COM.=127.0.0.2:8443", ResolveOverride("app.example.com", "127.0.0.2", 8443)),
        (
            "app.example.com:80=127.0.0.2:8080",
            ResolveOverride("app.example.com", "127.0.0.2", 8080, 80),
        ),
        ("v6.example.com=[::1]:8443", ResolveOverride("v6.example.com", "::1", 8443)),
        ("v6.example.com=::1", ResolveOverride("v6.example.com", "::1")),
    ],
)
def test_parse_resolve(text: str, expected: ResolveOverride) -> None:
    assert parse_resolve(text) == expected
    assert parse_resolve(str(expected)) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("app.example.com", "HOST=IP"),
        ("app.example.com=", "HOST=IP"),
        ("=127.0.0.1", "HOST=IP"),
        ("a=b=c", "HOST=IP"),
        ("app.example.com=server.internal", "not an IP address"),
        ("bad host!=127.0.0.1", "not a host name"),
        ("app.example.com=127.0.0.1:70000", "1 to 65535"),
    ],
)
def test_parse_resolve_errors(text: str, says: str) -> None:
    with pytest.raises(UsageError, match=says):
        parse_resolve(text)


def test_override_lookup_prefers_the_port_specific_entry() -> None:
    config = NetConfig(
        overrides=(
            parse_resolve("site.test=127.0.0.5"),
            parse_resolve("site.test:80=127.0.0.2:8080"),
            parse_resolve("site.test:443=127.0.0.2:8443"),
        )
    )
    assert config.override_for("site.test", 80) == ("127.0.0.2", 8080)
    assert config.override_for("SITE.test.", 443) == ("127.0.0.2", 8443)
    assert config.override_for("site.test", 8000) == ("127.0.0.5", 8000)
    assert config.override_for("other.test", 80) is None
    assert config.connect_to("site.test", 443) == "127.0.0.2:8443"


def test_net_config_from_settings() -> None:
    settings = NetworkSettings(
        nameservers=("127.0.0.1:5353",),
        resolve=("app.example.com=127.0.0.2:8443",),
        ca_bundle="",
        timeout=3.0,
    )
    config = net_config(settings)
    assert config.nameservers == (Nameserver("127.0.0.1", 5353),)
    assert config.overrides == (ResolveOverride("app.example.com", "127.0.0.2", 8443),)
    assert config.ca_bundle is None
    assert config.limits.total_deadline == 3.0
    assert config.limits.connect_timeout == 3.0
    assert config.limits.max_body_bytes == 5 * 1024 * 1024


def test_default_limits_are_what_a_user_expects() -> None:
    limits = NetLimits()
    assert limits.total_deadline == 10.0
    assert limits.max_body_bytes == 5 * 1024 * 1024
    assert limits.max_header_bytes == 64 * 1024
    assert limits.max_headers == 200
    assert limits.max_redirects == 10
    assert limits.max_cname_chain == 16


@pytest.mark.parametrize(
    "kwargs",
    [{"total_deadline": 0}, {"connect_timeout": -1}, {"max_body_bytes": 0}, {"max_redirects": -1}],
)
def test_limits_reject_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(UsageError):
        NetLimits(**kwargs)  # type: ignore[arg-type]


def test_bad_timeout_setting() -> None:
    with pytest.raises(UsageError, match="--timeout"):
        net_config(NetworkSettings(timeout=0))


def test_parse_connect_to() -> None:
    assert parse_connect_to("127.0.0.2", 443) == ("127.0.0.2", 443)
    assert parse_connect_to("127.0.0.2:8443", 443) == ("127.0.0.2", 8443)
    with pytest.raises(UsageError):
        parse_connect_to("host.example:443", 443)


def test_missing_or_bad_ca_bundle(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    with pytest.raises(UsageError, match="no such file") as info:
        make_ssl_context(str(tmp_path / "missing.pem"))
    assert info.value.title == "CA bundle not found"
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    with pytest.raises(UsageError, match="not a PEM file"):
        make_ssl_context(str(junk))

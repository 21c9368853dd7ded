"""SPF record grammar and macro expansion (RFC 7208 4.5, 5, 6, 7, 12)."""

from __future__ import annotations

import ipaddress

import pytest

from launch_tui.checks.parse.spf import (
    MacroVars,
    Qualifier,
    SpfSyntaxError,
    expand,
    is_spf_record,
    parse_record,
    truncate_domain,
)

# RFC 7208 7.4's example: sender strong-bad@email.example.com, IPv4 192.0.2.3.
RFC_VARS = MacroVars(
    sender="strong-bad@email.example.com",
    domain="email.example.com",
    ip=ipaddress.ip_address("192.0.2.3"),
    helo="mx.example.org",
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("v=spf1", True),
        ("v=spf1 -all", True),
        ("V=SPF1 -all", True),
        ("v=spf10 -all", False),
        ("v=spf1-all", False),
        ("spf2.0/pra -all", False),
        (" v=spf1 -all", False),
    ],
)
def test_record_selection(text: str, expected: bool) -> None:
    assert is_spf_record(text) is expected


def test_terms_modifiers_and_counts() -> None:
    record = parse_record(
        "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a mx:mail.example.com/28//64 "
        "include:_spf.example.net ~all redirect=other.example exp=why.example.com foo=bar"
    )
    names = [m.name for m in record.mechanisms]
    assert names == ["ip4", "ip6", "a", "mx", "include", "all"]
    mx = record.mechanisms[3]
    assert (mx.domain_spec, mx.cidr4, mx.cidr6) == ("mail.example.com", 28, 64)
    assert record.mechanisms[0].network == ipaddress.ip_network("192.0.2.0/24")
    assert record.mechanisms[-1].qualifier is Qualifier.SOFTFAIL
    assert record.redirect == "other.example"
    assert record.exp == "why.example.com"
    assert [m.name for m in record.unknown_modifiers] == ["foo"]
    # a, mx, include and redirect cost lookups; ip4, ip6 and all do not.
    assert record.dns_terms == 4
    assert record.after_all == ("redirect=other.example", "foo=bar")


@pytest.mark.parametrize(
    "text",
    [
        "v=spf1 -all:foo",
        "v=spf1 ip4:1.2.3",
        "v=spf1 ip4:1.2.03.4",
        "v=spf1 ip4:1.2.3.4/33",
        "v=spf1 ip6:::1/129",
        "v=spf1 ip6:fe80::1%eth0",
        "v=spf1 a:museum",
        "v=spf1 a:foo.1",
        "v=spf1 a/024",
        "v=spf1 include",
        "v=spf1 exists",
        "v=spf1 redirect=a.example redirect=b.example",
        "v=spf1 exp=a.example exp=b.example",
        "v=spf1 bogus:example.com",
        "v=spf1 a:%{x}.example.com",
        "v=spf1 a:%{d0}.example.com",
        "v=spf1 a:%{r}.example.com",
        "v=spf1 a:foo%.example.com",
        "v=spf1 foo=%{bad",
        "v=spf1 a:caf\u00e9.example.com",
        "v=spf1 =foo",
        "v=spf1 1foo=bar",
    ],
)
def test_syntax_errors_are_rejected(text: str) -> None:
    with pytest.raises(SpfSyntaxError):
        parse_record(text)


@pytest.mark.parametrize(
    ("macro", "expected"),
    [
        ("%{s}", "strong-bad@email.example.com"),
        ("%{o}", "email.example.com"),
        ("%{d}", "email.example.com"),
        ("%{d4}", "email.example.com"),
        ("%{d3}", "email.example.com"),
        ("%{d2}", "example.com"),
        ("%{d1}", "com"),
        ("%{dr}", "com.example.email"),
        ("%{d2r}", "example.email"),
        ("%{l}", "strong-bad"),
        ("%{l-}", "strong.bad"),
        ("%{lr}", "strong-bad"),
        ("%{lr-}", "bad.strong"),
        ("%{l1r-}", "strong"),
        ("%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"),
        ("%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"),
        ("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"),
        ("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com"),
        ("%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"),
        ("%%%_%-", "% %20"),
    ],
)
def test_rfc_7208_section_7_4_examples(macro: str, expected: str) -> None:
    assert expand(macro, RFC_VARS) == expected


def test_ipv6_nibbles_and_url_escaping() -> None:
    six = MacroVars(
        sender="~jack&jill=up@example.com",
        domain="example.com",
        ip=ipaddress.ip_address("2001:db8::cb01"),
        helo="h.example",
    )
    assert (
        expand("%{ir}.%{v}._spf.%{d2}", six).lower()
        == "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com"
    )
    assert expand("%{L}", six, explanation=True) == "~jack%26jill%3Dup"
    assert expand("%{c} at %{t}", six, explanation=True) == "2001:db8::cb01 at 0"


def test_exp_only_letters_are_refused_outside_explanations() -> None:
    with pytest.raises(SpfSyntaxError):
        expand("%{c}.example.com", RFC_VARS)


def test_long_expansions_lose_labels_on_the_left() -> None:
    name = ".".join(["a" * 60] * 5) + ".example.com"
    cut = truncate_domain(name)
    assert len(cut) <= 253
    assert cut.endswith(".example.com")
    assert name.endswith(cut)

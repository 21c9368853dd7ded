"""Pure readings behind the perf checks: registrable domains, page scans, response headers."""

from __future__ import annotations

import pytest

from launch_tui.checks.parse.page_scan import scan_page
from launch_tui.checks.parse.response_facts import (
    cache_facts,
    caching_verdict,
    parse_cache_control,
    parse_server_timing,
)
from launch_tui.core.model import Status
from launch_tui.net import FetchResult
from launch_tui.net.public_suffix import (
    SuffixRules,
    public_suffix,
    registrable_domain,
    same_site,
)

# --- registrable domains -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "domain"),
    [
        ("www.brightlane.test", "brightlane.test"),
        ("cdn.brightlane.test", "brightlane.test"),
        ("brightlane.test", "brightlane.test"),
        ("shop.example.co.uk", "example.co.uk"),
        ("a.b.example.com.au", "example.com.au"),
        ("WWW.Example.COM.", "example.com"),
        ("brightlane-app.vercel.app", "brightlane-app.vercel.app"),
        ("user.github.io", "user.github.io"),
        ("x.y.compute.amazonaws.com", "x.y.compute.amazonaws.com"),
        ("co.uk", "co.uk"),
        ("127.0.0.1", "127.0.0.1"),
        ("[::1]", "::1"),
        # Wildcard and exception rules (*.ck, !www.ck).
        ("a.b.ck", "a.b.ck"),
        ("www.ck", "www.ck"),
        ("shop.www.ck", "www.ck"),
    ],
)
def test_registrable_domain(host: str, domain: str) -> None:
    assert registrable_domain(host) == domain


def test_public_suffix_and_same_site() -> None:
    assert public_suffix("shop.example.co.uk") == "co.uk"
    assert public_suffix("anything.unknowntld") == "unknowntld"  # the default rule "*"
    assert public_suffix("10.0.0.1") == ""
    assert same_site("www.brightlane.test", "cdn.brightlane.test")
    assert not same_site("a.github.io", "b.github.io")
    assert not same_site("www.brightlane.test", "cdn.tagmanager.example")


def test_rules_parse_the_list_format() -> None:
    rules = SuffixRules.parse(
        "// comment\n\nexample\n*.wild.example\n!keep.wild.example  trailing\n"
    )
    assert registrable_domain("a.b.example", rules) == "b.example"
    assert registrable_domain("a.b.wild.example", rules) == "a.b.wild.example"
    assert registrable_domain("x.keep.wild.example", rules) == "keep.wild.example"


# --- page scans --------------------------------------------------------------------------------

PAGE = """<!doctype html><html><head>
<title>t</title>
<link rel="stylesheet" href="/a.css">
<script src="https://cdn.tagmanager.example/gtm.js"></script>
<script src="/polyfills.js"></script>
<script src="/early.js" async></script>
<script type="module" src="/mod.js"></script>
<script type="application/ld+json">{"@context": "https://schema.org"}</script>
<script>window.x = 1;</script>
</head><body>
<img src="/hero.webp"><img src="https://images.cdn.example/p.png">
<script src="https://widget.chat.example/loader.js" defer></script>
<script src="//js.payments.example/v3/"></script>
<script src="javascript:alert(1)"></script>
</body></html>"""


def test_scan_finds_scripts_and_which_block_rendering() -> None:
    scan = scan_page(PAGE, "https://www.brightlane.test/")
    urls = [s.url for s in scan.external_scripts]
    assert urls == [
        "https://cdn.tagmanager.example/gtm.js",
        "https://www.brightlane.test/polyfills.js",
        "https://www.brightlane.test/early.js",
        "https://www.brightlane.test/mod.js",
        "https://widget.chat.example/loader.js",
        "https://js.payments.example/v3/",
    ]
    blocking = [s.url for s in scan.external_scripts if s.blocking]
    assert blocking == [
        "https://cdn.tagmanager.example/gtm.js",
        "https://www.brightlane.test/polyfills.js",
    ]
    # A script at the end of <body> without defer does not block the first render.
    assert not scan.external_scripts[-1].blocking
    assert scan.inline_script_bytes == len("window.x = 1;")
    assert (scan.stylesheets, scan.images) == (1, 2)


def test_scan_without_head_tags_and_with_base() -> None:
    scan = scan_page(
        '<base href="https://static.example.net/app/"><script src="x.js"></script><p>hi</p>'
        '<script src="y.js"></script>',
        "https://www.example.com/",
    )
    assert [(s.url, s.blocking) for s in scan.scripts] == [
        ("https://static.example.net/app/x.js", True),
        ("https://static.example.net/app/y.js", False),
    ]


def test_scan_survives_hostile_markup() -> None:
    scan = scan_page("<script src='\x1b]0;x\x07'><<<>>></scr" + "<" * 10_000, "https://a.test/")
    assert len(scan.scripts) <= 1


# --- Server-Timing -----------------------------------------------------------------------------


def test_server_timing_entries() -> None:
    entries = parse_server_timing(
        'db;dur=96.4, app;dur=31.2;desc="render, then send", cache;desc=hit, miss;dur=abc, '
        "total;dur=1e3"
    )
    assert entries == [
        {"name": "db", "dur_ms": 96.4},
        {"name": "app", "dur_ms": 31.2, "desc": "render, then send"},
        {"name": "cache", "dur_ms": None, "desc": "hit"},
        {"name": "miss", "dur_ms": None},
        {"name": "total", "dur_ms": 1000.0},
    ]


def test_server_timing_is_bounded_and_sanitized() -> None:
    entries = parse_server_timing(", ".join(f"m{i};dur=1" for i in range(100)))
    assert len(entries) == 30
    hostile = parse_server_timing('\x1b[2Jdb;dur=nan;desc="\x1b]0;pwned\x07"')
    assert hostile[0]["dur_ms"] is None
    assert "\x1b" not in str(hostile)


# --- caching -----------------------------------------------------------------------------------


def response(*headers: tuple[str, str]) -> FetchResult:
    return FetchResult(
        url="https://www.example.com/",
        method="GET",
        final_url="https://www.example.com/",
        status=200,
        headers=headers,
    )


def test_cache_control_directives() -> None:
    assert parse_cache_control('public, max-age=0, s-maxage=300, no-cache="Set-Cookie"') == {
        "public": "",
        "max-age": "0",
        "s-maxage": "300",
        "no-cache": "Set-Cookie",
    }


@pytest.mark.parametrize(
    ("headers", "status", "starts"),
    [
        ((), Status.WARN, "Public page without Cache-Control or ETag"),
        ((("Cache-Control", "private, no-store"),), Status.PASS, "Marked no-store"),
        ((("Cache-Control", "private"),), Status.PASS, "Marked private"),
        (
            (("Cache-Control", "public, max-age=0, s-maxage=300"), ("ETag", '"a"')),
            Status.PASS,
            "Cacheable (s-maxage=300)",
        ),
        ((("Cache-Control", "max-age=60"),), Status.WARN, "Cacheable for 60 s but without"),
        ((("Cache-Control", "no-cache"), ("Last-Modified", "x")), Status.PASS, "Revalidated"),
        ((("ETag", '"a"'),), Status.WARN, "ETag or Last-Modified but no Cache-Control"),
        ((("Cache-Control", "public"),), Status.WARN, "Cache-Control 'public' gives no lifetime"),
    ],
)
def test_caching_verdicts(
    headers: tuple[tuple[str, str], ...], status: Status, starts: str
) -> None:
    verdict = caching_verdict(cache_facts(response(*headers)))
    assert verdict[0] is status
    assert verdict[1].startswith(starts), verdict[1]


def test_cache_hits_from_cdn_status_or_age() -> None:
    assert cache_facts(response(("CF-Cache-Status", "HIT"))).hit is True
    assert cache_facts(response(("CF-Cache-Status", "DYNAMIC"))).hit is False
    assert cache_facts(response(("Cache-Status", "ExampleCDN; hit"))).hit is True
    assert cache_facts(response(("X-Cache", "Miss from cloudfront"))).hit is False
    assert cache_facts(response(("Age", "12"))).hit is True
    assert cache_facts(response()).hit is None
    facts = cache_facts(response(("Cache-Control", "max-age=5\x1b[31m"), ("ETag", "\x1b]0;x\x07")))
    assert "\x1b" not in f"{facts.cache_control}{facts.etag}"

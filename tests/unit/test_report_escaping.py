"""Markdown filters and the link rule: data never becomes Markdown structure or a bad link."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from launch_tui.core import sanitize
from launch_tui.report import cleaning
from launch_tui.report.escaping import (
    Md,
    md_block,
    md_code,
    md_finalize,
    md_link,
    md_para,
    md_text,
    safe_url,
)

# Characters CommonMark/GFM give meaning to inline, which md_text must never leave bare.
_SPECIAL = set("\\`*_[]<>|~$&")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _unescaped(text: str) -> list[str]:
    """Specials not preceded by an escaping backslash."""
    found = []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            i += 2
            continue
        if text[i] in _SPECIAL:
            found.append(text[i])
        i += 1
    return found


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("plain text", "plain text"),
        ("| pipe |", "\\| pipe \\|"),
        ("`tick`", "\\`tick\\`"),
        ("<script>", "\\<script\\>"),
        ("[@click=app.quit]", "\\[@click=app.quit\\]"),
        ("# heading", "\\# heading"),
        ("> quote", "\\> quote"),
        ("- bullet", "\\- bullet"),
        ("1. ordered", "1\\. ordered"),
        ("10) ordered", "10\\) ordered"),
        ("1.5 seconds", "1.5 seconds"),
        ("a\nb", "a b"),
        ("STRIPE_SECRET_KEY", "STRIPE\\_SECRET\\_KEY"),
        ("&lt;", "\\&lt;"),
        ("$5", "\\$5"),
        ("\x1b]0;pwned\x07", "␛\\]0;pwned␇"),
        ("a\u202eb", "a\ufffdb"),
    ],
)
def test_md_text_escapes(raw: str, expected: str) -> None:
    assert md_text(raw) == expected
    assert isinstance(md_text(raw), Md)


def test_md_text_leaves_escaped_text_alone() -> None:
    once = md_text("| a |")
    assert md_text(once) == once


@settings(max_examples=300)
@given(st.text())
def test_md_text_never_leaves_markdown_specials_or_controls(raw: str) -> None:
    out = md_text(raw)
    assert "\n" not in out and "\r" not in out
    assert not _CONTROL.search(out)
    assert _unescaped(out) == []
    assert not re.match(r"[#>\-+=]|\d{1,9}[.)](\s|$)", out)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("dns.records", "`dns.records`"),
        ("a`b", "``a`b``"),
        ("`x`", "`` `x` ``"),
        ("a``b", "```a``b```"),
        ("a|b", "`a\\|b`"),
        ("", ""),
        ("  ", ""),
        ("a\nb", "`a b`"),
    ],
)
def test_md_code(raw: str, expected: str) -> None:
    assert md_code(raw) == expected


@settings(max_examples=300)
@given(st.text(min_size=1))
def test_md_code_fence_is_longer_than_any_run_inside(raw: str) -> None:
    out = md_code(raw)
    if not out:
        return
    fence = re.match(r"`+", out)
    assert fence is not None
    inner = out[len(fence.group()) : -len(fence.group())]
    assert out.endswith(fence.group())
    assert all(len(run) < len(fence.group()) for run in re.findall(r"`+", inner))
    assert "|" not in inner.replace("\\|", "")
    assert "\n" not in out


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/a?b=1", "https://example.com/a?b=1"),
        ("http://example.com", "http://example.com"),
        ("HTTPS://EXAMPLE.COM/", "HTTPS://EXAMPLE.COM/"),
        ("https://ok.example/a b|c<d>", "https://ok.example/a%20b%7Cc%3Cd%3E"),
        ("javascript:alert(1)", ""),
        ("JavaScript:alert(1)", ""),
        (" javascript:alert(1)", ""),
        ("data:text/html,<b>", ""),
        ("file:///etc/passwd", ""),
        ("//evil.example/x", ""),
        ("/relative", ""),
        ("https://", ""),
        ("https://ok.example/\x1b[31m", ""),
        ("https://ok.example/\u202e", ""),
        ("", ""),
    ],
)
def test_safe_url(url: str, expected: str) -> None:
    assert safe_url(url) == expected


def test_md_link_only_links_http_urls() -> None:
    assert md_link("docs", "https://ok.example/x") == "[docs](<https://ok.example/x>)"
    assert md_link("x", "javascript:alert(1)") == "x (`javascript:alert(1)`)"
    assert md_link("javascript:alert(1)", "javascript:alert(1)") == "`javascript:alert(1)`"
    assert md_link("[a](b)", "https://ok.example/") == "[\\[a\\](b)](<https://ok.example/>)"
    assert "](" not in md_link("a", "data:text/html,x")


def test_md_para_keeps_lines_as_hard_breaks_and_escapes_each() -> None:
    out = md_para("# one\n- two\n\n<b>three</b>", prefix="> ")
    assert out == "> \\# one\\\n> \\- two\\\n> \\<b\\>three\\</b\\>"


def test_md_block_fence_outgrows_backticks_inside() -> None:
    out = md_block("v=spf1 ```` ~all")
    assert out.startswith("`````\n") and out.endswith("\n`````")
    assert md_block("x", lang="bad lang!").startswith("```\n")


def test_finalize_escapes_plain_values_and_passes_escaped_ones() -> None:
    assert md_finalize("<b>") == "\\<b\\>"
    assert md_finalize(Md("**ok**")) == "**ok**"
    assert md_finalize(None) == ""
    assert md_finalize(3) == "3"
    assert md_finalize(True) == "yes"


_ANY_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(),
        st.sampled_from("\x00\x07\t\n\r\x1b\x7f\x85\x9b\u061c\u200b\u200e\u2028\u202e\u2066\ufeff"),
    )
)


@settings(max_examples=500)
@given(_ANY_TEXT, st.one_of(st.none(), st.integers(min_value=1, max_value=40)))
def test_fast_cleaning_is_exactly_sanitize(raw: str, max_len: int | None) -> None:
    assert cleaning.clean(raw, max_len=max_len) == sanitize.clean(raw, max_len=max_len)
    assert cleaning.clean_multiline(raw, max_len=max_len) == sanitize.clean_multiline(
        raw, max_len=max_len
    )

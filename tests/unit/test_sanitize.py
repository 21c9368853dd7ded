"""The display sanitizer: no control, bidi or invisible character survives, and it is idempotent."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from launch_tui.core.sanitize import clean, clean_multiline

BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
INVISIBLE = set("\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\ufff9\ufffa\ufffb") | {
    chr(c) for c in range(0x206A, 0x2070)
}


def unsafe(ch: str, *, allow_newline: bool = False) -> bool:
    if allow_newline and ch == "\n":
        return False
    return (
        unicodedata.category(ch) in ("Cc", "Cs")
        or ch in BIDI
        or ch in INVISIBLE
        or ch
        in (
            "\u2028",
            "\u2029",
        )
    )


# Text biased towards the characters that matter, plus anything at all.
hostile = st.text(
    alphabet=st.one_of(
        st.sampled_from(
            sorted(BIDI | INVISIBLE)
            + [chr(c) for c in range(0x20)]
            + [chr(c) for c in range(0x7F, 0xA0)]
            + ["\u2028", "\u2029", "\ud800", "\udfff", "[", "]", "é", "日"]
        ),
        st.characters(),
    )
)


@given(hostile)
def test_clean_leaves_no_control_characters(text: str) -> None:
    out = clean(text)
    assert not any(unsafe(ch) for ch in out), repr(out)


@given(hostile)
def test_clean_multiline_keeps_only_newlines(text: str) -> None:
    out = clean_multiline(text)
    assert not any(unsafe(ch, allow_newline=True) for ch in out), repr(out)
    assert "\r" not in out


@given(hostile, st.one_of(st.none(), st.integers(min_value=1, max_value=50)))
def test_idempotent(text: str, max_len: int | None) -> None:
    once = clean(text, max_len=max_len)
    assert clean(once, max_len=max_len) == once
    multi = clean_multiline(text, max_len=max_len)
    assert clean_multiline(multi, max_len=max_len) == multi


@given(hostile, st.integers(min_value=1, max_value=50))
def test_max_len_is_respected(text: str, max_len: int) -> None:
    assert len(clean(text, max_len=max_len)) <= max_len


@given(st.binary())
def test_bytes_are_decoded_with_replacement(data: bytes) -> None:
    out = clean(data)
    assert not any(unsafe(ch) for ch in out)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[31mred\x1b[0m", "␛[31mred␛[0m"),
        ("a\tb\r\nc\nd", "a b c d"),
        ("null\x00del\x7f", "null␀del␡"),
        ("csi\x9b31m", "csi\ufffd31m"),
        ("safe\u202etxt.exe", "safe\ufffdtxt.exe"),
        ("zero\u200bwidth\ufeff", "zerowidth"),
        ("plain [b]markup[/b] é 日本", "plain [b]markup[/b] é 日本"),
        (b"\xff\xfebytes", "\ufffd\ufffdbytes"),
    ],
)
def test_examples(raw: str | bytes, shown: str) -> None:
    assert clean(raw) == shown


def test_multiline_normalises_line_breaks() -> None:
    assert clean_multiline("a\r\nb\rc\u2028d\n") == "a\nb\nc\nd\n"


def test_truncation_marks_the_cut() -> None:
    assert clean("abcdefgh", max_len=5) == "abcd…"
    assert clean("abc", max_len=5) == "abc"
    with pytest.raises(ValueError, match="max_len"):
        clean("abc", max_len=0)

"""Bounded Content-Encoding decoding (pure; no sockets)."""

from __future__ import annotations

import gzip
import zlib

import pytest

from launch_tui.net import decode_body

TEXT = b"hello, world " * 100


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        ("gzip", gzip.compress(TEXT, mtime=0)),
        ("x-gzip", gzip.compress(TEXT, mtime=0)),
        ("deflate", zlib.compress(TEXT)),
        ("deflate", zlib.compress(TEXT)[2:-4]),  # raw deflate, as some servers send
        ("identity", TEXT),
        ("", TEXT),
        ("gzip, deflate", zlib.compress(gzip.compress(TEXT, mtime=0))),
    ],
    # Stable ids: parallel workers (pytest-xdist) must collect the same tests.
    ids=["gzip", "x-gzip", "deflate", "raw-deflate", "identity", "none", "gzip-then-deflate"],
)
def test_decodes(encoding: str, body: bytes) -> None:
    decoded = decode_body(body, encoding, max_bytes=10_000)
    assert decoded.data == TEXT
    assert not decoded.truncated
    assert decoded.note == ""


def test_inflation_is_capped() -> None:
    bomb = gzip.compress(b"\0" * (50 * 1024 * 1024))
    decoded = decode_body(bomb, "gzip", max_bytes=1024 * 1024)
    assert len(decoded.data) == 1024 * 1024
    assert decoded.truncated


def test_exactly_at_the_cap_is_not_truncated() -> None:
    decoded = decode_body(gzip.compress(TEXT), "gzip", max_bytes=len(TEXT))
    assert decoded.data == TEXT
    assert not decoded.truncated


def test_unknown_coding_is_left_alone_with_a_note() -> None:
    decoded = decode_body(b"\x1b\x00br", "br", max_bytes=100)
    assert decoded.data == b"\x1b\x00br"
    assert "not supported" in decoded.note


def test_corrupt_gzip_is_a_note_not_an_exception() -> None:
    decoded = decode_body(b"\x1f\x8b garbage", "gzip", max_bytes=100)
    assert "not valid gzip" in decoded.note


def test_truncated_gzip_decodes_what_arrived() -> None:
    body = gzip.compress(TEXT)[: len(gzip.compress(TEXT)) // 2]
    decoded = decode_body(body, "gzip", max_bytes=10_000)
    assert TEXT.startswith(decoded.data)

"""Make untrusted text safe to show on a terminal or in a one-line label.

Text from the network (headers, TXT records, certificate subjects, page titles) and from repos
(commit messages) is data: it may carry terminal escape sequences, bidi overrides that reorder
what a reader sees (Trojan Source), or invisible characters that make two names look equal.
These functions turn such text into something that displays as what it is.

What happens to each kind of character (chosen so that an attack stays *visible*, because an
auditor wants to see that a header carried an escape sequence, not a silently tidied value):

* C0 controls (U+0000–U+001F) and DEL become their Unicode *control pictures*
  (ESC → ``␛``, NUL → ``␀``, DEL → ``␡``), except the whitespace below.
* Tab becomes one space. Line breaks (``\\r\\n``, ``\\r``, ``\\n``, U+2028, U+2029) become one
  space in :func:`clean` and ``\\n`` in :func:`clean_multiline`.
* C1 controls (U+0080–U+009F, including the 8-bit CSI U+009B), bidi embeddings, overrides,
  isolates and marks (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C) and lone
  surrogates become U+FFFD ``�``.
* Zero-width and invisible format characters (U+200B–U+200D, U+2060–U+2064, U+FEFF, U+206A–U+206F,
  U+FFF9–U+FFFB) are dropped: they have no glyph to show and only serve to disguise text.

Both functions are pure and idempotent: cleaning cleaned text changes nothing.
"""

from __future__ import annotations

import re

_REPLACEMENT = "\ufffd"
_ELLIPSIS = "…"

#: Bidi embeddings/overrides/isolates and marks: they reorder or hide what a reader sees.
_BIDI = "\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"
#: Invisible format characters with no display value.
_INVISIBLE = "\u200b-\u200d\u2060-\u2064\u206a-\u206f\ufeff\ufff9-\ufffb"

_LINE_BREAK = re.compile("\r\n|[\r\n\u2028\u2029]")
_DROP = re.compile(f"[{_INVISIBLE}]")
_TO_REPLACEMENT = re.compile(f"[\x80-\x9f{_BIDI}\ud800-\udfff]")
_C0_OR_DEL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    # U+2400 + code is the control picture for C0; DEL's picture is U+2421.
    return "\u2421" if code == 0x7F else chr(0x2400 + code)


def _clean(text: str | bytes, line_break: str, max_len: int | None) -> str:
    if max_len is not None and max_len < 1:
        raise ValueError("max_len must be at least 1")
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    text = _LINE_BREAK.sub(line_break, text)
    text = text.replace("\t", " ")
    text = _DROP.sub("", text)
    text = _TO_REPLACEMENT.sub(_REPLACEMENT, text)
    # \n is only still present in multiline mode, where it is kept on purpose.
    text = _C0_OR_DEL.sub(_picture, text)
    if max_len is not None and len(text) > max_len:
        text = text[: max_len - 1] + _ELLIPSIS
    return text


def clean(text: str | bytes, *, max_len: int | None = None) -> str:
    """Return ``text`` fit for one line of display: no control, bidi or invisible characters.

    Line breaks and tabs become single spaces; see the module docstring for the rest. Bytes are
    decoded as UTF-8 with ``errors="replace"``. With ``max_len``, longer results are cut to
    ``max_len`` characters, the last being ``…``.
    """
    return _clean(text, " ", max_len)


def clean_multiline(text: str | bytes, *, max_len: int | None = None) -> str:
    """Like :func:`clean`, but keeps line breaks, normalised to ``\\n``."""
    return _clean(text, "\n", max_len)

"""``clean`` and ``clean_multiline`` with a fast path for text that needs no cleaning.

A large report cleans tens of thousands of short strings, nearly all of them already harmless
(and many already cleaned once when the view-model was built). One regular-expression search
decides whether :mod:`launch_tui.core.sanitize` has anything to do; when it has, the call goes
there, so the rules stay in one place. A property test holds the two to the same output.
"""

from __future__ import annotations

import re

from launch_tui.core import sanitize

__all__ = ["clean", "clean_multiline"]

# Every character sanitize may change: C0 and C1 controls, DEL, line and paragraph separators,
# bidi controls and marks, zero-width and invisible format characters, lone surrogates.
_SUSPECT = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\ufeff\ufff9-\ufffb\ud800-\udfff]"
)
_SUSPECT_MULTILINE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\ufeff\ufff9-\ufffb\ud800-\udfff]"
)


def clean(text: str, *, max_len: int | None = None) -> str:
    """Exactly :func:`launch_tui.core.sanitize.clean`, faster on text that is already clean."""
    if (max_len is None or len(text) <= max_len) and not _SUSPECT.search(text):
        return text
    return sanitize.clean(text, max_len=max_len)


def clean_multiline(text: str, *, max_len: int | None = None) -> str:
    """Exactly :func:`launch_tui.core.sanitize.clean_multiline`, faster on clean text."""
    if (max_len is None or len(text) <= max_len) and not _SUSPECT_MULTILINE.search(text):
        return text
    return sanitize.clean_multiline(text, max_len=max_len)

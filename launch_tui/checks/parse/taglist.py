"""The ``tag=value; tag=value`` lists DKIM keys, DKIM signatures and DMARC records are made of.

RFC 6376 3.2: tags are separated by ``;`` (a trailing one is allowed), whitespace around names,
values and separators is folding whitespace and ignored, and a tag named twice makes the whole
list invalid. DMARC (RFC 7489 6.4) reuses the same grammar.
"""

from __future__ import annotations

import re

_TAG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_WHITESPACE = " \t\r\n"


class TagListError(ValueError):
    """A tag list that does not follow the grammar (message names the problem)."""


def parse_tag_list(text: str) -> dict[str, str]:
    """Tags in order of appearance, names as written, values stripped of surrounding space."""
    tags: dict[str, str] = {}
    parts = text.split(";")
    if parts and not parts[-1].strip(_WHITESPACE):
        parts.pop()  # a trailing ';' is allowed
    for part in parts:
        name, equals, value = part.partition("=")
        name = name.strip(_WHITESPACE)
        if not equals:
            if not name:
                raise TagListError("an empty tag (two ';' in a row)")
            raise TagListError(f"'{name[:40]}' has no '='")
        if not _TAG_NAME.match(name):
            raise TagListError(f"'{name[:40]}' is not a valid tag name")
        if name in tags:
            raise TagListError(f"the tag '{name}' appears twice")
        tags[name] = value.strip(_WHITESPACE)
    return tags


def without_whitespace(value: str) -> str:
    """A value with all folding whitespace removed (base64 keys are often split by spaces)."""
    return re.sub(r"[ \t\r\n]+", "", value)

"""A session file's text to plain data, for reading without editing (listing, loading, opening).

tomli (:mod:`launch_tui.core.toml_read`) is many times faster than tomlkit, so it reads every
file it accepts. A file it refuses is parsed again by tomlkit's parser
(:func:`launch_tui.store.document.parse_document`), the one that reads a file for saving, so that
the error, and whether there is one at all, is the same however the file is opened. tomlkit is
imported only then: showing a session does not wait for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from launch_tui.core import toml_read

__all__ = ["parse_plain"]


def parse_plain(text: str, path: Path) -> dict[str, Any]:
    """Parse ``text`` to plain data; a syntax error is tomlkit's, at its line and column."""
    try:
        return toml_read.loads(text)
    except (toml_read.TOMLDecodeError, RecursionError, ValueError):
        from launch_tui.store.document import parse_document

        return parse_document(text, path).unwrap()

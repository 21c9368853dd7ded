"""The session file as a TOML document: parse it, change it in place, render and merge it.

A session file is edited by people as well as by the app, so the app never regenerates it.
:func:`parse_document` keeps the tomlkit document; :func:`apply_changes`
(:mod:`~launch_tui.store.document_edit`) rewrites only the keys whose values differ between two
versions of the session's plain data, so comments, blank lines, key order, quoting and unknown
keys survive a save; :class:`Renderer` (:mod:`~launch_tui.store.document_render`) renders it,
re-rendering only what changed; :func:`merge_data` (:mod:`~launch_tui.store.document_merge`)
merges hand edits made while the app had the file open. This module is their public surface.

Reading without tomlkit (:func:`decode_text`, :func:`locate`) lives in
:mod:`launch_tui.store.toml_text` and is re-exported here, and parsing to plain data in
:mod:`launch_tui.store.plain_parse`; this module, and tomlkit with it, is only imported when a
document is edited or an error needs tomlkit's own parser.
"""

from __future__ import annotations

import re
from pathlib import Path

import tomlkit
from tomlkit.exceptions import KeyAlreadyPresent, ParseError, TOMLKitError
from tomlkit.toml_document import TOMLDocument

from launch_tui.core.errors import SessionParseError
from launch_tui.store.document_edit import apply_changes, to_item
from launch_tui.store.document_merge import merge_data
from launch_tui.store.document_render import Changes, Renderer, render
from launch_tui.store.toml_text import _CLOSERS, _scan, decode_text, locate

__all__ = [
    "Changes",
    "Renderer",
    "apply_changes",
    "decode_text",
    "locate",
    "merge_data",
    "parse_document",
    "render",
    "to_item",
]


def parse_document(text: str, path: Path) -> TOMLDocument:
    """Parse ``text`` with tomlkit, keeping everything needed to write it back unchanged.

    Raises :class:`SessionParseError` with a line, a column and what was expected.
    """
    try:
        return tomlkit.parse(text)
    except RecursionError:
        raise SessionParseError("values are nested too deeply", path, 1, 1) from None
    except KeyAlreadyPresent as exc:
        raise _duplicate_error(text, path, str(exc)) from None
    except ParseError as exc:
        raise _parse_error(text, path, exc) from None
    except TOMLKitError as exc:
        raise _duplicate_error(text, path, str(exc)) from None
    except Exception as exc:  # tomlkit has no other documented errors; never show a traceback
        raise SessionParseError(f"could not be read as TOML ({exc})", path, 1, 1) from None


_TOMLKIT_POSITION = re.compile(r" at line \d+ col \d+$")


def _parse_error(text: str, path: Path, exc: ParseError) -> SessionParseError:
    message = _TOMLKIT_POSITION.sub("", str(exc))
    line, column = exc.line, exc.col + 1  # tomlkit counts columns from 0
    scan = _scan(text)
    # tomlkit reads past the end of the text as a NUL character.
    at_end = "Unexpected end of file" in message or "'\\x00'" in message
    runs_on = "use \\u000a instead" in message
    if scan.unclosed is not None and (at_end or runs_on):
        line, column, what = scan.unclosed
        message = f"{what} is not closed; expected its closing {_CLOSERS[what]}"
    elif at_end:
        message = "the file ends in the middle of a value; expected the rest of it"
    elif runs_on:
        message = "a string runs past the end of its line; expected its closing quote"
    elif message.startswith("Unexpected character") and _in_header(text, line):
        message = (
            f"{message[len('Unexpected character: ') :]} in a table header; "
            "expected a header like [name] or [[name]] on one line"
        )
    elif message.startswith("Key ") and "already exists" in message:
        return _duplicate_error(text, path, message)
    return SessionParseError(message, path, max(line, 1), max(column, 1))


def _in_header(text: str, line: int) -> bool:
    lines = text.splitlines()
    return 0 < line <= len(lines) and lines[line - 1].lstrip().startswith("[")


def _duplicate_error(text: str, path: Path, message: str) -> SessionParseError:
    scan = _scan(text)
    if scan.duplicate is not None:
        key, line, column = scan.duplicate
        return SessionParseError(
            f"{key} is defined twice; expected each key once", path, line, column
        )
    return SessionParseError(message, path, 1, 1)

"""Reading a session file's text without tomlkit: decode it, and find keys in it.

Opening or loading a session needs only plain data (``store/plain_parse.py``, tomli) and, for
errors, positions in the text (:func:`locate`); the comment-keeping tomlkit document of
:mod:`launch_tui.store.document` is only needed to save. Keeping this module free of tomlkit lets
the app show a session without importing it.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path

from launch_tui.core.errors import SessionParseError
from launch_tui.core.toml_schema import join_key

__all__ = ["decode_text", "locate"]


def decode_text(data: bytes, path: Path) -> str:
    """The file's text; bytes that are not UTF-8 are a parse error at their line and column."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start
        line = data.count(b"\n", 0, start) + 1
        line_start = data.rfind(b"\n", 0, start) + 1
        column = len(data[line_start:start].decode("utf-8", "replace")) + 1
        raise SessionParseError(
            f"the file is not UTF-8 text (byte 0x{data[start]:02x}); "
            "expected a TOML file saved as UTF-8",
            path,
            line,
            column,
        ) from None


# ---------------------------------------------------------------------------------------------
# Locating keys in the text


def locate(text: str, key: str) -> tuple[int, int]:
    """Line and column (from 1) of ``key`` (a dotted path like ``people[2].id``) in ``text``.

    For a key with a value, the position of the value; for a table, of its name in the header.
    A key that is missing is located at the nearest table that contains it. ``(0, 0)`` when
    nothing of the path is in the text.
    """
    positions = _scan(text).positions
    for prefix in _prefixes(key):
        if prefix in positions:
            return positions[prefix]
    return (0, 0)


def _prefixes(key: str) -> list[str]:
    """``a.b[2].c`` -> ``["a.b[2].c", "a.b[2]", "a.b", "a"]`` in canonical form."""
    parts: list[str | int] = []
    i, n = 0, len(key)
    while i < n:
        ch = key[i]
        if ch == ".":
            i += 1
        elif ch == "[":
            end = key.find("]", i)
            if end < 0:
                break
            number = key[i + 1 : end]
            parts.append(int(number) if number.isdigit() else number)
            i = end + 1
        elif ch == '"':
            segment, i = _read_basic_string(key, i)
            parts.append(segment)
        else:
            end = i
            while end < n and key[end] not in ".[":
                end += 1
            parts.append(key[i:end])
            i = end
    out: list[str] = []
    current = ""
    for part in parts:
        current = join_key(current, part)
        out.append(current)
    out.reverse()
    return out


_CLOSERS = {
    "string": 'quote (")',
    "literal string": "quote (')",
    "multi-line string": 'quotes (""")',
    "multi-line literal string": "quotes (''')",
    "array": "bracket (])",
    "inline table": "brace (})",
}


@dataclass
class _Scan:
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)
    duplicate: tuple[str, int, int] | None = None
    unclosed: tuple[int, int, str] | None = None


_BARE = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}


def _read_basic_string(text: str, i: int) -> tuple[str, int]:
    """Decode the one-line basic string starting at ``text[i] == '"'``; return it and the end."""
    out: list[str] = []
    i += 1
    n = len(text)
    while i < n and text[i] not in '"\n':
        ch = text[i]
        if ch == "\\" and i + 1 < n:
            code = text[i + 1]
            if code in "uU":
                width = 4 if code == "u" else 8
                try:
                    out.append(chr(int(text[i + 2 : i + 2 + width], 16)))
                except ValueError:
                    out.append(code)
                i += 2 + width
                continue
            out.append(_ESCAPES.get(code, code))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out), i + 1


class _Scanner:
    """A forgiving TOML lexer that records where keys and tables are. Never raises."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)
        self.line_starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
        self.result = _Scan()
        self.defined_values: set[str] = set()
        self.defined_headers: set[str] = set()
        self.aot_counts: dict[str, int] = {}

    def where(self, index: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.line_starts, index)
        return line, index - self.line_starts[line - 1] + 1

    def record(self, path: str, index: int) -> None:
        self.result.positions.setdefault(path, self.where(index))

    def duplicate(self, path: str, index: int) -> None:
        if self.result.duplicate is None:
            self.result.duplicate = (path, *self.where(index))

    def unclosed(self, index: int, what: str) -> None:
        if self.result.unclosed is None:
            self.result.unclosed = (*self.where(index), what)

    def skip_blanks(self, i: int) -> int:
        while i < self.n and self.text[i] in " \t":
            i += 1
        return i

    def skip_to_line_end(self, i: int) -> int:
        end = self.text.find("\n", i)
        return self.n if end < 0 else end

    def run(self) -> _Scan:
        i, table = 0, ""
        while i < self.n:
            i = self.skip_blanks(i)
            if i >= self.n:
                break
            ch = self.text[i]
            if ch in "\r\n":
                i += 1
            elif ch == "#":
                i = self.skip_to_line_end(i)
            elif ch == "[":
                table, i = self.header(i)
                i = self.skip_to_line_end(i)
            else:
                i = self.key_value(i, table)
                i = self.skip_to_line_end(i)
        return self.result

    def key(self, i: int) -> tuple[list[tuple[str, int]], int]:
        """Parse a dotted key; return its segments with their start indexes, and the end."""
        segments: list[tuple[str, int]] = []
        while True:
            i = self.skip_blanks(i)
            if i >= self.n:
                break
            ch = self.text[i]
            if ch == '"':
                name, end = _read_basic_string(self.text, i)
            elif ch == "'":
                close = self.text.find("'", i + 1)
                line_end = self.skip_to_line_end(i)
                if close < 0 or close > line_end:
                    break
                name, end = self.text[i + 1 : close], close + 1
            else:
                match = _BARE.match(self.text, i)
                if not match:
                    break
                name, end = match.group(), match.end()
            segments.append((name, i))
            i = self.skip_blanks(end)
            if i < self.n and self.text[i] == ".":
                i += 1
                continue
            break
        return segments, i

    def header(self, i: int) -> tuple[str, int]:
        start = i
        aot = self.text.startswith("[[", i)
        segments, i = self.key(i + (2 if aot else 1))
        if not segments:
            return "", i
        resolved = ""
        for k, (name, _) in enumerate(segments):
            resolved = join_key(resolved, name)
            last = k == len(segments) - 1
            if last and aot:
                count = self.aot_counts.get(resolved, 0)
                self.aot_counts[resolved] = count + 1
                resolved = join_key(resolved, count)
            elif resolved in self.aot_counts:
                resolved = join_key(resolved, self.aot_counts[resolved] - 1)
        if not aot:
            if resolved in self.defined_headers or resolved in self.defined_values:
                self.duplicate(resolved, start)
            self.defined_headers.add(resolved)
        self.record(resolved, segments[-1][1])
        return resolved, i

    def key_value(self, i: int, table: str) -> int:
        segments, i = self.key(i)
        if not segments or i >= self.n or self.text[i] != "=":
            return i
        path = table
        for name, index in segments[:-1]:
            path = join_key(path, name)
            self.record(path, index)
        path = join_key(path, segments[-1][0])
        if path in self.defined_values or path in self.defined_headers:
            self.duplicate(path, segments[0][1])
        self.defined_values.add(path)
        return self.value(self.skip_blanks(i + 1), path)

    def value(self, i: int, path: str) -> int:
        """Record ``path`` at ``i`` and skip the value there, recording nested keys."""
        self.record(path, i)
        if i >= self.n:
            return i
        text = self.text
        if text.startswith('"""', i) or text.startswith("'''", i):
            quote = text[i : i + 3]
            j = i + 3
            while j < self.n:
                if quote[0] == '"' and text[j] == "\\":
                    j += 2
                    continue
                if text.startswith(quote, j):
                    j += 3
                    while j < self.n and text[j] == quote[0] and j - i < 5 + 2:
                        j += 1
                    return j
                j += 1
            self.unclosed(
                i, "multi-line string" if quote[0] == '"' else "multi-line literal string"
            )
            return self.n
        ch = text[i]
        if ch in "\"'":
            j = i + 1
            while j < self.n and text[j] != "\n":
                if ch == '"' and text[j] == "\\":
                    j += 2
                    continue
                if text[j] == ch:
                    return j + 1
                j += 1
            self.unclosed(i, "string" if ch == '"' else "literal string")
            return min(j, self.n)
        if ch == "[":
            return self.container(i, path, "]", "array")
        if ch == "{":
            return self.container(i, path, "}", "inline table")
        j = i
        while j < self.n and text[j] not in ",]}#\n":
            j += 1
        return j

    def container(self, i: int, path: str, closer: str, what: str) -> int:
        start, i, index = i, i + 1, 0
        while True:
            i = self.skip_space_and_comments(i)
            if i >= self.n:
                self.unclosed(start, what)
                return i
            if self.text[i] == closer:
                return i + 1
            before = i
            if closer == "]":
                i = self.value(i, join_key(path, index))
                index += 1
            else:
                segments, i = self.key(i)
                if not segments or i >= self.n or self.text[i] != "=":
                    return max(i, before + 1)
                nested = path
                for name, _ in segments:
                    nested = join_key(nested, name)
                i = self.value(self.skip_blanks(i + 1), nested)
            i = self.skip_space_and_comments(i)
            if i < self.n and self.text[i] == ",":
                i += 1
            elif i < self.n and self.text[i] != closer:
                return max(i, before + 1)

    def skip_space_and_comments(self, i: int) -> int:
        while i < self.n:
            ch = self.text[i]
            if ch in " \t\r\n":
                i += 1
            elif ch == "#":
                i = self.skip_to_line_end(i)
            else:
                break
        return i


def _scan(text: str) -> _Scan:
    try:
        return _Scanner(text).run()
    except (IndexError, ValueError, RecursionError):  # a locator must never fail the caller
        return _Scan()

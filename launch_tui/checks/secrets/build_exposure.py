"""What a production build gives away beyond the scanner's rules: source maps, server-only
values inlined into client bundles, debug flags.

The betterleaks scan of the build folder finds known key shapes; this module adds what a
launch reviewer looks for in a client bundle:

* **source maps**: ``*.map`` files next to the bundles, and ``sourceMappingURL`` comments
  pointing at them: the original source (comments, internal names, sometimes keys) is public;
* **server-only values inlined**: a bundle that carries ``DATABASE_URL:"postgres://..."`` or
  ``STRIPE_SECRET_KEY:"..."`` (a framework's ``env`` option or a public-prefixed name pulls the
  value in at build time); the value is redacted as soon as it is read;
* **debug flags**: ``debug:true``/``debug:!0``, ``NODE_ENV:"development"`` in a production
  bundle.

Server bundles (``server/`` in a Next.js build) never reach a browser and are not judged here.
Text from the build is untrusted: paths are sanitized and no bundle text reaches a result.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from launch_tui.checks.secrets.names import exposed_server_name, is_server_only, public_prefix
from launch_tui.checks.secrets.redact import RedactedValue, redact
from launch_tui.core.sanitize import clean

#: Bundle bytes read at most per file.
MAX_BUNDLE_BYTES = 16 << 20
#: Files looked at at most (a build with more is summarised as cut short).
MAX_FILES = 20_000
_BUNDLE_SUFFIXES = (".js", ".mjs", ".cjs", ".css", ".html")
_MAP_URL = re.compile(r"[#@]\s*sourceMappingURL\s*=\s*([^\s*'\"]+)")
_INLINED = re.compile(
    r"""(?<![A-Za-z0-9_])["']?([A-Z][A-Z0-9_]{2,127})["']?\s*:\s*(["'`])([^"'`\\\n]{6,4096})\2"""
)
_DEBUG = re.compile(r"""(?<![A-Za-z0-9_$])["']?(debug|DEBUG|isDebug)["']?\s*:\s*(true|!0)\b""")
_DEV_ENV = re.compile(r"""NODE_ENV["']?\s*:\s*["']development["']""")


class BuildIssueKind(StrEnum):
    SOURCE_MAP = "source-map"
    INLINED_SECRET = "inlined-secret"  # noqa: S105 - a kind of finding, not a password
    DEBUG_FLAG = "debug-flag"


@dataclass(frozen=True)
class BuildIssue:
    """One thing a production build should not ship."""

    kind: BuildIssueKind
    path: str
    """Relative to the build folder's parent (``.next/static/chunks/app.js``)."""
    line: int
    summary: str
    name: str = ""
    """For inlined values: the name it was inlined under (``DATABASE_URL``)."""
    value: RedactedValue | None = None


@dataclass(frozen=True)
class BuildInspection:
    issues: tuple[BuildIssue, ...]
    files: int
    bytes_read: int
    truncated: bool = False


def _client_files(root: Path) -> list[Path]:
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        rel = Path(folder).relative_to(root).parts
        # Server bundles run on the server; node_modules in a build folder is not shipped.
        dirs[:] = sorted(d for d in dirs if d not in ("server", "node_modules", "cache"))
        if rel[:1] == ("server",):
            continue
        for name in sorted(files):
            path = Path(folder) / name
            if not path.is_symlink() and path.is_file():
                found.append(path)
            if len(found) >= MAX_FILES:
                return found
    return found


def inspect_build(build: Path) -> BuildInspection:
    """Look through the client side of the build folder ``build`` (blocking: run in a thread)."""
    base = build.parent
    issues: list[BuildIssue] = []
    files = _client_files(build)
    read = 0
    maps = {p for p in files if p.name.endswith(".map")}
    for path in sorted(maps):
        issues.append(
            BuildIssue(
                BuildIssueKind.SOURCE_MAP,
                _rel(path, base),
                0,
                "Source map shipped with the production build (the original source is public)",
            )
        )
    for path in files:
        if not path.name.endswith(_BUNDLE_SUFFIXES):
            continue
        with path.open("rb") as handle:
            data = handle.read(MAX_BUNDLE_BYTES)
        read += len(data)
        text = data.decode("utf-8", "replace")
        issues += _bundle_issues(text, path, base, maps)
    return BuildInspection(tuple(issues), len(files), read, truncated=len(files) >= MAX_FILES)


def _bundle_issues(text: str, path: Path, base: Path, maps: set[Path]) -> list[BuildIssue]:
    rel = _rel(path, base)
    out: list[BuildIssue] = []
    for match in _MAP_URL.finditer(text):
        target = match.group(1)
        if target.startswith("data:"):
            summary = "Inline source map (data: URL) in a production bundle"
        elif (path.parent / target).resolve() in {m.resolve() for m in maps}:
            continue  # the .map file itself is reported
        else:
            summary = "sourceMappingURL points at a source map (not in the build folder)"
        out.append(BuildIssue(BuildIssueKind.SOURCE_MAP, rel, _line(text, match.start()), summary))
    for match in _INLINED.finditer(text):
        name, value = match.group(1), match.group(3)
        prefix = public_prefix(name)
        if not (is_server_only(name[len(prefix) :]) or exposed_server_name(name)):
            continue
        if value.startswith(("process.env", "import.meta")):
            continue
        out.append(
            BuildIssue(
                BuildIssueKind.INLINED_SECRET,
                rel,
                _line(text, match.start()),
                f"{name} is inlined in a client bundle",
                name=name,
                value=redact(value),
            )
        )
    for match in _DEBUG.finditer(text):
        out.append(
            BuildIssue(
                BuildIssueKind.DEBUG_FLAG,
                rel,
                _line(text, match.start()),
                f"{match.group(1)}: true in a client bundle",
            )
        )
    for match in _DEV_ENV.finditer(text):
        out.append(
            BuildIssue(
                BuildIssueKind.DEBUG_FLAG,
                rel,
                _line(text, match.start()),
                'NODE_ENV: "development" in a production bundle',
            )
        )
    return out


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _rel(path: Path, base: Path) -> str:
    try:
        shown = path.relative_to(base).as_posix()
    except ValueError:
        shown = path.name
    return clean(shown, max_len=400)

"""Secret *names* a project uses, read from its code and env templates; never their values.

Where a name is found:

==============================  ==========================================================
source                          pattern
==============================  ==========================================================
``.env.example``/``.sample``    ``NAME=`` lines (``export NAME=`` too); templates only: a
``.env.template``/``.dist``     real ``.env`` holds values and is the scanner's business
JavaScript / TypeScript         ``process.env.NAME``, ``process.env["NAME"]``,
                                ``import.meta.env.NAME``, ``Deno.env.get("NAME")``
Python                          ``os.environ["NAME"]``, ``os.environ.get("NAME")``,
                                ``os.getenv("NAME")``, ``env("NAME")`` (django-environ)
Ruby / PHP                      ``ENV["NAME"]``, ``ENV.fetch("NAME")``, ``env('NAME')``,
                                ``getenv('NAME')``
framework config                ``next.config.*`` ``env: { NAME: ... }`` keys
==============================  ==========================================================

A name with a public prefix (``NEXT_PUBLIC_``, ``VITE_``, ``REACT_APP_``, ``EXPO_PUBLIC_``,
``PUBLIC_``, ``NUXT_PUBLIC_``, ``GATSBY_``) is compiled into the browser bundle by its
framework: if the rest of it names a server-only value (``SECRET``, ``SERVICE_ROLE``,
``PRIVATE``, ``DATABASE_URL``...) the value is public. :func:`exposed_server_name` says so.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from launch_tui.core.sanitize import clean

#: Prefixes a framework inlines into client code at build time.
PUBLIC_PREFIXES: tuple[str, ...] = (
    "NEXT_PUBLIC_",
    "NUXT_PUBLIC_",
    "EXPO_PUBLIC_",
    "REACT_APP_",
    "VITE_",
    "GATSBY_",
    "PUBLIC_",
)
#: Words that mark a value meant for the server only (matched on ``_``-separated words).
SERVER_ONLY_WORDS: tuple[str, ...] = (
    "SECRET",
    "PRIVATE",
    "PASSWORD",
    "PASSWD",
    "SERVICE_ROLE",
    "DATABASE_URL",
    "DB_URL",
    "DB_PASSWORD",
    "CONNECTION_STRING",
    "WEBHOOK_SECRET",
)
#: Words that make a name worth inventorying as a secret (the rest are plain settings).
SECRET_WORDS: tuple[str, ...] = (
    *SERVER_ONLY_WORDS,
    "KEY",
    "TOKEN",
    "DSN",
    "CREDENTIALS",
    "AUTH",
    "PASS",
    "SALT",
    "REDIS_URL",
    "MONGODB_URI",
    "DATABASE_URI",
)

#: Files read at most (bytes); larger files are generated or data, not configuration.
MAX_FILE_BYTES = 1 << 20
_NAME = r"([A-Z][A-Z0-9_]{1,127})"
_Q = r"""["'`]"""
_CODE_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(rf"process\.env\.{_NAME}\b"),
    re.compile(rf"process\.env\[\s*{_Q}{_NAME}{_Q}\s*\]"),
    re.compile(rf"import\.meta\.env\.{_NAME}\b"),
    re.compile(rf"Deno\.env\.get\(\s*{_Q}{_NAME}{_Q}"),
    re.compile(rf"os\.environ\[\s*{_Q}{_NAME}{_Q}\s*\]"),
    re.compile(rf"os\.environ\.get\(\s*{_Q}{_NAME}{_Q}"),
    re.compile(rf"os\.getenv\(\s*{_Q}{_NAME}{_Q}"),
    re.compile(rf"\bENV\[\s*{_Q}{_NAME}{_Q}\s*\]"),
    re.compile(rf"\bENV\.fetch\(\s*{_Q}{_NAME}{_Q}"),
    re.compile(rf"(?<![\w.])(?:get)?env\(\s*{_Q}{_NAME}{_Q}"),
)
_DOTENV = re.compile(rf"^\s*(?:export\s+)?{_NAME}\s*=")
_TEMPLATE_SUFFIXES = ("example", "sample", "template", "dist", "defaults")
_CODE_SUFFIXES = (
    ".js",
    ".jsx",
    ".mjs",
    ".cjs",
    ".ts",
    ".tsx",
    ".mts",
    ".vue",
    ".svelte",
    ".astro",
    ".py",
    ".rb",
    ".php",
    ".erb",
)
_NEXT_CONFIG = re.compile(r"^next\.config\.(?:js|mjs|cjs|ts)$")
_NEXT_ENV_BLOCK = re.compile(r"\benv\s*:\s*\{([^{}]*)\}", re.S)
_NEXT_ENV_KEY = re.compile(rf"(?:^|[{{,\s]){_NAME}\s*:")
_SKIP_DIRS = ("node_modules/", ".git/", "vendor/", "dist/", "build/", ".next/", "coverage/")


@dataclass(frozen=True)
class NameSighting:
    """Where one name was seen: a path and line, never the value next to it."""

    name: str
    path: str
    line: int

    @property
    def where(self) -> str:
        """``path:line``."""
        return f"{self.path}:{self.line}"


def is_template(path: str) -> bool:
    """True for ``.env.example`` and the like: files that list names without values."""
    base = path.rsplit("/", 1)[-1]
    if not base.startswith(".env") and not base.endswith(".env.example"):
        return False
    return any(part.lower() in _TEMPLATE_SUFFIXES for part in base.split(".")[1:])


def wanted(path: str) -> bool:
    """True when ``path`` (relative, ``/``-separated) is a file names are read from."""
    if any(path.startswith(d) or f"/{d}" in path for d in _SKIP_DIRS):
        return False
    base = path.rsplit("/", 1)[-1]
    return is_template(path) or base.endswith(_CODE_SUFFIXES) or bool(_NEXT_CONFIG.match(base))


def names_in(path: str, text: str) -> list[NameSighting]:
    """Every name ``text`` (the content of ``path``) refers to, with its line."""
    found: list[NameSighting] = []
    base = path.rsplit("/", 1)[-1]
    lines = text.splitlines()
    if is_template(path):
        for number, line in enumerate(lines, 1):
            match = _DOTENV.match(line)
            if match:
                found.append(NameSighting(match.group(1), path, number))
        return found
    for number, line in enumerate(lines, 1):
        for pattern in _CODE_PATTERNS:
            found += (NameSighting(m.group(1), path, number) for m in pattern.finditer(line))
    if _NEXT_CONFIG.match(base):
        for block in _NEXT_ENV_BLOCK.finditer(text):
            start_line = text.count("\n", 0, block.start(1)) + 1
            for key in _NEXT_ENV_KEY.finditer(block.group(1)):
                at = start_line + block.group(1).count("\n", 0, key.start(1))
                found.append(NameSighting(key.group(1), path, at))
    return found


def _words(name: str) -> list[str]:
    return [w for w in name.upper().split("_") if w]


def _has_word(name: str, word: str) -> bool:
    """True when ``word`` (itself maybe ``A_B``) appears as whole ``_``-words in ``name``."""
    parts, want = _words(name), _words(word)
    return any(parts[i : i + len(want)] == want for i in range(len(parts) - len(want) + 1))


def public_prefix(name: str) -> str:
    """The client-bundle prefix ``name`` starts with, or ``""``."""
    return next((p for p in PUBLIC_PREFIXES if name.upper().startswith(p)), "")


def is_server_only(name: str) -> bool:
    """True when ``name`` (without any public prefix) names a server-only value."""
    return any(_has_word(name, word) for word in SERVER_ONLY_WORDS)


def exposed_server_name(name: str) -> bool:
    """True when a public prefix ships a server-only value to the browser
    (``NEXT_PUBLIC_SUPABASE_SERVICE_ROLE_KEY``, ``VITE_STRIPE_SECRET_KEY``)."""
    prefix = public_prefix(name)
    return bool(prefix) and is_server_only(name[len(prefix) :])


def looks_secret(name: str) -> bool:
    """True when ``name`` is worth an inventory entry: it names a credential or a URL that
    may carry one (``*_KEY``, ``*_TOKEN``, ``*_SECRET``, ``DATABASE_URL``...)."""
    return any(_has_word(name, word) for word in SECRET_WORDS)


def collect(sightings: Iterable[NameSighting]) -> dict[str, list[str]]:
    """``{name: [path:line, ...]}`` in first-seen order, each place once."""
    out: dict[str, list[str]] = {}
    for sighting in sightings:
        places = out.setdefault(sighting.name, [])
        if sighting.where not in places:
            places.append(sighting.where)
    return out


_ASSIGNED = re.compile(r"""([A-Za-z_][A-Za-z0-9_]*)["']?\s*(?::|=|=>|:=)\s*["'`]?\s*$""")


def assigned_name(line: str, column: int) -> str:
    """The identifier a value starting at ``column`` (1-based) is assigned to on ``line``
    (``const STRIPE_SECRET_KEY = '...'``, ``DATABASE_URL:"..."``), or ``""``.

    Only the text before the value is looked at, so the value itself is never read.
    """
    before = line[: max(0, column - 1)]
    match = _ASSIGNED.search(before)
    return match.group(1) if match else ""


#: Files read at most from one repository.
MAX_FILES = 50_000


def discover(repo: Path) -> tuple[dict[str, list[str]], int]:
    """``{name: [path:line, ...]}`` over the repository's files, and files read (blocking)."""
    sightings: list[NameSighting] = []
    read = 0
    for folder, dirs, files in os.walk(repo):
        dirs[:] = sorted(d for d in dirs if d not in (".git", "node_modules", ".next", "vendor"))
        for name in sorted(files):
            path = Path(folder) / name
            rel = path.relative_to(repo).as_posix()
            if not wanted(rel) or path.is_symlink():
                continue
            try:
                if path.stat().st_size > MAX_FILE_BYTES:
                    continue
                data = path.read_bytes()
            except OSError:
                continue
            if b"\0" in data[:8192]:
                continue  # binary
            read += 1
            sightings += names_in(clean(rel, max_len=300), data.decode("utf-8", "replace"))
            if read >= MAX_FILES:
                return collect(sightings), read
    return collect(sightings), read

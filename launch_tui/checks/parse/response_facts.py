"""Pure readings of response headers: Server-Timing entries and what a response says about caching.

Header values are untrusted: everything kept is sanitized with ``core.sanitize.clean`` and
capped, so it can go straight into evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from launch_tui.core.model import JSONValue, Status
from launch_tui.core.sanitize import clean
from launch_tui.net import FetchResult

__all__ = [
    "CacheFacts",
    "cache_facts",
    "caching_verdict",
    "header_text",
    "parse_cache_control",
    "parse_server_timing",
]

_VALUE_CAP = 300
#: Headers in which CDNs and caches report a hit or a miss.
_CDN_STATUS_HEADERS = (
    "cf-cache-status",
    "x-vercel-cache",
    "x-cache",
    "x-cache-status",
    "x-proxy-cache",
    "cdn-cache-status",
    "cache-status",
)
_HIT = re.compile(r"\bhit\b", re.IGNORECASE)


def header_text(value: str | None) -> str | None:
    """``value`` sanitized and capped for evidence (``None`` stays ``None``)."""
    return None if value is None else clean(value, max_len=_VALUE_CAP)


def parse_server_timing(value: str, limit: int = 30) -> list[dict[str, JSONValue]]:
    """Server-Timing entries (``db;dur=53.2;desc="Query"``): name, ``dur_ms``, ``desc``.

    Tolerant: unknown parameters are ignored, a bad ``dur`` is ``None``, quoted strings may
    hold commas and semicolons. At most ``limit`` entries; text is sanitized.
    """
    entries: list[dict[str, JSONValue]] = []
    for metric in _split_outside_quotes(value, ","):
        fields = _split_outside_quotes(metric, ";")
        name = fields[0].strip() if fields else ""
        if not name:
            continue
        entry: dict[str, JSONValue] = {"name": clean(name, max_len=60), "dur_ms": None}
        for param in fields[1:]:
            key, _, raw = param.partition("=")
            key, raw = key.strip().lower(), raw.strip()
            if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
                raw = raw[1:-1].replace('\\"', '"')
            if key == "dur" and "dur_ms" in entry and entry["dur_ms"] is None:
                try:
                    dur = float(raw)
                except ValueError:
                    continue
                entry["dur_ms"] = dur if dur == dur and abs(dur) != float("inf") else None
            elif key == "desc" and "desc" not in entry:
                entry["desc"] = clean(raw, max_len=120)
        entries.append(entry)
        if len(entries) >= limit:
            break
    return entries


def _split_outside_quotes(text: str, sep: str) -> list[str]:
    parts, current, quoted, escaped = [], [], False, False
    for ch in text:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\" and quoted:
            current.append(ch)
            escaped = True
        elif ch == '"':
            current.append(ch)
            quoted = not quoted
        elif ch == sep and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p for p in (part.strip() for part in parts) if p]


def parse_cache_control(value: str) -> dict[str, str]:
    """Cache-Control directives, names lower-cased, values unquoted (``""`` when none)."""
    directives: dict[str, str] = {}
    for part in _split_outside_quotes(value, ","):
        name, _, arg = part.partition("=")
        name = name.strip().lower()
        if name and name not in directives:
            directives[name] = arg.strip().strip('"')
    return directives


def _seconds(directives: dict[str, str], name: str) -> int | None:
    text = directives.get(name)
    return int(text) if text is not None and text.isdigit() else None


@dataclass(frozen=True)
class CacheFacts:
    """What one response says about caching it."""

    cache_control: str | None
    etag: str | None
    last_modified: str | None
    age: str | None
    cdn_status: str | None
    """The first CDN/cache status header found, as ``name: value``."""
    max_age_s: int | None
    s_maxage_s: int | None
    private: bool
    no_store: bool
    no_cache: bool

    @property
    def fresh_s(self) -> int:
        """How long a shared cache may serve it without asking (0: never)."""
        return max(self.s_maxage_s or 0, self.max_age_s or 0)

    @property
    def validator(self) -> bool:
        return bool(self.etag or self.last_modified)

    @property
    def hit(self) -> bool | None:
        """True when a cache says it served this; ``None`` when nothing says either way."""
        if self.cdn_status is not None:
            return bool(_HIT.search(self.cdn_status.partition(":")[2]))
        if self.age is not None and self.age.strip().isdigit():
            return int(self.age.strip()) > 0
        return None


def cache_facts(fetched: FetchResult) -> CacheFacts:
    """The caching headers of ``fetched``'s final response, sanitized."""
    raw = ", ".join(fetched.header_values("cache-control"))
    directives = parse_cache_control(raw)
    cdn = next(
        (f"{name}: {value}" for name in _CDN_STATUS_HEADERS if (value := fetched.header(name))),
        None,
    )
    return CacheFacts(
        cache_control=header_text(raw) if raw else None,
        etag=header_text(fetched.header("etag")),
        last_modified=header_text(fetched.header("last-modified")),
        age=header_text(fetched.header("age")),
        cdn_status=header_text(cdn),
        max_age_s=_seconds(directives, "max-age"),
        s_maxage_s=_seconds(directives, "s-maxage"),
        private="private" in directives,
        no_store="no-store" in directives,
        no_cache="no-cache" in directives,
    )


def caching_verdict(facts: CacheFacts) -> tuple[Status, str]:
    if facts.no_store or facts.private:
        marked = "no-store" if facts.no_store else "private"
        return Status.PASS, f"Marked {marked}: kept out of shared caches, as a personal page should"
    if not facts.cache_control and not facts.validator:
        return Status.WARN, "Public page without Cache-Control or ETag"
    if not facts.cache_control:
        return (
            Status.WARN,
            "ETag or Last-Modified but no Cache-Control: each cache guesses how long to keep it",
        )
    fresh = facts.fresh_s
    if fresh and facts.validator:
        which = "s-maxage" if (facts.s_maxage_s or 0) >= (facts.max_age_s or 0) else "max-age"
        return Status.PASS, f"Cacheable ({which}={fresh}) with a validator for revalidation"
    if fresh:
        return (
            Status.WARN,
            f"Cacheable for {fresh} s but without ETag or Last-Modified: every expiry "
            "fetches the whole page again",
        )
    if facts.validator:
        return Status.PASS, "Revalidated on each use (no freshness lifetime, validator present)"
    return (
        Status.WARN,
        f"Cache-Control {facts.cache_control!r} gives no lifetime and there is no ETag or "
        "Last-Modified: caches cannot reuse the page",
    )

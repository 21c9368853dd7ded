"""What an HTML page asks the browser to load: scripts (and which block rendering), styles, images.

Parsed with the standard library's tolerant ``html.parser`` over a bounded prefix of the page
(the caller caps it), so hostile markup costs at most the cap. Relative URLs are resolved against
the page URL (or its first ``<base href>``). A script *blocks rendering* when it is loaded by
``src`` in ``<head>`` without ``async`` or ``defer`` and is not a module (modules defer by
default). Scripts whose ``type`` is data (``application/ld+json``, templates) are not scripts.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

__all__ = ["PageScan", "ScriptRef", "scan_page"]

# Tags a document's <head> may hold; any other tag starts the body, as a browser decides.
_HEAD_TAGS = frozenset(
    {"html", "head", "title", "meta", "link", "style", "script", "noscript", "base", "template"}
)
_JS_TYPES = frozenset(
    {
        "",
        "text/javascript",
        "application/javascript",
        "application/x-javascript",
        "text/ecmascript",
        "application/ecmascript",
        "module",
    }
)
_MAX_SCRIPTS = 500


@dataclass(frozen=True)
class ScriptRef:
    """One ``<script>`` element."""

    url: str
    """Absolute URL of ``src``; ``""`` for an inline script."""
    in_head: bool
    blocking: bool
    """Loaded by ``src`` in ``<head>`` without async/defer and not a module: blocks rendering."""
    inline_bytes: int = 0
    """Characters of an inline script's code."""


@dataclass(frozen=True)
class PageScan:
    """The resources a page references."""

    scripts: tuple[ScriptRef, ...] = ()
    stylesheets: int = 0
    """``<link rel=stylesheet>`` anywhere (in ``<head>`` they block rendering too)."""
    images: int = 0

    @property
    def external_scripts(self) -> tuple[ScriptRef, ...]:
        """Scripts loaded from a URL (not inline)."""
        return tuple(s for s in self.scripts if s.url)

    @property
    def inline_script_bytes(self) -> int:
        return sum(s.inline_bytes for s in self.scripts)


class _Scanner(HTMLParser):
    def __init__(self, base_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base_url
        self._base_seen = False
        self.in_head = True
        self.scripts: list[ScriptRef] = []
        self.stylesheets = 0
        self.images = 0
        self._script: dict[str, str | None] | None = None
        self._inline = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HEAD_TAGS or tag == "body":
            self.in_head = False
        values = {name.lower(): value for name, value in attrs}
        if tag == "base" and not self._base_seen and values.get("href"):
            self._base_seen = True
            self.base = urljoin(self.base, values["href"] or "")
        elif tag == "script":
            self._script, self._inline = values, 0
        elif tag == "link":
            rels = (values.get("rel") or "").lower().split()
            if "stylesheet" in rels:
                self.stylesheets += 1
        elif tag == "img":
            self.images += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._inline += len(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self.in_head = False
        if tag != "script" or self._script is None:
            return
        values, self._script = self._script, None
        kind = (values.get("type") or "").strip().lower().split(";")[0]
        if kind not in _JS_TYPES or len(self.scripts) >= _MAX_SCRIPTS:
            return
        src = (values.get("src") or "").strip()
        url = _absolute(self.base, src) if src else ""
        if src and not url:
            return  # data:, javascript: and other non-network sources load nothing
        deferred = "async" in values or "defer" in values or kind == "module"
        self.scripts.append(
            ScriptRef(
                url=url,
                in_head=self.in_head,
                blocking=bool(url) and self.in_head and not deferred,
                inline_bytes=0 if url else self._inline,
            )
        )


def _absolute(base: str, src: str) -> str:
    """``src`` resolved against ``base`` when it is an http(s) URL; otherwise ``""``."""
    try:
        url = urljoin(base, src)
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return ""
    return url if scheme in ("http", "https") else ""


def scan_page(html: str, base_url: str) -> PageScan:
    """The scripts, stylesheets and images ``html`` references, resolved against ``base_url``."""
    scanner = _Scanner(base_url)
    scanner.feed(html)
    scanner.close()
    return PageScan(
        scripts=tuple(scanner.scripts),
        stylesheets=scanner.stylesheets,
        images=scanner.images,
    )

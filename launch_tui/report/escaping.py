"""Escaping for the report formats: Markdown filters and the URL rule shared with HTML.

HTML escaping is Jinja's own autoescaping (always on in the HTML environment). Markdown has no
such thing, so the Markdown environment turns autoescaping off and uses these filters instead;
its ``finalize`` hook passes every other value through :func:`md_text`, so a template that
forgets a filter still produces escaped text. Values already escaped are :class:`Md` strings and
pass through unchanged.

Rules, chosen so that data can never become Markdown structure (GitHub and Notion flavours):

* :func:`md_text` — inline text, safe anywhere on one line, table cells included. Backslash-
  escapes every character that starts inline syntax (``\\ ` * _ [ ] < > | ~ $ &``), escapes a
  leading ``#``, ``>``, ``-``, ``+``, ``=`` or ``1.``/``1)`` so a value at the start of a line
  is never a heading, quote, list or rule, and folds line breaks into spaces.
* :func:`md_code` — a code span whose backtick fence is longer than any backtick run inside, with
  ``|`` escaped so it cannot split a table cell (GFM removes that backslash inside tables).
* :func:`md_link` — a link only for ``http``/``https`` URLs (see :func:`safe_url`); anything
  else (``javascript:``, ``data:``, relative paths) is shown as text, never as a link target.
* :func:`md_para` and :func:`md_block` — multi-line notes and fenced code blocks.

Every filter first passes its input through :func:`~launch_tui.core.sanitize.clean` (or
``clean_multiline``), so no control, bidi or invisible character reaches a document.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from launch_tui.report.cleaning import clean, clean_multiline

__all__ = [
    "Md",
    "md_block",
    "md_code",
    "md_finalize",
    "md_link",
    "md_para",
    "md_text",
    "safe_url",
]


class Md(str):
    """Markdown that is already escaped; :func:`md_finalize` leaves it alone."""

    __slots__ = ()


_INLINE = re.compile(r"([\\`*_\[\]<>|~$&])")
# At the start of a line these begin a heading, quote, list, rule or setext underline.
_LEADING = re.compile(r"^([#>\-+=])")
_ORDERED = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")
_BACKTICKS = re.compile(r"`+")
# Whether md_text has anything to escape at all (most report text has not).
_NEEDS_ESCAPE = re.compile(r"[\\`*_\[\]<>|~$&]|^[#>\-+=]|^\d{1,9}[.)](?=\s|$)")
# Characters kept as they are in a URL; everything else is percent-encoded. Notably absent:
# space, quotes, backtick, backslash, ``<``, ``>``, ``|``, ``{``, ``}``, ``^``.
_URL_SAFE = ":/?#[]@!$&'()*+,;=%-._~"


def _as_text(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def md_text(value: object) -> Md:
    """Inline Markdown text that renders as exactly ``value`` (cleaned), on one line."""
    if isinstance(value, Md):
        return value
    text = clean(_as_text(value)).strip()
    if not _NEEDS_ESCAPE.search(text):
        return Md(text)
    text = _INLINE.sub(r"\\\1", text)
    text = _ORDERED.sub(r"\1\\\2", text)
    text = _LEADING.sub(r"\\\1", text)
    return Md(text)


def md_code(value: object) -> Md:
    """An inline code span showing ``value`` literally, safe in paragraphs and table cells."""
    text = clean(_as_text(value))
    if not text.strip():
        return Md("")
    # In a GFM table an unescaped pipe ends the cell even inside a code span; outside tables
    # the backslash shows, which only happens for data that contains a pipe.
    text = text.replace("|", "\\|")
    longest = max((len(m.group()) for m in _BACKTICKS.finditer(text)), default=0)
    fence = "`" * (longest + 1)
    # CommonMark strips one space from each side when both sides have one: pad so that a
    # leading or trailing backtick or space survives.
    if text[0] in "` " or text[-1] in "` ":
        text = f" {text} "
    return Md(f"{fence}{text}{fence}")


def safe_url(value: object) -> str:
    """``value`` as a link target when it is an absolute http(s) URL, else ``""``.

    The result is percent-encoded so that it holds no space, quote, angle bracket, pipe or
    backslash: safe inside a Markdown ``<...>`` destination and a quoted HTML attribute (which
    Jinja's autoescaping handles). ``javascript:``, ``data:``, ``file:`` and relative URLs give
    ``""``, as does anything carrying control or bidi characters.
    """
    raw = _as_text(value).strip()
    if not raw or clean(raw) != raw or len(raw) > 2048:
        return ""
    try:
        parts = urlsplit(raw)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    return quote(raw, safe=_URL_SAFE)


def md_link(text: object, url: object) -> Md:
    """``[text](<url>)`` for http(s) URLs; otherwise the text, and the URL as code beside it."""
    label = md_text(text) if _as_text(text).strip() else Md("")
    href = safe_url(url)
    if href:
        return Md(f"[{label or md_text(href)}](<{href}>)")
    shown = clean(_as_text(url)).strip()
    if not shown or shown == clean(_as_text(text)).strip():
        return md_code(shown) if shown else label
    code = md_code(shown)
    return Md(f"{label} ({code})") if label else code


def md_para(value: object, prefix: str = "") -> Md:
    """Multi-line text as one Markdown paragraph with hard line breaks.

    Each line is escaped like :func:`md_text` and starts with ``prefix`` (``"> "`` for a quote).
    Place the result at the start of a line, outside lists.
    """
    lines = [md_text(line) for line in clean_multiline(_as_text(value)).split("\n")]
    lines = [line for line in lines if line]
    # A trailing backslash is CommonMark's hard line break (trailing spaces get stripped).
    return Md("\\\n".join(f"{prefix}{line}" for line in lines))


def md_block(value: object, lang: str = "") -> Md:
    """A fenced code block showing ``value`` (one or more lines) literally."""
    text = clean_multiline(_as_text(value)).strip("\n")
    longest = max((len(m.group()) for m in _BACKTICKS.finditer(text)), default=0)
    fence = "`" * max(3, longest + 1)
    info = lang if re.fullmatch(r"[A-Za-z0-9_+-]*", lang) else ""
    return Md(f"{fence}{info}\n{text}\n{fence}")


def md_finalize(value: object) -> object:
    """The Markdown environment's ``finalize``: escape whatever a template printed unfiltered."""
    if isinstance(value, Md):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return str(value)
    return md_text(value)

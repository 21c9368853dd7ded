"""Parse ``Set-Cookie`` header values the way browsers do (RFC 6265 §5.2, RFC 6265bis).

The standard library's ``http.cookies`` is a server-side *generator* with a strict grammar: it
drops a whole header when it meets an attribute it does not know (``Partitioned``, ``Priority``)
and cannot tell an absent attribute from an empty one. A checker needs the browser's view
instead: which cookie the header sets, with which attributes, or why the browser ignores it.

:func:`parse_set_cookie` returns a :class:`SetCookie`, or an :class:`IgnoredCookie` naming the
reason a browser would discard the header. Attribute rules, from RFC 6265 §5.2:

* the name-value pair ends at the first ``;``; a pair without ``=`` is a nameless cookie
  (RFC 6265bis), a pair with neither name nor value is ignored;
* attribute names are case-insensitive and the last occurrence wins;
* ``Expires`` uses the cookie-date algorithm (§5.1.1), which accepts far more than RFC 1123;
* ``Max-Age`` must be an optional ``-`` and digits; it beats ``Expires``;
* ``Domain`` loses a leading dot and is lower-cased; an empty one is ignored;
* ``Path`` that does not start with ``/`` is ignored (the default path applies);
* ``SameSite`` keeps ``Strict``, ``Lax`` or ``None``; any other value counts as absent.

:func:`prefix_problem` and :func:`domain_problem` say why a browser would reject a parsed cookie
for a given request (a broken ``__Host-`` prefix, a ``Domain`` that does not cover the host).
Nothing here does I/O.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = [
    "IgnoredCookie",
    "SetCookie",
    "domain_matches",
    "domain_problem",
    "parse_cookie_date",
    "parse_set_cookie",
    "prefix_problem",
]

# RFC 6265bis §5.6: a name or value holding a control character other than tab is ignored.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f]")
_WHITESPACE = " \t"
_SAME_SITE = {"strict": "Strict", "lax": "Lax", "none": "None"}
# RFC 6265bis §5.6: name plus value over 4096 octets, or one attribute value over 1024.
MAX_NAME_VALUE = 4096
MAX_ATTRIBUTE_VALUE = 1024


@dataclass(frozen=True)
class SetCookie:
    """One cookie as a browser would store it from one ``Set-Cookie`` header."""

    name: str
    """Cookie name (may be ``""`` for a nameless cookie), surrounding whitespace removed."""
    value: str
    """Cookie value, surrounding whitespace removed (quotes kept, as browsers keep them)."""
    raw: str
    """The header value as received (unsanitized: clean it before showing it)."""
    domain: str | None = None
    """``Domain`` attribute, lower case without a leading dot; ``None``: a host-only cookie."""
    path: str | None = None
    """``Path`` attribute; ``None`` when absent or invalid (the default path applies)."""
    expires: datetime | None = None
    """``Expires`` as an aware UTC datetime; ``None`` when absent or unparseable."""
    max_age: int | None = None
    """``Max-Age`` in seconds; ``None`` when absent or malformed. Takes precedence."""
    secure: bool = False
    """``Secure``: only sent over HTTPS."""
    http_only: bool = False
    """``HttpOnly``: not readable from JavaScript."""
    same_site: str | None = None
    """``Strict``, ``Lax`` or ``None`` (the string); ``None`` when absent or unrecognized."""
    same_site_raw: str | None = None
    """The ``SameSite`` value as sent, when the attribute was present at all."""
    partitioned: bool = False
    """``Partitioned`` (CHIPS): stored per top-level site."""
    extensions: tuple[tuple[str, str], ...] = ()
    """Attributes this parser does not interpret (``Priority``...), as ``(name, value)``."""

    @property
    def host_only(self) -> bool:
        """True when no ``Domain`` attribute widens the cookie beyond the setting host."""
        return self.domain is None

    @property
    def persistent(self) -> bool:
        """True when the cookie outlives the browser session (``Max-Age`` or ``Expires``)."""
        return self.max_age is not None or self.expires is not None

    def deleted(self, now: datetime) -> bool:
        """True when the header removes the cookie (``Max-Age`` ≤ 0, or ``Expires`` past)."""
        if self.max_age is not None:
            return self.max_age <= 0
        return self.expires is not None and self.expires <= now


@dataclass(frozen=True)
class IgnoredCookie:
    """A ``Set-Cookie`` header a browser discards entirely."""

    raw: str
    """The header value as received (unsanitized)."""
    reason: str
    """Why, for a person: ``"no name and no value"``, ``"control character in the name"``..."""


def parse_set_cookie(header: str) -> SetCookie | IgnoredCookie:
    """Parse one ``Set-Cookie`` header value (RFC 6265 §5.2 with RFC 6265bis's amendments)."""
    pair, _, rest = header.partition(";")
    if "=" in pair:
        name, _, value = pair.partition("=")
    else:
        name, value = "", pair
    name, value = name.strip(_WHITESPACE), value.strip(_WHITESPACE)
    if not name and not value:
        return IgnoredCookie(header, "no name and no value")
    if _CONTROL.search(name):
        return IgnoredCookie(header, "control character in the name")
    if _CONTROL.search(value):
        return IgnoredCookie(header, "control character in the value")
    if len(name) + len(value) > MAX_NAME_VALUE:
        return IgnoredCookie(header, f"name and value longer than {MAX_NAME_VALUE} bytes")

    attributes: dict[str, object] = {}
    extensions: list[tuple[str, str]] = []
    for part in rest.split(";") if rest else ():
        key, _, raw_value = part.partition("=")
        key = key.strip(_WHITESPACE)
        attr_value = raw_value.strip(_WHITESPACE)
        if not key or len(attr_value) > MAX_ATTRIBUTE_VALUE:
            continue
        lowered = key.lower()
        # The last occurrence of an attribute wins (RFC 6265 §5.3 step 4 reads the last one).
        if lowered == "expires":
            parsed_date = parse_cookie_date(attr_value)
            if parsed_date is not None:
                attributes["expires"] = parsed_date
        elif lowered == "max-age":
            if re.fullmatch(r"-?[0-9]+", attr_value):
                attributes["max_age"] = int(attr_value)
        elif lowered == "domain":
            domain = attr_value.removeprefix(".").lower()
            if domain:
                attributes["domain"] = domain
        elif lowered == "path":
            if attr_value.startswith("/"):
                attributes["path"] = attr_value
            else:
                attributes.pop("path", None)
        elif lowered == "secure":
            attributes["secure"] = True
        elif lowered == "httponly":
            attributes["http_only"] = True
        elif lowered == "samesite":
            attributes["same_site_raw"] = attr_value
            attributes["same_site"] = _SAME_SITE.get(attr_value.lower())
        elif lowered == "partitioned":
            attributes["partitioned"] = True
        else:
            extensions.append((key, attr_value))

    return SetCookie(
        name=name,
        value=value,
        raw=header,
        domain=_opt_str(attributes.get("domain")),
        path=_opt_str(attributes.get("path")),
        expires=_opt_datetime(attributes.get("expires")),
        max_age=_opt_int(attributes.get("max_age")),
        secure=bool(attributes.get("secure", False)),
        http_only=bool(attributes.get("http_only", False)),
        same_site=_opt_str(attributes.get("same_site")),
        same_site_raw=_opt_str(attributes.get("same_site_raw")),
        partitioned=bool(attributes.get("partitioned", False)),
        extensions=tuple(extensions),
    )


def prefix_problem(cookie: SetCookie) -> str:
    """Why a browser rejects the cookie for its name prefix; ``""`` when it does not.

    ``__Secure-`` needs ``Secure``; ``__Host-`` needs ``Secure``, ``Path=/`` and no ``Domain``
    (RFC 6265bis §4.1.3; browsers now match the prefixes case-insensitively).
    """
    lowered = cookie.name.lower()
    if lowered.startswith("__host-"):
        missing = []
        if not cookie.secure:
            missing.append("Secure")
        if cookie.path != "/":
            missing.append("Path=/")
        if missing or cookie.domain is not None:
            needs = ", ".join(missing)
            parts = [f"lacks {needs}"] if needs else []
            if cookie.domain is not None:
                parts.append("sets Domain")
            return f"__Host- cookie {' and '.join(parts)}: browsers reject it"
    elif lowered.startswith("__secure-") and not cookie.secure:
        return "__Secure- cookie lacks Secure: browsers reject it"
    return ""


def domain_matches(host: str, domain: str) -> bool:
    """RFC 6265 §5.1.3: ``host`` is ``domain`` or a subdomain of it (never for IP literals)."""
    host = host.lower().rstrip(".")
    domain = domain.lower().rstrip(".")
    if host == domain:
        return True
    return host.endswith("." + domain) and not _is_ip(host)


def domain_problem(cookie: SetCookie, host: str) -> str:
    """Why a browser rejects the cookie's ``Domain`` when ``host`` sets it; ``""`` if not."""
    if cookie.domain is None or domain_matches(host, cookie.domain):
        return ""
    return f"Domain={cookie.domain} does not cover {host.lower()}: browsers reject it"


# --- cookie dates (RFC 6265 §5.1.1) -------------------------------------------------------------

# Delimiters are %x09 / %x20-2F / %x3B-40 / %x5B-60 / %x7B-7E; tokens are everything else.
_DATE_TOKEN = re.compile(r"[^\x09\x20-\x2f\x3b-\x40\x5b-\x60\x7b-\x7e]+")
_TIME = re.compile(r"([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:[^0-9].*)?")
_DAY = re.compile(r"([0-9]{1,2})(?:[^0-9].*)?")
_YEAR = re.compile(r"([0-9]{2,4})(?:[^0-9].*)?")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def parse_cookie_date(text: str) -> datetime | None:
    """An ``Expires`` value as an aware UTC datetime, or ``None`` when browsers would ignore it.

    Follows the cookie-date algorithm: tokens are matched in turn as time, day of month, month
    and year; two-digit years 70-99 mean 19xx and 00-69 mean 20xx.
    """
    time_found: tuple[int, int, int] | None = None
    day: int | None = None
    month: int | None = None
    year: int | None = None
    # ':' (0x3A) and digits are not delimiters, so "hh:mm:ss" stays one token.
    for token in _DATE_TOKEN.findall(text):
        if time_found is None and (match := _TIME.fullmatch(token)):
            time_found = (int(match[1]), int(match[2]), int(match[3]))
            continue
        if day is None and (match := _DAY.fullmatch(token)):
            day = int(match[1])
            continue
        if month is None and token[:3].lower() in _MONTHS and len(token) >= 3:
            month = _MONTHS.index(token[:3].lower()) + 1
            continue
        if year is None and (match := _YEAR.fullmatch(token)):
            year = int(match[1])
    if time_found is None or day is None or month is None or year is None:
        return None
    if 70 <= year <= 99:
        year += 1900
    elif 0 <= year <= 69:
        year += 2000
    hour, minute, second = time_found
    if not 1 <= day <= 31 or year < 1601 or hour > 23 or minute > 59 or second > 59:
        return None
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:  # 31 February and the like: "fail to parse" per the RFC
        return None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _opt_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _opt_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _opt_datetime(value: object) -> datetime | None:
    return value if isinstance(value, datetime) else None

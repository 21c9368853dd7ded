"""URLs as the HTTP client sends and records them: parsed once, normalized as browsers do.

:func:`parse_url` accepts ``http`` and ``https`` URLs with a host. It lower-cases the scheme and
the host, encodes an international host name with IDNA, drops a default port, and
percent-encodes what may not appear raw in a path or a query (spaces, non-ASCII), leaving
existing escapes alone. :attr:`Url.text` is the form recorded in hops and results (the
fragment kept, as given); :attr:`Url.target` is what goes on the request line.
:func:`join_url` resolves a ``Location`` against the URL it came from (RFC 3986), fragment
dropped. Parsing is cached: the checks of a run fetch the same URLs again and again.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, urljoin, urlsplit

from launch_tui.net.settings import join_host_port

DEFAULT_PORTS = {"http": 80, "https": 443}

# RFC 3986 pchar plus "/" (and "?" in a query), and "%" so existing escapes stay as they are.
_PATH_SAFE = "/%:@!$&'()*+,;=~-._"
_QUERY_SAFE = _PATH_SAFE + "?"
_NEEDS_QUOTE = re.compile(r"[^A-Za-z0-9/%:@!$&'()*+,;=~\-._?]")
_HOST_NAME = re.compile(r"[a-z0-9_\-.]+")


class InvalidUrl(ValueError):
    """A URL the client cannot request; the message says why, without the URL."""


@dataclass(frozen=True, slots=True)
class Url:
    """An http(s) URL, normalized. Immutable, so parses can be shared."""

    scheme: str
    """``http`` or ``https``."""
    host: str
    """Lower case, IDNA-encoded; an IPv6 address without brackets."""
    port: int
    """The port to connect to (the scheme's default when the URL names none)."""
    target: str
    """Path and query as sent on the request line; never empty."""
    text: str
    """The whole URL, normalized (``http://example.com:80/a b`` → ``http://example.com/a%20b``)."""
    host_header: str
    """The ``Host`` header: the host, and the port when it is not the default."""

    @property
    def origin(self) -> tuple[str, str, int]:
        """``(scheme, host, port)``: what a kept-alive connection can serve."""
        return (self.scheme, self.host, self.port)

    @property
    def is_ip(self) -> bool:
        """True when the host is an IP address (no DNS, no SNI)."""
        return _is_ip(self.host)

    @property
    def authority(self) -> str:
        """``host:port`` with the effective port, IPv6 in brackets."""
        return join_host_port(self.host, self.port)


@lru_cache(maxsize=2048)
def parse_url(text: str) -> Url:
    """Parse and normalize ``text``; raise :class:`InvalidUrl` if it cannot be requested."""
    if not isinstance(text, str):
        raise InvalidUrl("not a string")
    try:
        parts = urlsplit(text.strip())
        port = parts.port
        hostname = parts.hostname
    except ValueError as exc:
        raise InvalidUrl(str(exc)) from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not hostname:
        raise InvalidUrl("only http:// and https:// URLs with a host")
    host = _host(hostname)
    default = DEFAULT_PORTS[scheme]
    explicit = port is not None and port != default
    path = _quoted(parts.path, _PATH_SAFE)
    query = _quoted(parts.query, _QUERY_SAFE)
    target = (path or "/") + (f"?{query}" if query else "")
    bracketed = f"[{host}]" if ":" in host else host
    authority = f"{bracketed}:{port}" if explicit else bracketed
    netloc = parts.netloc
    userinfo = netloc.rpartition("@")[0] + "@" if "@" in netloc else ""
    url = f"{scheme}://{userinfo}{authority}{path}"
    if query:
        url += f"?{query}"
    if parts.fragment:
        url += f"#{parts.fragment}"
    return Url(
        scheme=scheme,
        host=host,
        port=port or default,
        target=target,
        text=url,
        host_header=authority,
    )


def join_url(base: Url, location: str) -> Url:
    """``location`` resolved against ``base``, without a fragment. Raises :class:`InvalidUrl`."""
    try:
        joined = urljoin(base.text, location.strip())
    except ValueError as exc:
        raise InvalidUrl(str(exc)) from None
    joined = joined.partition("#")[0]
    return parse_url(joined)


def _host(hostname: str) -> str:
    host = hostname
    if ":" in host:
        if not _is_ip(host):
            raise InvalidUrl(f"{host!r} is not an IPv6 address")
        return host
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise InvalidUrl(f"the host name is not valid IDNA: {exc}") from None
    host = host.lower()
    if not _HOST_NAME.fullmatch(host):
        raise InvalidUrl("the host name has characters a host name cannot have")
    return host


def _quoted(part: str, safe: str) -> str:
    if not part or not _NEEDS_QUOTE.search(part):
        return part
    return quote(part, safe=safe)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True

"""Ask a domain's registry about it over RDAP: find the server, fetch, read. The I/O half.

Which server: the session's ``[network] rdap_url`` when set (the sandbox's registry, or a registry
the bootstrap file does not list), else the IANA DNS bootstrap snapshot shipped in
``data/rdap_dns_bootstrap.json`` (RFC 9224; dated, and how to refresh it, in its
``description``; ``launch-tui data refresh`` downloads a newer one), with the servers of TLDs
IANA does not list from ``data/rdap_overrides.json`` laid over it. The query is
``GET <base>domain/<name>`` with ``Accept: application/rdap+json`` through the run's
:class:`~launch_tui.net.HttpClient`, so the session's ``--resolve`` overrides, CA bundle, deadline
and caps apply as for every check.

Trust: only ``https://`` is ever asked, and a redirect elsewhere than ``https://`` is refused, since
a registry's answer decides whether a launch is blocked. Bodies are capped at
:data:`MAX_RDAP_BYTES` (raw and decoded); everything read goes through
:mod:`launch_tui.net.rdap_parse`, which turns any JSON into data or a path-named error.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from urllib.parse import urljoin, urlsplit

from launch_tui.core.errors import UsageError
from launch_tui.core.sanitize import clean
from launch_tui.net import FailureKind, FetchResult, HttpClient, NetLimits, data_files
from launch_tui.net.public_suffix import registrable_domain
from launch_tui.net.rdap_parse import (
    Bootstrap,
    DomainRecord,
    RdapParseError,
    error_text,
    parse_bootstrap,
    parse_domain,
    parse_json,
)

__all__ = [
    "MAX_RDAP_BYTES",
    "Outcome",
    "RdapAnswer",
    "RdapServer",
    "domain_url",
    "lookup_name",
    "query_domain",
    "rdap_server_for",
    "shipped_bootstrap",
]

#: Largest answer read; a domain object is a few KiB, the largest real ones well under 100 KiB.
MAX_RDAP_BYTES = 1024 * 1024
#: Redirects followed (registries and rdap.org-style services redirect once, to the registry).
MAX_HOPS = 3
ACCEPT = "application/rdap+json, application/json;q=0.9"

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_LDH_NAME = re.compile(rf"(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})+")


@functools.cache
def shipped_bootstrap() -> Bootstrap:
    """The IANA DNS bootstrap (a refreshed copy if ``launch-tui data refresh`` made one, else
    the shipped snapshot), with the servers of TLDs IANA does not list laid over it (read once).

    ``publication`` is IANA's file's date; the overrides' date is in ``net.data_files``.
    """
    iana = parse_bootstrap(parse_json(data_files.read(data_files.RDAP_BOOTSTRAP)[0]))
    extra = parse_bootstrap(parse_json(data_files.read(data_files.RDAP_OVERRIDES)[0]))
    return Bootstrap(
        publication=iana.publication,
        description=iana.description,
        entries={**iana.entries, **extra.entries},
    )


def lookup_name(apex: str) -> str:
    """The registered domain to ask about for ``apex``, as LDH text (A-labels).

    ``www.example.co.uk`` gives ``example.co.uk``. Raises ``ValueError`` with a message for a
    person when ``apex`` is not a domain name (an IP address, one label, bad characters).
    """
    name = apex.strip().rstrip(".").lower()
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        pass
    else:
        raise ValueError(f"the apex {clean(apex, max_len=60)!r} is an IP address, not a domain")
    try:
        ascii_name = name.encode("idna").decode("ascii")
    except UnicodeError:
        ascii_name = ""
    # The name goes into a URL path: nothing but letters, digits, hyphens and dots gets there.
    if not _LDH_NAME.fullmatch(ascii_name):
        raise ValueError(f"the apex {clean(apex, max_len=60)!r} is not a registrable domain name")
    return registrable_domain(ascii_name) or ascii_name


@dataclass(frozen=True)
class RdapServer:
    """Where to ask, and why there."""

    base_url: str
    """Ends in ``/``; the query is ``<base_url>domain/<name>``."""
    source: str
    """``session`` (``[network] rdap_url``) or ``bootstrap`` (the shipped IANA snapshot)."""


def rdap_server_for(
    domain: str, configured: str = "", bootstrap: Bootstrap | None = None
) -> RdapServer | None:
    """The RDAP server for ``domain``: ``configured`` when given, else the bootstrap's.

    ``None`` when the bootstrap lists no ``https://`` server for the domain's suffix. A
    ``configured`` URL that is not ``https://host/...`` is a :class:`UsageError`.
    """
    if configured.strip():
        base = configured.strip()
        parts = urlsplit(base)
        if parts.scheme.lower() != "https" or not parts.hostname:
            raise UsageError(
                f"[network] rdap_url {clean(base, max_len=80)!r} is not an https:// URL; "
                "registration data is only read over HTTPS"
            )
        return RdapServer(base if base.endswith("/") else base + "/", "session")
    found = (bootstrap or shipped_bootstrap()).https_base(domain)
    return RdapServer(found, "bootstrap") if found else None


def domain_url(base_url: str, domain: str) -> str:
    """``<base_url>domain/<domain>`` (RFC 9082 §3.1.3)."""
    return (base_url if base_url.endswith("/") else base_url + "/") + "domain/" + domain


class Outcome(StrEnum):
    """How a query ended."""

    FOUND = "found"
    NOT_FOUND = "not_found"  # 404: not registered, or not at this registry
    RATE_LIMITED = "rate_limited"  # 429
    FAILED = "failed"  # transport, refused redirect, HTTP error, unreadable answer


@dataclass(frozen=True)
class RdapAnswer:
    """The result of one domain query."""

    url: str
    """The URL asked first."""
    outcome: Outcome
    final_url: str = ""
    """The URL that answered (after redirects)."""
    status: int | None = None
    """The last HTTP status; ``None`` when no response arrived."""
    record: DomainRecord | None = None
    """The domain's data, for ``FOUND``."""
    message: str = ""
    """For anything but ``FOUND``: one line for a person, untrusted parts cleaned."""
    retry_after: str = ""
    """``Retry-After`` of a 429, cleaned."""


async def query_domain(
    http: HttpClient,
    base_url: str,
    domain: str,
    *,
    limits: NetLimits,
    monotonic: Callable[[], float] = time.monotonic,
) -> RdapAnswer:
    """Ask ``base_url`` about ``domain``; every hop shares ``limits.total_deadline``.

    Never raises on what a server does: transport failures, refused redirects, HTTP errors and
    unreadable bodies all come back as an :class:`RdapAnswer` with a message.
    """
    first = domain_url(base_url, domain)
    capped = replace(limits, max_body_bytes=min(limits.max_body_bytes, MAX_RDAP_BYTES))
    started = monotonic()
    url, seen = first, {first}
    for _ in range(MAX_HOPS + 1):
        # Rounded so messages read "within 0.78 seconds", not a float's every digit.
        left = round(capped.total_deadline - (monotonic() - started), 2)
        if left <= 0:
            return _failed(first, url, None, f"No RDAP answer from {_host(url)} in time")
        hop_limits = replace(
            capped,
            total_deadline=left,
            connect_timeout=min(capped.connect_timeout, left),
            dns_timeout=min(capped.dns_timeout, left),
            dns_lifetime=min(capped.dns_lifetime, left),
        )
        result = await http.fetch(url, headers={"Accept": ACCEPT}, follow=False, limits=hop_limits)
        status = result.status
        if result.failure is None and status in (301, 302, 303, 307, 308):
            target, refusal = _redirect_target(url, result.header("location"))
            if refusal:
                return _failed(first, url, status, f"{_host(url)} {refusal}")
            if target in seen:
                return _failed(first, url, status, f"{_host(url)} redirected in a loop")
            seen.add(target)
            url = target
            continue
        return _read(first, domain, result)
    return _failed(first, url, None, f"More than {MAX_HOPS} redirects from the RDAP server")


def _redirect_target(url: str, location: str | None) -> tuple[str, str]:
    """The absolute URL a redirect points at, or ``("", why it is not followed)``."""
    if not location or not location.strip():
        return "", "redirected without a Location"
    try:
        target = urljoin(url, location.strip())
        scheme = urlsplit(target).scheme.lower()
    except ValueError:
        return "", f"redirected to an invalid URL ({clean(location, max_len=100)})"
    if scheme != "https":
        return "", f"redirected to a non-HTTPS URL ({clean(target, max_len=100)}); not followed"
    return target, ""


def _read(first: str, domain: str, result: FetchResult) -> RdapAnswer:
    url, status = result.final_url, result.status
    failure = result.failure
    if failure is not None:
        if failure.kind is FailureKind.BODY_TOO_LARGE:
            message = f"The RDAP answer from {_host(url)} is larger than {_size()}; not read"
        else:
            message = f"RDAP query failed: {failure.message}"
        return _failed(first, url, status, message)
    if status is None:  # a result without a failure has a status; kept for the type checker
        return _failed(first, url, status, f"No RDAP answer from {_host(url)}")
    if status == 429:
        retry = clean(result.header("retry-after") or "", max_len=40)
        wait = ""
        if retry:
            wait = f"; retry after {retry}" + (" seconds" if retry.isdigit() else "")
        return RdapAnswer(
            first,
            Outcome.RATE_LIMITED,
            url,
            status,
            message=f"{_host(url)} is rate-limiting RDAP queries (429){wait}",
            retry_after=retry,
        )
    decoded = result.decoded(MAX_RDAP_BYTES)
    if decoded.truncated:
        message = f"The RDAP answer from {_host(url)} inflates past {_size()}; not read"
        return _failed(first, url, status, message)
    if decoded.note:
        return _failed(first, url, status, f"RDAP answer could not be decoded: {decoded.note}")
    if status == 404:
        detail = _error_detail(decoded.data)
        return RdapAnswer(
            first,
            Outcome.NOT_FOUND,
            url,
            status,
            message=f"{_host(url)} does not know {domain} (404"
            + (f": {detail})" if detail else ")"),
        )
    if not 200 <= status < 300:
        detail = _error_detail(decoded.data)
        reason = clean(result.reason, max_len=40)
        message = f"RDAP server {_host(url)} answered {status} {reason}".rstrip()
        return _failed(first, url, status, message + (f" ({detail})" if detail else ""))
    try:
        record = parse_domain(parse_json(decoded.data), expected=domain)
    except RdapParseError as exc:
        kind = clean(result.header("content-type") or "no Content-Type", max_len=60)
        message = f"RDAP answer from {_host(url)} ({kind}) could not be read: {clean(str(exc))}"
        return _failed(first, url, status, clean(message, max_len=300))
    return RdapAnswer(first, Outcome.FOUND, url, status, record=record)


def _error_detail(body: bytes) -> str:
    try:
        return clean(error_text(parse_json(body)), max_len=120)
    except RdapParseError:
        return ""


def _failed(first: str, url: str, status: int | None, message: str) -> RdapAnswer:
    return RdapAnswer(first, Outcome.FAILED, url, status, message=message)


def _host(url: str) -> str:
    try:
        return clean(urlsplit(url).hostname or url, max_len=80)
    except ValueError:
        return clean(url, max_len=80)


def _size() -> str:
    return f"{MAX_RDAP_BYTES // 1024 // 1024} MiB"

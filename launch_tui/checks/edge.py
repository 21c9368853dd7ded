"""Edge checks: is each hostname behind Cloudflare, and can its origin be reached around it?

``edge.cloudflare`` (per host) decides "proxied" from three signs, any of which is enough:
the ``cf-ray`` header, ``Server: cloudflare``, or every address of the name inside Cloudflare's
published ranges (a snapshot shipped in ``net/data/cloudflare_ips.txt``, dated in its header;
``launch-tui data refresh`` downloads a newer one). The
apex's NS records say whether the DNS is on Cloudflare, which turns "not proxied" into a one-click
fix (the orange cloud).

==============================================================  ======  =====================
finding                                                         status  severity
==============================================================  ======  =====================
not proxied: the origin answers the public directly             fail    high for apex, www,
                                                                        app and admin; medium
                                                                        for others; low for
                                                                        staging
proxied, but some A/AAAA records point outside Cloudflare       warn    medium
==============================================================  ======  =====================

Mail hostnames are skipped: they must stay DNS-only.

``edge.origin_exposed`` (per proxied host) asks whether the origin still answers for the
hostname when reached by address, bypassing the edge's filtering and caching. The addresses
probed are the host's declared ``origin_ip`` first, then the other hostnames of the session
outside Cloudflare's ranges (a DNS-only ``api.`` or ``staging.`` is often the same server) —
the addresses an attacker finds first. Each is sent
the hostname's own request (same Host and SNI, certificate not verified: origins often hold
certificates browsers do not trust) and its answer is compared with the edge's:

==============================================================  ======  ========
the origin's answer                                             status  severity
==============================================================  ======  ========
the same page as the edge's (status and title, or body)          fail    high
the same redirect as the edge's                                 warn    medium
something else, or answered through Cloudflare itself           pass
==============================================================  ======  ========

A redirect-only match is a warning: the origin can be flooded around the edge, but it serves no
content there. Hosts that are not proxied are ``skipped`` (``edge.cloudflare`` reports them).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from launch_tui.checks.engine.context import CheckContext
from launch_tui.checks.engine.fetching import (
    Answer,
    absent_reason,
    answer_evidence,
    fetch_https,
    fetch_via,
    host_get_routes,
    host_url,
    is_redirect,
    is_staging,
    no_http_result,
    run_config,
    target_host,
    title_of,
    unanswered,
)
from launch_tui.checks.engine.registry import Registry
from launch_tui.core.errors import LaunchError
from launch_tui.core.model import CheckResult, HostRole, JSONValue, Severity, Status
from launch_tui.core.playbook import AppliesTo
from launch_tui.core.sanitize import clean
from launch_tui.net import DnsAnswer, FetchResult, data_files, parse_connect_to

CHECKS = Registry()

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Roles whose hostnames visitors use: not proxying them is the worst case.
_FRONT_ROLES = (HostRole.APEX, HostRole.WWW, HostRole.APP, HostRole.ADMIN)
#: Most addresses probed for one host's origin.
MAX_CANDIDATES = 16


@functools.cache
def cloudflare_networks() -> tuple[IPNetwork, ...]:
    """Cloudflare's published ranges from the shipped snapshot (comments and blanks skipped)."""
    text = data_files.read(data_files.CLOUDFLARE_IPS)[0].decode("utf-8")
    networks: list[IPNetwork] = []
    for line in text.splitlines():
        entry = line.split("#", 1)[0].strip()
        if entry:
            networks.append(ipaddress.ip_network(entry))
    return tuple(networks)


def in_cloudflare(address: str) -> bool:
    """True when ``address`` is inside one of Cloudflare's published ranges."""
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return False
    return any(ip in network for network in cloudflare_networks() if ip.version == network.version)


def cloudflare_markers(result: FetchResult) -> dict[str, str]:
    """The response headers that show Cloudflare answered (``cf-ray``, ``server: cloudflare``)."""
    markers: dict[str, str] = {}
    ray = result.header("cf-ray")
    if ray:
        markers["cf_ray"] = ray
    server = result.header("server") or ""
    if server.strip().lower() == "cloudflare":
        markers["server"] = server
    return markers


# --- edge.cloudflare -----------------------------------------------------------------------------


@CHECKS.register(
    "edge.cloudflare",
    stage="delivery",
    title="Traffic passes through Cloudflare",
    severity=Severity.HIGH,
    applies_to=AppliesTo.HOST,
)
async def cloudflare(ctx: CheckContext) -> CheckResult:
    """Is the hostname proxied by Cloudflare (headers, published ranges)?"""
    if ctx.services.http is None:
        return no_http_result(ctx)
    host = target_host(ctx)
    if ctx.host is not None and ctx.host.role is HostRole.MAIL:
        return ctx.result(Status.SKIPPED, "Mail hostnames must stay DNS-only (not proxied)")
    https, plain, addresses, dns_host = await asyncio.gather(
        fetch_https(ctx, host_url("https", host), follow=False, head_only=True),
        fetch_https(ctx, host_url("http", host), follow=False, head_only=True),
        _addresses(ctx, host),
        _dns_host(ctx),
    )
    answers = [a.result for a in (https, plain) if a.headed]
    markers: dict[str, str] = {}
    for result in answers:
        markers = markers or cloudflare_markers(result)
    on_cloudflare = [a for a in addresses if in_cloudflare(a)]
    proxied = bool(markers) or (bool(addresses) and len(on_cloudflare) == len(addresses))
    evidence: dict[str, JSONValue] = {
        "proxied": proxied,
        "addresses": list[JSONValue](addresses),
        "cloudflare_addresses": list[JSONValue](on_cloudflare),
        "cf_ray": markers.get("cf_ray"),
        "server": next((r.header("server") for r in answers if r.header("server")), None),
        "ranges_snapshot": data_files.status(
            data_files.CLOUDFLARE_IPS, ctx.clock().date()
        ).describe(),
    }
    if dns_host:
        evidence["dns_host"] = dns_host
    if not answers and not on_cloudflare:
        gone = [absent_reason(a.result) for a in (https, plain)]
        if all(gone):
            return ctx.result(Status.SKIPPED, f"Nothing answers: {gone[0]}", evidence=evidence)
        failure = https.result.failure or plain.result.failure
        message = failure.message if failure is not None else "no answer"
        return ctx.result(Status.ERROR, f"Could not check: {message}", evidence=evidence)

    if proxied:
        outside = [a for a in addresses if not in_cloudflare(a)]
        if on_cloudflare and outside:
            return ctx.result(
                Status.WARN,
                f"Partly proxied: {clean(host)} has addresses inside Cloudflare "
                f"({', '.join(on_cloudflare[:3])}) and outside ({', '.join(outside[:3])}); "
                "visitors sent to the others bypass the edge",
                evidence=evidence,
                severity=Severity.MEDIUM,
            )
        return ctx.result(Status.PASS, _proxied_summary(markers, on_cloudflare), evidence=evidence)

    severity = Severity.MEDIUM
    if is_staging(ctx):
        severity = Severity.LOW
    elif ctx.host is not None and ctx.host.role in _FRONT_ROLES:
        severity = Severity.HIGH
    server = evidence["server"]
    parts = [
        f"Not proxied by Cloudflare: origin exposed directly ({clean(host)} answers from "
        f"{', '.join(addresses[:3]) or answers[0].remote}"
        + (f", server {clean(str(server), max_len=60)})" if server else ")")
    ]
    if dns_host == "Cloudflare":
        parts.append("its DNS is on Cloudflare, so turn the proxy on (orange cloud)")
    return ctx.result(Status.FAIL, "; ".join(parts), evidence=evidence, severity=severity)


async def _addresses(ctx: CheckContext, host: str) -> list[str]:
    resolver = ctx.services.resolver
    if resolver is None:
        return []
    found = await resolver.resolve_address(host)
    return found if isinstance(found, list) else []


async def _dns_host(ctx: CheckContext) -> str:
    """``"Cloudflare"`` when the apex's nameservers are Cloudflare's; ``""`` otherwise."""
    resolver = ctx.services.resolver
    apex = ctx.session.targets.apex.strip().rstrip(".").lower()
    if resolver is None or not apex:
        return ""
    answer = await resolver.resolve(apex, "NS")
    if not isinstance(answer, DnsAnswer) or not answer.records:
        return ""
    names = [r.rstrip(".").lower() for r in answer.records]
    return "Cloudflare" if all(n.endswith(".ns.cloudflare.com") for n in names) else ""


def _proxied_summary(markers: dict[str, str], on_cloudflare: Sequence[str]) -> str:
    signs = []
    if "cf_ray" in markers:
        signs.append(f"cf-ray {clean(markers['cf_ray'], max_len=40)}")
    if "server" in markers:
        signs.append("server: cloudflare")
    if on_cloudflare:
        signs.append(f"addresses in Cloudflare's ranges ({', '.join(on_cloudflare[:3])})")
    return f"Proxied by Cloudflare ({', '.join(signs)})"


# --- edge.origin_exposed -------------------------------------------------------------------------


@dataclass(frozen=True)
class Fingerprint:
    """What identifies a response well enough to recognise it from another address."""

    status: int
    location: str = ""
    """Absolute redirect target, for redirects."""
    title: str = ""
    body_sha256: str = ""
    """For answers without a title (JSON, text): the decoded body's hash."""

    @property
    def redirect(self) -> bool:
        return is_redirect(self.status)


def fingerprint(result: FetchResult) -> Fingerprint | None:
    """The fingerprint of a 2xx or 3xx answer; ``None`` for errors (they prove nothing)."""
    status = result.status
    if status is None or result.failure is not None or not 200 <= status < 400:
        return None
    if is_redirect(status):
        location = urljoin(result.final_url, (result.header("location") or "").strip())
        return Fingerprint(status, location=location)
    text = result.text(512 * 1024)
    title = title_of(text)
    digest = "" if title else hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()
    return Fingerprint(status, title=title, body_sha256=digest)


def same_site_content(edge: Fingerprint, direct: Fingerprint) -> bool:
    """True when ``direct`` is recognisably the answer the edge gave."""
    if edge.status != direct.status:
        return False
    if edge.redirect:
        return bool(edge.location) and _without_port(edge.location) == _without_port(
            direct.location
        )
    if edge.title:
        return edge.title == direct.title
    return bool(edge.body_sha256) and edge.body_sha256 == direct.body_sha256


@CHECKS.register(
    "edge.origin_exposed",
    stage="delivery",
    title="Origin cannot be reached directly",
    severity=Severity.HIGH,
    applies_to=AppliesTo.HOST,
)
async def origin_exposed(ctx: CheckContext) -> CheckResult:
    """Probe the session's non-Cloudflare addresses for the hostname's own content."""
    if ctx.services.http is None or ctx.services.resolver is None:
        return no_http_result(ctx)
    host = target_host(ctx)
    if ctx.host is not None and ctx.host.role is HostRole.MAIL:
        return ctx.result(Status.SKIPPED, "Mail hostnames are not proxied: nothing to bypass")
    paths = _probe_paths(ctx, host)
    edge_answers, candidates = await asyncio.gather(
        asyncio.gather(
            *(fetch_https(ctx, host_url("https", host, p), follow=False) for p in paths)
        ),
        _candidates(ctx, host),
    )
    evidence: dict[str, JSONValue] = {"edge": answer_evidence(edge_answers[0])}
    first = edge_answers[0]
    if not first.headed:
        return unanswered(ctx, first.result, evidence)
    own_addresses = await _addresses(ctx, host)
    if not cloudflare_markers(first.result) and not (
        own_addresses and all(in_cloudflare(a) for a in own_addresses)
    ):
        return ctx.result(
            Status.SKIPPED,
            f"{clean(host)} is not behind Cloudflare, so its origin is public anyway: "
            "edge.cloudflare reports it",
            evidence=evidence,
        )
    chosen = _fingerprinted(paths, edge_answers)
    if chosen is None:
        return ctx.result(
            Status.SKIPPED,
            f"Nothing to compare: {clean(host)} answers no probed path with a page or redirect "
            f"({', '.join(clean(p) for p in paths)})",
            evidence=evidence,
        )
    path, edge_print = chosen
    evidence["path"] = path
    evidence["edge_fingerprint"] = _print_evidence(edge_print)
    if not candidates:
        return ctx.result(
            Status.SKIPPED,
            "No other address outside Cloudflare is known to probe for the origin",
            evidence=evidence,
        )
    url = host_url("https", host, path)
    probes = await asyncio.gather(*(_probe(ctx, url, c) for c in candidates))
    probed: list[JSONValue] = []
    content: list[str] = []
    redirect: list[str] = []
    for (ip, port), result in zip(candidates, probes, strict=True):
        where = f"{ip}:{port}" if port is not None else ip
        direct = fingerprint(result) if not cloudflare_markers(result) else None
        matched = direct is not None and same_site_content(edge_print, direct)
        probed.append(
            {
                "address": where,
                "url": result.url,
                "status": result.status,
                "via_cloudflare": bool(cloudflare_markers(result)),
                "same_as_edge": matched,
            }
        )
        if matched:
            (redirect if edge_print.redirect else content).append(where)
    evidence["probed"] = probed
    shown = clean(host)
    if content:
        evidence["exposed_at"] = list[JSONValue](content)
        return ctx.result(
            Status.FAIL,
            f"Origin answers directly: {', '.join(content)} serves {shown}{clean(path)} "
            "without Cloudflare (the same page as through the edge); firewall it to "
            "Cloudflare's ranges or use a tunnel",
            evidence=evidence,
            severity=Severity.LOW if is_staging(ctx) else Severity.HIGH,
        )
    if redirect:
        evidence["exposed_at"] = list[JSONValue](redirect)
        return ctx.result(
            Status.WARN,
            f"Origin answers directly: {', '.join(redirect)} gives {shown}'s redirect without "
            "Cloudflare; it can be flooded around the edge, firewall it to Cloudflare's ranges",
            evidence=evidence,
            severity=Severity.MEDIUM,
        )
    return ctx.result(
        Status.PASS,
        f"No origin found: none of the {len(candidates)} other known addresses serves "
        f"{shown} around Cloudflare",
        evidence=evidence,
    )


def _probe_paths(ctx: CheckContext, host: str) -> list[str]:
    """``/`` plus the first configured GET route on the host: something to recognise."""
    paths = ["/"]
    for route in host_get_routes(ctx.session.targets.routes, host):
        parts = urlsplit(route.url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if path not in paths:
            paths.append(path)
            break
    return paths


def _fingerprinted(
    paths: Sequence[str], answers: Sequence[Answer]
) -> tuple[str, Fingerprint] | None:
    for path, answer in zip(paths, answers, strict=True):
        found = fingerprint(answer.result) if answer.ok else None
        if found is not None:
            return path, found
    return None


async def _candidates(ctx: CheckContext, host: str) -> list[tuple[str, int | None]]:
    """``(ip, port)`` of every other session hostname outside Cloudflare, without repeats.

    The run's ``--resolve`` entries are honoured (port included), so the sandbox's hosts are
    probed where they listen.
    """
    config = run_config(ctx)
    if config is None:
        return []
    own = config.override_for(host, 443)
    names = [h.name for h in ctx.session.targets.hosts if h.name.lower() != host]
    resolved = await asyncio.gather(
        *(_endpoints(ctx, n, config.override_for(n, 443)) for n in names)
    )
    own_addresses = set(await _addresses(ctx, host))
    found: list[tuple[str, int | None]] = []
    declared = ctx.host.origin_ip.strip() if ctx.host is not None else ""
    if declared:
        with contextlib.suppress(LaunchError):  # a hand-written value that is no address
            ip, port = parse_connect_to(declared, 443)
            if not in_cloudflare(ip):
                found.append((ip, port))
    for endpoints in resolved:
        for endpoint in endpoints:
            ip = endpoint[0]
            if in_cloudflare(ip) or endpoint in found:
                continue
            if (own is not None and endpoint == own) or (own is None and ip in own_addresses):
                continue
            found.append(endpoint)
    return found[:MAX_CANDIDATES]


async def _endpoints(
    ctx: CheckContext, name: str, override: tuple[str, int] | None
) -> list[tuple[str, int | None]]:
    if override is not None:
        return [override]
    return [(ip, None) for ip in await _addresses(ctx, name)]


async def _probe(ctx: CheckContext, url: str, endpoint: tuple[str, int | None]) -> FetchResult:
    """The hostname's request sent to ``endpoint``: HTTPS first, plain HTTP if that fails."""
    secure = await fetch_via(ctx, url, verify=False, connect_to=endpoint, follow=False)
    if secure.status is not None and secure.failure is None:
        return secure
    plain_url = "http://" + url.removeprefix("https://")
    plain = await fetch_via(ctx, plain_url, verify=False, connect_to=endpoint, follow=False)
    return plain if plain.status is not None else secure


def _print_evidence(found: Fingerprint) -> dict[str, JSONValue]:
    entry: dict[str, JSONValue] = {"status": found.status}
    if found.location:
        entry["location"] = found.location
    if found.title:
        entry["title"] = found.title
    if found.body_sha256:
        entry["body_sha256"] = found.body_sha256
    return entry


def _without_port(url: str) -> str:
    """A URL compared across addresses: scheme, host and path (a probe may see another port)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    return f"{parts.scheme}://{parts.hostname or ''}{parts.path}?{parts.query}"

"""``audit.stack``'s web evidence: which URLs to visit, and what their response headers say.

Each host's answer becomes a :class:`Site`: the hosting, CDN and server-software providers its
headers show (fingerprints from :mod:`.stack_match`). The canonical URL comes first; mail hosts
are left out. :mod:`.stack_judge` turns the sites into the hosting and CDN verdicts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from launch_tui.checks.audit.fingerprints import Providers, Sighting, header_sightings
from launch_tui.checks.engine.context import CheckContext
from launch_tui.checks.engine.fetching import absent_reason, fetch_https, host_of, host_url
from launch_tui.core.model import HostRole, JSONValue
from launch_tui.core.sanitize import clean

__all__ = ["Site", "proof_of", "read_site", "sign_of", "site_urls", "visit_site"]

_SIGN_CAP = 80  # characters of a header value quoted as proof


@dataclass(frozen=True)
class Site:
    """What one URL's response headers say about where it runs."""

    host: str
    url: str
    status: int | None
    """HTTP status of the answer; ``None`` when nothing answered."""
    hosting: tuple[Sighting, ...] = ()
    cdn: tuple[Sighting, ...] = ()
    server: tuple[Sighting, ...] = ()
    canonical: bool = False
    """The session's canonical URL: its hosting is *the* hosting."""
    failure: str = ""
    """Why nothing answered (sanitized)."""

    def evidence(self) -> dict[str, JSONValue]:
        """The site's evidence entry (plain JSON values)."""
        entry: dict[str, JSONValue] = {"host": self.host, "url": self.url, "status": self.status}
        if self.canonical:
            entry["canonical"] = True
        entry["hosting"] = [s.provider.name for s in self.hosting]
        entry["cdn"] = [s.provider.name for s in self.cdn]
        entry["server"] = [s.provider.name for s in self.server]
        entry["signs"] = [sign_of(s) for s in (*self.hosting, *self.cdn, *self.server)]
        if self.failure:
            entry["failure"] = self.failure
        return entry


def read_site(
    host: str,
    url: str,
    status: int | None,
    headers: Sequence[tuple[str, str]],
    providers: Providers,
    *,
    canonical: bool = False,
) -> Site:
    """Sort the web providers ``headers`` show into hosting, CDN and server software."""
    sightings = header_sightings(headers, providers.web)
    return Site(
        host=host,
        url=url,
        status=status,
        hosting=tuple(s for s in sightings if s.provider.kind == "hosting"),
        cdn=tuple(s for s in sightings if s.provider.kind == "cdn"),
        server=tuple(s for s in sightings if s.provider.kind == "server"),
        canonical=canonical,
    )


def sign_of(sighting: Sighting) -> str:
    """The header that gave the provider away, value capped: ``x-vercel-id: …``."""
    return f"{sighting.header}: {clean(sighting.value, max_len=_SIGN_CAP)}"


def proof_of(site: Site, sighting: Sighting) -> str:
    """Where and what was seen: ``www.example.com: x-vercel-id: …``."""
    return f"{site.host}: {sign_of(sighting)}"


def site_urls(ctx: CheckContext) -> list[tuple[str, str, bool]]:
    """``(host, url, canonical)``: the canonical URL, then each other host's root.

    Mail hostnames are left out: they serve no web pages to identify a platform by.
    """
    targets = ctx.session.targets
    found: list[tuple[str, str, bool]] = []
    canonical = targets.canonical_url.strip()
    if host_of(canonical):
        found.append((host_of(canonical), canonical, True))
    for host in targets.hosts:
        name = host.name.strip().rstrip(".").lower()
        if host.role is HostRole.MAIL or not name or any(name == h for h, _, _ in found):
            continue
        found.append((name, host_url("https", name), False))
    return found


async def visit_site(
    ctx: CheckContext, host: str, url: str, canonical: bool, providers: Providers
) -> Site:
    """Fetch ``url`` (and its plain-http twin, in case TLS is missing) and read the headers."""
    urls = [url]
    if url.startswith("https://"):
        urls.append("http://" + url.removeprefix("https://"))
    answers = await asyncio.gather(
        *(fetch_https(ctx, u, follow=False, head_only=True) for u in urls)
    )
    answer = next((a for a in answers if a.headed), None)
    if answer is None:
        first = answers[0].result
        failure = first.failure
        why = absent_reason(first) or (failure.message if failure is not None else "no answer")
        return Site(host, url, None, canonical=canonical, failure=clean(why, max_len=200))
    result = answer.result
    return read_site(
        host, result.url, result.status, result.headers, providers, canonical=canonical
    )

"""One look at a health route: is it healthy, and which release does the app say it runs?

Shared by the ``deploy.health`` check, ``launch-tui watch-deploy`` and the TUI's rollback drill.
A health route is healthy when it answers the route's expected status, is not an HTML page (a
catch-all route answering 200 for any path says nothing about the app), and, when its JSON has
a ``status`` key, that key says ok. The release comes from a version header or from the JSON's
``version``/``commit`` keys.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from launch_tui.core.errors import UsageError
from launch_tui.core.model import HostRole, JSONValue, Route, RouteKind, Session
from launch_tui.core.sanitize import clean
from launch_tui.net import FailureKind, FetchResult, HttpClient, NetLimits

#: Headers that report the running release, in the order they are believed.
VERSION_HEADERS: tuple[str, ...] = (
    "x-app-version",
    "x-version",
    "x-release",
    "x-commit",
    "x-commit-sha",
    "x-git-commit",
    "x-git-sha",
    "x-build-id",
)
#: JSON keys that report the running release.
VERSION_KEYS: tuple[str, ...] = ("version", "release", "commit", "sha", "git_sha", "build")
_OK_WORDS = frozenset({"ok", "pass", "passing", "healthy", "up", "green", "ready"})


@dataclass(frozen=True)
class HealthProbe:
    """What one request to a health route showed."""

    healthy: bool
    status: int | None
    """HTTP status; ``None`` when no answer arrived."""
    reason: str
    """One line for a person (sanitized)."""
    version: str = ""
    """The release the app reports; empty when it reports none (sanitized)."""
    elapsed_ms: float = 0.0
    verified: bool = True
    """False when the certificate did not verify and the answer was read without verifying."""

    def as_evidence(self) -> dict[str, JSONValue]:
        return {
            "healthy": self.healthy,
            "status": self.status,
            "reason": self.reason,
            "version": self.version,
            "elapsed_ms": round(self.elapsed_ms, 1),
            "certificate_verified": self.verified,
        }


def json_body(result: FetchResult) -> dict[str, JSONValue] | None:
    """The body as a JSON object, or ``None`` when it is not one."""
    kind = (result.header("content-type") or "").lower()
    text = result.text(256 * 1024).strip()
    if "json" not in kind and not text.startswith("{"):
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def reported_version(result: FetchResult) -> str:
    """The release ``result`` reports (header first, then JSON keys); ``""`` if none."""
    for name in VERSION_HEADERS:
        header = result.header(name)
        if header and header.strip():
            return clean(header.strip(), max_len=80)
    data = json_body(result)
    if data is not None:
        for key in VERSION_KEYS:
            value = data.get(key)
            if isinstance(value, bool):
                continue
            if isinstance(value, str | int | float):
                return clean(str(value), max_len=80)
    return ""


def judge(result: FetchResult, expect_status: int, body_contains: str = "") -> HealthProbe:
    """Whether ``result`` is a healthy answer of a health route."""
    version = reported_version(result) if result.status is not None else ""
    status = result.status
    if status is None or (result.failure is not None and status is None):
        failure = result.failure
        why = failure.message if failure is not None else "no answer"
        return HealthProbe(False, None, clean(why, max_len=200), "", result.elapsed_ms)
    if status != expect_status:
        return HealthProbe(
            False, status, f"answers {status}, not {expect_status}", version, result.elapsed_ms
        )
    kind = (result.header("content-type") or "").lower()
    if "html" in kind:
        return HealthProbe(
            False,
            status,
            "answers an HTML page, not a health document (a catch-all route?)",
            version,
            result.elapsed_ms,
        )
    data = json_body(result)
    if data is not None and isinstance(data.get("status"), str):
        said = str(data["status"])
        if said.strip().lower() not in _OK_WORDS:
            return HealthProbe(
                False,
                status,
                f"answers {status} but reports status {clean(said, max_len=40)!r}",
                version,
                result.elapsed_ms,
            )
    if body_contains and body_contains not in result.text(256 * 1024):
        return HealthProbe(
            False,
            status,
            f"answers {status} without {clean(body_contains, max_len=40)!r} in its body",
            version,
            result.elapsed_ms,
        )
    return HealthProbe(True, status, f"healthy ({status})", version, result.elapsed_ms)


async def probe(
    http: HttpClient, route: Route, deadline_s: float, body_contains: str = ""
) -> HealthProbe:
    """Request ``route`` once (no redirects followed) and judge the answer.

    A certificate that does not verify is read again without verifying (the certificate is
    ``tls.certificate``'s finding; the health of the app is this one's).
    """
    limits = NetLimits(total_deadline=deadline_s, max_body_bytes=256 * 1024)
    began = time.monotonic()
    result = await http.fetch(route.url, route.method, follow=False, limits=limits)
    verified = True
    if result.failure is not None and result.failure.kind is FailureKind.TLS:
        left = max(0.1, deadline_s - (time.monotonic() - began))
        async with http.variant(verify=False, max_connections=1) as loose:
            result = await loose.fetch(
                route.url, route.method, follow=False, limits=NetLimits(total_deadline=left)
            )
        verified = False
    seen = judge(result, route.expect_status, body_contains)
    if not verified:
        return HealthProbe(
            seen.healthy,
            seen.status,
            seen.reason + " (certificate not verified)",
            seen.version,
            seen.elapsed_ms,
            verified=False,
        )
    return seen


def production_health_route(session: Session, name: str | None = None) -> Route:
    """The route to watch after a deploy: ``name``, else the first health route that is not on
    a staging host (else any health route). A usage error says what to add when there is none."""
    if name:
        route = session.route(name)
        if route is None:
            known = ", ".join(r.name for r in session.targets.routes) or "none"
            raise UsageError(f"--route: no route {name!r} in the session; routes: {known}")
        return route
    staging = {h.name for h in session.targets.hosts if h.role is HostRole.STAGING}
    if session.targets.staging_url:
        staging.add(_host(session.targets.staging_url))
    health = [r for r in session.targets.routes if r.kind is RouteKind.HEALTH]
    production = [r for r in health if _host(r.url) not in staging]
    candidates = production or health
    if not candidates:
        raise UsageError(
            "the session has no health route to watch; add one "
            '(kind = "health" under [[targets.routes]]) or name a route with --route',
            title="No health route",
        )
    return candidates[0]


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""

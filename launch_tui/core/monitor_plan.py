"""Which routes a monitor should watch, and how: one plan for exports, coverage and the TUI.

Pure (no I/O): the checks (``monitor.coverage``, the in-app monitor loop) and the report's exports
(Prometheus, Gatus, k6) both read it, so it sits below them. The session's ``[network] resolve``
texts are parsed by the network layer; :func:`launch_tui.checks.monitor.plan.monitor_plan` hands
them in as :class:`Override` values.

A route is monitored unless it is on a staging host, is an admin route (monitors hold no
credentials), or is a write not marked safe to repeat. Webhooks are probed with a POST of ``{}``
and expect the route's configured status (a receiver that verifies signatures answers 400).

The four *key* routes the minimum bar's uptime item names: the homepage (the canonical URL's
route, else a read route at ``/``), login (an auth route), health and webhook.

Sessions pointed at the loopback sandbox (or any ``[network] resolve`` override) get monitors
that connect to the override's address and send the real name as Host and TLS server name,
exactly as the app's own requests do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from launch_tui.core.errors import UsageError
from launch_tui.core.model import HostRole, Route, RouteKind, Session

#: The four key routes of the uptime item, in the order they are listed.
KEY_ROUTES: tuple[str, ...] = ("homepage", "login", "health", "webhook")
#: The minimum bar's p95 budgets: reads, and writes, sign-in and webhooks.
READ_BUDGET_MS = 500
WRITE_BUDGET_MS = 800
_WRITE_KINDS = frozenset({RouteKind.WRITE, RouteKind.AUTH, RouteKind.WEBHOOK})


class Override(Protocol):
    """Where to connect instead of resolving a host (``net.ResolveOverride`` is one)."""

    @property
    def host(self) -> str: ...
    @property
    def ip(self) -> str: ...
    @property
    def port(self) -> int | None:
        """Replaces the URL's port when given."""

    @property
    def host_port(self) -> int | None:
        """Narrows the override to URLs on that port."""


def budget_ms(route: Route) -> int:
    """The route's p95 budget: its own, else 800 ms for writes/sign-in/webhooks, 500 ms else."""
    if route.p95_budget_ms is not None:
        return route.p95_budget_ms
    return WRITE_BUDGET_MS if route.kind in _WRITE_KINDS else READ_BUDGET_MS


@dataclass(frozen=True)
class Monitor:
    """One route to watch."""

    route: str
    """The session's route name."""
    slug: str
    """``[a-z0-9_]`` identifier for file, job and module names (unique in the plan)."""
    url: str
    method: str
    kind: RouteKind
    expect_status: int
    budget_ms: int
    """The route's p95 budget (its own, or the minimum bar's for its kind)."""
    body: str = ""
    """Request body (``{}`` for webhooks); empty for none."""
    host: str = ""
    """The URL's host name."""
    connect: str = ""
    """``IP:PORT`` to connect to instead of resolving ``host`` (from ``[network] resolve``)."""
    loadable: bool = False
    """Safe to put under load (k6): reads, health, and routes marked safe to repeat."""

    @property
    def tls(self) -> bool:
        return self.url.lower().startswith("https:")

    @property
    def probe_url(self) -> str:
        """The URL a monitor requests: the real one, or the override's address."""
        if not self.connect:
            return self.url
        parts = urlsplit(self.url)
        rest = parts.path or "/"
        if parts.query:
            rest += "?" + parts.query
        return f"{parts.scheme}://{self.connect}{rest}"


def _staging_hosts(session: Session) -> set[str]:
    hosts = {h.name for h in session.targets.hosts if h.role is HostRole.STAGING}
    if session.targets.staging_url:
        hosts.add((urlsplit(session.targets.staging_url).hostname or "").lower())
    return hosts


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def monitored_routes(session: Session) -> tuple[Route, ...]:
    """The routes a monitor should watch, in session order."""
    staging = _staging_hosts(session)
    kept = []
    for route in session.targets.routes:
        if _host(route.url) in staging or route.kind is RouteKind.ADMIN:
            continue
        method = route.method.upper()
        if route.kind is RouteKind.WRITE and not route.safe_to_repeat:
            continue
        if method not in ("GET", "HEAD") and not (
            route.safe_to_repeat or route.kind is RouteKind.WEBHOOK
        ):
            continue
        kept.append(route)
    return tuple(kept)


def key_routes(session: Session) -> dict[str, Route | None]:
    """The homepage, login, health and webhook routes (``None`` when there is none)."""
    staging = _staging_hosts(session)
    routes = [r for r in session.targets.routes if _host(r.url) not in staging]
    canonical = session.targets.canonical_url.rstrip("/")
    home = next((r for r in routes if canonical and r.url.rstrip("/") == canonical), None)
    if home is None:
        home = next(
            (
                r
                for r in routes
                if r.kind is RouteKind.READ and (urlsplit(r.url).path or "/") == "/"
            ),
            None,
        )
    return {
        "homepage": home,
        "login": next((r for r in routes if r.kind is RouteKind.AUTH), None),
        "health": next((r for r in routes if r.kind is RouteKind.HEALTH), None),
        "webhook": next((r for r in routes if r.kind is RouteKind.WEBHOOK), None),
    }


def plan_monitors(session: Session, resolve: Iterable[Override] = ()) -> tuple[Monitor, ...]:
    """A :class:`Monitor` for every monitored route; a session without any is a usage error.

    ``resolve`` are the session's parsed ``[network] resolve`` overrides (the last one for a
    host and port wins, as in the network layer).
    """
    routes = monitored_routes(session)
    if not routes:
        raise UsageError(
            "the session has no routes to monitor: add routes under [[targets.routes]] "
            "(homepage, login, health, webhook) and export again",
            title="Nothing to monitor",
        )
    overrides: dict[tuple[str, int | None], Override] = {}
    for parsed in resolve:
        overrides[(parsed.host, parsed.host_port)] = parsed
    monitors: list[Monitor] = []
    used: set[str] = set()
    for route in routes:
        host = _host(route.url)
        parts = urlsplit(route.url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        override = overrides.get((host, port)) or overrides.get((host, None))
        connect = ""
        if override is not None:
            connect = f"{override.ip}:{override.port or port}"
        monitors.append(
            Monitor(
                route=route.name,
                slug=_slug(route.name, used),
                url=route.url,
                method=route.method.upper(),
                kind=route.kind,
                expect_status=route.expect_status,
                budget_ms=budget_ms(route),
                body="{}" if route.method.upper() == "POST" else "",
                host=host,
                connect=connect,
                loadable=route.kind in (RouteKind.READ, RouteKind.HEALTH) or route.safe_to_repeat,
            )
        )
    return tuple(monitors)


def _slug(name: str, used: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "route"
    if base[0].isdigit():
        base = "r_" + base
    slug, n = base, 2
    while slug in used:
        slug, n = f"{base}_{n}", n + 1
    used.add(slug)
    return slug

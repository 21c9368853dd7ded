"""Turn "what to run" into work items: one (check, target) pair per check run.

A session check runs once (target ``""``), a host check once per host of the session, a route check
once per route, each narrowed by the check's ``host_roles`` / ``route_kinds``. Items come in
registry order, then target order as the session lists them.

Checks that read a page (``CheckDef.pages``: mixed content, page weight and third-party scripts)
also run on the pages a visitor lands on whether or not a route declares them: the canonical URL
and the homepage of every www and app host (:func:`page_routes`), each a read route named by its
URL. A page a declared route already fetches is left to that route.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

from launch_tui.checks.engine.registry import CheckDef, Registry
from launch_tui.core.errors import CheckError
from launch_tui.core.model import Host, HostRole, Route, RouteKind, Session
from launch_tui.core.playbook import AppliesTo

T = TypeVar("T", Host, Route)


@dataclass(frozen=True)
class Selection:
    """Which checks to run. Each filter is ``None`` for "no restriction"; filters combine (AND).

    An empty set selects nothing. Unknown stages, check ids or targets are a :class:`CheckError`.
    """

    stages: frozenset[str] | None = None
    """Stage ids to include."""
    check_ids: frozenset[str] | None = None
    """Check ids to include."""
    targets: frozenset[str] | None = None
    """Host names and route names to include; ``""`` includes the session-wide checks."""
    applies_to: frozenset[AppliesTo] | None = None
    """Kinds of check to include (session-wide, per host, per route)."""


@dataclass(frozen=True)
class WorkItem:
    """One check to run on one target."""

    check: CheckDef
    target: str
    """Hostname, route name, or ``""`` for a session-wide check."""
    host: Host | None = None
    """The host behind ``target`` for host checks."""
    route: Route | None = None
    """The route behind ``target`` for route checks."""

    @property
    def key(self) -> tuple[str, str]:
        """``(check_id, target)``, the key of the result this item produces."""
        return (self.check.id, self.target)


def expand_selection(
    registry: Registry, session: Session, selection: Selection | None = None
) -> tuple[WorkItem, ...]:
    """The work items ``selection`` picks from ``registry`` for ``session``."""
    chosen = _select_checks(registry, selection or Selection())
    hosts = _unique(session.targets.hosts)
    routes = _unique(session.targets.routes)
    pages = page_routes(session) if any(c.pages for c in chosen) else ()
    wanted = None if selection is None else selection.targets
    if wanted is not None:
        known = {""} | {h.name for h in hosts} | {r.name for r in (*routes, *pages)}
        unknown = sorted(wanted - known)
        if unknown:
            listed = ", ".join(sorted(known - {""})) or "none configured"
            raise CheckError(
                f"No host or route named {', '.join(repr(t) for t in unknown)}. "
                f"Known targets: {listed}.",
                title="Unknown target",
            )

    items: list[WorkItem] = []
    for check in chosen:
        if check.applies_to is AppliesTo.SESSION:
            items.append(WorkItem(check, ""))
        elif check.applies_to is AppliesTo.HOST:
            items.extend(
                WorkItem(check, h.name, host=h)
                for h in hosts
                if check.host_roles is None or h.role in check.host_roles
            )
        else:
            items.extend(
                WorkItem(check, r.name, route=r)
                for r in ((*routes, *pages) if check.pages else routes)
                if check.route_kinds is None or r.kind in check.route_kinds
            )
    if wanted is not None:
        items = [item for item in items if item.target in wanted]
    return tuple(items)


#: Hosts whose homepage a visitor sees (an API, admin or mail host has no page for the public).
_PAGE_ROLES = (HostRole.WWW, HostRole.APP)


def page_routes(session: Session) -> tuple[Route, ...]:
    """The canonical URL and each www and app host's homepage, as GET read routes named by
    their URL, minus the pages a declared route already fetches (see the module docstring)."""
    targets = session.targets
    urls = [targets.canonical_url.strip()] if targets.canonical_url.strip() else []
    urls += [f"https://{h.name}/" for h in targets.hosts if h.role in _PAGE_ROLES]
    if not urls and targets.apex:
        urls.append(f"https://{targets.apex}/")
    seen = {_page_key(r.url) for r in targets.routes if r.method.upper() == "GET"}
    pages: list[Route] = []
    for url in urls:
        key = _page_key(url)
        if key is None or key in seen:
            continue
        seen.add(key)
        pages.append(Route(name=url, url=url, kind=RouteKind.READ, method="GET"))
    return tuple(pages)


def _page_key(url: str) -> tuple[str, str, int | None, str] | None:
    """What makes two URLs the same page (scheme, host, port, path; query and case aside)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return (parts.scheme.lower(), parts.hostname.lower(), port, parts.path or "/")


def _select_checks(registry: Registry, selection: Selection) -> tuple[CheckDef, ...]:
    checks = registry.all()
    if selection.stages is not None:
        # for_stage validates each stage and names the valid ones.
        in_stages = {d.id for stage in sorted(selection.stages) for d in registry.for_stage(stage)}
        checks = tuple(d for d in checks if d.id in in_stages)
    if selection.check_ids is not None:
        registry.require(sorted(selection.check_ids))
        checks = tuple(d for d in checks if d.id in selection.check_ids)
    if selection.applies_to is not None:
        checks = tuple(d for d in checks if d.applies_to in selection.applies_to)
    return checks


def _unique(targets: tuple[T, ...]) -> tuple[T, ...]:
    # A hand-edited session may list a host twice; run its checks once.
    seen: set[str] = set()
    kept: list[T] = []
    for target in targets:
        if target.name not in seen:
            seen.add(target.name)
            kept.append(target)
    return tuple(kept)

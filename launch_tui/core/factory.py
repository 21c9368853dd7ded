"""Build a new session from the few facts an engineer types at the start of a sprint.

Used by ``launch-tui new`` and the TUI's new-session wizard. Pure: the caller supplies the clock.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from launch_tui.core.errors import UsageError
from launch_tui.core.model import (
    STAGE_IDS,
    Host,
    HostRole,
    Organisation,
    Person,
    Route,
    RouteKind,
    Session,
    Sprint,
    StageState,
    Targets,
    UiState,
)

_HOSTNAME = re.compile(r"^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$")
_ROLE_BY_LABEL = {role.value: role for role in HostRole if role not in (HostRole.OTHER,)}


def slugify(text: str, *, fallback: str = "session") -> str:
    """``"Acme Freight, Inc."`` → ``"acme-freight-inc"``; safe for file names and keyring refs."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:48].strip("-") or fallback


def normalize_hostname(name: str) -> str:
    """Lower-case, strip a trailing dot, and check it is a plausible DNS name."""
    host = name.strip().rstrip(".").lower()
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        raise UsageError(f"{name!r} is not a valid hostname") from None
    if not _HOSTNAME.match(host):
        raise UsageError(f"{name!r} is not a valid hostname (letters, digits, dots and hyphens)")
    return host


def guess_role(host: str, apex: str) -> HostRole:
    """The role a hostname most likely plays, from its first label."""
    if host == apex:
        return HostRole.APEX
    label = host.split(".", 1)[0]
    return _ROLE_BY_LABEL.get(label, HostRole.OTHER)


def parse_host(spec: str, apex: str) -> Host:
    """``NAME`` or ``NAME:ROLE``; a bare label like ``www`` is taken relative to the apex."""
    name, _, role_text = spec.partition(":")
    if "." not in name and apex:
        name = f"{name}.{apex}"
    host = normalize_hostname(name)
    if role_text:
        try:
            role = HostRole(role_text.strip().lower())
        except ValueError:
            allowed = ", ".join(r.value for r in HostRole)
            message = f"host {spec!r}: unknown role {role_text!r} (one of {allowed})"
            raise UsageError(message) from None
    else:
        role = guess_role(host, apex)
    return Host(name=host, role=role)


def parse_route(spec: str) -> Route:
    """``NAME[:KIND[:METHOD]]=URL``, e.g. ``login:auth:POST=https://app.example.com/login``."""
    head, sep, url = spec.partition("=")
    if not sep or not url.strip():
        raise UsageError(f"route {spec!r}: expected NAME[:KIND[:METHOD]]=URL")
    parts = head.split(":")
    name = parts[0].strip()
    if not name:
        raise UsageError(f"route {spec!r}: the route needs a name before '='")
    kind = RouteKind.READ
    if len(parts) > 1 and parts[1]:
        try:
            kind = RouteKind(parts[1].strip().lower())
        except ValueError:
            allowed = ", ".join(k.value for k in RouteKind)
            message = f"route {spec!r}: unknown kind {parts[1]!r} (one of {allowed})"
            raise UsageError(message) from None
    method = parts[2].strip().upper() if len(parts) > 2 and parts[2] else _default_method(kind)
    url = url.strip()
    if not re.match(r"^https?://[^/\s]+", url):
        raise UsageError(f"route {spec!r}: URL must start with http:// or https://")
    return Route(name=name, url=url, kind=kind, method=method)


def _default_method(kind: RouteKind) -> str:
    return "POST" if kind in (RouteKind.WRITE, RouteKind.WEBHOOK) else "GET"


@dataclass(frozen=True)
class NewSessionRequest:
    """What ``launch-tui new`` and the wizard collect."""

    client: str
    apex: str
    engineer: str
    product: str = ""
    engineer_email: str = ""
    session_id: str = ""
    hosts: tuple[str, ...] = ()
    routes: tuple[str, ...] = ()
    deadline_hours: int = 48


def build_session(request: NewSessionRequest, now: datetime) -> Session:
    """A fresh session: every stage todo, the engineer as the first person, audit selected."""
    client = request.client.strip()
    if not client:
        raise UsageError("the client name is empty")
    engineer = request.engineer.strip()
    if not engineer:
        raise UsageError("the engineer's name is empty")
    if not 1 <= request.deadline_hours <= 24 * 14:
        raise UsageError(f"deadline of {request.deadline_hours} hours is out of range (1-336)")
    apex = normalize_hostname(request.apex)
    hosts: list[Host] = [Host(name=apex, role=HostRole.APEX)]
    for spec in request.hosts:
        host = parse_host(spec, apex)
        if all(h.name != host.name for h in hosts):
            hosts.append(host)
    routes: list[Route] = []
    for spec in request.routes:
        route = parse_route(spec)
        if any(r.name == route.name for r in routes):
            raise UsageError(f"route name {route.name!r} is given twice")
        routes.append(route)
    person = Person(
        id=slugify(engineer, fallback="engineer"),
        name=engineer,
        role="Launch engineer",
        org=Organisation.CONTRACTOR,
        email=request.engineer_email.strip(),
    )
    www = next((h.name for h in hosts if h.role is HostRole.WWW), None)
    canonical = f"https://{www or apex}/"
    return Session(
        sprint=Sprint(
            id=slugify(request.session_id or client),
            client=client,
            product=request.product.strip(),
            engineer=person.id,
            started_at=now,
            deadline_hours=request.deadline_hours,
        ),
        targets=Targets(
            apex=apex, canonical_url=canonical, hosts=tuple(hosts), routes=tuple(routes)
        ),
        people=(person,),
        stages={stage: StageState() for stage in STAGE_IDS},
        ui=UiState(stage=STAGE_IDS[0]),
    )

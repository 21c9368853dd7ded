"""Build a new session from the few facts an engineer types at the start of a sprint.

Used by ``launch-tui new`` and the TUI's new-session wizard. Pure: the caller supplies the clock.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime

from launch_tui.core.errors import UsageError
from launch_tui.core.model import (
    STAGE_IDS,
    Host,
    HostRole,
    NetworkSettings,
    Organisation,
    Person,
    Route,
    RouteKind,
    Session,
    Sprint,
    Stack,
    StackComponent,
    StackItem,
    StageState,
    Targets,
    UiState,
)

_HOSTNAME = re.compile(r"^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$")
_ROLE_BY_LABEL = {role.value: role for role in HostRole if role not in (HostRole.OTHER,)}
#: Short names ``--stack`` accepts besides the components' own (``email=Postmark``).
_STACK_ALIASES = {
    "email": StackComponent.EMAIL_PROVIDER,
    "auth": StackComponent.AUTH_PROVIDER,
    "dns": StackComponent.DNS_HOST,
    "db": StackComponent.DATABASE,
    "host": StackComponent.HOSTING,
}
_SELECTOR = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)(\.(?!-)[a-z0-9_-]{1,63}(?<!-))*$")


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
    """``NAME[:KIND[:METHOD]]=URL[|expect=STATUS][|safe_to_repeat]``.

    E.g. ``login:auth:POST=https://app.example.com/login`` or
    ``admin:admin=https://app.example.com/admin|expect=401`` (a protected route answers 401).
    Options follow the URL after ``|``, which a URL cannot hold unencoded (RFC 3986).
    """
    head, sep, rest = spec.partition("=")
    url, *options = rest.split("|")
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
    route = Route(name=name, url=url, kind=kind, method=method)
    for option in options:
        route = _route_option(spec, route, option.strip())
    return route


def _route_option(spec: str, route: Route, option: str) -> Route:
    key, sep, value = option.partition("=")
    key = key.strip().lower().replace("-", "_")
    if key == "expect" and sep:
        text = value.strip()
        if not (text.isdigit() and 100 <= int(text) <= 599):
            raise UsageError(f"route {spec!r}: expect={text!r} is not an HTTP status (100-599)")
        return replace(route, expect_status=int(text))
    if key == "safe_to_repeat":
        flag = value.strip().lower() if sep else "true"
        if flag not in ("true", "false", "yes", "no"):
            raise UsageError(f"route {spec!r}: safe_to_repeat={value!r} is not true or false")
        return replace(route, safe_to_repeat=flag in ("true", "yes"))
    raise UsageError(f"route {spec!r}: unknown option {option!r} (expect=STATUS or safe_to_repeat)")


def parse_stack(specs: tuple[str, ...]) -> Stack:
    """``COMPONENT=NAME`` entries (``email=Postmark``, ``hosting=Fly.io``) as the declared stack."""
    items: dict[str, StackItem] = {}
    names = {c.value: c for c in StackComponent} | _STACK_ALIASES
    for spec in specs:
        key, sep, value = spec.partition("=")
        component = names.get(key.strip().lower().replace("-", "_"))
        if not sep or not value.strip() or component is None:
            allowed = ", ".join([*(c.value for c in StackComponent), *_STACK_ALIASES])
            raise UsageError(f"stack {spec!r}: expected COMPONENT=NAME, COMPONENT one of {allowed}")
        if component.value in items:
            raise UsageError(f"stack {spec!r}: {component.value} is given twice")
        items[component.value] = StackItem(declared=value.strip())
    return Stack(**items)


def parse_selector(text: str) -> str:
    """A DKIM selector (``s1``, ``google``, ``k1._x`` label syntax), lower-cased."""
    selector = text.strip().lower()
    if not _SELECTOR.match(selector):
        raise UsageError(f"DKIM selector {text!r} is not a DNS label (letters, digits, - and _)")
    return selector


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
    stack: tuple[str, ...] = ()
    """``COMPONENT=NAME`` entries for the declared stack."""
    dkim_selectors: tuple[str, ...] = ()
    network: NetworkSettings = field(default_factory=NetworkSettings)
    """Already validated by the caller (the parsers live in ``net``)."""


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
    selectors: list[str] = []
    for text in request.dkim_selectors:
        selector = parse_selector(text)
        if selector not in selectors:
            selectors.append(selector)
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
            apex=apex,
            canonical_url=canonical,
            hosts=tuple(hosts),
            routes=tuple(routes),
            dkim_selectors=tuple(selectors),
        ),
        stack=parse_stack(request.stack),
        network=request.network,
        people=(person,),
        stages={stage: StageState() for stage in STAGE_IDS},
        ui=UiState(stage=STAGE_IDS[0]),
    )

"""The access map for the handover: who owns each system and who else can get in. Pure.

The session records access as external services (``[[services]]``: owner and admins are person
ids, or e-mail addresses typed in directly). Each service is placed in one or more areas by its
name and purpose (``purpose = "DNS and CDN"`` puts Cloudflare under DNS and Cloudflare) and by the
stack: a service named like the declared registrar is the registrar. An area nobody recorded is
listed as missing, with the stack's declared provider as a hint.

Flags, one short phrase each: no owner, the owner is on the contractor's side, only one admin,
the owner signs in with a personal address (gmail.com, outlook.com... the shipped list of
:mod:`launch_tui.core.mailboxes`): each is one departure or one lost password from a lockout.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from launch_tui.core.mailboxes import personal_domain
from launch_tui.core.model import Organisation, Service, Session, StackComponent
from launch_tui.report.cleaning import clean

__all__ = ["AccessArea", "AccessRow", "access_map"]


class AccessArea(StrEnum):
    """The systems the seed's handover asks an owner for, in the order the map lists them."""

    REGISTRAR = "registrar"
    DNS = "dns"
    CLOUDFLARE = "cloudflare"
    HOSTING = "hosting"
    DATABASE = "database"
    EMAIL_DNS = "email-dns"
    MONITORING = "monitoring"
    CI = "ci"

    @property
    def label(self) -> str:
        return _AREA_LABELS[self]


_AREA_LABELS = {
    AccessArea.REGISTRAR: "Domain registrar",
    AccessArea.DNS: "DNS",
    AccessArea.CLOUDFLARE: "Cloudflare",
    AccessArea.HOSTING: "Hosting",
    AccessArea.DATABASE: "Database",
    AccessArea.EMAIL_DNS: "Email sending and its DNS records",
    AccessArea.MONITORING: "Monitoring and alerts",
    AccessArea.CI: "CI and source repository",
}

# Words in a service's name or purpose that put it in an area.
_KEYWORDS: dict[AccessArea, frozenset[str]] = {
    AccessArea.REGISTRAR: frozenset({"registrar", "domain", "domains", "registration"}),
    AccessArea.DNS: frozenset({"dns", "nameserver", "nameservers", "zone"}),
    AccessArea.CLOUDFLARE: frozenset({"cloudflare", "cdn", "waf", "edge"}),
    AccessArea.HOSTING: frozenset({"hosting", "host", "paas", "server", "servers", "compute"}),
    AccessArea.DATABASE: frozenset(
        {"database", "db", "postgres", "postgresql", "mysql", "mongodb", "redis", "supabase"}
    ),
    AccessArea.EMAIL_DNS: frozenset({"email", "mail", "smtp", "transactional", "newsletter"}),
    AccessArea.MONITORING: frozenset(
        {
            "monitoring",
            "monitor",
            "uptime",
            "alerts",
            "alerting",
            "observability",
            "logging",
            "logs",
            "apm",
            "errors",
        }
    ),
    AccessArea.CI: frozenset(
        {
            "ci",
            "cd",
            "repository",
            "repo",
            "git",
            "github",
            "gitlab",
            "bitbucket",
            "pipelines",
            "actions",
            "builds",
        }
    ),
}
# The stack component whose declared provider names the service for an area.
_STACK: dict[AccessArea, StackComponent] = {
    AccessArea.REGISTRAR: StackComponent.REGISTRAR,
    AccessArea.DNS: StackComponent.DNS_HOST,
    AccessArea.HOSTING: StackComponent.HOSTING,
    AccessArea.DATABASE: StackComponent.DATABASE,
    AccessArea.EMAIL_DNS: StackComponent.EMAIL_PROVIDER,
}
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class AccessRow:
    """One area of the access map; all text cleaned."""

    area: AccessArea
    label: str
    services: tuple[str, ...]
    """Names of the services recorded for this area."""
    owner: str
    """The owner's name (or what was typed), with their e-mail in brackets when known."""
    admins: tuple[str, ...]
    """Other people with admin access, as names."""
    flags: tuple[str, ...]
    """Problems: ``no owner recorded``, ``single admin``, ``personal email (gmail.com)``..."""
    notes: tuple[str, ...]
    """The services' access notes."""
    hint: str
    """For an area with no service: the stack's declared provider, if any."""

    @property
    def recorded(self) -> bool:
        return bool(self.services)


def areas_of(service: Service, session: Session) -> tuple[AccessArea, ...]:
    """The areas a service belongs to, by name, purpose and the declared stack."""
    text = f"{service.name} {service.purpose}".casefold()
    words = set(_WORD.findall(text))
    name = service.name.strip().casefold()
    found = []
    for area in AccessArea:
        hit = bool(words & _KEYWORDS[area])
        if area is AccessArea.HOSTING and "dns" in words:
            # "DNS hosting" is DNS, not application hosting.
            hit = bool(words & (_KEYWORDS[area] - {"host", "hosting"}))
        component = _STACK.get(area)
        if component is not None and name:
            declared = session.stack.get(component).declared.strip().casefold()
            hit = hit or (bool(declared) and (declared == name or name in declared.split()))
        if hit:
            found.append(area)
    return tuple(found)


def access_map(session: Session) -> tuple[AccessRow, ...]:
    """One row per :class:`AccessArea`, in order, whether or not anything was recorded."""
    placed: dict[AccessArea, list[Service]] = {area: [] for area in AccessArea}
    for service in sorted(session.services, key=lambda s: s.name.casefold()):
        for area in areas_of(service, session):
            placed[area].append(service)
    return tuple(_row(area, placed[area], session) for area in AccessArea)


def _row(area: AccessArea, services: list[Service], session: Session) -> AccessRow:
    hint = ""
    component = _STACK.get(area)
    if component is not None:
        hint = clean(session.stack.get(component).declared, max_len=80)
    if not services:
        return AccessRow(area, area.label, (), "", (), ("not recorded",), (), hint)
    owners = _unique(s.owner.strip() for s in services if s.owner.strip())
    admin_ids = _unique(a.strip() for s in services for a in s.admins if a.strip())
    flags: list[str] = []
    if not owners:
        flags.append("no owner recorded")
    for owner in owners:
        person = session.person(owner)
        if person is not None and person.org is Organisation.CONTRACTOR:
            flags.append(f"owner {clean(person.name, max_len=60)} is on the contractor side")
        domain = personal_domain(person.email if person is not None else owner)
        if domain:
            flags.append(f"owner uses a personal email ({domain})")
    people_with_access = set(owners) | set(admin_ids)
    if len(people_with_access) < 2:
        flags.append("single admin" if people_with_access else "no admins recorded")
    for admin in admin_ids:
        person = session.person(admin)
        domain = personal_domain(person.email if person is not None else admin)
        if domain and admin not in owners:
            flags.append(f"admin {_name(session, admin)} uses a personal email ({domain})")
    others = tuple(_name(session, a) for a in admin_ids if a not in owners)
    return AccessRow(
        area=area,
        label=area.label,
        services=tuple(clean(s.name, max_len=80) for s in services),
        owner=", ".join(_name(session, o, with_email=True) for o in owners),
        admins=others,
        flags=tuple(_unique(flags)),
        notes=tuple(clean(s.access_notes, max_len=300) for s in services if s.access_notes.strip()),
        hint=hint,
    )


def _name(session: Session, person_id: str, *, with_email: bool = False) -> str:
    person = session.person(person_id)
    if person is None:
        return clean(person_id, max_len=120)
    name = clean(person.name, max_len=80)
    if with_email and person.email.strip():
        return f"{name} ({clean(person.email, max_len=120)})"
    return name


def _unique(values: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen

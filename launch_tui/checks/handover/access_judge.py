"""Who holds each account the launch depends on, judged from the session. Pure.

The session lists external services (``[[services]]``: an owner and admins, as person ids or
typed-in addresses) and people (``[[people]]``: client or contractor side, e-mail). The stack
says what the launch runs on, as declared by the client and as detected in stage 1
(``audit.stack``: DNS host, mail provider, hosting, CDN; ``domain.expiry``: registrar).

What must be listed (an *area* each): the registrar, the DNS host, Cloudflare (or whichever CDN
is in front), the hosting, the database, the email provider, monitoring and the code host. A
stack value, declared or detected, that no listed service is named after is a gap: the detected
ones are exactly the services an engineer forgets (the admin panel on another platform).
Monitoring and the code host have no stack field; a service counts for them (and for an area
the stack leaves blank) by the words in its name or purpose.

Every listed service is then judged (the worst applies; each problem is named):

===============================================================  ======  ========
problem                                                          status  severity
===============================================================  ======  ========
no owner; an owner who is not one of the people                  fail    high
owner on the contractor's side (contractors leave at handover)   fail    high
owner signs in with a personal mailbox (gmail.com...)            fail    high
the only client admin is on a personal mailbox                   fail    high
fewer than two admins on the client's side                       fail    medium
an admin who is not one of the people                            warn    low
a stack value no listed service is named after                   warn    medium
no monitoring, no code host (or another area) listed at all     warn    medium
===============================================================  ======  ========

Each gap names who should fix it: the owner when it is a client person on a company address,
else the client's lead (the first client person on a company address) — with the contractor
who holds the account when it must be transferred. Contractor admins beside enough client ones
are not a gap but are listed to remove at handover.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from launch_tui.checks.audit.fingerprints import (
    Provider,
    builtin_providers,
    declared_as,
    find_declared,
)
from launch_tui.core.mailboxes import email_domain, personal_domain
from launch_tui.core.model import (
    JSONValue,
    Organisation,
    Person,
    Service,
    Session,
    Severity,
    StackComponent,
    Status,
)
from launch_tui.core.sanitize import clean

__all__ = ["AccessJudgement", "Area", "Gap", "ServiceAccess", "judge_access"]


class Area(StrEnum):
    """What the launch depends on, in the order the map lists it."""

    REGISTRAR = "registrar"
    DNS_HOST = "dns_host"
    CDN = "cdn"
    HOSTING = "hosting"
    DATABASE = "database"
    EMAIL_PROVIDER = "email_provider"
    MONITORING = "monitoring"
    CODE_HOST = "code_host"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Area.REGISTRAR: "domain registrar",
    Area.DNS_HOST: "DNS host",
    Area.CDN: "CDN / edge",
    Area.HOSTING: "hosting",
    Area.DATABASE: "database",
    Area.EMAIL_PROVIDER: "email provider",
    Area.MONITORING: "monitoring",
    Area.CODE_HOST: "code host",
}
_FROM_STACK = {
    Area.REGISTRAR: StackComponent.REGISTRAR,
    Area.DNS_HOST: StackComponent.DNS_HOST,
    Area.HOSTING: StackComponent.HOSTING,
    Area.DATABASE: StackComponent.DATABASE,
    Area.EMAIL_PROVIDER: StackComponent.EMAIL_PROVIDER,
}
# Words in a service's name or purpose that place it in an area.
_AREA_WORDS = {
    Area.REGISTRAR: frozenset({"registrar", "domain", "domains", "registration"}),
    Area.DNS_HOST: frozenset({"dns", "nameserver", "nameservers"}),
    Area.HOSTING: frozenset({"hosting", "paas", "vps", "droplet", "compute"}),
    Area.DATABASE: frozenset(
        {"database", "db", "postgres", "postgresql", "mysql", "mongodb", "redis", "sqlite"}
    ),
    Area.EMAIL_PROVIDER: frozenset({"email", "mail", "smtp", "transactional"}),
    Area.MONITORING: frozenset(
        {"monitoring", "monitor", "monitors", "uptime", "alerting", "alerts", "observability"}
        | {"apm", "sentry", "datadog", "pingdom", "grafana", "betterstack", "statuspage"}
    ),
    Area.CODE_HOST: frozenset(
        {"github", "gitlab", "bitbucket", "codeberg", "repository", "repositories", "repo"}
        | {"git", "source", "code"}
    ),
}
_WORD = re.compile(r"[a-z0-9]+")
# Too common in provider names to tie a service to a stack value by themselves.
_GENERIC = frozenset(
    {"and", "cloud", "com", "dns", "email", "host", "hosting", "inc", "llc", "ltd", "mail"}
    | {"managed", "net", "org", "server", "the", "web", "registrar", "database", "db", "plan"}
)


@dataclass(frozen=True)
class Gap:
    """One thing wrong with the access to one service (or one missing service)."""

    target: str
    """The service's name, the provider's name for an unlisted one, or the area's label."""
    problem: str
    """One line, cleaned."""
    status: Status
    severity: Severity
    fix_by: str
    """Who should fix it, as names (``Maya Okafor``, ``Maya Okafor with Jonas Weber``)."""
    short: str = ""
    """A few words for a one-line summary (``owned by contractor Jonas Weber``)."""


@dataclass(frozen=True)
class ServiceAccess:
    """One listed service, as the access map shows it; text cleaned."""

    name: str
    areas: tuple[Area, ...]
    owner: str
    """The owner's name (or what was typed), ``""`` when none is recorded."""
    owner_side: str
    """``client``, ``contractor`` or ``unknown``."""
    client_admins: tuple[str, ...]
    """Names of the people on the client's side who can administer it, owner included."""
    remove_at_handover: tuple[str, ...]
    """Contractor admins whose access should end at handover."""
    gaps: tuple[Gap, ...] = ()


@dataclass(frozen=True)
class AccessJudgement:
    """The access map and every gap in it."""

    services: tuple[ServiceAccess, ...]
    missing: tuple[Gap, ...]
    """Areas or stack values no listed service covers."""
    needed: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Area -> the providers the stack names for it (declared and detected)."""

    @property
    def gaps(self) -> tuple[Gap, ...]:
        """Every gap, worst first (stable within a rank)."""
        every = [g for s in self.services for g in s.gaps] + list(self.missing)
        return tuple(sorted(every, key=lambda g: (g.status.rank, g.severity.rank)))

    def evidence(self) -> dict[str, JSONValue]:
        """Plain data for the result: the map, the needs, and each gap with who should fix it."""
        return {
            "services": [
                {
                    "name": s.name,
                    "areas": [a.value for a in s.areas],
                    "owner": s.owner,
                    "owner_side": s.owner_side,
                    "client_admins": list[JSONValue](s.client_admins),
                    "remove_at_handover": list[JSONValue](s.remove_at_handover),
                    "status": _worst(s.gaps).value,
                }
                for s in self.services
            ],
            "needed": {k: list[JSONValue](v) for k, v in self.needed.items()},
            "findings": [_gap_evidence(g) for g in self.gaps],
        }


def judge_access(
    session: Session, *, detected_cdn: str = "", providers: Sequence[Provider] | None = None
) -> AccessJudgement:
    """Judge ``session``'s services against its people and stack (see the module docstring).

    ``detected_cdn`` is what ``audit.stack`` saw in front of the sites (the stack has no field
    for it); ``providers`` defaults to the shipped fingerprints, used to match aliases.
    """
    known = _Known(providers if providers is not None else _all_providers())
    lead = _client_lead(session.people)
    needed = _needed(session, detected_cdn)
    rows = tuple(
        _judge_service(session, s, lead, _areas_of(s, needed, known)) for s in session.services
    )
    missing: list[Gap] = []
    for area, names in needed.items():
        for name in names:
            if not any(_named(s.name, name, known) for s in session.services):
                missing.append(_unlisted(Area(area), name, session, lead))
    for area in _AREA_WORDS:
        if area.value not in needed and not any(area in r.areas for r in rows):
            missing.append(
                Gap(
                    area.label,
                    f"no {area.label} is in the services list: add it with a client owner and "
                    "two admins",
                    Status.WARN,
                    Severity.MEDIUM,
                    _names(lead),
                    "none listed",
                )
            )
    return AccessJudgement(services=rows, missing=tuple(missing), needed=needed)


# --- one service --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Holder:
    """An owner or admin as recorded: a person, a typed-in address, or an unknown id."""

    raw: str
    person: Person | None

    @property
    def name(self) -> str:
        if self.person is not None:
            return clean(self.person.name, max_len=80)
        return clean(self.raw, max_len=120)

    @property
    def address(self) -> str:
        return self.person.email if self.person is not None else self.raw

    @property
    def typed_address(self) -> bool:
        return self.person is None and bool(email_domain(self.raw))

    @property
    def contractor(self) -> bool:
        return self.person is not None and self.person.org is Organisation.CONTRACTOR

    @property
    def known(self) -> bool:
        return self.person is not None or self.typed_address


def _holder(session: Session, raw: str) -> _Holder:
    raw = raw.strip()
    person = session.person(raw)
    if person is None and email_domain(raw):
        person = next(
            (p for p in session.people if p.email.strip().casefold() == raw.casefold()), None
        )
    return _Holder(raw, person)


def _judge_service(
    session: Session, service: Service, lead: Person | None, areas: tuple[Area, ...]
) -> ServiceAccess:
    name = clean(service.name, max_len=80)
    owner = _holder(session, service.owner) if service.owner.strip() else None
    admins = [_holder(session, a) for a in _unique(service.admins)]
    holders = ([owner] if owner is not None else []) + [
        a for a in admins if owner is None or a.raw != owner.raw
    ]
    client = [h for h in holders if h.known and not h.contractor]
    contractors = [h for h in admins if h.contractor and (owner is None or h.raw != owner.raw)]
    owner_ok = owner is not None and owner.known and not owner.contractor
    owner_personal = personal_domain(owner.address) if owner is not None else ""
    fixer = owner.person if owner_ok and not owner_personal and owner is not None else lead
    gaps: list[Gap] = []

    def gap(short: str, problem: str, status: Status, severity: Severity, fix_by: str = "") -> None:
        gaps.append(Gap(name, problem, status, severity, fix_by or _names(fixer), short))

    what = f"{areas[0].label} account" if areas else "account"
    if owner is None:
        gap("no owner", f"no owner recorded for the {what}", Status.FAIL, Severity.HIGH)
    elif not owner.known:
        gap(
            f"owner {owner.name!r} unknown",
            f"owner {owner.name!r} is not one of the session's people: nobody can tell whose "
            f"side holds the {what}",
            Status.FAIL,
            Severity.HIGH,
        )
    elif owner.contractor:
        gap(
            f"{what.removesuffix(' account')} owned by contractor {owner.name}",
            f"the {what} is owned by {owner.name}, a contractor who leaves at handover: "
            f"transfer it to the client",
            Status.FAIL,
            Severity.HIGH,
            _names(lead, owner.person),
        )
    elif owner_personal:
        gap(
            f"owner on a personal mailbox ({owner_personal})",
            f"the {what}'s owner {owner.name} signs in with a personal mailbox "
            f"({owner_personal}): move it to a company address",
            Status.FAIL,
            Severity.HIGH,
        )
    if len(client) == 1 and personal_domain(client[0].address) and client[0] is not owner:
        gap(
            "only client admin on a personal mailbox",
            f"the only client admin, {client[0].name}, signs in with a personal mailbox "
            f"({personal_domain(client[0].address)})",
            Status.FAIL,
            Severity.HIGH,
        )
    if len(client) < 2:
        who = "no admin" if not client else f"only {client[0].name}"
        add = "two client admins" if not client else "a second client admin"
        gap(
            "no client admin" if not client else "one client admin",
            f"{who} on the client's side: add {add}",
            Status.FAIL,
            Severity.MEDIUM,
        )
    for admin in admins:
        if not admin.known:
            gap(
                f"admin {admin.name!r} unknown",
                f"admin {admin.name!r} is not one of the session's people",
                Status.WARN,
                Severity.LOW,
            )
    return ServiceAccess(
        name=name,
        areas=areas,
        owner=owner.name if owner is not None else "",
        owner_side=(
            "unknown"
            if owner is None or not owner.known
            else "contractor"
            if owner.contractor
            else "client"
        ),
        client_admins=tuple(h.name for h in client),
        remove_at_handover=tuple(h.name for h in contractors),
        gaps=tuple(gaps),
    )


# --- what must be listed ----------------------------------------------------------------------


def _needed(session: Session, detected_cdn: str) -> dict[str, tuple[str, ...]]:
    """Area -> provider names the stack gives for it, declared first, without repeats."""
    needed: dict[str, tuple[str, ...]] = {}
    for area, component in _FROM_STACK.items():
        item = session.stack.get(component)
        # A registrar's name has commas of its own ("Namewise Registrar, Inc."); the other
        # components list what was detected as "A, B".
        detected = [item.detected] if area is Area.REGISTRAR else _split(item.detected)
        names = [n for n in _unique([item.declared, *detected]) if _significant(n)]
        if names:
            needed[area.value] = tuple(names)
    cdn = _unique(_split(detected_cdn))
    if cdn:
        needed[Area.CDN.value] = tuple(cdn)
    return needed


def _unlisted(area: Area, name: str, session: Session, lead: Person | None) -> Gap:
    item = session.stack.get(_FROM_STACK[area]) if area in _FROM_STACK else None
    declared = item is not None and _same(item.declared, name)
    how = "declared in the stack" if declared else "detected in stage 1"
    return Gap(
        clean(name, max_len=80),
        f"{clean(name, max_len=80)} ({area.label}, {how}) is not in the services list: add it "
        "with a client owner and two admins",
        Status.WARN,
        Severity.MEDIUM,
        _names(lead),
        f"{area.label} not in the services list",
    )


def _areas_of(
    service: Service, needed: dict[str, tuple[str, ...]], known: _Known
) -> tuple[Area, ...]:
    """The areas ``service`` covers: by the stack values named after it, and by its words."""
    areas = set(_areas_by_words(service))
    for area, names in needed.items():
        if any(_named(service.name, n, known) for n in names):
            areas.add(Area(area))
    return tuple(a for a in Area if a in areas)


def _areas_by_words(service: Service) -> tuple[Area, ...]:
    words = set(_words(f"{service.name} {service.purpose}"))
    return tuple(area for area, wanted in _AREA_WORDS.items() if words & wanted)


# --- names ----------------------------------------------------------------------------------


class _Known:
    """The providers whose names and aliases count as one name, each name looked up once (a
    judgement asks about the same few names for every service: ~1,800 comparisons a run)."""

    def __init__(self, providers: Sequence[Provider]) -> None:
        self._providers = providers
        self._found: dict[str, Provider | None] = {}

    def provider(self, name: str) -> Provider | None:
        """The provider ``name`` names, if the fingerprints know one."""
        if name not in self._found:
            self._found[name] = find_declared(name, self._providers)
        return self._found[name]


def _named(service_name: str, provider_name: str, known: _Known) -> bool:
    """True when a service called ``service_name`` is the provider ``provider_name``.

    The service's distinctive words appear together in the provider's name ("DigitalOcean" in
    "Postgres (DigitalOcean managed)", "Namewise" in "Namewise Registrar, Inc."), or the other
    way round, or both are names of one provider the fingerprints know ("G Suite" and "Google
    Workspace").
    """
    ours = _significant(service_name)
    theirs = _words(provider_name)
    if not ours or not theirs:
        return False
    if _contains(theirs, ours) or ("".join(ours) in "".join(theirs) and len("".join(ours)) >= 4):
        return True
    sig = _significant(provider_name)
    if sig and _contains(_words(service_name), sig):
        return True
    provider = known.provider(provider_name)
    return provider is not None and declared_as(service_name, provider)


def _same(a: str, b: str) -> bool:
    return bool(a.strip()) and _words(a) == _words(b)


def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text.casefold()))


def _significant(text: str) -> tuple[str, ...]:
    return tuple(w for w in _words(text) if w not in _GENERIC)


def _contains(words: Sequence[str], wanted: Sequence[str]) -> bool:
    size = len(wanted)
    return any(tuple(words[i : i + size]) == tuple(wanted) for i in range(len(words) - size + 1))


def _split(detected: str) -> list[str]:
    return [part.strip() for part in detected.split(",") if part.strip()]


def _unique(values: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for value in values:
        value = value.strip()
        if value and not any(_same(value, s) or value == s for s in seen):
            seen.append(value)
    return seen


def _client_lead(people: Sequence[Person]) -> Person | None:
    """The first client person on a company address; else the first client person."""
    client = [p for p in people if p.org is Organisation.CLIENT]
    return next((p for p in client if not personal_domain(p.email)), client[0] if client else None)


def _names(*people: Person | None) -> str:
    shown = [clean(p.name, max_len=80) for p in people if p is not None]
    return " with ".join(shown) if shown else "the client (no client person is recorded)"


def _worst(gaps: Sequence[Gap]) -> Status:
    return min((g.status for g in gaps), key=lambda s: s.rank, default=Status.PASS)


def _gap_evidence(gap: Gap) -> dict[str, JSONValue]:
    return {
        "target": gap.target,
        "problem": gap.problem,
        "status": gap.status.value,
        "severity": gap.severity.value,
        "fix_by": gap.fix_by,
    }


def _all_providers() -> tuple[Provider, ...]:
    shipped = builtin_providers()
    return (*shipped.dns_hosts, *shipped.email, *shipped.web)

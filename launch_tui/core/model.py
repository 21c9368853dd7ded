"""The sprint's domain model: frozen values, no I/O.

A :class:`Session` is everything one launch-readiness sprint knows: who the client is, what is
being checked (targets), what the stack is, who the people are, where each of the seven stages
stands, what the checks found, what was decided about it, and the inventories the handover needs
(external services, secrets by name, credential references).

Values are immutable; a change is a new value (``dataclasses.replace``). Sequences are tuples so
that two sessions compare equal when their contents do. Timestamps are timezone-aware UTC.
Nothing here ever holds a secret's value: secrets are inventoried by name and location, and
credentials are only ``keyring:`` references.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TypeAlias

from launch_tui.core.handover import Handover

#: Evidence is plain data, so it can be written to TOML, JSON and reports unchanged.
JSONValue: TypeAlias = str | int | float | bool | list["JSONValue"] | dict[str, "JSONValue"] | None
Evidence: TypeAlias = Mapping[str, JSONValue]

SCHEMA_VERSION = 3

#: The seven stages in sprint order. Their titles, goals and checks live in the playbook.
STAGE_IDS: tuple[str, ...] = (
    "audit",
    "request-path",
    "delivery",
    "email-secrets",
    "deploy",
    "observe",
    "handover",
)


class Status(StrEnum):
    """Outcome of one check on one target."""

    PASS = "pass"  # noqa: S105 - a verdict, not a password
    WARN = "warn"
    FAIL = "fail"
    ERROR = "error"  # the check could not decide: transport failure, timeout, crash
    SKIPPED = "skipped"  # not applicable, or unsafe to run (a write route not marked repeatable)
    MANUAL = "manual"  # waiting for the engineer to confirm by hand

    @property
    def rank(self) -> int:
        """Place in :data:`STATUS_ORDER`: 0 for fail up to 5 for pass; lower is worse."""
        return STATUS_ORDER.index(self)


class Severity(StrEnum):
    """Launch impact of a check failing. Ordered: critical is the worst."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for critical up to 4 for info; lower is worse."""
        return _SEVERITY_ORDER.index(self)

    def at_least(self, other: Severity) -> bool:
        """True when this severity is as bad as ``other`` or worse."""
        return self.rank <= other.rank


_SEVERITY_ORDER: tuple[Severity, ...] = tuple(Severity)

#: Statuses worst first, the one order results are listed and ranked in: what does not hold,
#: what could not be decided, what is doubtful, what waits for a person, what did not apply,
#: what holds.
STATUS_ORDER: tuple[Status, ...] = (
    Status.FAIL,
    Status.ERROR,
    Status.WARN,
    Status.MANUAL,
    Status.SKIPPED,
    Status.PASS,
)


class StageStatus(StrEnum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    BLOCKED = "blocked"


class Action(StrEnum):
    """What was decided about a finding."""

    FIX = "fix"
    ACCEPT_RISK = "accept-risk"
    DEFER = "defer"


class RouteKind(StrEnum):
    """What a route does; drives latency budgets, monitoring and access checks."""

    READ = "read"
    WRITE = "write"
    AUTH = "auth"
    WEBHOOK = "webhook"
    HEALTH = "health"
    ADMIN = "admin"


class HostRole(StrEnum):
    APEX = "apex"
    WWW = "www"
    APP = "app"
    API = "api"
    ADMIN = "admin"
    STAGING = "staging"
    MAIL = "mail"
    OTHER = "other"


class Organisation(StrEnum):
    CLIENT = "client"
    CONTRACTOR = "contractor"


class Exposure(StrEnum):
    """Whether a secret's value has been seen where it should not be."""

    NONE = "none"  # no evidence of exposure
    LEAKED = "leaked"  # found in the repo, its history, a CI log or a build: rotate it
    ROTATED = "rotated"  # was leaked and has since been rotated
    UNKNOWN = "unknown"


class StackComponent(StrEnum):
    HOSTING = "hosting"
    DATABASE = "database"
    EMAIL_PROVIDER = "email_provider"
    AUTH_PROVIDER = "auth_provider"
    REGISTRAR = "registrar"
    DNS_HOST = "dns_host"


@dataclass(frozen=True)
class Sprint:
    """Who the sprint is for and when it started."""

    id: str
    """Short slug naming the session; used in keyring references (``launch-tui/<id>/...``)."""
    client: str
    product: str
    engineer: str
    """Person id of the engineer running the sprint (may be empty before people are added)."""
    started_at: datetime
    deadline_hours: int = 48


@dataclass(frozen=True)
class Host:
    name: str
    """A DNS name without trailing dot, lower case (``www.example.com``)."""
    role: HostRole = HostRole.OTHER
    origin_ip: str = ""
    """The origin server's address when the host sits behind a CDN or proxy (where the edge
    forwards requests); empty when unknown or when there is no edge."""


@dataclass(frozen=True)
class Route:
    name: str
    """Unique within the session; used as the target of per-route checks."""
    url: str
    kind: RouteKind = RouteKind.READ
    method: str = "GET"
    expect_status: int = 200
    safe_to_repeat: bool = False
    """Writes and auth routes are only load-sampled when the client agreed they are repeatable."""
    p95_budget_ms: int | None = None
    """Overrides the minimum-bar budget (500 ms reads, 800 ms writes/auth) for this route."""

    @property
    def expected_statuses(self) -> frozenset[int]:
        """The answers that mean the route is healthy: ``expect_status``, and for an admin
        route also 401 and 403 (a protected admin page refusing an anonymous client is right)."""
        if self.kind is RouteKind.ADMIN:
            return frozenset({self.expect_status, 401, 403})
        return frozenset({self.expect_status})

    def expects(self, status: int) -> bool:
        """Whether ``status`` is one of :attr:`expected_statuses`."""
        return status in self.expected_statuses


@dataclass(frozen=True)
class Targets:
    """What the checks point at."""

    apex: str = ""
    canonical_url: str = ""
    staging_url: str = ""
    hosts: tuple[Host, ...] = ()
    routes: tuple[Route, ...] = ()
    repo_path: str = ""
    """Local checkout of the client's repository, for the secret scanner."""
    build_path: str = ""
    """Folder with the production build output."""
    ci_logs: tuple[str, ...] = ()
    """Paths of CI log files exported for scanning."""
    dkim_selectors: tuple[str, ...] = ()
    migration_dry_run: str = ""
    """Shell command that dry-runs the pending migrations (``deploy.migrations`` runs it in the
    repository with a deadline); empty when the project has none."""
    monitors: tuple[RouteMonitor, ...] = ()
    """Where each route is monitored beyond the app: exports and external monitors."""


@dataclass(frozen=True)
class RouteMonitor:
    """A monitor watching one route outside the app: an export or a live external monitor."""

    route: str
    """The session's route name."""
    tool: str
    """``prometheus``, ``gatus``, or the external service's name (``UptimeRobot``...)."""
    link: str = ""
    """URL of the live monitor, or the folder an export was written to."""
    added_at: datetime | None = None


@dataclass(frozen=True)
class StackItem:
    declared: str = ""
    """What the client says they use."""
    detected: str = ""
    """What the checks found; empty until a check has run."""

    @property
    def mismatch(self) -> bool:
        return bool(self.declared and self.detected) and (
            self.declared.strip().casefold() != self.detected.strip().casefold()
        )


@dataclass(frozen=True)
class Stack:
    hosting: StackItem = field(default_factory=StackItem)
    database: StackItem = field(default_factory=StackItem)
    email_provider: StackItem = field(default_factory=StackItem)
    auth_provider: StackItem = field(default_factory=StackItem)
    registrar: StackItem = field(default_factory=StackItem)
    dns_host: StackItem = field(default_factory=StackItem)

    def get(self, component: StackComponent) -> StackItem:
        item: StackItem = getattr(self, component.value)
        return item


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    role: str = ""
    org: Organisation = Organisation.CLIENT
    email: str = ""


@dataclass(frozen=True)
class StageState:
    status: StageStatus = StageStatus.TODO
    owner: str = ""
    notes: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None
    minutes_spent: int = 0


@dataclass(frozen=True)
class CheckResult:
    """One check's verdict on one target, with the evidence behind it."""

    check_id: str
    target: str
    """Hostname, route name, or ``""`` for session-wide checks."""
    status: Status
    severity: Severity
    summary: str
    evidence: Evidence = field(default_factory=dict)
    measured_at: datetime | None = None
    duration_ms: int = 0
    previous_status: Status | None = None
    """Status of the same check on the same target before this run; ``None`` on the first run."""

    @property
    def key(self) -> tuple[str, str]:
        return (self.check_id, self.target)

    @property
    def changed(self) -> bool:
        return self.previous_status is not None and self.previous_status != self.status


@dataclass(frozen=True)
class Decision:
    id: str
    stage: str
    action: Action
    text: str
    check_id: str = ""
    """The check this decision is about; empty for a stage-level decision."""
    target: str = ""
    """Narrows the decision to one target; empty covers every target of the check."""
    owner: str = ""
    due: date | None = None
    decided_at: datetime | None = None

    def covers(self, result: CheckResult) -> bool:
        """True when this decision is about ``result``'s check (and target, if narrowed)."""
        if not self.check_id or self.check_id != result.check_id:
            return False
        return not self.target or self.target == result.target


@dataclass(frozen=True)
class Service:
    """An external service the client pays for or depends on."""

    name: str
    purpose: str = ""
    owner: str = ""
    admins: tuple[str, ...] = ()
    renewal: date | None = None
    monthly_cost: Decimal | None = None
    currency: str = "USD"
    access_notes: str = ""


@dataclass(frozen=True)
class Secret:
    """A secret known by name and location. Its value is never recorded anywhere."""

    name: str
    stored_in: str = ""
    environments: tuple[str, ...] = ()
    owner: str = ""
    last_rotated: date | None = None
    exposure: Exposure = Exposure.UNKNOWN
    found_in: tuple[str, ...] = ()
    """Where the name (not the value) was discovered: ``.env.example``, ``src/pay.py:12``..."""


KEYRING_REF = re.compile(r"^keyring:launch-tui/[A-Za-z0-9._-]+/[A-Za-z0-9._-]+$")


@dataclass(frozen=True)
class CredentialRef:
    """A pointer to a credential kept in the OS keyring.

    The reference has the form ``keyring:launch-tui/<session>/<name>``.
    """

    name: str
    ref: str
    purpose: str = ""

    def __post_init__(self) -> None:
        if not KEYRING_REF.fullmatch(self.ref):
            raise ValueError(
                f"credential reference {self.ref!r} is not of the form "
                "keyring:launch-tui/<session>/<name>"
            )


@dataclass(frozen=True)
class NetworkSettings:
    """Overrides that let the same checks run against the internet or the loopback sandbox."""

    nameservers: tuple[str, ...] = ()
    """``HOST[:PORT]`` entries; empty means the system resolver configuration."""
    resolve: tuple[str, ...] = ()
    """``HOST=IP[:PORT]`` entries that bypass DNS for HTTP and TLS."""
    ca_bundle: str = ""
    """Extra PEM bundle trusted in addition to the system store."""
    timeout: float = 10.0
    """Total deadline for one network operation, in seconds."""
    rdap_url: str = ""
    """RDAP base URL for the apex's registry (``https://rdap.example/``); empty means look the
    TLD up in the IANA bootstrap snapshot shipped with the package."""


@dataclass(frozen=True)
class SamplingSettings:
    """How the latency sampler loads each route (``[sampling]``)."""

    requests: int = 30
    """Requests per route."""
    concurrency: int = 5
    """Connections per route, each with one request in flight."""
    duration_s: float | None = None
    """Most seconds one route is sampled for; ``None``: as long as the check's deadline (the
    network timeout) allows, which also bounds a set value."""


@dataclass(frozen=True)
class CheckOwner:
    """Who makes one check hold on one target (``[[owners]]``)."""

    check_id: str
    target: str
    """Host or route name, or ``""`` for a session-wide check."""
    owner: str
    """A person id."""


@dataclass(frozen=True)
class UiState:
    """Where the engineer was, so reopening returns to the same place."""

    stage: str = "audit"
    selection: str = ""
    last_action: Action | None = None
    """The decision dialog starts from the last decision's action, owner and due date."""
    last_owner: str = ""
    """A person id."""
    last_due: date | None = None


@dataclass(frozen=True)
class Session:
    sprint: Sprint
    targets: Targets = field(default_factory=Targets)
    stack: Stack = field(default_factory=Stack)
    people: tuple[Person, ...] = ()
    stages: Mapping[str, StageState] = field(default_factory=dict)
    results: tuple[CheckResult, ...] = ()
    decisions: tuple[Decision, ...] = ()
    services: tuple[Service, ...] = ()
    secrets: tuple[Secret, ...] = ()
    credentials: tuple[CredentialRef, ...] = ()
    network: NetworkSettings = field(default_factory=NetworkSettings)
    ui: UiState = field(default_factory=UiState)
    handover: Handover = field(default_factory=Handover)
    """Stage 7's own fields and the sign-off (``core.handover``)."""
    monitoring: Evidence = field(default_factory=dict)
    """The last in-app monitoring run's bounded summary (``checks.monitor.live``): interval,
    duration, per-route samples, failures, uptime, p50/p95/p99 and hourly buckets; empty when
    the monitors never ran."""
    sampling: SamplingSettings = field(default_factory=SamplingSettings)
    """How the latency sampler loads each route (``[sampling]``)."""
    owners: tuple[CheckOwner, ...] = ()
    """Who makes each check hold, one entry per (check, target) at most (``[[owners]]``)."""
    schema_version: int = SCHEMA_VERSION

    def stage(self, stage_id: str) -> StageState:
        return self.stages.get(stage_id, StageState())

    def check_owner(self, check_id: str, target: str = "") -> str:
        """The person owning ``check_id`` on ``target`` (else on every target), or ``""``."""
        owners = {(o.check_id, o.target): o.owner for o in self.owners}
        return owners.get((check_id, target)) or owners.get((check_id, ""), "")

    def person(self, person_id: str) -> Person | None:
        return next((p for p in self.people if p.id == person_id), None)

    def route(self, name: str) -> Route | None:
        return next((r for r in self.targets.routes if r.name == name), None)

    def result(self, check_id: str, target: str = "") -> CheckResult | None:
        return next((r for r in self.results if r.key == (check_id, target)), None)

    def results_for(self, check_id: str) -> tuple[CheckResult, ...]:
        return tuple(r for r in self.results if r.check_id == check_id)

    def decisions_covering(self, result: CheckResult) -> tuple[Decision, ...]:
        return tuple(d for d in self.decisions if d.covers(result))

"""The world schema: what a sandbox world is made of, as frozen values.

A *world* is a fake client infrastructure described by data (a TOML file, see ``worlds/``):
DNS zones, web hosts with routes, an RDAP registry, a git repository, a build folder, and the
sprint facts a session needs (client, people, stack). :mod:`launch_tui.sandbox.loader` turns a
TOML file into these values, strictly; :mod:`launch_tui.sandbox.running` starts one.

Nothing here does I/O. Names are lower-case DNS names without a trailing dot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeAlias

from launch_tui.core.errors import LaunchError
from launch_tui.core.handover import Handover
from launch_tui.core.model import HostRole, JSONValue, Organisation, RouteKind, Severity, Status
from launch_tui.sandbox.latency import Latency, NoDelay


class WorldError(LaunchError):
    """A world file that does not parse or validate (names the file and the key)."""

    title = "Bad sandbox world"


class SandboxStartError(LaunchError):
    """The sandbox could not start (a fixed port in use, git missing, ...)."""

    title = "Sandbox did not start"


class TlsCase(StrEnum):
    """What a host's TLS looks like. Every case but ``none`` also answers plain HTTP on the
    same port (the server tells the two apart by the first byte)."""

    VALID = "valid"
    """Leaf signed by the intermediate, chain served, 89 days left."""
    EXPIRED = "expired"
    """Expired a day and a half ago: whole-day arithmetic says -2, and stays there for 12 h."""
    EXPIRING = "expiring"
    """Valid, but expires in five days (and a half, so whole-day arithmetic says 5)."""
    WRONG_HOST = "wrong-host"
    """Valid chain for another name (``HostSpec.cert_names`` or ``wrong-host.invalid``)."""
    INCOMPLETE_CHAIN = "incomplete-chain"
    """Leaf served without its intermediate."""
    SELF_SIGNED = "self-signed"
    """A self-signed leaf, not from the sandbox CA."""
    TLS10_ONLY = "tls1.0-only"
    """Valid certificate, but the server speaks only TLS 1.0."""
    LEGACY = "legacy-tls"
    """Valid certificate; TLS 1.0 and 1.1 accepted alongside 1.2 and 1.3."""
    NONE = "none"
    """No TLS at all: plain HTTP only."""


class PlainHttp(StrEnum):
    """What a host does with a plain-HTTP request."""

    REDIRECT = "redirect"
    """301 to the same URL on https."""
    SERVE = "serve"
    """Serve the routes over plain HTTP too."""
    CLOSE = "close"
    """Close the connection without answering."""


# --- web ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """An HTML page generated from a few facts (title, scripts, images)."""

    title: str
    """Inserted verbatim (not escaped), so hostile worlds can put markup in it."""
    head_scripts: tuple[str, ...] = ()
    """``<script src>`` in ``<head>`` without async/defer: render-blocking."""
    scripts: tuple[str, ...] = ()
    """``<script src defer>`` at the end of ``<body>``."""
    stylesheets: tuple[str, ...] = ()
    """``<link rel=stylesheet>`` in ``<head>``."""
    images: tuple[str, ...] = ()
    """``<img src>`` in the body."""
    text: str = ""
    """A paragraph of body text."""
    padding_kb: int = 0
    """Extra inline bytes (a comment) to give the page weight."""


@dataclass(frozen=True)
class SlowDrip:
    """Send the response one byte every ``interval_ms``."""

    interval_ms: float = 200.0
    """Pause between two bytes."""
    length: int = 0
    """Body length announced in Content-Length; 0 means chunked and never-ending."""
    headers: bool = False
    """Drip the status line and headers too, not only the body."""


@dataclass(frozen=True)
class HugeBody:
    """Stream a large body without holding it in memory."""

    size: int = 50 * 1024 * 1024
    """Body size in bytes (Content-Length is announced)."""


@dataclass(frozen=True)
class GzipBomb:
    """A small gzip body (~1000:1) that inflates to ``size`` zero bytes."""

    size: int = 1024 * 1024 * 1024
    """Inflated size in bytes; rounded down to a whole MiB."""


@dataclass(frozen=True)
class ManyHeaders:
    """Thousands of response headers."""

    count: int = 5000
    """How many ``X-Filler-N`` headers to send."""


@dataclass(frozen=True)
class Hang:
    """Read the request, then never answer (until the client or the sandbox gives up)."""


@dataclass(frozen=True)
class DropsKeepAlive:
    """Answer normally, then close the connection without ``Connection: close``.

    What nginx does at ``keepalive_requests`` (and proxies and idle timeouts do): a client that
    reuses the connection meets a close before any byte of its next answer.
    """

    after: int = 1
    """Close once the connection has carried this many requests (1: after every answer)."""
    on_next_request: bool = False
    """Read the client's next request before closing, without answering it: the client's write
    crossed the close (the race a client must retry), instead of a close it can see coming."""


#: A hostile behaviour replacing a route's normal response.
Behaviour: TypeAlias = SlowDrip | HugeBody | GzipBomb | ManyHeaders | Hang | DropsKeepAlive

BEHAVIOUR_KINDS: tuple[str, ...] = (
    "slow-drip",
    "huge-body",
    "gzip-bomb",
    "many-headers",
    "hang",
    "drops-keepalive",
)


@dataclass(frozen=True)
class RouteTarget:
    """How a route is published in the session's targets (``core.model.Route``)."""

    name: str
    """Unique route name in the session (``home``, ``login``...)."""
    kind: RouteKind = RouteKind.READ
    expect_status: int | None = None
    """Status a healthy route returns; ``None`` means the route's configured status."""
    safe_to_repeat: bool = False
    """Whether load sampling may repeat this route (writes and auth need the client's yes)."""
    p95_budget_ms: int | None = None
    """Overrides the minimum-bar latency budget."""


@dataclass(frozen=True)
class RouteSpec:
    """One path on one host and how it answers."""

    path: str
    """Exact path, starting with ``/``; the query string is ignored when matching."""
    method: str = "GET"
    """GET routes also answer HEAD."""
    status: int = 200
    """Status of a normal answer (302 by default when ``redirect`` is set)."""
    headers: tuple[tuple[str, str], ...] = ()
    """Response headers in order; a name may repeat (several ``Set-Cookie``)."""
    body: str = ""
    """A literal text body (``content_type`` defaults to text/plain)."""
    json: JSONValue = None
    """A JSON body (``application/json``)."""
    page: Page | None = None
    """A generated HTML page (``text/html``)."""
    content_type: str = ""
    """Overrides the Content-Type derived from the body."""
    gzip: bool = False
    """Compress with gzip when the request accepts it."""
    redirect: str = ""
    """``Location`` to send (with ``status``, 302 unless set)."""
    latency: Latency = field(default_factory=NoDelay)
    """Delay before answering, drawn per request from a seeded generator."""
    echo_request_id: bool = False
    """Echo the request's ``X-Request-ID`` (or mint one) in the response."""
    require_auth: bool = False
    """Answer 401 unless the request has an ``Authorization`` header."""
    require_signature: str = ""
    """Header a webhook payload must carry (e.g. ``Stripe-Signature``); 400 without it."""
    behaviour: Behaviour | None = None
    """A hostile behaviour that replaces the normal response."""
    target: RouteTarget | None = None
    """Publish this route in the session's targets."""


@dataclass(frozen=True)
class HostSpec:
    """A web host: one loopback address, one port, HTTP and (usually) HTTPS on it."""

    name: str
    role: HostRole = HostRole.OTHER
    """Role in the session's targets (apex, www, app, api, admin, staging...)."""
    address: str = ""
    """``127.0.0.x``; assigned in order from 127.0.0.2 when empty."""
    port: int = 0
    """0 lets the OS choose."""
    tls: TlsCase = TlsCase.VALID
    http: PlainHttp = PlainHttp.REDIRECT
    """What plain HTTP gets (for ``tls = "none"`` it is always ``serve``)."""
    cert_names: tuple[str, ...] = ()
    """Names on the certificate; empty means the host name (or a wrong one for wrong-host)."""
    redirect_to: str = ""
    """Redirect every request (301) to this origin plus the request path: the canonical rule."""
    hsts: str = ""
    """``Strict-Transport-Security`` value sent on every HTTPS response; empty sends none."""
    cloudflare: bool = False
    """Answer like a host behind Cloudflare (``server: cloudflare``, ``cf-ray``...)."""
    headers: tuple[tuple[str, str], ...] = ()
    """Headers on every response of this host (before route headers)."""
    routes: tuple[RouteSpec, ...] = ()
    dns: bool = True
    """Publish an A record for the address in the zone that covers the name."""
    publish: bool = True
    """List the host in the session's targets (false for helper hosts)."""


# --- dns ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    """One resource record. ``value`` is presentation format relative to the zone origin,
    except TXT, whose value is the raw text (split into 255-byte strings when served), and A or
    AAAA values of the form ``host:NAME`` (the address of that sandbox host)."""

    name: str
    """Absolute owner name, no trailing dot."""
    type: str
    """A, AAAA, CNAME, MX, TXT, NS, CAA, SOA, SRV or PTR."""
    value: str
    ttl: int = 300


@dataclass(frozen=True)
class Zone:
    """An authoritative zone."""

    origin: str
    """Zone apex, no trailing dot."""
    records: tuple[Record, ...] = ()
    soa: str = ""
    """SOA rdata in presentation format; empty builds one from the first NS record."""


@dataclass(frozen=True)
class DnsSpec:
    """The authoritative DNS server."""

    zones: tuple[Zone, ...] = ()
    servfail: tuple[str, ...] = ()
    """Names that always get SERVFAIL."""
    timeout: tuple[str, ...] = ()
    """Names that never get an answer (UDP dropped, TCP held open)."""
    port: int = 0
    """UDP and TCP port on 127.0.0.1; 0 lets the OS choose."""


# --- registry, repository, build ------------------------------------------------------------


@dataclass(frozen=True)
class RdapDomain:
    """A domain as the RDAP registry reports it (RFC 9083)."""

    name: str
    registrar: str
    """Registrar's name, in the entity with the ``registrar`` role."""
    registrar_iana_id: int = 9999
    registered_days_ago: int = 730
    """The ``registration`` event, relative to the world's start time."""
    expires_in_days: int = 365
    """The ``expiration`` event, relative to the world's start time (plus half a day)."""
    status: tuple[str, ...] = ("client transfer prohibited",)
    """RDAP status values (RFC 8056 names)."""
    nameservers: tuple[str, ...] = ()


@dataclass(frozen=True)
class RdapSpec:
    """An RDAP server on its own HTTPS host (``/domain/<name>``)."""

    host: str = "rdap.registry.test"
    """Host name of the registry; served with a valid certificate, not published as a target."""
    address: str = ""
    """Loopback address; assigned after the hosts' when empty."""
    domains: tuple[RdapDomain, ...] = ()


@dataclass(frozen=True)
class RepoSpec:
    """The client's git repository, built at start from a template with the real git CLI."""

    template: str = "marketplace-nextjs"
    """The only template: a Next.js marketplace with knex migrations and Stripe payments."""
    leaked_secret: bool = False
    """A commit adds fake live keys in ``config/payments.js``; a later one deletes them."""
    migration_without_down: bool = False
    """One migration has an ``up`` and no ``down``."""
    webhook_unverified: bool = False
    """The Stripe webhook handler skips signature verification."""
    admin_unprotected: bool = False
    """The admin page has no auth guard."""
    env_drift: bool = False
    """A ``render.yaml`` whose staging service defines other variable names than production's
    (``DEBUG`` only in staging, ``STRIPE_WEBHOOK_SECRET`` only in production; no values)."""


@dataclass(frozen=True)
class BuildSpec:
    """The production build output folder (``.next/``) and a CI log."""

    source_maps: bool = False
    """Ship ``.js.map`` files and ``sourceMappingURL`` comments."""
    leaked_env: bool = False
    """A client bundle contains a server-side value (a fake ``DATABASE_URL``)."""
    debug_flag: bool = False
    """A client bundle has ``debug: true``."""
    ci_log_leak: bool = False
    """The CI log prints a fake API key."""


@dataclass(frozen=True)
class DeploySpec:
    """A host whose releases the sandbox can deploy and roll back (:mod:`.deploys`)."""

    host: str
    """Name of a web host of this world."""
    version: str
    """The release live when the world starts."""
    previous: str = ""
    """The release before it, which a rollback returns to; empty means none."""
    health_path: str = "/health"
    """The host's health route (a JSON route); its ``version`` key reports the release."""
    version_header: str = "X-App-Version"
    """Response header reporting the release on every answer of the host."""


# --- sprint facts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonSpec:
    """Someone on the sprint (``core.model.Person``)."""

    id: str
    """Short id other sections refer to (``owner``, ``admins``, ``engineer``)."""
    name: str
    role: str = ""
    """Job title, as written in the handover."""
    org: Organisation = Organisation.CLIENT
    email: str = ""


@dataclass(frozen=True)
class ServiceSpec:
    """An external service the client pays for; renewal is relative to the start time."""

    name: str
    purpose: str = ""
    owner: str = ""
    """Person id of the account owner."""
    admins: tuple[str, ...] = ()
    """Person ids with admin access (the handover wants at least two)."""
    monthly_cost: str = ""
    """Decimal as a string (``"20.00"``); empty when unknown."""
    currency: str = "USD"
    renewal_in_days: int | None = None
    """Days from the world's start to the next renewal; ``None`` when it does not renew."""


@dataclass(frozen=True)
class SecretSpec:
    """A secret the client has already inventoried, by name (never a value)."""

    name: str
    stored_in: str = ""
    """Where production keeps it (``Vercel env``, ``Doppler``)."""
    owner: str = ""
    """Person id."""
    environments: tuple[str, ...] = ()
    rotated_days_ago: int | None = None
    """Days before the world's start it was last rotated; ``None`` when never."""


@dataclass(frozen=True)
class StackSpec:
    """What the client says they use (``core.model.Stack`` declared values)."""

    hosting: str = ""
    """Each field is the client's own word for that part of the stack."""
    database: str = ""
    email_provider: str = ""
    auth_provider: str = ""
    registrar: str = ""
    dns_host: str = ""


@dataclass(frozen=True)
class SprintSpec:
    """The sprint a session for this world is about (``core.model.Sprint``)."""

    id: str
    """Session slug (``demo``)."""
    client: str
    """Client company name."""
    product: str
    """Product name."""
    engineer: str = ""
    """Person id of the engineer."""
    deadline_hours: int = 48
    """Length of the sprint."""


@dataclass(frozen=True)
class MonitorSpec:
    """An external monitor the client already runs on one route (``core.model.RouteMonitor``)."""

    route: str
    """A route target's name."""
    tool: str
    link: str = ""


@dataclass(frozen=True)
class TargetsSpec:
    """Session targets that are not derived from hosts and routes."""

    apex: str = ""
    """Registrable domain of the client (``brightlane.test``)."""
    canonical_url: str = ""
    """Where every public URL should end up (``https://www.brightlane.test/``)."""
    staging_url: str = ""
    dkim_selectors: tuple[str, ...] = ()
    """Selectors to look for DKIM keys at (``<selector>._domainkey.<apex>``)."""
    monitors: tuple[MonitorSpec, ...] = ()
    """External monitors already watching routes (``[[targets.monitors]]``)."""


@dataclass(frozen=True)
class ExpectedFinding:
    """A finding a human expert lists for this world; checks must find exactly these."""

    area: str
    """Roadmap area: dns, tls, http, cookies, email, secrets, perf, deploy, monitor, handover."""
    target: str
    """Host name, route name, file path, or ``""`` for the whole world."""
    finding: str
    """What is wrong, in one line."""
    severity: Severity = Severity.MEDIUM
    status: Status = Status.FAIL
    check: str = ""
    """The check id expected to report it, once that check exists."""


@dataclass(frozen=True)
class World:
    """A complete sandbox world."""

    name: str
    """Short name; built-in worlds are loaded by it."""
    description: str
    sprint: SprintSpec
    seed: int = 1
    """Seeds every latency sampler, so delays repeat run to run."""
    targets: TargetsSpec = field(default_factory=TargetsSpec)
    hosts: tuple[HostSpec, ...] = ()
    dns: DnsSpec = field(default_factory=DnsSpec)
    rdap: RdapSpec | None = None
    repo: RepoSpec | None = None
    build: BuildSpec | None = None
    stack: StackSpec = field(default_factory=StackSpec)
    people: tuple[PersonSpec, ...] = ()
    services: tuple[ServiceSpec, ...] = ()
    secrets: tuple[SecretSpec, ...] = ()
    """The client's secrets inventory at the start of the sprint (names only)."""
    expected: tuple[ExpectedFinding, ...] = ()
    """What an expert finds here; empty for a world where everything is right."""
    deploys: tuple[DeploySpec, ...] = ()
    """Hosts whose releases the sandbox's deploy control surface can change."""
    handover: Handover = field(default_factory=Handover)
    """The handover's own fields as the engineer wrote them (``[handover]``, the session
    file's shape); sessions made for the world start with them."""
    rtt_ms: float = 0.0
    """Emulated network round-trip time (ms) every server adds: DNS waits it before each
    answer; web hosts wait it after accepting (the TCP handshake), before a TLS handshake, and
    before each response. 0 serves at loopback speed."""

    def host(self, name: str) -> HostSpec:
        """The host called ``name``; ``KeyError`` when there is none."""
        for host in self.hosts:
            if host.name == name:
                return host
        raise KeyError(name)

    def route(self, host: str, path: str, method: str = "GET") -> RouteSpec:
        """The route at ``path`` on ``host``; ``KeyError`` when there is none."""
        for route in self.host(host).routes:
            if route.path == path and route.method == method.upper():
                return route
        raise KeyError(f"{method.upper()} {host}{path}")

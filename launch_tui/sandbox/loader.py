"""Load a world from TOML, strictly: unknown keys, wrong types and bad values are errors that
name the file and the key (``demo.toml: hosts[2].routes[0].latency.kind: ...``).

Built-in worlds live in ``worlds/`` next to this module: :func:`builtin_world` loads one by
name, :func:`load_world` a file, :func:`parse_world` a string. Keys map one to one onto the
dataclasses in :mod:`launch_tui.sandbox.world`, whose field docstrings say what each means.
The shape, in brief (``worlds/demo.toml`` uses every part)::

    name = "demo"                  # required; plus description, seed, rtt_ms
    [sprint]                       # required: id, client, product; engineer, deadline_hours
    [targets]                      # apex, canonical_url, staging_url, dkim_selectors
    [[targets.monitors]]           # route, tool, link: external monitors the client runs
    [stack]                        # hosting, database, email_provider, auth_provider, ...
    [[people]]                     # id, name, role, org = "client" | "contractor", email
    [[services]]                   # name, purpose, owner, admins, monthly_cost = "20.00", ...
    [[secrets]]                    # name, stored_in, owner, environments, rotated_days_ago

    [[hosts]]                      # name; role, address, port, tls, http, redirect_to, hsts,
                                   # cloudflare, cert_names, headers = { Name = "v" | ["v", ..] }
    [[hosts.routes]]               # path; method, status, headers, gzip, redirect,
                                   # echo_request_id, require_auth, require_signature
    body = "text" | json = {...} | page = { title = "...", head_scripts = [...], ... }
    latency = { kind = "fixed", ms = 20 }          # or normal (mean_ms, sd_ms),
                                                   # lognormal (median_ms, sigma),
                                                   # long-tail (fast_ms, slow_ms, p, jitter_ms)
    behaviour = { kind = "slow-drip", interval_ms = 200 }   # or huge-body, gzip-bomb,
                                                            # many-headers, hang,
                                                            # drops-keepalive (after = N,
                                                            # on_next_request = true)
    target = { name = "home", kind = "read" }      # publish in the session's routes

    [[dns.zones]]                  # origin; soa; records = [[name, type, value, ttl?], ...]
    [dns]                          # servfail = [names], timeout = [names], port
    [rdap] / [[rdap.domains]]      # host, address / name, registrar, expires_in_days, ...
    [repo]                         # leaked_secret, migration_without_down, webhook_unverified,
                                   # admin_unprotected, env_drift
    [build]                        # source_maps, leaked_env, debug_flag, ci_log_leak
    [[expected]]                   # area, target, finding, severity, status, check
    [[deploys]]                    # host, version; previous, health_path, version_header
"""

from __future__ import annotations

import functools
import ipaddress
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from launch_tui.core import toml_read
from launch_tui.core.model import HostRole, JSONValue, Organisation, RouteKind, Severity, Status
from launch_tui.core.toml_schema import REQUIRED, Table, Wording
from launch_tui.sandbox.dns_server import Zones
from launch_tui.sandbox.latency import (
    LATENCY_KINDS,
    FixedDelay,
    Latency,
    LogNormalDelay,
    LongTailDelay,
    NoDelay,
    NormalDelay,
)
from launch_tui.sandbox.world import (
    BEHAVIOUR_KINDS,
    Behaviour,
    BuildSpec,
    DeploySpec,
    DnsSpec,
    DropsKeepAlive,
    ExpectedFinding,
    GzipBomb,
    Hang,
    HostSpec,
    HugeBody,
    ManyHeaders,
    MonitorSpec,
    Page,
    PersonSpec,
    PlainHttp,
    RdapDomain,
    RdapSpec,
    Record,
    RepoSpec,
    RouteSpec,
    RouteTarget,
    SecretSpec,
    ServiceSpec,
    SlowDrip,
    SprintSpec,
    StackSpec,
    TargetsSpec,
    TlsCase,
    World,
    WorldError,
    Zone,
)

#: Names of the worlds shipped in ``launch_tui/sandbox/worlds``.
BUILTIN_WORLDS: tuple[str, ...] = ("demo", "clean", "hostile", "tls_cases", "bench")

_E = TypeVar("_E")
_LABEL = r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?"
_DNS_NAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*$")
_RECORD_TYPES = ("A", "AAAA", "CNAME", "MX", "TXT", "NS", "CAA", "SOA", "SRV", "PTR")
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


@functools.cache  # worlds are frozen values; parsing and validating one takes ~20 ms
def builtin_world(name: str) -> World:
    """Load one of :data:`BUILTIN_WORLDS` by name."""
    if name not in BUILTIN_WORLDS:
        raise WorldError(
            f"no built-in world called {name!r}; choose one of {', '.join(BUILTIN_WORLDS)}"
        )
    folder = resources.files("launch_tui.sandbox").joinpath("worlds")
    text = folder.joinpath(f"{name}.toml").read_text(encoding="utf-8")
    return parse_world(text, source=f"{name}.toml")


def load_world(path: Path | str) -> World:
    """Load a world file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise WorldError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise WorldError(f"{path}: not UTF-8 text") from None
    return parse_world(text, source=str(path))


def resolve_world(world: World | str | Path) -> World:
    """A world value from a world, a built-in name, or a path to a ``.toml`` file."""
    if isinstance(world, World):
        return world
    text = str(world)
    if isinstance(world, Path) or text.endswith(".toml") or "/" in text:
        return load_world(text)
    return builtin_world(text)


def parse_world(text: str, source: str = "<world>") -> World:
    """Parse and validate world TOML; errors are :class:`WorldError` naming ``source``."""
    try:
        data = toml_read.loads(text)
    except toml_read.TOMLDecodeError as exc:
        raise WorldError(f"{source}: not valid TOML: {exc}") from None
    return _world(_Table(data, _wording(source)))


# --- the strict reader ------------------------------------------------------------------------


class _Table(Table):
    """A world table being read: every key must be consumed, every value has its type checked."""

    __slots__ = ()

    def integer(
        self, key: str, default: Any = 0, minimum: int | None = None, *, what: str = "an integer"
    ) -> int:
        value = super().integer(key, default, what=what)
        if minimum is not None and value < minimum:
            self.fail(key, f"must be at least {minimum}, got {value}")
        return value

    def opt_int(self, key: str) -> int | None:
        value: int | None = self.value(key, (int,), "an integer", None)
        return value

    def number(
        self, key: str, default: Any = 0.0, minimum: float | None = None, *, what: str = "a number"
    ) -> float:
        value = super().number(key, default, what=what)
        if minimum is not None and value < minimum:
            self.fail(key, f"must be at least {minimum}, got {value}")
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        return self.strings(key, what="a list of strings")

    def enum(self, key: str, kind: Callable[[str], _E], choices: Iterable[str], default: Any) -> _E:
        choices = tuple(choices)
        value = self.value(key, (str,), "a string", default)
        if isinstance(value, str):
            if value not in choices:
                self.fail(key, f"expected one of {', '.join(choices)}, got {value!r}")
            return kind(value)
        result: _E = value
        return result

    def headers(self, key: str) -> tuple[tuple[str, str], ...]:
        """A table of header name -> value or list of values (for repeated headers)."""
        table = self.value(key, (Mapping,), "a table of headers", {})
        out: list[tuple[str, str]] = []
        for name, value in table.items():
            where = f"{key}.{name}"
            if not _TOKEN.match(name):
                self.fail(where, "not a valid header name")
            values = value if isinstance(value, list) else [value]
            for item in values:
                if not isinstance(item, str):
                    self.fail(where, f"expected a string or strings, got {_describe(item)}")
                if "\r" in item or "\n" in item:
                    self.fail(where, "header values cannot contain CR or LF")
                out.append((name, item))
        return tuple(out)


def _wording(source: str) -> Wording:
    def error(path: str, reason: str) -> WorldError:
        return WorldError(f"{source}: {path or '(top)'}: {reason}")

    return Wording(error=error, describe=_describe)


def _describe(value: object) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}
    names |= {list: "an array", dict: "a table"}
    return names.get(type(value), type(value).__name__)


# --- sections ---------------------------------------------------------------------------------


def _world(t: _Table) -> World:
    name = t.string("name", REQUIRED)
    description = t.string("description")
    seed = t.integer("seed", 1)
    rtt_ms = t.number("rtt_ms", 0.0, minimum=0.0)
    if not math.isfinite(rtt_ms):
        raise t.error("rtt_ms", f"must be a finite number of milliseconds, got {rtt_ms}")
    sprint = _sprint(_need(t, "sprint"))
    targets = _targets(t.table("targets"))
    hosts = tuple(_host(h) for h in t.tables("hosts"))
    dns = _dns(t.table("dns"))
    rdap_t = t.table("rdap")
    rdap = _rdap(rdap_t) if rdap_t else None
    repo_t = t.table("repo")
    repo = _repo(repo_t) if repo_t else None
    build_t = t.table("build")
    build = _build(build_t) if build_t else None
    stack = _stack(t.table("stack"))
    people = tuple(_person(p) for p in t.tables("people"))
    services = tuple(_service(s) for s in t.tables("services"))
    secrets = tuple(_secret(s) for s in t.tables("secrets"))
    expected = tuple(_expected(e) for e in t.tables("expected"))
    deploys = tuple(_deploy(d) for d in t.tables("deploys"))
    t.done()
    world = World(
        name=name,
        description=description,
        seed=seed,
        sprint=sprint,
        targets=targets,
        hosts=hosts,
        dns=dns,
        rdap=rdap,
        repo=repo,
        build=build,
        stack=stack,
        people=people,
        services=services,
        secrets=secrets,
        expected=expected,
        rtt_ms=rtt_ms,
        deploys=deploys,
    )
    world = assign_addresses(world)
    _cross_check(world, t)
    return world


def _need(t: _Table, key: str) -> _Table:
    table = t.table(key)
    if table is None:
        raise t.error(key, "missing; expected a table")
    return table


def _sprint(t: _Table) -> SprintSpec:
    spec = SprintSpec(
        id=t.string("id", REQUIRED),
        client=t.string("client", REQUIRED),
        product=t.string("product", REQUIRED),
        engineer=t.string("engineer"),
        deadline_hours=t.integer("deadline_hours", 48, minimum=1),
    )
    t.done()
    return spec


def _targets(t: _Table | None) -> TargetsSpec:
    if t is None:
        return TargetsSpec()
    spec = TargetsSpec(
        apex=_name(t, "apex", t.string("apex")) if t.has("apex") else "",
        canonical_url=t.string("canonical_url"),
        staging_url=t.string("staging_url"),
        dkim_selectors=t.texts("dkim_selectors"),
        monitors=tuple(_monitor(m) for m in t.tables("monitors")),
    )
    t.done()
    return spec


def _monitor(t: _Table) -> MonitorSpec:
    spec = MonitorSpec(
        route=t.string("route", REQUIRED), tool=t.string("tool", REQUIRED), link=t.string("link")
    )
    t.done()
    return spec


def _host(t: _Table) -> HostSpec:
    name = _name(t, "name", t.string("name", REQUIRED))
    tls = t.enum("tls", TlsCase, (c.value for c in TlsCase), TlsCase.VALID)
    http = t.enum("http", PlainHttp, (c.value for c in PlainHttp), PlainHttp.REDIRECT)
    if tls is TlsCase.NONE:
        http = PlainHttp.SERVE
    address = t.string("address")
    if address:
        _loopback(t, "address", address)
    spec = HostSpec(
        name=name,
        role=t.enum("role", HostRole, (r.value for r in HostRole), HostRole.OTHER),
        address=address,
        port=_port(t),
        tls=tls,
        http=http,
        cert_names=tuple(_cert_name(t, n) for n in t.texts("cert_names")),
        redirect_to=_origin(t, "redirect_to", t.string("redirect_to")),
        hsts=t.string("hsts"),
        cloudflare=t.boolean("cloudflare", False),
        headers=t.headers("headers"),
        routes=tuple(_route(r) for r in t.tables("routes")),
        dns=t.boolean("dns", True),
        publish=t.boolean("publish", True),
    )
    t.done()
    seen: set[tuple[str, str]] = set()
    for route in spec.routes:
        key = (route.method, route.path)
        if key in seen:
            raise t.error("routes", f"{route.method} {route.path} is defined twice")
        seen.add(key)
    return spec


def _route(t: _Table) -> RouteSpec:
    path = t.string("path", REQUIRED)
    if not path.startswith("/"):
        raise t.error("path", f"must start with '/', got {path!r}")
    method = t.string("method", "GET").upper()
    if not _TOKEN.match(method):
        raise t.error("method", f"not an HTTP method: {method!r}")
    redirect = t.string("redirect")
    status = t.integer("status", 302 if redirect else 200)
    if not 100 <= status <= 599:
        raise t.error("status", f"must be an HTTP status (100-599), got {status}")
    bodies = [k for k in ("body", "json", "page") if t.has(k)]
    if len(bodies) > 1:
        raise t.error(bodies[1], f"a route has one body; {' and '.join(bodies)} both given")
    page_t = t.table("page")
    latency_t = t.table("latency")
    behaviour_t = t.table("behaviour")
    target_t = t.table("target")
    json_value: JSONValue = _json(t, "json", t.raw("json")) if t.has("json") else None
    spec = RouteSpec(
        path=path,
        method=method,
        status=status,
        headers=t.headers("headers"),
        body=t.string("body"),
        json=json_value,
        page=_page(page_t) if page_t else None,
        content_type=t.string("content_type"),
        gzip=t.boolean("gzip", False),
        redirect=redirect,
        latency=_latency(latency_t) if latency_t else NoDelay(),
        echo_request_id=t.boolean("echo_request_id", False),
        require_auth=t.boolean("require_auth", False),
        require_signature=t.string("require_signature"),
        behaviour=_behaviour(behaviour_t) if behaviour_t else None,
        target=_route_target(target_t) if target_t else None,
    )
    t.done()
    return spec


def _page(t: _Table) -> Page:
    page = Page(
        title=t.string("title", REQUIRED),
        head_scripts=t.texts("head_scripts"),
        scripts=t.texts("scripts"),
        stylesheets=t.texts("stylesheets"),
        images=t.texts("images"),
        text=t.string("text"),
        padding_kb=t.integer("padding_kb", 0, minimum=0),
    )
    t.done()
    return page


def _latency(t: _Table) -> Latency:
    kind = t.enum("kind", str, LATENCY_KINDS, REQUIRED)
    result: Latency
    if kind == "none":
        result = NoDelay()
    elif kind == "fixed":
        result = FixedDelay(ms=t.number("ms", REQUIRED, minimum=0))
    elif kind == "normal":
        result = NormalDelay(t.number("mean_ms", REQUIRED), _positive(t, "sd_ms"))
    elif kind == "lognormal":
        result = LogNormalDelay(_positive(t, "median_ms"), _positive(t, "sigma"))
    else:
        p = t.number("p", REQUIRED)
        if not 0 < p < 1:
            raise t.error("p", f"must be between 0 and 1 (exclusive), got {p}")
        result = LongTailDelay(
            fast_ms=t.number("fast_ms", REQUIRED, minimum=0),
            slow_ms=t.number("slow_ms", REQUIRED, minimum=0),
            p=p,
            jitter_ms=t.number("jitter_ms", 0.0, minimum=0),
        )
    t.done()
    return result


def _positive(t: _Table, key: str) -> float:
    value = t.number(key, REQUIRED)
    if value <= 0:
        raise t.error(key, f"must be greater than 0, got {value}")
    return value


def _behaviour(t: _Table) -> Behaviour:
    kind = t.enum("kind", str, BEHAVIOUR_KINDS, REQUIRED)
    result: Behaviour
    if kind == "slow-drip":
        interval = t.number("interval_ms", 200.0)
        if interval <= 0:
            raise t.error("interval_ms", f"must be greater than 0, got {interval}")
        result = SlowDrip(
            interval_ms=interval,
            length=t.integer("length", 0, minimum=0),
            headers=t.boolean("headers", False),
        )
    elif kind == "huge-body":
        result = HugeBody(size=t.integer("size", HugeBody().size, minimum=1))
    elif kind == "gzip-bomb":
        result = GzipBomb(size=t.integer("size", GzipBomb().size, minimum=1 << 20))
    elif kind == "many-headers":
        result = ManyHeaders(count=t.integer("count", ManyHeaders().count, minimum=1))
    elif kind == "drops-keepalive":
        result = DropsKeepAlive(
            after=t.integer("after", 1, minimum=1),
            on_next_request=t.boolean("on_next_request", False),
        )
    else:
        result = Hang()
    t.done()
    return result


def _route_target(t: _Table) -> RouteTarget:
    target = RouteTarget(
        name=t.string("name", REQUIRED),
        kind=t.enum("kind", RouteKind, (k.value for k in RouteKind), RouteKind.READ),
        expect_status=t.opt_int("expect_status"),
        safe_to_repeat=t.boolean("safe_to_repeat", False),
        p95_budget_ms=t.opt_int("p95_budget_ms"),
    )
    t.done()
    return target


def _dns(t: _Table | None) -> DnsSpec:
    if t is None:
        return DnsSpec()
    zones = tuple(_zone(z) for z in t.tables("zones"))
    spec = DnsSpec(
        zones=zones,
        servfail=tuple(_name(t, "servfail", n) for n in t.texts("servfail")),
        timeout=tuple(_name(t, "timeout", n) for n in t.texts("timeout")),
        port=_port(t),
    )
    t.done()
    return spec


def _zone(t: _Table) -> Zone:
    origin = _name(t, "origin", t.string("origin", REQUIRED))
    raw = t.raw("records") or []
    if not isinstance(raw, list):
        raise t.error(
            "records", f"expected an array of [name, type, value, ttl?], got {_describe(raw)}"
        )
    records = []
    for i, item in enumerate(raw):
        where = f"records[{i}]"
        if not isinstance(item, list) or len(item) not in (3, 4):
            raise t.error(where, "expected [name, type, value] or [name, type, value, ttl]")
        if not all(isinstance(x, str) for x in item[:3]):
            raise t.error(where, "name, type and value must be strings")
        if len(item) == 4 and (not isinstance(item[3], int) or isinstance(item[3], bool)):
            raise t.error(where, "ttl must be an integer")
        owner, rtype, value = item[0], item[1].upper(), item[2]
        if rtype not in _RECORD_TYPES:
            raise t.error(where, f"record type {rtype!r} is not one of {', '.join(_RECORD_TYPES)}")
        absolute = _absolute(owner, origin)
        if absolute != origin and not absolute.endswith("." + origin):
            raise t.error(where, f"{owner!r} is outside the zone {origin}")
        _name(t, where, absolute)
        ttl = int(item[3]) if len(item) == 4 else 300
        records.append(Record(name=absolute, type=rtype, value=value, ttl=ttl))
    zone = Zone(origin=origin, records=tuple(records), soa=t.string("soa"))
    t.done()
    return zone


def _absolute(owner: str, origin: str) -> str:
    owner = owner.strip().lower()
    if owner == "@":
        return origin
    if owner.endswith("."):
        return owner.rstrip(".")
    return f"{owner}.{origin}"


def _rdap(t: _Table) -> RdapSpec:
    address = t.string("address")
    if address:
        _loopback(t, "address", address)
    domains = []
    for d in t.tables("domains"):
        domains.append(
            RdapDomain(
                name=_name(d, "name", d.string("name", REQUIRED)),
                registrar=d.string("registrar", REQUIRED),
                registrar_iana_id=d.integer("registrar_iana_id", 9999),
                registered_days_ago=d.integer("registered_days_ago", 730),
                expires_in_days=d.integer("expires_in_days", 365),
                status=d.texts("status") or ("client transfer prohibited",),
                nameservers=tuple(_name(d, "nameservers", n) for n in d.texts("nameservers")),
            )
        )
        d.done()
    spec = RdapSpec(
        host=_name(t, "host", t.string("host", "rdap.registry.test")),
        address=address,
        domains=tuple(domains),
    )
    t.done()
    return spec


def _repo(t: _Table) -> RepoSpec:
    spec = RepoSpec(
        template=t.enum("template", str, ("marketplace-nextjs",), "marketplace-nextjs"),
        leaked_secret=t.boolean("leaked_secret", False),
        migration_without_down=t.boolean("migration_without_down", False),
        webhook_unverified=t.boolean("webhook_unverified", False),
        admin_unprotected=t.boolean("admin_unprotected", False),
        env_drift=t.boolean("env_drift", False),
    )
    t.done()
    return spec


def _build(t: _Table) -> BuildSpec:
    spec = BuildSpec(
        source_maps=t.boolean("source_maps", False),
        leaked_env=t.boolean("leaked_env", False),
        debug_flag=t.boolean("debug_flag", False),
        ci_log_leak=t.boolean("ci_log_leak", False),
    )
    t.done()
    return spec


def _stack(t: _Table | None) -> StackSpec:
    if t is None:
        return StackSpec()
    spec = StackSpec(**{key: t.string(key) for key in StackSpec.__dataclass_fields__})
    t.done()
    return spec


def _person(t: _Table) -> PersonSpec:
    spec = PersonSpec(
        id=t.string("id", REQUIRED),
        name=t.string("name", REQUIRED),
        role=t.string("role"),
        org=t.enum("org", Organisation, (o.value for o in Organisation), Organisation.CLIENT),
        email=t.string("email"),
    )
    t.done()
    return spec


def _service(t: _Table) -> ServiceSpec:
    cost = t.string("monthly_cost")
    if cost and not re.fullmatch(r"\d+(\.\d+)?", cost):
        raise t.error("monthly_cost", f'expected a decimal like "20.00", got {cost!r}')
    spec = ServiceSpec(
        name=t.string("name", REQUIRED),
        purpose=t.string("purpose"),
        owner=t.string("owner"),
        admins=t.texts("admins"),
        monthly_cost=cost,
        currency=t.string("currency", "USD"),
        renewal_in_days=t.opt_int("renewal_in_days"),
    )
    t.done()
    return spec


def _secret(t: _Table) -> SecretSpec:
    spec = SecretSpec(
        name=t.string("name", REQUIRED),
        stored_in=t.string("stored_in"),
        owner=t.string("owner"),
        environments=t.texts("environments"),
        rotated_days_ago=t.opt_int("rotated_days_ago"),
    )
    t.done()
    return spec


def _expected(t: _Table) -> ExpectedFinding:
    spec = ExpectedFinding(
        area=t.string("area", REQUIRED),
        target=t.string("target"),
        finding=t.string("finding", REQUIRED),
        severity=t.enum("severity", Severity, (s.value for s in Severity), Severity.MEDIUM),
        status=t.enum("status", Status, (s.value for s in Status), Status.FAIL),
        check=t.string("check"),
    )
    t.done()
    return spec


def _deploy(t: _Table) -> DeploySpec:
    spec = DeploySpec(
        host=_name(t, "host", t.string("host", REQUIRED)),
        version=t.string("version", REQUIRED),
        previous=t.string("previous"),
        health_path=t.string("health_path", "/health"),
        version_header=t.string("version_header", "X-App-Version"),
    )
    t.done()
    return spec


def _json(t: _Table, key: str, value: Any) -> JSONValue:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list):
        return [_json(t, key, v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json(t, key, v) for k, v in value.items()}
    raise t.error(key, f"{_describe(value)} cannot be sent as JSON")


# --- values -----------------------------------------------------------------------------------


def _name(t: _Table, key: str, value: str) -> str:
    name = value.strip().rstrip(".").lower()
    if not _DNS_NAME.match(name):
        raise t.error(key, f"not a DNS name: {value!r}")
    return name


def _cert_name(t: _Table, value: str) -> str:
    """A certificate name: a DNS name, optionally with a leading ``*.`` wildcard label."""
    if value.startswith("*."):
        return "*." + _name(t, "cert_names", value[2:])
    return _name(t, "cert_names", value)


def _loopback(t: _Table, key: str, value: str) -> None:
    try:
        ip = ipaddress.IPv4Address(value)
    except ValueError:
        raise t.error(key, f"not an IPv4 address: {value!r}") from None
    if not ip.is_loopback:
        raise t.error(key, f"the sandbox stays on loopback; {value} is not in 127.0.0.0/8")


def _port(t: _Table) -> int:
    port = t.integer("port", 0)
    if not 0 <= port <= 65535:
        raise t.error("port", f"must be 0-65535, got {port}")
    return port


def _origin(t: _Table, key: str, value: str) -> str:
    if value and not re.fullmatch(r"https?://[a-z0-9.-]+(:\d+)?/?", value):
        raise t.error(key, f"expected an origin like https://www.example.test, got {value!r}")
    return value.rstrip("/")


def _cross_check(world: World, t: _Table) -> None:
    """Checks that span sections: unique names and addresses, CNAME rules."""
    names = [h.name for h in world.hosts] + ([world.rdap.host] if world.rdap else [])
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise t.error("hosts", f"host {dupes[0]} is defined twice")
    addresses = [h.address for h in world.hosts] + ([world.rdap.address] if world.rdap else [])
    taken = sorted({a for a in addresses if addresses.count(a) > 1})
    if taken:
        raise t.error("hosts", f"address {taken[0]} is used by two hosts")
    for deploy in world.deploys:
        try:
            world.route(deploy.host, deploy.health_path)
        except KeyError:
            raise t.error("deploys", f"{deploy.host}: no GET {deploy.health_path} route") from None
    origins = [z.origin for z in world.dns.zones]
    if len(set(origins)) != len(origins):
        raise t.error("dns.zones", "a zone origin is defined twice")
    for zone in world.dns.zones:
        owners_with_cname = {r.name for r in zone.records if r.type == "CNAME"}
        for record in zone.records:
            if record.name in owners_with_cname and record.type != "CNAME":
                raise t.error(
                    "dns.zones", f"{record.name} has a CNAME and a {record.type} (RFC 1034 3.6.2)"
                )
            if record.value.startswith("host:") and record.value[5:] not in names:
                raise t.error("dns.zones", f"{record.name}: no host called {record.value[5:]!r}")
    # Build the zones once with the assigned addresses: every record value gets parsed now,
    # so a typo is reported at load time with the file name, not when the world starts.
    by_name = {h.name: h.address for h in world.hosts}
    if world.rdap:
        by_name[world.rdap.host] = world.rdap.address
    try:
        Zones(world.dns, by_name, [h.name for h in world.hosts if h.dns])
    except WorldError as exc:
        raise t.error("dns.zones", exc.message) from None


def assign_addresses(world: World) -> World:
    """Give every host (and the RDAP host) without an address the next free 127.0.0.x."""
    used = {h.address for h in world.hosts if h.address}
    if world.rdap and world.rdap.address:
        used.add(world.rdap.address)
    counter = iter(range(2, 255))

    def next_free() -> str:
        for n in counter:
            candidate = f"127.0.0.{n}"
            if candidate not in used:
                used.add(candidate)
                return candidate
        raise WorldError(f"world {world.name}: more hosts than 127.0.0.2-254 can hold")

    hosts = tuple(h if h.address else replace(h, address=next_free()) for h in world.hosts)
    rdap = world.rdap
    if rdap is not None and not rdap.address:
        rdap = replace(rdap, address=next_free())
    return replace(world, hosts=hosts, rdap=rdap)

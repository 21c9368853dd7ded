"""A world's ``[[hosts]]`` and their routes: TLS, redirects, headers, pages, latency models,
misbehaviours and the route targets a world publishes in the session."""

from __future__ import annotations

from launch_tui.core.model import HostRole, JSONValue, RouteKind
from launch_tui.core.toml_schema import REQUIRED
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
    DropsKeepAlive,
    GzipBomb,
    Hang,
    HostSpec,
    HugeBody,
    ManyHeaders,
    Page,
    PlainHttp,
    RouteSpec,
    RouteTarget,
    SlowDrip,
    TlsCase,
)
from launch_tui.sandbox.world_sections import plain_json
from launch_tui.sandbox.world_table import (
    HEADER_TOKEN,
    WorldTable,
    check_loopback,
    checked_cert_name,
    checked_name,
    checked_origin,
    checked_port,
)

__all__ = ["read_host"]


def read_host(t: WorldTable) -> HostSpec:
    name = checked_name(t, "name", t.string("name", REQUIRED))
    tls = t.enum("tls", TlsCase, (c.value for c in TlsCase), TlsCase.VALID)
    http = t.enum("http", PlainHttp, (c.value for c in PlainHttp), PlainHttp.REDIRECT)
    if tls is TlsCase.NONE:
        http = PlainHttp.SERVE
    address = t.string("address")
    if address:
        check_loopback(t, "address", address)
    spec = HostSpec(
        name=name,
        role=t.enum("role", HostRole, (r.value for r in HostRole), HostRole.OTHER),
        address=address,
        port=checked_port(t),
        tls=tls,
        http=http,
        cert_names=tuple(checked_cert_name(t, n) for n in t.texts("cert_names")),
        redirect_to=checked_origin(t, "redirect_to", t.string("redirect_to")),
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


def _route(t: WorldTable) -> RouteSpec:
    path = t.string("path", REQUIRED)
    if not path.startswith("/"):
        raise t.error("path", f"must start with '/', got {path!r}")
    method = t.string("method", "GET").upper()
    if not HEADER_TOKEN.match(method):
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
    json_value: JSONValue = plain_json(t, "json", t.raw("json")) if t.has("json") else None
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


def _page(t: WorldTable) -> Page:
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


def _latency(t: WorldTable) -> Latency:
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


def _positive(t: WorldTable, key: str) -> float:
    value = t.number(key, REQUIRED)
    if value <= 0:
        raise t.error(key, f"must be greater than 0, got {value}")
    return value


def _behaviour(t: WorldTable) -> Behaviour:
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


def _route_target(t: WorldTable) -> RouteTarget:
    target = RouteTarget(
        name=t.string("name", REQUIRED),
        kind=t.enum("kind", RouteKind, (k.value for k in RouteKind), RouteKind.READ),
        expect_status=t.opt_int("expect_status"),
        safe_to_repeat=t.boolean("safe_to_repeat", False),
        p95_budget_ms=t.opt_int("p95_budget_ms"),
    )
    t.done()
    return target

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
    [handover]                     # the handover's own fields, as in a session file
                                   # (core/handover_codec.py): rollback, env_changes, support,
                                   # limitations, next_steps, monitoring_links; no sign_off

The strict reader and the value checks are :mod:`~launch_tui.sandbox.world_table`; the hosts
and their routes are read by :mod:`~launch_tui.sandbox.world_hosts`, every other section by
:mod:`~launch_tui.sandbox.world_sections`; this module assembles the world and checks what spans
sections.
"""

from __future__ import annotations

import functools
import math
from dataclasses import replace
from importlib import resources
from pathlib import Path

from launch_tui.core import toml_read
from launch_tui.core.toml_schema import REQUIRED
from launch_tui.sandbox.dns_server import Zones
from launch_tui.sandbox.world import World, WorldError
from launch_tui.sandbox.world_hosts import read_host
from launch_tui.sandbox.world_sections import (
    need_table,
    read_build,
    read_deploy,
    read_dns,
    read_expected,
    read_handover,
    read_person,
    read_rdap,
    read_repo,
    read_secret,
    read_service,
    read_sprint,
    read_stack,
    read_targets,
)
from launch_tui.sandbox.world_table import WorldTable, world_wording

#: Names of the worlds shipped in ``launch_tui/sandbox/worlds``.
BUILTIN_WORLDS: tuple[str, ...] = ("demo", "clean", "hostile", "tls_cases", "bench")


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
    return _world(WorldTable(data, world_wording(source)))


# --- sections ---------------------------------------------------------------------------------


def _world(t: WorldTable) -> World:
    name = t.string("name", REQUIRED)
    description = t.string("description")
    seed = t.integer("seed", 1)
    rtt_ms = t.number("rtt_ms", 0.0, minimum=0.0)
    if not math.isfinite(rtt_ms):
        raise t.error("rtt_ms", f"must be a finite number of milliseconds, got {rtt_ms}")
    sprint = read_sprint(need_table(t, "sprint"))
    targets = read_targets(t.table("targets"))
    hosts = tuple(read_host(h) for h in t.tables("hosts"))
    dns = read_dns(t.table("dns"))
    rdap_t = t.table("rdap")
    rdap = read_rdap(rdap_t) if rdap_t else None
    repo_t = t.table("repo")
    repo = read_repo(repo_t) if repo_t else None
    build_t = t.table("build")
    build = read_build(build_t) if build_t else None
    stack = read_stack(t.table("stack"))
    people = tuple(read_person(p) for p in t.tables("people"))
    services = tuple(read_service(s) for s in t.tables("services"))
    secrets = tuple(read_secret(s) for s in t.tables("secrets"))
    expected = tuple(read_expected(e) for e in t.tables("expected"))
    deploys = tuple(read_deploy(d) for d in t.tables("deploys"))
    handover = read_handover(t)
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
        handover=handover,
    )
    world = assign_addresses(world)
    _cross_check(world, t)
    return world


def _cross_check(world: World, t: WorldTable) -> None:
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

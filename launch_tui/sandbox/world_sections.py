"""A world's sections other than its hosts: sprint, targets, DNS zones, RDAP, repository, build,
stack, people, services, secrets, expected findings, deploys and the handover's own fields."""

from __future__ import annotations

import re
from typing import Any

from launch_tui.core.handover import Handover
from launch_tui.core.handover_codec import HandoverDataError, handover_from_data
from launch_tui.core.model import JSONValue, Organisation, Severity, Status
from launch_tui.core.toml_schema import REQUIRED
from launch_tui.sandbox.world import (
    BuildSpec,
    DeploySpec,
    DnsSpec,
    ExpectedFinding,
    MonitorSpec,
    PersonSpec,
    RdapDomain,
    RdapSpec,
    Record,
    RepoSpec,
    SecretSpec,
    ServiceSpec,
    SprintSpec,
    StackSpec,
    TargetsSpec,
    Zone,
)
from launch_tui.sandbox.world_table import (
    WorldTable,
    check_loopback,
    checked_name,
    checked_port,
    describe_toml_value,
)

__all__ = [
    "need_table",
    "plain_json",
    "read_build",
    "read_deploy",
    "read_dns",
    "read_expected",
    "read_handover",
    "read_person",
    "read_rdap",
    "read_repo",
    "read_secret",
    "read_service",
    "read_sprint",
    "read_stack",
    "read_targets",
]

_RECORD_TYPES = ("A", "AAAA", "CNAME", "MX", "TXT", "NS", "CAA", "SOA", "SRV", "PTR")


def need_table(t: WorldTable, key: str) -> WorldTable:
    table = t.table(key)
    if table is None:
        raise t.error(key, "missing; expected a table")
    return table


def read_sprint(t: WorldTable) -> SprintSpec:
    spec = SprintSpec(
        id=t.string("id", REQUIRED),
        client=t.string("client", REQUIRED),
        product=t.string("product", REQUIRED),
        engineer=t.string("engineer"),
        deadline_hours=t.integer("deadline_hours", 48, minimum=1),
    )
    t.done()
    return spec


def read_targets(t: WorldTable | None) -> TargetsSpec:
    if t is None:
        return TargetsSpec()
    spec = TargetsSpec(
        apex=checked_name(t, "apex", t.string("apex")) if t.has("apex") else "",
        canonical_url=t.string("canonical_url"),
        staging_url=t.string("staging_url"),
        dkim_selectors=t.texts("dkim_selectors"),
        monitors=tuple(_monitor(m) for m in t.tables("monitors")),
    )
    t.done()
    return spec


def _monitor(t: WorldTable) -> MonitorSpec:
    spec = MonitorSpec(
        route=t.string("route", REQUIRED), tool=t.string("tool", REQUIRED), link=t.string("link")
    )
    t.done()
    return spec


def read_dns(t: WorldTable | None) -> DnsSpec:
    if t is None:
        return DnsSpec()
    zones = tuple(_zone(z) for z in t.tables("zones"))
    spec = DnsSpec(
        zones=zones,
        servfail=tuple(checked_name(t, "servfail", n) for n in t.texts("servfail")),
        timeout=tuple(checked_name(t, "timeout", n) for n in t.texts("timeout")),
        port=checked_port(t),
    )
    t.done()
    return spec


def _zone(t: WorldTable) -> Zone:
    origin = checked_name(t, "origin", t.string("origin", REQUIRED))
    raw = t.raw("records") or []
    if not isinstance(raw, list):
        raise t.error(
            "records",
            f"expected an array of [name, type, value, ttl?], got {describe_toml_value(raw)}",
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
        checked_name(t, where, absolute)
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


def read_rdap(t: WorldTable) -> RdapSpec:
    address = t.string("address")
    if address:
        check_loopback(t, "address", address)
    domains = []
    for d in t.tables("domains"):
        domains.append(
            RdapDomain(
                name=checked_name(d, "name", d.string("name", REQUIRED)),
                registrar=d.string("registrar", REQUIRED),
                registrar_iana_id=d.integer("registrar_iana_id", 9999),
                registered_days_ago=d.integer("registered_days_ago", 730),
                expires_in_days=d.integer("expires_in_days", 365),
                status=d.texts("status") or ("client transfer prohibited",),
                nameservers=tuple(
                    checked_name(d, "nameservers", n) for n in d.texts("nameservers")
                ),
            )
        )
        d.done()
    spec = RdapSpec(
        host=checked_name(t, "host", t.string("host", "rdap.registry.test")),
        address=address,
        domains=tuple(domains),
    )
    t.done()
    return spec


def read_repo(t: WorldTable) -> RepoSpec:
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


def read_build(t: WorldTable) -> BuildSpec:
    spec = BuildSpec(
        source_maps=t.boolean("source_maps", False),
        leaked_env=t.boolean("leaked_env", False),
        debug_flag=t.boolean("debug_flag", False),
        ci_log_leak=t.boolean("ci_log_leak", False),
    )
    t.done()
    return spec


def read_stack(t: WorldTable | None) -> StackSpec:
    if t is None:
        return StackSpec()
    spec = StackSpec(**{key: t.string(key) for key in StackSpec.__dataclass_fields__})
    t.done()
    return spec


def read_person(t: WorldTable) -> PersonSpec:
    spec = PersonSpec(
        id=t.string("id", REQUIRED),
        name=t.string("name", REQUIRED),
        role=t.string("role"),
        org=t.enum("org", Organisation, (o.value for o in Organisation), Organisation.CLIENT),
        email=t.string("email"),
    )
    t.done()
    return spec


def read_service(t: WorldTable) -> ServiceSpec:
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


def read_secret(t: WorldTable) -> SecretSpec:
    spec = SecretSpec(
        name=t.string("name", REQUIRED),
        stored_in=t.string("stored_in"),
        owner=t.string("owner"),
        environments=t.texts("environments"),
        rotated_days_ago=t.opt_int("rotated_days_ago"),
    )
    t.done()
    return spec


def read_expected(t: WorldTable) -> ExpectedFinding:
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


def read_deploy(t: WorldTable) -> DeploySpec:
    spec = DeploySpec(
        host=checked_name(t, "host", t.string("host", REQUIRED)),
        version=t.string("version", REQUIRED),
        previous=t.string("previous"),
        health_path=t.string("health_path", "/health"),
        version_header=t.string("version_header", "X-App-Version"),
    )
    t.done()
    return spec


def read_handover(t: WorldTable) -> Handover:
    """``[handover]``: the session file's own table, read by the session codec's reader.

    A world is where a sprint starts, so it cannot declare a sign-off (that would make the
    session's results read-only before any check ran).
    """
    data = t.raw("handover")
    if data is None:
        return Handover()
    try:
        handover = handover_from_data(data, "handover")
    except HandoverDataError as exc:
        raise t.error(exc.key, exc.reason) from None
    if handover.sign_off is not None:
        raise t.error(
            "handover.sign_off",
            "a world is where a sprint starts; sign the handover off in the app, not here",
        )
    return handover


def plain_json(t: WorldTable, key: str, value: Any) -> JSONValue:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list):
        return [plain_json(t, key, v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain_json(t, key, v) for k, v in value.items()}
    raise t.error(key, f"{describe_toml_value(value)} cannot be sent as JSON")

"""Session <-> plain data, the schema of a session file, with strict validation. No I/O.

:func:`session_to_data` turns a :class:`~launch_tui.core.model.Session` into plain values TOML can
hold (``str``, ``int``, ``float``, ``bool``, ``date``, ``datetime``, lists and dicts); ``None``
values are left out because TOML has no null. :func:`session_from_data` does the reverse and
refuses anything that does not fit, raising :class:`CodecError` with the dotted key path of the
offending value (``people[2].id``, ``stages.deliverz``) and a reason that says what was expected
and what was found. Unknown keys are ignored here; the store keeps them in the file.

:data:`ARRAYS` and :data:`STAGE_DEFAULTS` describe the arrays of tables for the store's in-place
updates: how entries are identified (people by ``id``, results by ``(check, target)``...) and
which values a new entry can leave out because they are the defaults.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar, cast

from launch_tui.core.handover import Handover
from launch_tui.core.handover_codec import (
    HandoverDataError,
    handover_from_data,
    handover_to_data,
)
from launch_tui.core.model import (
    KEYRING_REF,
    SCHEMA_VERSION,
    STAGE_IDS,
    Action,
    CheckResult,
    CredentialRef,
    Decision,
    Exposure,
    Host,
    HostRole,
    JSONValue,
    NetworkSettings,
    Organisation,
    Person,
    Route,
    RouteKind,
    RouteMonitor,
    Secret,
    Service,
    Session,
    Severity,
    Sprint,
    Stack,
    StackComponent,
    StackItem,
    StageState,
    StageStatus,
    Status,
    Targets,
    UiState,
)
from launch_tui.core.settings_codec import (
    owners_from_tables,
    owners_to_data,
    sampling_from_table,
    sampling_to_data,
)
from launch_tui.core.toml_schema import (
    REQUIRED,
    Table,
    Wording,
    describe_value,
    join_key,
    show_text,
)

__all__ = [
    "ARRAYS",
    "STAGE_DEFAULTS",
    "ArraySpec",
    "CodecError",
    "join_key",
    "result_from_data",
    "result_to_data",
    "session_from_data",
    "session_to_data",
]

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")

_PLAIN_SCALARS = frozenset({str, int, float, bool})


class CodecError(ValueError):
    """A value in session data does not fit the schema.

    ``key`` is the dotted path of the value (``people[2].id``); ``reason`` says what was expected
    and what was found. The store turns this into a ``SessionValidationError`` with a line and
    column; it is not a ``LaunchError`` itself because the codec knows nothing of files.
    """

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason


# ---------------------------------------------------------------------------------------------
# The shape of arrays of tables, for in-place updates.


@dataclass(frozen=True)
class ArraySpec:
    """How entries of one array of tables are matched between two versions of a session."""

    identity: tuple[str, ...]
    """Keys whose values identify an entry (``("id",)`` for people)."""
    defaults: Mapping[str, Any]
    """Values a newly written entry may leave out, because reading fills them in."""


ARRAYS: Mapping[str, ArraySpec] = {
    "targets.hosts": ArraySpec(("name",), {"role": HostRole.OTHER.value}),
    "targets.routes": ArraySpec(
        ("name",),
        {
            "kind": RouteKind.READ.value,
            "method": "GET",
            "expect_status": 200,
            "safe_to_repeat": False,
        },
    ),
    "people": ArraySpec(("id",), {"role": "", "org": Organisation.CLIENT.value, "email": ""}),
    "results": ArraySpec(("check", "target"), {"evidence": {}, "duration_ms": 0}),
    "decisions": ArraySpec(("id",), {"check": "", "target": "", "owner": ""}),
    "services": ArraySpec(
        ("name",),
        {"purpose": "", "owner": "", "admins": [], "currency": "USD", "access_notes": ""},
    ),
    "secrets": ArraySpec(
        ("name",),
        {
            "stored_in": "",
            "environments": [],
            "owner": "",
            "exposure": Exposure.UNKNOWN.value,
            "found_in": [],
        },
    ),
    "credentials": ArraySpec(("name",), {"purpose": ""}),
    "targets.monitors": ArraySpec(("route", "tool"), {"link": ""}),
    "owners": ArraySpec(("check", "target"), {"target": ""}),
    # [handover]'s arrays (core.handover_codec); their key paths are built, as some of them
    # share a name with a handover manual check.
    **{
        join_key("handover", name): ArraySpec(identity, {})
        for name, identity in (
            ("env_changes", ("environment",)),
            ("support", ("kind", "channel")),
            ("limitations", ("text",)),
            ("next_steps", ("text",)),
            ("monitoring_links", ("name",)),
        )
    },
}
"""Arrays of tables by dotted path, with how their entries are identified."""

STAGE_DEFAULTS: Mapping[str, Any] = {
    "status": StageStatus.TODO.value,
    "owner": "",
    "notes": "",
    "minutes_spent": 0,
}
"""Values a newly written ``[stages.<id>]`` table may leave out."""


# ---------------------------------------------------------------------------------------------
# Encoding: Session -> plain data.


def session_to_data(session: Session) -> dict[str, Any]:
    """Plain, TOML-ready data for ``session``: every field, except those that are ``None``.

    Timestamps come out as timezone-aware UTC datetimes, enums as their string values, tuples as
    lists, ``monthly_cost`` as a float when a float holds it exactly and as a string otherwise.
    ``None`` values inside evidence are dropped.
    """
    out = {
        "schema_version": session.schema_version,
        "sprint": _sprint_data(session.sprint),
        "targets": _targets_data(session.targets),
        "stack": {c.value: _stack_item_data(session.stack.get(c)) for c in StackComponent},
        "people": [_person_data(p) for p in session.people],
        "stages": {sid: _stage_data(s) for sid, s in session.stages.items()},
        "results": [_result_data(r) for r in session.results],
        "decisions": [_decision_data(d) for d in session.decisions],
        "services": [_service_data(s) for s in session.services],
        "secrets": [_secret_data(s) for s in session.secrets],
        "credentials": [_credential_data(c) for c in session.credentials],
        "network": _network_data(session.network),
        "ui": {"stage": session.ui.stage, "selection": session.ui.selection},
    }
    if session.monitoring:
        out["monitoring"] = _evidence_data(session.monitoring)
    sampling = sampling_to_data(session.sampling)
    if sampling is not None:
        out["sampling"] = sampling
    if session.owners:
        out["owners"] = owners_to_data(session.owners)
    handover = handover_to_data(session.handover)
    if handover:
        out["handover"] = handover
    return out


def result_to_data(result: CheckResult) -> dict[str, Any]:
    """One ``[[results]]`` entry, as :func:`session_to_data` writes it.

    With :func:`result_from_data`, lets a caller re-encode only the results that changed.
    """
    return _result_data(result)


def result_from_data(data: Mapping[str, Any], index: int) -> CheckResult:
    """One ``[[results]]`` entry read strictly; errors name ``results[<index>]...``."""
    return _result(
        _Table(data, _WORDING, _Table({}, _WORDING, _Table({}, _WORDING), "results"), index)
    )


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _put(out: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        out[key] = value


def _sprint_data(s: Sprint) -> dict[str, Any]:
    return {
        "id": s.id,
        "client": s.client,
        "product": s.product,
        "engineer": s.engineer,
        "started_at": _utc(s.started_at),
        "deadline_hours": s.deadline_hours,
    }


def _targets_data(t: Targets) -> dict[str, Any]:
    out: dict[str, Any] = {
        "apex": t.apex,
        "canonical_url": t.canonical_url,
        "staging_url": t.staging_url,
        "repo_path": t.repo_path,
        "build_path": t.build_path,
        "ci_logs": list(t.ci_logs),
        "dkim_selectors": list(t.dkim_selectors),
        "hosts": [_host_data(h) for h in t.hosts],
        "routes": [_route_data(r) for r in t.routes],
    }
    # Written only when set, so files without them stay as they were.
    if t.migration_dry_run:
        out["migration_dry_run"] = t.migration_dry_run
    if t.monitors:
        out["monitors"] = [_monitor_data(m) for m in t.monitors]
    return out


def _monitor_data(m: RouteMonitor) -> dict[str, Any]:
    out: dict[str, Any] = {"route": m.route, "tool": m.tool, "link": m.link}
    _put(out, "added_at", m.added_at and _utc(m.added_at))
    return out


def _host_data(h: Host) -> dict[str, Any]:
    out: dict[str, Any] = {"name": h.name, "role": h.role.value}
    _put(out, "origin_ip", h.origin_ip or None)
    return out


def _route_data(r: Route) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": r.name,
        "url": r.url,
        "kind": r.kind.value,
        "method": r.method,
        "expect_status": r.expect_status,
        "safe_to_repeat": r.safe_to_repeat,
    }
    _put(out, "p95_budget_ms", r.p95_budget_ms)
    return out


def _stack_item_data(item: StackItem) -> dict[str, Any]:
    return {"declared": item.declared, "detected": item.detected}


def _person_data(p: Person) -> dict[str, Any]:
    return {"id": p.id, "name": p.name, "role": p.role, "org": p.org.value, "email": p.email}


def _stage_data(s: StageState) -> dict[str, Any]:
    out: dict[str, Any] = {"status": s.status.value, "owner": s.owner, "notes": s.notes}
    _put(out, "started_at", s.started_at and _utc(s.started_at))
    _put(out, "finished_at", s.finished_at and _utc(s.finished_at))
    out["minutes_spent"] = s.minutes_spent
    return out


def _result_data(r: CheckResult) -> dict[str, Any]:
    out: dict[str, Any] = {
        "check": r.check_id,
        "target": r.target,
        "status": r.status.value,
        "severity": r.severity.value,
        "summary": r.summary,
    }
    _put(out, "measured_at", r.measured_at and _utc(r.measured_at))
    out["duration_ms"] = r.duration_ms
    _put(out, "previous_status", r.previous_status and r.previous_status.value)
    out["evidence"] = _evidence_data(r.evidence)
    return out


def _evidence_data(value: Mapping[str, JSONValue]) -> dict[str, Any]:
    return {
        str(k): v if type(v) in _PLAIN_SCALARS else _json_data(v)
        for k, v in value.items()
        if v is not None
    }


def _json_data(value: Any) -> Any:
    # Evidence can be large (a scan's list of paths): plain scalars take the fast path.
    if isinstance(value, Mapping):
        return _evidence_data(value)
    if isinstance(value, list | tuple):
        return [v if type(v) in _PLAIN_SCALARS else _json_data(v) for v in value if v is not None]
    return value


def _decision_data(d: Decision) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": d.id,
        "stage": d.stage,
        "check": d.check_id,
        "target": d.target,
        "action": d.action.value,
        "text": d.text,
        "owner": d.owner,
    }
    _put(out, "due", d.due)
    _put(out, "decided_at", d.decided_at and _utc(d.decided_at))
    return out


def _service_data(s: Service) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": s.name,
        "purpose": s.purpose,
        "owner": s.owner,
        "admins": list(s.admins),
    }
    _put(out, "renewal", s.renewal)
    _put(out, "monthly_cost", None if s.monthly_cost is None else _money_data(s.monthly_cost))
    out["currency"] = s.currency
    out["access_notes"] = s.access_notes
    return out


def _money_data(amount: Decimal) -> float | str:
    """A float when the float reads back as the same amount, else the exact decimal string."""
    if amount.is_finite():
        as_float = float(amount)
        if math.isfinite(as_float) and Decimal(repr(as_float)) == amount:
            return as_float
    return str(amount)


def _secret_data(s: Secret) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": s.name,
        "stored_in": s.stored_in,
        "environments": list(s.environments),
        "owner": s.owner,
    }
    _put(out, "last_rotated", s.last_rotated)
    out["exposure"] = s.exposure.value
    out["found_in"] = list(s.found_in)
    return out


def _credential_data(c: CredentialRef) -> dict[str, Any]:
    return {"name": c.name, "ref": c.ref, "purpose": c.purpose}


def _network_data(n: NetworkSettings) -> dict[str, Any]:
    return {
        "nameservers": list(n.nameservers),
        "resolve": list(n.resolve),
        "ca_bundle": n.ca_bundle,
        "timeout": float(n.timeout),
        "rdap_url": n.rdap_url,
    }


# ---------------------------------------------------------------------------------------------
# Decoding: plain data -> Session, strictly.


def session_from_data(data: Mapping[str, Any]) -> Session:
    """Build a :class:`Session` from plain data (a parsed TOML file), validating every value.

    Accepts TOML dates and datetimes or ISO strings for them (naive datetimes are taken as UTC;
    all datetimes come back in UTC), and ``monthly_cost`` as an int, float or decimal string.
    Keys the schema does not know are ignored. Raises :class:`CodecError` naming the first
    offending key.
    """
    root = _Table(data, _WORDING)
    version = root.bounded_integer("schema_version", SCHEMA_VERSION)
    sprint_t = root.table("sprint", REQUIRED)
    sprint = Sprint(
        id=sprint_t.string("id", REQUIRED),
        client=sprint_t.string("client", REQUIRED),
        product=sprint_t.string("product"),
        engineer=sprint_t.string("engineer"),
        started_at=sprint_t.required_moment("started_at"),
        deadline_hours=sprint_t.bounded_integer("deadline_hours", 48, minimum=1, unit="hours"),
    )
    targets = _targets(root.table("targets"))
    stack_t = root.table("stack")
    stack = Stack(**{c.value: _stack_item(stack_t.table(c.value)) for c in StackComponent})
    people = tuple(_person(t) for t in root.array("people"))
    _no_duplicates(people, lambda p: p.id, lambda: "people", "id", "person id")
    stages = _stages(root.table("stages"))
    results = tuple(_result(t) for t in root.array("results"))
    decisions = tuple(_decision(t) for t in root.array("decisions"))
    _no_duplicates(decisions, lambda d: d.id, lambda: "decisions", "id", "decision id")
    services = tuple(_service(t) for t in root.array("services"))
    secrets = tuple(_secret(t) for t in root.array("secrets"))
    credentials = tuple(_credential(t) for t in root.array("credentials"))
    network_t = root.table("network")
    network = NetworkSettings(
        nameservers=network_t.strings("nameservers"),
        resolve=network_t.strings("resolve"),
        ca_bundle=network_t.string("ca_bundle"),
        timeout=network_t.positive("timeout", 10.0, unit="seconds"),
        rdap_url=network_t.string("rdap_url"),
    )
    ui_t = root.table("ui")
    ui = UiState(stage=ui_t.string("stage", "audit"), selection=ui_t.string("selection"))
    return Session(
        sprint=sprint,
        targets=targets,
        stack=stack,
        people=people,
        stages=stages,
        results=results,
        decisions=decisions,
        services=services,
        secrets=secrets,
        credentials=credentials,
        network=network,
        ui=ui,
        monitoring=root.evidence("monitoring"),
        sampling=sampling_from_table(root.table("sampling")),
        owners=owners_from_tables(root.array("owners")),
        handover=_handover(data),
        schema_version=version,
    )


def _handover(data: Mapping[str, Any]) -> Handover:
    """``[handover]`` (core.handover_codec), its errors reported like the codec's own."""
    try:
        return handover_from_data(data.get("handover"))
    except HandoverDataError as exc:
        raise CodecError(exc.key, exc.reason) from None


def _targets(t: _Table) -> Targets:
    hosts = tuple(
        Host(
            name=h.string("name", REQUIRED),
            role=h.choice("role", HostRole, HostRole.OTHER),
            origin_ip=h.string("origin_ip"),
        )
        for h in t.array("hosts")
    )
    routes = tuple(_route(r) for r in t.array("routes"))
    _no_duplicates(routes, lambda r: r.name, lambda: t.child("routes"), "name", "route name")
    return Targets(
        apex=t.string("apex"),
        canonical_url=t.string("canonical_url"),
        staging_url=t.string("staging_url"),
        hosts=hosts,
        routes=routes,
        repo_path=t.string("repo_path"),
        build_path=t.string("build_path"),
        ci_logs=t.strings("ci_logs"),
        dkim_selectors=t.strings("dkim_selectors"),
        migration_dry_run=t.string("migration_dry_run"),
        monitors=tuple(
            RouteMonitor(
                route=m.string("route", REQUIRED),
                tool=m.string("tool", REQUIRED),
                link=m.string("link"),
                added_at=m.moment("added_at"),
            )
            for m in t.array("monitors")
        ),
    )


def _route(t: _Table) -> Route:
    return Route(
        name=t.string("name", REQUIRED),
        url=t.string("url", REQUIRED),
        kind=t.choice("kind", RouteKind, RouteKind.READ),
        method=t.string("method", "GET"),
        expect_status=t.bounded_integer(
            "expect_status", 200, minimum=100, maximum=599, unit="HTTP status"
        ),
        safe_to_repeat=t.boolean("safe_to_repeat", False),
        p95_budget_ms=t.optional_integer("p95_budget_ms", minimum=1, unit="milliseconds"),
    )


def _stack_item(t: _Table) -> StackItem:
    return StackItem(declared=t.string("declared"), detected=t.string("detected"))


def _person(t: _Table) -> Person:
    return Person(
        id=t.string("id", REQUIRED),
        name=t.string("name", REQUIRED),
        role=t.string("role"),
        org=t.choice("org", Organisation, Organisation.CLIENT),
        email=t.string("email"),
    )


def _stages(t: _Table) -> dict[str, StageState]:
    stages: dict[str, StageState] = {}
    for stage_id in t.names():
        if stage_id not in STAGE_IDS:
            t.fail(
                stage_id,
                f"unknown stage id {show_text(stage_id)}; expected one of {', '.join(STAGE_IDS)}",
            )
        s = t.table(stage_id, REQUIRED)
        stages[stage_id] = StageState(
            status=s.choice("status", StageStatus, StageStatus.TODO),
            owner=s.string("owner"),
            notes=s.string("notes"),
            started_at=s.moment("started_at"),
            finished_at=s.moment("finished_at"),
            minutes_spent=s.bounded_integer("minutes_spent", 0, minimum=0, unit="minutes"),
        )
    return stages


def _result(t: _Table) -> CheckResult:
    return CheckResult(
        check_id=t.string("check", REQUIRED),
        target=t.string("target"),
        status=t.required_choice("status", Status),
        severity=t.required_choice("severity", Severity),
        summary=t.string("summary"),
        evidence=t.evidence("evidence"),
        measured_at=t.moment("measured_at"),
        duration_ms=t.bounded_integer("duration_ms", 0, unit="milliseconds"),
        previous_status=t.optional_choice("previous_status", Status),
    )


def _decision(t: _Table) -> Decision:
    stage = t.string("stage", REQUIRED)
    if stage not in STAGE_IDS:
        raise CodecError(
            t.child("stage"),
            f"unknown stage id {show_text(stage)}; expected one of {', '.join(STAGE_IDS)}",
        )
    return Decision(
        id=t.string("id", REQUIRED),
        stage=stage,
        action=t.required_choice("action", Action),
        text=t.string("text"),
        check_id=t.string("check"),
        target=t.string("target"),
        owner=t.string("owner"),
        due=t.day("due"),
        decided_at=t.moment("decided_at"),
    )


def _service(t: _Table) -> Service:
    return Service(
        name=t.string("name", REQUIRED),
        purpose=t.string("purpose"),
        owner=t.string("owner"),
        admins=t.strings("admins"),
        renewal=t.day("renewal"),
        monthly_cost=t.money("monthly_cost"),
        currency=t.string("currency", "USD"),
        access_notes=t.string("access_notes"),
    )


def _secret(t: _Table) -> Secret:
    return Secret(
        name=t.string("name", REQUIRED),
        stored_in=t.string("stored_in"),
        environments=t.strings("environments"),
        owner=t.string("owner"),
        last_rotated=t.day("last_rotated"),
        exposure=t.choice("exposure", Exposure, Exposure.UNKNOWN),
        found_in=t.strings("found_in"),
    )


def _credential(t: _Table) -> CredentialRef:
    name = t.string("name", REQUIRED)
    ref = t.string("ref", REQUIRED)
    try:
        # fullmatch: the model's pattern ends in "$", which lets a trailing newline through.
        if not KEYRING_REF.fullmatch(ref):
            raise ValueError(ref)
        return CredentialRef(name=name, ref=ref, purpose=t.string("purpose"))
    except ValueError:
        # The value is not echoed: a person may have pasted the secret itself here.
        raise t.error(
            "ref",
            "expected a keyring reference like keyring:launch-tui/<session>/<name>, "
            "got a value that is not one (not shown, in case it is a secret)",
        ) from None


def _no_duplicates(
    entries: Sequence[T], key: Callable[[T], str], where: Callable[[], str], field: str, what: str
) -> None:
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        value = key(entry)
        if value in seen:
            path = where()
            raise CodecError(
                join_key(join_key(path, index), field),
                f"duplicate {what} {show_text(value)} "
                f"(already used by {join_key(path, seen[value])})",
            )
        seen[value] = index


class _Table(Table):
    """A session table being read: the shared reader, with the session's own value types."""

    __slots__ = ()

    def names(self) -> list[str]:
        return [str(k) for k in self.data]

    def table(self, key: str, required: bool = False, *, what: str = "a table") -> _Table:
        # An absent table reads as empty: every session section has defaults.
        found = super().table(key, required, what=what)
        return self.sub({}, key) if found is None else found

    def array(self, key: str) -> list[_Table]:
        return self.tables(key, what=f"an array of tables ([[{self.child(key)}]])")

    def bounded_integer(
        self,
        key: str,
        default: int,
        minimum: int | None = None,
        maximum: int | None = None,
        unit: str = "",
    ) -> int:
        value = self.optional_integer(key, minimum, maximum, unit)
        return default if value is None else value

    def optional_integer(
        self,
        key: str,
        minimum: int | None = None,
        maximum: int | None = None,
        unit: str = "",
    ) -> int | None:
        what = f"an integer ({unit})" if unit else "an integer"
        value = self.value(key, (int,), what, None)
        if value is None:
            return None
        number = int(value)
        if minimum is not None and number < minimum:
            self.fail(key, f"expected {what} of at least {minimum}, got {number}")
        if maximum is not None and number > maximum:
            self.fail(key, f"expected {what} of at most {maximum}, got {number}")
        return number

    def positive(self, key: str, default: float, unit: str) -> float:
        value = self.value(key, (int, float), f"a number ({unit})", None)
        if value is None:
            return default
        number = float(value)
        if not math.isfinite(number) or number <= 0:
            self.fail(key, f"expected a positive number ({unit}), got {describe_value(value)}")
        return number

    def choice(self, key: str, kind: type[E], default: E) -> E:
        found = self.optional_choice(key, kind)
        return default if found is None else found

    def required_choice(self, key: str, kind: type[E]) -> E:
        found = self.optional_choice(key, kind, REQUIRED)
        assert found is not None
        return found

    def optional_choice(self, key: str, kind: type[E], required: bool = False) -> E | None:
        value = self.data.get(key)
        if value is None and not required:
            return None
        if isinstance(value, str):
            member = kind._value2member_map_.get(value)
            if member is None:
                member = kind._value2member_map_.get(value.strip().casefold())
            if member is not None:
                return cast(E, member)
        allowed = ", ".join(member.value for member in kind)
        if value is None:
            self.fail(key, f"missing; expected one of {allowed}")
        self.fail(key, f"expected one of {allowed}; got {describe_value(value)}")

    def day(self, key: str) -> date | None:
        value = self.data.get(key)
        if value is None:
            return None
        expected = "expected a date like 2026-12-01"
        if isinstance(value, datetime | time):
            self.fail(key, f"{expected}, got {describe_value(value)}")
        if isinstance(value, date):
            return date(value.year, value.month, value.day)
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.fail(key, f"{expected}, got {describe_value(value)}")

    def required_moment(self, key: str) -> datetime:
        if self.data.get(key) is None:
            self.fail(key, "missing; expected a date and time like 2026-12-01T09:30:00Z")
        found = self.moment(key)
        assert found is not None
        return found

    def moment(self, key: str) -> datetime | None:
        value = self.data.get(key)
        if value is None:
            return None
        expected = "expected a date and time like 2026-12-01T09:30:00Z"
        if isinstance(value, datetime):
            return _utc(_plain_datetime(value))
        if isinstance(value, str):
            text = value.strip()
            try:
                parsed = datetime.fromisoformat(text)
            except ValueError:
                parsed = None
            # A bare date string parses as midnight; refuse it like a TOML date, for symmetry.
            if parsed is not None and ("T" in text.upper() or " " in text):
                return _utc(parsed)
        self.fail(key, f"{expected}, got {describe_value(value)}")

    def money(self, key: str) -> Decimal | None:
        value = self.data.get(key)
        if value is None:
            return None
        expected = "expected an amount like 12.50"
        amount: Decimal | None = None
        if isinstance(value, bool):
            amount = None
        elif isinstance(value, int):
            amount = Decimal(int(value))
        elif isinstance(value, float):
            amount = Decimal(repr(float(value))) if math.isfinite(value) else None
        elif isinstance(value, str):
            try:
                amount = Decimal(value.strip())
            except InvalidOperation:
                amount = None
        if amount is None or not amount.is_finite():
            self.fail(key, f"{expected}, got {describe_value(value)}")
        return amount

    def evidence(self, key: str) -> dict[str, JSONValue]:
        value = self.value(key, (Mapping,), "a table of plain values", None)
        if value is None:
            return {}
        return _json_table(value, lambda: self.child(key))


_WORDING = Wording(error=CodecError, quote_keys=True)


def _json_table(value: Mapping[str, Any], where: Callable[[], str]) -> dict[str, JSONValue]:
    out: dict[str, JSONValue] = {}
    for k, v in value.items():
        key = str(k)
        # Plain scalars (from tomli, or from the codec itself) need no conversion; the path
        # of a value is only worked out when it is needed.
        if type(v) in _PLAIN_SCALARS:
            out[key] = v
        else:
            out[key] = _json_value(v, _Path(where, key))
    return out


class _Path:
    """A dotted path computed only when asked for (``str(path)``)."""

    __slots__ = ("_key", "_where")

    def __init__(self, where: Callable[[], str], key: str | int) -> None:
        self._where = where
        self._key = key

    def __call__(self) -> str:
        return join_key(self._where(), self._key)


def _json_value(value: Any, path: _Path) -> JSONValue:
    if isinstance(value, str):
        return _plain_str(value)
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, datetime | date | time):
        # Evidence is JSON-like data; a date written by hand is kept as its ISO text.
        return value.isoformat()
    if isinstance(value, Mapping):
        return _json_table(value, path)
    if isinstance(value, list):
        return [
            v if type(v) in _PLAIN_SCALARS else _json_value(v, _Path(path, i))
            for i, v in enumerate(value)
        ]
    raise CodecError(path(), f"expected plain data, got {describe_value(value)}")


def _plain_str(value: str) -> str:
    # tomlkit hands out str subclasses tied to the document; the model holds plain strings.
    return value if type(value) is str else str.__str__(value)


def _plain_datetime(value: datetime) -> datetime:
    return datetime(
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
        value.microsecond,
        tzinfo=value.tzinfo,
    )

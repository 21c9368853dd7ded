"""Plain data -> Session, strictly: every value validated, errors naming the key path. No I/O.

Accepts TOML dates and datetimes or ISO strings for them, and refuses anything that does not fit
with a :class:`~launch_tui.core.session_schema.CodecError` (``people[2].id``, ``stages.deliverz``).
Unknown keys are ignored here; the store keeps them in the file. The session's value types are
read with :class:`~launch_tui.core.session_table.SessionTable`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from launch_tui.core.handover import Handover
from launch_tui.core.handover_codec import HandoverDataError, handover_from_data
from launch_tui.core.model import (
    KEYRING_REF,
    SCHEMA_VERSION,
    STAGE_IDS,
    Action,
    CheckResult,
    CredentialRef,
    Decision,
    Evidence,
    Exposure,
    Host,
    HostRole,
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
from launch_tui.core.session_schema import CodecError, as_utc
from launch_tui.core.session_table import WORDING, SessionTable, json_table
from launch_tui.core.settings_codec import owners_from_tables, sampling_from_table
from launch_tui.core.toml_schema import (
    REQUIRED,
    join_key,
    show_text,
)

__all__ = ["result_from_data", "session_from_data"]

T = TypeVar("T")


def session_from_data(data: Mapping[str, Any]) -> Session:
    """Build a :class:`Session` from plain data (a parsed TOML file), validating every value.

    Accepts TOML dates and datetimes or ISO strings for them (naive datetimes are taken as UTC;
    all datetimes come back in UTC), and ``monthly_cost`` as an int, float or decimal string.
    Keys the schema does not know are ignored. Raises :class:`CodecError` naming the first
    offending key.
    """
    root = SessionTable(data, WORDING)
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
    ui = UiState(
        stage=ui_t.string("stage", "audit"),
        selection=ui_t.string("selection"),
        last_action=ui_t.optional_choice("last_action", Action),
        last_owner=ui_t.string("last_owner"),
        last_due=ui_t.day("last_due"),
    )
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


def _targets(t: SessionTable) -> Targets:
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


def _route(t: SessionTable) -> Route:
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


def _stack_item(t: SessionTable) -> StackItem:
    return StackItem(declared=t.string("declared"), detected=t.string("detected"))


def _person(t: SessionTable) -> Person:
    return Person(
        id=t.string("id", REQUIRED),
        name=t.string("name", REQUIRED),
        role=t.string("role"),
        org=t.choice("org", Organisation, Organisation.CLIENT),
        email=t.string("email"),
    )


def _stages(t: SessionTable) -> dict[str, StageState]:
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


def _result(t: SessionTable, evidence: Evidence | None = None) -> CheckResult:
    return CheckResult(
        check_id=t.string("check", REQUIRED),
        target=t.string("target"),
        status=t.required_choice("status", Status),
        severity=t.required_choice("severity", Severity),
        summary=t.string("summary"),
        evidence=t.evidence("evidence") if evidence is None else evidence,
        measured_at=t.moment("measured_at"),
        duration_ms=t.bounded_integer("duration_ms", 0, unit="milliseconds"),
        previous_status=t.optional_choice("previous_status", Status),
    )


def _decision(t: SessionTable) -> Decision:
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


def _service(t: SessionTable) -> Service:
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


def _secret(t: SessionTable) -> Secret:
    return Secret(
        name=t.string("name", REQUIRED),
        stored_in=t.string("stored_in"),
        environments=t.strings("environments"),
        owner=t.string("owner"),
        last_rotated=t.day("last_rotated"),
        exposure=t.choice("exposure", Exposure, Exposure.UNKNOWN),
        found_in=t.strings("found_in"),
    )


def _credential(t: SessionTable) -> CredentialRef:
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


def result_from_data(
    data: Mapping[str, Any], index: int, evidence: Evidence | None = None
) -> CheckResult:
    """One ``[[results]]`` entry read strictly; errors name ``results[<index>]...``.

    ``evidence``, when given, is what this function read from the entry's evidence before
    (the entry's ``evidence`` is then not read again).
    """
    fast = _plain_result(data, index, evidence)
    if fast is not None:
        return fast
    return _result(
        SessionTable(
            data, WORDING, SessionTable({}, WORDING, SessionTable({}, WORDING), "results"), index
        ),
        evidence,
    )


_STATUSES: dict[str, Status] = {member.value: member for member in Status}
_SEVERITIES: dict[str, Severity] = {member.value: member for member in Severity}


def _plain_result(
    data: Mapping[str, Any], index: int, evidence: Evidence | None
) -> CheckResult | None:
    """:func:`_result` for an entry whose values have exactly the types it reads (what the
    codec itself writes), without the table reader's bookkeeping; ``None`` for anything else
    (the reader then reads it, and words any error)."""
    check = data.get("check")
    target = data.get("target")
    summary = data.get("summary")
    status = data.get("status")
    severity = data.get("severity")
    measured_at = data.get("measured_at")
    duration_ms = data.get("duration_ms")
    previous = data.get("previous_status")
    if not (
        type(check) is str
        and (target is None or type(target) is str)
        and (summary is None or type(summary) is str)
        and type(status) is str
        and status in _STATUSES
        and type(severity) is str
        and severity in _SEVERITIES
        and (measured_at is None or type(measured_at) is datetime)
        and (duration_ms is None or type(duration_ms) is int)
        and (previous is None or (type(previous) is str and previous in _STATUSES))
    ):
        return None
    if evidence is None:
        found = data.get("evidence")
        if found is None:
            evidence = {}
        elif type(found) is dict:
            try:
                evidence = json_table(found, lambda: f"results[{index}].evidence")
            except CodecError:
                return None
        else:
            return None
    return CheckResult(
        check_id=check,
        target=target or "",
        status=_STATUSES[status],
        severity=_SEVERITIES[severity],
        summary=summary or "",
        evidence=evidence,
        measured_at=None if measured_at is None else as_utc(measured_at),
        duration_ms=duration_ms or 0,
        previous_status=None if previous is None else _STATUSES[previous],
    )

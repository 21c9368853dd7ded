"""Session -> plain data: every field in values TOML can hold. No I/O.

``str``, ``int``, ``float``, ``bool``, ``date``, ``datetime``, lists and dicts; ``None`` values
are left out because TOML has no null. The reverse is :mod:`launch_tui.core.session_decode`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from launch_tui.core.handover_codec import handover_to_data
from launch_tui.core.model import (
    CheckResult,
    CredentialRef,
    Decision,
    Host,
    JSONValue,
    NetworkSettings,
    Person,
    Route,
    RouteMonitor,
    Secret,
    Service,
    Session,
    Sprint,
    StackComponent,
    StackItem,
    StageState,
    Targets,
    UiState,
)
from launch_tui.core.session_schema import PLAIN_SCALARS, as_utc
from launch_tui.core.settings_codec import owners_to_data, sampling_to_data

__all__ = ["result_to_data", "session_to_data"]


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
        "ui": _ui_data(session.ui),
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


def _ui_data(ui: UiState) -> dict[str, Any]:
    out: dict[str, Any] = {"stage": ui.stage, "selection": ui.selection}
    if ui.last_action is not None:
        out["last_action"] = ui.last_action.value
    if ui.last_owner:
        out["last_owner"] = ui.last_owner
    _put(out, "last_due", ui.last_due)
    return out


def result_to_data(result: CheckResult, evidence: dict[str, Any] | None = None) -> dict[str, Any]:
    """One ``[[results]]`` entry, as :func:`session_to_data` writes it.

    With :func:`result_from_data`, lets a caller re-encode only the results that changed;
    ``evidence`` is the result's evidence as this function encoded it before (a re-run's
    result often has the very same evidence), used as it is.
    """
    return _result_data(result, evidence)


def _put(out: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        out[key] = value


def _sprint_data(s: Sprint) -> dict[str, Any]:
    return {
        "id": s.id,
        "client": s.client,
        "product": s.product,
        "engineer": s.engineer,
        "started_at": as_utc(s.started_at),
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
    _put(out, "added_at", m.added_at and as_utc(m.added_at))
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
    _put(out, "started_at", s.started_at and as_utc(s.started_at))
    _put(out, "finished_at", s.finished_at and as_utc(s.finished_at))
    out["minutes_spent"] = s.minutes_spent
    return out


def _result_data(r: CheckResult, evidence: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "check": r.check_id,
        "target": r.target,
        "status": r.status.value,
        "severity": r.severity.value,
        "summary": r.summary,
    }
    _put(out, "measured_at", r.measured_at and as_utc(r.measured_at))
    out["duration_ms"] = r.duration_ms
    _put(out, "previous_status", r.previous_status and r.previous_status.value)
    out["evidence"] = _evidence_data(r.evidence) if evidence is None else evidence
    return out


def _evidence_data(value: Mapping[str, JSONValue]) -> dict[str, Any]:
    return {
        str(k): v if type(v) in PLAIN_SCALARS else _json_data(v)
        for k, v in value.items()
        if v is not None
    }


def _json_data(value: Any) -> Any:
    # Evidence can be large (a scan's list of paths): plain scalars take the fast path, and
    # dicts and lists are known by their exact type first (isinstance on the ABC is slow).
    kind = type(value)
    if kind is dict:
        return _evidence_data(value)
    if kind is list:
        return [v if type(v) in PLAIN_SCALARS else _json_data(v) for v in value if v is not None]
    if isinstance(value, Mapping):
        return _evidence_data(value)
    if isinstance(value, list | tuple):
        return [v if type(v) in PLAIN_SCALARS else _json_data(v) for v in value if v is not None]
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
    _put(out, "decided_at", d.decided_at and as_utc(d.decided_at))
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

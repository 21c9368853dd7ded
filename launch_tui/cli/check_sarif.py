"""``launch-tui check --format sarif``: the run's findings as a SARIF 2.1.0 log.

One run, whose ``tool.driver`` is launch-tui with one *rule* per playbook check (in playbook
order, so a rule's index is the same whatever ``--stage``/``--only`` selected; checks outside the
playbook follow, sorted). A rule carries the check's title (``shortDescription``), why it
matters (``fullDescription``), the remediation hint (``help.text``), a default level from the
check's severity, and its stage and severity as properties.

Every ``warn``, ``fail`` and ``error`` result of the run is a SARIF result, in risk-list order
(launch impact, see :mod:`launch_tui.report.risk_list`). ``pass``, ``skipped`` and ``manual``
results are not findings and are left out.

**Levels.** From the result's severity: ``critical`` and ``high`` → ``error``; ``medium`` →
``warning``; ``low`` and ``info`` → ``note``. A ``warn`` result is at most ``warning``. An
``error`` status (the check could not decide) counts as a failure. The level does not depend on
``--fail-on``: whether a result fails *this* run is the ``blocking`` property, and the exit code
is in ``invocations[0].exitCode``.

**Accepted risks** are not hidden: the result is there, with a suppression
``{"kind": "external", "status": "accepted", "justification": "accepted risk D3 by Priya Raman
(priya) until 2025-06-09: ..."}`` per owned accept-risk decision, which SARIF viewers show as
dismissed.

**Locations.** A result whose evidence names a file (``file``: a repository-relative path with
forward slashes, and optionally ``line``) gets a ``physicalLocation`` under ``uriBaseId``
``%SRCROOT%``. Any other result is about a host, a route or the whole session: it gets a
``logicalLocation`` (the host name; the route's name with its URL as the fully qualified name;
the apex for the session), anchored to the session file that declares it as the
``physicalLocation``, because some consumers (GitHub code scanning) reject a result without one.

**Determinism.** Given the same report the output is byte-identical: fixed order everywhere,
and no times but the run's own ``startTimeUtc``/``endTimeUtc``. Display strings (messages,
names, justifications) are cleaned of control characters; evidence is kept as data under
``properties.evidence``; the JSON is ASCII with ``\\u`` escapes.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, metadata
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from launch_tui import __version__
from launch_tui.cli.check_output import (
    CheckReport,
    ReportedResult,
    RiskEntry,
    plain,
    target_location,
)
from launch_tui.core.model import CheckResult, Evidence, JSONValue, Session, Severity, Status
from launch_tui.core.playbook import CheckSpec
from launch_tui.core.sanitize import clean

__all__ = [
    "SARIF_SCHEMA",
    "SARIF_VERSION",
    "information_uri",
    "level_for",
    "render_sarif",
    "sarif_document",
]

SARIF_VERSION = "2.1.0"
#: The OASIS schema (2.1.0 with errata 01) that the output validates against.
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
#: Used when the installed package's metadata names no project URL.
FALLBACK_INFORMATION_URI = "https://pypi.org/project/launch-tui/"
#: The base that repository-relative file locations are relative to (a SARIF convention).
SOURCE_ROOT = "%SRCROOT%"
#: Key of the fingerprint that identifies a finding across runs (check id and target).
FINGERPRINT = "launchTuiFinding/v1"

_SEVERITY_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
_MESSAGE_LIMIT = 1000
_NAME_LIMIT = 200
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_URL_KEYS = ("Homepage", "Home", "Repository", "Source", "Documentation")


def level_for(status: Status, severity: Severity) -> str:
    """The SARIF level of a finding (see the module docstring)."""
    level = _SEVERITY_LEVEL[severity]
    if status is Status.WARN and level == "error":
        return "warning"
    return level


def information_uri() -> str:
    """The project's home page from the installed package's metadata, else the PyPI page."""
    try:
        urls = metadata("launch-tui").get_all("Project-URL") or []
    except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
        urls = []
    found = {}
    for entry in urls:
        label, _, url = str(entry).partition(",")
        found[label.strip()] = url.strip()
    return next((found[k] for k in _URL_KEYS if found.get(k)), FALLBACK_INFORMATION_URI)


def render_sarif(report: CheckReport, *, base: Path | None = None) -> str:
    """The SARIF log as indented ASCII JSON. ``base`` is the folder the session file's location
    is made relative to (the working directory, normally the repository root in CI)."""
    document = sarif_document(report, base=base)
    return json.dumps(document, indent=2, ensure_ascii=True, allow_nan=False)


def sarif_document(report: CheckReport, *, base: Path | None = None) -> dict[str, JSONValue]:
    """The SARIF log as plain data."""
    rules, index = _rules(report)
    items = {item.result.key: item for item in report.results}
    session_uri = _session_uri(report.path, base)
    results: list[JSONValue] = [
        _result(report.session, entry, items[entry.result.key], index, session_uri)
        for entry in report.risks
    ]
    run: dict[str, JSONValue] = {
        "tool": {
            "driver": {
                "name": "launch-tui",
                "version": __version__,
                "informationUri": information_uri(),
                "rules": rules,
            }
        },
        "invocations": [_invocation(report)],
        "results": results,
        "properties": {
            "session": {
                "id": report.session.sprint.id,
                "client": report.session.sprint.client,
                "product": report.session.sprint.product,
                "apex": report.session.targets.apex,
                "file": session_uri,
            }
        },
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


# --- rules ---------------------------------------------------------------------------------------


def _rules(report: CheckReport) -> tuple[list[JSONValue], dict[str, int]]:
    """Every playbook check in playbook order, then checks outside the playbook, sorted."""
    specs = report.playbook.checks()
    stage_of = {i.result.check_id: i.stage for i in report.results}
    extra = sorted(set(stage_of) - {spec.id for spec in specs})
    rules: list[JSONValue] = [_rule(spec) for spec in specs]
    rules += [_bare_rule(check_id, stage_of[check_id]) for check_id in extra]
    ids = [spec.id for spec in specs] + extra
    return rules, {check_id: position for position, check_id in enumerate(ids)}


def _rule(spec: CheckSpec) -> dict[str, JSONValue]:
    # A playbook may be a hand-written file: its prose is cleaned like any other input.
    return {
        "id": spec.id,
        "name": _pascal(spec.id),
        "shortDescription": {"text": clean(spec.title)},
        "fullDescription": {"text": clean(spec.why)},
        "help": {"text": clean(spec.fix)},
        "defaultConfiguration": {"level": _SEVERITY_LEVEL[spec.severity]},
        "properties": {
            "stage": spec.stage,
            "severity": spec.severity.value,
            "mode": spec.mode.value,
            "appliesTo": spec.applies_to.value,
            "tags": ["launch-tui", spec.stage, spec.mode.value],
        },
    }


def _bare_rule(check_id: str, stage: str) -> dict[str, JSONValue]:
    return {
        "id": clean(check_id),
        "name": _pascal(check_id),
        "shortDescription": {"text": clean(check_id) or "(unnamed check)"},
        "properties": {"stage": clean(stage), "tags": ["launch-tui", clean(stage)]},
    }


def _pascal(check_id: str) -> str:
    """``http.https_forced`` → ``HttpHttpsForced``: SARIF's advice for a rule's name."""
    words = re.split(r"[^A-Za-z0-9]+", check_id)
    return "".join(w[:1].upper() + w[1:] for w in words) or "Check"


# --- results -------------------------------------------------------------------------------------


def _result(
    session: Session,
    entry: RiskEntry,
    item: ReportedResult,
    index: Mapping[str, int],
    session_uri: str,
) -> dict[str, JSONValue]:
    result = entry.result
    summary = clean(result.summary, max_len=_MESSAGE_LIMIT) or f"{result.check_id} did not pass"
    target = clean(result.target, max_len=_NAME_LIMIT)
    sarif: dict[str, JSONValue] = {
        "ruleId": clean(result.check_id),
        "ruleIndex": index[result.check_id],
        "level": level_for(result.status, result.severity),
        "message": {"text": f"{target}: {summary}" if target else summary},
        "locations": [_location(session, result, session_uri)],
        "partialFingerprints": {FINGERPRINT: _fingerprint(result)},
    }
    if entry.acceptances:
        sarif["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": a.describe(),
                "properties": {
                    "decision": a.decision,
                    "owner": a.owner,
                    "ownerName": a.owner_name,
                    "due": a.due.isoformat() if a.due else None,
                },
            }
            for a in entry.acceptances
        ]
    sarif["properties"] = {
        "status": result.status.value,
        "severity": result.severity.value,
        "stage": item.stage,
        "target": result.target,
        "rank": entry.rank,
        "category": entry.finding.category.name.lower(),
        "blocking": entry.blocking,
        "previousStatus": result.previous_status.value if result.previous_status else None,
        "evidence": _finite(plain(result.evidence)),
    }
    return sarif


def _finite(value: JSONValue) -> JSONValue:
    """JSON has no NaN or infinity: such evidence numbers become strings (``"nan"``)."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def _fingerprint(result: CheckResult) -> str:
    data = f"{result.check_id}\n{result.target}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()


def _location(session: Session, result: CheckResult, session_uri: str) -> dict[str, JSONValue]:
    physical = _file_location(result.evidence)
    if physical is not None:
        return {"physicalLocation": physical}
    return {
        "physicalLocation": {
            "artifactLocation": {
                "uri": session_uri,
                "description": {"text": "the session file that declares this target"},
            }
        },
        "logicalLocations": [_logical_location(session, result)],
    }


def _logical_location(session: Session, result: CheckResult) -> dict[str, JSONValue]:
    if not result.target:
        name = clean(session.targets.apex or session.sprint.id, max_len=_NAME_LIMIT)
        return {
            "name": name or "(session)",
            "kind": "resource",
            "properties": {"targetKind": "session"},
        }
    route = session.route(result.target)
    name = clean(result.target, max_len=_NAME_LIMIT)
    url, host = target_location(session, result.target)
    if route is not None:
        return {
            "name": name,
            "fullyQualifiedName": clean(route.url, max_len=_MESSAGE_LIMIT),
            "kind": "resource",
            "properties": {
                "targetKind": "route",
                "method": clean(route.method),
                "url": clean(url, max_len=_MESSAGE_LIMIT),
                "host": clean(host, max_len=_NAME_LIMIT),
            },
        }
    properties: dict[str, JSONValue] = {"targetKind": "host"}
    if host:
        properties["host"] = clean(host, max_len=_NAME_LIMIT)
    return {
        "name": name,
        "fullyQualifiedName": name,
        "kind": "resource",
        "properties": properties,
    }


def _file_location(evidence: Evidence) -> dict[str, JSONValue] | None:
    """A physical location when the evidence names a repository-relative file."""
    value = evidence.get("file")
    if not isinstance(value, str) or not _repo_relative(value):
        return None
    location: dict[str, JSONValue] = {
        "artifactLocation": {"uri": _quote(value), "uriBaseId": SOURCE_ROOT}
    }
    line = evidence.get("line")
    if isinstance(line, int) and not isinstance(line, bool) and line >= 1:
        location["region"] = {"startLine": line}
    return location


def _repo_relative(path: str) -> bool:
    """A plain relative path inside the repository: no scheme, no root, no ``..``, no controls."""
    if not path or path != clean(path) or "\\" in path or _SCHEME.match(path):
        return False
    pure = PurePosixPath(path)
    return not pure.is_absolute() and ".." not in pure.parts


def _session_uri(path: Path, base: Path | None) -> str:
    if not path.is_absolute():
        return _quote(path.as_posix())
    if base is not None:
        try:
            return _quote(path.relative_to(base).as_posix())
        except ValueError:
            pass
    return "file://" + _quote(path.as_posix())


def _quote(path: str) -> str:
    """A path as a URI path: percent-encoded UTF-8, undecodable file-name bytes restored."""
    try:
        return quote(path, safe="/", errors="surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that no file name decoded to
        return quote(path, safe="/", errors="replace")


# --- the invocation ------------------------------------------------------------------------------


def _invocation(report: CheckReport) -> dict[str, JSONValue]:
    invocation: dict[str, JSONValue] = {
        # Findings are a successful run; only an interrupted one is not.
        "executionSuccessful": not report.cancelled,
        "exitCode": report.exit_code,
    }
    if report.started_at is not None:
        invocation["startTimeUtc"] = _utc(report.started_at)
    if report.finished_at is not None:
        invocation["endTimeUtc"] = _utc(report.finished_at)
    invocation["properties"] = {
        "failOn": report.fail_on.value,
        "blocking": report.blocking,
        "accepted": report.accepted,
        "cancelled": report.cancelled,
        "timedOut": report.timed_out,
        "counts": dict(report.counts()),
    }
    return invocation


def _utc(moment: datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    text = moment.replace(tzinfo=None).isoformat(timespec="milliseconds")
    return f"{text}Z"

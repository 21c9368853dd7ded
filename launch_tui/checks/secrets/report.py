"""Read betterleaks' JSON report into redacted findings.

The report holds every value in clear (``match.value``, ``match.full``); :func:`parse_report`
keeps only the redacted form (:func:`~launch_tui.checks.secrets.redact.redact`) and drops the
rest, so the clear text lives no longer than the bytes read from the scanner's pipe. Text
from the scanned repository (paths, commit messages) is untrusted and sanitized.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum

from launch_tui.checks.secrets.redact import RedactedValue, redact
from launch_tui.core.sanitize import clean


class ScanKind(StrEnum):
    """Where a scan looked."""

    HISTORY = "history"
    """Every commit of every branch (a key committed and later deleted is still there)."""
    TREE = "tree"
    """The working tree: tracked files and untracked files git does not ignore."""
    BUILD = "build"
    """The production build output."""
    CI_LOG = "ci-log"
    """CI log files exported for scanning."""


class ReportError(ValueError):
    """The scanner's output is not the report we expect (a crash mid-write, a new format)."""


@dataclass(frozen=True)
class SecretFinding:
    """One secret found by the scanner, redacted."""

    rule: str
    """Scanner rule id (``stripe-access-token``)."""
    description: str
    kind: ScanKind
    path: str
    """Relative to the scanned folder (or the CI log's path)."""
    line: int
    value: RedactedValue
    commit: str = ""
    """Short SHA of the commit that added it (history scans)."""
    commit_date: str = ""
    confidence: str = ""
    column: int = 0
    """1-based column where the value starts (0 when the scanner did not say)."""
    name: str = ""
    """The identifier the value is assigned to on its line (``STRIPE_SECRET_KEY``), when
    :mod:`.scans` could read it; never the value."""

    @property
    def where(self) -> str:
        """``path:line``, with ``@commit`` for history findings."""
        place = f"{self.path}:{self.line}" if self.line else self.path
        return f"{place}@{self.commit}" if self.commit else place


def parse_report(data: bytes, kind: ScanKind) -> tuple[list[SecretFinding], int]:
    """Findings and bytes scanned from one report; raise :class:`ReportError` if unreadable."""
    try:
        report = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ReportError(f"the scanner's report is not JSON ({type(exc).__name__})") from None
    if not isinstance(report, dict) or not isinstance(report.get("findings"), list):
        raise ReportError("the scanner's report has no list of findings")
    scan = report.get("scan") if isinstance(report.get("scan"), dict) else {}
    assert isinstance(scan, dict)
    state = scan.get("state", "complete")
    if state != "complete":
        raise ReportError(f"the scanner stopped early (state {clean(str(state), max_len=40)})")
    findings = [
        found
        for item in report["findings"]
        if isinstance(item, dict)
        for found in (_finding(item, kind), *_components(item, kind))
    ]
    scanned = scan.get("bytes_scanned", 0)
    return findings, scanned if isinstance(scanned, int) else 0


def _components(item: dict[str, object], kind: ScanKind) -> list[SecretFinding]:
    """The other halves of a composite finding (an AWS key id's secret access key), each a
    finding of its own in the same commit."""
    sets = item.get("component_sets")
    if not isinstance(sets, list):
        return []
    out = []
    for group in sets:
        parts = group.get("components") if isinstance(group, dict) else None
        for part in parts if isinstance(parts, list) else ():
            if isinstance(part, dict):
                merged = {"attributes": item.get("attributes"), **part}
                out.append(_finding(merged, kind))
    return out


def _finding(item: dict[str, object], kind: ScanKind) -> SecretFinding:
    match = item.get("match") if isinstance(item.get("match"), dict) else {}
    location = item.get("location") if isinstance(item.get("location"), dict) else {}
    attributes = item.get("attributes") if isinstance(item.get("attributes"), dict) else {}
    assert isinstance(match, dict) and isinstance(location, dict) and isinstance(attributes, dict)
    value = match.get("value") or match.get("full") or ""
    line = location.get("start_line", 0)
    column = location.get("start_column", 0)
    sha = str(attributes.get("git.sha", ""))
    return SecretFinding(
        rule=clean(str(item.get("rule_id", "unknown")), max_len=80),
        description=clean(str(item.get("description", "")), max_len=300),
        kind=kind,
        path=clean(str(location.get("path", "")).removeprefix("./"), max_len=400),
        line=line if isinstance(line, int) else 0,
        value=redact(str(value)),
        commit=clean(sha[:12], max_len=12),
        commit_date=clean(str(attributes.get("git.date", "")), max_len=40),
        confidence=clean(str(item.get("confidence", "")), max_len=20),
        column=column if isinstance(column, int) else 0,
    )

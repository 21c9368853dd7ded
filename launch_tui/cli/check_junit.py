"""``launch-tui check --format junit``: the run as JUnit XML, for CI test-report views.

JUnit XML has no formal standard; this follows the de-facto schema that GitLab, Jenkins and the
GitHub Actions test reporters read:

* ``<testsuites>`` with totals; one ``<testsuite>`` per stage (in sprint order, checks outside the
  playbook last), its ``<properties>`` naming the stage, session and ``--fail-on``;
* one ``<testcase>`` per result: ``classname`` is the check id, ``name`` the target (``(session)``
  for a session-wide check), ``time`` what the check took on it;
* ``<failure>`` exactly for the results that *block* (a ``fail`` or ``error`` at or above
  ``--fail-on`` that no owned accept-risk decision covers), so the CI's count of failed tests is
  the run's ``summary.blocking`` and agrees with the exit code. ``message`` is the summary,
  ``type`` the severity, the body the evidence and the remediation hint;
* ``<skipped>`` for ``skipped`` and ``manual`` results;
* a finding kept from failing the run by an accepted risk passes, but is *shown*: a
  ``<system-out>`` line ``accepted risk D3 by Priya Raman (priya) until 2025-06-09: reason`` and
  an ``accepted_by`` property. Other findings that do not block (a ``warn``, a failure below
  ``--fail-on``) pass with a ``<system-out>`` line saying what was found.

The document is built with :mod:`xml.etree.ElementTree`, never by pasting strings. Every text
and attribute value first goes through :func:`~launch_tui.core.sanitize.clean` (control
characters a hostile server sent become visible pictures, as on the terminal) and then loses
any character XML 1.0 cannot carry. The output is ASCII: other characters are character
references, so it survives any CI log encoding.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from launch_tui.cli.check_output import (
    CheckReport,
    ReportedResult,
    StageGroup,
    stage_groups,
    target_location,
)
from launch_tui.core.model import Status
from launch_tui.core.sanitize import clean, clean_multiline
from launch_tui.report.evidence import flatten

__all__ = ["junit_element", "render_junit", "xml_safe"]

#: Everything XML 1.0 cannot carry (even as a character reference): C0 controls but tab, line
#: feed and carriage return; lone surrogates; U+FFFE and U+FFFF.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
_SKIPPED = (Status.SKIPPED, Status.MANUAL)
_FINDINGS = (Status.FAIL, Status.ERROR, Status.WARN)


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids (a last guard after cleaning)."""
    return _XML_ILLEGAL.sub("", text)


def _one_line(text: str, max_len: int | None = None) -> str:
    return xml_safe(clean(text, max_len=max_len))


def _block(text: str) -> str:
    return xml_safe(clean_multiline(text))


def render_junit(report: CheckReport) -> str:
    """The JUnit XML document (see the module docstring), indented, ASCII only."""
    root = junit_element(report)
    ET.indent(root)
    body: bytes = ET.tostring(root, encoding="us-ascii")
    return _DECLARATION + body.decode("ascii")


def junit_element(report: CheckReport) -> ET.Element:
    """The ``<testsuites>`` element for ``report``."""
    groups = stage_groups(report)
    root = ET.Element(
        "testsuites",
        {
            "name": "launch-tui check",
            **_counts(report.results),
            "time": _seconds(report.wall_s),
        },
    )
    for group in groups:
        root.append(_suite(report, group))
    return root


def _counts(items: Iterable[ReportedResult]) -> dict[str, str]:
    items = tuple(items)
    return {
        "tests": str(len(items)),
        "failures": str(sum(1 for i in items if i.blocking)),
        "errors": "0",
        "skipped": str(sum(1 for i in items if i.result.status in _SKIPPED)),
    }


def _seconds(value: float) -> str:
    return f"{max(value, 0.0):.3f}"


def _suite(report: CheckReport, group: StageGroup) -> ET.Element:
    attributes = {
        "name": _one_line(group.label, max_len=120),
        **_counts(group.items),
        "time": _seconds(sum(i.result.duration_ms for i in group.items) / 1000),
    }
    if report.started_at is not None:
        # The de-facto schema's timestamp has no zone; ours is always UTC.
        attributes["timestamp"] = report.started_at.strftime("%Y-%m-%dT%H:%M:%S")
    suite = ET.Element("testsuite", attributes)
    session = report.session
    _properties(
        suite,
        [
            ("stage", group.stage),
            ("session", session.sprint.id),
            ("client", session.sprint.client),
            ("apex", session.targets.apex),
            ("fail_on", report.fail_on.value),
        ],
    )
    for item in group.items:
        suite.append(_case(report, item))
    return suite


def _properties(parent: ET.Element, pairs: Iterable[tuple[str, str]]) -> None:
    properties = ET.SubElement(parent, "properties")
    for name, value in pairs:
        ET.SubElement(properties, "property", {"name": name, "value": _one_line(value, 300)})


def _case(report: CheckReport, item: ReportedResult) -> ET.Element:
    result = item.result
    case = ET.Element(
        "testcase",
        {
            "classname": _one_line(result.check_id, 120),
            "name": _one_line(result.target, 200) if result.target else "(session)",
            "time": _seconds(result.duration_ms / 1000),
        },
    )
    risk = report.risk_of(result)
    acceptances = risk.acceptances if risk is not None else item.accepted_by
    pairs = [("status", result.status.value), ("severity", result.severity.value)]
    url, host = target_location(report.session, result.target)
    pairs += [(name, value) for name, value in (("url", url), ("host", host)) if value]
    pairs += [("accepted_by", a.decision) for a in acceptances]
    _properties(case, pairs)
    if item.blocking:
        failure = ET.SubElement(
            case,
            "failure",
            {
                "message": _one_line(result.summary, 500) or result.status.value,
                "type": result.severity.value,
            },
        )
        failure.text = _failure_body(report, item)
    elif result.status in _SKIPPED:
        ET.SubElement(case, "skipped", {"message": _one_line(result.summary, 500)})
    lines = [a.describe() for a in acceptances]
    if result.status in _FINDINGS and not item.blocking:
        lines.insert(0, _finding_line(report, item))
    if lines:
        ET.SubElement(case, "system-out").text = _block("\n".join(lines))
    return case


def _finding_line(report: CheckReport, item: ReportedResult) -> str:
    """Why a finding passes: accepted, or not at or above ``--fail-on``."""
    result = item.result
    word = result.status.value.upper()
    text = f"{word} {result.severity.value}: {clean(result.summary, max_len=500)}"
    risk = report.risk_of(result)
    if risk is not None and risk.accepted:
        return f"{text} (does not fail the run: covered by an accepted risk)"
    if result.status is Status.WARN:
        return f"{text} (a warning: never fails the run)"
    return f"{text} (below --fail-on {report.fail_on.value}: does not fail the run)"


def _failure_body(report: CheckReport, item: ReportedResult) -> str:
    """The evidence behind a blocking result, then why it matters and how to fix it."""
    result = item.result
    lines = [
        f"{result.status.value.upper()} {result.severity.value} {result.check_id} "
        f"{result.target or '(session)'}",
        clean(result.summary, max_len=500),
    ]
    evidence = flatten(result.evidence)
    if evidence:
        lines += ["", "Evidence:"]
        lines += [f"  {line.key}: {line.value}" for line in evidence]
    if result.check_id in report.playbook:
        spec = report.playbook.check(result.check_id)
        lines += ["", f"Why it matters: {spec.why}", f"Fix: {spec.fix}"]
    return _block("\n".join(lines))

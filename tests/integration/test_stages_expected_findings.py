"""The whole of stages 1-3 against the demo and clean worlds: exactly the expert's findings.

Each check module's tests compare its own findings with the world's ``[[expected]]`` tables;
this test runs every registered check of the first three stages together, as ``launch-tui
check --stage`` does, so a finding that no module test claims (a new check, a world edit that
trips another check) cannot slip in, and none of the expected ones can go missing.
"""

from __future__ import annotations

from check_runs import run_checks, select
from sandbox_fixtures import WorldProcess

from launch_tui.checks import default_registry
from launch_tui.core.model import CheckResult, Session, Severity, Status

STAGES = frozenset({"audit", "request-path", "delivery"})
pytest_plugins = ["sandbox_fixtures"]

FINDINGS = (Status.WARN, Status.FAIL, Status.ERROR)
Found = dict[tuple[str, str], tuple[Status, Severity]]


async def run_stages(session: Session) -> list[CheckResult]:
    done = await run_checks(session, select(stages=STAGES))
    assert not done.finished.cancelled and not done.finished.timed_out
    return list(done.results)


def findings(results: list[CheckResult]) -> Found:
    """(check, target) -> (status, severity) of every finding; audit.stack per component."""
    found: Found = {}
    for r in results:
        if r.check_id == "audit.stack":
            for component, entry in r.evidence.items():
                if isinstance(entry, dict) and entry.get("status") in FINDINGS:
                    found[(r.check_id, component)] = (Status(str(entry["status"])), r.severity)
        elif r.status in FINDINGS:
            found[r.key] = (r.status, r.severity)
    return found


async def test_demo_world_gives_exactly_the_expected_findings(
    demo_world_process: WorldProcess,
) -> None:
    registry = default_registry()
    ours = {c.id for c in registry if c.stage in STAGES}
    results = await run_stages(demo_world_process.session)
    assert {r.check_id for r in results} == ours, "every check of stages 1-3 ran"
    assert all(r.evidence for r in results if r.status is not Status.SKIPPED), [
        r.key for r in results if not r.evidence and r.status is not Status.SKIPPED
    ]
    # A session-wide check reports on target ""; the world names what it is about (the apex).
    # audit.stack is compared per component, which its expected entries name.
    whole = {c.id for c in registry if c.applies_to == "session"} - {"audit.stack"}
    expected = {
        (e.check, "" if e.check in whole else e.target): (e.status, e.severity)
        for e in demo_world_process.world.expected
        if e.check in ours
    }
    found = findings(results)
    missing = sorted(set(expected) - set(found))
    extra = sorted((key, found[key]) for key in set(found) - set(expected))
    assert not missing and not extra, f"missing: {missing}\nnot expected: {extra}"
    wrong = {k: (found[k], v) for k, v in expected.items() if found[k][0] is not v[0]}
    assert not wrong, f"status differs (found, expected): {wrong}"


async def test_clean_world_is_silent(clean_world_process: WorldProcess) -> None:
    results = await run_stages(clean_world_process.session)
    assert results
    loud = findings(results)
    assert not loud, f"the clean world should give no warn, fail or error: {loud}"

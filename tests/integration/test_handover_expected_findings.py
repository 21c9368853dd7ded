"""Stage 7's measured checks against the demo and clean worlds: exactly the expert's findings.

The handover checks judge the session, not the network, but they read what stage 1 measured:
the detected stack (``audit.stack``) and the domain's registry expiry (``domain.expiry``). So,
as an engineer would, this runs those first, keeps their results in the session, then runs the
handover stage. Each handover result names its findings per service (or per domain) in its
evidence, and those are compared with the world's ``[[expected]]`` entries one by one.
"""

from __future__ import annotations

from check_runs import run_checks, select

from launch_tui.checks import default_registry
from launch_tui.checks.engine.services import open_check_services
from launch_tui.cli.cmd_sandbox import sandbox_session
from launch_tui.core.model import CheckResult, Session, Severity, Status
from launch_tui.sandbox import RunningWorld

pytest_plugins = ["sandbox_fixtures"]

STAGE_ONE = frozenset({"audit.stack", "domain.expiry"})
FINDINGS = (Status.WARN, Status.FAIL, Status.ERROR)
Found = dict[tuple[str, str], tuple[Status, Severity]]


async def run_handover(session: Session) -> Session:
    async with open_check_services(session.network) as services:
        session = (await run_checks(session, select(*STAGE_ONE), services=services)).session
        return (await run_checks(session, select(stages={"handover"}), services=services)).session


# The handover's own fields (env changes, rollback, support...) are written by the engineer in
# the session, not declared by a world; only the measured checks have planted findings.
MEASURED = frozenset({"handover.access_map", "handover.renewals"})


def handover_results(session: Session) -> list[CheckResult]:
    assert {c.id for c in default_registry() if c.stage == "handover"} >= MEASURED
    return [r for r in session.results if r.check_id in MEASURED]


def findings(results: list[CheckResult]) -> Found:
    """(check, target) -> the worst (status, severity) the evidence names for that target."""
    found: Found = {}
    for result in results:
        entries = result.evidence.get("findings")
        assert isinstance(entries, list), result.key
        for entry in entries:
            assert isinstance(entry, dict)
            status = Status(str(entry["status"]))
            severity = Severity(str(entry["severity"]))
            if status not in FINDINGS:
                continue
            key = (result.check_id, str(entry["target"]))
            old = found.get(key)
            if old is None or (status.rank, severity.rank) < (old[0].rank, old[1].rank):
                found[key] = (status, severity)
    return found


async def test_demo_world_gives_exactly_the_planted_handover_gaps(
    demo_world: RunningWorld,
) -> None:
    session = await run_handover(sandbox_session(demo_world))
    results = handover_results(session)
    assert {r.check_id for r in results} == {"handover.access_map", "handover.renewals"}
    expected = {
        (e.check, e.target): (e.status, e.severity)
        for e in demo_world.world.expected
        if e.check.startswith("handover.")
    }
    found = findings(results)
    assert found == expected
    # The planted kinds of gap, in the words a reader sees.
    access = session.result("handover.access_map")
    assert access is not None and access.status is Status.FAIL
    assert "Vercel: hosting owned by contractor Jonas Weber, no client admin" in access.summary
    assert "Namewise: domain registrar owned by contractor Jonas Weber" in access.summary
    assert "Pingwise: owner on a personal mailbox (gmail.com)" in access.summary
    assert "DigitalOcean: one client admin" in access.summary
    fixers = {
        (f["target"], f["fix_by"])
        for f in access.evidence["findings"]  # type: ignore[union-attr]
        if isinstance(f, dict)
    }
    assert ("Namewise", "Maya Okafor with Jonas Weber") in fixers
    assert ("DigitalOcean", "Priya Raman") in fixers
    renewals = session.result("handover.renewals")
    assert renewals is not None
    assert renewals.summary.startswith("Monthly total USD 107.25, EUR 9.00")
    assert renewals.evidence["monthly_totals"] == {"USD": "107.25", "EUR": "9.00"}
    assert "the domain expires in 24 days" in renewals.summary


async def test_clean_world_hands_over_without_gaps(clean_world: RunningWorld) -> None:
    session = await run_handover(sandbox_session(clean_world))
    results = handover_results(session)
    assert [r.status for r in results] == [Status.PASS, Status.PASS], [r.summary for r in results]
    assert findings(results) == {}

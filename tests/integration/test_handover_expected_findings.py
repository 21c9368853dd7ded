"""Stage 7's checks against the demo and clean worlds: exactly the expert's findings.

The access map reads what stage 1 detected (``audit.stack``), so, as an engineer would, this
runs stage 1 first, keeps its results in the session, then runs the handover stage. The domain's
expiry is not among what it needs: ``handover.renewals`` asks the registry in its own run (the
run's one RDAP query, shared with ``domain.expiry``). The handover's own fields (env changes,
rollback, support, limitations, next steps) are declared by each world's ``[handover]`` table.
Each handover result names its findings per target in its evidence, and those are compared with
the world's ``[[expected]]`` entries one by one.
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


HANDOVER = frozenset(c.id for c in default_registry() if c.stage == "handover")


def handover_results(session: Session) -> list[CheckResult]:
    return sorted((r for r in session.results if r.check_id in HANDOVER), key=lambda r: r.key)


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
    assert {r.check_id for r in results} == HANDOVER
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

    support = session.result("handover.support_paths")
    assert support is not None and (support.status, support.severity) == (
        Status.FAIL,
        Severity.MEDIUM,
    )
    assert "the incident path has no channel" in support.summary
    limitations = session.result("handover.limitations")
    assert limitations is not None
    assert "The whole API runs on one DigitalOcean droplet: no risk written" in limitations.summary


async def test_clean_world_hands_over_without_gaps(clean_world: RunningWorld) -> None:
    session = await run_handover(sandbox_session(clean_world))
    results = handover_results(session)
    assert {r.check_id for r in results} == HANDOVER
    # The one thing a headless run cannot do is the rollback drill: stage 5's manual step, done
    # in the app by rolling a release back. Complete notes without it are a warning, no more.
    assert findings(results) == {("handover.rollback_notes", "drill"): (Status.WARN, Severity.LOW)}
    loud = [r.summary for r in results if r.status is not Status.PASS]
    assert loud == [
        "drill: not run yet: no rollback drill recorded in stage 5 (deploy.rollback_drill) "
        "to back the notes"
    ]


async def test_the_handover_stage_alone_reads_the_domain_expiry_itself(
    demo_world: RunningWorld,
) -> None:
    """No earlier run: renewals asks the registry, once per run even with domain.expiry."""
    session = sandbox_session(demo_world)
    assert session.result("domain.expiry") is None

    def rdap_queries() -> int:
        rdap = demo_world.world.rdap
        assert rdap is not None
        return sum(1 for r in demo_world.served() if r.host == rdap.host)

    async with open_check_services(session.network) as services:
        alone = await run_checks(session, select("handover.renewals"), services=services)
        assert rdap_queries() == 1
        both = await run_checks(
            session, select("handover.renewals", "domain.expiry"), services=services
        )
    assert rdap_queries() == 2, "domain.expiry and handover.renewals share one query per run"
    for done in (alone, both):
        renewals = done.session.result("handover.renewals")
        assert renewals is not None and renewals.status is Status.FAIL
        assert "brightlane.test: the domain expires in 24 days" in renewals.summary
        row = next(
            r
            for r in renewals.evidence["renewals"]  # type: ignore[union-attr]
            if isinstance(r, dict) and r["kind"] == "domain"
        )
        assert row["source"] == "rdap"
    expiry = both.session.result("domain.expiry")
    assert expiry is not None and "expires in 24 days" in expiry.summary

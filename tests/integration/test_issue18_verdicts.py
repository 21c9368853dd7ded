"""Verdicts that were wrong on real servers, each reproduced by a sandbox behaviour.

* the hostile world: a gzip bomb weighed as a light page; a homepage that loads http:// scripts
  never looked at because no route declared it; a server that read the request and never
  answered reported as "stopped while sending the request";
* the clean world: an admin route answering 401 (no ``expect_status`` declared) reported as a
  latency error, and an edge that closes kept-alive connections after three requests reported
  as failed requests. The clean world exits 0.
"""

from __future__ import annotations

from dataclasses import replace

from launch_tui.checks import RunEvent, RunFinished, Selection
from launch_tui.checks.engine.services import open_check_services
from launch_tui.checks.engine.session_run import run_session_checks
from launch_tui.cli.cmd_sandbox import sandbox_session
from launch_tui.core.model import CheckResult, SamplingSettings, Session, Status
from launch_tui.sandbox import RunningWorld

pytest_plugins = ["sandbox_fixtures"]

ISSUE_CHECKS = frozenset({"perf.page_weight", "http.mixed_content", "perf.first_response"})


async def run(session: Session, selection: Selection) -> dict[tuple[str, str], CheckResult]:
    events: list[RunEvent] = []
    async with open_check_services(session.network) as services:
        await run_session_checks(session, selection, services, on_event=events.append)
    finished = events[-1]
    assert isinstance(finished, RunFinished) and not finished.timed_out
    return {r.key: r for r in finished.results}


async def test_the_hostile_world_gives_the_expected_verdicts(hostile_world: RunningWorld) -> None:
    expected = {
        (e.check, e.target): e
        for e in hostile_world.world.expected
        if e.check in ISSUE_CHECKS and e.target in {"bomb", "hang", "https://www.hostile.test/"}
    }
    assert len(expected) == 3
    targets = frozenset(target for _, target in expected)
    results = await run(
        # The bomb (1 GiB inflated) takes the server a moment to build on a busy machine.
        sandbox_session(hostile_world, timeout=8.0),
        Selection(check_ids=ISSUE_CHECKS, targets=targets),
    )
    for key, finding in expected.items():
        result = results[key]
        assert (result.status, result.severity) == (finding.status, finding.severity), (
            key,
            result.summary,
        )
    bomb = results["perf.page_weight", "bomb"]
    assert bomb.summary.startswith("Gzip body inflates past the 10 MiB decoding cap")
    assert "decompression bomb" in bomb.summary
    assert isinstance(bomb.evidence["compression_ratio"], int)
    assert bomb.evidence["compression_ratio"] > 500
    assert bomb.evidence["decoded_cap_bytes"] == 10 * 1024 * 1024
    home = results["http.mixed_content", "https://www.hostile.test/"]
    assert "http://www.hostile.test/app.js" in str(home.evidence["insecure"])
    hang = results["perf.first_response", "hang"]
    assert "sending the request" not in hang.summary
    assert "waiting for an answer (the request was sent" in hang.summary
    # Declared routes are not scanned twice as pages.
    assert not any(target.startswith("https://www.hostile.test/ok") for _, target in results)


async def test_the_clean_world_is_silent_with_its_admin_protected_and_its_edge_closing(
    clean_world: RunningWorld,
) -> None:
    session = sandbox_session(clean_world)
    admin = session.route("admin")
    assert admin is not None and admin.expect_status == 200  # nothing declared: the default
    results = await run(session, Selection(targets=frozenset({"admin", "feed"})))
    loud = {k: (r.status, r.summary) for k, r in results.items() if r.status is not Status.PASS}
    assert not {k: v for k, v in loud.items() if v[0] is not Status.SKIPPED}, loud
    latency = results["perf.latency", "admin"]
    assert "answers 401, as a protected route should" in latency.summary
    feed = results["perf.latency", "feed"]
    assert feed.evidence["errors"] == 0
    assert isinstance(feed.evidence["reconnects"], int) and feed.evidence["reconnects"] >= 5
    assert "left out of the timings" in feed.summary


async def test_the_sessions_sampling_settings_drive_the_sampler(clean_world: RunningWorld) -> None:
    session = replace(
        sandbox_session(clean_world), sampling=SamplingSettings(requests=7, concurrency=2)
    )
    results = await run(
        session, Selection(check_ids=frozenset({"perf.latency"}), targets=frozenset({"health"}))
    )
    evidence = results["perf.latency", "health"].evidence
    # Late answers (a loaded machine) are retaken: one more request each, at most half the plan.
    retaken = evidence["retaken"]
    assert isinstance(retaken, int) and 0 <= retaken <= 3
    assert (evidence["sent"], evidence["concurrency"]) == (7 + retaken, 2)

"""SPF on hostile DNS: each case of the hostile world gets a correct, clear verdict from
``email.spf`` within its deadline (include loop, exactly 10 vs 11 lookups, 2 vs 3 void
lookups, an include into a CNAME loop, escape sequences and markup in the record), and a
50 KB record is read over TCP and evaluated."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from launch_tui.checks import Selection
from launch_tui.checks.engine.services import open_check_services
from launch_tui.checks.engine.session_run import run_session_checks
from launch_tui.cli.cmd_sandbox import sandbox_session
from launch_tui.core.model import CheckResult, Session, Status
from launch_tui.sandbox import RunningWorld, parse_world, start_world

pytest_plugins = ["sandbox_fixtures"]


async def spf_for(session: Session, apex: str) -> tuple[CheckResult, float]:
    session = replace(session, targets=replace(session.targets, apex=apex))
    started = time.monotonic()
    async with open_check_services(session.network) as services:
        done = await run_session_checks(
            session, Selection(check_ids=frozenset({"email.spf"})), services
        )
    result = done.result("email.spf")
    assert result is not None
    return result, time.monotonic() - started


CASES = [
    # apex, status, words the summary must hold, lookups, over_limit
    ("hostile.test", Status.FAIL, "+all lets any server", 0, ""),
    ("spf-loop.hostile.test", Status.FAIL, "include loop", 1, "include:spf-loop.hostile.test"),
    ("spf-ten.hostile.test", Status.WARN, "10 of 10 DNS lookups used", 10, ""),
    ("spf-many.hostile.test", Status.FAIL, "include:s11.hostile.test is number 11", 11, ""),
    ("spf-void-two.hostile.test", Status.PASS, "One valid SPF record", 2, ""),
    ("spf-void.hostile.test", Status.FAIL, "a:nx3.hostile.test was number 3", 3, ""),
    ("spf-cname.hostile.test", Status.ERROR, "CNAME chain of loop1.hostile.test", 1, ""),
    ("evil.hostile.test", Status.FAIL, "U+001B is not allowed", 0, ""),
]


@pytest.mark.parametrize(("apex", "status", "words", "lookups", "over"), CASES)
async def test_each_hostile_record_gets_a_clear_verdict(
    hostile_world: RunningWorld, apex: str, status: Status, words: str, lookups: int, over: str
) -> None:
    session = sandbox_session(hostile_world)
    result, took = await spf_for(session, apex)
    assert result.status is status, result.summary
    assert words in result.summary
    assert result.evidence["lookups"] == lookups
    if over:
        assert result.evidence["over_limit"] == over
    assert took < session.network.timeout, "within the network deadline"
    # Escape sequences never reach evidence or summary; markup stays text.
    assert "\x1b" not in repr(result)


async def test_a_50_kb_record_is_read_over_tcp_and_evaluated() -> None:
    terms = " ".join(f"ip4:10.{n // 250}.{n % 250}.7" for n in range(3400))
    record = f"v=spf1 {terms} -all"
    assert len(record) > 50_000
    world = f"""
name = "huge"
[sprint]
id = "huge"
client = "Huge Ltd"
product = "Shop"
[targets]
apex = "huge.test"
[[hosts]]
name = "huge.test"
role = "apex"
tls = "none"
[[dns.zones]]
origin = "huge.test"
records = [["@", "NS", "ns1.huge.test."], ["ns1", "A", "127.0.0.1"], ["@", "TXT", "{record}"]]
"""
    async with start_world(parse_world(world)) as running:
        session = sandbox_session(running)
        result, took = await spf_for(session, "huge.test")
        transports = {
            q.transport for q in running.dns_queries() if q.name.rstrip(".") == "huge.test"
        }
    assert result.status is Status.PASS, result.summary
    assert result.evidence["result_for_unlisted_ip"] == "fail"
    assert len(str(result.evidence["record"])) <= 5000, "evidence keeps a bounded copy"
    assert "tcp" in transports, "the answer is too big for UDP"
    assert took < session.network.timeout

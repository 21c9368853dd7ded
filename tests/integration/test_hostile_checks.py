"""Checks against servers and zones that misbehave on purpose: each gets a clear result, in time.

For every hostile behaviour of the sandbox: the check returns within its deadline (±10 %), memory
stays bounded (body cap plus a few MB), the result names what happened, and nothing a server sent
reaches the terminal as a control character — in text or JSON output.

The HTTP behaviours (drips, huge bodies, gzip bombs, header floods, hangs, redirect loops,
escape sequences) are exercised through a probe check defined here, which fetches each route with
the services a real run builds and deliberately copies what the server sent, unsanitized, into
its summary and evidence: the output layer must make it safe. The HTTP checks of later issues
replace the probe.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import tracemalloc
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from check_runs import run_checks, select

from launch_tui.checks import CheckContext, Registry
from launch_tui.cli.check_output import build_check_report, render_json, render_text
from launch_tui.cli.cmd_sandbox import sandbox_session
from launch_tui.core.model import CheckResult, Host, JSONValue, Session, Severity, Status
from launch_tui.core.playbook import AppliesTo, builtin_playbook
from launch_tui.net.settings import MIB, NetLimits
from launch_tui.sandbox import RunningWorld
from launch_tui.sandbox.behaviours import gzip_bomb

pytest_plugins = ["sandbox_fixtures"]

#: The network deadline of every run here, in seconds.
DEADLINE = 1.0
#: Any character a terminal could act on: C0 but newline, DEL, C1, bidi controls.
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f]")

PROBES = Registry()


@PROBES.register(
    "probe.fetch",
    stage="audit",
    title="The route answers",
    severity=Severity.HIGH,
    applies_to=AppliesTo.ROUTE,
)
async def probe(ctx: CheckContext) -> CheckResult:
    """Fetch the route; put what the server sent, raw, into the result."""
    assert ctx.route is not None and ctx.services.http is not None
    fetched = await ctx.services.http.fetch(ctx.route.url, ctx.route.method)
    headers: dict[str, JSONValue] = dict(fetched.headers[:40])
    evidence: dict[str, JSONValue] = {"headers": headers, "body_bytes": len(fetched.body)}
    if fetched.failure is not None:
        evidence["failure"] = fetched.failure.kind.value
        evidence["phase"] = fetched.failure.phase.value
        return ctx.result(Status.ERROR, fetched.failure.message, evidence=evidence)
    hostile = " ".join(v for k, v in fetched.headers if k.lower().startswith("x-hostile"))
    return ctx.result(Status.PASS, f"{fetched.status} {hostile}".strip(), evidence=evidence)


def hostile_session(running: RunningWorld, *extra_hosts: str) -> Session:
    session = sandbox_session(running, timeout=DEADLINE)
    hosts = session.targets.hosts + tuple(Host(name=n) for n in extra_hosts)
    return replace(session, targets=replace(session.targets, hosts=hosts))


async def run(
    session: Session,
    check_id: str,
    targets: set[str] | None = None,
    registry: Registry | None = None,
) -> dict[str, CheckResult]:
    done = await run_checks(session, select(check_id, targets=targets), registry=registry)
    return {r.target: r for r in done.results}


def assert_within_deadline(result: CheckResult, *, hits_it: bool) -> None:
    """Never past the deadline by more than 10 %; at it (±10 %) when the server stalls."""
    seconds = result.duration_ms / 1000
    assert seconds <= DEADLINE * 1.1, (result.target, seconds)
    if hits_it:
        assert seconds >= DEADLINE * 0.9, (result.target, seconds)


def assert_safe_output(session: Session, results: dict[str, CheckResult]) -> None:
    report = build_check_report(
        session,
        results.values(),
        builtin_playbook(),
        fail_on=Severity.HIGH,
        path=Path("hostile.toml"),
        stages={"probe.fetch": "audit"},
    )
    for text in (render_text(report), render_json(report)):
        found = CONTROL.findall(text)
        assert not found, found[:5]
    assert render_json(report).isascii()


# --- DNS ---------------------------------------------------------------------------------------


async def test_broken_dns_gets_a_clear_result_each(hostile_world: RunningWorld) -> None:
    session = hostile_session(
        hostile_world,
        "broken.hostile.test",
        "blackhole.hostile.test",
        "big.hostile.test",
        "nothing.hostile.test",
        "elsewhere.example",
    )
    results = await run(session, "dns.records")

    def outcome(target: str) -> tuple[Status, JSONValue]:
        return results[target].status, results[target].evidence.get("failure")

    assert outcome("loop1.hostile.test") == (Status.FAIL, "loop")
    assert results["loop1.hostile.test"].summary == (
        "CNAME loop: loop1.hostile.test → loop2.hostile.test → loop1.hostile.test; "
        "the name never resolves"
    )
    assert outcome("loop2.hostile.test") == (Status.FAIL, "loop")
    assert outcome("dangling.hostile.test") == (Status.FAIL, "dangling-cname")
    assert results["dangling.hostile.test"].summary.startswith(
        "Dangling CNAME to gone.hostile.test (NXDOMAIN)"
    )
    assert outcome("broken.hostile.test") == (Status.ERROR, "servfail")
    assert "(SERVFAIL)" in results["broken.hostile.test"].summary
    assert outcome("blackhole.hostile.test") == (Status.ERROR, "timeout")
    assert "within 1 second" in results["blackhole.hostile.test"].summary
    assert outcome("elsewhere.example") == (Status.ERROR, "refused")
    assert outcome("nothing.hostile.test") == (Status.FAIL, "nxdomain")
    assert outcome("big.hostile.test") == (Status.FAIL, "nodata")
    assert results["big.hostile.test"].summary.endswith(
        "has no A or AAAA records: nothing to connect to"
    )

    for result in results.values():
        assert_within_deadline(result, hits_it=result.target == "blackhole.hostile.test")
    # The world's own expectations for this check.
    for finding in hostile_world.world.expected:
        if finding.check == "dns.records":
            result = results[finding.target]
            assert (result.status, result.severity) == (finding.status, finding.severity)
    assert_safe_output(session, results)


# --- TLS ---------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def tcp_server(behaviour: str) -> AsyncIterator[int]:
    """A loopback TCP server that misbehaves: ``hang`` (accepts, never speaks) or ``garbage``."""
    writers: list[asyncio.StreamWriter] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        if behaviour == "garbage":
            await reader.read(100)
            writer.write(b"\x1b]0;pwned\x07\x1b[2J[@click=app.quit] hello\r\n")
            await writer.drain()
            writer.close()
            return
        with contextlib.suppress(ConnectionError):
            await reader.read()  # until the client gives up

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        for writer in writers:
            writer.transport.abort()
        await server.wait_closed()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_tls_endpoints_that_hang_refuse_or_speak_garbage(
    hostile_world: RunningWorld,
) -> None:
    async with tcp_server("hang") as hang_port, tcp_server("garbage") as garbage_port:
        session = hostile_session(
            hostile_world, "hang.hostile.test", "refused.hostile.test", "garbage.hostile.test"
        )
        resolve = (
            f"hang.hostile.test=127.0.0.1:{hang_port}",
            f"refused.hostile.test=127.0.0.1:{closed_port()}",
            f"garbage.hostile.test=127.0.0.1:{garbage_port}",
        )
        network = replace(session.network, resolve=session.network.resolve + resolve)
        session = replace(session, network=network)
        results = await run(session, "tls.certificate")

    hang = results["hang.hostile.test"]
    assert (hang.status, hang.evidence["failure"]) == (Status.ERROR, "deadline")
    assert hang.summary.startswith("Could not check: No TLS handshake with hang.hostile.test")
    assert hang.summary.endswith("within 1 second")
    assert_within_deadline(hang, hits_it=True)

    refused = results["refused.hostile.test"]
    assert refused.status is Status.SKIPPED
    assert refused.summary.startswith("No HTTPS listener: 127.0.0.1:")
    assert refused.evidence["failure"] == "connect_refused"

    garbage = results["garbage.hostile.test"]
    assert garbage.status is Status.SKIPPED
    assert garbage.summary.endswith("answers, but not with TLS (plain HTTP?)")
    assert garbage.evidence["failure"] == "tls"

    # Names without an address are left to dns.records.
    for name in ("loop1.hostile.test", "dangling.hostile.test"):
        assert results[name].status is Status.SKIPPED
        assert "dns.records reports it" in results[name].summary
    assert results["www.hostile.test"].status is Status.PASS
    for result in results.values():
        assert_within_deadline(result, hits_it=result.target == "hang.hostile.test")
    assert_safe_output(session, results)


# --- HTTP through the probe ----------------------------------------------------------------------

STALLS = {
    "drip": "deadline",
    "drip-headers": "deadline",
    "drip-body": "deadline",
    "hang": "deadline",
}
QUICK = {
    "loop": "redirect_loop",
    "cross-host-loop": "redirect_loop",
    "headers": "headers_too_large",
}


async def test_stalling_servers_are_cut_off_at_the_deadline(hostile_world: RunningWorld) -> None:
    session = hostile_session(hostile_world)
    results = await run(session, "probe.fetch", set(STALLS) | set(QUICK), PROBES)
    for route, kind in (STALLS | QUICK).items():
        result = results[route]
        assert (result.status, result.evidence["failure"]) == (Status.ERROR, kind), result
        assert_within_deadline(result, hits_it=route in STALLS)
    assert "1 second" in results["drip"].summary
    assert "redirect" in results["loop"].summary.lower()
    assert_safe_output(session, results)


@pytest.mark.parametrize(
    ("route", "failure", "most_bytes"),
    [("huge", "body_too_large", NetLimits().max_body_bytes), ("bomb", None, 2 * MIB)],
)
async def test_huge_bodies_and_bombs_keep_memory_bounded(
    hostile_world: RunningWorld, route: str, failure: str | None, most_bytes: int
) -> None:
    session = hostile_session(hostile_world)
    # The sandbox builds its bomb once per process (a CRC over 1 GiB); that is the server's
    # time, not the client's, so it is not on the clock here.
    await gzip_bomb(1024 * MIB)
    tracemalloc.start()
    try:
        results = await run(session, "probe.fetch", {route}, PROBES)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    result = results[route]
    assert result.evidence.get("failure") == failure
    body = result.evidence["body_bytes"]
    assert isinstance(body, int) and 0 < body <= most_bytes
    limit = NetLimits().max_body_bytes + 4 * MIB
    print(f"{route}: {body} body bytes kept, peak traced memory {peak / MIB:.1f} MiB")
    assert peak < limit, f"{route}: peak {peak / MIB:.1f} MiB"
    assert_within_deadline(result, hits_it=False)


async def test_escape_sequences_from_a_server_never_reach_the_terminal(
    hostile_world: RunningWorld,
) -> None:
    session = hostile_session(hostile_world)
    results = await run(session, "probe.fetch", {"escape", "ok"}, PROBES)
    escape = results["escape"]
    # The probe kept the raw values, escape sequences and all...
    assert "\x1b]0;pwned\x07" in escape.summary
    assert any("\x1b" in str(v) for v in escape.evidence["headers"].values())  # type: ignore[union-attr]
    # ...and neither output format lets them through.
    assert_safe_output(session, results)
    report = build_check_report(
        session,
        results.values(),
        builtin_playbook(),
        fail_on=Severity.HIGH,
        path=Path("x.toml"),
        stages={"probe.fetch": "audit"},
    )
    text = render_text(report)
    assert "␛]0;pwned␇" in text  # visible, as control pictures
    assert "\\u001b]0;pwned\\u0007" in render_json(report)  # escaped, data intact

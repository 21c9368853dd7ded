"""The deploy family against the demo and clean worlds, and ``watch-deploy`` catching a bad deploy.

Each check's findings on the demo are exactly the world's ``[[expected]]`` entries for it; the
clean world is silent. Deploys go through the running world's :class:`Deployments` (the same
state the admin port changes).
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from check_reports import Cli, write
from check_runs import run_checks, select

from launch_tui.checks import Registry
from launch_tui.checks.deploy import build_output, env_diff, env_separation, health, migrations
from launch_tui.cli.cmd_sandbox import sandbox_session
from launch_tui.cli.exit_codes import Exit
from launch_tui.core.model import Action, CheckResult, Decision, Route, Session, Status
from launch_tui.sandbox import RunningWorld
from launch_tui.sandbox.deploys import BadRollout

pytest_plugins = ["sandbox_fixtures"]

FAMILY = (env_diff, env_separation, health, migrations, build_output)
FINDINGS = (Status.WARN, Status.FAIL, Status.ERROR)


def registry() -> Registry:
    reg = Registry()
    for module in FAMILY:
        reg.extend(module.CHECKS.all())
    return reg


async def run(session: Session) -> list[CheckResult]:
    done = await run_checks(session, select(), registry=registry())
    assert not done.finished.timed_out
    return list(done.results)


async def test_demo_gives_exactly_the_expected_deploy_findings(demo_world: RunningWorld) -> None:
    results = await run(sandbox_session(demo_world))
    ours = set(registry().ids())
    session_wide = {
        "deploy.env_diff",
        "deploy.env_separation",
        "deploy.migrations",
        "deploy.build_output",
    }
    expected = {
        (e.check, "" if e.check in session_wide else e.target): e.status
        for e in demo_world.world.expected
        if e.check in ours
    }
    found = {r.key: r.status for r in results if r.status in FINDINGS}
    assert found == expected
    by_id = {r.check_id: r for r in results}
    diff = by_id["deploy.env_diff"]
    keys = {d["key"] for d in diff.evidence["differences"]}  # type: ignore[union-attr,index]
    assert {
        "staging.brightlane.test:version",
        "staging.brightlane.test:header:server",
        "staging.brightlane.test:header:x-debug",
        "staging.brightlane.test:tls",
        "env:DEBUG",
        "env:STRIPE_WEBHOOK_SECRET",
    } <= keys
    names = diff.evidence["env"]["names"]  # type: ignore[index,call-overload]
    assert "DEBUG" in names["staging"] and "DEBUG" not in names["production"]
    assert "version 1.9.0-rc.2 vs 1.8.2" in diff.summary
    build = by_id["deploy.build_output"]
    kinds = {(f["kind"], f["path"]) for f in build.evidence["findings"]}  # type: ignore[union-attr,index]
    app = ".next/static/chunks/pages/_app-8d2e61b0c4a7f315.js"
    assert {("secret", app), ("source-map", app + ".map"), ("debug-flag", app)} <= kinds
    assert "sandbox-fake-pw" not in repr(build.evidence), "secret values never reach evidence"
    apart = by_id["deploy.env_separation"]
    assert apart.status is Status.PASS, apart.summary
    assert apart.summary.startswith("Staging runs on its own host (staging.brightlane.test)")
    assert "production defines its own variables (render.yaml (brightlane-admin))" in apart.summary


async def test_every_route_of_every_pair_is_asked_at_once(
    demo_world: RunningWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One pair after another, a client with many staging hosts ran out of the check's time
    # before the last ones were asked ("No answer within 0.10 seconds" at 8x the demo).
    in_flight = 0
    most = 0
    real_fetch = env_diff.env_diff.__globals__["fetch_https"]

    async def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        try:
            return await real_fetch(*args, **kwargs)
        finally:
            in_flight -= 1

    monkeypatch.setitem(env_diff.env_diff.__globals__, "fetch_https", counted)
    session = sandbox_session(demo_world)
    # The staging host's home page too, beside its health route: two routes to compare.
    home = Route("staging-home", "https://staging.brightlane.test/")
    session = replace(
        session, targets=replace(session.targets, routes=(*session.targets.routes, home))
    )
    routes = sum(len(pair.routes) for pair in env_diff.environment_pairs(session))
    assert routes >= 2
    results = await run(session)
    diff = next(r for r in results if r.check_id == "deploy.env_diff")
    assert len(diff.evidence["compared"]) == routes  # type: ignore[arg-type]
    assert most == 2 * routes  # both ends of every route, all at once


async def test_clean_world_is_silent(clean_world: RunningWorld) -> None:
    results = await run(sandbox_session(clean_world))
    assert {r.check_id for r in results} == set(registry().ids())
    assert not [(r.key, r.summary) for r in results if r.status in FINDINGS]
    apart = next(r for r in results if r.check_id == "deploy.env_separation")
    assert apart.status is Status.PASS, "measured, not skipped: the readiness item is decided"


async def test_differences_marked_expected_pass_and_a_bad_deploy_fails_health(
    demo_world: RunningWorld,
) -> None:
    session = sandbox_session(demo_world)
    first = await run(session)
    diff = next(r for r in first if r.check_id == "deploy.env_diff")
    keys = [d["key"] for d in diff.evidence["differences"]]  # type: ignore[union-attr,index]
    marked = tuple(
        Decision(
            id=f"d{i}",
            stage="deploy",
            action=Action.ACCEPT_RISK,
            text="staging runs the next release",
            check_id="deploy.env_diff",
            target=str(key),
            owner="sam",
            decided_at=datetime.now(UTC),
        )
        for i, key in enumerate(keys)
    )
    decided = replace(session, decisions=marked)
    again = {r.key: r for r in await run(decided)}
    assert again[("deploy.env_diff", "")].status is Status.PASS
    assert "all marked expected" in again[("deploy.env_diff", "")].summary

    demo_world.deploys.deploy("api.brightlane.test", "1.9.0", BadRollout(unhealthy_s=math.inf))
    after = {r.key: r for r in await run(decided)}
    bad = after[("deploy.health", "health")]
    assert bad.status is Status.FAIL and "answers 503, not 200" in bad.summary
    # Production now answers differently from staging: a new difference, not marked expected.
    diff_after = after[("deploy.env_diff", "")]
    assert (diff_after.status, diff_after.severity) == (Status.WARN, "medium")
    assert "health answers 200 vs 503" in diff_after.summary


def test_watch_deploy_catches_a_bad_deploy_and_times_a_good_one(
    demo_world_thread: RunningWorld, tmp_path: Path
) -> None:
    path = write(tmp_path / "demo.toml", sandbox_session(demo_world_thread))
    cli = Cli(tmp_path)
    deploys = demo_world_thread.deploys
    deploys.deploy("api.brightlane.test", "1.9.0", BadRollout(unhealthy_s=math.inf))
    code = cli("watch-deploy", str(path), "--timeout", "1.2", "--interval", "0.2")
    assert code == Exit.FINDINGS, cli.err
    assert "Not healthy after" in cli.out and "answers 503, not 200" in cli.out
    assert cli.out.count(" 503  failing") >= 2

    deployed = time.monotonic()
    deploys.deploy("api.brightlane.test", "1.9.1", BadRollout(unhealthy_s=0.5, lag_s=1.5))
    code = cli(
        "watch-deploy", str(path), "--timeout", "10", "--interval", "0.1", "--version", "1.9.1"
    )
    whole = time.monotonic() - deployed
    assert code == Exit.OK, cli.out + cli.err
    last = cli.out.strip().splitlines()[-1]
    assert last.startswith("Healthy after") and "running 1.9.1" in last
    seconds = float(last.split("after ")[1].split(" s")[0])
    # The new version shows 1.5 s after the deploy. The watch times from its own start, which
    # a busy machine delays by a few tenths: its figure is the lag less that start-up.
    started_after = whole - seconds
    assert seconds < 10 and started_after < 0.5, (seconds, whole)
    assert seconds + started_after >= 1.5, "healthy only once the lagging version caught up"
    assert "healthy: healthy (200)  [1.9.0]" in cli.out, "healthy on the old release first"


def test_watch_deploy_says_what_is_wrong_with_its_input(
    demo_world_thread: RunningWorld, tmp_path: Path
) -> None:
    session = sandbox_session(demo_world_thread)
    no_health = replace(
        session,
        targets=replace(
            session.targets, routes=tuple(r for r in session.targets.routes if r.kind != "health")
        ),
    )
    path = write(tmp_path / "nohealth.toml", no_health)
    cli = Cli(tmp_path)
    assert cli("watch-deploy", str(path)) == Exit.USAGE
    assert "no health route to watch" in cli.err and "Traceback" not in cli.err
    path = write(tmp_path / "demo.toml", session)
    assert cli("watch-deploy", str(path), "--route", "nope") == Exit.USAGE
    assert "no route 'nope'" in cli.err
    assert cli("watch-deploy", str(path), "--timeout", "0") == Exit.USAGE


async def test_the_session_dry_run_is_run_and_recorded(demo_world: RunningWorld) -> None:
    session = sandbox_session(demo_world)

    def with_dry_run(command: str) -> Session:
        return replace(session, targets=replace(session.targets, migration_dry_run=command))

    passing = {r.check_id: r for r in await run(with_dry_run("ls migrations | wc -l"))}
    migrations_result = passing["deploy.migrations"]
    assert migrations_result.status is Status.FAIL, "the missing down step still fails"
    dry = migrations_result.evidence["dry_run"]
    assert dry["exit_code"] == 0 and dry["output_tail"] == ["2"]  # type: ignore[index,call-overload]
    failing = {
        r.check_id: r
        for r in await run(
            with_dry_run("echo 'Knex: DATABASE_URL=postgres://u:pw@db/x refused'; exit 2")
        )
    }
    result = failing["deploy.migrations"]
    assert (result.status, result.severity) == (Status.FAIL, "high")
    assert "exited with 2" in result.summary and "pw@" not in repr(result.evidence)


def test_watch_deploy_on_a_hanging_or_flapping_health_route(
    demo_world_thread: RunningWorld, tmp_path: Path
) -> None:
    path = write(tmp_path / "demo.toml", sandbox_session(demo_world_thread))
    cli = Cli(tmp_path)
    deploys = demo_world_thread.deploys
    deploys.deploy("api.brightlane.test", "1.9.0", BadRollout(hang_s=math.inf))
    began = time.monotonic()
    code = cli("watch-deploy", str(path), "--timeout", "1", "--interval", "0.2")
    assert code == Exit.FINDINGS and time.monotonic() - began < 5, "the deadline holds"
    assert "Not healthy after" in cli.out and "poll(s)" in cli.out
    deploys.deploy("api.brightlane.test", "1.9.1", BadRollout(flap_s=math.inf))
    code = cli("watch-deploy", str(path), "--timeout", "2", "--interval", "0.1", "--settle", "3")
    assert code == Exit.FINDINGS, "a flapping route never answers healthy three times in a row"
    last = cli.out.strip().splitlines()[-1]
    flaps = int(last.rsplit("poll(s), ", 1)[1].split(" ")[0])
    assert flaps >= 3, last


async def test_the_build_folder_is_scanned_once_per_run(
    demo_world: RunningWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """deploy.build_output and secrets.rotation read the same scan of the build folder, which
    shares one scanner run with the working tree and the CI logs; the findings' files are each
    read once to name them."""
    from launch_tui.checks.secrets import rotation, scanner

    started: list[tuple[str, str]] = []  # (what ran, in which folder): every process
    real_exec = scanner._exec

    async def counted(argv: list[str], cwd: Path, *args: Any) -> tuple[int, bytes, str]:
        started.append((" ".join([Path(argv[0]).name, *argv[1:]]), str(cwd)))
        return await real_exec(argv, cwd, *args)

    monkeypatch.setattr(scanner, "_exec", counted)
    reg = Registry()
    reg.extend(build_output.CHECKS.all())
    reg.extend(rotation.CHECKS.all())
    session = sandbox_session(demo_world)
    done = await run_checks(
        session, select("deploy.build_output", "secrets.rotation"), registry=reg
    )
    scanners = sorted(what.split()[1] for what, _ in started if what.startswith("betterleaks"))
    assert scanners == ["fs", "git"], started  # the history, then every folder place at once
    assert session.targets.build_path and session.targets.ci_logs
    assert len(started) == len(set(started))  # no place scanned twice
    by_id = {r.check_id: r for r in done.results}
    kinds = {f["kind"] for f in by_id["deploy.build_output"].evidence["findings"]}  # type: ignore[union-attr,index]
    assert "secret" in kinds

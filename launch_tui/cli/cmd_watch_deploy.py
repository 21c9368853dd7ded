"""``launch-tui watch-deploy SESSION``: poll the health route after a deploy until it is healthy.

For a deploy script::

    ./deploy.sh && launch-tui watch-deploy acme --timeout 120 || ./rollback.sh

The route is the session's first health route on a production host (``--route NAME`` picks
another). Each poll prints one line (seconds since start, status, what the route said, the
release it reports); the last line says how long it took to become healthy. ``--version V``
also waits until the route reports release ``V`` (a version that lags behind the deploy is not
done yet); ``--settle N`` wants N healthy answers in a row (a flapping route is not healthy).

Exit codes: 0 healthy within the timeout; 1 not healthy (or not the release) when time ran out;
2 usage (no health route, bad option); 3 session file; 130 interrupted. The session is read,
not changed.
"""

from __future__ import annotations

import argparse
import asyncio

from launch_tui.checks.deploy.health_probe import HealthProbe, probe, production_health_route
from launch_tui.checks.deploy.health_watch import Poll, WatchOutcome, watch_health
from launch_tui.checks.engine.services import open_check_services
from launch_tui.cli.cmd_check import network_overrides, run_network
from launch_tui.cli.context import CliEnv
from launch_tui.cli.exit_codes import Exit
from launch_tui.core.errors import UsageError
from launch_tui.core.model import NetworkSettings, Route, Session
from launch_tui.core.sanitize import clean
from launch_tui.store import load_session

DEFAULT_TIMEOUT = 120.0
DEFAULT_INTERVAL = 1.0


def run(args: argparse.Namespace, env: CliEnv) -> int:
    path = env.session_file(args, args.file)
    timeout = args.watch_timeout
    interval = args.interval
    if not timeout > 0:
        raise UsageError(f"--timeout must be a positive number of seconds, not {timeout:g}")
    if not interval > 0:
        raise UsageError(f"--interval must be a positive number of seconds, not {interval:g}")
    if args.settle < 1:
        raise UsageError(f"--settle must be at least 1, not {args.settle}")
    session = load_session(path)
    route = health_route(session, args.route)
    network = run_network(session, path, network_overrides(args, env.cwd))
    env.print(
        f"Watching {clean(route.method)} {clean(route.url)} ({clean(route.name)}) for up to "
        f"{timeout:g} s" + (f", waiting for release {clean(args.version)}" if args.version else "")
    )
    env.stdout.flush()
    outcome = asyncio.run(
        _watch(network, route, timeout, interval, args.settle, args.version or "", env)
    )
    env.print(final_line(outcome))
    return Exit.OK if outcome.healthy else Exit.FINDINGS


def health_route(session: Session, name: str | None) -> Route:
    """The route to watch: ``name``, else the first health route not on a staging host."""
    return production_health_route(session, name)


async def _watch(
    network: NetworkSettings,
    route: Route,
    limit_s: float,
    interval: float,
    settle: int,
    version: str,
    env: CliEnv,
) -> WatchOutcome:
    async with open_check_services(network) as services:
        http = services.http
        assert http is not None

        async def look(within: float) -> HealthProbe:
            return await probe(http, route, within)

        def show(poll: Poll) -> None:
            env.print(poll_line(poll))
            env.stdout.flush()

        return await watch_health(
            look,
            timeout_s=limit_s,
            interval_s=interval,
            settle=settle,
            want_version=version,
            on_poll=show,
        )


def poll_line(poll: Poll) -> str:
    seen = poll.probe
    status = str(seen.status) if seen.status is not None else "---"
    state = "healthy" if seen.healthy else "failing"
    release = f"  [{seen.version}]" if seen.version else ""
    return f"  {poll.at_s:7.1f} s  {status}  {state}: {seen.reason}{release}"


def final_line(outcome: WatchOutcome) -> str:
    release = f" running {outcome.version}" if outcome.version else ""
    if outcome.healthy:
        return (
            f"Healthy after {outcome.seconds:.1f} s{release} "
            f"({len(outcome.polls)} poll(s), {outcome.flaps} flap(s))"
        )
    return (
        f"Not healthy after {outcome.seconds:.1f} s: {outcome.reason} "
        f"({len(outcome.polls)} poll(s), {outcome.flaps} flap(s))"
    )

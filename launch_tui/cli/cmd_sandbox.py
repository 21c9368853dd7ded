"""``launch-tui sandbox [WORLD]``: run a sandbox world in the foreground, for anyone to explore.

Starts the world (DNS, HTTP(S) hosts, CA, repository... on 127.0.0.x), writes a session file
pointed at it, prints where everything is and a few commands to try, then serves until Ctrl-C
or SIGTERM and stops cleanly (every socket closed, the temp folder with the CA removed).

The session file goes to ``-o FILE``, else to the sessions folder as ``sandbox-<world>.toml``.
The sandbox gets new ports and a new CA on every start, so an existing file of the same sprint is
*re-pointed* at the new servers (targets and ``[network]`` replaced; decisions, notes and results
kept); a file of another sprint is replaced.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from launch_tui.cli.context import CliEnv
from launch_tui.cli.exit_codes import Exit
from launch_tui.core.errors import UsageError
from launch_tui.core.model import Host, HostRole, Session
from launch_tui.core.sanitize import clean
from launch_tui.sandbox import (
    BUILTIN_WORLDS,
    RunningWorld,
    TlsCase,
    World,
    WorldError,
    describe,
    resolve_world,
    session_for,
    start_world,
)
from launch_tui.sandbox.session import SANDBOX_TIMEOUT
from launch_tui.store import create_session, load_session, open_session

DEFAULT_WORLD = "demo"


def run(args: argparse.Namespace, env: CliEnv) -> int:
    world = load(args.world, env.cwd)
    place: Recorded | None = None
    if getattr(args, "session", None) is not None:
        path = env.session_file(args, args.session)
        place = recorded(load_session(path))
    elif args.output is not None:
        path = args.output if args.output.is_absolute() else env.cwd / args.output
    else:
        path = env.sessions_dir(args) / f"sandbox-{world.name}.toml"
    timeout = SANDBOX_TIMEOUT if args.timeout is None else args.timeout
    if not timeout > 0:
        raise UsageError(f"--timeout must be a positive number of seconds, not {timeout:g}")
    dns_port = args.dns_port if place is None or args.dns_port else place.dns_port
    asyncio.run(
        serve(
            world,
            path,
            env,
            dns_port=dns_port,
            net_timeout=timeout,
            host_ports=place.host_ports if place else None,
            workdir=place.workdir if place else None,
        )
    )
    return Exit.OK


@dataclass(frozen=True)
class Recorded:
    """Where a kept sandbox session says its world ran: ports and the folder of its files."""

    dns_port: int | None
    host_ports: dict[str, int]
    workdir: Path | None


def recorded(session: Session) -> Recorded:
    """The DNS port (``[network] nameservers``), each host's port (``resolve``) and the kept
    files' folder (the parent of ``targets.repo_path``) of a sandbox session."""
    dns_port = None
    for entry in session.network.nameservers:
        host, _, port = entry.rpartition(":")
        if host.startswith("127.") and port.isdigit():
            dns_port = int(port)
            break
    host_ports: dict[str, int] = {}
    for entry in session.network.resolve:
        name, _, address = entry.partition("=")
        _, _, port = address.rpartition(":")
        if name and port.isdigit():
            host_ports[name] = int(port)
    if dns_port is None or not host_ports:
        raise UsageError(
            "this session does not record a sandbox's ports ([network] nameservers on "
            "127.0.0.x and resolve entries): it was not written by launch-tui sandbox or demo"
        )
    repo = session.targets.repo_path
    return Recorded(dns_port, host_ports, Path(repo).parent if repo else None)


def load(name: str, cwd: Path) -> World:
    """The world named on the command line: a built-in name or a ``.toml`` path."""
    if name.endswith(".toml") or "/" in name:
        path = Path(name)
        return resolve_world(path if path.is_absolute() else cwd / path)
    try:
        return resolve_world(name)
    except WorldError:
        raise UsageError(
            f"no sandbox world {name!r}; choose one of {', '.join(BUILTIN_WORLDS)} "
            "or give a world .toml file"
        ) from None


async def serve(
    world: World,
    path: Path,
    env: CliEnv,
    *,
    dns_port: int | None = None,
    net_timeout: float = SANDBOX_TIMEOUT,
    stop: asyncio.Event | None = None,
    host_ports: dict[str, int] | None = None,
    workdir: Path | None = None,
) -> Path:
    """Run ``world`` until ``stop`` is set (or SIGINT/SIGTERM); return the session file written.

    ``host_ports`` and ``workdir`` bring a kept world back where its session points."""
    stop = stop or asyncio.Event()
    async with start_world(
        world, dns_port=dns_port, host_ports=host_ports, workdir=workdir
    ) as running:
        session = sandbox_session(running, timeout=net_timeout)
        await asyncio.to_thread(write_sandbox_session, session, path)
        env.print(describe(running))
        env.print(f"  started in  {running.startup_seconds * 1000:.0f} ms")
        env.print("")
        env.print(f"Session file: {path}")
        for line in _try_lines(running, path):
            env.print(line)
        env.print("")
        env.print("Serving until Ctrl-C (or SIGTERM).")
        env.stdout.flush()
        with _stop_on_signals(stop):
            await stop.wait()
    if workdir is None:
        env.print("Sandbox stopped: servers closed, temporary files removed.")
    else:
        env.print(f"Sandbox stopped: servers closed, its files kept in {workdir}.")
    env.stdout.flush()
    return path


def sandbox_session(running: RunningWorld, *, timeout: float = SANDBOX_TIMEOUT) -> Session:
    """:func:`~launch_tui.sandbox.session_for`, plus every CNAME under the apex as a host.

    A real sprint's host list comes from the DNS provider's zone listing, CNAMEs included; the
    sandbox's web hosts alone would leave out the world's dangling CNAME, which only exists in
    its zone file.
    """
    session = session_for(running, timeout=timeout)
    apex = session.targets.apex
    known = {h.name for h in session.targets.hosts}
    extra: list[Host] = []
    for zone in running.world.dns.zones:
        for record in zone.records:
            name = record.name.lower().rstrip(".")
            under_apex = bool(apex) and (name == apex or name.endswith("." + apex))
            if record.type == "CNAME" and under_apex and name not in known:
                known.add(name)
                extra.append(Host(name=name, role=HostRole.OTHER))
    if not extra:
        return session
    targets = replace(session.targets, hosts=session.targets.hosts + tuple(extra))
    return replace(session, targets=targets)


def write_sandbox_session(fresh: Session, path: Path) -> None:
    """Create the session file, or re-point an existing one of the same sprint."""
    if path.exists():
        with open_session(path, if_locked="raise") as handle:
            kept = handle.session
            if kept.sprint.id == fresh.sprint.id:
                handle.save(replace(kept, targets=fresh.targets, network=fresh.network))
                return
        create_session(path, fresh, exist_ok=True).close()
        return
    create_session(path, fresh).close()


def _try_lines(running: RunningWorld, path: Path) -> list[str]:
    host, port = running.nameserver
    lines = ["Try:", f"  launch-tui check {path}", f"  launch-tui show {path}"]
    web = next(
        (h for h in running.hosts.values() if h.published and h.tls is not TlsCase.NONE), None
    )
    if web is not None:
        lines.append(f"  dig @{host} -p {port} {web.name}")
        lines.append(
            f"  curl --cacert {running.ca_bundle} --connect-to {web.name}:443:{web.endpoint} "
            f"https://{web.name}/"
        )
    admin = running.deploy_admin_url
    if admin:
        host = running.deploys.hosts()[0]
        lines.append(f"  curl {admin}/deploys")
        lines.append(f"  curl -X POST '{admin}/deploys/{host}?version=2.0.0&unhealthy_s=20'")
        lines.append(f"  curl -X POST {admin}/deploys/{host}/rollback")
    return [clean(line) for line in lines]


@contextlib.contextmanager
def _stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, Windows
            continue
        installed.append(sig)
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)

"""Start and stop a world: ``async with start_world("demo") as running: ...``.

Starting makes a temp folder, a throwaway CA (bundle written there), one server per web host
(plus the RDAP registry), the DNS server, the git repository and the build folder. Stopping
closes every listening socket and connection, waits for every task, and removes the folder.

:class:`SandboxThread` runs the same thing on its own event loop in a thread, for code that is
not async (the CLI, the TUI before its loop, synchronous tests).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import shutil
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from cryptography import x509

from launch_tui.core.model import HostRole
from launch_tui.sandbox.build import build_output
from launch_tui.sandbox.ca import ThrowawayCA, server_context
from launch_tui.sandbox.deploy_admin import DeployAdmin
from launch_tui.sandbox.deploys import Deployments
from launch_tui.sandbox.dns_server import DnsServer, QueryLog, Zones
from launch_tui.sandbox.latency import Latency
from launch_tui.sandbox.loader import assign_addresses, resolve_world
from launch_tui.sandbox.mail import write_mail
from launch_tui.sandbox.repo import BuiltRepo, build_repo
from launch_tui.sandbox.responder import RequestLog, Responder, ServedRequest
from launch_tui.sandbox.web import HostServer
from launch_tui.sandbox.world import (
    HostSpec,
    PlainHttp,
    SandboxStartError,
    TlsCase,
    World,
)


@dataclass(frozen=True)
class RunningHost:
    """Where one host of a running world listens, and what its TLS turned out to be."""

    name: str
    role: HostRole
    address: str
    port: int
    tls: TlsCase
    http: PlainHttp
    available: bool = True
    """False when the host's TLS case cannot be served here (TLS 1.0 refused by OpenSSL)."""
    note: str = ""
    """Why the TLS case is unavailable or degraded; empty when all is as configured."""
    certificate: x509.Certificate | None = None
    """The leaf certificate the host presents (``None`` without TLS)."""
    published: bool = True
    """Listed in the session's targets (the RDAP registry is not)."""

    @property
    def endpoint(self) -> str:
        """``IP:PORT`` where both http:// and https:// for this host are served."""
        return f"{self.address}:{self.port}"

    @property
    def resolve_entry(self) -> str:
        """``NAME=IP:PORT``, the form of ``NetworkSettings.resolve``."""
        return f"{self.name}={self.address}:{self.port}"

    @property
    def scheme(self) -> str:
        return "http" if self.tls is TlsCase.NONE else "https"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.name}/"


class RunningWorld:
    """A started world: addresses, paths, and what its servers did (requests, delays, queries)."""

    def __init__(
        self,
        world: World,
        workdir: Path,
        started_at: datetime,
        ca_bundle: Path,
        dns: DnsServer,
        hosts: Mapping[str, RunningHost],
        servers: Mapping[str, HostServer],
        log: RequestLog,
        repo: BuiltRepo | None,
        build_path: Path | None,
        ci_logs: tuple[Path, ...],
        deploys: Deployments | None = None,
        deploy_admin: DeployAdmin | None = None,
    ) -> None:
        self.world = world
        """The world as started (addresses assigned)."""
        self.workdir = workdir
        """Temp folder holding the CA, repository, build and logs; removed on stop."""
        self.started_at = started_at
        """The clock value certificates and RDAP dates are relative to (UTC)."""
        self.ca_bundle = ca_bundle
        """PEM file with the sandbox root CA only."""
        self.hosts = hosts
        """Every host by name, the RDAP registry included."""
        self.repo = repo
        self.build_path = build_path
        """The ``.next`` build folder, or ``None`` when the world has no build."""
        self.ci_logs = ci_logs
        self.startup_seconds = 0.0
        """Wall time from the start call until every server listened."""
        self.deploys = deploys or Deployments(())
        """Release state of the world's ``[[deploys]]`` hosts: deploy, roll back, go bad."""
        self._deploy_admin = deploy_admin
        self._dns = dns
        self._servers = servers
        self._log = log

    @property
    def nameserver(self) -> tuple[str, int]:
        """``(address, port)`` of the DNS server (UDP and TCP)."""
        return self._dns.address, self._dns.port

    @property
    def nameserver_address(self) -> str:
        """``127.0.0.1:PORT``, the form of ``NetworkSettings.nameservers``."""
        return f"{self._dns.address}:{self._dns.port}"

    @property
    def resolve(self) -> tuple[str, ...]:
        """``NAME=IP:PORT`` for every host, the form of ``NetworkSettings.resolve``."""
        return tuple(h.resolve_entry for h in self.hosts.values())

    @property
    def deploy_admin_url(self) -> str:
        """``http://127.0.0.1:PORT`` of the deploy control port, or ``""`` without one."""
        return self._deploy_admin.url if self._deploy_admin else ""

    @property
    def repo_path(self) -> Path | None:
        return self.repo.path if self.repo else None

    @property
    def rdap_url(self) -> str:
        """Base URL of the RDAP registry (``https://rdap.registry.test/``), or ``""``."""
        rdap = self.world.rdap
        return f"https://{rdap.host}/" if rdap else ""

    def host(self, name: str) -> RunningHost:
        return self.hosts[name]

    def served(self) -> tuple[ServedRequest, ...]:
        """Every request answered so far, oldest first."""
        return tuple(self._log.requests)

    def delays(self, host: str, path: str, method: str = "GET") -> tuple[float, ...]:
        """Delays (ms) actually waited before answering each request to this route."""
        return tuple(r.applied_delay_ms for r in self._log.for_route(host, path, method))

    def planned_delays(self, host: str, path: str, method: str = "GET") -> tuple[float, ...]:
        """Delays (ms) drawn from the route's distribution, request by request."""
        return tuple(r.planned_delay_ms for r in self._log.for_route(host, path, method))

    def latency(self, host: str, path: str, method: str = "GET") -> Latency:
        """The route's latency distribution; ``.quantile(0.95)`` is the true p95 in ms."""
        return self._servers[host].responder.latency(path, method)

    @property
    def mail_paths(self) -> tuple[Path, ...]:
        """The signed password-reset mail (``.eml``) and its tampered copy, when the world's
        domain is one the sandbox signs for (``sandbox/mail.py``)."""
        return tuple(sorted((self.workdir / "mail").glob("*.eml")))

    def dns_queries(self) -> tuple[QueryLog, ...]:
        return tuple(self._dns.log)

    def errors(self) -> tuple[str, ...]:
        """Unexpected server-side exceptions (bugs); empty in a healthy run."""
        found = list(self._dns.errors)
        for server in self._servers.values():
            found.extend(server.errors)
        if self._deploy_admin is not None:
            found.extend(self._deploy_admin.errors)
        return tuple(found)

    def clear_logs(self) -> None:
        """Forget served requests and delays (e.g. between benchmark phases)."""
        self._log.clear()
        self._dns.log.clear()


@contextlib.asynccontextmanager
async def start_world(
    world: World | str | Path,
    *,
    now: datetime | None = None,
    dns_port: int | None = None,
    temp_parent: Path | None = None,
    rtt_ms: float | None = None,
    workdir: Path | None = None,
    host_ports: Mapping[str, int] | None = None,
) -> AsyncIterator[RunningWorld]:
    """Start ``world`` (a value, a built-in name, or a ``.toml`` path) on loopback.

    ``workdir`` keeps the world's files (CA, repository, build, mail) in that folder, made
    afresh at the start and left in place at the end, instead of a temporary folder removed at
    the end; with ``host_ports`` (host name to port) and ``dns_port`` the world comes back
    where a kept session points (``launch-tui sandbox --session FILE``).

    ``now`` fixes the clock for certificates and RDAP dates; ``dns_port`` overrides the
    world's DNS port; ``temp_parent`` is where the temp folder goes (system default if None);
    ``rtt_ms`` overrides the world's emulated network round trip (``World.rtt_ms``, 0 unless
    the world file sets it).
    """
    began = time.perf_counter()
    spec = assign_addresses(resolve_world(world))
    if dns_port is not None:
        spec = replace(spec, dns=replace(spec.dns, port=dns_port))
    if rtt_ms is not None:
        if not (math.isfinite(rtt_ms) and rtt_ms >= 0):
            raise ValueError(f"rtt_ms must be a finite number >= 0, got {rtt_ms}")
        spec = replace(spec, rtt_ms=float(rtt_ms))
    started_at = (now or datetime.now(UTC)).astimezone(UTC)
    kept = workdir is not None
    if workdir is not None:
        _fresh_kept_folder(workdir)
    else:
        workdir = Path(tempfile.mkdtemp(prefix=f"launch-tui-{spec.name}-", dir=temp_parent))
    servers: dict[str, HostServer] = {}
    dns: DnsServer | None = None
    deploys = Deployments(spec.deploys)
    admin = DeployAdmin(deploys) if spec.deploys else None
    # The repository and build are files and git processes, independent of the servers:
    # build them on a worker thread meanwhile. The thread is joined before the world is used.
    files_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-files")
    files = asyncio.get_running_loop().run_in_executor(files_worker, _build_files, spec, workdir)
    try:
        try:
            ca = ThrowawayCA(workdir / "ca", started_at, spec.name)
            log = RequestLog()
            hosts: dict[str, RunningHost] = {}
            for host, rdap in _web_hosts(spec):
                if host_ports and host.name in host_ports:
                    host = replace(host, port=host_ports[host.name])
                server, running_host = _host_server(spec, host, rdap, ca, log, started_at, deploys)
                servers[host.name] = server
                await server.start()
                hosts[host.name] = replace(running_host, port=server.port)
            addresses = {name: h.address for name, h in hosts.items()}
            auto_a = [h.name for h, _ in _web_hosts(spec) if h.dns]
            dns = DnsServer(
                Zones(spec.dns, addresses, auto_a), port=spec.dns.port, rtt_ms=spec.rtt_ms
            )
            await dns.start()
            if admin is not None:
                await admin.start()
        finally:
            # Even when a server failed to start, wait for the files before removing them.
            built = await asyncio.gather(files, return_exceptions=True)
            files_worker.shutdown(wait=True)
        if isinstance(built[0], BaseException):
            raise built[0]
        repo, build_path, ci_logs = built[0]
        running = RunningWorld(
            world=spec,
            workdir=workdir,
            started_at=started_at,
            ca_bundle=ca.bundle_path,
            dns=dns,
            hosts=hosts,
            servers=servers,
            log=log,
            repo=repo,
            build_path=build_path,
            ci_logs=ci_logs,
            deploys=deploys,
            deploy_admin=admin,
        )
        running.startup_seconds = time.perf_counter() - began
        yield running
    finally:
        await asyncio.gather(*(s.close() for s in servers.values()), return_exceptions=True)
        if admin is not None:
            await admin.close()
        if dns is not None:
            await dns.close()
        # Aborted transports close their sockets on the loop's next turns.
        for _ in range(3):
            await asyncio.sleep(0)
        if not kept:
            shutil.rmtree(workdir, ignore_errors=True)


#: Written into a kept world folder; only a folder holding it is ever emptied.
KEPT_MARKER = ".launch-tui-sandbox"


def _fresh_kept_folder(workdir: Path) -> None:
    """Empty ``workdir`` for the world's files, or make it; refuses a folder that exists and
    was not made by the sandbox (a session's repository path may be a client's real one)."""
    if workdir.exists() and any(workdir.iterdir()) and not (workdir / KEPT_MARKER).exists():
        raise SandboxStartError(
            f"{workdir} is not a sandbox folder (no {KEPT_MARKER} in it): not emptying it"
        )
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    (workdir / KEPT_MARKER).write_text("launch-tui sandbox files; remade on every start\n")


def _build_files(
    spec: World, workdir: Path
) -> tuple[BuiltRepo | None, Path | None, tuple[Path, ...]]:
    """The git repository, build folder and CI logs the world asks for."""
    repo = None
    if spec.repo is not None:
        apex = spec.targets.apex or f"{spec.name}.test"
        repo = build_repo(spec.repo, spec.build, workdir / "repo", apex.split(".")[0], apex)
    apex = spec.targets.apex or f"{spec.name}.test"
    write_mail(apex, spec.targets.dkim_selectors, workdir)
    if spec.build is None:
        return repo, None, ()
    output = build_output(spec.build, workdir, spec.targets.apex or f"{spec.name}.test")
    return repo, output.build_path, output.ci_logs


def _web_hosts(world: World) -> list[tuple[HostSpec, bool]]:
    """Every host to serve, with a flag for the RDAP registry."""
    hosts = [(h, False) for h in world.hosts]
    if world.rdap is not None:
        registry = HostSpec(
            name=world.rdap.host,
            role=HostRole.OTHER,
            address=world.rdap.address,
            tls=TlsCase.VALID,
            http=PlainHttp.REDIRECT,
            publish=False,
        )
        hosts.append((registry, True))
    return hosts


def _host_server(
    world: World,
    host: HostSpec,
    is_rdap: bool,
    ca: ThrowawayCA,
    log: RequestLog,
    started_at: datetime,
    deploys: Deployments,
) -> tuple[HostServer, RunningHost]:
    context = None
    available, note, leaf = True, "", None
    if host.tls is not TlsCase.NONE:
        cert = ca.issue(host.name, host.tls, host.cert_names)
        tls = server_context(cert, host.tls)
        context, note, leaf = tls.context, tls.unavailable, cert.leaf
        available = context is not None
    responder = Responder(
        host,
        world.seed,
        log,
        started_at,
        rdap=world.rdap if is_rdap else None,
        deploys=deploys if deploys.spec(host.name) else None,
    )
    server = HostServer(responder, context, host.address, host.port, rtt_ms=world.rtt_ms)
    running = RunningHost(
        name=host.name,
        role=host.role,
        address=host.address,
        port=0,
        tls=host.tls,
        http=host.http,
        available=available,
        note=note,
        certificate=leaf,
        published=host.publish,
    )
    return server, running


class SandboxThread:
    """A world running on its own event loop in a background thread.

    ::

        with SandboxThread("demo") as running:
            print(describe(running))
    """

    def __init__(
        self,
        world: World | str | Path,
        *,
        now: datetime | None = None,
        dns_port: int | None = None,
        temp_parent: Path | None = None,
        rtt_ms: float | None = None,
        workdir: Path | None = None,
        host_ports: Mapping[str, int] | None = None,
    ) -> None:
        """The arguments are :func:`start_world`'s."""
        self._workdir = workdir
        self._host_ports = dict(host_ports or {})
        self._world = world
        self._now = now
        self._dns_port = dns_port
        self._temp_parent = temp_parent
        self._rtt_ms = rtt_ms
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._running: RunningWorld | None = None
        self._error: BaseException | None = None
        """What starting or stopping raised, re-raised in the caller's thread."""

    @property
    def running(self) -> RunningWorld:
        if self._running is None:
            raise RuntimeError("the sandbox is not running; call start() first")
        return self._running

    def start(self, timeout: float = 30.0) -> RunningWorld:
        """Start the world and wait until it serves; raises what starting raised."""
        if self._thread is not None:
            raise RuntimeError("a SandboxThread starts once")
        self._thread = threading.Thread(target=self._run, name="launch-tui-sandbox", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            self.stop()
            raise SandboxStartError(f"the sandbox did not start within {timeout:g} s")
        if self._error is not None:
            self._thread.join()
            raise self._error
        return self.running

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the world and join the thread (idempotent)."""
        thread, loop, stop = self._thread, self._loop, self._stop
        if thread is None or not thread.is_alive():
            return
        if loop is not None and stop is not None:
            with contextlib.suppress(RuntimeError):  # the loop already finished
                loop.call_soon_threadsafe(stop.set)
        thread.join(timeout)
        if thread.is_alive():
            raise SandboxStartError(f"the sandbox did not stop within {timeout:g} s")
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def __enter__(self) -> RunningWorld:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # re-raised by start() or stop() in the caller's thread
            self._error = exc
        finally:
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with start_world(
            self._world,
            now=self._now,
            dns_port=self._dns_port,
            temp_parent=self._temp_parent,
            rtt_ms=self._rtt_ms,
            workdir=self._workdir,
            host_ports=self._host_ports,
        ) as running:
            self._running = running
            self._ready.set()
            await self._stop.wait()


def describe(running: RunningWorld) -> str:
    """A few lines for a person: where the nameserver, CA bundle, hosts and files are."""
    world = running.world
    width = max((len(name) for name in running.hosts), default=10)
    lines = [
        f"Sandbox world {world.name!r}: {world.sprint.client}, {world.sprint.product}",
        f"  nameserver  {running.nameserver_address} (UDP and TCP)",
        f"  CA bundle   {running.ca_bundle}",
    ]
    if running.repo_path:
        lines.append(f"  repository  {running.repo_path}")
    if running.build_path:
        lines.append(f"  build       {running.build_path}")
    for message in running.mail_paths:
        lines.append(f"  mail        {message}")
    if running.rdap_url:
        lines.append(f"  RDAP        {running.rdap_url}")
    if running.deploy_admin_url:
        lines.append(f"  deploys     {running.deploy_admin_url}/deploys (GET; POST to deploy)")
    lines.append("  hosts (http and https on the same port):")
    for host in running.hosts.values():
        tls = "no TLS" if host.tls is TlsCase.NONE else f"TLS {host.tls.value}"
        extra = (
            f"  [{'unavailable: ' if not host.available else ''}{host.note}]" if host.note else ""
        )
        lines.append(f"    {host.name:<{width}}  {host.endpoint:<21}  {tls}{extra}")
    return "\n".join(lines)

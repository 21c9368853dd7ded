"""Build the checks' outside world from a session's network settings, and close it afterwards.

::

    async with open_check_services(session.network, NetworkOverrides(timeout=3)) as services:
        ...  # CheckServices: one Resolver, one HttpClient, a bound TLS inspector, the deadline

The session's ``[network]`` table says where DNS goes, which names bypass it and which extra CA
to trust; command-line overrides (:class:`NetworkOverrides`) win over it. Everything is parsed
before anything is opened, so a malformed ``--resolve`` or a missing CA bundle is a
:class:`~launch_tui.core.errors.UsageError` and no connection is ever made with half a
configuration. The SSL context (which reads the system trust store) is built once and shared by
HTTP and the TLS inspector.
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import datetime

from launch_tui.checks.engine.context import CheckServices, TlsInspector
from launch_tui.core.model import NetworkSettings, Session
from launch_tui.net import (
    NetConfig,
    Resolver,
    TlsReport,
    inspect_tls,
    make_http_client,
    make_ssl_context,
    net_config,
)

__all__ = [
    "NetworkOverrides",
    "ServicesFactory",
    "bind_tls_inspector",
    "effective_network",
    "open_check_services",
    "services_factory",
]

ServicesFactory = Callable[[Session], contextlib.AbstractAsyncContextManager[CheckServices]]
"""What the TUI and the CLI take: services for one run against a session."""


@dataclass(frozen=True)
class NetworkOverrides:
    """Network options given for one run (command line), applied over the session's settings.

    Empty values leave the session's setting alone.
    """

    nameservers: tuple[str, ...] = ()
    """``HOST[:PORT]`` entries; when given they replace the session's nameservers."""
    resolve: tuple[str, ...] = ()
    """``HOST=IP[:PORT]`` entries; they win over the session's entries for the same name."""
    ca_bundle: str | None = None
    """Extra PEM bundle; replaces the session's."""
    timeout: float | None = None
    """Total deadline per network operation, seconds; replaces the session's."""

    @property
    def empty(self) -> bool:
        """True when nothing is overridden."""
        return not (self.nameservers or self.resolve) and (
            self.ca_bundle is None and self.timeout is None
        )


def effective_network(
    settings: NetworkSettings, overrides: NetworkOverrides | None = None
) -> NetworkSettings:
    """The session's network settings with ``overrides`` on top (the overrides win)."""
    if overrides is None or overrides.empty:
        return settings
    # The first matching --resolve entry wins when connecting, so overrides go first.
    resolve = overrides.resolve + tuple(e for e in settings.resolve if e not in overrides.resolve)
    return replace(
        settings,
        nameservers=overrides.nameservers or settings.nameservers,
        resolve=resolve,
        ca_bundle=settings.ca_bundle if overrides.ca_bundle is None else overrides.ca_bundle,
        timeout=settings.timeout if overrides.timeout is None else overrides.timeout,
    )


def bind_tls_inspector(
    config: NetConfig,
    resolver: Resolver,
    ssl_context: ssl.SSLContext,
    *,
    timeout: float,
) -> TlsInspector:
    """``inspect_tls`` with this configuration bound: overrides, trust, resolver, deadline."""

    async def inspect(host: str, port: int = 443, *, now: datetime) -> TlsReport:
        return await inspect_tls(
            host,
            port,
            now=now,
            connect_to=config.connect_to(host, port),
            resolver=resolver,
            ca_bundle=config.ca_bundle,
            ssl_context=ssl_context,
            timeout=timeout,
        )

    return inspect


@contextlib.asynccontextmanager
async def open_check_services(
    settings: NetworkSettings | Session,
    overrides: NetworkOverrides | None = None,
) -> AsyncIterator[CheckServices]:
    """Real services for one run: resolver, one HTTP client, the TLS inspector, the deadline.

    ``settings`` is a session's ``network`` (or the session itself). The HTTP client is closed
    on exit, whatever happened inside. Raises :class:`UsageError` before opening anything when a
    setting is malformed or the CA bundle cannot be read.
    """
    network = settings.network if isinstance(settings, Session) else settings
    merged = effective_network(network, overrides)
    config = net_config(merged)
    ssl_context = make_ssl_context(config.ca_bundle)
    resolver = Resolver(config.nameservers, limits=config.limits)
    # Every check of a run shares this client; a pool of 10 made checks queue for connections
    # (bench/audit.py at 50 ms RTT: 4.3x the slowest check with 10, 3.2x with 64).
    http = make_http_client(config, resolver, ssl_context=ssl_context, max_connections=64)
    try:
        yield CheckServices(
            resolver=resolver,
            http=http,
            tls=bind_tls_inspector(
                config, resolver, ssl_context, timeout=config.limits.total_deadline
            ),
            deadline_s=config.limits.total_deadline,
        )
    finally:
        await http.aclose()


def services_factory(overrides: NetworkOverrides | None = None) -> ServicesFactory:
    """A factory giving :func:`open_check_services` for a session, with ``overrides`` applied.

    This is the shape the TUI's workers take (``Callable[[Session], async context manager]``).
    """

    def factory(session: Session) -> contextlib.AbstractAsyncContextManager[CheckServices]:
        return open_check_services(session.network, overrides)

    return factory

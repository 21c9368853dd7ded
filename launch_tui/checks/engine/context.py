"""What a check gets to work with: the session, its target, the injected outside world.

A check reads everything it needs from its :class:`CheckContext` and never reaches for globals:
the resolver, the HTTP client, the TLS inspector, the clocks and the deadline are all passed in,
so the same check runs against the internet, the loopback sandbox or a fake in a unit test.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol, TypeVar

from launch_tui.core.model import CheckResult, Evidence, Host, Route, Session, Severity, Status

if TYPE_CHECKING:
    from launch_tui.checks.engine.registry import CheckDef
    from launch_tui.checks.engine.targets import WorkItem
    from launch_tui.net import HttpClient, Resolver, TlsReport


T = TypeVar("T")


class RunShared:
    """What the checks of one run share: requests several checks would otherwise repeat.

    One is made per run by :func:`context_factory` and handed to every context of that run, so
    a memo (the route probes, the page fetches) lives exactly as long as the run: a second run
    with the same services fetches everything afresh. A context made on its own gets a private
    one, which shares nothing.
    """

    def __init__(self) -> None:
        self._slots: dict[str, object] = {}

    def get(self, name: str, kind: type[T], make: Callable[[], T]) -> T:
        """The run's ``name`` slot, made by ``make`` on first use; it must be a ``kind``."""
        value = self._slots.get(name)
        if value is None:
            value = make()
            self._slots[name] = value
        if not isinstance(value, kind):
            raise TypeError(f"run slot {name!r} holds {type(value).__name__}, not {kind.__name__}")
        return value


def utc_now() -> datetime:
    """The real wall clock, timezone-aware UTC; the default ``clock`` everywhere."""
    return datetime.now(UTC)


class TlsInspector(Protocol):
    """Inspects one host's TLS: ``net.inspect_tls`` with the session's network settings bound.

    The implementation applies the ``--resolve`` override for ``host:port`` (so the sandbox's
    ports are honoured), trusts the extra CA bundle and keeps within the network deadline.
    """

    async def __call__(self, host: str, port: int = 443, *, now: datetime) -> TlsReport:
        """Handshake ``host:port`` and describe its chain and protocols, relative to ``now``."""
        ...


@dataclass(frozen=True)
class CheckServices:
    """The outside world a check may use, built by ``checks.services.open_check_services``.

    Every field defaults to ``None`` so a unit test passes only what its check touches; a check
    whose service is missing returns an ``error`` result saying so.
    """

    resolver: Resolver | None = None
    """The one DNS resolver (configured nameservers, no cache), from ``net``."""
    http: HttpClient | None = None
    """HTTP client from ``net``: explicit SSL context, own redirect handling, capped bodies."""
    tls: TlsInspector | None = None
    """TLS inspector: handshake a host and describe its certificate chain and protocols."""
    deadline_s: float = 10.0
    """Total deadline for one network operation, in seconds (``NetworkSettings.timeout``)."""


@dataclass(frozen=True)
class CheckContext:
    """Everything one check run on one target needs."""

    session: Session
    """The session being checked, as it was when the run started."""
    check: CheckDef
    """The definition of the running check."""
    target: str
    """Hostname, route name, or ``""`` for a session-wide check."""
    host: Host | None
    """The host being checked, for host checks; otherwise ``None``."""
    route: Route | None
    """The route being checked, for route checks; otherwise ``None``."""
    services: CheckServices
    """Resolver, HTTP, TLS and the per-operation deadline."""
    clock: Callable[[], datetime]
    """Wall clock for ``measured_at`` stamps (timezone-aware UTC)."""
    monotonic: Callable[[], float]
    """Monotonic clock in seconds, for durations."""
    started: float
    """``monotonic()`` reading when the check started; ``result()`` measures duration from it."""
    run: RunShared = field(default_factory=RunShared)
    """Memos shared by every check of the same run (see :class:`RunShared`)."""

    def result(
        self,
        status: Status,
        summary: str,
        *,
        evidence: Evidence | None = None,
        severity: Severity | None = None,
    ) -> CheckResult:
        """This check's result on this target, stamped with time and duration.

        ``severity`` defaults to the check's declared severity.
        """
        return CheckResult(
            check_id=self.check.id,
            target=self.target,
            status=status,
            severity=self.check.severity if severity is None else severity,
            summary=summary,
            evidence={} if evidence is None else evidence,
            measured_at=self.clock(),
            duration_ms=self.elapsed_ms(),
        )

    def elapsed_ms(self) -> int:
        """Milliseconds since the check started, on the injected monotonic clock."""
        return max(0, round((self.monotonic() - self.started) * 1000))


def context_factory(
    session: Session,
    services: CheckServices | None = None,
    *,
    clock: Callable[[], datetime] = utc_now,
    monotonic: Callable[[], float] = time.monotonic,
) -> Callable[[WorkItem], CheckContext]:
    """A ``make_context`` for the runner: one context per work item, started when it is made."""
    shared = CheckServices() if services is None else services
    run = RunShared()

    def make_context(item: WorkItem) -> CheckContext:
        return CheckContext(
            session=session,
            check=item.check,
            target=item.target,
            host=item.host,
            route=item.route,
            services=shared,
            clock=clock,
            monotonic=monotonic,
            started=monotonic(),
            run=run,
        )

    return make_context

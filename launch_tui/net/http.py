"""HTTP requests that always come back as a value, within a deadline, with bounded memory.

:func:`make_http_client` builds an :class:`HttpClient` (its own connection pool each time) with
an explicit SSL context and our resolver. It is a lean HTTP/1.1 client of our own: connections
are ``asyncio.Protocol`` objects that parse answers as the bytes arrive (``h1_connection.py``),
kept alive per origin in a pool sized by ``max_connections`` (``transport.py``); every method
goes this one way (there is no second, httpx-based path). :meth:`HttpClient.fetch` then:

* follows redirects itself and records every hop: URL, status, Location, timing, HTTP version
  and the address it talked to (``exchange.py``);
* runs the whole exchange, redirects and body included, under one ``asyncio.timeout``: a server
  dripping a byte a second is cut at the deadline, wherever it is;
* counts the body cap on the raw bytes off the wire and never decompresses while reading: a
  gzip bomb costs its compressed size. :meth:`FetchResult.decoded` inflates on request, capped;
* caps the response head (bytes and header count) and the number of redirects;
* sends an idempotent request once more on a fresh connection when a kept-alive one closed
  before any byte of the answer (``FetchResult.resent``);
* turns every transport exception into :attr:`FetchResult.failure` (see ``failures.py``).

Cookies set during a redirect chain are sent on its later hops, as a browser would, but nothing
is kept between two fetches: checks must not influence each other.

Connections: every fetch closes or pools its connection however it ends (deadline, cap,
protocol error, redirect loop, cancellation from outside), and :meth:`HttpClient.aclose` closes
every connection the client opened, refusing new ones; a fetch still running then ends with a
failure saying the client was closed, and a fetch after that fails at once.

A client like this one, for a fetch the shared client must not make::

    http.config                        # the NetConfig it fetches with (overrides, limits, ...)
    async with http.variant(verify=False) as unverified:
        ...  # its own pool: same resolver, limits and overrides; no certificate checks
    async with http.variant(overrides=(ResolveOverride("www.example.com", "192.0.2.7",
                                                       host_port=443),)) as origin:
        ...  # connects www.example.com:443 to 192.0.2.7, bypassing the edge; SNI and Host
             # still name www.example.com

``variant(verify=False)`` is for reading a site whose certificate fails ("fetch even though TLS
fails": headers, cookies, redirects are still worth judging); what it fetches says nothing about
TLS. A variant has its own pool: close it (``async with``); that leaves the original open.
``kept_variant(...)`` is the variant the client keeps for those settings until it closes, for
fetches that come back to it (a run's retries without verification, its probes of an origin):
they share its connections and TLS sessions instead of each paying a full handshake.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from types import TracebackType

from launch_tui.net.exchange import Exchange, FirstAnswer
from launch_tui.net.failures import FailureKind, Phase
from launch_tui.net.resolver import Resolver
from launch_tui.net.results import FetchResult
from launch_tui.net.settings import NetConfig, NetLimits, ResolveOverride
from launch_tui.net.ssl_contexts import make_ssl_context, probe_context
from launch_tui.net.transport import ConnectionPool

Clock = Callable[[], float]

DEFAULT_USER_AGENT = "launch-tui/0.1 (launch-readiness checker)"

# What we ask for: only codings decode_body can undo, so page weight and text both work.
_DEFAULT_HEADERS = {
    "User-Agent": DEFAULT_USER_AGENT,
    "Accept": "*/*",
    "Accept-Encoding": "gzip, deflate",
}


class HttpClient:
    """Fetches URLs through our resolver and SSL context. Close it (``async with`` or aclose)."""

    def __init__(
        self,
        config: NetConfig,
        resolver: Resolver,
        *,
        limits: NetLimits,
        ssl_context: ssl.SSLContext,
        clock: Clock,
        max_connections: int,
        user_agent: str,
    ) -> None:
        # One source of truth: the config carries the limits this client actually uses.
        self._config = config if config.limits == limits else replace(config, limits=limits)
        self._resolver = resolver
        self._limits = limits
        self._ssl_context = ssl_context
        self._clock = clock
        self._max_connections = max_connections
        self._user_agent = user_agent
        self._pool = ConnectionPool(
            self._config, resolver, ssl_context, clock=clock, max_connections=max_connections
        )
        self._headers = dict(_DEFAULT_HEADERS, **{"User-Agent": user_agent})
        self._kept: dict[tuple[bool, tuple[ResolveOverride, ...]], HttpClient] = {}

    @property
    def config(self) -> NetConfig:
        """The configuration this client fetches with: nameservers, ``--resolve`` overrides
        (command-line ones included), CA bundle, and its limits (``config.limits == limits``)."""
        return self._config

    @property
    def limits(self) -> NetLimits:
        """The limits every fetch uses unless it passes its own."""
        return self._limits

    @property
    def ssl_context(self) -> ssl.SSLContext:
        """The SSL context HTTPS fetches verify with."""
        return self._ssl_context

    @property
    def closed(self) -> bool:
        """True once :meth:`aclose` has been called."""
        return self._pool.closed

    def variant(
        self,
        *,
        ssl_context: ssl.SSLContext | None = None,
        overrides: Iterable[ResolveOverride] | None = None,
        verify: bool = True,
        max_connections: int | None = None,
    ) -> HttpClient:
        """A client like this one, with its own connection pool, for fetches this one must not
        make. Same resolver, limits, clock, user agent and (by default) SSL context and pool size.

        ``verify=False`` uses a non-verifying SSL context that accepts any certificate and any
        protocol version, to read a site whose TLS fails; ``ssl_context`` replaces the context
        instead (give one or the other). ``overrides`` are tried before this client's own
        ``config.overrides``; one with ``host_port`` also beats a port-specific entry of the
        session's. The variant is independent: close it when done (``async with``); closing it
        leaves this client open, and closing this client leaves the variant open.
        """
        if ssl_context is not None and not verify:
            raise ValueError("give ssl_context or verify=False, not both")
        if ssl_context is None:
            ssl_context = self._ssl_context if verify else probe_context()
        config = self._config
        if overrides is not None:
            config = replace(config, overrides=(*overrides, *config.overrides))
        return HttpClient(
            config,
            self._resolver,
            limits=self._limits,
            ssl_context=ssl_context,
            clock=self._clock,
            max_connections=max_connections or self._max_connections,
            user_agent=self._user_agent,
        )

    def kept_variant(
        self, *, verify: bool = True, overrides: Iterable[ResolveOverride] | None = None
    ) -> HttpClient:
        """The :meth:`variant` with these settings that this client keeps until it closes: the
        same one each time, so the fetches made through it share kept-alive connections and
        resume TLS sessions (one per settings, so a non-verifying pool never serves a
        verifying fetch, and an override's pool only that override's). It closes with this
        client; do not close it yourself. Once this client is closed, the variant it gives is
        closed too, and fetches through it fail."""
        key = (verify, tuple(overrides or ()))
        if self.closed:  # a variant of these settings, closed too: its fetches fail as ours do
            closed = self.variant(verify=verify, overrides=key[1])
            closed._close_now()
            return closed
        kept = self._kept.get(key)
        if kept is None or kept.closed:
            kept = self._kept[key] = self.variant(verify=verify, overrides=key[1])
        return kept

    def with_own_pool(self, *, max_connections: int | None = None) -> HttpClient:
        """A client like this one with its own connection pool (e.g. one per sampler worker).

        Shares the SSL context and resolver, which are the expensive parts to build. The same
        as ``variant(max_connections=...)``.
        """
        return self.variant(max_connections=max_connections)

    def _request_headers(
        self, headers: Mapping[str, str] | Iterable[tuple[str, str]] | None
    ) -> list[tuple[str, str]]:
        given = _header_pairs(headers)
        names = {name.lower() for name, _ in given}
        defaults = [(k, v) for k, v in self._headers.items() if k.lower() not in names]
        return [*defaults, *given]

    async def aclose(self) -> None:
        """Close every connection this client opened; fetches still running end with a failure.

        Safe to call more than once, and from a task that is being cancelled. The variants
        it kept (:meth:`kept_variant`) close with it.
        """
        self._close_now()  # this pool and every kept variant's, before anything can cancel us
        await asyncio.sleep(0)  # the loop's turn on which the aborted sockets close

    def _close_now(self) -> None:
        self._pool.close_now()
        kept, self._kept = list(self._kept.values()), {}
        for variant in kept:
            variant._close_now()

    async def __aenter__(self) -> HttpClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def fetch(
        self,
        url: str,
        method: str = "GET",
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        *,
        follow: bool = True,
        body: bytes | None = None,
        limits: NetLimits | None = None,
        first_answer: FirstAnswer | None = None,
    ) -> FetchResult:
        """Request ``url``; follow redirects when ``follow``; never raise on transport trouble.

        ``limits`` overrides the client's for this call. The total deadline covers DNS,
        connecting, TLS, every hop and the body. ``first_answer`` is called when the first
        answer is a redirect that is followed, with that answer as a fetch with ``follow=False``
        gives it (or ``None`` when its body had not arrived with its head), and says whether
        to follow it after all (if not, the result is that answer, its body read); it is not
        called otherwise, when the result is the first answer itself.
        """
        run = Exchange(self._pool, self._clock, limits or self._limits, url, method.upper())
        if self.closed:
            run.fail(
                FailureKind.ERROR, Phase.CONNECT, f"Can't fetch {url}: the HTTP client is closed"
            )
            return run.result()
        timeout = asyncio.timeout(run.limits.total_deadline)
        try:
            async with timeout:
                await run.execute(
                    self._request_headers(headers),
                    follow=follow,
                    body=body,
                    first_answer=first_answer,
                )
        except TimeoutError as exc:
            if timeout.expired():
                run.fail_deadline()
            else:  # not ours: still a result, never an exception
                run.fail(FailureKind.ERROR, run.probe.phase, f"{url} timed out: {exc!r}")
        except Exception as exc:
            # Transport errors are handled inside; this is the backstop that keeps the promise
            # "fetch never raises", naming the bug rather than hiding it.
            run.fail(
                FailureKind.ERROR,
                run.probe.phase,
                f"Request to {url} failed unexpectedly: {type(exc).__name__}: {exc}",
            )
        return run.result()


def make_http_client(
    config: NetConfig,
    resolver: Resolver,
    *,
    limits: NetLimits | None = None,
    ssl_context: ssl.SSLContext | None = None,
    clock: Clock = time.perf_counter,
    max_connections: int = 10,
    user_agent: str = DEFAULT_USER_AGENT,
) -> HttpClient:
    """A new :class:`HttpClient` with its own connection pool.

    ``limits`` defaults to ``config.limits``. ``ssl_context`` defaults to a new one from
    :func:`make_ssl_context` (system trust + ``config.ca_bundle``); pass one to share it
    between clients, since building it reads the system store. Raises ``UsageError`` if the
    CA bundle cannot be loaded.
    """
    if ssl_context is None:
        ssl_context = make_ssl_context(config.ca_bundle)
    return HttpClient(
        config,
        resolver,
        limits=limits or config.limits,
        ssl_context=ssl_context,
        clock=clock,
        max_connections=max_connections,
        user_agent=user_agent,
    )


def _header_pairs(
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | None,
) -> list[tuple[str, str]]:
    if headers is None:
        return []
    if isinstance(headers, Mapping):
        return list(headers.items())
    return list(headers)

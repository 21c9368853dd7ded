"""One fetch: send, record the hop, follow redirects, read the body within its cap.

:class:`Exchange` is driven by :meth:`HttpClient.fetch <launch_tui.net.http.HttpClient.fetch>`
inside the request's deadline; see ``http.py`` for the rules it enforces. It writes each
request itself (HTTP/1.1, ``Host`` first, then the caller's headers) on a connection from the
client's :class:`~launch_tui.net.transport.ConnectionPool`, and gives the connection back only
when its answer was read whole; any other ending (deadline, cancellation, cap, protocol error,
a redirect whose body had not arrived) closes it.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from launch_tui.core.sanitize import clean
from launch_tui.net.chain_cookies import ChainCookies
from launch_tui.net.classify import diagnose, size_text
from launch_tui.net.failures import DnsFailure, FailureKind, NetFailure, Phase, seconds_text
from launch_tui.net.h1_connection import H1Connection, ResponseHead
from launch_tui.net.hop_probe import BodyTooLargeError, Dropped, HopProbe
from launch_tui.net.results import FetchResult, Headers, Hop, Timing
from launch_tui.net.settings import NetLimits
from launch_tui.net.transport import ConnectionPool
from launch_tui.net.urls import InvalidUrl, Url, join_url, parse_url

Clock = Callable[[], float]
FirstAnswer = Callable[["FetchResult | None"], bool]
"""Told, when a followed fetch's first answer is a redirect, what a fetch of the same URL that
does not follow redirects would have given (``None`` when the redirect's body had not arrived);
returns whether to follow it after all (``False`` ends the fetch there, its result then being
exactly that answer, the body read)."""

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
#: Methods a client may send again after a connection dropped (RFC 9110 9.2.2).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
#: Methods whose request carries a body, so an empty one is announced (``Content-Length: 0``).
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BAD_VALUE = re.compile(r"[\r\n\x00]")
#: Headers the exchange writes itself, whatever the caller gave.
_FRAMING = frozenset({"content-length", "transfer-encoding"})


@dataclass(frozen=True, slots=True)
class Request:
    """A request ready for the wire."""

    method: str
    url: Url
    headers: list[tuple[str, str]]
    """The caller's headers (defaults included), without framing ones."""
    body: bytes | None
    data: bytes
    """Request line, headers and body, as written."""
    cookie: str = ""


class Exchange:
    """One fetch in progress: its hops, the response so far and any failure.

    Mutable on purpose, so that when the deadline cancels the work mid-body, :meth:`result`
    still reports every hop, the status, headers and the bytes that had arrived.
    """

    def __init__(
        self,
        pool: ConnectionPool,
        clock: Clock,
        limits: NetLimits,
        url: str,
        method: str,
    ) -> None:
        self.pool = pool
        self.clock = clock
        self.limits = limits
        self.url = url
        self.method = method
        self.started = clock()
        self.hops: list[Hop] = []
        self.current_url = url
        self.current_method = method
        self.probe = HopProbe(clock, limits.max_header_bytes)
        self.conn: H1Connection | None = None
        self.hop_started = self.started
        self.head_at: float | None = None
        self.hop_recorded = False
        self.status: int | None = None
        self.reason = ""
        self.headers: Headers = ()
        self.http_version = ""
        self.remote = ""
        self.location: str | None = None
        # BytesIO hands its buffer to getvalue() without a copy: peak memory stays at the cap.
        self.body = io.BytesIO()
        self.body_truncated = False
        self.failure: NetFailure | None = None
        self.resent = 0
        """Requests sent again after a kept-alive connection closed before answering."""

    # -- the exchange --

    async def execute(
        self,
        headers: list[tuple[str, str]],
        *,
        follow: bool,
        body: bytes | None,
        first_answer: FirstAnswer | None = None,
    ) -> None:
        try:
            await self._run(headers, follow=follow, body=body, first_answer=first_answer)
        finally:
            # However the fetch ends (a deadline or a cancellation lands here too), a
            # connection still held had its answer cut short: it is closed, never pooled.
            self._let_go(reuse=False)

    async def _run(
        self,
        headers: list[tuple[str, str]],
        *,
        follow: bool,
        body: bytes | None,
        first_answer: FirstAnswer | None,
    ) -> None:
        try:
            url = parse_url(self.url)
        except InvalidUrl as exc:
            self.fail(FailureKind.INVALID_URL, Phase.URL, f"Can't request {self.url!r}: {exc}")
            return
        request = self._build(self.method, url, headers, body)
        if request is None:
            return
        jar: ChainCookies | None = None
        visited = {_visit_key(request)}
        redirects = 0
        while True:
            head = await self._send(request)
            if head is None:
                return
            if self._head_too_large(head):
                return
            if not (follow and head.status in REDIRECT_STATUSES and self.location):
                await self._read_body()
                self._record_hop()
                return
            self._record_hop()
            tell = first_answer if not redirects else None
            if tell is not None and not tell(self._answer_so_far()):
                # Not to be followed after all: end as a fetch that does not follow it.
                self.hops.pop()
                self.hop_recorded = False
                await self._read_body()
                self._record_hop()
                return
            # The next hop goes elsewhere or later: this connection is kept only if the
            # redirect's body had already arrived whole.
            self._let_go(reuse=True)
            if any(name.lower() == "set-cookie" for name, _ in self.headers):
                with contextlib.suppress(Exception):
                    # Cookies only matter for later hops; a mangled Set-Cookie must not
                    # cost the response.
                    jar = jar or ChainCookies()
                    jar.extract(request.url.text, self.headers)
            redirects += 1
            if redirects > self.limits.max_redirects:
                self.fail(
                    FailureKind.TOO_MANY_REDIRECTS,
                    Phase.REDIRECT,
                    f"More than {self.limits.max_redirects} redirects, starting at "
                    f"{self.url}; the last went to {self.location}",
                )
                return
            next_request = self._redirect_request(request, head.status, jar, body)
            if next_request is None:
                return
            key = _visit_key(next_request)
            if key in visited:
                chain = " → ".join([*(hop.url for hop in self.hops), next_request.url.text])
                self.fail(FailureKind.REDIRECT_LOOP, Phase.REDIRECT, f"Redirect loop: {chain}")
                return
            visited.add(key)
            request = next_request

    def _answer_so_far(self) -> FetchResult | None:
        """The redirect just recorded as a fetch that does not follow it gives it, when its
        body has already arrived whole; ``None`` otherwise (it is not waited for)."""
        conn = self.conn
        return self.result() if conn is not None and conn.complete else None

    async def _send(self, request: Request) -> ResponseHead | None:
        self._start_hop(request)
        try:
            try:
                head = await self._attempt(request, fresh=False)
            except Dropped as exc:
                if not self._may_resend(request, exc):
                    raise
                # A kept-alive connection the server closed without saying so: send it
                # once more on a fresh one, as browsers do. The hop's timing starts again.
                self.resent += 1
                self._let_go(reuse=False)
                self._start_hop(request)
                head = await self._attempt(request, fresh=True)
        except Exception as exc:  # every transport failure becomes a result
            self._fail_from(exc)
            self._record_hop()
            return None
        self.head_at = self.clock()
        self.status = head.status
        self.reason = _decode_value(head.reason)
        self.headers = _decode_headers(head.headers)
        self.http_version = head.http_version
        self.location = next(
            (value for name, value in self.headers if name.lower() == "location"), None
        )
        return head

    async def _attempt(self, request: Request, *, fresh: bool) -> ResponseHead:
        conn = await self.pool.acquire(
            request.url, self.probe, self.limits.connect_timeout, fresh=fresh
        )
        self.conn = conn
        self.remote = conn.remote
        conn.send(
            self.probe,
            request.data,
            head_only=request.method == "HEAD",
            sink=self.body,
            body_cap=self.limits.max_body_bytes,
        )
        return await conn.wait_head()

    def _may_resend(self, request: Request, exc: Dropped) -> bool:
        """Whether a dropped request may go again: idempotent, on a reused connection (this hop
        opened none), with nothing of an answer read, and not tried again already."""
        return (
            not self.resent
            and exc.unanswered
            and not self.pool.closed
            and request.method in IDEMPOTENT_METHODS
            and self.probe.connect_ms is None
            and self.probe.bytes_received == 0
        )

    async def _read_body(self) -> None:
        conn = self.conn
        assert conn is not None
        cap = self.limits.max_body_bytes
        try:
            await conn.wait_body()
        except BodyTooLargeError:
            self.body_truncated = True
            self.fail(
                FailureKind.BODY_TOO_LARGE,
                Phase.BODY,
                f"The body of {self.current_url} is larger than the "
                f"{size_text(cap)} cap; kept the first {size_text(cap)}",
            )
            return
        except Exception as exc:  # a server cutting the body short is a result too
            self.body_truncated = True
            self._fail_from(exc)
            return
        self._let_go(reuse=True)

    def _let_go(self, *, reuse: bool) -> None:
        """Give the hop's connection back (``reuse``: if its answer was read whole) or close it."""
        conn, self.conn = self.conn, None
        if conn is None:
            return
        conn.done_with()
        if reuse and conn.complete:
            self.pool.release(conn)
        else:
            self.pool.discard(conn)

    def _head_too_large(self, head: ResponseHead) -> bool:
        count = len(head.headers)
        if count <= self.limits.max_headers:
            return False
        self._record_hop()
        self.fail(
            FailureKind.HEADERS_TOO_LARGE,
            Phase.HEADERS,
            f"{self.current_url} sent {count} header lines; the cap is {self.limits.max_headers}",
        )
        self.headers = self.headers[: self.limits.max_headers]
        return True

    def _redirect_request(
        self, request: Request, status: int, jar: ChainCookies | None, body: bytes | None
    ) -> Request | None:
        location = self.location or ""
        try:
            target = join_url(request.url, location)
        except InvalidUrl as exc:
            if "only http:// and https://" in str(exc):
                self.fail(
                    FailureKind.PROTOCOL,
                    Phase.REDIRECT,
                    f"{self.current_url} redirects to {location!r}, which is not an http(s) URL",
                )
            else:
                self.fail(
                    FailureKind.PROTOCOL,
                    Phase.REDIRECT,
                    f"{self.current_url} redirects to an invalid Location {location!r}: {exc}",
                )
            return None
        method = request.method
        # RFC 9110 §15.4: 303 turns into GET; 301/302 after POST do too, as every client does.
        if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
            method = "GET"
            body = None
        headers = [(k, v) for k, v in request.headers if k.lower() not in ("host", "cookie")]
        if target.host != request.url.host or target.scheme != request.url.scheme:
            # Credentials are for the origin they were given to.
            headers = [(k, v) for k, v in headers if k.lower() != "authorization"]
        if body is None:
            headers = [(k, v) for k, v in headers if k.lower() != "content-type"]
        cookie = jar.header_for(target.text) if jar is not None else None
        return self._build(method, target, headers, body, cookie=cookie or "")

    def _build(
        self,
        method: str,
        url: Url,
        headers: list[tuple[str, str]],
        body: bytes | None,
        *,
        cookie: str = "",
    ) -> Request | None:
        given = [(k, v) for k, v in headers if k.lower() not in _FRAMING]
        lines = [f"{method} {url.target} HTTP/1.1"]
        if not any(k.lower() == "host" for k, _ in given):
            lines.append(f"Host: {url.host_header}")
        valid = _TOKEN.fullmatch(method) is not None
        for name, value in given:
            value = value.strip(" \t")
            valid = valid and _TOKEN.fullmatch(name) is not None and not _BAD_VALUE.search(value)
            lines.append(f"{name}: {value}")
        if cookie:
            lines.append(f"Cookie: {cookie}")
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        elif method in _BODY_METHODS:
            lines.append("Content-Length: 0")
        lines.append("\r\n")
        try:
            if not valid:
                raise ValueError
            data = "\r\n".join(lines).encode("latin-1")
        except (ValueError, UnicodeEncodeError) as exc:
            # Not echoing the headers: one may hold a credential.
            self.fail(
                FailureKind.ERROR,
                Phase.REQUEST,
                f"Can't send the request to {url.text}: a header name or value, or the method, "
                "is not valid HTTP",
                type(exc).__name__,
            )
            return None
        return Request(method, url, given, body, data + body if body else data, cookie)

    # -- bookkeeping --

    def _start_hop(self, request: Request) -> None:
        self.current_url = request.url.text
        self.current_method = request.method
        self.probe = HopProbe(self.clock, self.limits.max_header_bytes)
        self.hop_started = self.clock()
        self.head_at = None
        self.hop_recorded = False
        self.status = None
        self.reason = ""
        self.headers = ()
        self.http_version = ""
        self.remote = ""
        self.location = None
        self.body = io.BytesIO()

    def _record_hop(self) -> None:
        if self.hop_recorded:
            return
        self.hop_recorded = True
        probe = self.probe
        end = self.clock()
        head_at = self.head_at if self.head_at is not None else end
        self.hops.append(
            Hop(
                url=self.current_url,
                method=self.current_method,
                status=self.status,
                location=self.location,
                elapsed_ms=(head_at - self.hop_started) * 1000.0,
                http_version=self.http_version,
                remote=self.remote or probe.connect_target,
                timing=self._timing(end),
            )
        )

    def _timing(self, end: float) -> Timing:
        probe = self.probe
        ttfb = None
        if probe.first_byte is not None and probe.request_started is not None:
            ttfb = (probe.first_byte - probe.request_started) * 1000.0
        return Timing(
            probe.dns_ms,
            probe.connect_ms,
            probe.tls_ms,
            ttfb,
            (end - self.hop_started) * 1000.0,
            tls_resumed=probe.tls_resumed,
        )

    def fail(
        self,
        kind: FailureKind,
        phase: Phase,
        message: str,
        detail: str = "",
        dns: DnsFailure | None = None,
    ) -> None:
        if self.failure is not None:
            return
        self.failure = NetFailure(
            kind=kind,
            phase=phase,
            message=clean(message, max_len=400),
            elapsed_ms=(self.clock() - self.started) * 1000.0,
            detail=clean(detail, max_len=400),
            dns=dns,
        )

    def fail_deadline(self) -> None:
        if self.conn is not None:
            self.conn.sync_probe()
        phase = self.probe.phase
        doing = {
            Phase.DNS: "looking up the name",
            Phase.CONNECT: f"connecting to {self.probe.connect_target}",
            Phase.TLS: "in the TLS handshake",
            Phase.REQUEST: f"sending the request ({self.probe.bytes_sent} bytes written)",
            Phase.HEADERS: self._waiting_text(),
            Phase.BODY: f"reading the body ({self.body.tell()} bytes received)",
        }.get(phase, "")
        if phase is Phase.CONNECT and not self.probe.connect_target:
            doing = "waiting for a free connection to the host"
        if phase is Phase.BODY:
            self.body_truncated = True
        self.fail(
            FailureKind.DEADLINE,
            phase,
            f"No complete response from {self.current_url} within "
            f"{seconds_text(self.limits.total_deadline)}; stopped while {doing}",
        )
        self._record_hop()

    def _waiting_text(self) -> str:
        probe = self.probe
        if probe.bytes_received == 0:
            return (
                f"waiting for an answer (the request was sent, {probe.bytes_sent} bytes; "
                "nothing came back)"
            )
        return f"reading the response headers ({probe.bytes_received} bytes received)"

    def _fail_from(self, exc: Exception) -> None:
        """Turn a transport exception into ``self.failure``."""
        if self.pool.closed:
            # Whatever the socket said (a reset, a half-read TLS record), the cause is ours.
            self.fail(
                FailureKind.ERROR,
                self.probe.phase,
                f"Stopped fetching {self.current_url}: the HTTP client was closed",
                f"{type(exc).__name__}: {exc}",
            )
            return
        diagnosis = diagnose(
            exc,
            phase=self.probe.phase,
            url=self.current_url,
            target=self.probe.connect_target,
            limits=self.limits,
        )
        detail = f"{type(exc).__name__}: {exc}"
        if diagnosis.kind is FailureKind.PROTOCOL:
            self._fail_protocol(exc, diagnosis.phase, detail)
        else:
            self.fail(diagnosis.kind, diagnosis.phase, diagnosis.message, detail, diagnosis.dns)

    def _fail_protocol(self, exc: Exception, phase: Phase, detail: str) -> None:
        head = bytes(self.probe.head)
        text = str(exc) or type(exc).__name__
        if self.head_at is not None:
            message = f"{self.current_url} broke off the body: {text}"
        elif head:
            # We could not parse the head (a bad header line, say): keep what was sent, as data.
            self.status, self.reason, self.headers = _parse_head_leniently(head)
            phase = Phase.HEADERS
            message = f"{self.current_url} sent a malformed response head: {text}"
        else:
            message = f"{self.current_url} closed the connection without a response ({text})"
        self.fail(FailureKind.PROTOCOL, phase, message, detail)

    def result(self) -> FetchResult:
        elapsed = (self.clock() - self.started) * 1000.0
        timing = self.hops[-1].timing if self.hops else Timing(total_ms=elapsed)
        return FetchResult(
            url=self.url,
            method=self.method,
            final_url=self.current_url,
            status=self.status,
            reason=self.reason,
            headers=self.headers,
            body=self.body.getvalue(),
            body_truncated=self.body_truncated,
            http_version=self.http_version,
            remote=self.remote or self.probe.connect_target,
            resent=self.resent,
            hops=tuple(self.hops),
            timing=timing,
            elapsed_ms=elapsed,
            failure=self.failure,
            raw_head=bytes(self.probe.head),
            decode_cap=self.limits.max_decoded_bytes,
        )


def _visit_key(request: Request) -> tuple[str, str, str]:
    # The cookie is part of the key: "/a sets a cookie and sends you to /b, /b sends you back
    # to /a" is a common login dance, not a loop.
    return (request.method, request.url.text, request.cookie)


def _decode_value(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _decode_headers(raw: Iterable[tuple[bytes, bytes]]) -> Headers:
    return tuple((_decode_value(name), _decode_value(value)) for name, value in raw)


def _parse_head_leniently(head: bytes) -> tuple[int | None, str, Headers]:
    """Status, reason and headers from a raw head the parser would not accept."""
    lines = head.replace(b"\r\n", b"\n").split(b"\n")
    status: int | None = None
    reason = ""
    parts = lines[0].split(b" ", 2) if lines else []
    if len(parts) >= 2 and parts[1].isdigit():
        status = int(parts[1])
        reason = _decode_value(parts[2]) if len(parts) == 3 else ""
    headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if sep and name:
            headers.append((_decode_value(name.strip()), _decode_value(value.strip())))
    return status, reason, tuple(headers)

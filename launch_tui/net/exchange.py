"""One fetch: send, record the hop, follow redirects, read the body within its cap.

:class:`Exchange` is driven by :meth:`HttpClient.fetch <launch_tui.net.http.HttpClient.fetch>`
inside the request's deadline; see ``http.py`` for the rules it enforces.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterable

import httpx

from launch_tui.core.sanitize import clean
from launch_tui.net.classify import Diagnosis, diagnose, size_text
from launch_tui.net.failures import DnsFailure, FailureKind, NetFailure, Phase, seconds_text
from launch_tui.net.results import FetchResult, Headers, Hop, Timing
from launch_tui.net.settings import NetLimits, join_host_port
from launch_tui.net.transport import HopProbe, ResolvingTransport, probing

Clock = Callable[[], float]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
#: Methods a client may send again after a connection dropped (RFC 9110 9.2.2).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
#: What httpcore raises when a connection closes or resets under a request.
_DROPPED = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


class Exchange:
    """One fetch in progress: its hops, the response so far and any failure.

    Mutable on purpose, so that when the deadline cancels the work mid-body, :meth:`result`
    still reports every hop, the status, headers and the bytes that had arrived.
    """

    def __init__(
        self,
        transport: ResolvingTransport,
        clock: Clock,
        limits: NetLimits,
        url: str,
        method: str,
    ) -> None:
        self.transport = transport
        self.clock = clock
        self.limits = limits
        self.url = url
        self.method = method
        self.started = clock()
        self.hops: list[Hop] = []
        self.current_url = url
        self.current_method = method
        self.probe = HopProbe(clock, limits.max_header_bytes)
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
        self, headers: list[tuple[str, str]], *, follow: bool, body: bytes | None
    ) -> None:
        jar = httpx.Cookies()
        try:
            url = httpx.URL(self.url)
        except (httpx.InvalidURL, TypeError, ValueError) as exc:
            self.fail(FailureKind.INVALID_URL, Phase.URL, f"Can't request {self.url!r}: {exc}")
            return
        if url.scheme not in ("http", "https") or not url.host:
            self.fail(
                FailureKind.INVALID_URL,
                Phase.URL,
                f"Can't request {self.url!r}: only http:// and https:// URLs with a host",
            )
            return
        request = self._build(self.method, url, headers, body)
        if request is None:
            return
        visited = {_visit_key(request)}
        redirects = 0
        while True:
            response = await self._send(request)
            if response is None:
                return
            try:
                with contextlib.suppress(Exception):
                    # Cookies only matter for later hops; a mangled Set-Cookie must not
                    # cost the response.
                    jar.extract_cookies(response)
                if self._head_too_large(response):
                    return
                if not (follow and response.status_code in REDIRECT_STATUSES and self.location):
                    await self._read_body(response)
                    self._record_hop()
                    return
                self._record_hop()
            finally:
                await response.aclose()
            redirects += 1
            if redirects > self.limits.max_redirects:
                self.fail(
                    FailureKind.TOO_MANY_REDIRECTS,
                    Phase.REDIRECT,
                    f"More than {self.limits.max_redirects} redirects, starting at "
                    f"{self.url}; the last went to {self.location}",
                )
                return
            next_request = self._redirect_request(request, response, jar, body)
            if next_request is None:
                return
            key = _visit_key(next_request)
            if key in visited:
                chain = " → ".join([*(hop.url for hop in self.hops), str(next_request.url)])
                self.fail(FailureKind.REDIRECT_LOOP, Phase.REDIRECT, f"Redirect loop: {chain}")
                return
            visited.add(key)
            request = next_request

    async def _send(self, request: httpx.Request) -> httpx.Response | None:
        self._start_hop(request)
        try:
            with probing(self.probe):
                try:
                    response = await self.transport.handle_async_request(request)
                except _DROPPED:
                    if not self._may_resend(request):
                        raise
                    # A kept-alive connection the server closed without saying so: send it
                    # once more on a fresh one, as browsers do. The hop's timing starts again.
                    self.resent += 1
                    self._start_hop(request)
                    with probing(self.probe):
                        response = await self.transport.handle_async_request(request)
                response.request = request
        except Exception as exc:  # every transport failure becomes a result
            self._fail_from(exc)
            self._record_hop()
            return None
        self.head_at = self.clock()
        self.status = response.status_code
        self.reason = response.reason_phrase
        self.headers = _decode_headers(response.headers.raw)
        self.http_version = response.http_version
        self.remote = _remote(response)
        self.location = response.headers.get("location")
        return response

    def _may_resend(self, request: httpx.Request) -> bool:
        """Whether a dropped request may go again: idempotent, on a reused connection (this hop
        opened none), with nothing of an answer read, and not tried again already."""
        probe = self.probe
        return (
            not self.resent
            and not self.transport.closed
            and request.method in IDEMPOTENT_METHODS
            and probe.connect_ms is None
            and probe.bytes_received == 0
        )

    async def _read_body(self, response: httpx.Response) -> None:
        cap = self.limits.max_body_bytes
        try:
            with probing(self.probe):
                self.probe.phase = Phase.BODY
                async for chunk in response.aiter_raw():
                    room = cap - self.body.tell()
                    if len(chunk) > room:
                        self.body.write(chunk[:room])
                        self.body_truncated = True
                        self.fail(
                            FailureKind.BODY_TOO_LARGE,
                            Phase.BODY,
                            f"The body of {self.current_url} is larger than the "
                            f"{size_text(cap)} cap; kept the first {size_text(cap)}",
                        )
                        return
                    self.body.write(chunk)
        except Exception as exc:  # a server cutting the body short is a result too
            self.body_truncated = True
            self._fail_from(exc)

    def _head_too_large(self, response: httpx.Response) -> bool:
        count = len(response.headers.raw)
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
        self,
        request: httpx.Request,
        response: httpx.Response,
        jar: httpx.Cookies,
        body: bytes | None,
    ) -> httpx.Request | None:
        location = self.location or ""
        try:
            target = request.url.join(location.strip())
        except (httpx.InvalidURL, ValueError) as exc:
            self.fail(
                FailureKind.PROTOCOL,
                Phase.REDIRECT,
                f"{self.current_url} redirects to an invalid Location {location!r}: {exc}",
            )
            return None
        if target.scheme not in ("http", "https") or not target.host:
            self.fail(
                FailureKind.PROTOCOL,
                Phase.REDIRECT,
                f"{self.current_url} redirects to {location!r}, which is not an http(s) URL",
            )
            return None
        target = target.copy_with(fragment=None)
        method = request.method
        status = response.status_code
        # RFC 9110 §15.4: 303 turns into GET; 301/302 after POST do too, as every client does.
        if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
            method = "GET"
            body = None
        headers = [
            (k, v)
            for k, v in request.headers.multi_items()
            if k.lower() not in ("host", "cookie", "content-length", "transfer-encoding")
        ]
        if target.host != request.url.host or target.scheme != request.url.scheme:
            # Credentials are for the origin they were given to.
            headers = [(k, v) for k, v in headers if k.lower() != "authorization"]
        if body is None:
            headers = [(k, v) for k, v in headers if k.lower() != "content-type"]
        next_request = self._build(method, target, headers, body)
        if next_request is not None:
            jar.set_cookie_header(next_request)
        return next_request

    def _build(
        self,
        method: str,
        url: httpx.URL,
        headers: list[tuple[str, str]],
        body: bytes | None,
    ) -> httpx.Request | None:
        try:
            return httpx.Request(
                method,
                url,
                headers=headers,
                content=body,
                extensions={"timeout": self._timeouts().as_dict()},
            )
        except (ValueError, TypeError) as exc:
            # Not echoing the headers: one may hold a credential.
            self.fail(
                FailureKind.ERROR,
                Phase.REQUEST,
                f"Can't build the request to {url}: a header name or value is not valid HTTP",
                type(exc).__name__,
            )
            return None

    def _timeouts(self) -> httpx.Timeout:
        # Only connecting gets its own timeout; everything else is bounded by the deadline.
        return httpx.Timeout(None, connect=self.limits.connect_timeout)

    # -- bookkeeping --

    def _start_hop(self, request: httpx.Request) -> None:
        self.current_url = str(request.url)
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
            probe.dns_ms, probe.connect_ms, probe.tls_ms, ttfb, (end - self.hop_started) * 1000.0
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
        phase = self.probe.phase
        doing = {
            Phase.DNS: "looking up the name",
            Phase.CONNECT: f"connecting to {self.probe.connect_target}",
            Phase.TLS: "in the TLS handshake",
            Phase.REQUEST: f"sending the request ({self.probe.bytes_sent} bytes written)",
            Phase.HEADERS: self._waiting_text(),
            Phase.BODY: f"reading the body ({self.body.tell()} bytes received)",
        }.get(phase, "")
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
        if self.transport.closed:
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
        if isinstance(exc, httpx.LocalProtocolError):
            # h11 quotes the offending request header, which may be a credential.
            detail = type(exc).__name__
            diagnosis = Diagnosis(
                FailureKind.ERROR,
                Phase.REQUEST,
                f"Can't send the request to {self.current_url}: a header or the method is "
                "not valid HTTP",
            )
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
            # h11 refused the head (a NUL in a header, say): keep what was sent, as data.
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


def _visit_key(request: httpx.Request) -> tuple[str, str, str]:
    # The cookie is part of the key: "/a sets a cookie and sends you to /b, /b sends you back
    # to /a" is a common login dance, not a loop.
    return (request.method, str(request.url), request.headers.get("cookie", ""))


def _decode_value(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _decode_headers(raw: Iterable[tuple[bytes, bytes]]) -> Headers:
    return tuple((_decode_value(name), _decode_value(value)) for name, value in raw)


def _parse_head_leniently(head: bytes) -> tuple[int | None, str, Headers]:
    """Status, reason and headers from a raw head h11 would not accept."""
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


def _remote(response: httpx.Response) -> str:
    stream = response.extensions.get("network_stream")
    address = stream.get_extra_info("server_addr") if stream is not None else None
    if isinstance(address, tuple) and len(address) >= 2:
        return join_host_port(str(address[0]), int(address[1]))
    return ""

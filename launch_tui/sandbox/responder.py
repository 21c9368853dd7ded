"""What one sandbox host answers: routing, host-wide rules, latency, and the request log.

Order of decisions for a request: plain HTTP rule (redirect to https / close / serve) ->
host-wide canonical redirect -> route lookup (404, 405) -> latency -> auth and signature gates
-> the route's response (or its hostile behaviour).
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

from launch_tui.sandbox.behaviours import gzip_bomb_response, hostile_response
from launch_tui.sandbox.content import not_found_page, route_body
from launch_tui.sandbox.deploys import Deployments, released
from launch_tui.sandbox.http11 import Request, Response
from launch_tui.sandbox.latency import Latency, LatencySampler, route_seed
from launch_tui.sandbox.rdap import CONTENT_TYPE as RDAP_CONTENT_TYPE
from launch_tui.sandbox.rdap import rdap_answer
from launch_tui.sandbox.world import GzipBomb, HostSpec, PlainHttp, RdapSpec, RouteSpec, TlsCase


@dataclass(frozen=True)
class ServedRequest:
    """One request a sandbox host answered (or decided not to)."""

    host: str
    scheme: str
    method: str
    path: str
    status: int
    """0 when the connection was closed without an answer."""
    planned_delay_ms: float
    """The delay drawn from the route's distribution (the ground truth)."""
    applied_delay_ms: float
    """The delay actually waited, measured around the sleep on the event loop's clock."""


class RequestLog:
    """Every request every host of a world served, and the delays applied per route."""

    def __init__(self, limit: int = 500_000) -> None:
        self.requests: deque[ServedRequest] = deque(maxlen=limit)
        self._delays: dict[tuple[str, str, str], list[ServedRequest]] = {}

    def add(self, served: ServedRequest, route_key: tuple[str, str, str] | None) -> None:
        self.requests.append(served)
        if route_key is not None:
            self._delays.setdefault(route_key, []).append(served)

    def for_route(self, host: str, path: str, method: str = "GET") -> tuple[ServedRequest, ...]:
        return tuple(self._delays.get((host, method.upper(), path), ()))

    def clear(self) -> None:
        self.requests.clear()
        self._delays.clear()


class Responder:
    """Answers requests for one host."""

    def __init__(
        self,
        host: HostSpec,
        world_seed: int,
        log: RequestLog,
        started_at: datetime,
        rdap: RdapSpec | None = None,
        deploys: Deployments | None = None,
    ) -> None:
        """``deploys`` sets the release the host reports (``None``: as the world says)."""
        self.host = host
        self._deploys = deploys
        self._log = log
        self._started_at = started_at
        self._rdap = rdap
        self._samplers = {
            (r.method, r.path): LatencySampler(
                r.latency, route_seed(world_seed, host.name, r.method, r.path)
            )
            for r in host.routes
        }
        self._ray_seed = f"{world_seed}:{host.name}"
        self._served = 0

    def latency(self, path: str, method: str = "GET") -> Latency:
        return self._samplers[(method.upper(), path)].latency

    async def respond(self, request: Request, scheme: str) -> Response | None:
        """The response to ``request``; ``None`` means close the connection without one."""
        self._served += 1
        if scheme == "http" and self.host.tls is not TlsCase.NONE:
            if self.host.http is PlainHttp.CLOSE:
                self._record(request, scheme, 0)
                return None
            if self.host.http is PlainHttp.REDIRECT:
                return self._redirect(request, scheme, f"https://{self.host.name}{request.target}")
        if self.host.redirect_to:
            return self._redirect(request, scheme, self.host.redirect_to + request.target)
        if self._rdap is not None:
            return self._rdap_response(request, scheme)
        route, allowed = self._match(request)
        if route is None:
            if allowed:
                response = self._base(request, scheme, 405)
                response.headers.append(("Allow", ", ".join(allowed)))
            else:
                response = self._base(request, scheme, 404)
                response.headers.append(("Content-Type", "text/html; charset=utf-8"))
                response.body = not_found_page(self.host.name, request.path)
            self._record(request, scheme, response.status)
            return response
        planned, applied = await self._delay(route)
        response = await self._route_response(route, request, scheme)
        if self._deploys is not None:
            response = await released(self._deploys, self.host.name, route, response)
        self._record(request, scheme, response.status, route, planned, applied)
        return response

    def _match(self, request: Request) -> tuple[RouteSpec | None, list[str]]:
        method = "GET" if request.method == "HEAD" else request.method
        allowed = []
        for route in self.host.routes:
            if route.path != request.path:
                continue
            if route.method == method:
                return route, []
            allowed.append(route.method)
        return None, allowed

    async def _delay(self, route: RouteSpec) -> tuple[float, float]:
        planned = self._samplers[(route.method, route.path)].next_ms()
        if planned <= 0:
            return 0.0, 0.0
        loop = asyncio.get_running_loop()
        start = loop.time()
        await asyncio.sleep(planned / 1000)
        return planned, (loop.time() - start) * 1000

    async def _route_response(self, route: RouteSpec, request: Request, scheme: str) -> Response:
        if route.require_auth and not request.header("authorization"):
            response = self._base(request, scheme, 401, route)
            response.headers.append(("WWW-Authenticate", f'Bearer realm="{self.host.name}"'))
            _json_body(response, {"error": "unauthorized"})
            return response
        if route.require_signature and not request.header(route.require_signature):
            response = self._base(request, scheme, 400, route)
            _json_body(response, {"error": f"missing {route.require_signature} header"})
            return response
        response = self._base(request, scheme, route.status, route)
        response.headers.extend(route.headers)
        if route.redirect:
            response.headers.append(("Location", route.redirect))
        body, content_type = route_body(route)
        if content_type and not response.header("content-type"):
            response.headers.append(("Content-Type", content_type))
        if route.gzip:
            response.headers.append(("Vary", "Accept-Encoding"))
            if body and request.accepts_gzip():
                body = gzip.compress(body, mtime=0)
                response.headers.append(("Content-Encoding", "gzip"))
        response.body = body
        if isinstance(route.behaviour, GzipBomb):
            return await gzip_bomb_response(route.behaviour, response)
        if route.behaviour is not None:
            return hostile_response(route.behaviour, response)
        return response

    def _base(
        self, request: Request, scheme: str, status: int, route: RouteSpec | None = None
    ) -> Response:
        """A response with the headers every answer of this host carries."""
        headers = [("Date", format_datetime(datetime.now(UTC), usegmt=True))]
        host_headers = list(self.host.headers)
        if self.host.cloudflare:
            host_headers = [(k, v) for k, v in host_headers if k.lower() != "server"]
            headers.append(("Server", "cloudflare"))
            headers.append(("CF-Ray", self._cf_ray()))
            route_has_status = route is not None and any(
                k.lower() == "cf-cache-status" for k, _ in route.headers
            )
            if not route_has_status:
                headers.append(("CF-Cache-Status", "DYNAMIC"))
        headers.extend(host_headers)
        if scheme == "https" and self.host.hsts:
            headers.append(("Strict-Transport-Security", self.host.hsts))
        if route is not None and route.echo_request_id:
            headers.append(("X-Request-ID", request.header("x-request-id") or str(uuid.uuid4())))
        return Response(status=status, headers=headers)

    def _redirect(self, request: Request, scheme: str, location: str) -> Response:
        response = self._base(request, scheme, 301)
        response.headers.append(("Location", location))
        response.headers.append(("Content-Type", "text/html; charset=utf-8"))
        response.body = b"<html><body>Moved Permanently</body></html>\n"
        self._record(request, scheme, 301)
        return response

    def _rdap_response(self, request: Request, scheme: str) -> Response:
        assert self._rdap is not None
        if request.method not in ("GET", "HEAD"):
            response = self._base(request, scheme, 405)
            response.headers.append(("Allow", "GET, HEAD"))
        else:
            status, data = rdap_answer(self._rdap, request.path, self._started_at)
            response = self._base(request, scheme, status)
            response.headers.append(("Access-Control-Allow-Origin", "*"))
            response.headers.append(("Content-Type", RDAP_CONTENT_TYPE))
            response.body = json.dumps(data, indent=2).encode()
        self._record(request, scheme, response.status)
        return response

    def _cf_ray(self) -> str:
        digest = hashlib.sha256(f"{self._ray_seed}:{self._served}".encode()).hexdigest()
        return f"{digest[:16]}-SJC"

    def _record(
        self,
        request: Request,
        scheme: str,
        status: int,
        route: RouteSpec | None = None,
        planned: float = 0.0,
        applied: float = 0.0,
    ) -> None:
        served = ServedRequest(
            host=self.host.name,
            scheme=scheme,
            method=request.method,
            path=request.path,
            status=status,
            planned_delay_ms=planned,
            applied_delay_ms=applied,
        )
        key = (self.host.name, route.method, route.path) if route is not None else None
        self._log.add(served, key)


def _json_body(response: Response, data: dict[str, str]) -> None:
    response.headers.append(("Content-Type", "application/json"))
    response.body = json.dumps(data).encode()

"""The sandbox's deploy control surface: a plain-HTTP admin port on 127.0.0.1.

What a platform's deploy button or CLI does for a real client, this port does for the sandbox
(``launch-tui sandbox`` and ``launch-tui demo`` print its address)::

    GET  /deploys                              every deployable host: release, reported, health
    POST /deploys/HOST?version=V[&BAD]         deploy release V on HOST
    POST /deploys/HOST/rollback[?BAD]          return HOST to the release before the live one

where ``BAD`` makes the rollout go wrong for a while: ``unhealthy_s=N`` (``never`` for a health
route that does not recover), ``lag_s=N``, ``flap_s=N``, ``hang_s=N`` (see
:mod:`launch_tui.sandbox.deploys`). Answers are JSON; a refused request answers 400, 404 or 409
with ``{"error": "..."}``. It listens on loopback only and takes no credentials: it exists only
while the sandbox runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import socket
from urllib.parse import parse_qsl, unquote, urlsplit

from launch_tui.sandbox.deploys import BadRollout, DeployError, Deployments
from launch_tui.sandbox.http11 import BadRequest, Request, Response, read_request, write_response
from launch_tui.sandbox.listener import Listener, listening_socket

_BAD_KEYS = ("unhealthy_s", "lag_s", "flap_s", "hang_s")
IDLE_TIMEOUT = 30.0


class DeployAdmin:
    """Serves the admin port for one world's :class:`Deployments`."""

    def __init__(self, deploys: Deployments, address: str = "127.0.0.1", port: int = 0) -> None:
        self.deploys = deploys
        self.address = address
        self._wanted_port = port
        self.port = 0
        self._listener: Listener | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{self.address}:{self.port}"

    @property
    def errors(self) -> list[str]:
        return self._listener.tasks.errors if self._listener else []

    async def start(self) -> None:
        sock = listening_socket(self.address, self._wanted_port, "the deploy admin port")
        self.port = sock.getsockname()[1]
        self._listener = Listener(sock, self._connection, "deploy-admin")
        self._listener.start()

    async def close(self) -> None:
        if self._listener is not None:
            await self._listener.close()

    async def _connection(self, conn: socket.socket) -> None:
        assert self._listener is not None
        writer: asyncio.StreamWriter | None = None
        try:
            reader, writer = await self._listener.streams(conn)
            while True:
                try:
                    async with asyncio.timeout(IDLE_TIMEOUT):
                        request = await read_request(reader, writer)
                except (BadRequest, TimeoutError):
                    return
                if request is None:
                    return
                response = self.answer(request)
                if not request.keep_alive:
                    response.close = True
                await write_response(writer, response, head_only=request.method == "HEAD")
                if response.close:
                    return
        except (OSError, EOFError):
            pass
        finally:
            if writer is not None:
                writer.transport.abort()

    def answer(self, request: Request) -> Response:
        """The admin port's answer to one request."""
        parts = urlsplit(request.target)
        segments = [unquote(s) for s in parts.path.strip("/").split("/") if s]
        query = dict(parse_qsl(parts.query))
        try:
            if segments == ["deploys"] and request.method in ("GET", "HEAD"):
                return _json(200, {"hosts": [s.as_json() for s in self.deploys.statuses()]})
            if len(segments) in (2, 3) and segments[0] == "deploys":
                if request.method != "POST":
                    return _json(405, {"error": "use POST to deploy or roll back"})
                host = segments[1].lower()
                bad = _bad_rollout(query)
                if len(segments) == 3 and segments[2] == "rollback":
                    return _json(200, self.deploys.rollback(host, bad).as_json())
                if len(segments) == 2:
                    version = query.get("version", "")
                    if not version:
                        return _json(400, {"error": "say which release: ?version=V"})
                    return _json(200, self.deploys.deploy(host, version, bad).as_json())
            return _json(404, {"error": "no such admin route; see GET /deploys"})
        except DeployError as exc:
            status = 404 if "no deployable host" in exc.message else 409
            if "must be" in exc.message or "not a release" in exc.message:
                status = 400
            return _json(status, {"error": exc.message})


def _bad_rollout(query: dict[str, str]) -> BadRollout:
    values: dict[str, float] = {}
    for key in _BAD_KEYS:
        raw = query.get(key)
        if raw is None:
            continue
        if raw.strip().lower() in ("never", "inf"):
            values[key] = math.inf
            continue
        try:
            values[key] = float(raw)
        except ValueError:
            raise DeployError(f"{key} must be a number of seconds, not {raw[:40]!r}") from None
        if not math.isfinite(values[key]):
            raise DeployError(f"{key} must be a number of seconds >= 0, not {raw[:40]!r}")
    return BadRollout(**values)


def _json(status: int, data: object) -> Response:
    response = Response(status, [("Content-Type", "application/json")])
    response.body = json.dumps(data, indent=2).encode()
    return response


async def call_admin(
    base_url: str, method: str, target: str, timeout_s: float = 5.0
) -> tuple[int, dict[str, object]]:
    """One request to a deploy admin port (``http://127.0.0.1:PORT``): status and JSON answer.

    For the demo's TUI, which drives the sandbox it started; refuses anything but loopback.
    """
    parts = urlsplit(base_url)
    host, port = parts.hostname or "", parts.port or 80
    if parts.scheme != "http" or host not in ("127.0.0.1", "localhost"):
        raise DeployError(f"not a sandbox deploy admin URL: {base_url!r}")
    async with asyncio.timeout(timeout_s):
        reader, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(
                f"{method} {target} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: 0\r\n"
                "Connection: close\r\n\r\n".encode()
            )
            await writer.drain()
            raw = await reader.read(1024 * 1024)
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/1.") else 0
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        data = {}
    return status, data if isinstance(data, dict) else {}

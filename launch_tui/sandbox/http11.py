"""A small HTTP/1.1 implementation on asyncio streams: requests in, responses out, byte by byte.

Not a framework on purpose: hostile behaviours need to control every byte (drip the status
line, send 5000 headers, put escape sequences in header values, stream 50 MB, lie about
encodings). This module reads requests (Content-Length and chunked bodies, keep-alive) and
writes responses (Content-Length, chunked, streamed, HEAD without a body).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus

MAX_LINE = 8 * 1024
MAX_HEADERS = 200
MAX_BODY = 1024 * 1024


class BadRequest(Exception):
    """The client sent something that is not HTTP/1.1 we accept; answer 400 and close."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.status = status


@dataclass(frozen=True)
class Request:
    method: str
    target: str
    """The request-target as sent (path and query)."""
    version: str
    headers: tuple[tuple[str, str], ...]
    """Names lower-cased, in the order received."""
    body: bytes = b""

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0].split("#", 1)[0] or "/"

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or ``None``."""
        name = name.lower()
        return next((v for k, v in self.headers if k == name), None)

    @property
    def keep_alive(self) -> bool:
        connection = (self.header("connection") or "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" in connection
        return "close" not in connection

    def accepts_gzip(self) -> bool:
        return "gzip" in (self.header("accept-encoding") or "").lower()


#: A body produced piece by piece (huge bodies, drips); each piece is written and drained.
BodyStream = Callable[[], AsyncIterator[bytes]]
#: Total control of the connection once the request is read (dripping the headers, hanging).
RawWriter = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    stream: BodyStream | None = None
    """Streamed body; sent chunked unless ``length`` is given."""
    length: int | None = None
    """Content-Length of a streamed body, when known."""
    raw: RawWriter | None = None
    """Bypass normal writing entirely; the connection closes afterwards."""
    close: bool = False
    """Close the connection after this response."""
    drop_after: int = 0
    """Close the connection silently (no ``Connection: close``) once it has carried this many
    requests; 0 never does."""
    drop_on_next: bool = False
    """With ``drop_after``: read the next request first, then close without answering it."""

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)


async def read_request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter | None = None
) -> Request | None:
    """The next request on the connection, or ``None`` when the client closed it cleanly.

    With ``writer``, a client that sent ``Expect: 100-continue`` is told to go on (curl waits
    a second for that before sending a large body)."""
    line = await _read_line(reader, allow_eof=True)
    if line is None:
        return None
    while line == "":  # RFC 9112 2.2: ignore empty lines before a request-line
        line = await _read_line(reader, allow_eof=True)
        if line is None:
            return None
    parts = line.split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise BadRequest("malformed request line")
    method, target, version = parts
    headers: list[tuple[str, str]] = []
    while True:
        header_line = await _read_line(reader, allow_eof=False)
        assert header_line is not None
        if header_line == "":
            break
        if len(headers) >= MAX_HEADERS:
            raise BadRequest("too many request headers", 431)
        name, sep, value = header_line.partition(":")
        if not sep or not name or name != name.strip():
            raise BadRequest("malformed header line")
        headers.append((name.lower(), value.strip()))
    request = Request(method.upper(), target, version, tuple(headers))
    if writer is not None and (request.header("expect") or "").lower() == "100-continue":
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    body = await _read_body(reader, request)
    return Request(request.method, target, version, request.headers, body)


async def _read_line(reader: asyncio.StreamReader, allow_eof: bool) -> str | None:
    try:
        raw = await reader.readuntil(b"\n")
    except asyncio.IncompleteReadError as exc:
        if allow_eof and not exc.partial:
            return None
        raise BadRequest("connection closed mid-request") from None
    except asyncio.LimitOverrunError:
        raise BadRequest("line too long", 431) from None
    if len(raw) > MAX_LINE:
        raise BadRequest("line too long", 431)
    return raw.rstrip(b"\r\n").decode("latin-1")


async def _read_body(reader: asyncio.StreamReader, request: Request) -> bytes:
    encoding = (request.header("transfer-encoding") or "").lower()
    if encoding:
        if encoding != "chunked":
            raise BadRequest(f"unsupported transfer-encoding {encoding!r}", 501)
        return await _read_chunked(reader)
    length_text = request.header("content-length")
    if length_text is None:
        return b""
    if not length_text.isdigit():
        raise BadRequest("bad content-length")
    length = int(length_text)
    if length > MAX_BODY:
        raise BadRequest("request body too large", 413)
    try:
        return await reader.readexactly(length)
    except asyncio.IncompleteReadError:
        raise BadRequest("connection closed mid-body") from None


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        size_line = await _read_line(reader, allow_eof=False)
        assert size_line is not None
        try:
            size = int(size_line.split(";", 1)[0].strip(), 16)
        except ValueError:
            raise BadRequest("bad chunk size") from None
        if size == 0:
            while await _read_line(reader, allow_eof=False):  # trailers, then the blank line
                pass
            return bytes(body)
        if len(body) + size > MAX_BODY:
            raise BadRequest("request body too large", 413)
        try:
            body += await reader.readexactly(size)
            await reader.readexactly(2)
        except asyncio.IncompleteReadError:
            raise BadRequest("connection closed mid-chunk") from None


def reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def head_bytes(status: int, headers: list[tuple[str, str]]) -> bytes:
    """Status line and headers, verbatim (values are UTF-8; CR/LF were refused at load)."""
    lines = [f"HTTP/1.1 {status} {reason(status)}"]
    lines.extend(f"{name}: {value}" for name, value in headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")


async def write_response(writer: asyncio.StreamWriter, response: Response, head_only: bool) -> None:
    """Send ``response``; framing headers are added here, so callers never set them."""
    headers = [
        (k, v)
        for k, v in response.headers
        if k.lower() not in ("content-length", "transfer-encoding")
    ]
    no_body = head_only or response.status in (204, 304) or response.status < 200
    if response.stream is None:
        if response.status not in (204, 304) and response.status >= 200:
            headers.append(("Content-Length", str(len(response.body))))
    elif response.length is not None:
        headers.append(("Content-Length", str(response.length)))
    else:
        headers.append(("Transfer-Encoding", "chunked"))
    if response.close:
        headers.append(("Connection", "close"))
    head = head_bytes(response.status, headers)
    if no_body:
        writer.write(head)
        await writer.drain()
        return
    if response.stream is None:
        writer.write(head + response.body)  # one send: fewer segments, fewer syscalls
        await writer.drain()
        return
    writer.write(head)
    chunked = response.length is None
    async for piece in response.stream():
        if not piece:
            continue
        writer.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
        await writer.drain()
    if chunked:
        writer.write(b"0\r\n\r\n")
    await writer.drain()

"""The HTTP client against real loopback servers: routing, hops, deadlines, caps, failures."""

from __future__ import annotations

import asyncio
import time
import tracemalloc
import unicodedata
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from net_fixtures import (
    DnsServer,
    Handler,
    HttpServer,
    Pki,
    Request,
    Zone,
    black_hole,
    closed_port,
    drip_body,
    drip_head,
    echo_host,
    endless_body,
    gzip_bomb,
    late_redirect,
    many_headers,
    redirect,
    respond,
    response_bytes,
    server_context,
)

from launch_tui.core.sanitize import clean
from launch_tui.net import (
    DnsFailureKind,
    FailureKind,
    FetchResult,
    HttpClient,
    Nameserver,
    NetConfig,
    NetLimits,
    Phase,
    Resolver,
    make_http_client,
    parse_resolve,
)

MIB = 1024 * 1024


def client_for(
    *,
    overrides: tuple[str, ...] = (),
    limits: NetLimits | None = None,
    ca_bundle: str | None = None,
    nameserver_port: int | None = None,
) -> HttpClient:
    limits = limits or NetLimits(total_deadline=5.0, connect_timeout=2.0)
    nameservers = (Nameserver("127.0.0.1", nameserver_port),) if nameserver_port else ()
    config = NetConfig(
        nameservers=nameservers,
        overrides=tuple(parse_resolve(o) for o in overrides),
        ca_bundle=ca_bundle,
        limits=limits,
    )
    resolver = Resolver(
        nameservers or (Nameserver("127.0.0.1", closed_port()),),
        limits=NetLimits(dns_timeout=0.3, dns_lifetime=0.6),
    )
    return make_http_client(config, resolver)


@pytest.fixture
async def client() -> AsyncIterator[HttpClient]:
    async with client_for() as c:
        yield c


# -- routing: overrides, resolver, Host and SNI -----------------------------------------------


async def test_override_keeps_host_header_and_sni(tmp_path: Path) -> None:
    pki = Pki(tmp_path)
    leaf = pki.leaf(["app.example.test"])
    context = server_context(pki.chain_file(leaf, pki.intermediate), leaf.key_path)
    async with HttpServer({"/": echo_host()}, ssl_context=context) as server:
        override = f"app.example.test=127.0.0.1:{server.port}"
        async with client_for(overrides=(override,), ca_bundle=str(pki.bundle_path)) as c:
            result = await c.fetch("https://app.example.test/")
    assert result.failure is None, result.failure
    assert result.status == 200
    assert result.body == b"app.example.test"
    assert server.requests[0].header("host") == "app.example.test"
    assert server.sni_names == ["app.example.test"]
    assert result.remote == server.address
    assert result.http_version == "HTTP/1.1"
    assert result.timing.tls_ms is not None and result.timing.tls_ms > 0
    assert result.timing.dns_ms is None  # the override skipped DNS


async def test_port_specific_overrides_split_http_and_https() -> None:
    async with (
        HttpServer({"/": respond(200, body=b"plain")}) as plain,
        HttpServer({"/": respond(200, body=b"other")}) as other,
    ):
        overrides = (
            f"site.example.test:80=127.0.0.1:{plain.port}",
            f"site.example.test=127.0.0.1:{other.port}",
        )
        async with client_for(overrides=overrides) as c:
            on_80 = await c.fetch("http://site.example.test/")
            on_8080 = await c.fetch("http://site.example.test:8080/")
    assert on_80.body == b"plain"
    assert on_8080.body == b"other"
    assert other.requests[0].header("host") == "site.example.test:8080"


async def test_names_resolve_through_our_resolver() -> None:
    zone = Zone()
    zone.add("www.example.test", "A", "127.0.0.1")
    async with (
        DnsServer(zone) as dns_server,
        HttpServer({"/": echo_host()}) as server,
        client_for(nameserver_port=dns_server.port) as c,
    ):
        result = await c.fetch(f"http://www.example.test:{server.port}/")
    assert result.status == 200
    assert result.body == f"www.example.test:{server.port}".encode()
    assert result.timing.dns_ms is not None
    assert result.timing.connect_ms is not None


async def test_nxdomain_is_a_dns_failure() -> None:
    async with (
        DnsServer(Zone()) as dns_server,
        client_for(nameserver_port=dns_server.port) as c,
    ):
        result = await c.fetch("http://missing.example.test/")
    assert result.failure is not None
    assert result.failure.kind is FailureKind.DNS
    assert result.failure.dns is not None
    assert result.failure.dns.kind is DnsFailureKind.NXDOMAIN
    assert "missing.example.test" in result.failure.message
    assert result.status is None


# -- redirects ---------------------------------------------------------------------------------


async def test_hop_recorder_on_301_302_200() -> None:
    routes = {
        "/start": redirect("/middle", 301),
        "/middle": redirect("/end?x=1", 302),
        "/end": respond(200, body=b"done"),
    }
    async with HttpServer(routes) as server, client_for() as c:
        result = await c.fetch(server.url("/start"))
    assert result.failure is None
    assert [hop.status for hop in result.hops] == [301, 302, 200]
    assert [hop.location for hop in result.hops] == ["/middle", "/end?x=1", None]
    assert [hop.url for hop in result.hops] == [
        server.url("/start"),
        server.url("/middle"),
        server.url("/end?x=1"),
    ]
    assert all(hop.remote == server.address for hop in result.hops)
    assert all(hop.elapsed_ms > 0 and hop.http_version == "HTTP/1.1" for hop in result.hops)
    assert result.final_url == server.url("/end?x=1")
    assert result.status == 200 and result.body == b"done"
    assert result.redirects == 2


async def test_follow_false_returns_the_redirect_itself() -> None:
    async with HttpServer({"/": redirect("/elsewhere", 308)}) as server, client_for() as c:
        result = await c.fetch(server.url("/"), follow=False)
    assert result.failure is None
    assert result.status == 308
    assert result.header("location") == "/elsewhere"
    assert len(result.hops) == 1


def _told(
    follow: bool = True,
) -> tuple[list[FetchResult | None], Callable[[FetchResult | None], bool]]:
    told: list[FetchResult | None] = []

    def tell(answer: FetchResult | None) -> bool:
        told.append(answer)
        return follow

    return told, tell


async def test_a_followed_redirect_tells_the_answer_a_fetch_not_following_it_gives() -> None:
    routes = {
        "/start": respond(301, [("Location", "/end")], b"moved"),
        "/end": respond(200, body=b"done"),
    }
    async with HttpServer(routes) as server, client_for() as c:
        told, tell = _told()
        followed = await c.fetch(server.url("/start"), first_answer=tell)
        alone = await c.fetch(server.url("/start"), follow=False)
    assert (followed.status, followed.body, followed.redirects) == (200, b"done", 1)
    assert len(told) == 1 and told[0] is not None
    first = told[0]
    assert (first.status, first.body, first.failure) == (301, b"moved", None)
    assert (first.url, first.final_url, len(first.hops)) == (alone.url, alone.final_url, 1)
    assert first.headers == alone.headers and first.body == alone.body
    assert first.hops[0].status == 301 and first.remote == alone.remote


async def test_a_first_answer_not_to_be_followed_ends_the_fetch_at_the_redirect() -> None:
    routes = {"/start": redirect("/end", 302), "/end": respond(200, body=b"done")}
    async with HttpServer(routes) as server, client_for() as c:
        told, tell = _told(follow=False)
        stopped = await c.fetch(server.url("/start"), first_answer=tell)
    assert len(told) == 1 and told[0] is not None and told[0].status == 302
    assert (stopped.status, stopped.redirects, stopped.failure) == (302, 0, None)
    assert [r.path for r in server.requests] == ["/start"]


async def test_a_redirect_not_followed_after_all_is_read_as_a_fetch_not_following_it() -> None:
    routes = {"/start": late_redirect("/end", b"moved", 0.1), "/end": respond(200, body=b"done")}
    async with HttpServer(routes) as server, client_for() as c:
        told, tell = _told(follow=False)
        stopped = await c.fetch(server.url("/start"), first_answer=tell)
        alone = await c.fetch(server.url("/start"), follow=False)
    assert told == [None]  # the body had not come with the head
    assert (stopped.status, stopped.body, stopped.failure) == (302, b"moved", None)
    assert (stopped.headers, stopped.body, len(stopped.hops)) == (alone.headers, alone.body, 1)
    assert stopped.hops[0].timing.total_ms >= 90  # the hop includes reading its body
    assert [r.path for r in server.requests] == ["/start", "/start"]


async def test_first_answer_is_not_told_when_the_result_is_the_first_answer() -> None:
    routes = {"/": respond(200, body=b"page"), "/moved": redirect("/", 302)}
    async with HttpServer(routes) as server, client_for() as c:
        told, tell = _told()
        page = await c.fetch(server.url("/"), first_answer=tell)
        kept = await c.fetch(server.url("/moved"), follow=False, first_answer=tell)
    assert (page.status, kept.status, told) == (200, 302, [])


async def test_a_redirect_whose_body_comes_late_is_told_as_none_and_still_followed() -> None:
    routes = {"/start": late_redirect("/end", b"moved", 0.2), "/end": respond(200, body=b"done")}
    async with HttpServer(routes) as server, client_for() as c:
        told, tell = _told()
        followed = await c.fetch(server.url("/start"), first_answer=tell)
    assert told == [None]
    assert (followed.status, followed.body, followed.failure) == (200, b"done", None)


async def test_redirect_loop() -> None:
    routes = {"/a": redirect("/b"), "/b": redirect("/a")}
    async with HttpServer(routes) as server, client_for() as c:
        result = await c.fetch(server.url("/a"))
    assert result.failure is not None
    assert result.failure.kind is FailureKind.REDIRECT_LOOP
    assert len(result.hops) == 2
    assert "Redirect loop" in result.failure.message


async def test_too_many_redirects() -> None:
    routes = {f"/r{i}": redirect(f"/r{i + 1}") for i in range(30)}
    async with HttpServer(routes) as server, client_for() as c:
        result = await c.fetch(server.url("/r0"))
    assert result.failure is not None
    assert result.failure.kind is FailureKind.TOO_MANY_REDIRECTS
    assert len(result.hops) == 11  # ten followed, the eleventh refused
    assert result.status == 302


async def test_cookies_ride_along_a_redirect_chain_but_not_between_fetches() -> None:
    async def check_cookie(request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(response_bytes(200, body=(request.header("cookie") or "").encode()))

    routes = {
        "/login": respond(302, [("Location", "/home"), ("Set-Cookie", "sid=abc; Path=/")], b""),
        "/home": check_cookie,
    }
    async with HttpServer(routes) as server, client_for() as c:
        first = await c.fetch(server.url("/login"))
        second = await c.fetch(server.url("/home"))
    assert first.body == b"sid=abc"
    assert second.body == b""


async def test_caller_headers_replace_defaults() -> None:
    async def echo_agent(request: Request, writer: asyncio.StreamWriter) -> None:
        agents = [v for k, v in request.headers if k.lower() == "user-agent"]
        writer.write(response_bytes(200, body="|".join(agents).encode()))

    async with HttpServer({"/": echo_agent}) as server, client_for() as c:
        default = await c.fetch(server.url("/"))
        custom = await c.fetch(server.url("/"), headers={"user-agent": "probe/1"})
    assert default.body.startswith(b"launch-tui/")
    assert custom.body == b"probe/1"


async def test_303_after_post_becomes_get() -> None:
    routes = {"/form": redirect("/thanks", 303), "/thanks": respond(200, body=b"thanks")}
    async with HttpServer(routes) as server, client_for() as c:
        result = await c.fetch(server.url("/form"), method="POST", body=b"a=1")
    assert [hop.method for hop in result.hops] == ["POST", "GET"]
    assert server.requests[1].method == "GET"


# -- deadlines ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("handler", "phase"),
    [(drip_body(0.2), Phase.BODY), (drip_head(0.2), Phase.HEADERS)],
    ids=["body", "headers"],
)
async def test_slow_drip_is_cut_at_the_deadline(handler: Handler, phase: Phase) -> None:
    limits = NetLimits(total_deadline=1.0, connect_timeout=1.0)
    async with HttpServer({"/": handler}) as server, client_for(limits=limits) as c:
        started = time.perf_counter()
        result = await c.fetch(server.url("/"))
        elapsed = time.perf_counter() - started
    assert 0.9 <= elapsed <= 1.1, elapsed
    assert result.failure is not None
    assert result.failure.kind is FailureKind.DEADLINE
    assert result.failure.phase is phase
    assert "within 1 second" in result.failure.message
    if phase is Phase.BODY:
        assert result.status == 200
        assert 0 < len(result.body) < 10
        assert result.body_truncated


async def test_deadline_spans_all_redirect_hops() -> None:
    def slow_redirect(target: str) -> Handler:
        async def handler(_request: Request, writer: asyncio.StreamWriter) -> None:
            await asyncio.sleep(0.4)
            writer.write(response_bytes(302, [("Location", target)]))

        return handler

    routes = {f"/s{i}": slow_redirect(f"/s{i + 1}") for i in range(10)}
    limits = NetLimits(total_deadline=1.0, connect_timeout=1.0)
    async with HttpServer(routes) as server, client_for(limits=limits) as c:
        started = time.perf_counter()
        result = await c.fetch(server.url("/s0"))
        elapsed = time.perf_counter() - started
    assert 0.9 <= elapsed <= 1.1, elapsed
    assert result.failure is not None
    assert result.failure.kind is FailureKind.DEADLINE
    assert [hop.status for hop in result.hops] == [302, 302, None]


# -- caps --------------------------------------------------------------------------------------


async def test_huge_body_is_capped_with_bounded_memory() -> None:
    cap = 2 * MIB
    limits = NetLimits(total_deadline=10.0, max_body_bytes=cap)
    async with HttpServer({"/": endless_body()}) as server, client_for(limits=limits) as c:
        tracemalloc.start()
        try:
            result = await c.fetch(server.url("/"))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert result.failure is not None
    assert result.failure.kind is FailureKind.BODY_TOO_LARGE
    assert len(result.body) == cap
    assert result.body_truncated
    assert result.status == 200
    assert peak < cap + 4 * MIB, f"peak {peak / MIB:.1f} MiB"


async def test_gzip_bomb_never_inflates_past_the_cap() -> None:
    handler, compressed_size = gzip_bomb(200 * MIB)
    limits = NetLimits(max_body_bytes=1 * MIB, max_decoded_bytes=2 * MIB)
    async with HttpServer({"/": handler}) as server, client_for(limits=limits) as c:
        tracemalloc.start()
        try:
            result = await c.fetch(server.url("/"))
            decoded = result.decoded()
            text = result.text()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert result.failure is None  # ~200 KiB on the wire is under the raw cap
    assert len(result.body) == compressed_size
    assert decoded.truncated
    assert len(decoded.data) == 2 * MIB
    assert len(text) == 2 * MIB
    assert peak < 2 * MIB + 6 * MIB, f"peak {peak / MIB:.1f} MiB"


async def test_five_thousand_headers_are_headers_too_large() -> None:
    async with HttpServer({"/": many_headers(5000)}) as server, client_for() as c:
        result = await c.fetch(server.url("/"))
    assert result.failure is not None
    assert result.failure.kind is FailureKind.HEADERS_TOO_LARGE
    assert "64 KiB" in result.failure.message
    assert len(result.raw_head) <= 64 * 1024


async def test_header_count_cap() -> None:
    async with HttpServer({"/": many_headers(300)}) as server, client_for() as c:
        result = await c.fetch(server.url("/"))
    assert result.failure is not None
    assert result.failure.kind is FailureKind.HEADERS_TOO_LARGE
    assert "302 header lines" in result.failure.message  # 300 + Content-Length + Connection
    assert len(result.headers) == 200


# -- hostile text ------------------------------------------------------------------------------

HOSTILE_VALUES: dict[str, bytes] = {
    "X-Ansi": b"\x1b[31mred\x1b[0m \x1b]0;pwned\x07",
    "X-C1": b"\x9b31mred",
    "X-Bidi": "safe\u202eexe.txt\u2066".encode(),
    "X-Nul": b"a\x00b",
}


async def test_escape_sequences_arrive_intact_and_clean_strips_them() -> None:
    headers = list(HOSTILE_VALUES.items())
    body = "<title>\x1b[2J\x1b[Hgotcha\u202e</title>".encode()
    async with HttpServer({"/": respond(200, headers, body)}) as server, client_for() as c:
        result = await c.fetch(server.url("/"))
    if result.failure is not None:
        # h11 may refuse some bytes (NUL); the head is still kept, raw, and parsed leniently.
        assert result.failure.kind is FailureKind.PROTOCOL
    for name, raw in HOSTILE_VALUES.items():
        assert raw in result.raw_head
        value = result.header(name)
        assert value is not None
        shown = clean(value)
        assert not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in shown), shown
    assert result.header("X-Ansi") == "\x1b[31mred\x1b[0m \x1b]0;pwned\x07"
    assert result.header("X-C1") == "\x9b31mred"
    assert result.header("X-Bidi") == "safe\u202eexe.txt\u2066"
    assert clean(result.header("X-Ansi") or "") == "␛[31mred␛[0m ␛]0;pwned␇"


# -- connection failures ----------------------------------------------------------------------


async def test_connection_refused(client: HttpClient) -> None:
    port = closed_port()
    result = await client.fetch(f"http://127.0.0.1:{port}/")
    assert result.failure is not None
    assert result.failure.kind is FailureKind.CONNECT_REFUSED
    assert result.failure.phase is Phase.CONNECT
    assert result.failure.message == (
        f"Connection refused by 127.0.0.1:{port} (nothing is listening there)"
    )
    assert len(result.hops) == 1 and result.hops[0].status is None


async def test_connect_timeout_names_address_and_limit() -> None:
    limits = NetLimits(total_deadline=3.0, connect_timeout=0.5)
    with black_hole() as port:
        async with client_for(limits=limits) as c:
            started = time.perf_counter()
            result = await c.fetch(f"http://127.0.0.1:{port}/")
            elapsed = time.perf_counter() - started
    assert result.failure is not None
    assert result.failure.kind is FailureKind.CONNECT_TIMEOUT
    assert result.failure.message == f"Couldn't connect to 127.0.0.1:{port} within 0.5 seconds"
    assert 0.45 <= elapsed <= 0.8


async def test_untrusted_certificate_is_a_tls_failure(tmp_path: Path) -> None:
    pki = Pki(tmp_path)
    leaf = pki.leaf(["app.example.test"])
    context = server_context(pki.chain_file(leaf, pki.intermediate), leaf.key_path)
    # No ca_bundle: our throwaway root is not trusted.
    async with (
        HttpServer({"/": respond()}, ssl_context=context) as server,
        client_for(overrides=(f"app.example.test=127.0.0.1:{server.port}",)) as c,
    ):
        result = await c.fetch("https://app.example.test/")
    assert result.failure is not None
    assert result.failure.kind is FailureKind.TLS
    assert "could not be verified" in result.failure.message


async def test_server_closing_without_response_is_protocol() -> None:
    async def hang_up(_request: Request, writer: asyncio.StreamWriter) -> None:
        writer.transport.abort()

    async with HttpServer({"/": hang_up}) as server, client_for() as c:
        result = await c.fetch(server.url("/"))
    assert result.failure is not None
    assert result.failure.kind is FailureKind.PROTOCOL


async def test_short_body_is_protocol_with_what_arrived() -> None:
    async def short(_request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this")

    async with HttpServer({"/": short}) as server, client_for() as c:
        result = await c.fetch(server.url("/"))
    assert result.failure is not None
    assert result.failure.kind is FailureKind.PROTOCOL
    assert result.failure.phase is Phase.BODY
    assert result.body == b"only this"
    assert result.status == 200


@pytest.mark.parametrize("url", ["ftp://example.test/", "not a url", "http:///nohost", ""])
async def test_bad_urls_are_invalid_url(client: HttpClient, url: str) -> None:
    result = await client.fetch(url)
    assert result.failure is not None
    assert result.failure.kind is FailureKind.INVALID_URL


async def test_kept_alive_connection_is_reused_without_connect_timing() -> None:
    routes = {"/": respond(200, body=b"hi", close=False)}
    async with HttpServer(routes, keep_alive=True) as server, client_for() as c:
        first = await c.fetch(server.url("/"))
        second = await c.fetch(server.url("/"))
    assert server.connections == 1
    assert first.timing.connect_ms is not None
    assert second.timing.connect_ms is None
    assert second.timing.ttfb_ms is not None
    assert second.remote == server.address


async def test_clients_with_own_pools_share_nothing_but_config() -> None:
    async with HttpServer({"/": respond(200, body=b"hi")}) as server, client_for() as c:
        async with c.with_own_pool(max_connections=1) as worker:
            results = await asyncio.gather(*(worker.fetch(server.url("/")) for _ in range(3)))
        assert worker.ssl_context is c.ssl_context
    assert [r.body for r in results] == [b"hi"] * 3


async def test_invalid_request_header_is_reported_without_its_value() -> None:
    async with HttpServer({"/": respond()}) as server, client_for() as c:
        result = await c.fetch(server.url("/"), headers={"Authorization": "Bearer s3cret\r\nX: y"})
    assert result.failure is not None
    assert result.failure.kind is FailureKind.ERROR
    assert "s3cret" not in repr(result)


@pytest.mark.parametrize("location", ["ftp://files.example.test/x", "javascript:alert(1)"])
async def test_redirect_to_something_unfollowable(location: str) -> None:
    async with HttpServer({"/": redirect(location)}) as server, client_for() as c:
        result = await c.fetch(server.url("/"))
    assert result.failure is not None
    assert result.failure.kind is FailureKind.PROTOCOL
    assert result.failure.phase is Phase.REDIRECT
    assert result.status == 302

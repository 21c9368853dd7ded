"""Routes of the demo and clean worlds return the configured status, headers and bodies."""

from __future__ import annotations

import gzip
import json
import ssl
from datetime import datetime, timedelta

from sandbox_fixtures import fetch, open_host, read_response, request_bytes

from launch_tui.sandbox import RunningWorld

pytest_plugins = ["sandbox_fixtures"]


async def test_apex_redirects_to_https_then_to_canonical_www(demo_world: RunningWorld) -> None:
    plain = await fetch(demo_world, "http://brightlane.test/pricing?x=1")
    assert plain.status == 301
    assert plain.header("location") == "https://brightlane.test/pricing?x=1"
    secure = await fetch(demo_world, "https://brightlane.test/pricing?x=1")
    assert secure.status == 301
    assert secure.header("location") == "https://www.brightlane.test/pricing?x=1"
    assert secure.header("strict-transport-security") == "max-age=31536000"


async def test_api_serves_plain_http_instead_of_redirecting(demo_world: RunningWorld) -> None:
    response = await fetch(demo_world, "http://api.brightlane.test/health")
    assert response.status == 200
    assert json.loads(response.body)["status"] == "ok"
    assert response.header("server") == "nginx/1.18.0 (Ubuntu)"
    assert response.header("cf-ray") is None


async def test_home_page_headers_and_body(demo_world: RunningWorld) -> None:
    response = await fetch(demo_world, "https://www.brightlane.test/")
    assert response.status == 200
    assert response.header("server") == "cloudflare"
    assert (response.header("cf-ray") or "").endswith("-SJC")
    assert response.header("cf-cache-status") == "HIT"
    assert response.header("strict-transport-security") == "max-age=31536000; includeSubDomains"
    assert response.header("etag") == '"bl-home-1f8a"'
    assert response.header("set-cookie") == "bl_ab=variant-b; Path=/; Max-Age=2592000"
    assert response.header("x-request-id") is None
    html = response.body.decode()
    assert "<title>Brightlane — Vetted facility service providers</title>" in html
    head = html.split("</head>")[0]
    assert '<script src="https://cdn.tagmanager.example/gtm.js?id=GTM-BL42"></script>' in head
    assert '<script src="https://widget.chatbubble.example/loader.js" defer></script>' in html
    assert len(response.body) > 96 * 1024


async def test_gzip_when_accepted_and_head_without_body(demo_world: RunningWorld) -> None:
    plain = await fetch(demo_world, "https://www.brightlane.test/")
    zipped = await fetch(
        demo_world, "https://www.brightlane.test/", headers=(("Accept-Encoding", "gzip"),)
    )
    assert zipped.header("content-encoding") == "gzip"
    assert zipped.header("vary") == "Accept-Encoding"
    assert gzip.decompress(zipped.body) == plain.body
    head = await fetch(demo_world, "https://www.brightlane.test/", method="HEAD")
    assert head.status == 200
    assert head.header("content-length") == str(len(plain.body))
    assert head.body == b""


async def test_login_sets_two_cookies_and_echoes_the_request_id(demo_world: RunningWorld) -> None:
    response = await fetch(
        demo_world,
        "https://app.brightlane.test/api/auth/login",
        method="POST",
        headers=(("X-Request-ID", "req-42"), ("Content-Type", "application/json")),
        body=b'{"email": "maya@brightlane.test"}',
    )
    assert response.status == 200
    assert response.header("x-request-id") == "req-42"
    assert response.all("set-cookie") == [
        "__session=sbx.8f2c1d7e40a9b3c6; Domain=.brightlane.test; Path=/; Secure; SameSite=Lax",
        "__Host-csrf=sbx.51c0e2a9; Path=/; Secure; HttpOnly; SameSite=Strict",
    ]
    assert response.header("strict-transport-security") is None
    minted = await fetch(demo_world, "https://app.brightlane.test/login")
    assert len(minted.header("x-request-id") or "") == 36


async def test_unprotected_admin_and_protected_api(demo_world: RunningWorld) -> None:
    admin = await fetch(demo_world, "https://admin.brightlane.test/")
    assert admin.status == 200
    assert b"provider approvals" in admin.body
    users = await fetch(demo_world, "https://admin.brightlane.test/api/users")
    assert users.status == 200
    assert json.loads(users.body)["users"][0]["role"] == "admin"
    anonymous = await fetch(demo_world, "https://api.brightlane.test/v1/me")
    assert anonymous.status == 401
    assert anonymous.header("www-authenticate") == 'Bearer realm="api.brightlane.test"'
    authed = await fetch(
        demo_world, "https://api.brightlane.test/v1/me", headers=(("Authorization", "Bearer x"),)
    )
    assert authed.status == 200


async def test_webhook_accepts_unsigned_posts_in_demo_not_in_clean(
    demo_world: RunningWorld, clean_world: RunningWorld
) -> None:
    payload = b'{"type": "checkout.session.completed"}'
    demo = await fetch(
        demo_world, "https://api.brightlane.test/webhooks/stripe", method="POST", body=payload
    )
    assert demo.status == 200
    clean = await fetch(
        clean_world, "https://api.harbourline.test/webhooks/stripe", method="POST", body=payload
    )
    assert clean.status == 400
    signed = await fetch(
        clean_world,
        "https://api.harbourline.test/webhooks/stripe",
        method="POST",
        headers=(("Stripe-Signature", "t=1,v1=abc"),),
        body=payload,
    )
    assert signed.status == 200


async def test_mixed_content_page(demo_world: RunningWorld) -> None:
    response = await fetch(demo_world, "https://www.brightlane.test/pricing")
    assert b'<script src="http://cdn.brightlane.test/js/pricing-table.js">' in response.body
    assert b'<img src="http://cdn.brightlane.test/img/plans.png"' in response.body
    assert response.header("cache-control") is None


async def test_server_timing_and_cache_headers_on_the_api(demo_world: RunningWorld) -> None:
    response = await fetch(demo_world, "https://api.brightlane.test/v1/listings")
    assert response.header("server-timing") == "db;dur=96.4, app;dur=31.2"
    assert response.header("cache-control") == "public, max-age=60"
    assert len(json.loads(response.body)["listings"]) == 3


async def test_staging_differs_from_production(demo_world: RunningWorld) -> None:
    prod = await fetch(demo_world, "https://api.brightlane.test/health")
    staging_reader, staging_writer = await open_host(
        demo_world, "staging.brightlane.test", tls=True, context=_no_verify()
    )
    staging_writer.write(request_bytes("https://staging.brightlane.test/health"))
    staging = await read_response(staging_reader)
    staging_writer.close()
    await staging_writer.wait_closed()
    assert json.loads(prod.body)["version"] == "1.8.2"
    assert json.loads(staging.body)["version"] == "1.9.0-rc.2"
    assert staging.header("x-debug") == "true"


async def test_unknown_path_and_wrong_method(demo_world: RunningWorld) -> None:
    missing = await fetch(demo_world, "https://www.brightlane.test/nope")
    assert missing.status == 404
    wrong = await fetch(demo_world, "https://api.brightlane.test/v1/quotes")
    assert wrong.status == 405
    assert wrong.header("allow") == "POST"


async def test_keep_alive_and_chunked_request_bodies(demo_world: RunningWorld) -> None:
    reader, writer = await open_host(demo_world, "api.brightlane.test", tls=True)
    try:
        for _ in range(3):
            writer.write(request_bytes("https://api.brightlane.test/health", close=False))
            response = await read_response(reader)
            assert response.status == 200
        writer.write(
            b"POST /v1/quotes HTTP/1.1\r\nHost: api.brightlane.test\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
        )
        created = await read_response(reader)
        assert created.status == 201
    finally:
        writer.close()
        await writer.wait_closed()
    paths = [r.path for r in demo_world.served() if r.host == "api.brightlane.test"]
    assert paths == ["/health", "/health", "/health", "/v1/quotes"]


async def test_expect_100_continue(demo_world: RunningWorld) -> None:
    reader, writer = await open_host(demo_world, "api.brightlane.test", tls=True)
    try:
        writer.write(
            b"POST /v1/quotes HTTP/1.1\r\nHost: api.brightlane.test\r\n"
            b"Expect: 100-continue\r\nContent-Length: 2\r\nConnection: close\r\n\r\n"
        )
        assert await reader.readuntil(b"\r\n\r\n") == b"HTTP/1.1 100 Continue\r\n\r\n"
        writer.write(b"{}")
        assert (await read_response(reader)).status == 201
    finally:
        writer.close()
        await writer.wait_closed()


async def test_rdap_registry(demo_world: RunningWorld) -> None:
    response = await fetch(demo_world, "https://rdap.registry.test/domain/brightlane.test")
    assert response.status == 200
    assert response.header("content-type") == "application/rdap+json"
    data = json.loads(response.body)
    assert data["ldhName"] == "brightlane.test"
    events = {e["eventAction"]: e["eventDate"] for e in data["events"]}
    assert set(events) >= {"registration", "expiration"}
    expires = datetime.fromisoformat(events["expiration"])
    assert (expires - demo_world.started_at) // timedelta(days=1) == 24
    (registrar,) = data["entities"]
    assert registrar["roles"] == ["registrar"]
    assert registrar["vcardArray"][1][1][3] == "Namewise Registrar, Inc."
    missing = await fetch(demo_world, "https://rdap.registry.test/domain/unknown.test")
    assert missing.status == 404
    assert json.loads(missing.body)["errorCode"] == 404


def _no_verify() -> ssl.SSLContext:
    # Staging's chain is incomplete on purpose; this test is about its content.
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context

"""``HttpClient.config`` and ``HttpClient.variant``: a client like the run's, for another job.

Checks need a client that connects one name somewhere else (an origin behind the edge) or that
reads a site whose certificate fails, without touching the run's shared client.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest
from net_fixtures import HttpServer, Pki, closed_port, echo_host, respond, server_context

from launch_tui.net import (
    FailureKind,
    HttpClient,
    Nameserver,
    NetConfig,
    NetLimits,
    ResolveOverride,
    Resolver,
    make_http_client,
    parse_resolve,
)
from launch_tui.net.ssl_contexts import make_strict_stdlib_context

NAME = "app.example.test"


def client_for(*overrides: str, limits: NetLimits | None = None) -> HttpClient:
    config = NetConfig(
        overrides=tuple(parse_resolve(o) for o in overrides),
        limits=NetLimits(total_deadline=5.0, connect_timeout=2.0),
    )
    resolver = Resolver((Nameserver("127.0.0.1", closed_port()),))
    return make_http_client(config, resolver, limits=limits)


@pytest.fixture
async def tls_server(tmp_path: Path) -> AsyncIterator[tuple[HttpServer, Pki]]:
    """An HTTPS server for NAME whose certificate comes from a root nobody trusts."""
    pki = Pki(tmp_path)
    leaf = pki.leaf([NAME])
    context = server_context(pki.chain_file(leaf, pki.intermediate), leaf.key_path)
    async with HttpServer({"/": echo_host()}, ssl_context=context) as server:
        yield server, pki


async def test_config_is_what_the_client_fetches_with() -> None:
    limits = NetLimits(total_deadline=2.0)
    async with client_for(f"{NAME}=127.0.0.9:8443", limits=limits) as client:
        config = client.config
        assert config.overrides == (ResolveOverride(NAME, "127.0.0.9", port=8443),)
        # The client's own limits, when they differ from the config it was built from.
        assert config.limits == limits == client.limits
        assert config.connect_to(NAME, 443) == "127.0.0.9:8443"
        with pytest.raises(AttributeError):
            client.config = NetConfig()  # type: ignore[misc]
        with pytest.raises(FrozenInstanceError):
            config.overrides = ()  # type: ignore[misc]


async def test_a_plain_variant_is_the_same_client_with_its_own_pool() -> None:
    async with HttpServer({"/": respond(200, body=b"hi")}) as server:
        async with client_for() as client:
            variant = client.variant()
            assert variant.config == client.config
            assert variant.ssl_context is client.ssl_context
            async with variant:
                assert (await variant.fetch(server.url())).body == b"hi"
            assert variant.closed and not client.closed
            # Closing the variant left the original working, and the other way round.
            assert (await client.fetch(server.url())).body == b"hi"
            other = client.variant()
        assert client.closed and not other.closed
        async with other:
            assert (await other.fetch(server.url())).body == b"hi"


async def test_verify_false_reads_a_site_whose_certificate_fails(
    tls_server: tuple[HttpServer, Pki],
) -> None:
    server, _pki = tls_server
    async with client_for(f"{NAME}=127.0.0.1:{server.port}") as client:
        verified = await client.fetch(f"https://{NAME}/")
        async with client.variant(verify=False) as unverified:
            fetched = await unverified.fetch(f"https://{NAME}/")
        assert unverified.ssl_context.verify_mode is ssl.CERT_NONE
    assert verified.failure is not None and verified.failure.kind is FailureKind.TLS
    assert fetched.failure is None
    assert fetched.body == NAME.encode()
    assert server.sni_names[-1] == NAME  # still the name, not the address


async def test_an_ssl_context_replaces_the_clients(tls_server: tuple[HttpServer, Pki]) -> None:
    server, pki = tls_server
    trusting = make_strict_stdlib_context(str(pki.bundle_path))
    async with (
        client_for(f"{NAME}=127.0.0.1:{server.port}") as client,
        client.variant(ssl_context=trusting) as variant,
    ):
        fetched = await variant.fetch(f"https://{NAME}/")
    assert variant.ssl_context is trusting
    assert fetched.failure is None and fetched.status == 200


async def test_overrides_send_one_name_elsewhere_and_win_over_the_clients() -> None:
    async with (
        HttpServer({"/": respond(200, body=b"edge")}) as edge,
        HttpServer({"/": respond(200, body=b"origin")}) as origin,
        client_for(f"{NAME}:80=127.0.0.1:{edge.port}") as client,
    ):
        # host_port=80 makes it as specific as the client's entry; being first, it wins.
        to_origin = ResolveOverride(NAME, "127.0.0.1", port=origin.port, host_port=80)
        async with client.variant(overrides=(to_origin,)) as variant:
            assert variant.config.overrides[0] == to_origin
            assert variant.config.overrides[1:] == client.config.overrides
            around = await variant.fetch(f"http://{NAME}/")
        through = await client.fetch(f"http://{NAME}/")
    assert around.body == b"origin"
    assert around.remote == origin.address
    assert origin.requests[0].header("host") == NAME
    assert through.body == b"edge"


async def test_an_ssl_context_and_verify_false_do_not_mix() -> None:
    async with client_for() as client:
        with pytest.raises(ValueError, match="not both"):
            client.variant(ssl_context=client.ssl_context, verify=False)


async def test_a_kept_variant_is_one_client_per_setting_closed_with_its_owner(
    tls_server: tuple[HttpServer, Pki],
) -> None:
    """``kept_variant`` gives the same client for the same settings, so the fetches made
    through it share its connections and TLS sessions; another setting gets another client
    (a non-verifying pool never serves a verifying fetch, an override's pool only that
    override); all close with the client that keeps them, and after that a fetch through one
    fails."""
    server, _pki = tls_server
    to_origin = ResolveOverride(NAME, "127.0.0.1", port=server.port, host_port=443)
    async with client_for(f"{NAME}=127.0.0.1:{server.port}") as client:
        unverified = client.kept_variant(verify=False)
        assert client.kept_variant(verify=False) is unverified
        assert unverified.ssl_context.verify_mode is ssl.CERT_NONE
        verifying = client.kept_variant()
        assert verifying is not unverified and verifying.ssl_context is client.ssl_context
        around = client.kept_variant(verify=False, overrides=(to_origin,))
        assert around is not unverified
        assert client.kept_variant(verify=False, overrides=[to_origin]) is around
        fetched = [await unverified.fetch(f"https://{NAME}/") for _ in range(3)]
        assert [f.body for f in fetched] == [NAME.encode()] * 3
        # The server closes each connection: the next one resumes the kept variant's session.
        assert [f.timing.tls_resumed for f in fetched] == [False, True, True]
        refused = await verifying.fetch(f"https://{NAME}/")
        assert refused.failure is not None and refused.failure.kind is FailureKind.TLS
    assert unverified.closed and verifying.closed and around.closed
    after = client.kept_variant(verify=False)  # the setting's, closed like its owner
    assert after.closed and after.ssl_context.verify_mode is ssl.CERT_NONE
    late = await unverified.fetch(f"https://{NAME}/")
    assert late.failure is not None and "closed" in late.failure.message


async def test_kept_variants_close_with_their_owner_even_when_closing_is_cancelled(
    tls_server: tuple[HttpServer, Pki],
) -> None:
    """Closing refuses and aborts every pool, the kept variants' included, before its first
    await: a cancellation that lands on that await leaves nothing open."""
    server, _pki = tls_server
    client = client_for(f"{NAME}=127.0.0.1:{server.port}")
    unverified = client.kept_variant(verify=False)
    assert (await unverified.fetch(f"https://{NAME}/")).failure is None
    closing = asyncio.ensure_future(client.aclose())
    await asyncio.sleep(0)  # aclose runs to its first await
    closing.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await closing
    assert client.closed and unverified.closed

"""The TLS inspector against real TLS servers on loopback, with certificates from a test CA."""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
import time
import warnings
from pathlib import Path

import pytest
from net_fixtures import (
    DnsServer,
    HttpServer,
    Pki,
    RawServer,
    Zone,
    closed_port,
    respond,
    server_context,
)

from launch_tui.net import (
    FailureKind,
    Nameserver,
    NetLimits,
    Resolver,
    TlsProblem,
    TlsReport,
    inspect_tls,
)
from launch_tui.net.ssl_contexts import can_offer

HOST = "app.example.test"


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    return Pki(tmp_path)


async def inspect(
    pki: Pki,
    context: ssl.SSLContext,
    *,
    host: str = HOST,
    now: dt.datetime | None = None,
    bundle: bool = True,
) -> TlsReport:
    async with HttpServer({"/": respond()}, ssl_context=context) as server:
        return await inspect_tls(
            host,
            443,
            connect_to=f"127.0.0.1:{server.port}",
            ca_bundle=str(pki.bundle_path) if bundle else None,
            now=now or pki.now,
            timeout=5.0,
        )


async def test_valid_chain(pki: Pki) -> None:
    leaf = pki.leaf([HOST, "www.example.test"], rsa_bits=2048)
    context = server_context(pki.chain_file(leaf, pki.intermediate), leaf.key_path)
    report = await inspect(pki, context)
    assert report.failure is None
    assert report.verified
    assert report.problem is None
    assert report.hostname_matches
    assert [c.common_name for c in report.chain] == [HOST, "Test Root CA Intermediate"]
    assert report.leaf is not None
    assert report.leaf.sans == (HOST, "www.example.test")
    assert report.leaf.issuer_common_name == "Test Root CA Intermediate"
    assert (report.leaf.key_type, report.leaf.key_bits) == ("RSA", 2048)
    assert report.leaf.signature_algorithm == "ecdsa-with-SHA256"
    assert report.days_to_expiry == 90
    assert report.version == "TLSv1.3"
    assert report.cipher
    assert report.protocols["TLSv1.2"] is True
    assert report.protocols["TLSv1.3"] is True
    # Python's server default refuses 1.0/1.1; when our OpenSSL can offer them, that shows.
    for old in ("TLSv1", "TLSv1.1"):
        assert report.protocols[old] is (False if can_offer(_version(old)) else None)
    assert report.address.startswith("127.0.0.1:")


@pytest.mark.parametrize(
    ("pinned", "agreed", "handshakes"),
    [(None, "TLSv1.3", 2), (ssl.TLSVersion.TLSv1_2, "TLSv1.2", 1)],
)
async def test_the_agreed_version_is_not_probed_again(
    pki: Pki, pinned: ssl.TLSVersion | None, agreed: str, handshakes: int
) -> None:
    """The handshake that reads the certificate shows its version is offered: the version
    probes shake hands only for the others (TLS 1.3 and 1.2 both: one more; 1.2 alone: none)."""
    leaf = pki.leaf([HOST])
    context = server_context(pki.chain_file(leaf, pki.intermediate), leaf.key_path, version=pinned)
    async with HttpServer({"/": respond()}, ssl_context=context) as server:
        report = await inspect_tls(
            HOST,
            443,
            connect_to=f"127.0.0.1:{server.port}",
            ca_bundle=str(pki.bundle_path),
            now=pki.now,
            timeout=5.0,
        )
        await asyncio.sleep(0.05)  # the server's side of the last handshake
    assert report.version == agreed and report.protocols[agreed] is True
    assert report.protocols["TLSv1.3"] is (pinned is None)
    assert report.protocols["TLSv1.2"] is True
    assert server.connections == handshakes


async def test_expired(pki: Pki) -> None:
    leaf = pki.leaf(
        [HOST],
        not_before=pki.now - dt.timedelta(days=100),
        not_after=pki.now - dt.timedelta(days=3),
    )
    report = await inspect(
        pki, server_context(pki.chain_file(leaf, pki.intermediate), leaf.key_path)
    )
    assert not report.verified
    assert report.problem is TlsProblem.EXPIRED
    assert report.verify_code == 10
    assert "expired" in report.verify_message
    assert report.days_to_expiry == -3
    assert report.leaf is not None and report.leaf.common_name == HOST


async def test_not_yet_valid(pki: Pki) -> None:
    leaf = pki.leaf([HOST], not_before=pki.now + dt.timedelta(days=2))
    report = await inspect(
        pki, server_context(pki.chain_file(leaf, pki.intermediate), leaf.key_path)
    )
    assert report.problem is TlsProblem.NOT_YET_VALID


async def test_wrong_host(pki: Pki) -> None:
    leaf = pki.leaf(["other.example.test"])
    report = await inspect(
        pki, server_context(pki.chain_file(leaf, pki.intermediate), leaf.key_path)
    )
    assert not report.verified
    assert report.problem is TlsProblem.HOSTNAME_MISMATCH
    assert report.hostname_matches is False
    assert report.leaf is not None and report.leaf.sans == ("other.example.test",)


async def test_self_signed(pki: Pki) -> None:
    leaf = pki.leaf([HOST], self_signed=True)
    report = await inspect(pki, server_context(leaf.cert_path, leaf.key_path))
    assert report.problem is TlsProblem.SELF_SIGNED
    assert report.leaf is not None and report.leaf.self_issued
    assert report.hostname_matches


async def test_incomplete_chain(pki: Pki) -> None:
    leaf = pki.leaf([HOST])  # signed by the intermediate, which the server does not send
    report = await inspect(pki, server_context(leaf.cert_path, leaf.key_path))
    assert not report.verified
    assert report.problem is TlsProblem.INCOMPLETE_CHAIN
    assert len(report.chain) == 1
    assert report.verify_message


async def test_untrusted_root(pki: Pki, tmp_path: Path) -> None:
    (tmp_path / "stranger").mkdir()
    stranger = Pki(tmp_path / "stranger", name="Stranger CA")
    leaf = stranger.leaf([HOST])
    context = server_context(stranger.chain_file(leaf, stranger.intermediate), leaf.key_path)
    report = await inspect(pki, context)  # trusts pki's root, not the stranger's
    assert report.problem is TlsProblem.UNTRUSTED
    assert len(report.chain) == 2


async def test_expiring_in_five_days(pki: Pki) -> None:
    leaf = pki.leaf([HOST], not_after=pki.now + dt.timedelta(days=5, hours=1))
    report = await inspect(
        pki, server_context(pki.chain_file(leaf, pki.intermediate), leaf.key_path)
    )
    assert report.verified
    assert report.days_to_expiry == 5
    later = await inspect(
        pki,
        server_context(pki.chain_file(leaf, pki.intermediate), leaf.key_path),
        now=pki.now + dt.timedelta(days=3),
    )
    assert later.days_to_expiry == 2


def _tls10_context(pki: Pki) -> ssl.SSLContext:
    leaf = pki.leaf([HOST])
    context = server_context(
        pki.chain_file(leaf, pki.intermediate), leaf.key_path, version=ssl.TLSVersion.TLSv1
    )
    return context


async def test_tls10_only_server(pki: Pki) -> None:
    if not can_offer(ssl.TLSVersion.TLSv1):
        pytest.skip("the local OpenSSL cannot offer TLS 1.0, even at SECLEVEL=0")
    try:
        context = _tls10_context(pki)
    except ssl.SSLError as exc:
        pytest.skip(f"the local OpenSSL cannot serve TLS 1.0: {exc}")
    report = await inspect(pki, context)
    assert report.failure is None
    assert report.protocols == {"TLSv1": True, "TLSv1.1": False, "TLSv1.2": False, "TLSv1.3": False}
    assert report.version == "TLSv1"
    # The certificate itself is fine; it is judged with a context that allows TLS 1.0.
    assert report.verified
    assert report.leaf is not None and report.leaf.common_name == HOST


async def test_connection_refused_is_a_failure(pki: Pki) -> None:
    port = closed_port()
    report = await inspect_tls(
        HOST,
        443,
        connect_to=f"127.0.0.1:{port}",
        now=pki.now,
        ca_bundle=str(pki.bundle_path),
        timeout=2.0,
    )
    assert report.failure is not None
    assert report.failure.kind is FailureKind.CONNECT_REFUSED
    assert report.chain == ()
    assert report.protocols == {}


async def test_plain_http_server_is_a_tls_failure(pki: Pki) -> None:
    async def plain(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()

    async with RawServer(plain) as server:
        report = await inspect_tls(
            HOST,
            443,
            connect_to=server.address,
            now=pki.now,
            ca_bundle=str(pki.bundle_path),
            timeout=2.0,
        )
    assert report.failure is not None
    assert report.failure.kind is FailureKind.TLS
    assert report.failure.elapsed_ms < 1000


async def test_name_resolves_through_the_resolver(pki: Pki) -> None:
    leaf = pki.leaf([HOST])
    context = server_context(pki.chain_file(leaf, pki.intermediate), leaf.key_path)
    zone = Zone()
    zone.add(HOST, "A", "127.0.0.1")
    async with (
        DnsServer(zone) as dns_server,
        HttpServer({"/": respond()}, ssl_context=context) as server,
    ):
        resolver = Resolver(
            [Nameserver("127.0.0.1", dns_server.port)],
            limits=NetLimits(dns_timeout=0.3, dns_lifetime=0.6),
        )
        report = await inspect_tls(
            HOST,
            server.port,
            resolver=resolver,
            now=pki.now,
            ca_bundle=str(pki.bundle_path),
            timeout=5.0,
            probe_protocols=False,
        )
        missing = await inspect_tls(
            "missing.example.test", 443, resolver=resolver, now=pki.now, timeout=2.0
        )
    assert report.verified
    assert server.sni_names[0] == HOST
    assert missing.failure is not None
    assert missing.failure.kind is FailureKind.DNS


def _version(name: str) -> ssl.TLSVersion:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return {"TLSv1": ssl.TLSVersion.TLSv1, "TLSv1.1": ssl.TLSVersion.TLSv1_1}[name]


async def test_silent_server_is_cut_at_the_timeout(pki: Pki) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # accept, then never say a word
        writer.close()

    async with RawServer(silent) as server:
        started = time.perf_counter()
        report = await inspect_tls(
            HOST,
            443,
            connect_to=server.address,
            now=pki.now,
            ca_bundle=str(pki.bundle_path),
            timeout=1.0,
        )
        elapsed = time.perf_counter() - started
    assert 0.9 <= elapsed <= 1.1, elapsed
    assert report.failure is not None
    assert report.failure.kind is FailureKind.DEADLINE
    assert report.failure.message == (
        f"No TLS handshake with {HOST} ({server.address}) within 1 second"
    )

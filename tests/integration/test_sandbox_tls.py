"""Each TLS case of the sandbox has the certificate or protocol property it claims."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sandbox_fixtures import client_context, fetch, open_host

from launch_tui.sandbox import RunningWorld
from launch_tui.sandbox.ca import tls10_client_context

pytest_plugins = ["sandbox_fixtures"]


async def handshake(
    running: RunningWorld, host: str, context: ssl.SSLContext
) -> tuple[str, x509.Certificate]:
    """TLS version and leaf certificate after a successful handshake."""
    _reader, writer = await open_host(running, host, tls=True, context=context)
    try:
        ssl_object = writer.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True)
        return ssl_object.version(), x509.load_der_x509_certificate(der)
    finally:
        writer.close()
        await writer.wait_closed()


async def verify_error(running: RunningWorld, host: str) -> ssl.SSLCertVerificationError:
    with pytest.raises(ssl.SSLCertVerificationError) as caught:
        await handshake(running, host, client_context(running))
    return caught.value


def unverified() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def days_left(cert: x509.Certificate) -> int:
    return (cert.not_valid_after_utc - datetime.now(UTC)).days


def san(cert: x509.Certificate) -> list[str]:
    ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    return ext.value.get_values_for_type(x509.DNSName)


async def test_ca_bundle_holds_only_the_root(tls_world: RunningWorld) -> None:
    certs = x509.load_pem_x509_certificates(tls_world.ca_bundle.read_bytes())
    assert len(certs) == 1
    (root,) = certs
    assert root.issuer == root.subject
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


async def test_valid_host_verifies_with_the_bundle(tls_world: RunningWorld) -> None:
    version, cert = await handshake(tls_world, "valid.tlslab.test", client_context(tls_world))
    assert version in ("TLSv1.2", "TLSv1.3")
    assert san(cert) == ["valid.tlslab.test"]
    assert days_left(cert) == 89
    response = await fetch(tls_world, "https://valid.tlslab.test/")
    assert (response.status, response.body) == (200, b"valid\n")


async def test_expired_certificate(tls_world: RunningWorld) -> None:
    error = await verify_error(tls_world, "expired.tlslab.test")
    assert error.verify_code == 10  # X509_V_ERR_CERT_HAS_EXPIRED
    _, cert = await handshake(tls_world, "expired.tlslab.test", unverified())
    assert cert.not_valid_after_utc < datetime.now(UTC)
    assert days_left(cert) == -2


async def test_expiring_certificate_verifies_with_five_days_left(tls_world: RunningWorld) -> None:
    _, cert = await handshake(tls_world, "expiring.tlslab.test", client_context(tls_world))
    assert days_left(cert) == 5
    assert tls_world.host("expiring.tlslab.test").certificate == cert


async def test_wrong_host_certificate(tls_world: RunningWorld) -> None:
    error = await verify_error(tls_world, "wrong-host.tlslab.test")
    assert error.verify_code == 62  # X509_V_ERR_HOSTNAME_MISMATCH
    _, cert = await handshake(tls_world, "wrong-host.tlslab.test", unverified())
    assert "wrong-host.tlslab.test" not in san(cert)


async def test_incomplete_chain_lacks_only_the_intermediate(tls_world: RunningWorld) -> None:
    error = await verify_error(tls_world, "incomplete-chain.tlslab.test")
    assert error.verify_code == 20  # X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
    # Given the intermediate out of band, the same chain verifies: nothing else is wrong.
    intermediate = tls_world.workdir / "ca" / "hosts" / "valid.tlslab.test" / "chain.pem"
    pem = x509.load_pem_x509_certificates(intermediate.read_bytes())[1]
    context = client_context(tls_world)
    context.load_verify_locations(cadata=pem.public_bytes(serialization.Encoding.PEM).decode())
    await handshake(tls_world, "incomplete-chain.tlslab.test", context)


async def test_self_signed_certificate(tls_world: RunningWorld) -> None:
    error = await verify_error(tls_world, "self-signed.tlslab.test")
    assert error.verify_code == 18  # X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT
    _, cert = await handshake(tls_world, "self-signed.tlslab.test", unverified())
    assert cert.issuer == cert.subject


async def test_tls10_only_host_refuses_modern_clients(tls_world: RunningWorld) -> None:
    host = tls_world.host("tls10.tlslab.test")
    if not host.available:
        pytest.skip(f"local OpenSSL cannot serve TLS 1.0: {host.note}")
    with pytest.raises(ssl.SSLError, match="ALERT_PROTOCOL_VERSION"):
        await handshake(tls_world, host.name, unverified())
    version, _ = await handshake(tls_world, host.name, tls10_client_context())
    assert version == "TLSv1"


async def test_modern_host_refuses_tls10_with_a_protocol_version_alert(
    tls_world: RunningWorld,
) -> None:
    try:
        client = tls10_client_context()
    except ssl.SSLError as exc:
        pytest.skip(f"local OpenSSL cannot offer TLS 1.0: {exc}")
    with pytest.raises(ssl.SSLError, match="ALERT_PROTOCOL_VERSION"):
        await handshake(tls_world, "valid.tlslab.test", client)


async def test_legacy_host_accepts_tls10_and_tls13(tls_world: RunningWorld) -> None:
    host = tls_world.host("legacy.tlslab.test")
    if host.note:
        pytest.skip(f"local OpenSSL cannot serve TLS 1.0: {host.note}")
    version, _ = await handshake(tls_world, host.name, tls10_client_context())
    assert version == "TLSv1"
    modern, _ = await handshake(tls_world, host.name, client_context(tls_world))
    assert modern == "TLSv1.3"


async def test_plain_host_has_no_tls(tls_world: RunningWorld) -> None:
    assert tls_world.host("plain.tlslab.test").certificate is None
    # A plain-HTTP server answers a ClientHello with HTTP: "wrong version number".
    with pytest.raises(ssl.SSLError, match="WRONG_VERSION_NUMBER"):
        await handshake(tls_world, "plain.tlslab.test", unverified())
    response = await fetch(tls_world, "http://plain.tlslab.test/")
    assert (response.status, response.body) == (200, b"none\n")


async def test_https_hosts_also_answer_plain_http_on_the_same_port(
    tls_world: RunningWorld,
) -> None:
    response = await fetch(tls_world, "http://valid.tlslab.test/path?q=1")
    assert response.status == 301
    assert response.header("location") == "https://valid.tlslab.test/path?q=1"
    assert response.header("strict-transport-security") is None  # ignored over http anyway

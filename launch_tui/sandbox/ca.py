"""A throwaway certificate authority, made at start: a root, an intermediate, and leaves.

Keys are EC P-256 (generation takes microseconds, so a world starts fast). Only the root goes in
the CA bundle, so a client must receive the intermediate from the server to build a chain: the
"incomplete chain" case is the one that leaves it out. Every certificate carries the extensions
strict verifiers want (basic constraints, key usage, SKI/AKI, SAN, serverAuth EKU).

:func:`server_context` turns an issued certificate and a TLS case into an ``ssl.SSLContext``.
When the local OpenSSL refuses TLS 1.0 it says so instead of crashing.
"""

from __future__ import annotations

import ssl
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from launch_tui.sandbox.world import TlsCase

_DAY = timedelta(days=1)


@dataclass(frozen=True)
class IssuedCert:
    """A leaf certificate written to disk, as the server will present it."""

    chain_path: Path
    """PEM file the server loads: the leaf, then the intermediate unless the chain is incomplete."""
    key_path: Path
    leaf: x509.Certificate
    names: tuple[str, ...]
    """DNS names in the subject alternative name."""

    @property
    def not_after(self) -> datetime:
        return self.leaf.not_valid_after_utc


class ThrowawayCA:
    """A root and an intermediate that live as long as one running world."""

    def __init__(self, directory: Path, now: datetime, label: str) -> None:
        self.directory = directory
        self.now = now
        directory.mkdir(parents=True, exist_ok=True)
        self._root_key = ec.generate_private_key(ec.SECP256R1())
        self.root = _ca_cert(
            subject=f"launch-tui sandbox root CA ({label})",
            key=self._root_key,
            issuer=None,
            issuer_key=self._root_key,
            not_before=now - 365 * _DAY,
            not_after=now + 3650 * _DAY,
            path_length=1,
        )
        self._intermediate_key = ec.generate_private_key(ec.SECP256R1())
        self.intermediate = _ca_cert(
            subject=f"launch-tui sandbox intermediate CA ({label})",
            key=self._intermediate_key,
            issuer=self.root,
            issuer_key=self._root_key,
            not_before=now - 365 * _DAY,
            not_after=now + 1825 * _DAY,
            path_length=0,
        )
        self.bundle_path = directory / "sandbox-root-ca.pem"
        self.bundle_path.write_bytes(self.root.public_bytes(serialization.Encoding.PEM))
        self.label = label

    def issue(self, host: str, case: TlsCase, names: tuple[str, ...] = ()) -> IssuedCert:
        """Issue the leaf for ``host`` that ``case`` calls for and write it under the CA folder."""
        if case is TlsCase.NONE:
            raise ValueError("a host without TLS has no certificate")
        if not names:
            names = (f"wrong-host.{host}.invalid",) if case is TlsCase.WRONG_HOST else (host,)
        not_before, not_after = _validity(case, self.now)
        key = ec.generate_private_key(ec.SECP256R1())
        self_signed = case is TlsCase.SELF_SIGNED
        leaf = _leaf_cert(
            names=names,
            key=key,
            issuer=None if self_signed else self.intermediate,
            issuer_key=key if self_signed else self._intermediate_key,
            not_before=not_before,
            not_after=not_after,
            organisation=f"{self.label} sandbox",
        )
        folder = self.directory / "hosts" / host
        folder.mkdir(parents=True, exist_ok=True)
        chain = [leaf]
        if case not in (TlsCase.SELF_SIGNED, TlsCase.INCOMPLETE_CHAIN):
            chain.append(self.intermediate)
        chain_path = folder / "chain.pem"
        chain_path.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain))
        key_path = folder / "key.pem"
        key_path.touch(mode=0o600)
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        return IssuedCert(chain_path=chain_path, key_path=key_path, leaf=leaf, names=names)


def _validity(case: TlsCase, now: datetime) -> tuple[datetime, datetime]:
    # The extra half day keeps whole-day arithmetic stable: "expires in 5 days" stays 5 for
    # twelve hours instead of flipping to 4 a second after start.
    if case is TlsCase.EXPIRED:
        return now - 92 * _DAY, now - 2 * _DAY + _DAY / 2
    if case is TlsCase.EXPIRING:
        return now - 85 * _DAY, now + 5 * _DAY + _DAY / 2
    return now - _DAY, now + 89 * _DAY + _DAY / 2


def _ca_cert(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Certificate | None,
    issuer_key: ec.EllipticCurvePrivateKey,
    not_before: datetime,
    not_after: datetime,
    path_length: int,
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    issuer_name = issuer.subject if issuer else name
    aki_key = issuer.public_key() if issuer else key.public_key()
    assert isinstance(aki_key, ec.EllipticCurvePublicKey)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(aki_key), critical=False)
    )
    return builder.sign(issuer_key, hashes.SHA256())


def _leaf_cert(
    names: tuple[str, ...],
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Certificate | None,
    issuer_key: ec.EllipticCurvePrivateKey,
    not_before: datetime,
    not_after: datetime,
    organisation: str,
) -> x509.Certificate:
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, names[0]),
        ]
    )
    aki_key = issuer.public_key() if issuer else key.public_key()
    assert isinstance(aki_key, ec.EllipticCurvePublicKey)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(aki_key), critical=False)
    )
    return builder.sign(issuer_key, hashes.SHA256())


@dataclass(frozen=True)
class ServerTls:
    """A server context for one host, or the reason the case cannot be served here."""

    context: ssl.SSLContext | None
    unavailable: str = ""
    """Why the case is not available with the local OpenSSL (empty when it is)."""


def server_context(cert: IssuedCert, case: TlsCase) -> ServerTls:
    """The server-side context for ``case``; legacy protocol cases are self-tested first."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert.chain_path, cert.key_path)
    context.set_alpn_protocols(["http/1.1"])
    if case not in (TlsCase.TLS10_ONLY, TlsCase.LEGACY):
        return ServerTls(context)
    try:
        _allow_tls10(context, only=case is TlsCase.TLS10_ONLY)
    except (ssl.SSLError, ValueError) as exc:
        return ServerTls(None, f"local OpenSSL refuses TLS 1.0: {exc}")
    problem = _tls10_self_test(context)
    if problem:
        if case is TlsCase.LEGACY:
            # Still a working modern host; it just cannot demonstrate the legacy protocol.
            modern = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            modern.load_cert_chain(cert.chain_path, cert.key_path)
            modern.set_alpn_protocols(["http/1.1"])
            return ServerTls(modern, problem)
        return ServerTls(None, problem)
    return ServerTls(context)


def _allow_tls10(context: ssl.SSLContext, only: bool) -> None:
    # TLS 1.0 signs handshakes with SHA-1, which OpenSSL 3 only allows at security level 0.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = ssl.TLSVersion.TLSv1
        if only:
            context.maximum_version = ssl.TLSVersion.TLSv1
    context.set_ciphers("DEFAULT:@SECLEVEL=0")


def tls10_client_context() -> ssl.SSLContext:
    """A client context that speaks only TLS 1.0 and checks nothing (for probes and tests)."""
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.check_hostname = False
    client.verify_mode = ssl.CERT_NONE
    _allow_tls10(client, only=True)
    return client


def _tls10_self_test(server: ssl.SSLContext) -> str:
    """Handshake TLS 1.0 in memory against ``server``; '' on success, else the reason."""
    try:
        client = tls10_client_context()
    except (ssl.SSLError, ValueError) as exc:
        return f"local OpenSSL refuses TLS 1.0: {exc}"
    c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
    c = client.wrap_bio(c_in, c_out, server_side=False)
    s = server.wrap_bio(s_in, s_out, server_side=True)
    done = {"c": False, "s": False}
    for _ in range(20):
        for key, obj in (("c", c), ("s", s)):
            if done[key]:
                continue
            try:
                obj.do_handshake()
                done[key] = True
            except ssl.SSLWantReadError:
                pass
            except ssl.SSLError as exc:
                return f"local OpenSSL refuses a TLS 1.0 handshake: {exc.reason or exc}"
        s_in.write(c_out.read())
        c_in.write(s_out.read())
        if done["c"] and done["s"]:
            return "" if c.version() == "TLSv1" else f"negotiated {c.version()}, not TLSv1"
    return "TLS 1.0 self-test handshake did not finish"

"""What a certificate says, read with ``cryptography``: pure functions over DER bytes."""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class CertInfo:
    """One certificate's facts. Text fields are data from the network: clean() before display."""

    subject: str
    """RFC 4514 form, e.g. ``CN=app.example.com,O=Example``."""
    common_name: str
    issuer: str
    issuer_common_name: str
    sans: tuple[str, ...]
    """Subject alternative names: DNS names and IP addresses."""
    not_before: datetime
    """UTC, timezone-aware."""
    not_after: datetime
    serial: str
    """Hexadecimal."""
    key_type: str
    """``RSA``, ``EC``, ``Ed25519``, ``Ed448``, ``DSA`` or ``unknown``."""
    key_bits: int | None
    curve: str | None
    """For EC keys, e.g. ``secp256r1``."""
    signature_algorithm: str
    """E.g. ``sha256WithRSAEncryption``, ``ecdsa-with-SHA256``."""
    is_ca: bool
    self_issued: bool
    """Subject equals issuer (a root, or a self-signed leaf)."""
    sha256: str
    """SHA-256 fingerprint of the DER bytes, hex."""


def cert_info(der: bytes) -> CertInfo:
    """Read a DER certificate. Raises ``ValueError`` if it does not parse."""
    cert = x509.load_der_x509_certificate(der)
    key_type, key_bits, curve = _key(cert)
    return CertInfo(
        subject=cert.subject.rfc4514_string(),
        common_name=_common_name(cert.subject),
        issuer=cert.issuer.rfc4514_string(),
        issuer_common_name=_common_name(cert.issuer),
        sans=_sans(cert),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        serial=format(cert.serial_number, "x"),
        key_type=key_type,
        key_bits=key_bits,
        curve=curve,
        signature_algorithm=_signature_algorithm(cert),
        is_ca=_is_ca(cert),
        self_issued=cert.subject == cert.issuer,
        sha256=hashlib.sha256(der).hexdigest(),
    )


def hostname_matches(cert: CertInfo, host: str) -> bool:
    """RFC 6125 matching of ``host`` against the SANs (no Common Name fallback, as browsers)."""
    host = host.strip().lower().rstrip(".").strip("[]")
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    for name in cert.sans:
        if ip is not None:
            try:
                if ipaddress.ip_address(name) == ip:
                    return True
            except ValueError:
                continue
        elif _dns_name_matches(name.lower().rstrip("."), host):
            return True
    return False


def _dns_name_matches(pattern: str, host: str) -> bool:
    if pattern == host:
        return True
    if not pattern.startswith("*."):
        return False
    # A wildcard stands for exactly one whole left-most label.
    suffix = pattern[1:]
    label, dot, rest = host.partition(".")
    return bool(label) and bool(dot) and "." + rest == suffix and suffix.count(".") >= 2


def _common_name(name: x509.Name) -> str:
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not values:
        return ""
    value = values[0].value
    return value if isinstance(value, str) else value.decode("utf-8", errors="replace")


def _sans(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        extension = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except (x509.ExtensionNotFound, ValueError):
        return ()
    names = extension.value
    dns_names = names.get_values_for_type(x509.DNSName)
    ips = [str(ip) for ip in names.get_values_for_type(x509.IPAddress)]
    return (*dns_names, *ips)


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except (x509.ExtensionNotFound, ValueError):
        return False


def _key(cert: x509.Certificate) -> tuple[str, int | None, str | None]:
    try:
        key = cert.public_key()
    except (ValueError, TypeError):
        return "unknown", None, None
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", key.key_size, None
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "EC", key.key_size, key.curve.name
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519", 256, None
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448", 456, None
    if isinstance(key, dsa.DSAPublicKey):
        return "DSA", key.key_size, None
    return "unknown", None, None


def _signature_algorithm(cert: x509.Certificate) -> str:
    oid = cert.signature_algorithm_oid
    # cryptography names well-known OIDs; fall back to the dotted form for the rest.
    name = getattr(oid, "_name", "")
    return name if name and name != "Unknown OID" else oid.dotted_string

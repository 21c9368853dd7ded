"""DKIM public-key records (RFC 6376 3.6.1), read from ``<selector>._domainkey.<domain>`` TXT.

:func:`parse_key_record` turns the record text (strings already joined) into :class:`DkimKey`:
key type, the decoded key and, for RSA, its size in bits; ``p=`` empty means the key was
revoked; ``t=y`` marks a domain still testing DKIM. Pure: no DNS, no I/O.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from launch_tui.checks.parse.taglist import TagListError, parse_tag_list, without_whitespace

#: Length of an Ed25519 public key (RFC 8463 4.2: the raw key, not an ASN.1 structure).
ED25519_KEY_BYTES = 32


class DkimKeyError(ValueError):
    """A key record that cannot be used to verify anything; the message says why."""


@dataclass(frozen=True)
class DkimKey:
    """One DKIM key record."""

    key_type: str
    """``k=``, lower-case; ``rsa`` when absent."""
    public_key: bytes
    """The decoded ``p=`` value; empty when the key is revoked."""
    rsa_bits: int | None = None
    """Modulus size of an RSA key, ``None`` for other types or a revoked key."""
    testing: bool = False
    """``t=y``: verifiers must not treat failures differently from unsigned mail."""
    strict: bool = False
    """``t=s``: the signing domain must equal the ``i=`` domain (no subdomains)."""
    hashes: tuple[str, ...] = ()
    """``h=``: acceptable hash algorithms; empty means any."""
    services: tuple[str, ...] = ()
    """``s=``: service types; empty means ``*`` (all)."""
    notes: str = ""
    """``n=``: free text for people (untrusted: sanitize before showing)."""

    @property
    def revoked(self) -> bool:
        """True when ``p=`` is empty: the selector's key has been withdrawn (RFC 6376 3.6.1)."""
        return not self.public_key


def parse_key_record(text: str) -> DkimKey:
    """Parse a key record; raise :class:`DkimKeyError` when it is unusable."""
    try:
        tags = parse_tag_list(text)
    except TagListError as exc:
        raise DkimKeyError(f"The key record is malformed: {exc}") from None
    if "v" in tags:
        if next(iter(tags)) != "v":
            raise DkimKeyError("v= must be the first tag of a DKIM key record")
        if tags["v"] != "DKIM1":
            raise DkimKeyError(f"v={tags['v'][:20]} is not DKIM1")
    if "p" not in tags:
        raise DkimKeyError("The key record has no p= tag (the public key)")
    key_type = tags.get("k", "rsa").lower() or "rsa"
    encoded = without_whitespace(tags["p"])
    try:
        public_key = base64.b64decode(encoded, validate=True) if encoded else b""
    except (binascii.Error, ValueError):
        raise DkimKeyError("p= is not valid base64") from None
    flags = {flag.strip().lower() for flag in tags.get("t", "").split(":") if flag.strip()}
    bits: int | None = None
    if public_key:
        if key_type == "rsa":
            bits = rsa_key_bits(public_key)
        elif key_type == "ed25519":
            if len(public_key) != ED25519_KEY_BYTES:
                raise DkimKeyError(
                    f"An Ed25519 key is {ED25519_KEY_BYTES} bytes, this one {len(public_key)}"
                )
        else:
            raise DkimKeyError(f"k={key_type[:20]} is not a key type verifiers know")
    return DkimKey(
        key_type=key_type,
        public_key=public_key,
        rsa_bits=bits,
        testing="y" in flags,
        strict="s" in flags,
        hashes=_list(tags.get("h", "")),
        services=_list(tags.get("s", "")),
        notes=tags.get("n", ""),
    )


def rsa_key_bits(der: bytes) -> int:
    """Modulus size of an RSA key given as SubjectPublicKeyInfo or PKCS#1 RSAPublicKey DER."""
    try:
        key = serialization.load_der_public_key(der)
    except ValueError:
        pem = b"-----BEGIN RSA PUBLIC KEY-----\n" + base64.encodebytes(der)
        pem += b"-----END RSA PUBLIC KEY-----\n"
        try:
            key = serialization.load_pem_public_key(pem)
        except ValueError:
            raise DkimKeyError("p= does not hold an RSA public key") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise DkimKeyError("p= holds a key that is not RSA although k=rsa")
    return key.key_size


def _list(value: str) -> tuple[str, ...]:
    return tuple(item.strip().lower() for item in value.split(":") if item.strip())

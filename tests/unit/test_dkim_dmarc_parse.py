"""DKIM key records (RFC 6376 3.6.1) and DMARC records (RFC 7489 6.3), parsed without DNS."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from launch_tui.checks.parse.dkim import DkimKeyError, parse_key_record
from launch_tui.checks.parse.dmarc import Alignment, DmarcError, parse_dmarc
from launch_tui.checks.parse.taglist import TagListError, parse_tag_list


def _rsa_p(bits: int, *, pkcs1: bool = False) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits).public_key()
    if pkcs1:
        der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    else:
        der = key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    return base64.b64encode(der).decode()


def test_tag_lists_follow_the_grammar() -> None:
    assert parse_tag_list(" v = DKIM1 ;\tk=rsa; p=AB CD ;") == {
        "v": "DKIM1",
        "k": "rsa",
        "p": "AB CD",
    }
    for bad in ("v=DKIM1; v=DKIM1", "v=DKIM1;; p=", "1x=2", "novalue"):
        with pytest.raises(TagListError):
            parse_tag_list(bad)


@pytest.mark.parametrize("bits", [1024, 2048])
def test_rsa_key_sizes_are_measured(bits: int) -> None:
    p = _rsa_p(bits)
    # Keys are published split into 255-byte strings with spaces in between: still one key.
    spaced = " ".join(p[i : i + 60] for i in range(0, len(p), 60))
    key = parse_key_record(f"v=DKIM1; k=rsa; p={spaced}")
    assert key.rsa_bits == bits
    assert not key.revoked
    assert not key.testing


def test_pkcs1_keys_and_flags() -> None:
    key = parse_key_record(f"p={_rsa_p(1024, pkcs1=True)}; t=y:s; h=sha256")
    assert key.key_type == "rsa"
    assert key.rsa_bits == 1024
    assert key.testing and key.strict
    assert key.hashes == ("sha256",)


def test_revoked_and_ed25519_keys() -> None:
    assert parse_key_record("v=DKIM1; p=").revoked
    raw = (
        ed25519.Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    key = parse_key_record(f"v=DKIM1; k=ed25519; p={base64.b64encode(raw).decode()}")
    assert key.key_type == "ed25519"
    assert key.rsa_bits is None


@pytest.mark.parametrize(
    "text",
    [
        "k=rsa; v=DKIM1; p=",
        "v=DKIM2; p=",
        "v=DKIM1; k=rsa",
        "v=DKIM1; p=!!!notbase64",
        "v=DKIM1; k=ed25519; p=" + base64.b64encode(b"short").decode(),
        "v=DKIM1; k=dsa; p=" + base64.b64encode(b"x" * 40).decode(),
        "v=DKIM1; p=" + base64.b64encode(b"not a key").decode(),
    ],
)
def test_unusable_key_records(text: str) -> None:
    with pytest.raises(DkimKeyError):
        parse_key_record(text)


def test_dmarc_defaults_and_tags() -> None:
    record = parse_dmarc("v=DMARC1; p=none; rua=mailto:dmarc@example.com,mailto:x@reports.test!10m")
    assert record.monitoring_only
    assert record.subdomain_policy == "none"
    assert record.pct == 100
    assert record.adkim is Alignment.RELAXED
    assert [u.domain for u in record.rua] == ["example.com", "reports.test"]
    strict = parse_dmarc("v=DMARC1; p=reject; sp=quarantine; pct=50; adkim=s; aspf=s")
    assert (strict.policy, strict.subdomain_policy, strict.pct) == ("reject", "quarantine", 50)
    assert strict.adkim is Alignment.STRICT and strict.aspf is Alignment.STRICT
    assert not strict.problems


def test_dmarc_mistakes_receivers_tolerate() -> None:
    record = parse_dmarc("v=DMARC1; p=bogus; pct=150; rua=mailto:r@example.com; aspf=x")
    assert record.policy == "none"
    assert len(record.problems) == 3


@pytest.mark.parametrize(
    "text",
    ["p=reject; v=DMARC1", "v=DMARC2; p=reject", "v=DMARC1; p=bogus", "v=DMARC1; p=none; p=reject"],
)
def test_dmarc_records_receivers_discard(text: str) -> None:
    with pytest.raises(DmarcError):
        parse_dmarc(text)

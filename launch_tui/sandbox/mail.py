"""A real transactional message from the sandbox's client: DKIM-signed, with a Received chain.

The demo world's domain signs with selector ``pb1``; the private key ships beside this module
(``data/dkim-brightlane-pb1.b64``: base64 PKCS#8, no PEM armour, so secret scanners reading
launch-tui's own checkout do not report test data as a leak) and the world publishes its
public half at ``pb1._domainkey.brightlane.test``. :func:`password_reset` writes the password
reset mail the way a receiving server stores it: the sending provider's outbound host and
address (inside the provider's SPF range) in the topmost ``Received`` header, ``Return-Path``
for the envelope sender, and a DKIM signature over headers and body. :func:`tampered` changes
the body after signing, as a forwarder that rewrites links would: the signature must then fail.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from importlib import resources
from pathlib import Path

import dkim
from cryptography.hazmat.primitives import serialization

#: (domain, selector) -> key file beside this module.
_KEYS = {("brightlane.test", "pb1"): "dkim-brightlane-pb1.b64"}
#: The demo's sending provider: its outbound host and an address its SPF include lists.
OUTBOUND_HOST = "outbound-07.postbird.example"
OUTBOUND_IP = "198.51.100.25"
#: When the demo's mail was sent (fixed, so the message is the same on every run).
_SENT = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
_SIGNED = (b"from", b"to", b"subject", b"date", b"message-id", b"mime-version", b"content-type")


def signing_key(domain: str, selector: str) -> bytes | None:
    """The PEM private key the sandbox signs ``domain`` with at ``selector``, if it has one."""
    name = _KEYS.get((domain, selector))
    if name is None:
        return None
    der = base64.b64decode(resources.files(__package__).joinpath("data", name).read_text())
    key = serialization.load_der_private_key(der, password=None)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def password_reset(domain: str, selector: str, *, to: str = "maya@mailbox.example") -> bytes:
    """The signed password-reset mail from ``domain``, as the receiver stored it."""
    key = signing_key(domain, selector)
    if key is None:
        raise ValueError(f"the sandbox has no DKIM key for {domain} at selector {selector}")
    message = EmailMessage()
    message["From"] = f"Brightlane <no-reply@{domain}>"
    message["To"] = to
    message["Subject"] = "Reset your Brightlane password"
    message["Date"] = format_datetime(_SENT)
    message["Message-ID"] = make_msgid(idstring="reset", domain=domain)
    message.set_content(
        "Hi Maya,\n\nSomeone asked to reset the password of your Brightlane account.\n"
        f"Open https://app.{domain}/reset?token=sandbox-demo within 30 minutes to choose a new "
        "one.\nIf it was not you, ignore this mail.\n\n-- Brightlane\n"
    )
    body = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    signature = dkim.sign(
        body,
        selector.encode(),
        domain.encode(),
        key,
        include_headers=list(_SIGNED),
        canonicalize=(b"relaxed", b"relaxed"),
    )
    received = (
        f"Received: from {OUTBOUND_HOST} ({OUTBOUND_HOST} [{OUTBOUND_IP}])\r\n"
        f"\tby mx.mailbox.example with ESMTPS id 4Xk2b; {format_datetime(_SENT)}\r\n"
    ).encode()
    return_path = f"Return-Path: <bounces+reset@{domain}>\r\n".encode()
    return bytes(return_path + received + signature + body)


def tampered(message: bytes) -> bytes:
    """``message`` with its body changed after signing (a rewritten link)."""
    return bytes(message.replace(b"https://app.", b"https://evil.example/?u=https://app.", 1))


def write_mail(apex: str, selectors: tuple[str, ...], directory: Path) -> tuple[Path, ...]:
    """Write the signed password-reset mail and a tampered copy under ``directory/mail`` when
    the sandbox can sign for ``apex`` at one of ``selectors``; the paths written."""
    selector = next((s for s in selectors if (apex, s) in _KEYS), None)
    if selector is None:
        return ()
    folder = directory / "mail"
    folder.mkdir(parents=True, exist_ok=True)
    message = password_reset(apex, selector)
    signed = folder / "password-reset.eml"
    changed = folder / "password-reset-tampered.eml"
    signed.write_bytes(message)
    changed.write_bytes(tampered(message))
    return signed, changed

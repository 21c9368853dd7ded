"""How transport exceptions are named: a TLS error after the handshake is not a handshake."""

from __future__ import annotations

import ssl

import httpx
import pytest

from launch_tui.net import FailureKind, NetLimits, Phase
from launch_tui.net.classify import diagnose


def tls_error(reason: str) -> httpx.ReadError:
    cause = ssl.SSLError(1, reason)
    cause.reason = reason
    error = httpx.ReadError("read failed")
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("phase", "doing"),
    [
        (Phase.REQUEST, "sending the request"),
        (Phase.HEADERS, "reading the response headers"),
        (Phase.BODY, "reading the response body"),
    ],
)
def test_a_tls_error_mid_exchange_is_a_broken_exchange(phase: Phase, doing: str) -> None:
    found = diagnose(
        tls_error("DECRYPTION_FAILED_OR_BAD_RECORD_MAC"),
        phase=phase,
        url="https://app.example.test/",
        target="192.0.2.1:443",
        limits=NetLimits(),
    )
    assert found.kind is FailureKind.PROTOCOL and found.phase is phase
    assert found.message == (
        f"The TLS connection to app.example.test (192.0.2.1:443) broke while {doing}: "
        "DECRYPTION_FAILED_OR_BAD_RECORD_MAC"
    )


def test_a_tls_error_during_the_handshake_is_still_a_tls_failure() -> None:
    found = diagnose(
        tls_error("TLSV1_ALERT_PROTOCOL_VERSION"),
        phase=Phase.TLS,
        url="https://app.example.test/",
        target="192.0.2.1:443",
        limits=NetLimits(),
    )
    assert found.kind is FailureKind.TLS and found.phase is Phase.TLS
    assert found.message.startswith("TLS handshake with app.example.test (192.0.2.1:443) failed")

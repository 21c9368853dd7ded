"""Look at a server's TLS: the chain it presents, whether it verifies and why not, and which
protocol versions it accepts.

:func:`inspect_tls` does up to three handshakes plus one probe per protocol version:

1. with the verifying context HTTP uses (system trust + extra bundle). Success: verified.
2. on a certificate error, OpenSSL's verify code names the problem (:class:`TlsProblem`), and a
   non-verifying handshake fetches the chain anyway, so the report still shows the leaf.
   On a non-certificate handshake error (a TLS 1.0-only server refuses our modern ClientHello),
   a verifying context that allows every version judges the certificate instead.
3. each of TLS 1.0–1.3 is probed with a permissive context pinned to that version
   (``@SECLEVEL=0`` so OpenSSL 3 will offer 1.0/1.1). ``None`` means "could not test": our
   OpenSSL cannot offer the version, or the probe timed out. ``False`` means the server refused.

The presented chain comes from ``_ssl._SSLSocket.get_unverified_chain`` (public as
``SSLObject.get_unverified_chain`` from Python 3.13; private but present since 3.10 — truststore
relies on it too). If it is missing, the chain is the leaf alone.

"Incomplete chain" vs "untrusted": OpenSSL says only "unable to get local issuer certificate".
When the server sent its leaf alone, the usual cause is a missing intermediate, so that is
reported as ``incomplete_chain``; when it sent intermediates that lead nowhere we trust, the
root is the problem: ``untrusted``. The OpenSSL message is kept alongside either way.
"""

from __future__ import annotations

import _ssl
import asyncio
import ipaddress
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from launch_tui.core.errors import UsageError
from launch_tui.core.sanitize import clean
from launch_tui.net.certinfo import CertInfo, cert_info, hostname_matches
from launch_tui.net.failures import DnsFailure, FailureKind, NetFailure, Phase, seconds_text
from launch_tui.net.resolver import Resolver
from launch_tui.net.settings import join_host_port, parse_connect_to
from launch_tui.net.ssl_contexts import (
    PROTOCOL_VERSIONS,
    can_offer,
    make_ssl_context,
    permissive_verifying_context,
    probe_context,
)

Clock = Callable[[], float]


class TlsProblem(StrEnum):
    """Why a chain did not verify."""

    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    HOSTNAME_MISMATCH = "hostname_mismatch"
    INCOMPLETE_CHAIN = "incomplete_chain"
    SELF_SIGNED = "self_signed"
    UNTRUSTED = "untrusted"
    OTHER = "other"


# OpenSSL X509_V_ERR_* codes (include/openssl/x509_vfy.h) and what they mean for a user.
_VERIFY_CODES: dict[int, TlsProblem] = {
    9: TlsProblem.NOT_YET_VALID,  # CERT_NOT_YET_VALID
    10: TlsProblem.EXPIRED,  # CERT_HAS_EXPIRED
    18: TlsProblem.SELF_SIGNED,  # DEPTH_ZERO_SELF_SIGNED_CERT
    19: TlsProblem.UNTRUSTED,  # SELF_SIGNED_CERT_IN_CHAIN
    62: TlsProblem.HOSTNAME_MISMATCH,  # HOSTNAME_MISMATCH
    64: TlsProblem.HOSTNAME_MISMATCH,  # IP_ADDRESS_MISMATCH
}
# The peer said no during the handshake (an alert, or hanging up on our ClientHello), as opposed
# to the connection failing before TLS started.
_HANDSHAKE_REFUSED = (
    ssl.SSLError,
    ConnectionResetError,
    ConnectionAbortedError,
    BrokenPipeError,
    EOFError,
)
# UNABLE_TO_GET_ISSUER_CERT, UNABLE_TO_GET_ISSUER_CERT_LOCALLY, UNABLE_TO_VERIFY_LEAF_SIGNATURE
_MISSING_ISSUER_CODES = frozenset({2, 20, 21})


@dataclass(frozen=True)
class TlsReport:
    """What one TLS endpoint presents and accepts."""

    host: str
    """The name checked (sent as SNI, matched against the certificate)."""
    port: int
    address: str = ""
    """``IP:PORT`` connected to."""
    checked_at: datetime | None = None
    """The ``now`` the expiry figures are relative to."""
    verified: bool = False
    """The presented chain verifies against system trust + the extra bundle, for ``host``."""
    problem: TlsProblem | None = None
    """Why it did not verify; ``None`` when verified or when no handshake succeeded."""
    verify_code: int | None = None
    """OpenSSL's X509_V_ERR code, when it gave one."""
    verify_message: str = ""
    """OpenSSL's own words, e.g. ``certificate has expired``."""
    chain: tuple[CertInfo, ...] = ()
    """Certificates as the server presented them, leaf first."""
    hostname_matches: bool | None = None
    """Whether ``host`` matches the leaf's SANs (judged independently of verification)."""
    days_to_expiry: int | None = None
    """Whole days from ``checked_at`` to the leaf's notAfter; negative once expired."""
    version: str | None = None
    """Negotiated protocol of the main handshake, e.g. ``TLSv1.3``."""
    cipher: str | None = None
    protocols: Mapping[str, bool | None] = field(default_factory=dict)
    """``TLSv1``..``TLSv1.3`` → accepted (True), refused (False), could not test (None)."""
    failure: NetFailure | None = None
    """Set when no handshake succeeded at all (refused, timeout, not TLS)."""
    elapsed_ms: float = 0.0

    @property
    def leaf(self) -> CertInfo | None:
        """The server's own certificate."""
        return self.chain[0] if self.chain else None


@dataclass(frozen=True)
class _Handshake:
    version: str | None
    cipher: str | None
    chain: tuple[bytes, ...]


async def inspect_tls(
    host: str,
    port: int = 443,
    *,
    now: datetime,
    connect_to: str | None = None,
    resolver: Resolver | None = None,
    ca_bundle: str | None = None,
    ssl_context: ssl.SSLContext | None = None,
    timeout: float = 10.0,  # noqa: ASYNC109 - one budget for several handshakes
    probe_protocols: bool = True,
    clock: Clock = time.perf_counter,
) -> TlsReport:
    """Inspect ``host:port``'s TLS. Never raises on network trouble (see ``TlsReport.failure``).

    The address comes from ``connect_to`` (``IP[:PORT]``, e.g. ``NetConfig.connect_to(...)``),
    else ``host`` itself if it is an IP, else ``resolver``. ``ssl_context`` (the verifying one)
    defaults to :func:`make_ssl_context` with ``ca_bundle``. ``timeout`` bounds everything.
    Raises ``UsageError`` for a malformed ``connect_to`` or an unreadable ``ca_bundle``.
    """
    started = clock()
    deadline = asyncio.get_running_loop().time() + timeout
    verifying = ssl_context if ssl_context is not None else make_ssl_context(ca_bundle)
    name = host.strip().rstrip(".").strip("[]")
    report = TlsReport(host=name, port=port, checked_at=now)

    def done(**changes: Any) -> TlsReport:
        return replace(report, **changes, elapsed_ms=(clock() - started) * 1000.0)

    target = await _address(name, port, connect_to, resolver)
    if isinstance(target, NetFailure):
        return done(failure=_with_elapsed(target, (clock() - started) * 1000.0))
    ip, target_port = target
    address = join_host_port(ip, target_port)

    async def handshake(context: ssl.SSLContext) -> _Handshake:
        return await _handshake(ip, target_port, name, context, deadline)

    verified = False
    problem: TlsProblem | None = None
    code: int | None = None
    message = ""
    result: _Handshake | None = None
    # Strict first (what HTTP trusts); if the handshake itself is refused, judge the
    # certificate with a context that allows every version; finally just fetch the chain.
    attempts: tuple[tuple[Callable[[], ssl.SSLContext], bool], ...] = (
        (lambda: verifying, True),
        (lambda: permissive_verifying_context(ca_bundle), True),
        (probe_context, False),
    )
    last_error: BaseException | None = None
    try:
        for make_context, verifies in attempts:
            if code is not None and verifies:
                continue  # the certificate was already judged; only the chain is missing
            try:
                result = await handshake(make_context())
            except ssl.SSLCertVerificationError as exc:
                code, message = exc.verify_code, exc.verify_message or str(exc)
                continue
            except _HANDSHAKE_REFUSED as exc:
                last_error = exc
                continue
            verified = verifies
            break
    except (OSError, TimeoutError) as exc:
        last_error = exc
    if result is None:
        assert last_error is not None
        failure = _connect_failure(last_error, name, address, timeout, (clock() - started) * 1000.0)
        return done(
            address=address, failure=failure, verify_code=code, verify_message=clean(message)
        )

    chain = _parse_chain(result.chain)
    leaf = chain[0] if chain else None
    if not verified:
        problem = _classify(code, message, chain)
    protocols: dict[str, bool | None] = {}
    if probe_protocols:
        # The version the handshake above agreed is offered: no second handshake to learn it.
        probes = [
            _agreed() if label == result.version else _probe(ip, target_port, name, v, deadline)
            for label, v in PROTOCOL_VERSIONS.items()
        ]
        outcomes = await asyncio.gather(*probes)
        protocols = dict(zip(PROTOCOL_VERSIONS, outcomes, strict=True))
    return done(
        address=address,
        verified=verified,
        problem=problem,
        verify_code=code,
        verify_message=clean(message),
        chain=chain,
        hostname_matches=hostname_matches(leaf, name) if leaf else None,
        days_to_expiry=_days_between(now, leaf.not_after) if leaf else None,
        version=result.version,
        cipher=result.cipher,
        protocols=protocols,
    )


async def _address(
    host: str, port: int, connect_to: str | None, resolver: Resolver | None
) -> tuple[str, int] | NetFailure:
    if connect_to:
        return parse_connect_to(connect_to, port)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return host, port
    if resolver is None:
        raise UsageError(f"inspect_tls({host!r}): give connect_to or a resolver to look it up")
    addresses = await resolver.resolve_address(host)
    if isinstance(addresses, DnsFailure):
        return NetFailure(
            FailureKind.DNS,
            Phase.DNS,
            clean(f"Couldn't resolve {host}: {addresses.message}"),
            0.0,
            dns=addresses,
        )
    return addresses[0], port


async def _handshake(
    ip: str, port: int, server_hostname: str, context: ssl.SSLContext, deadline: float
) -> _Handshake:
    """One TLS handshake; raises what the connection raised."""
    async with asyncio.timeout_at(deadline):
        _reader, writer = await asyncio.open_connection(
            ip, port, ssl=context, server_hostname=server_hostname
        )
    try:
        tls = writer.get_extra_info("ssl_object")
        cipher = writer.get_extra_info("cipher")
        return _Handshake(
            version=tls.version() if tls is not None else None,
            cipher=cipher[0] if cipher else None,
            chain=_presented_chain(tls),
        )
    finally:
        # Abort rather than close: a polite TLS shutdown can wait on a peer that never answers.
        writer.transport.abort()
        await writer.wait_closed()


def _presented_chain(tls: ssl.SSLObject | None) -> tuple[bytes, ...]:
    if tls is None:
        return ()
    inner = getattr(tls, "_sslobj", None)
    get_chain = getattr(inner, "get_unverified_chain", None) or getattr(
        tls, "get_unverified_chain", None
    )
    if get_chain is not None:
        try:
            certs = get_chain() or ()
            return tuple(
                c if isinstance(c, bytes) else c.public_bytes(_ssl.ENCODING_DER) for c in certs
            )
        except (ssl.SSLError, ValueError, AttributeError):
            pass
    leaf = tls.getpeercert(binary_form=True)
    return (leaf,) if leaf else ()


def _parse_chain(ders: tuple[bytes, ...]) -> tuple[CertInfo, ...]:
    infos = []
    for der in ders:
        try:
            infos.append(cert_info(der))
        except ValueError:
            continue  # a certificate we cannot read is left out rather than failing the report
    return tuple(infos)


def _classify(code: int | None, message: str, chain: tuple[CertInfo, ...]) -> TlsProblem:
    if code in _VERIFY_CODES:
        return _VERIFY_CODES[code]
    if code in _MISSING_ISSUER_CODES or "issuer" in message.lower():
        leaf_alone = len(chain) <= 1 and not (chain and chain[0].self_issued)
        return TlsProblem.INCOMPLETE_CHAIN if leaf_alone else TlsProblem.UNTRUSTED
    # No OpenSSL code (another platform's verifier): read the message.
    lowered = message.lower()
    if "expired" in lowered:
        return TlsProblem.EXPIRED
    if "not yet valid" in lowered:
        return TlsProblem.NOT_YET_VALID
    if "hostname" in lowered or "match" in lowered:
        return TlsProblem.HOSTNAME_MISMATCH
    if "self signed" in lowered or "self-signed" in lowered:
        leaf_self_signed = len(chain) == 1 and chain[0].self_issued
        return TlsProblem.SELF_SIGNED if leaf_self_signed else TlsProblem.UNTRUSTED
    if "untrusted" in lowered or "not trusted" in lowered:
        return TlsProblem.UNTRUSTED
    return TlsProblem.OTHER


async def _agreed() -> bool:
    return True


async def _probe(
    ip: str, port: int, host: str, version: ssl.TLSVersion, deadline: float
) -> bool | None:
    if not can_offer(version):
        return None
    try:
        await _handshake(ip, port, host, probe_context(version), deadline)
    except TimeoutError:
        return None
    except _HANDSHAKE_REFUSED:
        return False
    except OSError:
        return None
    return True


def _connect_failure(
    exc: BaseException, host: str, address: str, timeout: float, elapsed_ms: float
) -> NetFailure:
    if isinstance(exc, TimeoutError):
        kind, phase = FailureKind.DEADLINE, Phase.TLS
        message = f"No TLS handshake with {host} ({address}) within {seconds_text(timeout)}"
    elif isinstance(exc, ConnectionRefusedError):
        kind, phase = FailureKind.CONNECT_REFUSED, Phase.CONNECT
        message = f"Connection refused by {address} (nothing is listening there)"
    elif isinstance(exc, _HANDSHAKE_REFUSED):
        kind, phase = FailureKind.TLS, Phase.TLS
        if isinstance(exc, ssl.SSLError):
            reason = exc.reason or str(exc)
        else:
            reason = "the server closed the connection during the handshake"
        message = f"TLS handshake with {host} ({address}) failed: {reason}"
    else:
        kind, phase = FailureKind.UNREACHABLE, Phase.CONNECT
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        message = f"Couldn't connect to {address}: {reason}"
    return NetFailure(
        kind,
        phase,
        clean(message, max_len=400),
        elapsed_ms,
        detail=clean(f"{type(exc).__name__}: {exc}", max_len=400),
    )


def _with_elapsed(failure: NetFailure, elapsed_ms: float) -> NetFailure:
    return NetFailure(
        failure.kind, failure.phase, failure.message, elapsed_ms, failure.detail, failure.dns
    )


def _days_between(now: datetime, then: datetime) -> int:
    return int((then - now).total_seconds() // 86400)

"""The TLS contexts the network layer uses, built in one place.

* :func:`make_ssl_context` — what HTTP requests and certificate verification use: the system
  trust store (so the checker trusts what the user's OS trusts, not a bundled certifi
  snapshot) plus an optional extra PEM bundle. On macOS and Windows that is truststore's
  context (the OS verifier decides; the extra CAs are honoured by its OpenSSL pre-check). On
  Linux and other Unixes truststore would verify with OpenSSL against the system CA paths
  anyway, but it reloads them on every connection (about 90 ms of blocking CPU per handshake
  with OpenSSL 3, which serialises a concurrent audit), so a stdlib context that loads the same
  paths once is used instead; truststore remains the fallback when OpenSSL knows no CA paths.
* :func:`permissive_verifying_context` — verifies like the strict context but offers every
  version and cipher, for judging the certificate of a server only old versions reach; built
  once per CA bundle (and again when the bundle file changes).
* :func:`probe_context` — a deliberately permissive, non-verifying context pinned to one
  protocol version (built once per version), for asking a server which versions it accepts.
  OpenSSL 3 refuses TLS 1.0 and 1.1 at its default security level, so without
  ``@SECLEVEL=0`` a probe would fail on our side and be misreported as the server refusing.
* :func:`can_offer` — whether the local OpenSSL can offer a version at all (a build without
  TLS 1.0 cannot test it; that is "could not test", not "refused").
"""

from __future__ import annotations

import functools
import os
import ssl
import sys
import warnings

import truststore

from launch_tui.core.errors import UsageError

#: Protocol versions probed, by the names reports use.
PROTOCOL_VERSIONS: dict[str, ssl.TLSVersion] = {
    "TLSv1": ssl.TLSVersion.TLSv1,
    "TLSv1.1": ssl.TLSVersion.TLSv1_1,
    "TLSv1.2": ssl.TLSVersion.TLSv1_2,
    "TLSv1.3": ssl.TLSVersion.TLSv1_3,
}

_PERMISSIVE_CIPHERS = "ALL:@SECLEVEL=0"


def make_ssl_context(ca_bundle: str | None = None) -> ssl.SSLContext:
    """A verifying client context: the system trust store plus ``ca_bundle`` if given.

    Raises :class:`UsageError` when the bundle is missing or holds no PEM certificate.
    """
    defaults = ssl.get_default_verify_paths()
    if sys.platform not in ("darwin", "win32") and (defaults.cafile or defaults.capath):
        return make_strict_stdlib_context(ca_bundle)
    context = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if ca_bundle:
        _load_bundle(context, ca_bundle)
    return context


def make_strict_stdlib_context(ca_bundle: str | None = None) -> ssl.SSLContext:
    """A verifying stdlib context (OpenSSL's default paths plus ``ca_bundle``).

    Used by the TLS inspector when it needs OpenSSL's verify codes on any platform.
    """
    context = ssl.create_default_context()
    if ca_bundle:
        _load_bundle(context, ca_bundle)
    return context


def permissive_verifying_context(ca_bundle: str | None = None) -> ssl.SSLContext:
    """Verifies the chain and hostname, but accepts any protocol version and cipher.

    For servers that only speak versions our normal context refuses (TLS 1.0-only): their
    certificate can still be judged. Built once per bundle and reused while the bundle file
    is unchanged: loading the system store costs ~20 ms of CPU on the event loop, once per
    such host otherwise. Nothing changes a context once built.
    """
    return _permissive(ca_bundle, _stamp(ca_bundle))


def _stamp(path: str | None) -> tuple[int, int, int] | None:
    """What tells a changed bundle file from the one a cached context loaded."""
    if not path:
        return None
    try:
        found = os.stat(path)
    except OSError:
        return None  # loading it says what is wrong
    return found.st_ino, found.st_size, found.st_mtime_ns


@functools.lru_cache(maxsize=8)
def _permissive(ca_bundle: str | None, _file: tuple[int, int, int] | None) -> ssl.SSLContext:
    context = make_strict_stdlib_context(ca_bundle)
    _allow_everything(context)
    return context


@functools.cache
def probe_context(version: ssl.TLSVersion | None = None) -> ssl.SSLContext:
    """A non-verifying context that offers everything, or only ``version`` when given.

    One per version, shared: building a context costs about 0.16 ms of CPU and an audit asks
    for one per probe and per unverified fetch (63 on the demo). Nobody changes a context once
    built (no ALPN, cipher or verify setting is made after this function), and OpenSSL lets
    connections on several threads share one.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    # Probes and chain fetches must see servers whose certificates are broken: that is what
    # they are reporting on. Nothing sent over these connections is trusted.
    context.verify_mode = ssl.CERT_NONE
    _allow_everything(context)
    if version is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            context.minimum_version = version
            context.maximum_version = version
    return context


@functools.cache
def can_offer(version: ssl.TLSVersion) -> bool:
    """True when the local OpenSSL can send a ClientHello for ``version``.

    Starts a handshake into memory buffers: a context that cannot offer the version fails at
    once ("no protocols available"), one that can waits for the server's reply.
    """
    try:
        context = probe_context(version)
        tls = context.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO())
        tls.do_handshake()
    except ssl.SSLWantReadError:
        return True
    except (ssl.SSLError, ValueError):
        return False
    return True  # pragma: no cover - a handshake cannot complete without a peer


def _allow_everything(context: ssl.SSLContext) -> None:
    with warnings.catch_warnings():
        # Setting TLS 1.0 as a bound warns "ssl.TLSVersion.TLSv1 is deprecated"; probing old
        # versions is this function's purpose.
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        context.maximum_version = ssl.TLSVersion.MAXIMUM_SUPPORTED
    context.set_ciphers(_PERMISSIVE_CIPHERS)


def _load_bundle(context: ssl.SSLContext, ca_bundle: str) -> None:
    if not os.path.isfile(ca_bundle):
        raise UsageError(f"--ca-bundle {ca_bundle!r}: no such file", title="CA bundle not found")
    try:
        context.load_verify_locations(cafile=ca_bundle)
    except (ssl.SSLError, ValueError, OSError) as exc:
        raise UsageError(
            f"--ca-bundle {ca_bundle!r}: not a PEM file of CA certificates ({exc})",
            title="CA bundle unreadable",
        ) from None

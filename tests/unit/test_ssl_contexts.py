"""The verifying client context: on Linux a stdlib context that loaded the system CA paths once.

truststore's context would load them again on every handshake (``bench/tls_context.py``:
about 35 ms of client CPU per handshake against 1.5 ms).
"""

from __future__ import annotations

import ssl
import sys

import pytest
import truststore

from launch_tui.net.ssl_contexts import make_ssl_context, probe_context


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="the OS verifier decides there")
def test_on_linux_the_system_store_is_loaded_once_not_per_handshake() -> None:
    paths = ssl.get_default_verify_paths()
    if not (paths.cafile or paths.capath):
        pytest.skip("OpenSSL knows no CA paths here: truststore is the fallback")
    context = make_ssl_context()
    assert not isinstance(context, truststore.SSLContext)
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    if paths.cafile:
        # The bundle file was read into the context when it was made.
        assert context.cert_store_stats()["x509_ca"] > 0


def test_probe_contexts_are_built_once_per_version_and_stay_permissive() -> None:
    any_version = probe_context()
    assert probe_context() is any_version
    assert probe_context(ssl.TLSVersion.TLSv1_2) is probe_context(ssl.TLSVersion.TLSv1_2)
    assert probe_context(ssl.TLSVersion.TLSv1_2) is not any_version
    pinned = probe_context(ssl.TLSVersion.TLSv1_2)
    assert pinned.minimum_version == pinned.maximum_version == ssl.TLSVersion.TLSv1_2
    for context in (any_version, pinned):
        assert context.verify_mode is ssl.CERT_NONE and not context.check_hostname

"""The verifying client context: on Linux a stdlib context that loaded the system CA paths once.

truststore's context would load them again on every handshake (``bench/tls_context.py``:
about 35 ms of client CPU per handshake against 1.5 ms).
"""

from __future__ import annotations

import ssl
import sys
from pathlib import Path

import pytest
import truststore

from launch_tui.core.errors import UsageError
from launch_tui.net.ssl_contexts import (
    make_ssl_context,
    permissive_verifying_context,
    probe_context,
)


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


def test_the_permissive_verifying_context_is_built_once_per_bundle_until_it_changes(
    tmp_path: Path,
) -> None:
    system = ssl.get_default_verify_paths().cafile
    if not system:
        pytest.skip("OpenSSL knows no CA file here to copy")
    bundle = tmp_path / "extra.pem"
    bundle.write_bytes(Path(system).read_bytes())
    first = permissive_verifying_context(str(bundle))
    assert permissive_verifying_context(str(bundle)) is first
    assert first.verify_mode is ssl.CERT_REQUIRED and first.check_hostname
    assert first.minimum_version == ssl.TLSVersion.MINIMUM_SUPPORTED
    # A bundle edited in place (the run's --ca-bundle rewritten) is loaded again.
    bundle.write_bytes(Path(system).read_bytes() + b"\n")
    assert permissive_verifying_context(str(bundle)) is not first
    # A bundle that is gone says so, as before, and nothing stale is handed out.
    bundle.unlink()
    with pytest.raises(UsageError, match="no such file"):
        permissive_verifying_context(str(bundle))

"""Credentials in the OS keyring: a real Secret Service (gnome-keyring under dbus-run-session),
no backend (a clear message naming the environment variable, within 3 s), a backend that
hangs, and the environment-variable route. Values never go anywhere else."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from launch_tui.core.errors import SecretStoreError
from launch_tui.store.credentials import (
    PROBE_TIMEOUT_S,
    CredentialStore,
    env_name,
    reference,
)

REF = reference("acme", "test-login", "auth route timing")


def test_references_are_keyring_paths_and_env_names() -> None:
    assert REF.ref == "keyring:launch-tui/acme/test-login"
    assert env_name(REF) == "LAUNCH_TUI_CREDENTIAL_ACME_TEST_LOGIN"
    with pytest.raises(SecretStoreError, match="may only hold"):
        reference("acme", "../etc")


def test_no_backend_is_a_clear_message_with_the_environment_route() -> None:
    store = CredentialStore(None)
    with pytest.raises(SecretStoreError) as caught:
        store.put(REF, "hunter2-but-longer")
    assert "No keyring backend" in caught.value.message
    assert "LAUNCH_TUI_CREDENTIAL_ACME_TEST_LOGIN" in caught.value.message
    assert "never writes a credential to a file" in caught.value.message
    with pytest.raises(SecretStoreError):
        store.get(REF)
    value = secrets.token_urlsafe(16)
    from_env = CredentialStore(None, {"LAUNCH_TUI_CREDENTIAL_ACME_TEST_LOGIN": value})
    assert from_env.get(REF) == value


class _Hanging:
    """A backend whose every call blocks until released (a stuck D-Bus)."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.release.wait()
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        self.release.wait()

    def delete_password(self, service: str, username: str) -> None:
        self.release.wait()


def test_a_backend_that_hangs_is_reported_within_three_seconds() -> None:
    backend = _Hanging()
    started = time.monotonic()
    try:
        with pytest.raises(SecretStoreError, match="did not answer within 3 s"):
            CredentialStore(backend).get(REF)
        assert time.monotonic() - started < PROBE_TIMEOUT_S + 0.5
    finally:
        backend.release.set()


_SCRIPT = textwrap.dedent(
    """
    import sys
    from launch_tui.store.credentials import CredentialStore, default_backend, reference
    backend = default_backend()
    print("backend", type(backend).__module__, type(backend).__name__)
    store = CredentialStore(backend)
    ref = reference("acme", "api-token")
    value = sys.stdin.readline().strip()
    store.put(ref, value)
    assert store.get(ref) == value
    store.forget(ref)
    try:
        store.get(ref)
    except Exception as exc:
        print("after forget:", type(exc).__name__)
    """
)


@pytest.mark.skipif(
    not (shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")),
    reason="gnome-keyring and dbus are installed by .ci/run",
)
def test_a_real_secret_service_keeps_and_forgets_a_credential(tmp_path: Path) -> None:
    value = secrets.token_urlsafe(24)
    script = tmp_path / "roundtrip.py"
    script.write_text(_SCRIPT)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_RUNTIME_DIR": str(tmp_path / "run"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.SecretService.Keyring",
    }
    (tmp_path / "run").mkdir(mode=0o700)
    shell = (
        "printf 'sandbox-unlock' | gnome-keyring-daemon --unlock --components=secrets "
        f">/dev/null && {sys.executable} {script}"
    )
    done = subprocess.run(
        ["dbus-run-session", "--", "sh", "-c", shell],
        input=value + "\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "backend keyring.backends.SecretService Keyring" in done.stdout
    assert "after forget: SecretStoreError" in done.stdout
    assert value not in done.stdout + done.stderr
    # The value is only in the keyring's own (encrypted) store, not in any plain file.
    for path in tmp_path.rglob("*"):
        if path.is_file() and path != script:
            assert value.encode() not in path.read_bytes(), path

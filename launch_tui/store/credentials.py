"""Credentials launch-tui itself uses (API tokens, a test login), kept in the OS keyring.

A session file holds only a reference, ``keyring:launch-tui/<session>/<name>``
(:class:`~launch_tui.core.model.CredentialRef`); the value lives in the keyring under service
``launch-tui/<session>`` and user name ``<name>``. The keyring is injected (a
:class:`KeyringBackend`, ``keyring``'s own backends fit), so tests use a real Secret Service
(gnome-keyring under ``dbus-run-session``) or a fake, never a patched global.

No backend (a server, a container, a locked or absent Secret Service) is a
:class:`~launch_tui.core.errors.SecretStoreError` within :data:`PROBE_TIMEOUT_S` seconds whose
message names the environment variable that may hold the value instead
(``LAUNCH_TUI_CREDENTIAL_<SESSION>_<NAME>``). A value is never written anywhere else: there is
no plaintext fallback.
"""

from __future__ import annotations

import concurrent.futures
import re
from collections.abc import Callable, Mapping
from typing import Protocol

from launch_tui.core.errors import SecretStoreError
from launch_tui.core.model import CredentialRef
from launch_tui.core.sanitize import clean

#: How long finding and asking a backend may take before it counts as absent.
PROBE_TIMEOUT_S = 3.0
SERVICE_PREFIX = "launch-tui"
ENV_PREFIX = "LAUNCH_TUI_CREDENTIAL_"
_NAME = re.compile(r"^[A-Za-z0-9._-]+$")
_INSTALL = (
    "install and unlock a keyring (GNOME Keyring or KWallet on Linux, the macOS Keychain, "
    "Windows Credential Manager)"
)


class KeyringBackend(Protocol):
    """What launch-tui needs of a keyring: ``keyring``'s backends have these methods."""

    def get_password(self, service: str, username: str) -> str | None: ...

    def set_password(self, service: str, username: str, password: str) -> None: ...

    def delete_password(self, service: str, username: str) -> None: ...


def reference(session_id: str, name: str, purpose: str = "") -> CredentialRef:
    """The reference for credential ``name`` of session ``session_id``."""
    for part, what in ((session_id, "session id"), (name, "credential name")):
        if not _NAME.fullmatch(part):
            raise SecretStoreError(
                f"{what} {part!r} may only hold letters, digits, '.', '_' and '-'",
                title="Bad credential name",
            )
    return CredentialRef(
        name=name, ref=f"keyring:{SERVICE_PREFIX}/{session_id}/{name}", purpose=purpose
    )


def split_ref(ref: CredentialRef) -> tuple[str, str]:
    """``(service, username)`` in the keyring for ``ref``."""
    _, _, path = ref.ref.partition(":")
    prefix, session_id, name = path.split("/")
    return f"{prefix}/{session_id}", name


def env_name(ref: CredentialRef) -> str:
    """The environment variable that may hold ``ref``'s value instead of the keyring."""
    service, name = split_ref(ref)
    session_id = service.split("/", 1)[1]
    return ENV_PREFIX + re.sub(r"[^A-Z0-9]", "_", f"{session_id}_{name}".upper())


def _call(action: Callable[[], object], what: str) -> object:
    """Run a keyring call in a worker thread, giving up after :data:`PROBE_TIMEOUT_S`."""
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="keyring")
    try:
        return pool.submit(action).result(timeout=PROBE_TIMEOUT_S)
    except concurrent.futures.TimeoutError:
        raise SecretStoreError(
            f"the keyring did not answer within {PROBE_TIMEOUT_S:g} s while {what} (a locked "
            "or stuck Secret Service?)",
            title="Keyring not answering",
        ) from None
    except SecretStoreError:
        raise
    except Exception as exc:  # the backend's own errors (locked, no D-Bus, refused)
        raise SecretStoreError(
            f"the keyring refused while {what}: {type(exc).__name__}: "
            f"{clean(str(exc), max_len=160)}",
            title="Keyring error",
        ) from None
    finally:
        # The stuck call may never return: do not wait for it.
        pool.shutdown(wait=False, cancel_futures=True)


def default_backend() -> KeyringBackend | None:
    """The system's keyring backend, or ``None`` when only a null/fail backend is found.

    Detection itself can hang on a broken D-Bus: it is bounded by :data:`PROBE_TIMEOUT_S`
    (then ``None``).
    """

    def find() -> object:
        import keyring
        import keyring.backends.fail

        backend = keyring.get_keyring()
        if isinstance(backend, keyring.backends.fail.Keyring) or _is_null(backend):
            return None
        return backend

    try:
        found = _call(find, "looking for a keyring backend")
    except SecretStoreError:
        return None
    return found  # type: ignore[return-value]


def _is_null(backend: object) -> bool:
    priority = getattr(type(backend), "priority", 1)
    return isinstance(priority, int | float) and priority <= 0


def no_keyring(ref: CredentialRef) -> SecretStoreError:
    """The error for ``ref`` when no backend is available: the environment route and no file."""
    return SecretStoreError(
        f"No keyring backend is available for {ref.ref}. Set the environment variable "
        f"{env_name(ref)} to the value for this run instead, or {_INSTALL}. "
        "launch-tui never writes a credential to a file.",
        title="No keyring",
    )


class CredentialStore:
    """Store, read and forget credentials of one session through an injected keyring."""

    def __init__(
        self, backend: KeyringBackend | None, environ: Mapping[str, str] | None = None
    ) -> None:
        self._backend = backend
        self._environ = environ or {}

    def _require(self, ref: CredentialRef) -> KeyringBackend:
        if self._backend is None:
            raise no_keyring(ref)
        return self._backend

    def put(self, ref: CredentialRef, value: str) -> None:
        """Keep ``value`` in the keyring under ``ref`` (never anywhere else)."""
        if not value:
            raise SecretStoreError("an empty credential was not stored", title="Empty credential")
        backend = self._require(ref)
        service, name = split_ref(ref)
        _call(lambda: backend.set_password(service, name, value), f"storing {ref.ref}")

    def get(self, ref: CredentialRef) -> str:
        """``ref``'s value: the environment variable if set, else the keyring."""
        from_env = self._environ.get(env_name(ref), "")
        if from_env:
            return from_env
        backend = self._require(ref)
        service, name = split_ref(ref)
        value = _call(lambda: backend.get_password(service, name), f"reading {ref.ref}")
        if not isinstance(value, str) or not value:
            raise SecretStoreError(
                f"The keyring holds nothing for {ref.ref}: store it again, or set "
                f"{env_name(ref)} for this run",
                title="Credential not found",
            )
        return value

    def forget(self, ref: CredentialRef) -> None:
        """Remove ``ref``'s value from the keyring (nothing there is fine)."""
        backend = self._require(ref)
        service, name = split_ref(ref)

        def delete() -> None:
            try:
                backend.delete_password(service, name)
            except Exception as exc:  # keyring.errors.PasswordDeleteError: not stored
                if type(exc).__name__ != "PasswordDeleteError":
                    raise

        _call(delete, f"removing {ref.ref}")

"""``launch-tui credential set|delete|list SESSION [NAME]``: credentials launch-tui itself uses.

An API token or a test login the checks need is kept in the OS keyring
(:mod:`launch_tui.store.credentials`); the session file gets only its
``keyring:launch-tui/<session>/<name>`` reference in ``[[credentials]]``. The value is read from
a prompt that does not echo (a terminal) or from standard input (a pipe), never from the command
line, where it would land in shell history and ``ps``.

With no keyring backend the command stops before asking for the value, within
:data:`~launch_tui.store.credentials.PROBE_TIMEOUT_S` seconds, and names the environment variable
that may hold the value for a run instead. Nothing is ever written in plaintext.

Exit codes: 0 done; 2 usage (bad name, no value given, ``delete`` of a name the session does
not hold); 3 session file; 4 no keyring or the keyring refused.
"""

from __future__ import annotations

import argparse
import dataclasses
import getpass
from collections.abc import Callable

from launch_tui.cli.context import CliEnv
from launch_tui.cli.exit_codes import Exit
from launch_tui.core.errors import SecretStoreError, UsageError
from launch_tui.core.model import CredentialRef, Session
from launch_tui.core.sanitize import clean
from launch_tui.store import open_session
from launch_tui.store.credentials import (
    CredentialStore,
    KeyringBackend,
    default_backend,
    env_name,
    no_keyring,
    reference,
)

#: Finds the keyring; tests hand in a fake, the command the system's (bounded to 3 s).
BackendFinder = Callable[[], KeyringBackend | None]


def run(args: argparse.Namespace, env: CliEnv) -> int:
    return run_with(args, env, default_backend)


def run_with(args: argparse.Namespace, env: CliEnv, find_backend: BackendFinder) -> int:
    path = env.session_file(args, args.file)
    action: str = args.action
    with open_session(path, if_locked="raise", read_only=action == "list") as handle:
        session = handle.session
        if action == "list":
            _list(session, env, find_backend, getattr(args, "name", None))
            return Exit.OK
        ref = _reference(session, args.name, getattr(args, "purpose", "") or "")
        store = CredentialStore(_backend_or_explain(find_backend, ref), env.environ)
        if action == "set":
            value = _read_value(env, ref)
            store.put(ref, value)
            handle.save(_with_credential(session, ref))
            env.print(f"Stored {ref.name} in the keyring; the session holds {ref.ref}")
            return Exit.OK
        held = {c.name for c in session.credentials}
        if ref.name not in held:
            raise UsageError(
                f"session {session.sprint.id!r} holds no credential named {ref.name!r}",
                title="No such credential",
            )
        store.forget(ref)
        handle.save(
            dataclasses.replace(
                session,
                credentials=tuple(c for c in session.credentials if c.name != ref.name),
            )
        )
        env.print(f"Removed {ref.name} from the keyring and from the session")
        return Exit.OK


def _reference(session: Session, name: str, purpose: str) -> CredentialRef:
    try:
        ref = reference(session.sprint.id, name, purpose)
    except SecretStoreError as exc:  # a name the keyring path cannot hold is the user's typo
        raise UsageError(exc.message, title="Bad credential name") from None
    if not purpose:
        kept = next((c for c in session.credentials if c.name == name), None)
        if kept is not None:
            ref = dataclasses.replace(ref, purpose=kept.purpose)
    return ref


def _backend_or_explain(find_backend: BackendFinder, ref: CredentialRef) -> KeyringBackend:
    backend = find_backend()
    if backend is None:
        raise no_keyring(ref)
    return backend


def _read_value(env: CliEnv, ref: CredentialRef) -> str:
    """The value from a no-echo prompt on a terminal, else all of standard input."""
    if env.stdin.isatty():
        value = getpass.getpass(f"Value for {ref.name} (not shown): ", stream=env.stderr)
    else:
        value = env.stdin.read().rstrip("\r\n")
    if not value:
        raise UsageError(
            f"no value for {ref.name}: type it at the prompt or pipe it on standard input "
            "(never on the command line)",
            title="No credential value",
        )
    return value


def _with_credential(session: Session, ref: CredentialRef) -> Session:
    kept = [c for c in session.credentials if c.name != ref.name]
    at = next((i for i, c in enumerate(session.credentials) if c.name == ref.name), len(kept))
    kept.insert(at, ref)
    return dataclasses.replace(session, credentials=tuple(kept))


def _list(session: Session, env: CliEnv, find_backend: BackendFinder, only: str | None) -> None:
    credentials = [c for c in session.credentials if only is None or c.name == only]
    if not credentials:
        env.print(f"No credentials in session {clean(session.sprint.id)}")
        return
    backend = find_backend()
    store = CredentialStore(backend, env.environ)
    width = max(len(c.name) for c in credentials)
    for cred in credentials:
        env.print(
            f"{clean(cred.name):<{width}}  {clean(cred.ref)}  {_where(store, backend, cred, env)}"
            + (f"  ({clean(cred.purpose, max_len=80)})" if cred.purpose else "")
        )


def _where(
    store: CredentialStore, backend: KeyringBackend | None, cred: CredentialRef, env: CliEnv
) -> str:
    """Where the value would come from on a run, without showing it."""
    variable = env_name(cred)
    if env.environ.get(variable):
        return f"from ${variable}"
    if backend is None:
        return f"no keyring: set ${variable}"
    try:
        store.get(cred)
    except SecretStoreError:
        return "missing from the keyring"
    return "in the keyring"

"""``launch-tui open FILE``: resume a session in the terminal UI where it was left.

The network options (``--nameserver``, ``--resolve``, ``--ca-bundle``, ``--timeout``) apply to
this run's checks only; they are not written into the session file.

The TUI is loaded by module name: ``launch_tui.cli`` must not import textual (see the import
contract), and a headless command should not pay for it either.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from launch_tui.cli.context import CliEnv
from launch_tui.cli.exit_codes import Exit
from launch_tui.core.errors import UsageError
from launch_tui.core.model import Session
from launch_tui.store import load_session

if TYPE_CHECKING:
    # The check engine is loaded after the first screen (see tui.app.first_screen_painted).
    from launch_tui.checks import CheckServices

ServicesFactory = Callable[[Session], "contextlib.AbstractAsyncContextManager[CheckServices]"]


def network_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The network options given on the command line, as ``NetworkOverrides`` field values.

    Plain values: the class (and the network stack behind it) is loaded on the first run, so
    the first screen does not wait for the HTTP client and dnspython.
    """
    overrides: dict[str, Any] = {}
    nameservers: Sequence[str] = getattr(args, "nameserver", None) or ()
    resolve: Sequence[str] = getattr(args, "resolve", None) or ()
    if nameservers:
        overrides["nameservers"] = tuple(nameservers)
    if resolve:
        overrides["resolve"] = tuple(resolve)
    ca_bundle = getattr(args, "ca_bundle", None)
    if ca_bundle is not None:
        if not Path(ca_bundle).is_file():
            raise UsageError(f"--ca-bundle {ca_bundle}: no such file")
        overrides["ca_bundle"] = str(ca_bundle)
    timeout = getattr(args, "timeout", None)
    if timeout is not None:
        if not timeout > 0:
            raise UsageError("--timeout must be a positive number of seconds")
        overrides["timeout"] = float(timeout)
    return overrides


@dataclass(frozen=True)
class NetworkServices:
    """The real services for a session (``checks.services``), with command-line overrides.

    Plain values, so the TUI recognises the real network (``tui.check_runs``) and a check
    process it starts builds the same services from them.
    """

    network_overrides: Mapping[str, Any]
    """``NetworkOverrides`` field values."""

    def __call__(self, session: Session) -> contextlib.AbstractAsyncContextManager[CheckServices]:
        from launch_tui.checks.engine.services import NetworkOverrides, open_check_services

        return open_check_services(session.network, NetworkOverrides(**self.network_overrides))


def services_factory(overrides: dict[str, Any] | None = None) -> ServicesFactory:
    """The checks' services for a session (``checks.services``), with ``overrides`` on top."""
    return NetworkServices(dict(overrides or {}))


def run(args: argparse.Namespace, env: CliEnv) -> int:
    path = env.session_file(args, args.file)
    # A file that is missing or does not parse or validate is the same one-line error, with
    # file:line:col, and the same exit code as for ``show`` and ``check``, not a home screen.
    load_session(path)
    factory = services_factory(network_overrides(args))
    # Textual and the app load only for the commands that show them: imported here, not above.
    from launch_tui.tui.launch import run_app

    run_app(
        sessions_dir=env.sessions_dir(args),
        playbook=env.playbook(args),
        services_factory=factory,
        environ=env.environ,
        clock=env.clock,
        open_path=path,
    )
    return Exit.OK

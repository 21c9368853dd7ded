"""Entry point: parse, dispatch, and turn every user-caused failure into one clear line."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence

from launch_tui.cli.context import CliEnv
from launch_tui.cli.exit_codes import Exit
from launch_tui.cli.parser import build_parser
from launch_tui.collector import resume_collector
from launch_tui.core.errors import (
    LaunchError,
    PlaybookError,
    SessionError,
    UsageError,
)

#: Commands that start the terminal UI: they resume the collector at their first screen.
UI_COMMANDS = frozenset({"home", "open", "demo"})

#: The commands, in the order ``--help`` lists them; :func:`runner` finds each one's code.
COMMANDS = (
    "home",
    "new",
    "list",
    "show",
    "report",
    "open",
    "demo",
    "check",
    "sandbox",
    "watch-deploy",
    "export",
    "data",
    "email-check",
    "credential",
)

Run = Callable[[argparse.Namespace, CliEnv], int]


def runner(command: str) -> Run:
    """The ``run(args, env)`` of ``command``'s module under :mod:`launch_tui.cli`.

    Imported here, when the command runs, not at the top: each command brings its own
    dependencies (the check engine, the sandbox, the TUI), and starting one should not wait for
    the others'.
    """
    match command:
        case "home":
            from launch_tui.cli.cmd_home import run as run_home

            return run_home
        case "new":
            from launch_tui.cli.cmd_new import run as run_new

            return run_new
        case "list":
            from launch_tui.cli.cmd_list import run as run_list

            return run_list
        case "show":
            from launch_tui.cli.cmd_show import run as run_show

            return run_show
        case "report":
            from launch_tui.cli.cmd_report import run as run_report

            return run_report
        case "open":
            from launch_tui.cli.cmd_open import run as run_open

            return run_open
        case "demo":
            from launch_tui.cli.cmd_demo import run as run_demo

            return run_demo
        case "check":
            from launch_tui.cli.cmd_check import run as run_check

            return run_check
        case "sandbox":
            from launch_tui.cli.cmd_sandbox import run as run_sandbox

            return run_sandbox
        case "watch-deploy":
            from launch_tui.cli.cmd_watch_deploy import run as run_watch_deploy

            return run_watch_deploy
        case "export":
            from launch_tui.cli.cmd_export import run as run_export

            return run_export
        case "data":
            from launch_tui.cli.cmd_data import run as run_data

            return run_data
        case "email-check":
            from launch_tui.cli.cmd_email_check import run as run_email_check

            return run_email_check
        case "credential":
            from launch_tui.cli.cmd_credential import run as run_credential

            return run_credential
    raise KeyError(command)


def exit_code_for(error: LaunchError) -> Exit:
    if isinstance(error, UsageError):
        return Exit.USAGE
    if isinstance(error, SessionError | PlaybookError):
        return Exit.FILE
    return Exit.TOOL


def main(argv: Sequence[str] | None = None, env: CliEnv | None = None) -> int:
    env = env or CliEnv()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors exit from argparse
        return int(exc.code) if isinstance(exc.code, int) else Exit.USAGE
    command = args.command or "home"
    if command not in UI_COMMANDS:
        resume_collector()  # the UI commands resume it at their first screen
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    run = runner(command)
    try:
        code = run(args, env)
    except LaunchError as error:
        env.stderr.write(f"launch-tui: {error.one_line()}\n")
        return exit_code_for(error)
    except KeyboardInterrupt:
        env.stderr.write("launch-tui: Interrupted\n")
        return Exit.INTERRUPTED
    except Exception as error:  # a bug: say so in one line; the traceback only on request
        if os.environ.get("LAUNCH_TUI_DEBUG"):
            raise
        env.stderr.write(
            f"launch-tui: Internal error: {type(error).__name__}: {error} "
            "(set LAUNCH_TUI_DEBUG=1 for a traceback and please report it)\n"
        )
        return Exit.TOOL
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

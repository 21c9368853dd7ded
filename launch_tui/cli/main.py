"""Entry point: parse, dispatch, and turn every user-caused failure into one clear line."""

from __future__ import annotations

import importlib
import logging
import os
import sys
from collections.abc import Sequence

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

#: command name → module under launch_tui.cli that has ``run(args, env) -> int``.
COMMANDS = {
    "home": "cmd_home",
    "new": "cmd_new",
    "list": "cmd_list",
    "show": "cmd_show",
    "report": "cmd_report",
    "open": "cmd_open",
    "demo": "cmd_demo",
    "check": "cmd_check",
    "sandbox": "cmd_sandbox",
    "watch-deploy": "cmd_watch_deploy",
    "export": "cmd_export",
    "data": "cmd_data",
    "email-check": "cmd_email_check",
}


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
    module = importlib.import_module(f"launch_tui.cli.{COMMANDS[command]}")
    try:
        code: int = module.run(args, env)
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

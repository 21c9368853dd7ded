"""``launch-tui`` with no command: the home screen (saved sessions, wizard, demo)."""

from __future__ import annotations

import argparse

from launch_tui.cli import cmd_demo
from launch_tui.cli.cmd_open import services_factory
from launch_tui.cli.context import CliEnv
from launch_tui.cli.exit_codes import Exit


def run(args: argparse.Namespace, env: CliEnv) -> int:
    # Textual and the app load only for the commands that show them: imported here, not above.
    from launch_tui.tui.launch import run_app

    result = run_app(
        sessions_dir=env.sessions_dir(args),
        playbook=env.playbook(args),
        services_factory=services_factory(),
        environ=env.environ,
        clock=env.clock,
    )
    if result == "demo":
        # The home screen's "demo" quits the app so the sandbox starts outside any event loop.
        return cmd_demo.run(args, env)
    return Exit.OK

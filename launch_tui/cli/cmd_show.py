"""``launch-tui show FILE``: a plain-text summary of one session."""

from __future__ import annotations

import argparse

from launch_tui.cli.context import CliEnv
from launch_tui.cli.exit_codes import Exit
from launch_tui.report.summary import render_summary
from launch_tui.store import load_session


def run(args: argparse.Namespace, env: CliEnv) -> int:
    path = env.session_file(args, args.file)
    playbook = env.playbook(args)
    session = load_session(path)
    env.print(render_summary(session, playbook, env.clock()))
    return Exit.OK

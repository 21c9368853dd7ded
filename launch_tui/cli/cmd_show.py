"""``launch-tui show FILE``: a plain-text summary of one session."""

from __future__ import annotations

import argparse

from launch_tui.cli.context import CliEnv
from launch_tui.cli.exit_codes import Exit
from launch_tui.net import data_files
from launch_tui.report.summary import render_summary
from launch_tui.store import load_session


def run(args: argparse.Namespace, env: CliEnv) -> int:
    path = env.session_file(args, args.file)
    playbook = env.playbook(args)
    session = load_session(path)
    from launch_tui.checks import default_registry  # the checks this build can run

    implemented = default_registry().ids()
    env.print(render_summary(session, playbook, env.clock(), implemented))
    env.print(data_line(env))
    return Exit.OK


def data_line(env: CliEnv) -> str:
    """How old the data files the checks rely on are (``launch-tui data`` lists them)."""
    today = env.clock().date()
    parts = [
        f"{f.title} {data_files.status(f, today, env.environ).describe()}"
        for f in data_files.DATA_FILES
    ]
    return "Data: " + "; ".join(parts) + " (refresh: launch-tui data refresh)"

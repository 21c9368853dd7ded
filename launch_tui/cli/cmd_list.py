"""``launch-tui list``: the sessions in the sessions folder, most recently saved first."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from launch_tui.cli.context import CliEnv
from launch_tui.cli.exit_codes import Exit
from launch_tui.core.sanitize import clean
from launch_tui.store import list_sessions


def run(args: argparse.Namespace, env: CliEnv) -> int:
    folder = env.sessions_dir(args)
    summaries = list_sessions(folder)
    if not summaries:
        env.print(f"No sessions in {folder}. Start one with `launch-tui new --help`.")
        return Exit.OK
    env.print(f"Sessions in {folder}")
    header = f"{'session':<24} {'client':<22} {'stages':<8} {'verdict':<12} {'last saved':<17} note"
    env.print(header)
    for item in summaries:
        saved = datetime.fromtimestamp(item.mtime, UTC).strftime("%Y-%m-%d %H:%M")
        if item.error is not None:
            env.print(f"{item.path.name:<24} {'':<22} {'':<8} {'':<12} {saved:<17} "
                      f"unreadable: {clean(item.error, max_len=80)}")
            continue
        note = f"open in pid {item.locked_by}" if item.locked_by else ""
        env.print(
            f"{item.path.stem:<24.24} {clean(item.client):<22.22} "
            f"{item.stages_done}/{item.stages_total:<6} {item.verdict:<12} {saved:<17} {note}"
        )
    return Exit.OK

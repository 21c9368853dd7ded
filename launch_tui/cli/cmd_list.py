"""``launch-tui list``: the sessions in the sessions folder, most recently saved first."""

from __future__ import annotations

import argparse

from launch_tui.cli.context import CliEnv
from launch_tui.cli.exit_codes import Exit
from launch_tui.core.readiness import Verdict, compute_readiness
from launch_tui.core.sanitize import clean
from launch_tui.store import list_sessions

VERDICT_WORDS = {
    Verdict.READY: "ready",
    Verdict.READY_WITH_ACCEPTED_RISKS: "ready*",
    Verdict.NOT_READY: "not ready",
}


def run(args: argparse.Namespace, env: CliEnv) -> int:
    folder = env.sessions_dir(args)
    playbook = env.playbook(args)
    summaries = list_sessions(folder)
    if not summaries:
        env.print(f"No sessions in {folder}. Start one with `launch-tui new --help`.")
        return Exit.OK
    env.print(f"Sessions in {folder}  (ready* = ready with accepted risks)")
    # Ids are what `open`, `show` and `check` take: never cut, the column is as wide as the
    # longest. Client names are cut with an ellipsis.
    names = [clean(item.path.stem) for item in summaries]
    width = max(len("session"), *(len(n) for n in names))
    env.print(
        f"{'session':<{width}} {'client':<22} {'done':<6} {'verdict':<10} {'last saved':<17} note"
    )
    for name, item in zip(names, summaries, strict=True):
        saved = item.saved_at.strftime("%Y-%m-%d %H:%M") if item.saved_at else "?"
        if item.error is not None or item.session is None:
            reason = clean(item.error.message if item.error else "unreadable", max_len=80)
            blank = f"{'':<22} {'':<6} {'':<10}"
            env.print(f"{name:<{width}} {blank} {saved:<17} unreadable: {reason}")
            continue
        verdict = VERDICT_WORDS[compute_readiness(item.session, playbook).verdict]
        note = f"open in {item.locked_by}" if item.locked and item.locked_by else ""
        done = f"{item.stages_done}/{item.stages_total}"
        client = _fit(clean(item.client), 22)
        env.print(f"{name:<{width}} {client:<22} {done:<6} {verdict:<10} {saved:<17} {note}")
    return Exit.OK


def _fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, with an ellipsis when it was cut."""
    return text if len(text) <= width else text[: width - 1] + "…"

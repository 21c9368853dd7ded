"""``launch-tui demo``: the whole sprint on a realistic client, with no network and no set-up.

Starts the sandbox's ``demo`` world (DNS, HTTPS hosts, a git repository and a build folder on
127.0.0.x, in a process of its own: :mod:`launch_tui.cli.demo_sandbox`), writes a session
pointed at it, and opens it in the TUI with a full audit running. Quitting stops the sandbox and
removes its files.

Where the demo session lives: a temporary folder, deleted on quit (the handover the engineer
writes with ``w`` goes to the current folder instead, and the command says where on exit). The
sandbox gets new ports, a new CA and new temp paths on every start, so a demo session kept
between runs would point at servers that no longer exist; and a newcomer's sessions folder stays
free of demo files. With ``--keep`` the session is written to the sessions folder as
``demo-<date>.toml`` instead, and a later ``--keep`` the same day reopens it with its network
settings re-pointed at the new sandbox, keeping the decisions and notes made in it.

Hang-ups: closing the terminal (SIGHUP) or ``kill`` (SIGTERM) would end the process without
running any cleanup, leaving the sandbox's and the session's temporary folders behind. While the
app runs, ``tui.launch.run_app`` turns both into an orderly ``app.exit()``; before and after it
(starting the sandbox, cleaning up) they raise :class:`Hangup`. Either way the ``finally`` below
stops the sandbox and removes the folders, and the process exits with 128 + the signal.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import FrameType

from launch_tui.cli.cmd_open import services_factory
from launch_tui.cli.context import CliEnv
from launch_tui.cli.exit_codes import Exit
from launch_tui.core.model import STAGE_IDS, Session, StageState, UiState
from launch_tui.store import create_session, open_session

DEMO_WORLD = "demo"
NOTICE = "Demo: Brightlane's servers run on 127.0.0.x; nothing leaves this machine."


class Hangup(SystemExit):
    """The terminal went away or the process was asked to stop: unwind and clean up."""


def _hang_up(signum: int, frame: FrameType | None) -> None:
    raise Hangup(128 + signum)


@contextlib.contextmanager
def hangups_unwind() -> Iterator[None]:
    """Within the block, SIGHUP and SIGTERM raise :class:`Hangup` (main thread only)."""
    previous = {sig: signal.signal(sig, _hang_up) for sig in (signal.SIGHUP, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def _signals_ignored() -> Iterator[None]:
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGHUP, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def demo_session(fresh: Session) -> Session:
    """The sandbox's session with every stage to do and the audit selected."""
    return replace(fresh, stages={s: StageState() for s in STAGE_IDS}, ui=UiState())


def write_demo_session(fresh: Session, path: Path) -> Path:
    """Create the demo session at ``path``, or re-point an existing one at the new sandbox."""
    if path.exists():
        with open_session(path, if_locked="raise") as handle:
            kept = handle.session
            handle.save(
                replace(
                    kept,
                    targets=fresh.targets,
                    network=fresh.network,
                    services=kept.services or fresh.services,
                    people=kept.people or fresh.people,
                )
            )
        return path
    create_session(path, demo_session(fresh)).close()
    return path


def _reports_written(session_path: Path, folder: Path, since: float) -> list[Path]:
    """The handover files written into ``folder`` for ``session_path`` during this demo."""
    base = f"{session_path.stem}-handover"
    found = []
    for suffix in (".md", ".html"):
        candidate = folder / (base + suffix)
        with contextlib.suppress(OSError):
            if candidate.stat().st_mtime >= since - 1:
                found.append(candidate)
    return found


def run(args: argparse.Namespace, env: CliEnv) -> int:
    from launch_tui.cli.demo_sandbox import DemoSandbox

    keep = bool(args.keep)
    started = time.time()
    env.stderr.write("launch-tui: starting the demo sandbox on 127.0.0.x …\n")
    temp: Path | None = None
    path: Path | None = None
    kept_files: Path | None = None
    if keep:
        # The sandbox's files (CA, repository, build) stay beside the kept session, so that
        # `launch-tui sandbox --session FILE` brings the same world back on the same ports.
        folder = env.sessions_dir(args)
        stem = f"demo-{env.clock().date().isoformat()}"
        path = folder / f"{stem}.toml"
        kept_files = folder / f"{stem}-sandbox"
    sandbox = DemoSandbox(DEMO_WORLD, workdir=kept_files)
    with hangups_unwind():
        try:
            running = sandbox.start()
            fresh = running.session
            if path is None:
                temp = Path(tempfile.mkdtemp(prefix="launch-tui-demo-"))
                folder = temp
                path = temp / "demo.toml"
            write_demo_session(fresh, path)
            # Textual and the app load only once the sandbox is up: imported here, not above.
            from launch_tui.tui.app import AppOptions
            from launch_tui.tui.launch import run_app

            options = AppOptions(
                autorun=True,
                default_network=fresh.network,
                notice=NOTICE,
                allow_demo=False,
                sessions_label="a temporary folder (deleted when the demo ends)" if temp else None,
                # What the engineer asks to write outlives the demo: not in its temp folder.
                reports_dir=Path.cwd() if temp else None,
                sandbox_deploys=running.deploy_admin_url,
            )
            run_app(
                sessions_dir=folder,
                playbook=env.playbook(args),
                services_factory=services_factory(),
                environ=env.environ,
                clock=env.clock,
                open_path=path,
                options=options,
            )
        finally:
            # A second hang-up while cleaning up must not cut the cleanup short.
            with _signals_ignored():
                sandbox.stop()
                if temp is not None:
                    shutil.rmtree(temp, ignore_errors=True)
    if keep and path is not None:
        env.print(f"Demo session kept in {path}, the sandbox's files in {kept_files}")
        env.print(f"Bring its world back with: launch-tui sandbox --session {path}")
    if temp is not None and path is not None:
        for written in _reports_written(path, Path.cwd(), started):
            env.print(f"Report kept in {written}")
    return Exit.OK

"""What every command gets from the outside world, passed in so tests can substitute it."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from launch_tui.core.errors import SessionError
from launch_tui.core.playbook import Playbook
from launch_tui.store import locations
from launch_tui.store.playbook_file import load_playbook


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass
class CliEnv:
    """The process environment a command runs in."""

    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    cwd: Path = field(default_factory=Path.cwd)
    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    clock: Callable[[], datetime] = _utc_now

    def print(self, text: str = "") -> None:
        self.stdout.write(text + "\n")

    def sessions_dir(self, args: argparse.Namespace) -> Path:
        explicit: Path | None = getattr(args, "sessions_dir", None)
        return locations.sessions_dir(explicit, self.environ, self.cwd)

    def playbook(self, args: argparse.Namespace) -> Playbook:
        return load_playbook(getattr(args, "playbook", None))

    def session_file(self, args: argparse.Namespace, spec: str) -> Path:
        """A path as given, or a session id looked up in the sessions folder."""
        path = Path(spec)
        if path.suffix == ".toml" or path.exists() or os.sep in spec:
            return path if path.is_absolute() else self.cwd / path
        candidate = self.sessions_dir(args) / f"{spec}.toml"
        if candidate.exists():
            return candidate
        # Exit 3 like any session file that cannot be read (the README's exit-code table).
        raise SessionError(
            f"no session file {spec!r} and no session with that id in {candidate.parent}",
            candidate,
            title="Session not found",
        )

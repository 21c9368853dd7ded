"""What the app shares with its screens: the session-changed signal's payload, the check run's
state, and the width from which screens lay out ``-wide``.

These live apart from :mod:`launch_tui.tui.app` so that screens read them without importing the
app module, which imports the screens.
"""

from __future__ import annotations

from dataclasses import dataclass

from launch_tui.core.model import Session

__all__ = ["WIDE_COLUMNS", "RunState", "SessionChange"]

#: From this many columns on, screens are ``-wide`` (a sidebar instead of one-line summaries).
WIDE_COLUMNS = 110


@dataclass(frozen=True)
class SessionChange:
    """What the ``session_changed`` signal carries."""

    session: Session
    keys: frozenset[str] | None = None
    """Row keys of the results that changed, or ``None`` when anything may have."""


@dataclass(frozen=True)
class RunState:
    """The check run, as the screens show it."""

    active: bool = False
    label: str = ""
    done: int = 0
    total: int = 0
    running: tuple[str, ...] = ()
    queued: frozenset[str] = frozenset()
    """Row keys of the run's items (``check_id:target``): the check tables show each one
    without a result as a waiting row until the run ends."""
    last: str = ""
    """One line about the last finished run."""

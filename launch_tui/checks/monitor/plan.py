"""The session's monitor plan with its ``[network] resolve`` overrides parsed.

The plan itself is pure and lives below the checks and the report
(:mod:`launch_tui.core.monitor_plan`); this adds the one thing it cannot do there, parsing the
overrides with the network layer's parser, for the callers that start from a session (the
``export`` command, the TUI's live monitors).
"""

from __future__ import annotations

from launch_tui.core.errors import UsageError
from launch_tui.core.model import Session
from launch_tui.core.monitor_plan import Monitor, plan_monitors
from launch_tui.net import ResolveOverride, parse_resolve


def monitor_plan(session: Session) -> tuple[Monitor, ...]:
    """Every monitored route's :class:`Monitor`; an override that does not parse is left out
    (the session's own checks report it)."""
    overrides: list[ResolveOverride] = []
    for entry in session.network.resolve:
        try:
            overrides.append(parse_resolve(entry))
        except UsageError:
            continue
    return plan_monitors(session, overrides)

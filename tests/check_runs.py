"""Running checks against a sandbox world in tests, one way for every test module.

:func:`run_checks` runs a selection on a session the way the CLI and the TUI do
(``run_session_checks``, real DNS, TLS and HTTP on the loopback sandbox) and returns a
:class:`CheckRun`: the merged session, and the run's last event with the results it produced and
whether it was cancelled or timed out. Each test module keeps only how it looks at the results
(by target, by check and target, the one session-wide result).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from launch_tui.checks import Registry, Selection
from launch_tui.checks.engine.context import CheckServices
from launch_tui.checks.engine.runner import RunEvent, RunFinished
from launch_tui.checks.engine.services import NetworkOverrides, open_check_services
from launch_tui.checks.engine.session_run import run_session_checks
from launch_tui.core.model import CheckResult, Session

__all__ = ["CheckRun", "run_checks", "select"]


@dataclass(frozen=True)
class CheckRun:
    """What one run of checks gave."""

    session: Session
    """The session with the run's results merged in."""
    finished: RunFinished
    """The run's last event: the results it produced, in item order, and how it ended."""

    @property
    def results(self) -> tuple[CheckResult, ...]:
        """The results this run produced."""
        return self.finished.results

    def by_key(self) -> dict[tuple[str, str], CheckResult]:
        """This run's results by ``(check, target)``."""
        return {r.key: r for r in self.finished.results}

    def by_target(self, check_id: str) -> dict[str, CheckResult]:
        """``check_id``'s results in the merged session, by target."""
        return {r.target: r for r in self.session.results_for(check_id)}


def select(
    *check_ids: str, targets: Iterable[str] | None = None, stages: Iterable[str] | None = None
) -> Selection:
    """A selection of ``check_ids`` (all checks when none), on ``targets`` and ``stages``."""
    return Selection(
        check_ids=frozenset(check_ids) if check_ids else None,
        targets=None if targets is None else frozenset(targets),
        stages=None if stages is None else frozenset(stages),
    )


async def run_checks(
    session: Session,
    selection: Selection | None = None,
    *,
    services: CheckServices | None = None,
    overrides: NetworkOverrides | None = None,
    registry: Registry | None = None,
    clock: Callable[[], datetime] | None = None,
) -> CheckRun:
    """Run ``selection`` (everything when ``None``) on ``session`` with real check services.

    The services are opened for the session's network settings (with ``overrides``) and closed
    after the run, unless the caller passes its own ``services`` to share between runs.
    ``registry`` defaults to every implemented check, ``clock`` to the real one.
    """
    if services is None:
        async with open_check_services(session.network, overrides) as opened:
            return await run_checks(
                session, selection, services=opened, registry=registry, clock=clock
            )
    events: list[RunEvent] = []
    if clock is None:
        merged = await run_session_checks(
            session, selection, services, registry=registry, on_event=events.append
        )
    else:
        merged = await run_session_checks(
            session, selection, services, registry=registry, on_event=events.append, clock=clock
        )
    finished = events[-1]
    assert isinstance(finished, RunFinished), finished
    return CheckRun(session=merged, finished=finished)

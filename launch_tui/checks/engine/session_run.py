"""Run checks on a session and keep their results: the one path the CLI and the TUI share.

::

    with open_session(path, if_locked="raise") as handle:
        async with open_check_services(handle.session.network, overrides) as services:
            session = await run_session_checks(
                handle.session, Selection(stages=frozenset({"audit"})), services,
                save=lambda fold: handle.save(fold(handle.session)), on_event=progress)

The engine knows no store: given a ``save`` callable (:data:`SaveMerged`), the results are
merged into the session *as it is when the run ends* (so decisions saved meanwhile are kept) and
saved by it, on a worker thread (saving fsyncs). Without one, the merged session is only
returned. Results produced before a cancellation are kept and saved too. Merging applies the
merge rules of the registry's checks (:meth:`.registry.Registry.merge_rules`).

Deadlines: each check bounds its own network work by ``services.deadline_s``; the runner's
per-check deadline is a backstop above that (twice the network deadline plus a second), and the
run's total deadline allows every round of ``parallelism`` checks its backstop.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from launch_tui.checks.engine.context import CheckServices, context_factory, utc_now
from launch_tui.checks.engine.merging import merge_results
from launch_tui.checks.engine.registry import Registry, default_registry
from launch_tui.checks.engine.runner import RunEvent, RunFinished, run_all
from launch_tui.checks.engine.targets import Selection, WorkItem, expand_selection
from launch_tui.core.errors import CheckError
from launch_tui.core.model import Session
from launch_tui.core.signoff import refusal

__all__ = ["DEFAULT_PARALLELISM", "RunLimits", "SaveMerged", "run_limits", "run_session_checks"]

#: Saves a run's results: given the fold that merges them into a session, applies it to the
#: session as stored now, saves that and returns it as saved. Blocking; called on a worker thread.
SaveMerged = Callable[[Callable[[Session], Session]], Session]

#: Checks run at once. They wait on the network, not the CPU: at 32, a 50 ms network made the
#: audit take four rounds (bench/audit.py). More is not better either: every check's steps
#: queue behind every other's on the one event loop, and starting all of the demo's 159
#: check-target pairs (sampler aside) at once made its audit slower than 128 did (about 870
#: against 790 ms at RTT 0); the longest start first on a re-run (runner.start_order). The
#: load on the client's servers stays modest: identical plain requests are shared within a
#: run (checks/engine/request_cache.py) and each origin gets its own bounded connection pool.
DEFAULT_PARALLELISM = 128


@dataclass(frozen=True)
class RunLimits:
    """The runner's deadlines for one run."""

    check_deadline_s: float
    """Backstop per check; a check normally stops itself at the network deadline."""
    total_deadline_s: float
    """Backstop for the whole run."""


def run_limits(items: int, deadline_s: float, parallelism: int) -> RunLimits:
    """Deadlines for ``items`` checks whose network operations each take at most ``deadline_s``."""
    check = 2 * deadline_s + 1.0
    rounds = max(1, math.ceil(items / max(1, parallelism)))
    return RunLimits(check_deadline_s=check, total_deadline_s=rounds * check + 5.0)


async def run_session_checks(
    session: Session,
    selection: Selection | None,
    services: CheckServices,
    *,
    save: SaveMerged | None = None,
    registry: Registry | None = None,
    on_event: Callable[[RunEvent], object] | None = None,
    cancel: asyncio.Event | None = None,
    parallelism: int = DEFAULT_PARALLELISM,
    limits: RunLimits | None = None,
    clock: Callable[[], datetime] = utc_now,
    monotonic: Callable[[], float] = time.monotonic,
) -> Session:
    """Expand ``selection`` on ``session``, run it with ``services``, merge the results, save
    them with ``save`` (when given; see :data:`SaveMerged`), return the merged session.

    ``registry`` defaults to every implemented check; its merge rules are applied. ``on_event``
    sees every runner event, the final :class:`~launch_tui.checks.engine.runner.RunFinished`
    included — that is where the caller learns which results this run produced and whether it
    was cancelled. Without results, ``save`` is not called and ``session`` is returned.

    Raises :class:`~launch_tui.core.errors.CheckError` for an unknown stage, check or target, or
    a session whose handover is signed off (``core.signoff``), before anything runs, and
    whatever ``save`` raises when saving fails.
    """
    refused = refusal(session)
    if refused:
        raise CheckError(refused, title="Handover signed off")
    chosen_registry = registry if registry is not None else default_registry()
    items: tuple[WorkItem, ...] = expand_selection(chosen_registry, session, selection)
    chosen = limits or run_limits(len(items), services.deadline_s, parallelism)
    finished: RunFinished = await run_all(
        items,
        context_factory(session, services, clock=clock, monotonic=monotonic),
        on_event=on_event,
        parallelism=parallelism,
        check_deadline_s=chosen.check_deadline_s,
        total_deadline_s=chosen.total_deadline_s,
        cancel=cancel,
        clock=clock,
        monotonic=monotonic,
        # The durations of the results the session holds: the longest start first.
        expected_ms={r.key: r.duration_ms for r in session.results},
    )
    rules = chosen_registry.merge_rules()

    def fold(current: Session) -> Session:
        if refusal(current):  # signed off while the run was going: its results are dropped
            return current
        return merge_results(current, finished.results, rules)

    if save is None:
        return fold(session)
    if not finished.results:
        return session
    # Merged into the session as stored when the run ends, not as it was when the run started.
    return await asyncio.to_thread(save, fold)

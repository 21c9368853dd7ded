"""The work behind the screens, run in Textual workers; results go back as messages.

* :func:`run_checks_job` — a run on an event loop of the app's (a thread's): expands a selection,
  runs it through the check runner with the services the app was given, and posts progress
  (collapsible), results (in batches) and the end of the run (:func:`post_batch`, which a run in
  a child process uses too: ``tui.check_runs``). Cancelling sets the runner's cancel event.
* :func:`load_home_rows` — a thread worker: lists the sessions folder and works out each
  session's verdict (parsing files is blocking I/O).
* :func:`probe_hostnames` — an async worker for the wizard: which of www/app/api/admin/staging
  exist under an apex, asked through the injected resolver.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from pathlib import Path
from typing import Any, TypeAlias

from textual.message import Message

from launch_tui.checks import CheckServices, Registry, Selection
from launch_tui.checks.engine.run_batches import (
    BatchEvent,
    RunOutcome,
    run_in_batches,
)
from launch_tui.core.errors import LaunchError, SessionError
from launch_tui.core.model import STAGE_IDS, CheckResult, Session, Status
from launch_tui.core.playbook import Playbook
from launch_tui.core.readiness import compute_readiness
from launch_tui.core.sanitize import clean
from launch_tui.store import cleanup_temp_files, list_sessions, load_session
from launch_tui.tui.cancel import CancelToken
from launch_tui.tui.home_rows import HomeRow
from launch_tui.tui.messages import HostProposals, ResultsArrived, RunEnded, RunProgress

ServicesFactory: TypeAlias = Callable[
    [Session], "CheckServices | AbstractAsyncContextManager[CheckServices]"
]
"""Gives the checks' services for a session: a value, or an async context manager that opens
and closes them (HTTP clients) around one run."""

Post = Callable[[Message], object]

#: How often results travel from a run to the screen (one message per batch, not per result).
RESULTS_BATCH_SECONDS = 0.1

#: Subdomains the wizard looks for under a new apex.
USUAL_SUBDOMAINS = ("www", "app", "api", "admin", "staging")


@contextlib.asynccontextmanager
async def open_services(factory: ServicesFactory, session: Session) -> AsyncIterator[CheckServices]:
    """The services for one run, opened and closed around it whatever the factory returns."""
    made = factory(session)
    if isinstance(made, CheckServices):
        yield made
        return
    async with made as services:
        yield services


def post_batch(post: Post, run_id: int, label: str, event: BatchEvent) -> None:
    """Post a run's batch as the screens' messages: its results (if any) and its progress, or
    the end of the run."""
    if isinstance(event, RunOutcome):
        post(
            RunEnded(
                run_id,
                label,
                event.done,
                event.total,
                cancelled=event.cancelled,
                timed_out=event.timed_out,
                wall_s=event.wall_s,
                failed=event.failed,
            )
        )
        return
    if event.results:
        post(ResultsArrived(run_id, event.results))
    post(RunProgress(run_id, label, event.done, event.total, event.running))


def run_checks_in_thread(**job: Any) -> None:
    """:func:`run_checks_job` on an event loop of its own (call it from a thread worker).

    The checks' network and TLS work is CPU work in Python (handshakes, parsing); on a loop of
    its own it cannot hold up the screen's loop for longer than the interpreter's thread
    switch interval.
    """
    asyncio.run(run_checks_job(**job))


async def run_checks_job(
    *,
    run_id: int,
    label: str,
    session: Session,
    registry: Registry,
    selection: Selection,
    services_factory: ServicesFactory,
    post: Post,
    cancel: CancelToken,
    clock: Callable[[], datetime],
    parallelism: int = 32,
    batch_seconds: float = RESULTS_BATCH_SECONDS,
) -> None:
    """Run the checks ``selection`` picks through the shared run path and post what happens.

    Results go back in small batches (at most every ``batch_seconds``), progress as collapsible
    messages; :class:`RunEnded` always comes last, even when the run fails or is cancelled.
    """
    await run_in_batches(
        session=session,
        selection=selection,
        registry=registry,
        open_services=lambda: open_services(services_factory, session),
        emit=lambda event: post_batch(post, run_id, label, event),
        cancel=cancel.bind(),
        clock=clock,
        parallelism=parallelism,
        batch_seconds=batch_seconds,
    )


def load_home_rows(folder: Path, playbook: Playbook) -> tuple[HomeRow, ...]:
    """The saved sessions in ``folder`` with progress and verdict, most recently saved first.

    Blocking: run it in a thread worker. One unreadable file is a row with its error.
    """
    with contextlib.suppress(OSError, LaunchError):
        cleanup_temp_files(folder)
    rows = []
    for summary in list_sessions(folder):
        locked = ""
        if summary.locked and summary.locked_by is not None:
            locked = str(summary.locked_by)
        if summary.error is not None:
            rows.append(
                HomeRow(
                    path=str(summary.path),
                    name=clean(summary.path.stem, max_len=60),
                    client="",
                    product="",
                    stage_statuses=(),
                    current_stage="",
                    verdict="",
                    saved_at=summary.saved_at,
                    locked_by=locked,
                    error=clean(summary.error.message, max_len=300),
                )
            )
            continue
        verdict = ""
        statuses: tuple[Any, ...] = ()
        try:
            session = load_session(summary.path)
            verdict = compute_readiness(session, playbook).verdict.value
            statuses = tuple(session.stage(s).status for s in STAGE_IDS)
        except SessionError:
            pass  # changed between listing and loading; the listing's data still stands
        rows.append(
            HomeRow(
                path=str(summary.path),
                name=clean(summary.path.stem, max_len=60),
                client=clean(summary.client, max_len=80),
                product=clean(summary.product, max_len=80),
                stage_statuses=statuses,
                current_stage=summary.current_stage,
                verdict=verdict,
                saved_at=summary.saved_at,
                locked_by=locked,
                error="",
            )
        )
    return tuple(rows)


async def probe_hostnames(
    apex: str,
    session: Session,
    services_factory: ServicesFactory,
    post: Post,
    labels: Iterable[str] = USUAL_SUBDOMAINS,
) -> None:
    """Ask DNS which ``<label>.<apex>`` exist and post :class:`HostProposals`."""
    names = [f"{label}.{apex}" for label in labels]
    try:
        async with open_services(services_factory, session) as services:
            resolver = services.resolver
            if resolver is None:
                post(HostProposals(apex, (), error="no DNS resolver is configured"))
                return
            answers = await asyncio.gather(*(_exists(resolver, name) for name in names))
    except LaunchError as exc:
        post(HostProposals(apex, (), error=clean(exc.message, max_len=200)))
        return
    found = tuple((name, ok, said) for name, (ok, said) in zip(names, answers, strict=True))
    post(HostProposals(apex, found))


async def _exists(resolver: Any, name: str) -> tuple[bool, str]:
    """Whether ``name`` has an address, and a few words on what DNS said."""
    answer = await resolver.resolve(name, "A")
    records = getattr(answer, "records", None)
    if records:
        chain = getattr(answer, "cname_chain", ())
        via = f" via {clean(chain[0], max_len=40)}" if chain else ""
        return True, clean(f"{records[0]}{via}", max_len=60)
    message = getattr(answer, "message", "") or "no address"
    return False, clean(str(message), max_len=60)


def summarize_failures(results: Iterable[CheckResult]) -> int:
    """How many results fail or could not be checked."""
    return sum(1 for r in results if r.status in (Status.FAIL, Status.ERROR))

"""``launch-tui check FILE``: run checks headless, save their results, print them, exit for CI.

The session is opened for writing (a session open in another launch-tui is refused with exit 3:
the results must be saved). Network settings come from the session's ``[network]`` table with
the command-line overrides on top. While checks run, a progress line goes to stderr when stderr
is a terminal. Ctrl-C stops the run: what finished is saved and printed, and the exit code is 130.

Exit codes: 0 nothing blocks; 1 a ``fail`` or ``error`` at or above ``--fail-on`` that no
accept-risk decision with an owner covers; 2 usage; 3 session file; 4 tool. Every output format
(``text``, ``json``, ``junit``, ``sarif``) comes from the same report, so they agree with the
exit code and with each other.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from launch_tui.checks import (
    CheckFinished,
    CheckStarted,
    Registry,
    RunEvent,
    RunFinished,
    Selection,
    default_registry,
)
from launch_tui.checks.engine.services import (
    NetworkOverrides,
    effective_network,
    open_check_services,
)
from launch_tui.checks.engine.session_run import run_session_checks
from launch_tui.cli.check_junit import render_junit
from launch_tui.cli.check_output import CheckReport, build_check_report, render_json, render_text
from launch_tui.cli.check_sarif import render_sarif
from launch_tui.cli.context import CliEnv
from launch_tui.core.errors import SessionError, SessionReadOnlyError, UsageError
from launch_tui.core.model import NetworkSettings, Session, Severity
from launch_tui.core.playbook import CheckMode, Playbook, StageSpec
from launch_tui.core.sanitize import clean
from launch_tui.net import net_config, parse_nameserver, parse_resolve
from launch_tui.store import SessionHandle, open_session

FAIL_ON_CHOICES = tuple(s.value for s in Severity)
#: The values of ``--format``.
FORMATS = ("text", "json", "junit", "sarif")


def run(args: argparse.Namespace, env: CliEnv) -> int:
    path = env.session_file(args, args.file)
    playbook = env.playbook(args)
    registry = default_registry()
    selection = build_selection(args, playbook, registry)
    fail_on = Severity(args.fail_on)
    overrides = network_overrides(args, env.cwd)
    with open_session(path, if_locked="raise") as handle:
        network = run_network(handle.session, path, overrides)
        started_at = env.clock()
        finished, saved = asyncio.run(_run(handle, selection, registry, network, _progress(env)))
        finished_at = env.clock()
    # Show the results as saved (with what they were last time), in the order they ran.
    shown = [saved.result(r.check_id, r.target) or r for r in finished.results]
    report = build_check_report(
        saved,
        shown,
        playbook,
        fail_on=fail_on,
        path=path,
        stages={d.id: d.stage for d in registry},
        cancelled=finished.cancelled,
        timed_out=finished.timed_out,
        wall_s=finished.wall_s,
        started_at=started_at,
        finished_at=finished_at,
    )
    env.print(render(report, args.format, cwd=env.cwd))
    return report.exit_code


def render(report: CheckReport, fmt: str, *, cwd: Path) -> str:
    """``report`` in one of :data:`FORMATS`; ``cwd`` anchors the SARIF file locations."""
    if fmt == "json":
        return render_json(report)
    if fmt == "junit":
        return render_junit(report)
    if fmt == "sarif":
        return render_sarif(report, base=cwd)
    if fmt == "text":
        return render_text(report)
    raise UsageError(f"--format: unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


# --- what to run ---------------------------------------------------------------------------------


def build_selection(args: argparse.Namespace, playbook: Playbook, registry: Registry) -> Selection:
    """``--stage`` and ``--only`` as a runner selection; bad values are usage errors, and so is
    a selection that runs no check (a CI job that ran nothing must not look green)."""
    stages: frozenset[str] | None = None
    stage = None
    if args.stage is not None:
        stage = playbook.resolve_stage(args.stage)
        stages = frozenset({stage.id})
    only = parse_only(args.only, playbook, registry)
    runnable = [
        d.id
        for d in registry
        if (stages is None or d.stage in stages) and (only is None or d.id in only)
    ]
    if not runnable:
        raise UsageError(_nothing_selected(stage, only, registry))
    return Selection(stages=stages, check_ids=only)


def _nothing_selected(
    stage: StageSpec | None, only: frozenset[str] | None, registry: Registry
) -> str:
    """Why ``--stage``/``--only`` selected no implemented check, in words that say what to do."""
    if stage is None:
        return "--only selects no implemented check"
    label = f"stage {stage.number} ({stage.id})"
    if only is not None:
        stage_of = {d.id: d.stage for d in registry}
        where = ", ".join(f"{i} is in stage {stage_of.get(i, '?')}" for i in sorted(only))
        return f"--only selects no check of {label}: {where}; drop --stage or --only"
    manual = [c.id for c in stage.checks if c.mode is CheckMode.MANUAL]
    pending = [c.id for c in stage.checks if c.mode is CheckMode.AUTO and c.id not in registry]
    parts = []
    if manual:
        parts.append(f"{len(manual)} manual (confirm them in the app: {', '.join(manual)})")
    if pending:
        parts.append(f"{len(pending)} not automated yet ({', '.join(pending)})")
    return f"{label} has no automated check to run: its checks are " + (
        " and ".join(parts) or "none"
    )


def parse_only(
    values: Sequence[str] | None, playbook: Playbook, registry: Registry
) -> frozenset[str] | None:
    """Comma-separated (and repeatable) ``--only`` ids, checked against the implemented checks."""
    if not values:
        return None
    ids = [part.strip() for value in values for part in value.split(",") if part.strip()]
    if not ids:
        raise UsageError("--only: give one or more check ids, separated by commas")
    valid = registry.ids()
    unknown = [i for i in ids if i not in registry]
    if unknown:
        shown = ", ".join(repr(clean(i, max_len=60)) for i in unknown)
        notes = [_why_not_runnable(i, playbook) for i in unknown if i in playbook]
        note = f" ({'; '.join(notes)})" if notes else ""
        raise UsageError(f"--only: unknown check id {shown}{note}; valid ids: {', '.join(valid)}")
    return frozenset(ids)


def _why_not_runnable(check_id: str, playbook: Playbook) -> str:
    if playbook.check(check_id).mode is CheckMode.MANUAL:
        return f"{check_id} is a manual check: confirm it in the app"
    return f"{check_id} is in the playbook but not implemented yet"


# --- network settings ----------------------------------------------------------------------------


def network_overrides(args: argparse.Namespace, cwd: Path) -> NetworkOverrides:
    """The network options given on the command line, validated (usage errors)."""
    nameservers = tuple(getattr(args, "nameserver", None) or ())
    resolve = tuple(getattr(args, "resolve", None) or ())
    for text in nameservers:
        parse_nameserver(text)
    for text in resolve:
        parse_resolve(text)
    ca_bundle: str | None = None
    given = getattr(args, "ca_bundle", None)
    if given is not None:
        bundle = Path(given) if Path(given).is_absolute() else cwd / given
        if not bundle.is_file():
            raise UsageError(f"--ca-bundle {given}: no such file", title="CA bundle not found")
        ca_bundle = str(bundle)
    timeout = getattr(args, "timeout", None)
    if timeout is not None and not timeout > 0:
        raise UsageError(f"--timeout must be a positive number of seconds, not {timeout:g}")
    return NetworkOverrides(
        nameservers=nameservers,
        resolve=resolve,
        ca_bundle=ca_bundle,
        timeout=None if timeout is None else float(timeout),
    )


def run_network(session: Session, path: Path, overrides: NetworkOverrides) -> NetworkSettings:
    """The session's ``[network]`` (validated; a relative CA path is relative to the file),
    with the command-line overrides on top."""
    stored = session.network
    if stored.ca_bundle and not Path(stored.ca_bundle).is_absolute():
        stored = NetworkSettings(
            nameservers=stored.nameservers,
            resolve=stored.resolve,
            ca_bundle=str(path.parent / stored.ca_bundle),
            timeout=stored.timeout,
        )
    try:
        net_config(stored)
    except UsageError as exc:
        raise SessionError(f"{path}: [network]: {exc.message}", path) from None
    if overrides.ca_bundle is None and stored.ca_bundle and not Path(stored.ca_bundle).is_file():
        raise SessionError(
            f"{path}: [network] ca_bundle {stored.ca_bundle} does not exist "
            "(a sandbox session whose sandbox has stopped?); give --ca-bundle or fix the file",
            path,
            title="CA bundle not found",
        )
    return effective_network(stored, overrides)


# --- running -------------------------------------------------------------------------------------


async def _run(
    handle: SessionHandle,
    selection: Selection,
    registry: Registry,
    network: NetworkSettings,
    on_event: Callable[[RunEvent], object],
) -> tuple[RunFinished, Session]:
    finished: list[RunFinished] = []

    def record(event: RunEvent) -> None:
        on_event(event)
        if isinstance(event, RunFinished):
            finished.append(event)

    cancel = asyncio.Event()
    with _cancel_on_interrupt(cancel):
        async with open_check_services(network) as services:
            _require_writable(handle)
            saved = await run_session_checks(
                handle.session,
                selection,
                services,
                save=lambda fold: handle.save(fold(handle.session)),
                registry=registry,
                on_event=record,
                cancel=cancel,
            )
    return finished[-1], saved


def _require_writable(handle: SessionHandle) -> None:
    """Refuse to run on a read-only handle, before anything runs: results could not be saved."""
    if handle.read_only:
        why = f" ({handle.notice})" if handle.notice else ""
        raise SessionReadOnlyError(
            f"{handle.path} is open read-only{why}; check results could not be saved",
            handle.path,
        )


@contextlib.contextmanager
def _cancel_on_interrupt(cancel: asyncio.Event) -> Iterator[None]:
    """Ctrl-C sets ``cancel`` (the run stops, what finished is saved) instead of unwinding."""
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGINT, cancel.set)
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or Windows
        yield
        return
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGINT)


def _progress(env: CliEnv) -> Callable[[RunEvent], object]:
    """A live one-line progress display on stderr, only when stderr is a terminal."""
    stream = env.stderr
    if not (hasattr(stream, "isatty") and stream.isatty()):
        return lambda event: None
    running: dict[tuple[str, str], str] = {}
    done = 0

    def show(event: RunEvent) -> None:
        nonlocal done
        if isinstance(event, CheckStarted):
            label = f"{event.check_id} {clean(event.target, max_len=40)}".strip()
            running[(event.check_id, event.target)] = label
        elif isinstance(event, CheckFinished):
            running.pop(event.result.key, None)
            done += 1
        if isinstance(event, RunFinished):
            stream.write("\r\x1b[K")
        else:
            current = next(iter(running.values()), "")
            stream.write(f"\r\x1b[K  {done} done · {len(running)} running · {current}")
        stream.flush()

    return show

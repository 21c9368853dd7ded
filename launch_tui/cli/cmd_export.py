"""``launch-tui export SESSION --to prometheus|gatus|k6 [-o DIR]``: monitors for real tools.

Writes, under ``DIR`` (default: ``<session>-exports`` beside the session file), one folder per
tool in that tool's own layout:

- ``prometheus/``: ``blackbox.yml`` (exporter modules), ``prometheus.yml`` (scrape jobs through
  the exporter, ``--blackbox HOST:PORT``), ``alerts.yml`` (down for ``--down-minutes``, p95 over
  each route's budget, certificate within 14 days, error rate);
- ``gatus/config.yaml``;
- ``k6/<route>.js``: one load script per route that is safe to load.

A Prometheus or Gatus export is recorded in the session (``[[targets.monitors]]``: route, tool,
the folder), so ``monitor.coverage`` counts those routes as monitored; k6 scripts are load
tests, not monitors, and are not recorded. A session open in another launch-tui is exported but
not recorded (the command says so). A session without monitorable routes is a usage error.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from launch_tui.checks.monitor.plan import monitor_plan
from launch_tui.cli.context import CliEnv
from launch_tui.cli.exit_codes import Exit
from launch_tui.core.errors import SessionLockedError, UsageError
from launch_tui.core.model import RouteMonitor, Session
from launch_tui.core.sanitize import clean
from launch_tui.net import parse_nameserver
from launch_tui.report.exports import gatus, k6, prometheus
from launch_tui.report.render import write_report
from launch_tui.store import load_session, open_session

TOOLS = ("prometheus", "gatus", "k6")


def run(args: argparse.Namespace, env: CliEnv) -> int:
    path = env.session_file(args, args.file)
    if args.down_minutes < 1:
        raise UsageError(f"--down-minutes must be at least 1, not {args.down_minutes}")
    if ":" not in args.blackbox:
        raise UsageError(f"--blackbox {args.blackbox!r}: expected HOST:PORT, like 127.0.0.1:9115")
    parse_nameserver(args.blackbox)
    session = load_session(path)
    if args.output is not None:
        out = args.output if args.output.is_absolute() else env.cwd / args.output
    else:
        out = path.with_name(f"{path.stem}-exports")
    files = render(session, args.to, path.parent, blackbox=args.blackbox, down=args.down_minutes)
    folder = out / args.to
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"-o {out}: cannot create {folder}: {exc.strerror or exc}") from None
    for name, text in files.items():
        write_report(folder / name, text.encode("utf-8"))
        env.print(f"wrote {clean(str(folder / name))}")
    if args.to in MONITORING_TOOLS:
        env.print(record_export(path, session, args.to, folder, env.clock()))
    for line in next_steps(args.to, folder):
        env.print(line)
    return Exit.OK


#: Exports that monitor routes (k6 scripts load them once instead).
MONITORING_TOOLS = ("prometheus", "gatus")


def with_export(session: Session, tool: str, folder: Path, now: datetime) -> Session:
    """``session`` with every monitored route recorded as watched by ``tool`` from ``folder``."""
    routes = {m.route for m in monitor_plan(session)}
    kept = tuple(m for m in session.targets.monitors if not (m.tool == tool and m.route in routes))
    added = tuple(RouteMonitor(m, tool, str(folder), now) for m in sorted(routes))
    return replace(session, targets=replace(session.targets, monitors=kept + added))


def record_export(path: Path, session: Session, tool: str, folder: Path, now: datetime) -> str:
    """Record the export in the session file; one line saying what happened."""
    try:
        with open_session(path, if_locked="raise") as handle:
            if handle.read_only:
                return f"not recorded in {clean(path.name)}: {clean(handle.notice or 'read-only')}"
            handle.save(with_export(handle.session, tool, folder, now))
    except SessionLockedError:
        return (
            f"not recorded in {clean(path.name)}: it is open in another launch-tui; "
            "export again once it is closed"
        )
    count = len(monitor_plan(session))
    return f"recorded in {clean(path.name)}: {count} route(s) monitored by {tool}"


def render(
    session: Session, tool: str, base: Path, *, blackbox: str = "127.0.0.1:9115", down: int = 5
) -> dict[str, str]:
    """The files of one tool's export, by file name."""
    monitors = monitor_plan(session)
    if tool == "prometheus":
        ca = session.network.ca_bundle
        if ca and not Path(ca).is_absolute():
            ca = str(base / ca)
        options = prometheus.PrometheusOptions(blackbox=blackbox, down_minutes=down, ca_file=ca)
        return prometheus.render(monitors, options, session.sprint.client)
    if tool == "gatus":
        return gatus.render(monitors, session)
    if tool == "k6":
        scripts = k6.render(monitors, session.sprint.client)
        if not scripts:
            raise UsageError("no route is safe to put under load (reads, health, or marked safe)")
        return scripts
    raise UsageError(f"--to: unknown tool {tool!r}; choose one of {', '.join(TOOLS)}")


def next_steps(tool: str, folder: Path) -> list[str]:
    shown = clean(str(folder))
    if tool == "prometheus":
        return [
            "Check them with the real tools:",
            f"  prometheus-blackbox-exporter --config.check --config.file {shown}/blackbox.yml",
            f"  promtool check config {shown}/prometheus.yml",
        ]
    if tool == "gatus":
        return [f"Run: GATUS_CONFIG_PATH={shown}/config.yaml gatus"]
    return [f"Run one: k6 run {shown}/<route>.js"]

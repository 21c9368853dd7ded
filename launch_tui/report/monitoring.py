"""The monitoring summary (stage 6): route figures, links to live monitors, what was agreed. Pure.

The checks, the links and the confirmed items are the observe deliverable's parts as the playbook
declares them; the links are also listed in the handover.
"""

from __future__ import annotations

from dataclasses import dataclass

from launch_tui.report import evidence as ev
from launch_tui.report import parts
from launch_tui.report.inputs import ReportInputs, RouteRow
from launch_tui.report.views import (
    Link,
    ManualNote,
    ResultView,
    link,
)

__all__ = ["MonitoringView", "monitor_links", "monitoring_view"]


@dataclass(frozen=True)
class MonitoringView:
    routes: tuple[RouteRow, ...]
    links: tuple[Link, ...]
    checks: tuple[ResultView, ...]
    manual: tuple[ManualNote, ...]
    notice: str
    links_notice: str


def monitor_links(b: ReportInputs) -> tuple[Link, ...]:
    found: list[Link] = []
    for check_id in parts.MONITOR_LINKS.of(b.playbook).checks:
        result = b.session.result(check_id)
        if result is None:
            continue
        for value in ev.links_of(result):
            view = link(value)
            if view not in found:
                found.append(view)
    return tuple(found)


def monitoring_view(b: ReportInputs) -> MonitoringView:
    checks = b.results(parts.MONITOR_CHECKS)
    links = monitor_links(b)
    measured = any(r.p95 != "—" or r.uptime != "—" for r in b.routes)
    notice = ""
    if not b.routes:
        notice = b.missing("observe", "No routes configured yet", "add [[targets.routes]]")
    elif not measured and not checks:
        notice = b.missing(
            "observe",
            "No route has been measured or monitored yet",
            "run its synthetic checks",
        )
    return MonitoringView(
        routes=b.routes,
        links=links,
        checks=checks,
        manual=b.manuals(parts.MONITOR_CONFIRMED),
        notice=notice,
        links_notice=""
        if links
        else b.missing(
            "observe",
            "No links to live monitors recorded yet",
            "confirm monitor.live with a link to each monitor",
        ),
    )

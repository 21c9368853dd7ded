"""How long rendering the report takes, for a large sprint and for a minimal one.

Builds, in code, a seven-stage session with hundreds of results (every host check on every host,
every route check on every route, the session-wide checks, decisions, services and secrets),
then renders the full report to Markdown and to HTML several times and prints p50 and max
wall-clock milliseconds per format, next to the same figures for a minimal session (the
baseline: templates and context with almost no data). The view-model build is timed on its own.

Target: well under a second for the large session. Run with::

    uv run python bench/report_render.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from launch_tui.core.model import (
    STAGE_IDS,
    Action,
    CheckResult,
    Decision,
    Exposure,
    Host,
    HostRole,
    Person,
    Route,
    RouteKind,
    Secret,
    Service,
    Session,
    Severity,
    Sprint,
    StageState,
    StageStatus,
    Status,
    Targets,
)
from launch_tui.core.playbook import AppliesTo, builtin_playbook
from launch_tui.report.context import build_context
from launch_tui.report.render import render_document
from launch_tui.report.sections import SECTIONS

NOW = datetime(2026, 5, 6, 10, 0, tzinfo=UTC)
PLAYBOOK = builtin_playbook()
_STATUSES = (Status.PASS, Status.PASS, Status.PASS, Status.WARN, Status.FAIL, Status.ERROR)


def minimal_session() -> Session:
    return Session(sprint=Sprint("tiny", "Tiny Co", "", "", NOW - timedelta(hours=2)))


def large_session(hosts: int = 24, routes: int = 40) -> Session:
    """A busy sprint: every check of the playbook run on every target it applies to."""
    apex = "bigclient.example"
    roles = list(HostRole)
    host_list = tuple(
        Host(apex if i == 0 else f"h{i}.{apex}", roles[i % len(roles)]) for i in range(hosts)
    )
    kinds = list(RouteKind)
    route_list = tuple(
        Route(f"route-{i}", f"https://app.{apex}/r/{i}", kinds[i % len(kinds)])
        for i in range(routes)
    )
    results = []
    n = 0
    for spec in PLAYBOOK.checks():
        if spec.applies_to is AppliesTo.HOST:
            targets = [h.name for h in host_list]
        elif spec.applies_to is AppliesTo.ROUTE:
            targets = [r.name for r in route_list]
        else:
            targets = [""]
        for target in targets:
            n += 1
            status = _STATUSES[n % len(_STATUSES)]
            evidence: dict[str, object] = {
                "p50_ms": 80 + n % 300,
                "p95_ms": 150 + n % 900,
                "p99_ms": 300 + n % 1500,
                "samples": 200,
                "errors": n % 4,
                "not_after": (NOW + timedelta(days=n % 120)).isoformat(),
                "cname": f"svc-{n}.onrender.com",
                "proxied": n % 2 == 0,
                "headers": {"server": "cloudflare", "cf-ray": f"{n:x}-LHR", "via": "1.1 vegur"},
                "chain": [f"https://{target or apex}/", f"https://www.{apex}/"],
            }
            if spec.mode.value == "manual":
                evidence = {
                    "note": f"Checked by hand, run {n}.\nSecond line.",
                    "link": f"https://docs.{apex}/{n}",
                }
            results.append(
                CheckResult(
                    spec.id,
                    target,
                    status,
                    list(Severity)[n % 5],
                    f"{spec.title}: observation {n}",
                    evidence,  # type: ignore[arg-type]
                    measured_at=NOW - timedelta(minutes=n),
                    duration_ms=n % 900,
                )
            )
    people = tuple(
        Person(f"p{i}", f"Person {i}", "engineer", email=f"p{i}@{apex}") for i in range(8)
    )
    decisions = tuple(
        Decision(
            f"d{i}",
            STAGE_IDS[i % 7],
            list(Action)[i % 3],
            f"Decision number {i} about {results[i * 7].check_id}",
            check_id=results[i * 7].check_id,
            target=results[i * 7].target,
            owner=f"p{i % 8}" if i % 5 else "",
            due=date(2026, 5, 1) + timedelta(days=i),
        )
        for i in range(60)
    )
    services = tuple(
        Service(
            f"Service {i}",
            ["hosting", "DNS and CDN", "database", "email", "monitoring", "CI"][i % 6],
            owner=f"p{i % 8}",
            admins=(f"p{(i + 1) % 8}",),
            renewal=date(2026, 6, 1) + timedelta(days=30 * i),
            monthly_cost=Decimal(10 + i),
            currency="USD" if i % 3 else "EUR",
        )
        for i in range(15)
    )
    secrets = tuple(
        Secret(
            f"SECRET_{i}",
            "Render environment",
            ("production",),
            f"p{i % 8}",
            exposure=list(Exposure)[i % 4],
            found_in=(".env.example", f"src/mod{i}.py:{i}"),
        )
        for i in range(40)
    )
    return Session(
        sprint=Sprint("big", "Big Client", "Marketplace", "p0", NOW - timedelta(hours=30)),
        targets=Targets(
            apex=apex,
            canonical_url=f"https://www.{apex}",
            staging_url=f"https://staging.{apex}",
            hosts=host_list,
            routes=route_list,
            dkim_selectors=("s1", "s2"),
        ),
        people=people,
        stages={
            sid: StageState(StageStatus.IN_PROGRESS, "p0", "Notes.\nMore notes.")
            for sid in STAGE_IDS
        },
        results=tuple(results),
        decisions=decisions,
        services=services,
        secrets=secrets,
    )


def measure(action: Callable[[], object], runs: int) -> tuple[float, float]:
    """p50 and max wall-clock milliseconds of ``action`` over ``runs`` runs (after one warm-up)."""
    action()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    cases = {"minimal": minimal_session(), "large": large_session()}
    print(f"report rendering, {args.runs} runs each (after one warm-up), wall-clock ms")
    for name, session in cases.items():
        md = render_document(session, PLAYBOOK, fmt="md", now=NOW)
        html = render_document(session, PLAYBOOK, fmt="html", now=NOW)
        print(
            f"\n{name}: {len(session.results)} results, {len(session.decisions)} decisions, "
            f"{len(session.targets.hosts)} hosts, {len(session.targets.routes)} routes -> "
            f"md {len(md) / 1024:.0f} KiB, html {len(html) / 1024:.0f} KiB"
        )
        p50, worst = measure(lambda s=session: build_context(s, PLAYBOOK, NOW, SECTIONS), args.runs)
        print(f"  view-model   p50 {p50:7.1f}   max {worst:7.1f}")
        for fmt in ("md", "html"):
            p50, worst = measure(
                lambda s=session, f=fmt: render_document(s, PLAYBOOK, fmt=f, now=NOW),  # type: ignore[misc]
                args.runs,
            )
            print(f"  {fmt:<4} total    p50 {p50:7.1f}   max {worst:7.1f}")


if __name__ == "__main__":
    main()

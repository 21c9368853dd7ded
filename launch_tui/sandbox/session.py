"""A session pointed at a running world: what ``launch-tui demo`` opens and tests start from."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from launch_tui.core.model import (
    Exposure,
    Host,
    NetworkSettings,
    Person,
    Route,
    RouteMonitor,
    Secret,
    Service,
    Session,
    Sprint,
    Stack,
    StackComponent,
    StackItem,
    Targets,
)
from launch_tui.sandbox.running import RunningWorld
from launch_tui.sandbox.world import TlsCase

#: Checks against loopback answer in milliseconds; a short deadline keeps hostile hosts brief.
SANDBOX_TIMEOUT = 5.0


def session_for(running: RunningWorld, timeout: float = SANDBOX_TIMEOUT) -> Session:
    """A fresh session whose targets and network settings point at ``running``."""
    world = running.world
    hosts = tuple(Host(name=h.name, role=h.role) for h in running.hosts.values() if h.published)
    routes = []
    for spec in world.hosts:
        scheme = "http" if spec.tls is TlsCase.NONE else "https"
        for route in spec.routes:
            if route.target is None:
                continue
            routes.append(
                Route(
                    name=route.target.name,
                    url=f"{scheme}://{spec.name}{route.path}",
                    kind=route.target.kind,
                    method=route.method,
                    expect_status=route.target.expect_status or route.status,
                    safe_to_repeat=route.target.safe_to_repeat,
                    p95_budget_ms=route.target.p95_budget_ms,
                )
            )
    targets = Targets(
        apex=world.targets.apex,
        canonical_url=world.targets.canonical_url,
        staging_url=world.targets.staging_url,
        hosts=hosts,
        routes=tuple(routes),
        repo_path=str(running.repo_path or ""),
        build_path=str(running.build_path or ""),
        ci_logs=tuple(str(p) for p in running.ci_logs),
        dkim_selectors=world.targets.dkim_selectors,
        monitors=tuple(RouteMonitor(m.route, m.tool, m.link) for m in world.targets.monitors),
    )
    stack = Stack(
        **{c.value: StackItem(declared=getattr(world.stack, c.value)) for c in StackComponent}
    )
    people = tuple(
        Person(id=p.id, name=p.name, role=p.role, org=p.org, email=p.email) for p in world.people
    )
    services = tuple(
        Service(
            name=s.name,
            purpose=s.purpose,
            owner=s.owner,
            admins=s.admins,
            renewal=(running.started_at + timedelta(days=s.renewal_in_days)).date()
            if s.renewal_in_days is not None
            else None,
            monthly_cost=Decimal(s.monthly_cost) if s.monthly_cost else None,
            currency=s.currency,
        )
        for s in world.services
    )
    secrets = tuple(
        Secret(
            name=s.name,
            stored_in=s.stored_in,
            environments=s.environments,
            owner=s.owner,
            last_rotated=(running.started_at - timedelta(days=s.rotated_days_ago)).date()
            if s.rotated_days_ago is not None
            else None,
            exposure=Exposure.NONE,
        )
        for s in world.secrets
    )
    sprint = Sprint(
        id=world.sprint.id,
        client=world.sprint.client,
        product=world.sprint.product,
        engineer=world.sprint.engineer,
        started_at=running.started_at,
        deadline_hours=world.sprint.deadline_hours,
    )
    network = NetworkSettings(
        nameservers=(running.nameserver_address,),
        resolve=running.resolve,
        ca_bundle=str(running.ca_bundle),
        timeout=timeout,
        rdap_url=running.rdap_url,
    )
    return Session(
        sprint=sprint,
        targets=targets,
        stack=stack,
        people=people,
        services=services,
        secrets=secrets,
        network=network,
        handover=world.handover,
    )

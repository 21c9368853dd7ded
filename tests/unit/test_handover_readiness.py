"""The minimum bar's handover item is met by measurement once the handover checks pass.

The item names ``handover.access_map`` (who holds access), ``handover.rollback_notes`` (how to
roll back), ``deploy.runbook`` and ``secrets.inventory``. Here the access map is not a result
typed in by hand: it is what the check says about the session's services and people.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from launch_tui.checks import default_registry
from launch_tui.checks.engine.context import context_factory
from launch_tui.checks.engine.targets import WorkItem
from launch_tui.core.model import (
    CheckResult,
    Organisation,
    Person,
    Service,
    Session,
    Severity,
    Sprint,
    Stack,
    StackItem,
    Status,
)
from launch_tui.core.playbook import builtin_playbook
from launch_tui.core.readiness import BarState, compute_readiness

PLAYBOOK = builtin_playbook()
HANDOVER_ITEM = next(i for i in PLAYBOOK.minimum_bar if i.id == "handover")
NOW = datetime(2026, 3, 1, tzinfo=UTC)
PEOPLE = (
    Person("ana", "Ana Lee", email="ana@acme.test"),
    Person("bo", "Bo Kim", email="bo@acme.test"),
    Person("cy", "Cy Dale", org=Organisation.CONTRACTOR, email="cy@agency.example"),
)
SERVICES = tuple(
    Service(name, purpose, owner="ana", admins=("ana", "bo"))
    for name, purpose in (
        ("Namewise", "Domain registrar"),
        ("Cloudflare", "DNS"),
        ("Vercel", "Hosting"),
        ("Neon", "Postgres database"),
        ("Postbird", "Transactional email"),
        ("GitHub", "Code host"),
        ("Pingwise", "Uptime monitoring"),
    )
)
STACK = Stack(registrar=StackItem("Namewise"), dns_host=StackItem("Cloudflare"))


def passed(check_id: str) -> CheckResult:
    return CheckResult(check_id, "", Status.PASS, Severity.HIGH, "done", measured_at=NOW)


async def measured(session: Session) -> Session:
    definition = default_registry().get("handover.access_map")
    ctx = context_factory(session, clock=lambda: NOW)(WorkItem(definition, ""))
    result = await definition.func(ctx)
    others = tuple(passed(c) for c in HANDOVER_ITEM.checks if c != "handover.access_map")
    return replace(session, results=(result, *others))


def base(services: tuple[Service, ...]) -> Session:
    return Session(
        sprint=Sprint("acme", "Acme", "Acme app", "cy", NOW),
        stack=STACK,
        people=PEOPLE,
        services=services,
    )


async def test_handover_item_is_met_when_the_access_map_measures_clean() -> None:
    item = compute_readiness(await measured(base(SERVICES)), PLAYBOOK).item("handover")
    assert item.state is BarState.MET, item.reason
    assert "handover.access_map" in item.item.checks


async def test_handover_item_is_not_met_while_a_contractor_holds_the_registrar() -> None:
    held = (replace(SERVICES[0], owner="cy", admins=("cy", "ana")), *SERVICES[1:])
    item = compute_readiness(await measured(base(held)), PLAYBOOK).item("handover")
    assert item.state is BarState.NOT_MET
    assert item.reason == "handover.access_map fails"

"""The check registry, its agreement with the playbook, and selection → work items."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

import launch_tui.checks as checks_pkg
from launch_tui.checks import (
    CHECK_MODULES,
    CheckContext,
    CheckDef,
    Registry,
    Selection,
    WorkItem,
    default_registry,
    expand_selection,
)
from launch_tui.core.errors import CheckError
from launch_tui.core.model import (
    CheckResult,
    Host,
    HostRole,
    Route,
    RouteKind,
    Session,
    Severity,
    Sprint,
    Status,
    Targets,
)
from launch_tui.core.playbook import AppliesTo, builtin_playbook


async def passing(ctx: CheckContext) -> CheckResult:
    return ctx.result(Status.PASS, "fine")


def define(
    check_id: str,
    applies_to: AppliesTo = AppliesTo.SESSION,
    *,
    stage: str = "audit",
    route_kinds: frozenset[RouteKind] | None = None,
    host_roles: frozenset[HostRole] | None = None,
) -> CheckDef:
    return CheckDef(
        id=check_id,
        stage=stage,
        title=f"title of {check_id}",
        severity=Severity.MEDIUM,
        applies_to=applies_to,
        func=passing,
        route_kinds=route_kinds,
        host_roles=host_roles,
    )


def make_session() -> Session:
    return Session(
        sprint=Sprint(
            id="acme",
            client="Acme",
            product="Freight",
            engineer="",
            started_at=datetime(2025, 1, 1, tzinfo=UTC),
        ),
        targets=Targets(
            apex="acme.test",
            hosts=(
                Host("acme.test", HostRole.APEX),
                Host("www.acme.test", HostRole.WWW),
                Host("api.acme.test", HostRole.API),
                Host("www.acme.test", HostRole.WWW),  # listed twice by hand
            ),
            routes=(
                Route("home", "https://acme.test/", RouteKind.READ),
                Route("login", "https://acme.test/login", RouteKind.AUTH),
                Route("hook", "https://api.acme.test/hook", RouteKind.WEBHOOK),
            ),
        ),
    )


# --- registry ----------------------------------------------------------------------------------


def test_register_decorator_declares_the_check_and_returns_the_function() -> None:
    registry = Registry()

    @registry.register(
        "dns.records",
        stage="audit",
        title="DNS records are sane",
        severity=Severity.HIGH,
        applies_to=AppliesTo.HOST,
        host_roles=[HostRole.APEX, HostRole.WWW],
    )
    async def records(ctx: CheckContext) -> CheckResult:
        return ctx.result(Status.PASS, "ok")

    definition = registry.get("dns.records")
    assert definition.func is records
    assert definition.stage == "audit"
    assert definition.severity is Severity.HIGH
    assert definition.host_roles == frozenset({HostRole.APEX, HostRole.WWW})
    assert "dns.records" in registry
    assert len(registry) == 1
    assert registry.ids() == ("dns.records",)


def test_registry_keeps_registration_order_and_groups_by_stage() -> None:
    registry = Registry([define("b.one"), define("a.two", stage="delivery"), define("c.three")])
    assert registry.ids() == ("b.one", "a.two", "c.three")
    assert [d.id for d in registry.for_stage("audit")] == ["b.one", "c.three"]
    assert registry.for_stage("observe") == ()
    assert list(registry) == list(registry.all())


def test_duplicate_ids_are_rejected() -> None:
    registry = Registry([define("dns.records")])
    with pytest.raises(CheckError, match=r"'dns\.records' is registered twice"):
        registry.add(define("dns.records"))
    assert len(registry) == 1


def test_unknown_id_names_the_valid_ids_and_a_close_match() -> None:
    registry = Registry([define("dns.records"), define("tls.certificate")])
    with pytest.raises(CheckError) as caught:
        registry.get("dns.recrods")
    message = caught.value.message
    assert "'dns.recrods'" in message
    assert "Did you mean 'dns.records'" in message
    assert "Valid ids: dns.records, tls.certificate." in message


def test_unknown_stage_is_a_check_error_listing_the_stages() -> None:
    with pytest.raises(CheckError, match="Valid stages: audit, request-path"):
        Registry().for_stage("launch")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"stage": "launch"}, "unknown stage 'launch'"),
        ({"title": "  "}, "empty title"),
        ({"id": ""}, "empty"),
        ({"route_kinds": frozenset({RouteKind.READ})}, "not a route check"),
        ({"host_roles": frozenset({HostRole.APEX})}, "not a host check"),
        ({"applies_to": "everything"}, "applies to 'everything'"),
    ],
)
def test_bad_definitions_are_rejected(kwargs: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {
        "id": "x.y",
        "stage": "audit",
        "title": "t",
        "severity": Severity.LOW,
        "applies_to": AppliesTo.SESSION,
        "func": passing,
    }
    fields.update(kwargs)
    with pytest.raises(CheckError, match=message):
        CheckDef(**fields)  # type: ignore[arg-type]


def test_a_synchronous_function_is_not_a_check() -> None:
    def not_async(ctx: CheckContext) -> CheckResult:
        raise AssertionError

    with pytest.raises(CheckError, match="must be an 'async def'"):
        CheckDef("x.y", "audit", "t", Severity.LOW, AppliesTo.SESSION, not_async)  # type: ignore[arg-type]


# --- default registry and check modules --------------------------------------------------------


def test_default_registry_is_a_fresh_registry_each_call() -> None:
    first = default_registry()
    first.add(define("extra.check"))
    assert "extra.check" not in default_registry()


def test_every_check_module_is_listed_in_check_modules() -> None:
    # A check module is one that declares checks (a module-level ``CHECKS`` registry); helpers
    # such as the sampler or the Set-Cookie parser are not listed.
    # The family packages (``checks/http/``...) are walked too.
    found = set()
    for m in pkgutil.walk_packages(checks_pkg.__path__, prefix="launch_tui.checks."):
        if isinstance(getattr(importlib.import_module(m.name), "CHECKS", None), Registry):
            found.add(m.name)
    assert found == set(CHECK_MODULES), "CHECK_MODULES must list exactly the check modules"


def test_default_registry_collects_each_modules_checks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "fake_check_module_a.py").write_text(
        textwrap.dedent(
            """
            from launch_tui.checks.engine.registry import Registry
            from launch_tui.core.model import Severity, Status
            from launch_tui.core.playbook import AppliesTo

            CHECKS = Registry()

            @CHECKS.register("fake.one", stage="audit", title="One", severity=Severity.LOW,
                             applies_to=AppliesTo.SESSION)
            async def one(ctx):
                return ctx.result(Status.PASS, "ok")
            """
        )
    )
    (tmp_path / "fake_check_module_b.py").write_text("CHECKS = []\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("fake_check_module_a", "fake_check_module_b"):
        monkeypatch.delitem(sys.modules, name, raising=False)

    registry = default_registry(["fake_check_module_a"])
    assert registry.ids() == ("fake.one",)
    with pytest.raises(CheckError, match="does not define CHECKS"):
        default_registry(["fake_check_module_b"])


# --- agreement with the playbook ---------------------------------------------------------------


def test_drift_lists_missing_unlisted_and_mismatched_checks() -> None:
    playbook = builtin_playbook()
    spec = playbook.check("dns.records")
    manual = next(c for c in playbook.checks() if c.mode.value == "manual")
    registry = Registry(
        [
            CheckDef(spec.id, spec.stage, spec.title, spec.severity, spec.applies_to, passing),
            CheckDef("audit.stack", "delivery", "Stack", Severity.INFO, AppliesTo.SESSION, passing),
            define("made.up"),
            define(manual.id, stage=manual.stage),
        ]
    )
    drift = registry.drift_from(playbook)
    assert not drift.ok
    assert drift.unlisted == ("made.up", manual.id)
    assert "dns.records" not in drift.missing
    assert "tls.certificate" in drift.missing
    fields = {(i, name) for i, name, _, _ in drift.mismatched}
    assert ("audit.stack", "stage") in fields
    assert ("audit.stack", "severity") in fields
    assert not any(i == "dns.records" for i, *_ in drift.mismatched)
    assert "'made.up' is not an auto check in the playbook" in drift.describe()


def test_every_implemented_check_is_declared_alike_in_the_playbook() -> None:
    drift = default_registry().drift_from(builtin_playbook())
    assert not drift.unlisted, drift.describe()
    assert not drift.mismatched, drift.describe()


def test_every_auto_check_of_stages_1_to_3_is_implemented() -> None:
    drift = default_registry().drift_from(builtin_playbook())
    first_three = {"audit", "request-path", "delivery"}
    playbook = builtin_playbook()
    # Secret scanning (secrets.repo, secrets.ci_logs sit in the audit stage) is its own issue.
    missing = [
        c
        for c in drift.missing
        if playbook.check(c).stage in first_three and not c.startswith("secrets.")
    ]
    assert not missing, drift.describe()


def test_every_playbook_auto_check_is_implemented() -> None:
    drift = default_registry().drift_from(builtin_playbook())
    assert not drift.missing, drift.describe()


# --- selection → work items --------------------------------------------------------------------


def keys(items: tuple[WorkItem, ...]) -> list[tuple[str, str]]:
    return [item.key for item in items]


def test_expansion_runs_session_checks_once_and_others_per_target() -> None:
    registry = Registry(
        [
            define("audit.stack"),
            define("dns.records", AppliesTo.HOST),
            define("perf.latency", AppliesTo.ROUTE, stage="request-path"),
        ]
    )
    items = expand_selection(registry, make_session())
    assert keys(items) == [
        ("audit.stack", ""),
        ("dns.records", "acme.test"),
        ("dns.records", "www.acme.test"),
        ("dns.records", "api.acme.test"),
        ("perf.latency", "home"),
        ("perf.latency", "login"),
        ("perf.latency", "hook"),
    ]
    assert items[0].host is None and items[0].route is None
    assert items[1].host == Host("acme.test", HostRole.APEX)
    assert items[4].route is not None and items[4].route.url == "https://acme.test/"


def test_expansion_honours_host_roles_and_route_kinds() -> None:
    registry = Registry(
        [
            define("http.hsts", AppliesTo.HOST, host_roles=frozenset({HostRole.WWW})),
            define(
                "access.webhook_unsigned",
                AppliesTo.ROUTE,
                route_kinds=frozenset({RouteKind.WEBHOOK, RouteKind.ADMIN}),
            ),
        ]
    )
    assert keys(expand_selection(registry, make_session())) == [
        ("http.hsts", "www.acme.test"),
        ("access.webhook_unsigned", "hook"),
    ]


def test_selection_filters_by_stage_ids_targets_and_kind() -> None:
    registry = Registry(
        [
            define("audit.stack"),
            define("dns.records", AppliesTo.HOST),
            define("perf.latency", AppliesTo.ROUTE, stage="request-path"),
        ]
    )
    session = make_session()

    def picked(selection: Selection) -> list[tuple[str, str]]:
        return keys(expand_selection(registry, session, selection))

    assert picked(Selection(stages=frozenset({"request-path"}))) == [
        ("perf.latency", "home"),
        ("perf.latency", "login"),
        ("perf.latency", "hook"),
    ]
    assert picked(Selection(check_ids=frozenset({"audit.stack"}))) == [("audit.stack", "")]
    assert picked(Selection(targets=frozenset({"www.acme.test", "login"}))) == [
        ("dns.records", "www.acme.test"),
        ("perf.latency", "login"),
    ]
    assert picked(Selection(targets=frozenset({""}))) == [("audit.stack", "")]
    assert picked(Selection(applies_to=frozenset({AppliesTo.HOST}))) == [
        ("dns.records", "acme.test"),
        ("dns.records", "www.acme.test"),
        ("dns.records", "api.acme.test"),
    ]
    both = Selection(stages=frozenset({"audit"}), check_ids=frozenset({"perf.latency"}))
    assert picked(both) == []
    assert picked(Selection(check_ids=frozenset())) == []


@pytest.mark.parametrize(
    ("selection", "message"),
    [
        (
            Selection(check_ids=frozenset({"dns.recrods", "nope.x"})),
            "Unknown check ids: 'dns.recrods', 'nope.x'.*Valid ids: dns.records",
        ),
        (Selection(stages=frozenset({"launch"})), "Unknown stage 'launch'.*audit"),
        (
            Selection(targets=frozenset({"shop.acme.test"})),
            "No host or route named 'shop.acme.test'.*Known targets: acme.test",
        ),
    ],
)
def test_unknown_names_in_a_selection_are_check_errors(selection: Selection, message: str) -> None:
    registry = Registry([define("dns.records", AppliesTo.HOST)])
    with pytest.raises(CheckError, match=message):
        expand_selection(registry, make_session(), selection)

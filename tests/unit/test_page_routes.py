"""Which pages the page checks scan besides declared routes, and what a healthy answer is."""

from __future__ import annotations

from datetime import UTC, datetime

from launch_tui.checks.engine.registry import Registry
from launch_tui.checks.engine.targets import Selection, expand_selection, page_routes
from launch_tui.core.model import (
    CheckResult,
    Host,
    HostRole,
    Route,
    RouteKind,
    Session,
    Severity,
    Sprint,
    Targets,
)
from launch_tui.core.playbook import AppliesTo


def session(*routes: Route, canonical: str = "https://www.acme.example/") -> Session:
    hosts = (
        Host("acme.example", HostRole.APEX),
        Host("www.acme.example", HostRole.WWW),
        Host("app.acme.example", HostRole.APP),
        Host("api.acme.example", HostRole.API),
        Host("admin.acme.example", HostRole.ADMIN),
    )
    return Session(
        sprint=Sprint("acme", "Acme", "", "", datetime(2026, 1, 1, tzinfo=UTC)),
        targets=Targets(apex="acme.example", canonical_url=canonical, hosts=hosts, routes=routes),
    )


def test_the_canonical_url_and_the_www_and_app_homepages_are_pages() -> None:
    pages = page_routes(session())
    assert [p.name for p in pages] == ["https://www.acme.example/", "https://app.acme.example/"]
    assert all((p.url, p.kind, p.method) == (p.name, RouteKind.READ, "GET") for p in pages)


def test_a_page_a_declared_route_fetches_is_left_to_it() -> None:
    declared = Route("home", "https://WWW.acme.example", RouteKind.READ)
    pages = page_routes(session(declared, canonical="https://www.acme.example/pricing"))
    assert [p.name for p in pages] == [
        "https://www.acme.example/pricing",
        "https://app.acme.example/",
    ]
    post = Route("app-post", "https://app.acme.example/", RouteKind.WRITE, "POST")
    assert "https://app.acme.example/" in {p.name for p in page_routes(session(post))}


def test_only_checks_that_read_pages_run_on_them() -> None:
    registry = Registry()

    async def check(ctx: object) -> CheckResult:
        raise AssertionError("not run here")

    registry.register(
        "perf.page_weight",
        stage="request-path",
        title="t",
        severity=Severity.MEDIUM,
        applies_to=AppliesTo.ROUTE,
        pages=True,
    )(check)
    registry.register(
        "perf.latency",
        stage="request-path",
        title="t",
        severity=Severity.HIGH,
        applies_to=AppliesTo.ROUTE,
    )(check)
    items = expand_selection(registry, session(Route("login", "https://app.acme.example/login")))
    assert [(i.check.id, i.target) for i in items] == [
        ("perf.page_weight", "login"),
        ("perf.page_weight", "https://www.acme.example/"),
        ("perf.page_weight", "https://app.acme.example/"),
        ("perf.latency", "login"),
    ]
    picked = expand_selection(
        registry,
        session(),
        Selection(targets=frozenset({"https://www.acme.example/"})),
    )
    assert [(i.check.id, i.target) for i in picked] == [
        ("perf.page_weight", "https://www.acme.example/")
    ]


def test_an_admin_route_is_healthy_when_it_refuses_an_anonymous_client() -> None:
    admin = Route("admin", "https://admin.acme.example/", RouteKind.ADMIN)
    assert admin.expected_statuses == {200, 401, 403}
    assert admin.expects(401) and admin.expects(403) and not admin.expects(500)
    read = Route("home", "https://www.acme.example/", expect_status=204)
    assert read.expected_statuses == {204} and not read.expects(401)

"""The pure table builders: risk ranking, domain map, access map, email records, route stats."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from launch_tui.core.model import (
    Action,
    CheckResult,
    Decision,
    Evidence,
    Host,
    HostRole,
    Organisation,
    Person,
    Route,
    RouteKind,
    Service,
    Session,
    Severity,
    Sprint,
    Stack,
    StackItem,
    Status,
    Targets,
)
from launch_tui.core.playbook import builtin_playbook, parse_playbook
from launch_tui.report.access_map import AccessArea, access_map
from launch_tui.report.domain_map import NOT_CHECKED, domain_map
from launch_tui.report.email_records import email_records, spf_include
from launch_tui.report.risk_list import RiskCategory, categorize, rank_findings
from launch_tui.report.route_stats import route_stats, slowest

TODAY = date(2026, 5, 6)
ROUTES = (
    Route("home", "https://www.acme.test/", RouteKind.READ),
    Route("login", "https://app.acme.test/login", RouteKind.AUTH, method="POST"),
    Route("book", "https://api.acme.test/book", RouteKind.WRITE, method="POST", p95_budget_ms=900),
    Route("health", "https://api.acme.test/health", RouteKind.HEALTH),
)

PLAYBOOK = builtin_playbook()


def result(
    check: str,
    target: str = "",
    status: Status = Status.FAIL,
    severity: Severity = Severity.HIGH,
    evidence: Evidence | None = None,
    summary: str = "",
) -> CheckResult:
    return CheckResult(check, target, status, severity, summary or check, evidence or {})


def session(**fields: object) -> Session:
    base: dict[str, object] = {
        "sprint": Sprint("acme", "Acme", "Market", "eng", datetime(2026, 5, 4, tzinfo=UTC)),
        "targets": Targets(apex="acme.test", routes=ROUTES),
    }
    base.update(fields)
    return Session(**base)  # type: ignore[arg-type]


# --- risk list ------------------------------------------------------------------------------


def test_findings_rank_by_launch_impact_then_severity() -> None:
    s = session(
        results=(
            result("http.hsts", "www.acme.test", severity=Severity.CRITICAL),
            result("http.redirects", "www.acme.test", severity=Severity.LOW),
            result("perf.latency", "home", severity=Severity.HIGH),
            result("email.dkim", severity=Severity.MEDIUM),
            result("secrets.repo", severity=Severity.HIGH),
            result("secrets.ci_logs", severity=Severity.CRITICAL),
            result("access.admin_exposed", "admin", severity=Severity.MEDIUM),
            result("http.cookies", "login", severity=Severity.LOW),
            result("dns.records", "www.acme.test", status=Status.PASS),
        )
    )
    ranked = rank_findings(s, PLAYBOOK).open
    assert [(f.result.check_id, f.category) for f in ranked] == [
        ("access.admin_exposed", RiskCategory.AUTH),
        ("http.cookies", RiskCategory.AUTH),
        ("secrets.ci_logs", RiskCategory.SECRETS),
        ("secrets.repo", RiskCategory.SECRETS),
        ("email.dkim", RiskCategory.EMAIL),
        ("perf.latency", RiskCategory.SLOW),
        ("http.redirects", RiskCategory.REDIRECTS),
        ("http.hsts", RiskCategory.OTHER),
    ]


def test_within_a_category_fail_comes_before_error_and_warn() -> None:
    s = session(
        results=(
            result("email.spf", status=Status.WARN),
            result("email.dmarc", status=Status.ERROR),
            result("email.dkim", status=Status.FAIL),
        )
    )
    assert [f.result.check_id for f in rank_findings(s, PLAYBOOK).open] == [
        "email.dkim",
        "email.dmarc",
        "email.spf",
    ]


def test_build_output_and_slow_login_are_categorised_by_what_hurts() -> None:
    s = session()
    assert categorize(result("deploy.build_output"), s, PLAYBOOK) is RiskCategory.SECRETS
    assert categorize(result("perf.latency", "login"), s, PLAYBOOK) is RiskCategory.SLOW
    assert categorize(result("http.mixed_content", "login"), s, PLAYBOOK) is RiskCategory.AUTH
    assert categorize(result("http.canonical_redirect"), s, PLAYBOOK) is RiskCategory.REDIRECTS
    assert (
        categorize(result("http.https_forced", "www.acme.test"), s, PLAYBOOK)
        is RiskCategory.REDIRECTS
    )


def test_the_categories_are_the_playbooks_declaration() -> None:
    # A playbook of one's own decides what counts as a bad redirect; one without the risk
    # list's parts ranks everything but sign-in routes as "Other".
    text = (Path(__file__).resolve().parents[2] / "launch_tui/core/playbook.toml").read_text()
    declared = 'checks = ["http.redirects", "http.canonical_redirect", "http.https_forced"]'
    assert declared in text
    own = parse_playbook(text.replace(declared, 'checks = ["http.hsts"]'), "own.toml")
    s = session()
    assert categorize(result("http.hsts", "www.acme.test"), s, own) is RiskCategory.REDIRECTS
    assert categorize(result("http.redirects", "www.acme.test"), s, own) is RiskCategory.OTHER
    bare = parse_playbook(text.replace('id = "secrets"\nchecks', 'id = "unread"\nchecks'), "x")
    assert categorize(result("secrets.repo"), s, bare) is RiskCategory.OTHER
    assert categorize(result("secrets.repo"), s, PLAYBOOK) is RiskCategory.SECRETS
    assert categorize(result("http.cookies", "login"), s, bare) is RiskCategory.AUTH


def test_owned_accepted_risk_moves_out_of_the_open_list_but_stays_visible() -> None:
    owned = Decision(
        "d1", "audit", Action.ACCEPT_RISK, "later", check_id="dns.records", owner="ana"
    )
    unowned = Decision("d2", "audit", Action.ACCEPT_RISK, "later", check_id="http.hsts")
    fix = Decision("d3", "audit", Action.FIX, "now", check_id="email.dkim", owner="ana")
    s = session(
        results=(result("dns.records", "a"), result("http.hsts", "a"), result("email.dkim")),
        decisions=(owned, unowned, fix),
    )
    risks = rank_findings(s, PLAYBOOK)
    assert [f.result.check_id for f in risks.accepted] == ["dns.records"]
    assert risks.accepted[0].accepted_by == (owned,)
    open_ids = [f.result.check_id for f in risks.open]
    assert open_ids == ["email.dkim", "http.hsts"]
    assert risks.open[0].decisions == (fix,)
    assert risks.open[1].decisions == (unowned,)
    assert risks.total == 3


# --- domain map -----------------------------------------------------------------------------


def test_domain_map_without_results_lists_hosts_as_not_checked() -> None:
    s = session(
        targets=Targets(
            hosts=(Host("www.acme.test", HostRole.WWW), Host("acme.test", HostRole.APEX))
        )
    )
    rows = domain_map(s, TODAY)
    assert [(r.host, r.role) for r in rows] == [("acme.test", "apex"), ("www.acme.test", "www")]
    assert all(
        (r.destination, r.proxy, r.tls, r.redirect) == (NOT_CHECKED,) * 4 and not r.checked
        for r in rows
    )


def test_domain_map_reads_each_evidence_shape_and_adds_result_only_hosts() -> None:
    s = session(
        targets=Targets(hosts=(Host("www.acme.test", HostRole.WWW),), routes=ROUTES),
        results=(
            result("dns.records", "www.acme.test", Status.PASS, evidence={"cname": "x.host.test"}),
            result(
                "dns.records",
                "old.acme.test",
                Status.PASS,
                evidence={"records": ["MX 1 m", "A 1.2.3.4"]},
            ),
            result("edge.cloudflare", "www.acme.test", Status.PASS, evidence={"proxied": True}),
            result("edge.origin_exposed", "www.acme.test", Status.FAIL),
            result(
                "tls.certificate",
                "www.acme.test",
                Status.PASS,
                evidence={"not_after": "2026-05-20T00:00:00Z"},
            ),
            result("tls.certificate", "old.acme.test", Status.FAIL, evidence={"days_left": -3}),
            result("http.https_forced", "www.acme.test", Status.PASS),
            result(
                "http.redirects",
                "www.acme.test",
                Status.PASS,
                evidence={"chain": [{"url": "https://a/"}, {"url": "https://www.acme.test/"}]},
            ),
            result("http.cookies", "login", Status.FAIL),  # a route, not a host
        ),
    )
    rows = {r.host: r for r in domain_map(s, TODAY)}
    assert set(rows) == {"www.acme.test", "old.acme.test"}
    www = rows["www.acme.test"]
    assert www.destination == "x.host.test"
    assert www.proxy == "Cloudflare (proxied)"
    assert www.tls == "valid until 2026-05-20 (14 d left)"
    assert www.redirect == "http → https; → https://www.acme.test/"
    assert "origin reachable directly" in www.warnings
    assert "certificate expires within 30 days" in www.warnings
    old = rows["old.acme.test"]
    assert old.role == "unlisted"
    assert old.destination == "1.2.3.4"
    assert old.tls == "expired (3 d ago)"


# --- access map -----------------------------------------------------------------------------


def test_access_map_flags_lockout_risks() -> None:
    s = session(
        people=(
            Person("dan", "Dan", email="dan@gmail.com"),
            Person("ana", "Ana", email="ana@acme.test"),
            Person("sam", "Sam", org=Organisation.CONTRACTOR, email="sam@contract.test"),
        ),
        stack=Stack(registrar=StackItem(declared="Namecheap"), database=StackItem("Neon Postgres")),
        services=(
            Service("Namecheap", owner="dan"),
            Service("Cloudflare", purpose="DNS and CDN", owner="ana", admins=("ana", "sam")),
            Service("Neon", owner="sam", admins=("sam",)),
            Service("Route 53", purpose="DNS hosting", owner="ana", admins=("ana", "x@icloud.com")),
        ),
    )
    rows = {r.area: r for r in access_map(s)}
    assert rows[AccessArea.REGISTRAR].services == ("Namecheap",)
    assert rows[AccessArea.REGISTRAR].flags == (
        "owner uses a personal email (gmail.com)",
        "single admin",
    )
    assert rows[AccessArea.DNS].services == ("Cloudflare", "Route 53")
    assert rows[AccessArea.CLOUDFLARE].services == ("Cloudflare",)
    assert rows[AccessArea.CLOUDFLARE].flags == ()
    assert rows[AccessArea.CLOUDFLARE].owner == "Ana (ana@acme.test)"
    assert rows[AccessArea.CLOUDFLARE].admins == ("Sam",)
    assert rows[AccessArea.HOSTING].services == ()  # "DNS hosting" is not hosting
    assert rows[AccessArea.HOSTING].flags == ("not recorded",)
    assert rows[AccessArea.DATABASE].services == ("Neon",)  # by the declared stack
    assert "owner Sam is on the contractor side" in rows[AccessArea.DATABASE].flags
    assert "admin x@icloud.com uses a personal email (icloud.com)" in rows[AccessArea.DNS].flags
    assert [r.area for r in access_map(s)] == list(AccessArea)


def test_the_access_map_knows_the_maintained_list_of_personal_mailboxes() -> None:
    # Providers the report's own 30 names lacked are flagged now, as the check flags them.
    s = session(
        people=(
            Person("ana", "Ana", email="ana@Seznam.cz"),
            Person("bo", "Bo", email="bo@acme.test"),
        ),
        services=(Service("Cloudflare", purpose="DNS", owner="bo", admins=("ana", "bo")),),
    )
    rows = {r.area: r for r in access_map(s)}
    assert "admin Ana uses a personal email (seznam.cz)" in rows[AccessArea.DNS].flags
    assert not any("owner uses" in f for f in rows[AccessArea.DNS].flags)


# --- email records --------------------------------------------------------------------------


def test_email_records_are_templates_with_the_apex_when_nothing_ran() -> None:
    s = session(
        stack=Stack(email_provider=StackItem(declared="Postmark")),
        targets=Targets(apex="acme.test", dkim_selectors=("pm",)),
    )
    spf, dkim, dmarc = email_records(s)
    assert (spf.name, spf.value, spf.source) == (
        "acme.test",
        "v=spf1 include:spf.mtasv.net ~all",
        "template",
    )
    assert dkim.name == "pm._domainkey.acme.test"
    assert dkim.value == "v=DKIM1; k=rsa; p=<public key from Postmark>"
    assert dmarc.name == "_dmarc.acme.test"
    assert dmarc.value.startswith("v=DMARC1; p=none; rua=mailto:dmarc-reports@acme.test")


def test_email_records_prefer_verified_then_recommended_records() -> None:
    s = session(
        results=(
            result("email.spf", status=Status.PASS, evidence={"record": "v=spf1 mx -all"}),
            result(
                "email.dmarc",
                status=Status.FAIL,
                evidence={
                    "records": ["v=DMARC1; p=reject; bad"],
                    "recommended": "v=DMARC1; p=none",
                },
            ),
            result(
                "email.dkim",
                status=Status.PASS,
                evidence={"selectors": [{"selector": "s1", "record": "v=DKIM1; p=AAA"}]},
            ),
        ),
    )
    spf, dkim, dmarc = email_records(s)
    assert (spf.value, spf.source, spf.published) == ("v=spf1 mx -all", "published, verified", "")
    assert (dkim.name, dkim.value) == ("s1._domainkey.acme.test", "v=DKIM1; p=AAA")
    assert (dmarc.value, dmarc.published) == ("v=DMARC1; p=none", "v=DMARC1; p=reject; bad")


@pytest.mark.parametrize(
    ("provider", "include"),
    [
        ("Google Workspace", "_spf.google.com"),
        ("Amazon SES", "amazonses.com"),
        ("SES", "amazonses.com"),
        ("Sesame Mail", ""),
        ("", ""),
    ],
)
def test_spf_include_for_known_providers(provider: str, include: str) -> None:
    s = session(stack=Stack(email_provider=StackItem(declared=provider)))
    assert spf_include(s) == include


# --- route stats ----------------------------------------------------------------------------


def test_route_stats_read_latency_uptime_and_error_rates() -> None:
    s = session(
        results=(
            result(
                "perf.latency",
                "home",
                Status.PASS,
                evidence={"p50_ms": 90, "p95_ms": "180", "p99": 300.5, "samples": 200, "errors": 4},
            ),
            result("perf.latency", "book", Status.FAIL, evidence={"p95_ms": 950}),
            result("perf.first_response", "login", Status.PASS, evidence={"total_ms": 123}),
            result("monitor.request_id", "login", Status.PASS, evidence={"uptime": 0.999}),
            result(
                "monitor.coverage",
                status=Status.PASS,
                evidence={"routes": {"health": {"uptime_pct": 99.5, "error_rate": 0.02}}},
            ),
        )
    )
    stats = {r.name: r for r in route_stats(s)}
    home = stats["home"]
    assert (home.p50_ms, home.p95_ms, home.p99_ms, home.budget_ms) == (90, 180, 300.5, 500)
    assert home.error_rate_pct == pytest.approx(2.0)
    assert home.over_budget is False and home.monitored is False
    assert stats["book"].budget_ms == 900 and stats["book"].over_budget is True
    login = stats["login"]
    assert (login.p50_ms, login.p95_ms, login.budget_ms) == (123, None, 800)
    assert login.uptime_pct == pytest.approx(99.9) and login.monitored
    health = stats["health"]
    assert (health.uptime_pct, health.error_rate_pct, health.budget_ms) == (99.5, 2.0, None)
    assert [r.name for r in slowest(route_stats(s))] == ["book", "home"]


def test_costs_total_per_currency() -> None:
    from launch_tui.core.playbook import builtin_playbook
    from launch_tui.report.context import build_context
    from launch_tui.report.sections import SECTIONS

    s = session(
        services=(
            Service("A", monthly_cost=Decimal("10.10"), currency="usd"),
            Service("B", monthly_cost=Decimal("0.95")),
            Service("C", monthly_cost=Decimal("7"), currency="EUR"),
            Service("D"),
        )
    )
    ctx = build_context(s, builtin_playbook(), datetime(2026, 5, 6, tzinfo=UTC), SECTIONS)
    assert [(c.currency, c.monthly, c.services) for c in ctx.handover.costs] == [
        ("EUR", "7.00 EUR", 1),
        ("USD", "11.05 USD", 2),
    ]

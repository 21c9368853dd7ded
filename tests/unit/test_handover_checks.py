"""handover.access_map and handover.renewals judged from sessions built here, no network."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from launch_tui.checks import default_registry
from launch_tui.checks.domain import days_left
from launch_tui.checks.engine.context import context_factory
from launch_tui.checks.engine.targets import WorkItem
from launch_tui.checks.handover.access_judge import Area, judge_access
from launch_tui.checks.handover.renewals import judge_renewals, monthly_totals
from launch_tui.core.mailboxes import (
    email_domain,
    free_mail_domains,
    parse_domains,
    personal_domain,
)
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
    Targets,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TODAY = NOW.date()

ANA = Person("ana", "Ana Lee", org=Organisation.CLIENT, email="ana@acme.test")
BO = Person("bo", "Bo Kim", org=Organisation.CLIENT, email="bo@acme.test")
CY = Person("cy", "Cy Dale", org=Organisation.CONTRACTOR, email="cy@agency.example")
GMAIL = Person("gil", "Gil Moss", org=Organisation.CLIENT, email="gil.moss@gmail.com")
PEOPLE = (ANA, BO, CY, GMAIL)


def session(
    *services: Service,
    stack: Stack | None = None,
    results: tuple[CheckResult, ...] = (),
    people: tuple[Person, ...] = PEOPLE,
) -> Session:
    return Session(
        sprint=Sprint("t", "Acme", "Acme app", "cy", NOW),
        targets=Targets(apex="acme.test"),
        stack=stack or Stack(),
        people=people,
        services=services,
        results=results,
    )


def good(name: str, purpose: str = "", **kw: object) -> Service:
    fields: dict[str, object] = {
        "owner": "ana",
        "admins": ("ana", "bo"),
        "renewal": date(2026, 9, 1),
        "monthly_cost": Decimal("10.00"),
    }
    fields.update(kw)
    return Service(name, purpose, **fields)  # type: ignore[arg-type]


# Everything the launch depends on, held properly.
WELL_HELD = (
    good("Namewise", "Domain registrar"),
    good("Cloudflare", "DNS and CDN"),
    good("Vercel", "Hosting"),
    good("Neon", "Managed Postgres"),
    good("Postbird", "Transactional email"),
    good("GitHub", "Code host"),
    good("Pingwise", "Uptime monitoring"),
)
STACK = Stack(
    hosting=StackItem("Vercel"),
    database=StackItem("Postgres (Neon)"),
    email_provider=StackItem("Postbird"),
    registrar=StackItem("Namewise", "Namewise Registrar, Inc."),
    dns_host=StackItem("Cloudflare", "Cloudflare"),
)


def gaps_by_target(s: Session, cdn: str = "") -> dict[str, list[tuple[Status, Severity, str]]]:
    found: dict[str, list[tuple[Status, Severity, str]]] = {}
    for gap in judge_access(s, detected_cdn=cdn).gaps:
        found.setdefault(gap.target, []).append((gap.status, gap.severity, gap.problem))
    return found


# --- mailboxes -------------------------------------------------------------------------------


def test_shipped_list_knows_consumer_providers_and_not_company_domains() -> None:
    domains = free_mail_domains()
    assert len(domains) > 4000
    for personal in ("gmail.com", "outlook.com", "hotmail.com", "yahoo.co.uk", "proton.me"):
        assert personal in domains, personal
    for company in ("acme.test", "example.com", "brightlane.test", "github.com"):
        assert company not in domains, company
    assert personal_domain("Someone@GMail.com ") == "gmail.com"
    assert personal_domain("ana@acme.test") == ""
    assert personal_domain("not an address") == ""


@pytest.mark.parametrize(
    ("text", "domain"),
    [("a@Example.COM", "example.com"), ("no-at", ""), ("@x.com", ""), ("a@local", "")],
)
def test_email_domain(text: str, domain: str) -> None:
    assert email_domain(text) == domain


def test_domain_list_format_ignores_comments_and_blanks() -> None:
    assert parse_domains("# header\n\nGmail.com\nx.test  # note\n") == {"gmail.com", "x.test"}


# --- access map -------------------------------------------------------------------------------


def test_well_held_services_have_no_gaps() -> None:
    judged = judge_access(session(*WELL_HELD, stack=STACK), detected_cdn="Cloudflare")
    assert judged.gaps == ()
    areas = {s.name: s.areas for s in judged.services}
    assert areas["Namewise"] == (Area.REGISTRAR,)
    assert Area.DNS_HOST in areas["Cloudflare"] and Area.CDN in areas["Cloudflare"]
    assert areas["Neon"] == (Area.DATABASE,)


def test_contractor_owned_registrar_fails_and_names_who_transfers_it() -> None:
    registrar = good("Namewise", "Domain registrar", owner="cy", admins=("cy", "ana"))
    found = gaps_by_target(session(registrar, *WELL_HELD[1:], stack=STACK))
    assert list(found) == ["Namewise"]
    (owner, admins) = found["Namewise"]
    assert owner[:2] == (Status.FAIL, Severity.HIGH)
    assert "domain registrar account is owned by Cy Dale, a contractor" in owner[2]
    assert admins[:2] == (Status.FAIL, Severity.MEDIUM)
    gap = judge_access(session(registrar, *WELL_HELD[1:], stack=STACK)).gaps[0]
    assert gap.fix_by == "Ana Lee with Cy Dale"


def test_single_admin_fails_medium_and_contractor_admins_do_not_count() -> None:
    alone = good("Vercel", "Hosting", admins=("ana", "cy"))
    judged = judge_access(session(alone, *WELL_HELD[:2], *WELL_HELD[3:], stack=STACK))
    (gap,) = judged.gaps
    assert (gap.target, gap.status, gap.severity) == ("Vercel", Status.FAIL, Severity.MEDIUM)
    assert gap.short == "one client admin" and gap.fix_by == "Ana Lee"
    vercel = next(s for s in judged.services if s.name == "Vercel")
    assert vercel.remove_at_handover == ("Cy Dale",)


def test_personal_mailbox_owner_and_sole_admin_fail_high() -> None:
    owned = good("Pingwise", "Uptime monitoring", owner="gil", admins=("gil", "bo"))
    typed = good("GitHub", "Code host", owner="someone@outlook.com", admins=("bo",))
    sole = good("Postbird", "Transactional email", owner="cy", admins=("cy", "gil"))
    found = gaps_by_target(session(*WELL_HELD[:4], owned, typed, sole, stack=STACK))
    assert found["Pingwise"] == [
        (
            Status.FAIL,
            Severity.HIGH,
            "the monitoring account's owner Gil Moss signs in with a personal mailbox "
            "(gmail.com): move it to a company address",
        )
    ]
    assert "personal mailbox (outlook.com)" in found["GitHub"][0][2]
    problems = [p for _, _, p in found["Postbird"]]
    assert any(
        "only client admin, Gil Moss, signs in with a personal mailbox" in p for p in problems
    )


def test_missing_owner_and_unknown_people_are_gaps() -> None:
    nobody = good("Vercel", "Hosting", owner="", admins=("ana", "bo"))
    stranger = good("Neon", "Managed Postgres", owner="zed", admins=("zed", "ana", "bo"))
    found = gaps_by_target(session(nobody, stranger, *WELL_HELD[:2], *WELL_HELD[4:], stack=STACK))
    assert found["Vercel"][0][:2] == (Status.FAIL, Severity.HIGH)
    assert "no owner recorded for the hosting account" in found["Vercel"][0][2]
    assert "owner 'zed' is not one of the session's people" in found["Neon"][0][2]
    assert (Status.WARN, Severity.LOW) in [(s, v) for s, v, _ in found["Neon"]]


def test_detected_stack_names_services_nobody_listed() -> None:
    stack = Stack(
        hosting=StackItem("Vercel", "Vercel, Render"),
        database=StackItem("Postgres (Neon)"),
        email_provider=StackItem("Postbird", "Postbird"),
        registrar=StackItem("Namewise", "Namewise Registrar, Inc."),
        dns_host=StackItem("Cloudflare", "Cloudflare"),
    )
    no_neon = [s for s in WELL_HELD if s.name != "Neon"]
    found = gaps_by_target(session(*no_neon, stack=stack), cdn="Fastly")
    assert set(found) == {"Render", "Postgres (Neon)", "Fastly"}
    assert "detected in stage 1" in found["Render"][0][2]
    assert "declared in the stack" in found["Postgres (Neon)"][0][2]
    assert all(s[:2] == (Status.WARN, Severity.MEDIUM) for v in found.values() for s in v)


def test_an_empty_session_lists_every_area_as_missing() -> None:
    found = gaps_by_target(session())
    assert set(found) == {a.label for a in Area if a is not Area.CDN}


def test_aliases_match_a_service_to_its_stack_value() -> None:
    stack = Stack(email_provider=StackItem("G Suite"))
    services = (*WELL_HELD, good("Google Workspace", "Company mailboxes"))
    found = gaps_by_target(session(*services, stack=stack))
    assert "G Suite" not in found


# --- renewals -------------------------------------------------------------------------------


def expiry_result(expires: str) -> CheckResult:
    return CheckResult(
        "domain.expiry",
        "",
        Status.PASS,
        Severity.HIGH,
        "ok",
        evidence={"domain": "acme.test", "expires_at": expires},
    )


def test_renewals_within_30_days_fail_with_the_date() -> None:
    soon = good("Vercel", renewal=date(2026, 3, 12))
    edge = good("Neon", renewal=date(2026, 3, 31))
    later = good("GitHub", renewal=date(2026, 4, 1))
    past = good("Pingwise", renewal=date(2026, 2, 1))
    judged = judge_renewals(
        session(soon, edge, later, past, results=(expiry_result("2027-01-01T00:00:00+00:00"),)),
        TODAY,
    )
    got = {(f.target, f.status, f.severity): f.problem for f in judged.findings}
    assert got[("Vercel", Status.FAIL, Severity.MEDIUM)].startswith(
        "renews in 11 days (2026-03-12)"
    )
    assert ("Neon", Status.FAIL, Severity.MEDIUM) in got
    assert "2026-02-01 has passed" in got[("Pingwise", Status.FAIL, Severity.MEDIUM)]
    assert not [f for f in judged.findings if f.target == "GitHub"]
    assert not [f for f in judged.findings if f.target == "acme.test"]


def test_domain_expiry_from_rdap_is_a_renewal() -> None:
    judged = judge_renewals(session(results=(expiry_result("2026-03-20T10:00:00+00:00"),)), TODAY)
    (finding,) = judged.findings
    assert (finding.target, finding.status, finding.severity) == (
        "acme.test",
        Status.FAIL,
        Severity.HIGH,
    )
    assert "expires in 19 days (2026-03-20)" in finding.problem
    domain_row = next(r for r in judged.rows if r["kind"] == "domain")
    assert domain_row["renewal"] == "2026-03-20" and domain_row["days_left"] == 19


def test_unmeasured_domain_and_missing_dates_or_costs_warn() -> None:
    bare = Service("Mystery")
    judged = judge_renewals(session(bare), TODAY)
    got = {f.target: (f.status, f.severity, f.problem) for f in judged.findings}
    assert got["Mystery"] == (
        Status.WARN,
        Severity.LOW,
        "no renewal date and no monthly cost recorded",
    )
    assert got["acme.test"][:2] == (Status.WARN, Severity.LOW)


def test_monthly_totals_are_per_currency_and_never_converted() -> None:
    services = [
        good("A", monthly_cost=Decimal("20.00")),
        good("B", monthly_cost=Decimal("1.25"), currency="usd"),
        good("C", monthly_cost=Decimal("9.00"), currency="EUR"),
        good("D", monthly_cost=None),
    ]
    assert monthly_totals(services) == {"USD": Decimal("21.25"), "EUR": Decimal("9.00")}


async def run_check(check_id: str, s: Session) -> CheckResult:
    definition = default_registry().get(check_id)
    ctx = context_factory(s, clock=lambda: NOW)(WorkItem(definition, ""))
    return await definition.func(ctx)


async def test_renewals_check_shows_the_total_first() -> None:
    s = session(
        good("Vercel", renewal=date(2026, 3, 5)),
        good("Pingwise", currency="EUR", monthly_cost=Decimal("9")),
        results=(expiry_result("2027-01-01T00:00:00+00:00"),),
    )
    result = await run_check("handover.renewals", s)
    assert (result.status, result.severity) == (Status.FAIL, Severity.MEDIUM)
    assert result.summary.startswith("Monthly total USD 10.00, EUR 9.00; Vercel: renews in 4 days")
    assert result.evidence["monthly_totals"] == {"USD": "10.00", "EUR": "9"}


async def test_access_map_check_reads_the_detected_cdn_from_audit_stack() -> None:
    stack_result = CheckResult(
        "audit.stack",
        "",
        Status.PASS,
        Severity.MEDIUM,
        "ok",
        evidence={"cdn": {"detected": "Fastly", "status": "pass"}},
    )
    result = await run_check(
        "handover.access_map", session(*WELL_HELD, stack=STACK, results=(stack_result,))
    )
    assert (result.status, result.severity) == (Status.WARN, Severity.MEDIUM)
    assert result.summary == "Fastly: CDN / edge not in the services list"
    assert result.evidence["detected_stack"] == "audit.stack"
    clean = await run_check("handover.access_map", session(*WELL_HELD, stack=STACK))
    assert clean.status is Status.PASS
    assert clean.evidence["detected_stack"] == "not run yet"


def test_the_domain_count_is_domain_expirys_whatever_the_hour() -> None:
    """Expiry at midnight, asked in the afternoon: 24 and a half days left. The renewals list
    says what ``domain.expiry`` says (24), not the 25 of the two calendar dates."""
    expires = "2027-01-01T00:00:00+00:00"
    now = datetime(2026, 12, 7, 13, 30, tzinfo=UTC)
    judged = judge_renewals(session(results=(expiry_result(expires),)), now.date(), now=now)
    domain_row = next(r for r in judged.rows if r["kind"] == "domain")
    assert domain_row["days_left"] == days_left(datetime.fromisoformat(expires), now) == 24
    assert domain_row["renewal"] == "2027-01-01"
    (finding,) = judged.findings
    assert "expires in 24 days (2027-01-01)" in finding.problem

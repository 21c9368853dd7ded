"""audit.stack against the sandbox: real NS and MX lookups, real HTTPS answers with providers'
headers, one session-wide result whose evidence holds each component's verdict."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from check_runs import run_checks, select

from launch_tui.checks import CheckServices, Registry, WorkItem, context_factory
from launch_tui.checks.audit.stack import CHECKS, COMPONENTS, stack
from launch_tui.cli.cmd_sandbox import sandbox_session
from launch_tui.core.model import (
    CheckResult,
    JSONValue,
    Session,
    Severity,
    Stack,
    StackItem,
    Status,
)
from launch_tui.core.playbook import builtin_playbook
from launch_tui.sandbox import RunningWorld, parse_world, start_world

pytest_plugins = ["sandbox_fixtures"]

CHECK = "audit.stack"
#: Any character a terminal could act on: C0 but newline, DEL, C1, bidi controls.
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f]")
LONG = "A" * 3000

# Route 53 DNS, Google Workspace mail; www on Netlify, shop on Render (through Cloudflare),
# hidden behind Cloudflare with nothing showing through, plain on its own nginx, evil sending
# escape sequences and a spoofed Server header next to a real fingerprint.
STACK_LAB = f"""
name = "stacklab"
[sprint]
id = "stacklab"
client = "Stack Lab"
product = "Stack"
[targets]
apex = "stack.test"
canonical_url = "https://www.stack.test/"
[stack]
hosting = "Netlify"
email_provider = "G Suite"
dns_host = "Route 53"

[[hosts]]
name = "www.stack.test"
role = "www"
headers = {{ "Server" = "Netlify", "X-NF-Request-ID" = "01J0ABCDEF" }}
[[hosts.routes]]
path = "/"
page = {{ title = "Stack Lab" }}

[[hosts]]
name = "shop.stack.test"
cloudflare = true
headers = {{ "Rndr-Id" = "5c1e3f8a" }}

[[hosts]]
name = "hidden.stack.test"
cloudflare = true

[[hosts]]
name = "plain.stack.test"
headers = {{ "Server" = "nginx/1.24.0" }}

[[hosts]]
name = "evil.stack.test"
[hosts.headers]
"Server" = "\\u001b]0;pwned\\u0007Vercel"
"X-Vercel-Id" = "\\u001b[2J\\u202e[@click=app.quit]{LONG}"

[[hosts]]
name = "mail.stack.test"
role = "mail"

[[dns.zones]]
origin = "stack.test"
records = [
  ["@", "NS", "ns-512.awsdns-00.net."],
  ["@", "NS", "ns-1536.awsdns-00.co.uk."],
  ["@", "MX", "1 aspmx.l.google.com."],
  ["@", "MX", "5 alt1.aspmx.l.google.com."],
]

[dns]
servfail = ["broken.stack.test"]
"""


async def run(session: Session) -> CheckResult:
    done = (await run_checks(session, select(CHECK), registry=Registry(CHECKS.all()))).session
    (result,) = done.results
    assert result.key == (CHECK, "")
    return result


def component(result: CheckResult, name: str) -> dict[str, JSONValue]:
    entry = result.evidence[name]
    assert isinstance(entry, dict)
    return entry


def sites(result: CheckResult) -> dict[str, dict[str, JSONValue]]:
    listed = result.evidence["sites"]
    assert isinstance(listed, list)
    found = {}
    for entry in listed:
        assert isinstance(entry, dict)
        found[str(entry["host"])] = entry
    return found


def statuses(result: CheckResult) -> dict[str, JSONValue]:
    return {name: component(result, name)["status"] for name in COMPONENTS}


def assert_safe(result: CheckResult) -> None:
    for text in (result.summary, json.dumps(result.evidence, ensure_ascii=False)):
        assert not CONTROL.findall(text), CONTROL.findall(text)[:5]


def test_the_declaration_agrees_with_the_playbook() -> None:
    drift = Registry(CHECKS.all()).drift_from(builtin_playbook())
    assert CHECK not in drift.unlisted
    assert not drift.mismatched, drift.describe()


# --- the built-in worlds -----------------------------------------------------------------------


async def test_demo_findings_are_exactly_the_worlds_expected_ones(
    demo_world: RunningWorld,
) -> None:
    result = await run(sandbox_session(demo_world))
    expected = {e.target: e for e in demo_world.world.expected if e.check == CHECK}
    found = {name for name, status in statuses(result).items() if status in ("warn", "fail")}
    assert found == set(expected) == {"hosting"}
    for name, finding in expected.items():
        assert component(result, name)["status"] == finding.status.value
        assert (result.status, result.severity) == (finding.status, finding.severity)
    # The freelancer's admin panel on Render is the finding; www and app are on Vercel, as
    # declared, behind Cloudflare.
    assert result.summary.startswith(
        "Hosting: declared Vercel, detected Render on admin.brightlane.test (rndr-id: "
    )
    assert "Vercel confirmed on www.brightlane.test" in result.summary
    assert component(result, "hosting")["detected"] == "Vercel, Render"
    assert component(result, "dns_host")["detected"] == "Cloudflare"
    assert component(result, "cdn")["detected"] == "Cloudflare"
    # Postbird is no provider the data knows; its MX hosts are named after it.
    email = component(result, "email_provider")
    assert (email["status"], email["matched_by"]) == ("pass", "name")
    assert sites(result)["api.brightlane.test"]["server"] == ["nginx"]
    assert sites(result)["promo.brightlane.test"]["status"] is None  # the dangling CNAME


async def test_clean_world_has_no_warning(clean_session: Session) -> None:
    result = await run(clean_session)
    assert result.status is Status.PASS, result.summary
    assert statuses(result) == dict.fromkeys(COMPONENTS, "pass")
    assert result.summary.startswith(
        "DNS host: Cloudflare (NS kim.ns.cloudflare.com); Email: Postbird (MX "
        "mx1.postbird.example is named after it); Hosting: Vercel (www.harbourline.test: "
        "x-vercel-id: lhr1::iad1::hl4q8-1718000000000-2b7d9e1c); CDN: Cloudflare in front "
        "(www.harbourline.test: cf-ray: "
    )
    assert component(result, "hosting")["detected"] == "Vercel"
    assert component(result, "email_provider")["detected"] == "Postbird"


async def test_hostile_world_gets_a_clean_result(hostile_world: RunningWorld) -> None:
    result = await run(sandbox_session(hostile_world, timeout=1.0))
    assert result.status is Status.SKIPPED
    assert component(result, "dns_host")["summary"] == (
        "DNS host: self-hosted (NS ns1.hostile.test), not a provider the fingerprints know"
    )
    assert_safe(result)


# --- a lab of stacks ---------------------------------------------------------------------------


@pytest.fixture
async def lab() -> AsyncIterator[Session]:
    async with start_world(parse_world(STACK_LAB)) as running:
        yield sandbox_session(running)
        assert running.errors() == ()


def only(session: Session, *names: str, canonical: str = "") -> Session:
    hosts = tuple(h for h in session.targets.hosts if h.name in names)
    targets = replace(session.targets, hosts=hosts)
    if canonical:
        targets = replace(targets, canonical_url=canonical)
    return replace(session, targets=targets)


def declared(session: Session, **values: str) -> Session:
    return replace(session, stack=Stack(**{k: StackItem(v) for k, v in values.items()}))


async def test_detected_as_declared_passes(lab: Session) -> None:
    result = await run(only(lab, "www.stack.test"))
    assert result.status is Status.PASS, result.summary
    assert statuses(result) == {
        "dns_host": "pass",
        "email_provider": "pass",
        "hosting": "pass",
        "cdn": "skipped",
    }
    assert result.summary == (
        "DNS host: Amazon Route 53 (NS ns-1536.awsdns-00.co.uk); Email: Google Workspace (MX "
        "aspmx.l.google.com); Hosting: Netlify (www.stack.test: x-nf-request-id: 01J0ABCDEF); "
        "CDN: no CDN in front of any host"
    )
    assert component(result, "email_provider") == {
        "declared": "G Suite",
        "detected": "Google Workspace",
        "source": "MX aspmx.l.google.com",
        "status": "pass",
        "summary": "Email: Google Workspace (MX aspmx.l.google.com)",
        "matched_by": "fingerprint",
    }


async def test_each_mismatch_is_a_warning(lab: Session) -> None:
    session = declared(
        only(lab, "www.stack.test"),
        hosting="Vercel",
        email_provider="Microsoft 365",
        dns_host="Cloudflare",
    )
    result = await run(session)
    assert (result.status, result.severity) == (Status.WARN, Severity.MEDIUM)
    assert result.summary == (
        "DNS host: declared Cloudflare, detected Amazon Route 53 (NS ns-1536.awsdns-00.co.uk); "
        "Email: declared Microsoft 365, detected Google Workspace (MX aspmx.l.google.com); "
        "Hosting: declared Vercel, detected Netlify on www.stack.test (x-nf-request-id: "
        "01J0ABCDEF); "
        "CDN: no CDN in front of any host"
    )


async def test_nothing_declared_passes_with_what_was_detected(lab: Session) -> None:
    result = await run(declared(only(lab, "www.stack.test")))
    assert result.status is Status.PASS
    for name in ("dns_host", "email_provider", "hosting"):
        entry = component(result, name)
        assert entry["declared"] == ""
        assert "(not declared; " in str(entry["summary"])


async def test_a_platform_on_another_host_is_a_finding(lab: Session) -> None:
    result = await run(lab)
    hosting = component(result, "hosting")
    assert (result.status, hosting["status"]) == (Status.WARN, "warn")
    assert hosting["summary"] == (
        "Hosting: declared Netlify, detected Render on shop.stack.test (rndr-id: 5c1e3f8a); "
        "Netlify confirmed on www.stack.test"
    )
    assert hosting["detected"] == "Netlify, Render, Vercel"
    # The CDN is seen on shop (www has none); mail hosts are not fetched.
    assert str(component(result, "cdn")["source"]).startswith("shop.stack.test: cf-ray: ")
    assert "mail.stack.test" not in sites(result)
    assert_safe(result)


async def test_a_platform_hidden_behind_the_cdn_is_not_a_mismatch(lab: Session) -> None:
    session = declared(
        only(lab, "hidden.stack.test", canonical="https://hidden.stack.test/"),
        hosting="Vercel",
    )
    result = await run(session)
    hosting = component(result, "hosting")
    assert hosting["status"] == "skipped"
    assert str(hosting["summary"]).startswith(
        "Hosting: hidden behind Cloudflare on hidden.stack.test (cf-ray: "
    )
    assert str(hosting["summary"]).endswith("): cannot confirm Vercel")
    assert component(result, "cdn")["status"] == "pass"
    # Nothing else was declared: the detected DNS and mail pass, the whole result passes.
    assert result.status is Status.PASS


async def test_a_bare_web_server_names_no_platform(lab: Session) -> None:
    session = declared(
        only(lab, "plain.stack.test", canonical="https://plain.stack.test/"),
        hosting="DigitalOcean droplet",
    )
    hosting = component(await run(session), "hosting")
    assert (hosting["status"], hosting["summary"]) == (
        "skipped",
        "Hosting: plain.stack.test answers from nginx (server: nginx/1.24.0), not a platform "
        "the headers identify: cannot confirm DigitalOcean droplet",
    )


async def test_hostile_header_values_stay_data(lab: Session) -> None:
    session = declared(
        only(lab, "evil.stack.test", canonical="https://evil.stack.test/"), hosting="Vercel"
    )
    result = await run(session)
    hosting = component(result, "hosting")
    assert hosting["status"] == "pass"  # by x-vercel-id; the spoofed Server header is no match
    source = str(hosting["source"])
    assert source.startswith("evil.stack.test: x-vercel-id: ␛[2J")
    assert len(source) < 120 and LONG not in json.dumps(result.evidence)
    assert_safe(result)


async def test_nothing_to_detect_from_is_skipped(lab: Session) -> None:
    empty = replace(lab, targets=replace(lab.targets, apex="", canonical_url="", hosts=()))
    result = await run(empty)
    assert result.status is Status.SKIPPED
    assert result.summary.startswith("Nothing to detect the stack from: DNS host: no apex")


async def test_failed_lookups_are_errors(lab: Session) -> None:
    broken = only(lab, "www.stack.test")
    broken = replace(broken, targets=replace(broken.targets, apex="broken.stack.test"))
    result = await run(broken)
    assert result.status is Status.ERROR
    assert component(result, "dns_host")["status"] == "error"
    assert component(result, "email_provider")["status"] == "error"
    assert "NS lookup failed" in result.summary
    assert component(result, "hosting")["status"] == "pass"  # the web still answered


async def test_without_services_the_check_says_so(lab: Session) -> None:
    definition = CHECKS.get(CHECK)
    make = context_factory(lab, CheckServices())
    result = await stack(make(WorkItem(definition, "")))
    assert (result.status, result.summary) == (
        Status.ERROR,
        "No HTTP client is configured for this run",
    )

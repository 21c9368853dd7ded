"""domain.expiry against the sandbox's RDAP registry over real HTTPS, and against hostile ones."""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import replace
from typing import Any

import pytest
from check_runs import run_checks

from launch_tui.checks import Registry
from launch_tui.checks.domain import CHECKS
from launch_tui.checks.engine.services import NetworkOverrides, open_check_services
from launch_tui.core.model import CheckResult, Session, Severity, Status
from launch_tui.core.playbook import builtin_playbook
from launch_tui.net.rdap import rdap_server_for
from launch_tui.net.rdap_parse import parse_bootstrap, parse_json
from launch_tui.sandbox import RunningWorld, parse_world, session_for, start_world

pytest_plugins = ["sandbox_fixtures"]

CHECK = "domain.expiry"
REGISTRY = "https://rdap.registry.test/"
HOSTILE = "https://badrdap.test/"


async def run(session: Session, overrides: NetworkOverrides | None = None) -> CheckResult:
    """domain.expiry on ``session``, through the runner with real services."""
    done = await run_checks(session, overrides=overrides, registry=Registry(CHECKS))
    (result,) = done.session.results_for(CHECK)
    return result


def pointed(session: Session, apex: str, rdap_url: str) -> Session:
    """``session`` asking about ``apex`` at ``rdap_url``."""
    return replace(
        session,
        targets=replace(session.targets, apex=apex),
        network=replace(session.network, rdap_url=rdap_url),
    )


def test_the_declaration_agrees_with_the_playbook() -> None:
    drift = Registry(CHECKS).drift_from(builtin_playbook())
    assert drift.mismatched == ()
    assert drift.unlisted == ()
    assert CHECK not in drift.missing


# --- the shipped worlds ----------------------------------------------------------------------


async def test_demo_domain_expires_within_30_days(demo_world: RunningWorld) -> None:
    result = await run(session_for(demo_world))
    (expected,) = [e for e in demo_world.world.expected if e.check == CHECK]
    assert (result.status, result.severity) == (expected.status, expected.severity)
    assert (result.status, result.severity) == (Status.FAIL, Severity.HIGH)
    assert result.target == ""
    assert re.fullmatch(
        r"brightlane\.test expires in 24 days \(\d{4}-\d\d-\d\d\), registrar Namewise "
        r"Registrar, Inc\.: renew it and turn on auto-renew",
        result.summary,
    ), result.summary
    evidence = result.evidence
    assert evidence["rdap_url"] == "https://rdap.registry.test/domain/brightlane.test"
    assert evidence["rdap_source"] == "session"
    assert evidence["registrar"] == "Namewise Registrar, Inc."
    assert evidence["registrar_iana_id"] == "9901"
    assert evidence["days_left"] == 24
    assert str(evidence["expires_at"]).endswith("+00:00")
    assert evidence["registered_at"]
    assert evidence["status"] == ["client transfer prohibited"]
    assert evidence["nameservers"] == ["ada.ns.cloudflare.com", "rob.ns.cloudflare.com"]
    served = [r for r in demo_world.served() if r.host == "rdap.registry.test"]
    assert [(r.method, r.path, r.status) for r in served] == [
        ("GET", "/domain/brightlane.test", 200)
    ]


async def test_clean_domain_passes(clean_session: Session) -> None:
    result = await run(clean_session)
    assert result.status is Status.PASS, result
    assert result.summary.startswith("harbourline.test expires in 300 days (")
    assert result.summary.endswith("), registrar Namewise Registrar, Inc.")
    assert result.evidence["days_left"] == 300


async def test_the_sandbox_bootstrap_parses_and_points_at_its_registry(
    demo_world: RunningWorld,
) -> None:
    session = session_for(demo_world)
    async with open_check_services(session.network) as services:
        assert services.http is not None
        fetched = await services.http.fetch(REGISTRY + "bootstrap/dns.json")
    assert fetched.status == 200, fetched.failure
    bootstrap = parse_bootstrap(parse_json(fetched.body))
    server = rdap_server_for("www.brightlane.test", bootstrap=bootstrap)
    assert server is not None
    assert (server.base_url, server.source) == (REGISTRY, "bootstrap")


# --- a lab of registries -------------------------------------------------------------------------


def rdap_body(name: str, **changes: Any) -> str:
    """A domain answer for ``name`` as JSON text; ``changes`` replace keys."""
    doc: dict[str, Any] = {
        "objectClassName": "domain",
        "ldhName": name,
        "status": ["active"],
        "events": [{"eventAction": "registration", "eventDate": "2020-01-01T00:00:00Z"}],
        "entities": [
            {
                "roles": ["registrar"],
                "publicIds": [{"type": "IANA Registrar ID", "identifier": "1"}],
                "vcardArray": ["vcard", [["fn", {}, "text", "Lab Registrar"]]],
            }
        ],
    }
    doc.update(changes)
    return json.dumps(doc)


def route(name: str, **keys: str) -> str:
    lines = ["[[hosts.routes]]", f'path = "/domain/{name}"']
    lines += [f"{key} = {value}" for key, value in keys.items()]
    return "\n".join(lines) + "\n"


def literal(text: str) -> str:
    assert "'''" not in text
    return f"'''{text}'''"


ESCAPING = "\x1b[2J\x1b]8;;https://evil.example\x07[b]Evil[/b] Registrar " + "A" * 400

HOSTILE_ROUTES = "".join(
    [
        route(
            "noexpiry.test",
            content_type='"application/rdap+json"',
            body=literal(rdap_body("noexpiry.test")),
        ),
        route("html.test", content_type='"text/html"', body='"<html><h1>Welcome</h1></html>"'),
        route("huge.test", behaviour='{ kind = "huge-body", size = 3145728 }'),
        route("bomb.test", behaviour='{ kind = "gzip-bomb", size = 8388608 }'),
        route("drip.test", behaviour='{ kind = "slow-drip", interval_ms = 200 }'),
        route(
            "limited.test",
            status="429",
            headers='{ "Retry-After" = "120" }',
            json='{ errorCode = 429, title = "Too Many Requests" }',
        ),
        route(
            "broken.test",
            status="500",
            json='{ errorCode = 500, title = "Internal error", description = ["db down"] }',
        ),
        route("plain.test", status="302", redirect='"http://badrdap.test/domain/plain.test"'),
        route("loop.test", status="302", redirect='"https://badrdap.test/domain/loop.test"'),
        route("hop.test", status="301", redirect='"https://rdap.registry.test/domain/hop.test"'),
        route(
            "shape.test",
            content_type='"application/rdap+json"',
            body=literal(rdap_body("shape.test", events="soon")),
        ),
        route(
            "other.test",
            content_type='"application/rdap+json"',
            body=literal(rdap_body("someone-else.test")),
        ),
        route(
            "escape.test",
            content_type='"application/rdap+json"',
            body=literal(
                rdap_body(
                    "escape.test",
                    events=[{"eventAction": "expiration", "eventDate": "2099-01-01T00:00:00Z"}],
                    entities=[
                        {
                            "roles": ["registrar"],
                            "vcardArray": ["vcard", [["fn", {}, "text", ESCAPING]]],
                        }
                    ],
                )
            ),
        ),
    ]
)

LAB = (
    """
name = "rdaplab"
[sprint]
id = "rdaplab"
client = "RDAP Lab"
product = "Lab"
[targets]
apex = "soon.test"

[[hosts]]
name = "badrdap.test"
dns = false
publish = false
"""
    + HOSTILE_ROUTES
    + """
[rdap]
host = "rdap.registry.test"

[[rdap.domains]]
name = "soon.test"
registrar = "Lab Registrar"
expires_in_days = 10

[[rdap.domains]]
name = "warn.test"
registrar = "Lab Registrar"
expires_in_days = 45

[[rdap.domains]]
name = "later.test"
registrar = "Lab Registrar"
expires_in_days = 200

[[rdap.domains]]
name = "lapsed.test"
registrar = "Lab Registrar"
expires_in_days = -3

[[rdap.domains]]
name = "redeem.test"
registrar = "Lab Registrar"
expires_in_days = -20
status = ["redemption period", "client transfer prohibited"]

[[rdap.domains]]
name = "held.test"
registrar = "Lab Registrar"
expires_in_days = 100
status = ["client hold"]

[[rdap.domains]]
name = "hop.test"
registrar = "Lab Registrar"
expires_in_days = 120
"""
)


@pytest.fixture
async def lab() -> Any:
    async with start_world(parse_world(LAB)) as running:
        yield running
        assert running.errors() == ()


async def lab_results(running: RunningWorld, cases: dict[str, str]) -> dict[str, CheckResult]:
    """domain.expiry for each ``apex: rdap_url`` case, concurrently."""
    base = session_for(running)
    names = list(cases)
    results = await asyncio.gather(*(run(pointed(base, n, cases[n])) for n in names))
    return dict(zip(names, results, strict=True))


async def test_registry_verdicts(lab: RunningWorld) -> None:
    results = await lab_results(
        lab,
        {
            "soon.test": REGISTRY,
            "warn.test": REGISTRY,
            "later.test": REGISTRY,
            "lapsed.test": REGISTRY,
            "redeem.test": REGISTRY,
            "held.test": REGISTRY,
            "www.missing.test": REGISTRY,
            "noexpiry.test": HOSTILE,
            "hop.test": HOSTILE,
        },
    )

    def outcome(name: str) -> tuple[Status, Severity]:
        return results[name].status, results[name].severity

    assert outcome("soon.test") == (Status.FAIL, Severity.HIGH)
    assert results["soon.test"].summary.startswith("soon.test expires in 10 days (")
    assert outcome("warn.test") == (Status.WARN, Severity.MEDIUM)
    assert results["warn.test"].summary.startswith("warn.test expires in 45 days (")
    assert outcome("later.test")[0] is Status.PASS
    assert outcome("lapsed.test") == (Status.FAIL, Severity.HIGH)
    assert results["lapsed.test"].summary.startswith("lapsed.test expired 3 days ago (")
    assert outcome("redeem.test") == (Status.FAIL, Severity.HIGH)
    assert results["redeem.test"].summary.startswith(
        "redeem.test is in its redemption period (redemption period) (registrar Lab Registrar)"
    )
    assert outcome("held.test") == (Status.FAIL, Severity.HIGH)
    assert "is on hold (client hold)" in results["held.test"].summary

    missing = results["www.missing.test"]
    assert (missing.status, missing.severity) == (Status.WARN, Severity.MEDIUM)
    assert missing.summary == (
        "Registration not found: rdap.registry.test does not know missing.test "
        "(404: Not Found: missing.test is not registered here); the domain is not registered "
        "there, or that is not its registry"
    )
    assert missing.evidence["http_status"] == 404

    noexpiry = results["noexpiry.test"]
    assert (noexpiry.status, noexpiry.severity) == (Status.WARN, Severity.MEDIUM)
    assert noexpiry.summary == (
        "The registry does not publish an expiry date for noexpiry.test "
        "(registrar Lab Registrar); check the renewal date at the registrar"
    )
    assert noexpiry.evidence["expires_at"] is None
    assert noexpiry.evidence["registrar"] == "Lab Registrar"
    assert noexpiry.evidence["registrar_iana_id"] == "1"

    hop = results["hop.test"]
    assert hop.status is Status.PASS, hop
    assert hop.evidence["rdap_url"] == "https://badrdap.test/domain/hop.test"
    assert hop.evidence["final_url"] == "https://rdap.registry.test/domain/hop.test"


async def test_hostile_registries_give_clear_errors(lab: RunningWorld) -> None:
    results = await lab_results(
        lab,
        {
            "html.test": HOSTILE,
            "huge.test": HOSTILE,
            "bomb.test": HOSTILE,
            "limited.test": HOSTILE,
            "broken.test": HOSTILE,
            "plain.test": HOSTILE,
            "loop.test": HOSTILE,
            "shape.test": HOSTILE,
            "other.test": HOSTILE,
        },
    )
    says = {
        "html.test": "Could not check: RDAP answer from badrdap.test (text/html) could not be "
        "read: $: not JSON (Expecting value at line 1 column 1)",
        "huge.test": "Could not check: The RDAP answer from badrdap.test is larger than 1 MiB; "
        "not read",
        "bomb.test": "Could not check: The RDAP answer from badrdap.test inflates past 1 MiB; "
        "not read",
        "limited.test": "Could not check: badrdap.test is rate-limiting RDAP queries (429); "
        "retry after 120 seconds",
        "broken.test": "Could not check: RDAP server badrdap.test answered 500 Internal Server "
        "Error (Internal error: db down)",
        "plain.test": "Could not check: badrdap.test redirected to a non-HTTPS URL "
        "(http://badrdap.test/domain/plain.test); not followed",
        "loop.test": "Could not check: badrdap.test redirected in a loop",
        "shape.test": "Could not check: RDAP answer from badrdap.test (application/rdap+json) "
        "could not be read: $.events: expected an array, got a string",
        "other.test": "Could not check: RDAP answer from badrdap.test (application/rdap+json) "
        "could not be read: $.ldhName: the answer is about 'someone-else.test', not "
        "'other.test'",
    }
    for name, summary in says.items():
        result = results[name]
        assert (result.status, result.severity) == (Status.ERROR, Severity.HIGH), result
        assert result.summary == summary
        assert result.evidence["rdap_url"] == f"https://badrdap.test/domain/{name}"
    assert results["limited.test"].evidence["retry_after"] == "120"
    assert results["limited.test"].evidence["failure"] == "rate_limited"
    served = {r.path for r in lab.served() if r.host == "badrdap.test"}
    assert "/domain/plain.test" in served
    assert not [r for r in lab.served() if r.scheme == "http"]  # the redirect was not followed


async def test_escape_sequences_from_the_registry_stay_data(lab: RunningWorld) -> None:
    (result,) = (await lab_results(lab, {"escape.test": HOSTILE})).values()
    assert result.status is Status.PASS
    assert "\x1b" not in result.summary and "\x07" not in result.summary
    assert (
        result.summary.startswith("escape.test expires in ")
        and "registrar ␛[2J␛]8;;https://evil.example␇[b]Evil[/b] Registrar AAA" in result.summary
    )
    assert len(result.summary) < 200
    registrar = result.evidence["registrar"]
    assert isinstance(registrar, str) and registrar.startswith("\x1b[2J")  # evidence is raw data
    assert len(registrar) == 200


async def test_a_dripping_registry_stops_at_the_deadline(lab: RunningWorld) -> None:
    session = pointed(session_for(lab), "drip.test", HOSTILE)
    loop = asyncio.get_running_loop()
    started = loop.time()
    result = await run(session, NetworkOverrides(timeout=1.0))
    elapsed = loop.time() - started
    assert result.status is Status.ERROR
    assert result.summary.startswith("Could not check: RDAP query failed: ")
    assert "1 second" in result.summary, result.summary
    assert elapsed < 2.0


@pytest.mark.parametrize(
    ("apex", "rdap_url", "status", "summary"),
    [
        ("", "", Status.SKIPPED, "No apex domain in the session's targets to look up"),
        (
            "127.0.0.1",
            "",
            Status.ERROR,
            "Cannot look up the registration: the apex '127.0.0.1' is an IP address, not a domain",
        ),
        (
            "example.test",
            "http://rdap.registry.test/",
            Status.ERROR,
            "[network] rdap_url 'http://rdap.registry.test/' is not an https:// URL; "
            "registration data is only read over HTTPS",
        ),
        (
            "startup.eu",
            "",
            Status.WARN,
            "Expiry not checked: no RDAP server is known for .eu (IANA bootstrap snapshot of "
            "2026-05-24); check the renewal date at the registrar, or set [network] rdap_url to "
            "the registry's RDAP service",
        ),
    ],
)
async def test_what_cannot_be_asked_says_why(
    clean_session: Session, apex: str, rdap_url: str, status: Status, summary: str
) -> None:
    result = await run(pointed(clean_session, apex, rdap_url))
    assert (result.status, result.summary) == (status, summary)


async def test_the_evidence_says_how_old_the_bootstrap_is(clean_session: Session) -> None:
    result = await run(pointed(clean_session, "startup.eu", ""))
    age = result.evidence["bootstrap_age"]
    assert isinstance(age, str) and age.startswith("2026-05-24 (") and "days old, " in age

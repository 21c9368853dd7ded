"""http.security_headers and http.mixed_content against sandbox hosts and pages."""

from __future__ import annotations

from check_runs import run_checks, select

from launch_tui.checks.http.headers import PROBE_ORIGIN, Subresource, find_subresources
from launch_tui.cli.cmd_sandbox import sandbox_session
from launch_tui.core.model import CheckResult, Session, Severity, Status
from launch_tui.sandbox import RunningWorld, parse_world, start_world

pytest_plugins = ["sandbox_fixtures"]

HEADERS = "http.security_headers"
MIXED = "http.mixed_content"
SAYS = {
    (HEADERS, "admin.brightlane.test"): "No security headers (Content-Security-Policy, ",
    (HEADERS, "www.brightlane.test"): "No Content-Security-Policy",
    (HEADERS, "app.brightlane.test"): "No Content-Security-Policy; no Referrer-Policy",
    (HEADERS, "staging.brightlane.test"): "No security headers (Content-Security-Policy, ",
    (HEADERS, "api.brightlane.test"): (
        "Server and X-Powered-By reveal nginx/1.18.0 (Ubuntu) and Express"
    ),
    (MIXED, "pricing"): (
        "Mixed content: http:// script and image on an https page "
        "(http://cdn.brightlane.test/js/pricing-table.js, http://cdn.brightlane.test/img/plans.png)"
    ),
}

PROTECTIVE = """
"Content-Security-Policy" = "default-src 'self'; frame-ancestors 'none'"
"X-Content-Type-Options" = "nosniff"
"""
GOOD_HEADERS = PROTECTIVE + '"Referrer-Policy" = "no-referrer"\n'
HEADER_LAB = f"""
name = "headerlab"
[sprint]
id = "headerlab"
client = "Header Lab"
product = "Headers"

[[hosts]]
name = "good.hdr.test"
[hosts.headers]
{GOOD_HEADERS}
[[hosts.routes]]
path = "/"
target = {{ name = "good-page" }}
[hosts.routes.page]
title = "Good"
scripts = ["/app.js", "https://cdn.example/lib.js"]
images = ["//cdn.example/a.png"]

[[hosts.routes]]
path = "/passive"
target = {{ name = "passive" }}
page = {{ title = "Passive", images = ["http://img.example/a.png"] }}

[[hosts.routes]]
path = "/active"
target = {{ name = "active" }}
[hosts.routes.page]
title = "Active"
head_scripts = ["http://js.example/a.js"]
stylesheets = ["http://css.example/a.css"]

[[hosts.routes]]
path = "/upgraded"
target = {{ name = "upgraded" }}
headers = {{ "Content-Security-Policy" = "upgrade-insecure-requests" }}
page = {{ title = "Upgraded", scripts = ["http://js.example/a.js"] }}

[[hosts.routes]]
path = "/data"
target = {{ name = "data" }}
json = {{ ok = true }}

[[hosts]]
name = "bare.hdr.test"
[[hosts.routes]]
path = "/"
page = {{ title = "Bare" }}

[[hosts]]
name = "report-only.hdr.test"
[hosts.headers]
"Content-Security-Policy-Report-Only" = "default-src 'self'"
"X-Frame-Options" = "DENY"
"X-Content-Type-Options" = "nosniff"
"Referrer-Policy" = "unsafe-url"
[[hosts.routes]]
path = "/"
page = {{ title = "Report only" }}

[[hosts]]
name = "leaky.hdr.test"
[hosts.headers]
{PROTECTIVE}
"Referrer-Policy" = "unsafe-url"
[[hosts.routes]]
path = "/"
page = {{ title = "Leaky referrer" }}

[[hosts]]
name = "cors.hdr.test"
[hosts.headers]
{GOOD_HEADERS}
"Access-Control-Allow-Origin" = "{PROBE_ORIGIN}"
"Access-Control-Allow-Credentials" = "true"
[[hosts.routes]]
path = "/"
page = {{ title = "Reflecting CORS" }}

[[hosts]]
name = "api.hdr.test"
role = "api"
headers = {{ "X-Powered-By" = "PHP/8.1.2" }}
[[hosts.routes]]
path = "/"
json = {{ ok = true }}
"""


async def run(session: Session, *check_ids: str) -> dict[tuple[str, str], CheckResult]:
    return {r.key: r for r in (await run_checks(session, select(*check_ids))).session.results}


async def test_demo_findings_are_exactly_the_worlds_expected_ones(
    demo_world: RunningWorld,
) -> None:
    results = await run(sandbox_session(demo_world), HEADERS, MIXED)
    wanted = {
        (e.check, e.target): e for e in demo_world.world.expected if e.check in (HEADERS, MIXED)
    }
    assert set(wanted) == set(SAYS)
    for key, finding in wanted.items():
        result = results[key]
        assert (result.status, result.severity) == (finding.status, finding.severity), result
        assert result.summary.startswith(SAYS[key]), result.summary
    for key, result in results.items():
        if key not in wanted:
            assert result.status in (Status.PASS, Status.SKIPPED), result
    apex = results[(HEADERS, "brightlane.test")]
    assert apex.status is Status.SKIPPED
    assert apex.summary.startswith("brightlane.test redirects to https://www.brightlane.test/")
    www = results[(HEADERS, "www.brightlane.test")].evidence["headers"]
    assert isinstance(www, dict) and www["x-frame-options"] == "SAMEORIGIN"
    assert results[(MIXED, "listings")].summary == "Not an HTML page (application/json)"
    assert results[(MIXED, "login")].status is Status.SKIPPED  # a POST endpoint
    pricing = results[(MIXED, "pricing")].evidence["insecure"]
    assert pricing == [
        {"kind": "script", "url": "http://cdn.brightlane.test/js/pricing-table.js"},
        {"kind": "image", "url": "http://cdn.brightlane.test/img/plans.png"},
    ]


async def test_clean_world_has_nothing_to_report(clean_session: Session) -> None:
    results = await run(clean_session, HEADERS, MIXED)
    assert {r.status for r in results.values()} <= {Status.PASS, Status.SKIPPED}
    assert results[(HEADERS, "www.harbourline.test")].status is Status.PASS
    assert results[(MIXED, "home")].status is Status.PASS


async def test_each_header_and_mixed_content_case() -> None:
    async with start_world(parse_world(HEADER_LAB)) as running:
        results = await run(sandbox_session(running), HEADERS, MIXED)
        assert running.errors() == ()

    def outcome(check: str, target: str) -> tuple[Status, Severity]:
        return results[(check, target)].status, results[(check, target)].severity

    def says(check: str, target: str) -> str:
        return results[(check, target)].summary

    assert outcome(HEADERS, "good.hdr.test")[0] is Status.PASS
    assert outcome(HEADERS, "bare.hdr.test") == (Status.WARN, Severity.LOW)
    assert outcome(HEADERS, "report-only.hdr.test") == (Status.WARN, Severity.LOW)
    assert says(HEADERS, "report-only.hdr.test").startswith(
        "Content-Security-Policy is report-only: nothing is enforced"
    )
    assert outcome(HEADERS, "leaky.hdr.test") == (Status.WARN, Severity.LOW)
    assert says(HEADERS, "leaky.hdr.test").startswith(
        "Referrer-Policy unsafe-url sends full URLs to other sites"
    )
    assert outcome(HEADERS, "cors.hdr.test") == (Status.FAIL, Severity.MEDIUM)
    assert says(HEADERS, "cors.hdr.test").startswith(
        f"CORS allows any origin with credentials (Access-Control-Allow-Origin: {PROBE_ORIGIN}"
    )
    # An API needs nosniff only; its version banner is information.
    assert outcome(HEADERS, "api.hdr.test") == (Status.WARN, Severity.LOW)
    assert says(HEADERS, "api.hdr.test") == (
        "No X-Content-Type-Options: nosniff; X-Powered-By reveals PHP/8.1.2: drop it so "
        "scanners cannot match the stack to known vulnerabilities"
    )

    assert outcome(MIXED, "good-page")[0] is Status.PASS
    assert says(MIXED, "good-page") == (
        "No http:// subresources among the 3 on https://good.hdr.test/"
    )
    assert outcome(MIXED, "passive") == (Status.WARN, Severity.MEDIUM)
    assert outcome(MIXED, "active") == (Status.FAIL, Severity.HIGH)
    assert says(MIXED, "active").startswith(
        "Mixed content: http:// stylesheet and script on an https page"
    )
    assert outcome(MIXED, "upgraded") == (Status.WARN, Severity.LOW)
    assert outcome(MIXED, "data")[0] is Status.SKIPPED


def test_subresources_are_resolved_like_a_browser_would() -> None:
    page = """
    <html><head><base href="http://static.example/assets/">
    <link rel="stylesheet" href="site.css"><link rel="icon" href="https://x.example/i.ico">
    </head><body>
    <img srcset="a.png 1x, https://x.example/b.png 2x" src="//x.example/c.png">
    <iframe src="https://embed.example/"></iframe>
    <form action="/login"></form><video poster="p.jpg"><source src="v.mp4"></video>
    <a href="http://links.are.not.subresources/">x</a>
    </body></html>
    """
    found = find_subresources(page, "https://shop.example/")
    assert found == [
        Subresource("stylesheet", "http://static.example/assets/site.css"),
        Subresource("image", "https://x.example/i.ico"),
        Subresource("image", "http://x.example/c.png"),
        Subresource("image", "http://static.example/assets/a.png"),
        Subresource("image", "https://x.example/b.png"),
        Subresource("frame", "https://embed.example/"),
        Subresource("form", "http://static.example/login"),
        Subresource("image", "http://static.example/assets/p.jpg"),
        Subresource("media", "http://static.example/assets/v.mp4"),
    ]
    assert [r.active for r in found[:2]] == [True, False]

"""access.admin_exposed and access.webhook_unsigned against sandbox admin routes and webhooks."""

from __future__ import annotations

from check_runs import run_checks, select

from launch_tui.cli.cmd_sandbox import sandbox_session
from launch_tui.core.model import CheckResult, Session, Severity, Status
from launch_tui.sandbox import RunningWorld, parse_world, start_world

pytest_plugins = ["sandbox_fixtures"]

ADMIN = "access.admin_exposed"
WEBHOOK = "access.webhook_unsigned"
#: The demo world names these ``http.admin_exposed`` and ``http.webhook_unsigned``.
ALIASES = {ADMIN: {ADMIN, "http.admin_exposed"}, WEBHOOK: {WEBHOOK, "http.webhook_unsigned"}}
SAYS = {
    (ADMIN, "admin"): "Anonymous GET https://admin.brightlane.test/ answers 200 with no "
    "authentication",
    (ADMIN, "admin-users"): "Anonymous GET https://admin.brightlane.test/api/users answers 200 "
    "with no authentication",
    (WEBHOOK, "stripe-webhook"): "Webhook accepts an unsigned POST with 200 "
    "(POST https://api.brightlane.test/webhooks/stripe)",
}

ACCESS_LAB = """
name = "accesslab"
[sprint]
id = "accesslab"
client = "Access Lab"
product = "Access"

[[hosts]]
name = "admin.acc.test"
role = "admin"

[[hosts.routes]]
path = "/open"
target = { name = "open", kind = "admin" }
page = { title = "Orders", text = "Every order, no questions asked." }

[[hosts.routes]]
path = "/locked"
require_auth = true
json = { secret = true }
target = { name = "locked", kind = "admin", expect_status = 401 }

[[hosts.routes]]
path = "/hidden"
target = { name = "hidden", kind = "admin", expect_status = 404 }
status = 404
body = "nothing here"

[[hosts.routes]]
path = "/dashboard"
redirect = "/login?next=/dashboard"
target = { name = "to-login", kind = "admin" }

[[hosts.routes]]
path = "/login"
body = "<form method=post><input name=email><input type=password name=pw></form>"
content_type = "text/html"

[[hosts.routes]]
path = "/inline-login"
body = "<html><form><input type='password'></form></html>"
content_type = "text/html"
target = { name = "inline-login", kind = "admin" }

[[hosts.routes]]
path = "/moved"
redirect = "/crash"
target = { name = "moved", kind = "admin" }

[[hosts.routes]]
path = "/crash"
status = 500
body = "Internal Server Error"
target = { name = "crash", kind = "admin" }

[[hosts.routes]]
path = "/purge"
method = "POST"
target = { name = "purge", kind = "admin" }
json = { purged = true }

[[hosts]]
name = "hooks.acc.test"
role = "api"

[[hosts.routes]]
path = "/open"
method = "POST"
json = { received = true }
target = { name = "open-hook", kind = "webhook" }

[[hosts.routes]]
path = "/signed"
method = "POST"
require_signature = "Stripe-Signature"
json = { received = true }
target = { name = "signed-hook", kind = "webhook", expect_status = 400 }

[[hosts.routes]]
path = "/fragile"
method = "POST"
status = 500
body = "KeyError: 'type'"
target = { name = "fragile-hook", kind = "webhook" }

[[hosts.routes]]
path = "/renamed"
method = "GET"
body = "this used to be the webhook"
target = { name = "renamed-hook", kind = "webhook" }
"""


async def run(session: Session) -> dict[tuple[str, str], CheckResult]:
    return {r.key: r for r in (await run_checks(session, select(ADMIN, WEBHOOK))).session.results}


async def test_demo_findings_are_exactly_the_worlds_expected_ones(
    demo_world: RunningWorld,
) -> None:
    results = await run(sandbox_session(demo_world))
    wanted = {
        (check, e.target): e
        for check, names in ALIASES.items()
        for e in demo_world.world.expected
        if e.check in names
    }
    assert set(wanted) == set(SAYS)
    # Only admin routes and webhooks are probed.
    assert set(results) == set(SAYS)
    for key, finding in wanted.items():
        result = results[key]
        assert (result.status, result.severity) == (finding.status, finding.severity), result
        assert result.summary.startswith(SAYS[key]), result.summary
    hook = results[(WEBHOOK, "stripe-webhook")].evidence
    assert hook["sent"] == "{} (no signature header)"


async def test_clean_world_protects_admin_and_webhook(clean_session: Session) -> None:
    results = await run(clean_session)
    assert {key: r.status for key, r in results.items()} == {
        (ADMIN, "admin"): Status.PASS,
        (WEBHOOK, "stripe-webhook"): Status.PASS,
    }
    assert results[(ADMIN, "admin")].summary == (
        "Anonymous GET https://admin.harbourline.test/ is refused with 401"
    )
    assert results[(WEBHOOK, "stripe-webhook")].summary == (
        "Unsigned POST https://api.harbourline.test/webhooks/stripe is refused with 400"
    )


async def test_each_access_case() -> None:
    async with start_world(parse_world(ACCESS_LAB)) as running:
        results = await run(sandbox_session(running))
        purged = [r for r in running.served() if r.path == "/purge"]
        assert running.errors() == ()

    def outcome(check: str, target: str) -> tuple[Status, Severity]:
        return results[(check, target)].status, results[(check, target)].severity

    def says(check: str, target: str) -> str:
        return results[(check, target)].summary

    assert outcome(ADMIN, "open") == (Status.FAIL, Severity.CRITICAL)
    assert outcome(ADMIN, "locked")[0] is Status.PASS
    assert outcome(ADMIN, "hidden")[0] is Status.PASS
    assert outcome(ADMIN, "to-login")[0] is Status.PASS
    assert says(ADMIN, "to-login") == (
        "Anonymous GET https://admin.acc.test/dashboard is sent to sign in at "
        "https://admin.acc.test/login?next=/dashboard"
    )
    assert outcome(ADMIN, "inline-login")[0] is Status.PASS
    assert says(ADMIN, "inline-login").endswith("gets a sign-in form (200)")
    assert outcome(ADMIN, "moved") == (Status.WARN, Severity.MEDIUM)
    assert says(ADMIN, "moved").startswith(
        "Anonymous GET https://admin.acc.test/moved is redirected to "
        "https://admin.acc.test/crash (500), which does not look like a sign-in page"
    )
    assert outcome(ADMIN, "crash") == (Status.WARN, Severity.MEDIUM)
    # An admin action is never performed to find out whether it is protected.
    assert outcome(ADMIN, "purge")[0] is Status.SKIPPED
    assert purged == []

    assert outcome(WEBHOOK, "open-hook") == (Status.FAIL, Severity.HIGH)
    assert outcome(WEBHOOK, "signed-hook")[0] is Status.PASS
    assert outcome(WEBHOOK, "fragile-hook") == (Status.WARN, Severity.MEDIUM)
    assert says(WEBHOOK, "fragile-hook").endswith(
        "crashes on an unsigned payload instead of refusing it"
    )
    assert outcome(WEBHOOK, "renamed-hook") == (Status.WARN, Severity.MEDIUM)
    assert says(WEBHOOK, "renamed-hook").startswith(
        "Unsigned POST https://hooks.acc.test/renamed answers 405"
    )

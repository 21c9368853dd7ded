"""http.cookies against sandbox routes that set every kind of cookie."""

from __future__ import annotations

from check_runs import run_checks, select

from launch_tui.checks.http.cookies import session_like
from launch_tui.cli.cmd_sandbox import sandbox_session
from launch_tui.core.model import CheckResult, Session, Severity, Status
from launch_tui.sandbox import RunningWorld, parse_world, start_world

pytest_plugins = ["sandbox_fixtures"]

CHECK = "http.cookies"
#: The demo world names its cookie findings ``cookies.scope``.
ALIASES = {"http.cookies", "cookies.scope"}
SAYS = {
    "login": (
        "Session cookie __session is scoped to .brightlane.test (every subdomain receives it) "
        "and lacks HttpOnly; make it host-only (drop Domain), ideally named __Host-session"
    ),
    "home": "bl_ab cookie lacks Secure, HttpOnly and SameSite",
}

COOKIE_LAB = """
name = "cookielab"
[sprint]
id = "cookielab"
client = "Cookie Lab"
product = "Cookies"
[targets]
apex = "cookie.test"

[[hosts]]
name = "app.cookie.test"
role = "app"

[[hosts.routes]]
path = "/ok"
target = { name = "ok" }
headers = { "Set-Cookie" = "__Host-sid=a1; Path=/; Secure; HttpOnly; SameSite=Lax" }

[[hosts.routes]]
path = "/cross-site"
target = { name = "cross-site" }
headers = { "Set-Cookie" = "session=a1; Path=/; Secure; HttpOnly; SameSite=None" }

[[hosts.routes]]
path = "/wide"
target = { name = "wide" }
[hosts.routes.headers]
"Set-Cookie" = "sessionid=a1; Domain=cookie.test; Path=/; Secure; HttpOnly; SameSite=Lax"

[[hosts.routes]]
path = "/broken-prefix"
target = { name = "broken-prefix" }
headers = { "Set-Cookie" = "__Host-sid=a1; Path=/; Secure; HttpOnly; Domain=app.cookie.test" }

[[hosts.routes]]
path = "/theme"
target = { name = "theme" }
headers = { "Set-Cookie" = "theme=dark; Path=/" }

[[hosts.routes]]
path = "/logout"
target = { name = "logout" }
[hosts.routes.headers]
"Set-Cookie" = ["session=; Path=/; Max-Age=0", "sid=; Expires=Thu, 01 Jan 1970 00:00:00 GMT"]

[[hosts.routes]]
path = "/embed"
target = { name = "embed" }
headers = { "Set-Cookie" = "embed_pref=1; Path=/; Secure; SameSite=None; Partitioned" }

[[hosts.routes]]
path = "/junk"
target = { name = "junk" }
headers = { "Set-Cookie" = "=" }

[[hosts.routes]]
path = "/login"
method = "POST"
target = { name = "login", kind = "auth", safe_to_repeat = true }
headers = { "Set-Cookie" = "auth_token=a1; Path=/; HttpOnly; SameSite=Strict" }

[[hosts.routes]]
path = "/orders"
method = "POST"
target = { name = "orders", kind = "write" }
headers = { "Set-Cookie" = "session=a1" }

[[hosts]]
name = "eu.app.cookie.test"

[[hosts.routes]]
path = "/"
target = { name = "regional" }
[hosts.routes.headers]
"Set-Cookie" = "session=a1; Domain=app.cookie.test; Path=/; Secure; HttpOnly; SameSite=Lax"
"""


async def run(session: Session) -> dict[str, CheckResult]:
    return (await run_checks(session, select(CHECK))).by_target(CHECK)


async def test_demo_findings_are_exactly_the_worlds_expected_ones(
    demo_world: RunningWorld,
) -> None:
    results = await run(sandbox_session(demo_world))
    wanted = {e.target: e for e in demo_world.world.expected if e.check in ALIASES}
    assert set(wanted) == set(SAYS)
    for target, finding in wanted.items():
        result = results[target]
        assert (result.status, result.severity) == (finding.status, finding.severity), result
        assert result.summary == SAYS[target]
    for target, result in results.items():
        if target not in wanted:
            assert result.status in (Status.PASS, Status.SKIPPED), result
    # The webhook is not requested by this check; a write not marked repeatable is skipped.
    assert "stripe-webhook" not in results
    assert results["create-quote"].status is Status.SKIPPED
    # Evidence names and flags every cookie, and never holds a value.
    cookies = results["login"].evidence["cookies"]
    assert cookies == [
        {
            "name": "__session",
            "session_like": True,
            "domain": "brightlane.test",
            "path": "/",
            "secure": True,
            "http_only": False,
            "same_site": "Lax",
        },
        {
            "name": "__Host-csrf",
            "session_like": False,
            "domain": None,
            "path": "/",
            "secure": True,
            "http_only": True,
            "same_site": "Strict",
        },
    ]
    assert "sbx." not in str(results["login"].evidence)


async def test_clean_world_has_nothing_to_report(clean_session: Session) -> None:
    results = await run(clean_session)
    assert {r.status for r in results.values()} <= {Status.PASS, Status.SKIPPED}
    assert results["login"].summary == (
        "1 cookie set by POST https://app.harbourline.test/api/auth/login, flagged and scoped "
        "safely: __Host-session"
    )


async def test_each_cookie_case() -> None:
    async with start_world(parse_world(COOKIE_LAB)) as running:
        results = await run(sandbox_session(running))
        assert running.errors() == ()

    def outcome(name: str) -> tuple[Status, Severity]:
        return results[name].status, results[name].severity

    assert outcome("ok")[0] is Status.PASS
    assert outcome("cross-site") == (Status.WARN, Severity.MEDIUM)
    assert results["cross-site"].summary == (
        "Session cookie session has SameSite=None (sent with cross-site requests: CSRF)"
    )
    assert outcome("wide") == (Status.FAIL, Severity.HIGH)
    assert results["wide"].summary.startswith(
        "Session cookie sessionid is scoped to .cookie.test (every subdomain receives it); "
        "make it host-only"
    )
    assert outcome("regional") == (Status.WARN, Severity.MEDIUM)
    assert results["regional"].summary.startswith(
        "Session cookie session is scoped to .app.cookie.test, wider than eu.app.cookie.test"
    )
    assert outcome("broken-prefix") == (Status.FAIL, Severity.HIGH)
    assert results["broken-prefix"].summary == (
        "Session cookie __Host-sid: __Host- cookie sets Domain: browsers reject it"
    )
    assert outcome("theme") == (Status.FAIL, Severity.LOW)
    assert results["theme"].summary == "theme cookie lacks Secure, HttpOnly and SameSite"
    assert outcome("logout")[0] is Status.PASS
    assert results["logout"].summary.endswith("only deletes cookies")
    assert outcome("embed")[0] is Status.PASS  # Partitioned is understood, not dropped
    assert outcome("junk") == (Status.WARN, Severity.LOW)
    assert results["junk"].summary == "Browsers ignore a Set-Cookie header (no name and no value)"
    # A repeatable auth POST is requested; its token cookie lacks Secure.
    assert outcome("login") == (Status.FAIL, Severity.HIGH)
    assert results["login"].summary.startswith("Session cookie auth_token lacks Secure")
    assert outcome("orders")[0] is Status.SKIPPED


def test_session_like_names() -> None:
    for name in ("__session", "sessionid", "PHPSESSID", "connect.sid", "auth_token", "jwt"):
        assert session_like(name), name
    for name in ("__Host-csrf", "XSRF-TOKEN", "bl_ab", "theme", "_ga", "side_panel"):
        assert not session_like(name), name

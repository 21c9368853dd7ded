"""``launch-tui new`` takes what users used to hand-edit afterwards: the declared stack, DKIM
selectors, network settings, and each route's expected status and whether it may be repeated."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli_basic import NEW, Cli

from launch_tui.cli.exit_codes import Exit
from launch_tui.core.errors import UsageError
from launch_tui.core.factory import parse_route, parse_stack
from launch_tui.core.model import RouteKind
from launch_tui.store import load_session


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def test_stack_selectors_network_and_route_options_land_in_the_file(cli: Cli) -> None:
    (cli.cwd / "extra-ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    code = cli(
        *NEW,
        "--route",
        "admin:admin=https://app.acme.example/admin|expect=401",
        "--route",
        "search=https://www.acme.example/search|safe_to_repeat|expect=200",
        "--stack",
        "email=Postmark",
        "--stack",
        "hosting=Fly.io",
        "--dkim-selector",
        "pm",
        "--dkim-selector",
        "S1",
        "--nameserver",
        "127.0.0.1:5353",
        "--resolve",
        "app.acme.example=127.0.0.2:8443",
        "--ca-bundle",
        "extra-ca.pem",
        "--timeout",
        "5",
    )
    assert code == Exit.OK, cli.err
    assert "stack    hosting=Fly.io, email_provider=Postmark" in cli.out
    session = load_session(cli.sessions / "acme-freight.toml")
    admin, search = session.route("admin"), session.route("search")
    assert admin is not None and search is not None
    assert (admin.kind, admin.expect_status, admin.safe_to_repeat) == (RouteKind.ADMIN, 401, False)
    assert (search.expect_status, search.safe_to_repeat) == (200, True)
    assert session.stack.email_provider.declared == "Postmark"
    assert session.stack.hosting.declared == "Fly.io"
    assert session.targets.dkim_selectors == ("pm", "s1")
    assert session.network.nameservers == ("127.0.0.1:5353",)
    assert session.network.resolve == ("app.acme.example=127.0.0.2:8443",)
    assert session.network.ca_bundle == str(cli.cwd / "extra-ca.pem")
    assert session.network.timeout == 5.0


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--stack", "mail=Postmark"], "stack 'mail=Postmark': expected COMPONENT=NAME"),
        (["--stack", "email=A", "--stack", "email_provider=B"], "email_provider is given twice"),
        (["--dkim-selector", "bad selector"], "DKIM selector 'bad selector' is not a DNS label"),
        (["--route", "a=https://x.example/|expect=42"], "expect='42' is not an HTTP status"),
        (["--route", "a=https://x.example/|fast"], "unknown option 'fast'"),
        (["--nameserver", "ns.example"], "give the nameserver's IP address"),
        (["--resolve", "x.example"], "expected HOST=IP[:PORT]"),
        (["--ca-bundle", "missing.pem"], "--ca-bundle missing.pem: no such file"),
        (["--timeout", "0"], "--timeout must be a positive number of seconds"),
    ],
)
def test_bad_values_are_one_line_usage_errors(cli: Cli, extra: list[str], says: str) -> None:
    assert cli(*NEW, *extra) == Exit.USAGE
    assert says in cli.err
    assert cli.err.count("\n") == 1
    assert not cli.sessions.exists() or not any(cli.sessions.iterdir())


def test_route_options_follow_the_url_after_a_bar() -> None:
    route = parse_route("login:auth:POST=https://app.acme.example/login?next=/a|safe_to_repeat=no")
    assert (route.url, route.safe_to_repeat, route.expect_status) == (
        "https://app.acme.example/login?next=/a",
        False,
        200,
    )
    assert parse_stack(("dns=Cloudflare", "auth=Clerk")).dns_host.declared == "Cloudflare"
    with pytest.raises(UsageError, match="expected COMPONENT=NAME"):
        parse_stack(("hosting=",))

"""Gatus and k6 exports: golden files, parsed back, and hostile route names kept as data.

``UPDATE_GOLDEN=1`` rewrites the golden files from the current output (then review the diff).
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from check_reports import Cli, write

from launch_tui.checks.monitor.plan import monitor_plan
from launch_tui.cli.cmd_export import render
from launch_tui.core.errors import UsageError
from launch_tui.core.model import (
    Host,
    HostRole,
    NetworkSettings,
    Route,
    RouteKind,
    Session,
    Sprint,
    Targets,
)
from launch_tui.core.monitor_plan import key_routes
from launch_tui.report.exports.yaml_text import dump
from launch_tui.store import load_session, open_session

GOLDEN = Path(__file__).parent.parent / "data" / "exports"
HOSTILE = 'evil"\n# comment: [x] {y} &a *b \u2028 </script> \\'


def session(*, resolve: tuple[str, ...] = (), nameservers: tuple[str, ...] = ()) -> Session:
    routes = (
        Route("home", "https://www.acme.example/", RouteKind.READ, safe_to_repeat=True),
        Route(
            "login",
            "https://app.acme.example/api/login",
            RouteKind.AUTH,
            "POST",
            safe_to_repeat=True,
        ),
        Route("health", "https://api.acme.example/healthz", RouteKind.HEALTH),
        Route(
            "stripe-webhook",
            "https://api.acme.example/webhooks/stripe",
            RouteKind.WEBHOOK,
            "POST",
            expect_status=400,
        ),
        Route("create-order", "https://api.acme.example/v1/orders", RouteKind.WRITE, "POST"),
        Route("admin", "https://admin.acme.example/", RouteKind.ADMIN, expect_status=401),
        Route("staging-health", "https://staging.acme.example/healthz", RouteKind.HEALTH),
    )
    return Session(
        sprint=Sprint(
            "acme", "Acme Freight", "Acme portal", "dana", datetime(2025, 6, 1, tzinfo=UTC)
        ),
        targets=Targets(
            apex="acme.example",
            canonical_url="https://www.acme.example/",
            hosts=(
                Host("www.acme.example", HostRole.WWW),
                Host("staging.acme.example", HostRole.STAGING),
            ),
            routes=routes,
        ),
        network=NetworkSettings(resolve=resolve, nameservers=nameservers),
    )


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text(), f"{name} differs from the golden file (UPDATE_GOLDEN=1)"


def test_the_plan_monitors_key_routes_and_leaves_out_writes_admin_and_staging() -> None:
    plan = {m.route: m for m in monitor_plan(session())}
    assert list(plan) == ["home", "login", "health", "stripe-webhook"]
    assert plan["stripe-webhook"].body == "{}" and not plan["stripe-webhook"].loadable
    assert (plan["home"].budget_ms, plan["login"].budget_ms) == (500, 800)
    keys = {k: r.name if r else None for k, r in key_routes(session()).items()}
    assert keys == {
        "homepage": "home",
        "login": "login",
        "health": "health",
        "webhook": "stripe-webhook",
    }


def test_gatus_golden_and_parsed_back() -> None:
    text = render(session(), "gatus", Path("."))["config.yaml"]
    golden("gatus-config.yaml", text)
    endpoints = yaml.safe_load(text)["endpoints"]
    assert [e["name"] for e in endpoints] == ["home", "login", "health", "stripe-webhook"]
    webhook = endpoints[3]
    assert webhook["conditions"] == [
        "[STATUS] == 400",
        "[RESPONSE_TIME] < 800",
        "[CERTIFICATE_EXPIRATION] > 336h",
    ]
    assert (webhook["method"], webhook["body"]) == ("POST", "{}")


def test_k6_golden_and_thresholds_parsed_back() -> None:
    scripts = render(session(), "k6", Path("."))
    assert sorted(scripts) == ["health.js", "home.js", "login.js"], (
        "writes and webhooks are not loaded"
    )
    golden("k6-login.js", scripts["login.js"])
    options = json.loads(
        re.search(r"export const options = (\{.*?\n\});", scripts["login.js"], re.S).group(1)
    )  # type: ignore[union-attr]
    assert options["thresholds"]["http_req_duration"] == ["p(95)<800"]
    assert options["scenarios"]["steady"]["executor"] == "constant-arrival-rate"
    assert "hosts" not in options
    sandboxed = render(session(resolve=("app.acme.example=127.0.0.4:8443",)), "k6", Path("."))
    assert '"app.acme.example:443": "127.0.0.4:8443"' in sandboxed["login.js"]


def test_hostile_route_names_stay_data() -> None:
    base = session(nameservers=("127.0.0.1:5353",))
    routes = (Route(HOSTILE, "https://www.acme.example/x", RouteKind.READ),)
    hostile = Session(base.sprint, targets=Targets(routes=routes), network=base.network)
    gatus = yaml.safe_load(render(hostile, "gatus", Path("."))["config.yaml"])
    assert gatus["endpoints"][0]["name"] == HOSTILE
    assert gatus["endpoints"][0]["client"] == {"dns-resolver": "udp://127.0.0.1:5353"}
    script = next(iter(render(hostile, "k6", Path(".")).values()))
    assert "</script>" not in script.split("\n", 1)[1] or "\\u" in script
    literal = re.search(r'"tags": \{"route": ("(?:[^"\\]|\\.)*")\}', script)
    assert literal is not None and json.loads(literal.group(1)) == HOSTILE
    for name, text in render(hostile, "prometheus", Path(".")).items():
        loaded = yaml.safe_load(text)
        assert loaded, name
        assert HOSTILE in set(strings(loaded)) or name == "blackbox.yml", name


def strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def test_yaml_writer_round_trips_nested_values() -> None:
    value = {
        "a": [1, 2.5, True, None, "x"],
        "b": {"c": [], "d": {}, "e": [{"f": HOSTILE}]},
        "true": "no",
    }
    assert yaml.safe_load(dump(value, "head\nline")) == value


def test_a_session_without_routes_is_a_clear_error() -> None:
    empty = Session(session().sprint)
    with pytest.raises(UsageError, match="no routes to monitor"):
        render(empty, "gatus", Path("."))


def test_the_export_command_writes_files_and_records_the_monitors(tmp_path: Path) -> None:
    path = write(tmp_path / "acme.toml", session())
    cli = Cli(tmp_path)
    assert cli("export", str(path), "--to", "gatus", "-o", str(tmp_path / "out")) == 0, cli.err
    assert (tmp_path / "out" / "gatus" / "config.yaml").is_file()
    assert "recorded in acme.toml: 4 route(s) monitored by gatus" in cli.out
    monitors = load_session(path).targets.monitors
    assert sorted(m.route for m in monitors) == ["health", "home", "login", "stripe-webhook"]
    assert {m.tool for m in monitors} == {"gatus"}
    assert cli("export", str(path), "--to", "gatus", "-o", str(tmp_path / "out")) == 0
    assert len(load_session(path).targets.monitors) == 4, "exporting again replaces, not adds"
    assert cli("export", str(path), "--to", "k6", "-o", str(tmp_path / "out")) == 0
    assert len(load_session(path).targets.monitors) == 4, "load scripts are not monitors"
    with open_session(path):
        assert cli("export", str(path), "--to", "prometheus", "-o", str(tmp_path / "out")) == 0
        assert "not recorded in acme.toml: it is open in another launch-tui" in cli.out
    assert cli("export", str(path), "--to", "gatus", "--down-minutes", "0") == 2
    assert "--down-minutes must be at least 1" in cli.err

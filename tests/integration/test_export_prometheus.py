"""``launch-tui export --to prometheus`` checked by the real tools, and run by the real exporter.

``promtool`` (Debian's ``prometheus``) checks the scrape config and the alert rules and runs a
rule unit test; ``prometheus-blackbox-exporter`` checks its modules, then runs on a free
loopback port and probes the demo sandbox's hosts through them: what its ``/probe`` metrics say
must be what the sandbox serves. Without the binaries (``.ci/run`` installs them) the module
skips.
"""

from __future__ import annotations

import math
import selectors
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from launch_tui.checks.monitor.plan import monitor_plan
from launch_tui.cli.cmd_export import render
from launch_tui.cli.cmd_sandbox import sandbox_session
from launch_tui.core.monitor_plan import Monitor
from launch_tui.sandbox import RunningWorld, SandboxThread
from launch_tui.sandbox.deploys import BadRollout

PROMTOOL = shutil.which("promtool")
BLACKBOX = shutil.which("prometheus-blackbox-exporter") or shutil.which("blackbox_exporter")
pytestmark = pytest.mark.skipif(
    PROMTOOL is None or BLACKBOX is None,
    reason="promtool / prometheus-blackbox-exporter are not installed (.ci/run adds them)",
)

RULE_TEST = """\
rule_files:
  - alerts.yml
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'probe_success{job="launch-tui-health", route="health", url="https://api.brightlane.test/health"}'
        values: '1 1 0 0 0 0 0 0 0 0 0 0'
      - series: 'probe_ssl_earliest_cert_expiry{job="launch-tui-login", route="login", url="https://app.brightlane.test/api/auth/login"}'
        values: '432000x40'
      - series: 'probe_duration_seconds{job="launch-tui-dashboard", route="dashboard", url="https://app.brightlane.test/dashboard"}'
        values: '1.4x40'
      - series: 'probe_duration_seconds{job="launch-tui-home", route="home", url="https://www.brightlane.test/"}'
        values: '0.09x40'
    alert_rule_test:
      - eval_time: 5m
        alertname: RouteDown
        exp_alerts: []
      - eval_time: 8m
        alertname: RouteDown
        exp_alerts:
          - exp_labels:
              severity: critical
              job: launch-tui-health
              route: health
              url: https://api.brightlane.test/health
            exp_annotations:
              summary: health is down
              description: https://api.brightlane.test/health has failed every probe for 5 minutes.
      - eval_time: 20m
        alertname: CertificateExpiringSoon
        exp_alerts:
          - exp_labels:
              severity: warning
              job: launch-tui-login
              route: login
              url: https://app.brightlane.test/api/auth/login
            exp_annotations:
              summary: The certificate of login expires within 14 days
              description: >-
                https://app.brightlane.test/api/auth/login: renew the certificate or fix
                its automation.
      - eval_time: 20m
        alertname: RouteSlow
        exp_alerts:
          - exp_labels:
              severity: warning
              job: launch-tui-dashboard
              route: dashboard
              url: https://app.brightlane.test/dashboard
            exp_annotations:
              summary: dashboard p95 is over its 500 ms budget
              description: "p95 of probes over 30 minutes: 1.4s."
"""


@pytest.fixture(scope="module")
def demo() -> Iterator[RunningWorld]:
    with SandboxThread("demo") as running:
        yield running
        assert running.errors() == ()


@pytest.fixture(scope="module")
def exported(demo: RunningWorld, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("export") / "prometheus"
    folder.mkdir()
    for name, text in render(sandbox_session(demo), "prometheus", folder).items():
        (folder / name).write_text(text)
    return folder


def tool(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=60, check=False)


def test_the_real_tools_accept_the_files(demo: RunningWorld, exported: Path) -> None:
    assert PROMTOOL is not None and BLACKBOX is not None
    checked = tool(
        BLACKBOX, "--config.check", f"--config.file={exported / 'blackbox.yml'}", cwd=exported
    )
    assert checked.returncode == 0, checked.stderr
    assert "Config file is ok" in checked.stderr
    config = tool(PROMTOOL, "check", "config", "prometheus.yml", cwd=exported)
    assert config.returncode == 0, config.stdout + config.stderr
    rules = tool(PROMTOOL, "check", "rules", "alerts.yml", cwd=exported)
    assert rules.returncode == 0, rules.stdout + rules.stderr
    routes = len(monitor_plan(sandbox_session(demo)))
    assert routes == 8
    assert f"SUCCESS: {3 + routes} rules found" in rules.stdout, "3 shared + a RouteSlow per route"


def test_the_alert_rules_fire_as_documented(exported: Path) -> None:
    assert PROMTOOL is not None
    (exported / "alerts_test.yml").write_text(RULE_TEST)
    result = tool(PROMTOOL, "test", "rules", "alerts_test.yml", cwd=exported)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_a_broken_rule_file_is_caught_by_promtool(exported: Path) -> None:
    """The checks above can fail: a rule file with a typo in an expression is refused."""
    assert PROMTOOL is not None
    broken = (exported / "alerts.yml").read_text().replace("probe_success{", "probe_success{{", 1)
    (exported / "broken.yml").write_text(broken)
    assert tool(PROMTOOL, "check", "rules", "broken.yml", cwd=exported).returncode != 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def exporter(exported: Path) -> Iterator[str]:
    """The real blackbox exporter on a free loopback port, with the exported modules."""
    assert BLACKBOX is not None
    port = free_port()
    process = subprocess.Popen(
        [
            BLACKBOX,
            f"--config.file={exported / 'blackbox.yml'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        selector = selectors.DefaultSelector()
        selector.register(process.stderr, selectors.EVENT_READ)
        deadline = time.monotonic() + 20
        seen = ""
        while "Listening on" not in seen:
            left = deadline - time.monotonic()
            assert left > 0 and process.poll() is None, f"exporter did not start: {seen}"
            if selector.select(left):
                seen += process.stderr.readline()
        selector.close()
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)
        if process.stderr is not None:
            process.stderr.close()


def probe(exporter: str, monitor: Monitor) -> dict[str, float]:
    answer = httpx.get(
        f"{exporter}/probe",
        params={"module": f"lt_{monitor.slug}", "target": monitor.probe_url},
        timeout=30,
        trust_env=False,
    )
    assert answer.status_code == 200, answer.text
    metrics: dict[str, float] = {}
    for line in answer.text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            metrics[name] = float(value)
    return metrics


def test_the_real_exporter_probes_sandbox_hosts(demo: RunningWorld, exporter: str) -> None:
    monitors = {m.route: m for m in monitor_plan(sandbox_session(demo))}
    home = probe(exporter, monitors["home"])
    assert home["probe_success"] == 1 and home["probe_http_status_code"] == 200
    assert home["probe_http_ssl"] == 1
    days = (home["probe_ssl_earliest_cert_expiry"] - datetime.now(UTC).timestamp()) / 86400
    assert 80 < days < 95, "the sandbox's valid certificates last 89 days"

    login_page = probe(exporter, monitors["login-page"])
    days = (login_page["probe_ssl_earliest_cert_expiry"] - datetime.now(UTC).timestamp()) / 86400
    assert 4 < days < 6, "app.brightlane.test's certificate expires in five days: the alert's case"

    webhook = probe(exporter, monitors["stripe-webhook"])
    assert webhook["probe_success"] == 1 and webhook["probe_http_status_code"] == 200

    health = monitors["health"]
    assert probe(exporter, health)["probe_success"] == 1
    demo.deploys.deploy("api.brightlane.test", "1.9.0", BadRollout(unhealthy_s=math.inf))
    try:
        down = probe(exporter, health)
        assert down["probe_success"] == 0 and down["probe_http_status_code"] == 503
    finally:
        demo.deploys.rollback("api.brightlane.test")

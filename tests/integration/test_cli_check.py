"""``launch-tui check`` and ``launch-tui sandbox`` end to end, against running sandbox worlds.

In-process runs go through ``main(argv, env=CliEnv(...))`` with StringIO streams; the sandbox
command and the Ctrl-C behaviour run as real subprocesses, signals and all.
"""

from __future__ import annotations

import argparse
import io
import os
import queue
import re
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from check_reports import CONTROL, D3, D4, DEMO_FINDINGS, MINE, Cli, write

from launch_tui.checks.engine.registry import Registry
from launch_tui.cli.cmd_check import build_selection
from launch_tui.cli.cmd_sandbox import sandbox_session
from launch_tui.cli.exit_codes import Exit
from launch_tui.core.errors import UsageError
from launch_tui.core.model import Host, NetworkSettings, Status
from launch_tui.core.playbook import CheckMode, builtin_playbook
from launch_tui.sandbox import RunningWorld, SandboxThread
from launch_tui.store import load_session, open_session

pytest_plugins = ["sandbox_fixtures"]


class TtyStringIO(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(scope="module")
def demo() -> Iterator[RunningWorld]:
    """One demo world for the module: checks only read it, each test has its own session."""
    with SandboxThread("demo") as running:
        yield running
        assert running.errors() == ()


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


@pytest.fixture
def demo_file(demo: RunningWorld, tmp_path: Path) -> Path:
    return write(tmp_path / "demo.toml", sandbox_session(demo))


def failures(document: dict) -> dict[tuple[str, str], tuple[str, str]]:  # type: ignore[type-arg]
    return {
        (r["check_id"], r["target"]): (r["status"], r["severity"])
        for r in document["results"]
        if r["status"] in ("fail", "error")
    }


# --- the sandbox command, as a user runs it ---------------------------------------------------


def _lines(stream: io.TextIOBase, into: queue.Queue[str]) -> None:
    for line in stream:
        into.put(line)
    into.put("")


def test_sandbox_prints_a_session_that_check_runs_against(tmp_path: Path, cli: Cli) -> None:
    path = tmp_path / "sandbox.toml"
    env = dict(os.environ, LAUNCH_TUI_SESSIONS=str(tmp_path / "sessions"))
    errors = tmp_path / "stderr.txt"
    lines: queue.Queue[str] = queue.Queue()
    printed: list[str] = []
    with (
        errors.open("w") as stderr,
        subprocess.Popen(
            [sys.executable, "-m", "launch_tui", "sandbox", "demo", "-o", str(path)],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=env,
        ) as process,
    ):
        assert process.stdout is not None
        reader = threading.Thread(target=_lines, args=(process.stdout, lines), daemon=True)
        reader.start()
        try:
            while not printed or not printed[-1].startswith("Serving until Ctrl-C"):
                line = lines.get(timeout=30)
                assert line, f"sandbox exited early: {printed} {errors.read_text()}"
                printed.append(line.rstrip("\n"))
            text = "\n".join(printed)
            assert re.search(r"nameserver  127\.0\.0\.1:\d+ \(UDP and TCP\)", text)
            bundle = re.search(r"CA bundle   (\S+)", text)
            assert bundle is not None and Path(bundle[1]).is_file()
            assert re.search(r"www\.brightlane\.test\s+127\.0\.0\.3:\d+\s+TLS valid", text)
            assert f"Session file: {path}" in text
            assert f"launch-tui check {path}" in text

            assert cli("check", str(path), *MINE, "--format", "json") == Exit.FINDINGS, cli.err
            document = cli.json()
            assert failures(document) == DEMO_FINDINGS
            saved = load_session(path)
            assert len(saved.results) == len(document["results"]) == 16
        finally:
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=30)
            reader.join(timeout=10)
    rest = []
    while not lines.empty():
        rest.append(lines.get())
    assert code == 0, errors.read_text()
    assert "Sandbox stopped" in "".join(rest)
    assert not Path(bundle[1]).exists()  # the CA and its folder are gone


def test_sandbox_rejects_an_unknown_world(cli: Cli) -> None:
    assert cli("sandbox", "atlantis") == Exit.USAGE
    assert "no sandbox world 'atlantis'; choose one of demo, clean" in cli.err


# --- check: output and exit codes ------------------------------------------------------------


def test_text_output_is_grouped_by_stage_and_results_are_saved(cli: Cli, demo_file: Path) -> None:
    assert cli("check", str(demo_file), *MINE) == Exit.FINDINGS
    out = cli.out
    assert out.startswith(f"launch-tui check: Brightlane Ltd — brightlane.test ({demo_file})")
    audit, delivery = out.index("Stage 1 · Quick audit"), out.index("Stage 3 · Harden delivery")
    assert audit < out.index("dns.records") < delivery < out.index("tls.certificate")
    assert re.search(
        r"\n  FAIL   high     dns\.records      promo\.brightlane\.test\s+Dangling CNAME", out
    )
    assert re.search(r"\n  FAIL   high     tls\.certificate  app\.brightlane\.test\s+", out)
    # Failures come first within a stage.
    stage3 = out[delivery:]
    assert stage3.index("FAIL") < stage3.index("SKIP") < stage3.index("PASS")
    assert re.search(
        r"\n\n16 results: 4 fail, 2 skipped, 10 pass in \d+\.\d\d s\. "
        r"2 blocking at high or worse\. Exit 1\.\n$",
        out,
    )
    assert cli.err == ""  # not a terminal: no progress line
    saved = load_session(demo_file)
    assert {(r.check_id, r.target) for r in saved.results if r.status is Status.FAIL} == set(
        DEMO_FINDINGS
    )


def test_json_shape_is_stable(cli: Cli, demo_file: Path) -> None:
    assert cli("check", str(demo_file), *MINE, "--format", "json") == Exit.FINDINGS
    document = cli.json()
    assert list(document) == ["format", "session", "results", "summary", "exit_code", "risks"]
    assert document["format"] == "launch-tui/check-v1"
    assert document["session"] == {
        "id": "demo",
        "client": "Brightlane Ltd",
        "product": "Brightlane marketplace",
        "apex": "brightlane.test",
        "file": str(demo_file),
    }
    first = document["results"][0]
    assert list(first) == [
        "check_id",
        "stage",
        "target",
        "status",
        "severity",
        "summary",
        "evidence",
        "duration_ms",
        "measured_at",
        "previous_status",
        "blocking",
        "accepted_by",
        "url",
        "host",
    ]
    assert (first["check_id"], first["stage"], first["target"]) == (
        "dns.records",
        "audit",
        "brightlane.test",
    )
    assert isinstance(first["evidence"], dict) and isinstance(first["duration_ms"], int)
    assert document["summary"] == {
        "total": 16,
        "counts": {"pass": 10, "warn": 0, "fail": 4, "error": 0, "skipped": 2, "manual": 0},
        "fail_on": "high",
        "blocking": 2,
        "accepted": 0,
        "cancelled": False,
        "timed_out": False,
        "wall_ms": document["summary"]["wall_ms"],
    }
    assert document["exit_code"] == 1
    blocking = {(r["check_id"], r["target"]) for r in document["results"] if r["blocking"]}
    assert blocking == {
        ("dns.records", "promo.brightlane.test"),
        ("tls.certificate", "app.brightlane.test"),
    }


def test_second_run_reports_what_changed(cli: Cli, demo_file: Path) -> None:
    assert cli("check", str(demo_file), "--only", "dns.records", "--format", "json") == 1
    assert {r["previous_status"] for r in cli.json()["results"]} == {None}
    assert cli("check", str(demo_file), "--only", "dns.records", "--format", "json") == 1
    previous = {r["target"]: r["previous_status"] for r in cli.json()["results"]}
    assert previous["promo.brightlane.test"] == "fail"
    assert previous["www.brightlane.test"] == "pass"
    assert "(was " not in cli.out


@pytest.mark.parametrize(
    ("fail_on", "code", "blocking"),
    [("critical", Exit.OK, 0), ("high", Exit.FINDINGS, 2), ("medium", Exit.FINDINGS, 4)],
)
def test_fail_on_threshold(
    cli: Cli, demo_file: Path, fail_on: str, code: Exit, blocking: int
) -> None:
    assert cli("check", str(demo_file), *MINE, "--fail-on", fail_on, "--format", "json") == code
    assert cli.json()["summary"]["blocking"] == blocking
    assert cli.json()["exit_code"] == code


def test_accepted_risks_with_an_owner_do_not_fail_the_run(
    cli: Cli, demo: RunningWorld, tmp_path: Path
) -> None:
    decisions = (D3, D4)
    session = replace(sandbox_session(demo), decisions=decisions)
    path = write(tmp_path / "accepted.toml", session)
    assert cli("check", str(path), *MINE) == Exit.OK, cli.out
    assert re.search(
        r"tls\.certificate  app\.brightlane\.test .*\n\s+accepted risk D3 \(Priya Raman\)", cli.out
    )
    assert "accepted risk D4 (Maya Okafor)" in cli.out
    assert "Nothing blocking at high or worse (2 covered by accepted risks). Exit 0." in cli.out
    assert cli("check", str(path), *MINE, "--format", "json") == Exit.OK
    app = next(
        r
        for r in cli.json()["results"]
        if r["target"] == "app.brightlane.test" and (r["check_id"] == "tls.certificate")
    )
    assert app["accepted_by"] == [{"decision": "D3", "owner": "priya", "owner_name": "Priya Raman"}]
    assert app["blocking"] is False

    # An accept-risk nobody owns does not count.
    unowned = replace(session, decisions=tuple(replace(d, owner="") for d in decisions))
    path = write(tmp_path / "unowned.toml", unowned)
    assert cli("check", str(path), *MINE) == Exit.FINDINGS


@pytest.mark.parametrize(
    ("args", "checks"),
    [
        (["--stage", "3", *MINE], {"tls.certificate"}),
        (["--stage", "delivery", *MINE], {"tls.certificate"}),
        (["--stage", "Harden delivery", *MINE], {"tls.certificate"}),
        (["--stage", "1", *MINE], {"dns.records"}),
        (["--only", "dns.records"], {"dns.records"}),
        (["--only", "dns.records, tls.certificate"], {"dns.records", "tls.certificate"}),
        (
            ["--only", "dns.records", "--only", "tls.certificate"],
            {"dns.records", "tls.certificate"},
        ),
    ],
)
def test_stage_and_only_select_checks(
    cli: Cli, demo_file: Path, args: list[str], checks: set[str]
) -> None:
    code = cli("check", str(demo_file), *args, "--format", "json")
    assert {r["check_id"] for r in cli.json()["results"]} == checks
    assert code == (Exit.FINDINGS if checks else Exit.OK)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ["--only", "tls.certificate", "--stage", "audit"],
            "--only selects no check of stage 1 (audit): tls.certificate is in stage delivery; "
            "drop --stage or --only",
        ),
    ],
)
def test_a_selection_that_runs_nothing_says_why_and_fails(
    cli: Cli, demo_file: Path, args: list[str], says: str
) -> None:
    # A CI job that ran no check must not look green.
    before = demo_file.read_bytes()
    assert cli("check", str(demo_file), *args, "--format", "json") == Exit.USAGE
    assert says in cli.err
    assert cli.out == ""
    assert demo_file.read_bytes() == before


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--only", "dns.recrods"], "unknown check id 'dns.recrods'; valid ids: dns.records, "),
        (["--only", "deploy.runbook"], "(deploy.runbook is a manual check: confirm"),
        (["--only", ","], "give one or more check ids"),
        (["--stage", "9"], "unknown stage '9': give a number from 1 to 7"),
        (["--resolve", "nonsense"], "--resolve 'nonsense': expected HOST=IP[:PORT]"),
        (["--nameserver", "ns.example"], "give the nameserver's IP address"),
        (["--timeout", "0"], "--timeout must be a positive number of seconds"),
        (["--ca-bundle", "missing.pem"], "CA bundle not found: --ca-bundle missing.pem"),
    ],
)
def test_bad_options_are_usage_errors(
    cli: Cli, demo_file: Path, args: list[str], says: str
) -> None:
    before = demo_file.read_bytes()
    assert cli("check", str(demo_file), *args) == Exit.USAGE
    assert says in cli.err, cli.err
    assert cli.err.count("\n") == 1 and cli.out == ""
    assert demo_file.read_bytes() == before


def test_a_session_open_elsewhere_is_refused(cli: Cli, demo_file: Path) -> None:
    before = demo_file.read_bytes()
    with open_session(demo_file):
        assert cli("check", str(demo_file)) == Exit.FILE
    assert cli.err.startswith("launch-tui: Session is open elsewhere: ")
    assert "close it there first" in cli.err
    assert demo_file.read_bytes() == before


def test_file_errors_exit_3(cli: Cli, demo: RunningWorld, tmp_path: Path) -> None:
    assert cli("check", str(tmp_path / "missing.toml")) == Exit.FILE
    assert "missing.toml" in cli.err
    stale = replace(
        sandbox_session(demo), network=replace(sandbox_session(demo).network, ca_bundle="/gone.pem")
    )
    path = write(tmp_path / "stale.toml", stale)
    assert cli("check", str(path)) == Exit.FILE
    assert "ca_bundle /gone.pem does not exist" in cli.err


def test_command_line_network_options_win_over_the_session(
    cli: Cli, demo: RunningWorld, tmp_path: Path
) -> None:
    fresh = sandbox_session(demo)
    # The file points nowhere useful: a dead nameserver, no overrides, no CA.
    wrong = replace(fresh, network=NetworkSettings(nameservers=("127.0.0.1:9",), timeout=30))
    path = write(tmp_path / "wrong.toml", wrong)
    bundle = str(demo.ca_bundle)
    options = ["--nameserver", demo.nameserver_address, "--ca-bundle", bundle, "--timeout", "3"]
    for entry in fresh.network.resolve:
        options += ["--resolve", entry]
    assert cli("check", str(path), *MINE, *options, "--format", "json") == Exit.FINDINGS, cli.err
    assert failures(cli.json()) == DEMO_FINDINGS
    assert load_session(path).network == wrong.network  # overrides are not written back


def test_progress_line_only_on_a_terminal(demo_file: Path, tmp_path: Path) -> None:
    tty = Cli(tmp_path, stderr=TtyStringIO())
    assert tty("check", str(demo_file), "--only", "dns.records") == Exit.FINDINGS
    assert "\r\x1b[K" in tty.err and " done · " in tty.err
    assert tty.err.endswith("\r\x1b[K")  # cleared at the end
    assert "\x1b" not in tty.out


def test_hostile_world_output_has_no_control_characters(cli: Cli, tmp_path: Path) -> None:
    with SandboxThread("hostile") as running:
        session = sandbox_session(running, timeout=1.0)
        hosts = (*session.targets.hosts, Host(name="broken.hostile.test"))
        path = write(
            tmp_path / "hostile.toml",
            replace(session, targets=replace(session.targets, hosts=hosts)),
        )
        for fmt in ("text", "json"):
            assert cli("check", str(path), *MINE, "--format", fmt) == Exit.FINDINGS
            assert not CONTROL.findall(cli.out), CONTROL.findall(cli.out)[:5]
            assert not CONTROL.findall(cli.err)
        assert cli("check", str(path), *MINE) == Exit.FINDINGS
        assert "Hostile ␛]0;pwned␇ Ltd [@click=app.quit]" in cli.out


# --- Ctrl-C --------------------------------------------------------------------------------------


def test_interrupt_saves_what_finished_and_exits_130(tmp_path: Path) -> None:
    with SandboxThread("hostile") as running:
        session = sandbox_session(running, timeout=20.0)
        hosts = (*session.targets.hosts, Host(name="blackhole.hostile.test"))
        path = write(
            tmp_path / "slow.toml", replace(session, targets=replace(session.targets, hosts=hosts))
        )
        # stderr on a terminal, so the run shows its progress line: the test can see when every
        # other host is done and only the name that never answers is left.
        progress, terminal = os.openpty()
        with subprocess.Popen(
            [sys.executable, "-m", "launch_tui", "check", str(path), "--only", "dns.records"],
            stdout=subprocess.PIPE,
            stderr=terminal,
            text=True,
            env=dict(os.environ, LAUNCH_TUI_SESSIONS=str(tmp_path)),
        ) as process:
            os.close(terminal)
            try:
                _wait_for_progress(progress, f"{len(hosts) - 1} done · 1 running · dns.records b")
                process.send_signal(signal.SIGINT)
                out, _ = process.communicate(timeout=10)
            finally:
                if process.poll() is None:
                    process.kill()
                    process.communicate()
                os.close(progress)
    assert process.returncode == Exit.INTERRUPTED, out
    assert "Interrupted: results so far were saved. Exit 130." in out
    saved = {r.target for r in load_session(path).results}
    assert {h.name for h in session.targets.hosts} <= saved
    assert "blackhole.hostile.test" not in saved


def _wait_for_progress(fd: int, line: str, timeout: float = 30.0) -> None:
    """Read the progress line from the terminal ``fd`` until it shows ``line``."""
    seen = b""
    deadline = time.monotonic() + timeout
    while line.encode() not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"no {line!r} in the progress line: {seen[-300:]!r}"
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                seen = seen[-4096:] + os.read(fd, 4096)
            except OSError:  # the run closed its terminal: it ended before showing the line
                raise AssertionError(f"run ended before {line!r}: {seen[-300:]!r}") from None


def test_only_explains_playbook_checks_it_cannot_run() -> None:
    from launch_tui.checks import Registry
    from launch_tui.cli.cmd_check import parse_only
    from launch_tui.core.errors import UsageError
    from launch_tui.core.playbook import builtin_playbook

    with pytest.raises(UsageError) as caught:
        parse_only(["dns.records"], builtin_playbook(), Registry())
    assert "(dns.records is in the playbook but not implemented yet)" in caught.value.message


def test_a_stage_whose_checks_are_manual_or_not_automated_yet_says_so() -> None:
    # The built-in playbook automates something in every stage; a registry without the
    # stage's checks stands for a playbook that does not.
    playbook = builtin_playbook()
    args = argparse.Namespace(stage="1", only=None)
    with pytest.raises(UsageError) as error:
        build_selection(args, playbook, Registry())
    auto = [c.id for c in playbook.stage_by_number(1).checks if c.mode is CheckMode.AUTO]
    assert error.value.message == (
        "stage 1 (audit) has no automated check to run: its checks are 2 manual (confirm them "
        "in the app: audit.secrets_location, audit.staging_diff) and "
        f"{len(auto)} not automated yet ({', '.join(auto)})"
    )

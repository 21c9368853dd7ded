"""``launch-tui email-check`` on the sandbox's own signed mail: the demo's password reset
verifies (DKIM with the key published at pb1, SPF for the provider's outbound IP, DMARC
aligned), a tampered copy fails, and the session keeps the outcome."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from check_reports import Cli, write

from launch_tui.cli.cmd_sandbox import sandbox_session
from launch_tui.cli.exit_codes import Exit
from launch_tui.core.model import Status
from launch_tui.sandbox import RunningWorld, SandboxThread
from launch_tui.sandbox.mail import OUTBOUND_IP, password_reset
from launch_tui.store import load_session

pytest_plugins = ["sandbox_fixtures"]


@pytest.fixture(scope="module")
def demo() -> Iterator[RunningWorld]:
    with SandboxThread("demo") as running:
        yield running
        assert running.errors() == ()


@pytest.fixture
def session_file(demo: RunningWorld, tmp_path: Path) -> Path:
    return write(tmp_path / "demo.toml", sandbox_session(demo))


def test_the_sandbox_writes_its_signed_mail(demo: RunningWorld) -> None:
    names = [p.name for p in demo.mail_paths]
    assert names == ["password-reset-tampered.eml", "password-reset.eml"]


def test_a_signed_message_authenticates_and_is_recorded(
    demo: RunningWorld, session_file: Path, tmp_path: Path
) -> None:
    cli = Cli(tmp_path)
    signed = next(p for p in demo.mail_paths if p.name == "password-reset.eml")
    code = cli("email-check", str(session_file), str(signed))
    assert code == Exit.OK, cli.out + cli.err
    assert "DKIM      pass      d=brightlane.test s=pb1" in cli.out
    assert f"[{OUTBOUND_IP}]" in cli.out
    assert "SPF       pass" in cli.out
    assert "DMARC     pass      p=none; aligned: DKIM, SPF" in cli.out
    result = load_session(session_file).result("email.transactional_test")
    assert result is not None and result.status is Status.PASS
    assert result.evidence["message_file"] == "password-reset.eml"
    assert result.evidence["connecting_ip"] == OUTBOUND_IP


def test_a_tampered_message_fails(demo: RunningWorld, session_file: Path, tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    changed = next(p for p in demo.mail_paths if p.name == "password-reset-tampered.eml")
    code = cli("email-check", str(session_file), str(changed))
    assert code == Exit.FINDINGS, cli.out + cli.err
    assert "DKIM      fail" in cli.out
    assert "Verdict: FAIL" in cli.out
    result = load_session(session_file).result("email.transactional_test")
    assert result is not None and result.status is Status.FAIL


def test_an_unsigned_message_from_an_unlisted_server_fails_dmarc(
    session_file: Path, tmp_path: Path
) -> None:
    signed = password_reset("brightlane.test", "pb1")
    head, _, body = signed.partition(b"From: ")
    lines = [
        line
        for line in head.split(b"\r\n")
        if line and not line.startswith((b"DKIM-Signature", b" ", b"\t"))
    ]
    forged = b"\r\n".join(lines).replace(OUTBOUND_IP.encode(), b"192.0.2.66")
    message = tmp_path / "forged.eml"
    message.write_bytes(forged + b"\r\nFrom: " + body)
    cli = Cli(tmp_path)
    assert cli("email-check", str(session_file), str(message)) == Exit.FINDINGS
    assert "DKIM      none" in cli.out
    assert "SPF       softfail" in cli.out  # the demo's record ends in ~all
    assert "DMARC     fail" in cli.out


def test_a_file_that_is_not_a_message_is_a_usage_error(session_file: Path, tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_bytes(b"\x00\x01 hello\n")
    cli = Cli(tmp_path)
    assert cli("email-check", str(session_file), str(junk)) == Exit.USAGE
    assert "no From header" in cli.err
    assert cli("email-check", str(session_file), str(tmp_path / "missing.eml")) == Exit.USAGE
    assert "cannot read" in cli.err

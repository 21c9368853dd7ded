"""One exit-code table, in the README, and every command holds to it.

The README's table is read and compared with :class:`Exit`; then every command is called the
ways a user gets wrong most often: an option it does not have (2, usage), a session id that
names no session and a session file that does not parse (3, session file), each with one line
on stderr that starts the same way.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from launch_tui.cli.context import CliEnv
from launch_tui.cli.exit_codes import Exit
from launch_tui.cli.main import COMMANDS, main
from launch_tui.cli.parser import build_parser

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_table() -> dict[int, str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("**Exit codes**\n", 1)[1].strip().split("\n\n", 1)[0]
    rows = re.findall(r"^\| (\d+) \| (.+) \|$", section, re.MULTILINE)
    return {int(code): meaning for code, meaning in rows}


def test_the_readme_table_is_the_exit_enum() -> None:
    assert set(readme_table()) == {int(e) for e in Exit}


def _subparsers() -> dict[str, object]:
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return dict(action.choices)  # type: ignore[arg-type]


def _session_commands() -> list[str]:
    return sorted(
        name
        for name, sub in _subparsers().items()
        if any(a.dest == "file" for a in sub._actions)  # type: ignore[attr-defined]
    )


#: What a session command needs besides its session to get as far as reading it.
EXTRA = {"export": ["--to", "gatus"], "email-check": ["message.eml"]}


def run(tmp_path: Path, *argv: str) -> tuple[int, str]:
    err = io.StringIO()
    env = CliEnv(
        environ={"LAUNCH_TUI_SESSIONS": str(tmp_path / "sessions"), "HOME": str(tmp_path)},
        cwd=tmp_path,
        stdout=io.StringIO(),
        stderr=err,
    )
    return main(list(argv), env=env), err.getvalue()


def test_every_command_is_in_the_table() -> None:
    assert set(_subparsers()) == set(COMMANDS) - {"home"}


@pytest.mark.parametrize("command", sorted(set(COMMANDS) - {"home"}))
def test_an_unknown_option_is_a_usage_error_naming_the_closest(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = run(tmp_path, command, "--hlep")
    assert code == Exit.USAGE
    err = capsys.readouterr().err
    assert err.startswith(f"launch-tui: Usage error: {command}: unknown option --hlep")
    assert "did you mean --help?" in err
    assert err.count("\n") == 1


@pytest.mark.parametrize("command", _session_commands())
def test_a_session_that_is_missing_or_broken_exits_3(command: str, tmp_path: Path) -> None:
    (tmp_path / "message.eml").write_bytes(b"From: a@b.example\r\n\r\nhi\r\n")
    code, err = run(tmp_path, command, "no-such-session", *EXTRA.get(command, []))
    assert code == Exit.FILE, err
    assert err.startswith("launch-tui: Session not found: "), err
    broken = tmp_path / "broken.toml"
    broken.write_text('schema_version = 1\nclient = "unclosed\n', encoding="utf-8")
    code, err = run(tmp_path, command, str(broken), *EXTRA.get(command, []))
    assert code == Exit.FILE, err
    assert err.startswith("launch-tui: Session file is not valid TOML: "), err
    assert f"{broken}:2:" in err
    missing = tmp_path / "missing.toml"
    code, err = run(tmp_path, command, str(missing), *EXTRA.get(command, []))
    assert code == Exit.FILE, err


def test_the_new_command_names_a_mistyped_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = run(tmp_path, "new", "--clinet", "Acme", "--apex", "a.example", "--engineer", "D")
    assert code == Exit.USAGE
    assert "unknown option --clinet (did you mean --client?)" in capsys.readouterr().err

"""The TUI commands' plumbing that runs without a terminal: options, demo file, theme."""

from __future__ import annotations

import argparse
import io
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import FIXED_NOW

from launch_tui.cli import cmd_open
from launch_tui.cli.cmd_demo import demo_session, write_demo_session
from launch_tui.cli.context import CliEnv
from launch_tui.cli.exit_codes import Exit
from launch_tui.cli.main import main
from launch_tui.core.errors import SessionError, UsageError
from launch_tui.core.factory import NewSessionRequest, build_session
from launch_tui.core.model import Action, Decision, NetworkSettings, StageStatus
from launch_tui.store import load_session
from launch_tui.tui.launch import pick_theme


def args(**values: object) -> argparse.Namespace:
    return argparse.Namespace(**values)


def test_network_options_become_overrides(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    overrides = cmd_open.network_overrides(
        args(
            nameserver=["127.0.0.1:5353"],
            resolve=["www.acme.example=127.0.0.2:8443"],
            ca_bundle=bundle,
            timeout=3.0,
        )
    )
    assert overrides == {
        "nameservers": ("127.0.0.1:5353",),
        "resolve": ("www.acme.example=127.0.0.2:8443",),
        "ca_bundle": str(bundle),
        "timeout": 3.0,
    }
    assert cmd_open.network_overrides(args()) == {}


def test_bad_network_options_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="ca-bundle"):
        cmd_open.network_overrides(args(ca_bundle=tmp_path / "missing.pem"))
    with pytest.raises(UsageError, match="timeout"):
        cmd_open.network_overrides(args(timeout=0.0))


def test_open_refuses_a_missing_file(tmp_path: Path) -> None:
    env = CliEnv(environ={}, cwd=tmp_path)
    with pytest.raises(SessionError, match="no such session file"):
        cmd_open.run(args(file=str(tmp_path / "nope.toml")), env)


def test_demo_session_is_written_then_repointed_keeping_the_work(tmp_path: Path) -> None:
    first = build_session(
        NewSessionRequest(client="Brightlane Ltd", apex="brightlane.test", engineer="Sam"),
        FIXED_NOW,
    )
    first = replace(first, network=NetworkSettings(nameservers=("127.0.0.1:1111",)))
    path = tmp_path / "demo-2026-05-05.toml"
    write_demo_session(first, path)
    created = load_session(path)
    assert created.ui.stage == "audit"
    assert all(created.stage(s).status is StageStatus.TODO for s in created.stages)
    decided = replace(
        created,
        decisions=(Decision("d1", "audit", Action.DEFER, "later", owner="sam"),),
    )
    from launch_tui.store import open_session

    with open_session(path) as handle:
        handle.save(decided)
    second = replace(first, network=NetworkSettings(nameservers=("127.0.0.1:2222",)))
    write_demo_session(second, path)
    reopened = load_session(path)
    assert reopened.network.nameservers == ("127.0.0.1:2222",)
    assert [d.id for d in reopened.decisions] == ["d1"]
    assert demo_session(first).ui.stage == "audit"


@pytest.mark.parametrize(
    ("environ", "theme"),
    [
        ({}, "ansi-dark"),
        ({"COLORFGBG": "0;15"}, "ansi-light"),
        ({"COLORFGBG": "15;0"}, "ansi-dark"),
        ({"LAUNCH_TUI_THEME": "textual-light", "COLORFGBG": "15;0"}, "textual-light"),
    ],
)
def test_theme_follows_the_terminal(environ: dict[str, str], theme: str) -> None:
    assert pick_theme(environ) == theme


def test_app_runs_as_many_checks_at_once_as_the_cli() -> None:
    from launch_tui.checks.engine.session_run import DEFAULT_PARALLELISM
    from launch_tui.tui.app import AppOptions

    assert AppOptions().parallelism == DEFAULT_PARALLELISM


def test_an_unknown_theme_is_a_usage_error_naming_the_known_ones(tmp_path: Path) -> None:
    from launch_tui.core.playbook import builtin_playbook
    from launch_tui.tui.app import AppOptions, LaunchApp

    with pytest.raises(UsageError, match=r"unknown theme 'nope'.*textual-dark"):
        LaunchApp(
            sessions_dir=tmp_path,
            playbook=builtin_playbook(),
            registry=lambda: None,  # type: ignore[arg-type,return-value]
            services_factory=lambda session: None,  # type: ignore[arg-type,return-value]
            options=AppOptions(theme="nope"),
        )


def test_open_refuses_a_broken_file_with_line_and_column(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('schema_version = 1\nclient = "unclosed\n', encoding="utf-8")
    err = io.StringIO()
    env = CliEnv(environ={}, cwd=tmp_path, stdout=io.StringIO(), stderr=err)
    assert main(["open", str(broken)], env) == Exit.FILE
    assert f"{broken}:2:" in err.getvalue()
    # show says the same thing, with the same code.
    show_err = io.StringIO()
    env = CliEnv(environ={}, cwd=tmp_path, stdout=io.StringIO(), stderr=show_err)
    assert main(["show", str(broken)], env) == Exit.FILE
    assert show_err.getvalue() == err.getvalue()

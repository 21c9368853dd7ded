"""What a new user types first: `list` shows whole ids, `--host` given a URL takes its host."""

from __future__ import annotations

from pathlib import Path

from test_cli_basic import NEW, Cli

from launch_tui.cli.exit_codes import Exit
from launch_tui.store import load_session


def test_list_never_cuts_an_id_and_the_id_opens(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    long_id = "acme-freight-launch-sprint-december-2026"
    assert cli(*NEW, "--id", long_id) == Exit.OK
    assert cli("list") == Exit.OK
    row = next(line for line in cli.out.splitlines() if line.startswith("acme"))
    shown_id = row.split()[0]
    assert shown_id == long_id
    assert cli("show", shown_id) == Exit.OK


def test_a_host_given_as_a_url_is_taken_as_its_host_name(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    assert cli(*NEW, "--host", "https://status.acme.example/", "--id", "u") == Exit.OK, cli.err
    names = [h.name for h in load_session(cli.sessions / "u.toml").targets.hosts]
    assert "status.acme.example" in names
    assert cli(*NEW, "--host", "https://", "--id", "v") == Exit.USAGE
    assert "a host is a name such as www or app.acme.example, not a URL" in cli.err

"""A kept demo session can be checked again: its world comes back on the ports it records,
with its files (CA, repository, build) remade in the folder kept beside it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from check_reports import write

from launch_tui.cli.cmd_sandbox import recorded, sandbox_session
from launch_tui.cli.context import CliEnv
from launch_tui.cli.main import main
from launch_tui.core.errors import UsageError
from launch_tui.core.model import Status
from launch_tui.sandbox import SandboxThread
from launch_tui.sandbox.running import KEPT_MARKER
from launch_tui.sandbox.world import SandboxStartError
from launch_tui.store import load_session


def test_a_kept_world_comes_back_where_its_session_points(tmp_path: Path) -> None:
    kept = tmp_path / "demo-sandbox"
    with SandboxThread("demo", workdir=kept) as first:
        path = write(tmp_path / "demo.toml", sandbox_session(first))
        first_ns = first.nameserver_address
        first_hosts = {name: h.port for name, h in first.hosts.items()}
    session = load_session(path)
    bundle = Path(session.network.ca_bundle)
    assert bundle.is_file() and (kept / KEPT_MARKER).exists(), "the files stay after the stop"
    assert Path(session.targets.repo_path).is_dir()

    place = recorded(session)
    assert place.workdir == kept
    with SandboxThread(
        "demo", dns_port=place.dns_port, host_ports=place.host_ports, workdir=place.workdir
    ) as again:
        assert again.nameserver_address == first_ns
        assert {n: again.hosts[n].port for n in first_hosts} == first_hosts
        err = io.StringIO()
        env = CliEnv(environ={}, cwd=tmp_path, stdout=io.StringIO(), stderr=err)
        assert main(["check", str(path), "--only", "tls.certificate,dns.records"], env) in (0, 1)
    results = load_session(path).results
    assert results and all(r.status is not Status.ERROR for r in results), [
        (r.check_id, r.target, r.summary) for r in results if r.status is Status.ERROR
    ]


def test_a_folder_the_sandbox_did_not_make_is_never_emptied(tmp_path: Path) -> None:
    folder = tmp_path / "client-repo-parent"
    folder.mkdir()
    (folder / "precious.txt").write_text("keep me", encoding="utf-8")
    with (
        pytest.raises(SandboxStartError, match="not a sandbox folder"),
        SandboxThread("demo", workdir=folder),
    ):
        pass
    assert (folder / "precious.txt").read_text(encoding="utf-8") == "keep me"


def test_a_session_without_sandbox_ports_is_refused() -> None:
    from datetime import UTC, datetime

    from launch_tui.core.factory import NewSessionRequest, build_session

    session = build_session(
        NewSessionRequest(client="Acme", apex="acme.example", engineer="Dana"),
        datetime(2026, 5, 4, tzinfo=UTC),
    )
    with pytest.raises(UsageError, match="does not record a sandbox"):
        recorded(session)

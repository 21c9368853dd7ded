"""The dated data files: which copy is used, how old it is, and refreshing them from their
sources (here, loopback servers standing in for IANA and Cloudflare under their real names)."""

from __future__ import annotations

import io
import json
import socket
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from net_fixtures import HttpServer, Pki, respond, server_context

from launch_tui.cli.context import CliEnv
from launch_tui.cli.main import main
from launch_tui.net import (
    NetConfig,
    NetLimits,
    Resolver,
    data_files,
    make_http_client,
    parse_resolve,
)
from launch_tui.net.data_refresh import refresh

TODAY = date(2026, 12, 7)
IANA = {
    "description": "RDAP bootstrap file for Domain Name System registrations",
    "publication": "2026-12-01T18:00:01Z",
    "services": [[["com", "net"], ["https://rdap.verisign.com/com/v1/"]]],
    "version": "1.0",
}


def test_the_shipped_copies_are_dated(tmp_path: Path) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path)}
    for file in data_files.DATA_FILES:
        state = data_files.status(file, TODAY, env)
        assert state.origin == "shipped" and state.dated is not None
        assert state.age_days == (TODAY - state.dated).days


def test_a_valid_refreshed_copy_wins_and_a_broken_one_is_ignored(tmp_path: Path) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path)}
    folder = data_files.data_dir(env)
    folder.mkdir(parents=True)
    target = folder / data_files.CLOUDFLARE_IPS.filename
    target.write_text("# Snapshot date: 2026-12-06.\n203.0.113.0/24\n")
    state = data_files.status(data_files.CLOUDFLARE_IPS, TODAY, env)
    assert (state.origin, state.dated, state.age_days) == ("refreshed", date(2026, 12, 6), 1)
    target.write_text("# Snapshot date: 2026-12-06.\nnot a range\n")
    assert data_files.read(data_files.CLOUDFLARE_IPS, env)[1] == "shipped"


def test_data_lists_each_file_with_its_age(tmp_path: Path) -> None:
    out = io.StringIO()
    env = CliEnv(
        environ={"XDG_DATA_HOME": str(tmp_path)},
        cwd=tmp_path,
        stdout=out,
        stderr=io.StringIO(),
        clock=lambda: datetime(2026, 12, 7, tzinfo=UTC),
    )
    assert main(["data"], env) == 0
    text = out.getvalue()
    assert "rdap-bootstrap  2026-05-24 (197 days old, shipped)" in text
    assert "cloudflare-ips  2024-06-01 (919 days old, shipped)" in text


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_refresh_without_the_network_keeps_the_copies_and_exits_4(tmp_path: Path) -> None:
    port = closed_port()
    out = io.StringIO()
    env = CliEnv(environ={"XDG_DATA_HOME": str(tmp_path)}, cwd=tmp_path, stdout=out)
    argv = ["data", "refresh", "--timeout", "2"]
    for host in ("data.iana.org", "www.cloudflare.com"):
        argv += ["--resolve", f"{host}=127.0.0.1:{port}"]
    assert main(argv, env) == 4
    assert out.getvalue().count(" kept ") == 2
    assert "Connection refused" in out.getvalue()
    assert not data_files.data_dir(env.environ).exists()


async def test_refresh_downloads_validates_dates_and_writes(tmp_path: Path) -> None:
    pki = Pki(tmp_path)
    leaf = pki.leaf(["data.iana.org", "www.cloudflare.com"])
    context = server_context(pki.chain_file(leaf, pki.intermediate), leaf.key_path)
    routes = {
        "/rdap/dns.json": respond(body=json.dumps(IANA).encode()),
        "/ips-v4": respond(body=b"173.245.48.0/20\n103.21.244.0/22\n"),
        "/ips-v6": respond(body=b"2400:cb00::/32\n"),
    }
    folder = tmp_path / "data"
    async with HttpServer(routes, ssl_context=context) as server:
        config = NetConfig(
            overrides=tuple(
                parse_resolve(f"{h}=127.0.0.1:{server.port}")
                for h in ("data.iana.org", "www.cloudflare.com")
            ),
            ca_bundle=str(pki.bundle_path),
            limits=NetLimits(total_deadline=5.0),
        )
        async with make_http_client(config, Resolver(())) as client:
            outcomes = await refresh(client, folder, TODAY)
    assert [(o.file.key, o.ok) for o in outcomes] == [
        ("rdap-bootstrap", True),
        ("rdap-overrides", False),
        ("cloudflare-ips", True),
    ]
    assert "kept by hand" in outcomes[1].message
    env = {"XDG_DATA_HOME": str(tmp_path / "xdg")}
    (tmp_path / "xdg" / "launch-tui").mkdir(parents=True)
    folder.rename(data_files.data_dir(env))
    bootstrap = data_files.status(data_files.RDAP_BOOTSTRAP, TODAY, env)
    assert (bootstrap.origin, bootstrap.dated) == ("refreshed", date(2026, 12, 1))
    ranges = data_files.status(data_files.CLOUDFLARE_IPS, TODAY, env)
    assert (ranges.origin, ranges.dated) == ("refreshed", TODAY)
    text = data_files.read(data_files.CLOUDFLARE_IPS, env)[0].decode()
    assert "173.245.48.0/20" in text and "2400:cb00::/32" in text


async def test_a_download_that_is_not_the_data_is_not_used(tmp_path: Path) -> None:
    pki = Pki(tmp_path)
    leaf = pki.leaf(["data.iana.org"])
    context = server_context(pki.chain_file(leaf, pki.intermediate), leaf.key_path)
    page = respond(body=b"<html>captive portal</html>")
    async with HttpServer({"/rdap/dns.json": page}, ssl_context=context) as server:
        config = NetConfig(
            overrides=(parse_resolve(f"data.iana.org=127.0.0.1:{server.port}"),),
            ca_bundle=str(pki.bundle_path),
            limits=NetLimits(total_deadline=5.0),
        )
        async with make_http_client(config, Resolver(())) as client:
            [outcome] = await refresh(client, tmp_path, TODAY, [data_files.RDAP_BOOTSTRAP])
    assert not outcome.ok and outcome.message.startswith("not used: not JSON")
    assert not (tmp_path / data_files.RDAP_BOOTSTRAP.filename).exists()


@pytest.mark.parametrize("key", ["nope"])
def test_refresh_only_an_unknown_file_is_a_usage_error(tmp_path: Path, key: str) -> None:
    err = io.StringIO()
    env = CliEnv(environ={"XDG_DATA_HOME": str(tmp_path)}, cwd=tmp_path, stderr=err)
    assert main(["data", "refresh", "--only", key], env) == 2
    assert "unknown data file 'nope'" in err.getvalue()


def test_show_says_how_old_the_data_files_are(tmp_path: Path) -> None:
    out = io.StringIO()
    env = CliEnv(
        environ={"XDG_DATA_HOME": str(tmp_path / "data"), "HOME": str(tmp_path)},
        cwd=tmp_path,
        stdout=out,
        stderr=io.StringIO(),
        clock=lambda: datetime(2026, 12, 7, tzinfo=UTC),
    )
    new = ["new", "--client", "Acme", "--apex", "acme.example", "--engineer", "Dana"]
    assert main([*new, "-o", "acme.toml"], env) == 0
    assert main(["show", "acme.toml"], env) == 0
    last = out.getvalue().splitlines()[-1]
    assert last.startswith("Data: IANA RDAP bootstrap (DNS) 2026-05-24 (197 days old, shipped);")
    assert "Cloudflare edge IP ranges 2024-06-01 (919 days old, shipped)" in last

"""``launch-tui data [refresh]``: the dated data files, how old they are, and refreshing them.

``launch-tui data`` lists each file (IANA's RDAP bootstrap, the RDAP servers IANA does not list,
Cloudflare's ranges) with its date, age and whether the shipped or a refreshed copy is in use.
``launch-tui data refresh`` downloads fresh copies into the user's data folder when the network
is there; a file that cannot be refreshed keeps the copy it had, and the command exits 4.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import date
from pathlib import Path

from launch_tui.cli.context import CliEnv
from launch_tui.cli.exit_codes import Exit
from launch_tui.core.errors import UsageError
from launch_tui.net import data_files
from launch_tui.net.data_refresh import Refreshed, refresh
from launch_tui.net.http import make_http_client
from launch_tui.net.resolver import Resolver
from launch_tui.net.settings import NetConfig, NetLimits, parse_nameserver, parse_resolve


def run(args: argparse.Namespace, env: CliEnv) -> int:
    today = env.clock().date()
    if getattr(args, "action", None) != "refresh":
        env.print(f"Data files (refreshed copies go to {data_files.data_dir(env.environ)}):")
        for file in data_files.DATA_FILES:
            state = data_files.status(file, today, env.environ)
            source = file.urls[0] if file.urls else "kept by hand"
            env.print(f"  {file.key:15} {state.describe():40} {source}")
        return Exit.OK
    keys = {f.key: f for f in data_files.DATA_FILES}
    wanted = list(getattr(args, "only", None) or [f.key for f in data_files.DATA_FILES if f.urls])
    unknown = [k for k in wanted if k not in keys]
    if unknown:
        raise UsageError(f"--only: unknown data file {unknown[0]!r}; known: {', '.join(keys)}")
    config = _net_config(args, env)
    folder = data_files.data_dir(env.environ)
    outcomes = asyncio.run(_refresh(config, folder, today, [keys[k] for k in wanted]))
    for outcome in outcomes:
        mark = "refreshed" if outcome.ok else "kept"
        env.print(f"  {outcome.file.key:15} {mark:9} {outcome.message}")
    return Exit.OK if all(o.ok for o in outcomes) else Exit.TOOL


async def _refresh(
    config: NetConfig, folder: Path, today: date, files: list[data_files.DataFile]
) -> list[Refreshed]:
    resolver = Resolver(config.nameservers, limits=config.limits)
    async with make_http_client(config, resolver) as client:
        return await refresh(client, folder, today, files)


def _net_config(args: argparse.Namespace, env: CliEnv) -> NetConfig:
    bundle = getattr(args, "ca_bundle", None)
    if bundle is not None:
        path = Path(bundle) if Path(bundle).is_absolute() else env.cwd / bundle
        if not path.is_file():
            raise UsageError(f"--ca-bundle {bundle}: no such file", title="CA bundle not found")
        bundle = str(path)
    timeout = getattr(args, "timeout", None)
    if timeout is not None and not timeout > 0:
        raise UsageError(f"--timeout must be a positive number of seconds, not {timeout:g}")
    return NetConfig(
        nameservers=tuple(parse_nameserver(t) for t in getattr(args, "nameserver", ()) or ()),
        overrides=tuple(parse_resolve(t) for t in getattr(args, "resolve", ()) or ()),
        ca_bundle=bundle,
        limits=NetLimits.from_timeout(30.0 if timeout is None else float(timeout)),
    )

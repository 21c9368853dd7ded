"""``launch-tui new``: write a commented session file for a new sprint."""

from __future__ import annotations

import argparse
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit

from launch_tui.cli.context import CliEnv
from launch_tui.cli.exit_codes import Exit
from launch_tui.core.errors import UsageError
from launch_tui.core.factory import NewSessionRequest, build_session
from launch_tui.core.model import NetworkSettings, Session, StackComponent
from launch_tui.core.sanitize import clean
from launch_tui.net.settings import parse_nameserver, parse_resolve
from launch_tui.store import create_session


def run(args: argparse.Namespace, env: CliEnv) -> int:
    for option, value in (
        ("--client", args.client),
        ("--engineer", args.engineer),
        ("--engineer-email", args.engineer_email),
        ("--product", args.product),
    ):
        _refuse_control_characters(option, value)
    request = NewSessionRequest(
        client=args.client,
        apex=args.apex,
        engineer=args.engineer,
        engineer_email=args.engineer_email,
        product=args.product,
        session_id=args.session_id,
        hosts=tuple(_host_name(h) for h in args.host),
        routes=tuple(args.route),
        deadline_hours=args.deadline_hours,
        stack=tuple(args.stack),
        dkim_selectors=tuple(args.dkim_selector),
        network=_network(args, env),
    )
    session = build_session(request, env.clock())
    if args.output is not None:
        path = args.output if args.output.is_absolute() else env.cwd / args.output
    else:
        folder = env.sessions_dir(args)
        path = folder / f"{session.sprint.id}.toml"
    if path.exists():
        raise UsageError(f"{path} already exists; pick another --id or -o FILE")
    handle = create_session(path, session)
    handle.close()
    env.print(f"Created {path}")
    env.print(f"  client   {clean(session.sprint.client)}")
    env.print(f"  apex     {session.targets.apex}")
    env.print(f"  hosts    {', '.join(h.name for h in session.targets.hosts)}")
    env.print(f"  routes   {len(session.targets.routes)}")
    declared = [f"{k}={clean(v)}" for k, v in _declared(session)]
    if declared:
        env.print(f"  stack    {', '.join(declared)}")
    env.print(f"Next: edit the file to add people and routes, or run `launch-tui show {path}`.")
    return Exit.OK


def _refuse_control_characters(option: str, value: str) -> None:
    """A name with terminal control characters (an escape sequence pasted from a log) is a
    usage error, not a client called ``bold-red-evil-31mcorp-0m-ltd``."""
    for index, char in enumerate(value):
        if unicodedata.category(char) in ("Cc", "Cf") and char not in "\t":
            raise UsageError(
                f"{option} {clean(value, max_len=60)!r}: a name cannot contain control "
                f"characters (U+{ord(char):04X} at position {index + 1})"
            )


def _host_name(spec: str) -> str:
    """``--host`` takes a name (``www``, ``app.acme.example``, ``api:api``); given a URL, its
    host name is taken (``https://www.acme.example/`` → ``www.acme.example``)."""
    if "://" not in spec:
        return spec
    host = urlsplit(spec).hostname
    if not host:
        raise UsageError(
            f"--host {clean(spec, max_len=80)}: a host is a name such as www or "
            "app.acme.example, not a URL"
        )
    return host


def _declared(session: Session) -> list[tuple[str, str]]:
    items = ((c.value, session.stack.get(c).declared) for c in StackComponent)
    return [(name, value) for name, value in items if value]


def _network(args: argparse.Namespace, env: CliEnv) -> NetworkSettings:
    """The ``[network]`` settings given on the command line, validated (usage errors)."""
    nameservers = tuple(args.nameserver or ())
    resolve = tuple(args.resolve or ())
    for text in nameservers:
        parse_nameserver(text)
    for text in resolve:
        parse_resolve(text)
    ca_bundle = ""
    if args.ca_bundle is not None:
        bundle = Path(args.ca_bundle)
        bundle = bundle if bundle.is_absolute() else env.cwd / bundle
        if not bundle.is_file():
            raise UsageError(
                f"--ca-bundle {args.ca_bundle}: no such file", title="CA bundle not found"
            )
        ca_bundle = str(bundle)
    timeout = NetworkSettings().timeout
    if args.timeout is not None:
        if not args.timeout > 0:
            raise UsageError(
                f"--timeout must be a positive number of seconds, not {args.timeout:g}"
            )
        timeout = float(args.timeout)
    return NetworkSettings(
        nameservers=nameservers, resolve=resolve, ca_bundle=ca_bundle, timeout=timeout
    )

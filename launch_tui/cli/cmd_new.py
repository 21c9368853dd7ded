"""``launch-tui new``: write a commented session file for a new sprint."""

from __future__ import annotations

import argparse

from launch_tui.cli.context import CliEnv
from launch_tui.cli.exit_codes import Exit
from launch_tui.core.errors import UsageError
from launch_tui.core.factory import NewSessionRequest, build_session
from launch_tui.core.sanitize import clean
from launch_tui.store import create_session


def run(args: argparse.Namespace, env: CliEnv) -> int:
    request = NewSessionRequest(
        client=args.client,
        apex=args.apex,
        engineer=args.engineer,
        engineer_email=args.engineer_email,
        product=args.product,
        session_id=args.session_id,
        hosts=tuple(args.host),
        routes=tuple(args.route),
        deadline_hours=args.deadline_hours,
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
    env.print(f"Next: edit the file to add people and routes, or run `launch-tui show {path}`.")
    return Exit.OK

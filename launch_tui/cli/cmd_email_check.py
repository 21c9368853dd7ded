"""``launch-tui email-check SESSION MESSAGE.eml``: does a real message authenticate?

Save a password-reset or welcome mail as it arrived (Gmail: "Show original" -> "Download
original"; Outlook: "Save as" .eml) and give it here. The DKIM signature is verified, SPF is
evaluated for the server that handed the message over (from its ``Received`` chain), and DMARC
alignment of both with the From domain is judged, all through the session's DNS settings.

The outcome is kept in the session as the result of ``email.transactional_test`` (the last
verified message; what it measured is in its evidence), so the stage and the report show it.

Exit codes: 0 the message authenticates (pass or warn); 1 it does not; 2 usage (no such file,
not a mail message); 3 session file.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from launch_tui.checks.email.message import (
    TRANSACTIONAL_CHECK,
    MessageError,
    MessageVerdict,
    judge,
    transactional_result,
    verdict_lines,
    verify_message,
)
from launch_tui.checks.engine.merging import merge_results
from launch_tui.cli.cmd_check import network_overrides, run_network
from launch_tui.cli.context import CliEnv
from launch_tui.cli.exit_codes import Exit
from launch_tui.core.errors import UsageError
from launch_tui.core.model import NetworkSettings, Status
from launch_tui.core.sanitize import clean
from launch_tui.net import Resolver, net_config
from launch_tui.store import open_session


def run(args: argparse.Namespace, env: CliEnv) -> int:
    path = env.session_file(args, args.file)
    message_path = Path(args.message)
    if not message_path.is_absolute():
        message_path = env.cwd / message_path
    try:
        raw = message_path.read_bytes()
    except OSError as exc:
        raise UsageError(
            f"cannot read {clean(str(args.message))}: {exc.strerror or exc}",
            title="Message not readable",
        ) from None
    playbook = env.playbook(args)
    with open_session(path, if_locked="raise") as handle:
        network = run_network(handle.session, path, network_overrides(args, env.cwd))
        try:
            verdict = asyncio.run(_verify(raw, network))
        except MessageError as exc:
            raise UsageError(
                f"{clean(message_path.name)}: {exc}", title="Not a mail message"
            ) from None
        severity = playbook.check(TRANSACTIONAL_CHECK).severity
        result = transactional_result(verdict, severity, env.clock(), message_path.name)
        if not handle.read_only:
            handle.save(merge_results(handle.session, [result]))
    env.print(render(verdict))
    status, _ = judge(verdict)
    env.print(f"Verdict: {status.value.upper()}  (saved as {TRANSACTIONAL_CHECK})")
    return Exit.FINDINGS if status is Status.FAIL else Exit.OK


async def _verify(raw: bytes, network: NetworkSettings) -> MessageVerdict:
    config = net_config(network)
    resolver = Resolver(config.nameservers, limits=config.limits)
    return await verify_message(raw, resolver, dns_timeout=network.timeout)


def render(verdict: MessageVerdict) -> str:
    """The three verdicts as lines for a terminal."""
    return "\n".join(verdict_lines(verdict))

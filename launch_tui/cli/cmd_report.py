"""``launch-tui report FILE``: render the handover and stage deliverables from the session alone.

Markdown goes to stdout unless ``-o`` names a file; HTML goes to stdout or ``-o``; PDF needs
``-o`` and a Chromium-based browser. Files are written atomically. No network, no keyring: the
report is made from what the session file records, and a session never holds a secret's value.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from launch_tui.cli.context import CliEnv
from launch_tui.cli.exit_codes import Exit
from launch_tui.core.errors import UsageError
from launch_tui.report.environment import Format
from launch_tui.report.pdf import find_browser, print_pdf
from launch_tui.report.render import render_document, write_report
from launch_tui.store import load_session


def _resolve(env: CliEnv, path: Path | None) -> Path | None:
    if path is None:
        return None
    path = path.expanduser()
    return path if path.is_absolute() else env.cwd / path


def run(args: argparse.Namespace, env: CliEnv) -> int:
    fmt: str = getattr(args, "format", "md") or "md"
    output = _resolve(env, getattr(args, "output", None))
    templates = _resolve(env, getattr(args, "templates", None))
    only: list[str] = list(getattr(args, "only", None) or [])
    if fmt == "pdf" and output is None:
        raise UsageError("--format pdf writes a file: give -o PATH (for example -o handover.pdf)")
    if output is not None and output.is_dir():
        raise UsageError(f"-o {output} is a folder; give a file name")

    path = env.session_file(args, args.file)
    playbook = env.playbook(args)
    session = load_session(path)
    now = env.clock()
    markup: Format = "html" if fmt in ("html", "pdf") else "md"
    text = render_document(
        session, playbook, fmt=markup, only=only, templates_dir=templates, now=now
    )
    if fmt == "pdf":
        assert output is not None
        print_pdf(text, output, browser=find_browser(env.environ))
        env.stderr.write(f"Wrote {output}\n")
        return Exit.OK
    if output is None:
        env.stdout.write(text)
        return Exit.OK
    write_report(output, text.encode("utf-8"))
    env.stderr.write(f"Wrote {output}\n")
    return Exit.OK

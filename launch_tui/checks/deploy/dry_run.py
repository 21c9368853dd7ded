"""Run the session's migration dry-run command, with a deadline, and keep a short safe tail.

The command (``targets.migration_dry_run``, written by the engineer) runs through ``/bin/sh`` in
the repository, in a process group of its own with stdin closed, so that a deadline or a
cancelled check kills it and everything it started. What it printed is kept only as its last
few lines, cleaned of control characters, with credentials in URLs (``user:pass@``) and the
values of secret-looking ``NAME=value`` pairs masked: a dry run connects to a database and
may print its URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from launch_tui.core.model import JSONValue
from launch_tui.core.sanitize import clean

TAIL_LINES = 8
_MAX_OUTPUT = 256 * 1024
_URL_CREDENTIALS = re.compile(r"(://)[^/\s:@]+:[^@\s/]+@")
_SECRET_PAIR = re.compile(
    r"\b([A-Z0-9_]*(?:SECRET|TOKEN|PASSWORD|PASSWD|API_KEY|PRIVATE_KEY)[A-Z0-9_]*)\s*[=:]\s*\S+",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DryRun:
    """How the dry run ended."""

    command: str
    exit_code: int | None
    """``None`` when it was killed at the deadline."""
    seconds: float
    tail: tuple[str, ...]
    """Its last lines of output, masked and cleaned."""

    @property
    def timed_out(self) -> bool:
        return self.exit_code is None

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    def as_evidence(self) -> dict[str, JSONValue]:
        return {
            "command": mask(clean(self.command, max_len=300)),
            "exit_code": self.exit_code,
            "timed_out": self.timed_out,
            "seconds": round(self.seconds, 2),
            "output_tail": list(self.tail),
        }


def mask(line: str) -> str:
    """``line`` with URL credentials and secret-looking values replaced by ``***``."""
    line = _URL_CREDENTIALS.sub(r"\1***@", line)
    return _SECRET_PAIR.sub(lambda m: f"{m.group(1)}=***", line)


async def run_dry_run(command: str, cwd: Path, timeout_s: float) -> DryRun:
    """Run ``command`` in ``cwd`` for at most ``timeout_s`` seconds."""
    began = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        "/bin/sh",
        "-c",
        command,
        cwd=cwd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )
    output = b""
    code: int | None = None
    try:
        assert process.stdout is not None
        async with asyncio.timeout(timeout_s):
            # Read to the end (a full pipe would stall the command), keeping only the last part.
            while chunk := await process.stdout.read(65536):
                output = (output + chunk)[-_MAX_OUTPUT:]
            code = await process.wait()
    except TimeoutError:
        code = None
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
    lines = [
        mask(clean(line, max_len=200)) for line in output.decode("utf-8", "replace").splitlines()
    ]
    tail = tuple(line for line in lines if line.strip())[-TAIL_LINES:]
    return DryRun(command, code, time.monotonic() - began, tail)

"""The demo's sandbox in a Python process of its own, serving until the app's process lets go.

``launch-tui demo`` used to serve the world from a thread of the app's process. The servers'
Python work (their side of every TLS handshake, HTTP parsing, DNS answers) then held the same
interpreter lock as the screen, and redraws during an audit's first burst of requests waited
for it (``bench/tui.py`` measures the app's loop lag with the world in either place).

The child (``python -m launch_tui.cli.demo_sandbox WORLD SESSION [WORKDIR]``) starts the world,
writes a fresh session pointed at it to ``SESSION`` and prints one JSON line: its deploy admin
URL, or what went wrong. It serves until its standard input closes, which happens when
:meth:`DemoSandbox.stop` closes it or when this process ends in any way (a crash or ``kill -9``
included), or until a SIGTERM, SIGHUP or SIGINT reaches it; then it stops the world, which
removes its temporary files. It runs in a session of its own: a Ctrl-C or a hang-up of the
terminal reaches the app, which then stops it in order; and on Linux its CPU counts against its
own scheduling group, not the app's.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from launch_tui.core.errors import LaunchError
from launch_tui.core.model import Session
from launch_tui.core.sanitize import clean
from launch_tui.store import load_session

__all__ = ["DemoSandbox", "DemoSandboxError", "ServedWorld"]


class DemoSandboxError(LaunchError):
    """The demo's sandbox process did not start."""

    title = "Sandbox did not start"


@dataclass(frozen=True)
class ServedWorld:
    """What the app needs from the world the child serves."""

    session: Session
    """A fresh session whose targets and network settings point at the world."""
    deploy_admin_url: str
    """Where the world's deploy admin listens (``""`` when the world has none)."""


class DemoSandbox:
    """Start the world in a child process (:meth:`start`), stop it (:meth:`stop`)."""

    def __init__(self, world: str, *, workdir: Path | None = None) -> None:
        self._world = world
        self._workdir = workdir
        self._process: subprocess.Popen[bytes] | None = None
        self._folder: Path | None = None

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs."""
        return self._process.pid if self._process is not None else None

    def start(self, timeout: float = 60.0) -> ServedWorld:
        """Start the child and wait until it serves; :class:`DemoSandboxError` if it cannot.

        The folder the child hands the session over in is gone when this returns, whatever
        happens: nothing of ours is left behind if this process is killed later.
        """
        if self._process is not None:
            raise RuntimeError("a DemoSandbox starts once")
        try:
            self._folder = Path(tempfile.mkdtemp(prefix="launch-tui-demo-sandbox-"))
            path = self._folder / "fresh.toml"
            argv = [sys.executable, "-m", __name__, self._world, str(path)]
            argv += [str(self._workdir)] if self._workdir is not None else []
            with (self._folder / "stderr.txt").open("wb") as errors:
                self._process = subprocess.Popen(  # noqa: S603 - our own module, no shell
                    argv,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=errors,
                    start_new_session=True,
                )
            answer = self._first_line(timeout)
            if "error" in answer or "deploy_admin_url" not in answer:
                why = str(answer.get("error") or self._stderr_tail() or "it exited")
                raise DemoSandboxError(f"The demo's sandbox did not start: {clean(why)}")
            return ServedWorld(load_session(path), str(answer["deploy_admin_url"]))
        except OSError as exc:
            self.stop()
            raise DemoSandboxError(
                f"The demo's sandbox did not start: {clean(exc.strerror or str(exc))}"
            ) from None
        except BaseException:
            self.stop()
            raise
        finally:
            self._forget_folder()

    def _forget_folder(self) -> None:
        folder, self._folder = self._folder, None
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)

    def stop(self, timeout: float = 30.0) -> None:
        """Close the child's input, wait for it to stop (killed after ``timeout``); idempotent."""
        process, self._process = self._process, None
        if process is not None:
            if process.stdin is not None:
                with contextlib.suppress(OSError):
                    process.stdin.close()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()
        self._forget_folder()

    def _first_line(self, timeout: float) -> dict[str, object]:
        """The child's JSON line; a ``{"error": ...}`` of our own on a timeout or no line."""
        process = self._process
        assert process is not None and process.stdout is not None
        stdout = process.stdout
        lines: list[bytes] = []
        reader = threading.Thread(target=lambda: lines.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        if reader.is_alive():
            return {"error": f"no answer within {timeout:g} s"}
        try:
            answer = json.loads(lines[0]) if lines and lines[0].strip() else {}
        except ValueError:
            return {"error": "an unreadable answer"}
        return answer if isinstance(answer, dict) else {}

    def _stderr_tail(self) -> str:
        folder = self._folder
        if folder is None:
            return ""
        with contextlib.suppress(OSError):
            text = (folder / "stderr.txt").read_text(encoding="utf-8", errors="replace")
            return text.strip().splitlines()[-1] if text.strip() else ""
        return ""


# --- the child ----------------------------------------------------------------------------------


async def _serve(world: str, session_path: Path, workdir: Path | None) -> None:
    from launch_tui.sandbox import session_for, start_world
    from launch_tui.store import create_session

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)  # asked to stop: clean up first
    async with start_world(world, workdir=workdir) as running:
        create_session(session_path, session_for(running)).close()
        print(json.dumps({"deploy_admin_url": running.deploy_admin_url}), flush=True)
        # Serve until the app closes our input (or its process ends, however it ends), or a
        # signal asks us to stop.
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        waits = {asyncio.ensure_future(reader.read()), asyncio.ensure_future(stop.wait())}
        _, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()


def _child(argv: list[str]) -> int:
    world, session_path = argv[0], Path(argv[1])
    workdir = Path(argv[2]) if len(argv) > 2 else None
    try:
        asyncio.run(_serve(world, session_path, workdir))
    except LaunchError as exc:
        print(json.dumps({"error": exc.message}), flush=True)
        return 1
    except Exception as exc:  # said to the app in one line; the app shows it
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}), flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1:]))

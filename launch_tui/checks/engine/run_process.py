"""Check runs in a Python process of their own, so that their CPU work never waits on a screen.

The checks' network work is CPU work in Python (TLS handshakes, parsing, merging): on a thread
of the TUI's process it holds the interpreter while the screen waits to redraw. Here the run
happens in a child process, and only its batches (:mod:`.run_batches`) travel back::

    process = CheckProcess()
    process.start()                     # returns at once; the child imports while we go on
    await process.run(request, emit, cancel)   # emit(RunBatch | RunOutcome), as in-thread

The child is ``python -m launch_tui.checks.engine.run_process``. It builds the checks' services
itself from the session's network settings (:func:`.services.open_check_services`), runs
:func:`.run_batches.run_in_batches` and writes each batch to its stdout; it reads runs and
cancellations from its stdin. Every frame is a length-prefixed pickle, only ever between this
process and the child it spawned (nothing from the network is unpickled: results are our own
frozen values). Nothing here logs a frame. The check definitions, the clock and the network
overrides cross by value or by reference to functions of this package (the caller checks that
they can). One child serves any number of runs, one after another or at once (a run replaced by
a new one is still cancelling); it ends when its stdin closes (:meth:`CheckProcess.close`, or
this process exiting, however it exits).

Failure is a message, never a traceback: a child that cannot start, does not say it is ready
within :data:`START_TIMEOUT_S`, or dies during a run raises :class:`CheckProcessError` (after
the run's :class:`.run_batches.RunOutcome`, so the screen knows it ended), with the last line
the child wrote to its stderr, cleaned and with secret-looking values masked; the next run
needs a new :class:`CheckProcess`. The child's stderr is read by this process and never
reaches the terminal. A cancelled run that does not end within its grace period gets the child
killed.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import pickle  # only between this process and the child it spawned
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from launch_tui.checks.engine.registry import CheckDef, Registry
from launch_tui.checks.engine.run_batches import BatchEvent, RunBatch, RunOutcome
from launch_tui.checks.engine.services import NetworkOverrides
from launch_tui.checks.engine.targets import Selection
from launch_tui.core.errors import LaunchError
from launch_tui.core.model import Session
from launch_tui.core.sanitize import clean
from launch_tui.net.pipe_frames import read_frame, write_frame

__all__ = [
    "CANCEL_GRACE_S",
    "START_TIMEOUT_S",
    "CheckProcess",
    "CheckProcessError",
    "RunRequest",
]

#: Longest wait for a new child to import everything and say it is ready.
START_TIMEOUT_S = 60.0
#: Longest wait for a cancelled run to end in the child before the child is killed.
CANCEL_GRACE_S = 5.0
#: Longest wait for the child to leave after its stdin closed, before it is killed.
CLOSE_TIMEOUT_S = 5.0
#: Bytes of the child's stderr kept (the end), to say why it died.
STDERR_KEPT = 4096
#: Nice value of the child's scheduling group (Linux autogroup), see :func:`yield_to_screen`.
CHILD_GROUP_NICE = 10

_URL_CREDENTIALS = re.compile(r"(\w+://)[^/\s:@]+:[^/\s@]+@")
_SECRET_PAIR = re.compile(
    r"(?i)\b([\w.-]*(?:pass(?:word|wd)?|secret|token|api[_-]?key|auth\w*|credential\w*))"
    r"\s*[=:]\s*\S+"
)


class CheckProcessError(LaunchError):
    """The check process could not start, or stopped during a run."""

    title = "Check run failed"


@dataclass(frozen=True)
class RunRequest:
    """One run, as the child receives it."""

    session: Session
    selection: Selection
    checks: tuple[CheckDef, ...]
    """The registry's definitions (functions of this package, sent by reference; no merge
    rules: the parent merges)."""
    overrides: NetworkOverrides
    """Command-line network options, applied over the session's own."""
    clock: Callable[[], datetime]
    """A function of this package (sent by reference)."""
    parallelism: int
    batch_seconds: float


def masked(text: str, *, max_len: int = 300) -> str:
    """``text`` cleaned of control characters, URL credentials and secret-looking values."""
    text = _URL_CREDENTIALS.sub(r"\1***@", clean(text, max_len=max_len * 2))
    return clean(_SECRET_PAIR.sub(lambda m: f"{m.group(1)}=***", text), max_len=max_len)


_Waiting = tuple[asyncio.AbstractEventLoop, "asyncio.Queue[tuple[Any, ...]]"]


class CheckProcess:
    """The parent's end of one child: start it, run checks in it, stop it."""

    def __init__(self, argv: Sequence[str] | None = None) -> None:
        self._argv = list(argv or [sys.executable, "-m", "launch_tui.checks.engine.run_process"])
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._jobs: dict[int, _Waiting] = {}
        self._ids = itertools.count(1)
        self._started = False
        self._ready = False
        self._gone = False
        self._why = ""
        self._stderr = bytearray()
        self._stderr_done = threading.Event()

    # --- state ------------------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        """The child's process id, once spawned."""
        proc = self._proc
        return proc.pid if proc is not None else None

    @property
    def ready(self) -> bool:
        """The child has imported and serves runs."""
        return self._ready and not self._gone

    @property
    def gone(self) -> bool:
        """The child could not start, has died or was closed: use a new one."""
        return self._gone

    # --- start and stop -----------------------------------------------------------------------

    def start(self) -> None:
        """Spawn the child (returns at once; it imports while the caller goes on)."""
        with self._lock:
            if self._started:
                return
            self._started = True
            try:
                self._proc = subprocess.Popen(  # noqa: S603 - our own module, no shell
                    self._argv,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    # Read here and kept in memory: nothing of it may reach the terminal the
                    # TUI draws on. The terminal's signals (Ctrl-C, hang-up) are the parent's;
                    # the child ends with its stdin.
                    stderr=subprocess.PIPE,
                    start_new_session=True,
                    close_fds=True,
                )
            except OSError as exc:
                self._gone = True
                self._why = f"it could not be started ({masked(exc.strerror or str(exc))})"
                self._stderr_done.set()
                return
        threading.Thread(target=self._read_frames, name="check-process", daemon=True).start()
        threading.Thread(target=self._read_stderr, name="check-process-err", daemon=True).start()

    def close(self, timeout: float = CLOSE_TIMEOUT_S) -> None:
        """Stop the child: its stdin closes (its runs are cancelled and it exits), and it is
        killed if it is still there after ``timeout`` seconds. Safe to call twice."""
        with self._lock:
            proc, self._gone, self._started = self._proc, True, True
            self._why = self._why or "it was stopped"
        if proc is None:
            return
        with self._write_lock, contextlib.suppress(OSError, ValueError):
            if proc.stdin is not None:
                proc.stdin.close()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def kill(self) -> None:
        """End the child at once (a run that would not stop)."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()

    # --- runs -----------------------------------------------------------------------------------

    async def run(
        self,
        request: RunRequest,
        emit: Callable[[BatchEvent], object],
        cancel: asyncio.Event,
        *,
        expected_total: int = 0,
        start_timeout: float = START_TIMEOUT_S,
        cancel_grace: float = CANCEL_GRACE_S,
    ) -> None:
        """Run ``request`` in the child and ``emit`` its batches as they arrive.

        A :class:`RunOutcome` is always emitted last (made up here, from the last batch or
        ``expected_total``, when the child could not give one). Setting ``cancel`` cancels the
        run in the child; if it has not ended ``cancel_grace`` seconds later, the child is
        killed. Raises :class:`CheckProcessError` when the child cannot start or dies, and
        :class:`LaunchError` with the run's own title and message when the run failed with one
        (a signed-off session...).
        """
        self.start()
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[Any, ...]] = asyncio.Queue()
        job = next(self._ids)
        with self._lock:
            self._jobs[job] = (loop, queue)
            if self._gone:
                queue.put_nowait(("gone",))

        async def watch_cancel() -> None:
            await cancel.wait()
            queue.put_nowait(("cancel",))

        watcher = asyncio.create_task(watch_cancel())
        last = RunBatch(0, expected_total, ())
        ended = sent = cancelled = False
        until: float | None = time.monotonic() + start_timeout

        def end_here() -> None:
            if not ended:
                emit(RunOutcome(last.done, last.total, cancelled=True))

        try:
            while True:
                if not sent and self._ready and not self._gone and not cancelled:
                    sent = self._send(("run", job, request))
                    until = None
                wait = None if until is None else max(0.0, until - time.monotonic())
                try:
                    message = await asyncio.wait_for(queue.get(), wait)
                except TimeoutError:
                    self.kill()
                    end_here()
                    if cancelled:  # the run would not stop: the child is killed
                        return
                    self._why = f"it did not start within {start_timeout:.0f} s"
                    raise CheckProcessError(self._failure()) from None
                kind = message[0]
                if kind == "cancel":
                    cancelled = True
                    if not sent:
                        end_here()
                        return
                    self._send(("cancel", job))
                    until = time.monotonic() + cancel_grace
                elif kind == "batch":
                    event = message[2]
                    if isinstance(event, RunBatch):
                        last = event
                    ended = ended or isinstance(event, RunOutcome)
                    emit(event)
                elif kind == "error":
                    _, _, crashed, title, text = message
                    if crashed:
                        raise CheckProcessError(
                            f"{text}\n\nThe session is safe; the results so far are kept."
                        )
                    raise LaunchError(text, title=title)
                elif kind == "end":
                    return
                elif kind == "gone":
                    end_here()
                    if cancelled:
                        return
                    raise CheckProcessError(self._failure())
        finally:
            watcher.cancel()
            with self._lock:
                self._jobs.pop(job, None)

    def _send(self, message: tuple[Any, ...]) -> bool:
        """Write a frame to the child; False when it has gone (the reader says so too)."""
        proc = self._proc
        if proc is None or proc.stdin is None:
            return False
        with self._write_lock:
            try:
                write_frame(proc.stdin, message)
            except (OSError, ValueError):
                return False
        return True

    def _failure(self) -> str:
        """Why the child is gone, for a person: its exit, and the last thing it said."""
        why = self._why or "it stopped unexpectedly"
        proc = self._proc
        code = None
        if proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = proc.wait(timeout=1.0)
        if code is not None and code < 0:
            with contextlib.suppress(ValueError):
                why += f" (killed by {signal.Signals(-code).name})"
        elif code:
            why += f" (exit code {code})"
        self._stderr_done.wait(1.0)
        lines = [
            line.strip() for line in bytes(self._stderr).decode("utf-8", "replace").splitlines()
        ]
        said = next((line for line in reversed(lines) if line), "")
        text = f"The check process could not finish the run: {why}."
        if said:
            text += f" It said: {masked(said, max_len=200)}"
        return text + " Run the checks again to start a new one."

    # --- this process's reader threads -------------------------------------------------------

    def _read_frames(self) -> None:
        proc = self._proc
        assert proc is not None and proc.stdout is not None
        while True:
            try:
                message = read_frame(proc.stdout)
            except (OSError, pickle.UnpicklingError, EOFError, ValueError):
                message = None
            if message is None:
                break
            if message[0] == "ready":
                with self._lock:
                    self._ready = True
                    waiting = list(self._jobs.values())
                for loop, queue in waiting:
                    self._deliver(loop, queue, ("ready",))
                continue
            with self._lock:
                found = self._jobs.get(message[1])
            if found is not None:
                self._deliver(*found, message)
        with self._lock:
            self._gone = True
            waiting = list(self._jobs.values())
        for loop, queue in waiting:
            self._deliver(loop, queue, ("gone",))
        with contextlib.suppress(OSError):
            proc.stdout.close()

    def _read_stderr(self) -> None:
        proc = self._proc
        assert proc is not None and proc.stderr is not None
        try:
            while chunk := os.read(proc.stderr.fileno(), 65536):
                self._stderr += chunk
                del self._stderr[:-STDERR_KEPT]
        except (OSError, ValueError):
            pass
        finally:
            self._stderr_done.set()
            with contextlib.suppress(OSError):
                proc.stderr.close()

    @staticmethod
    def _deliver(
        loop: asyncio.AbstractEventLoop,
        queue: asyncio.Queue[tuple[Any, ...]],
        message: tuple[Any, ...],
    ) -> None:
        with contextlib.suppress(RuntimeError):  # that loop has closed: nobody waits
            loop.call_soon_threadsafe(queue.put_nowait, message)


# --- the child --------------------------------------------------------------------------------


async def _serve(runs_in: IO[bytes], out: IO[bytes]) -> None:
    from launch_tui.checks.engine.registry import default_registry
    from launch_tui.checks.engine.run_batches import run_in_batches
    from launch_tui.checks.engine.services import open_check_services

    # Every check module imported now, so that the first run does not wait for them (the
    # definitions a run sends refer to their functions by name).
    default_registry()
    loop = asyncio.get_running_loop()
    finished = asyncio.Event()
    tasks: dict[int, asyncio.Task[None]] = {}
    cancels: dict[int, asyncio.Event] = {}

    def write(message: tuple[Any, ...]) -> None:
        with contextlib.suppress(OSError, ValueError):  # the parent has gone: we end soon
            write_frame(out, message)

    async def run(job: int, request: RunRequest) -> None:
        try:
            await run_in_batches(
                session=request.session,
                selection=request.selection,
                registry=Registry(request.checks),
                open_services=lambda: open_check_services(request.session, request.overrides),
                emit=lambda event: write(("batch", job, event)),
                cancel=cancels[job],
                clock=request.clock,
                parallelism=request.parallelism,
                batch_seconds=request.batch_seconds,
            )
        except LaunchError as exc:
            write(("error", job, False, exc.title, exc.message))
        except Exception as exc:  # told to the parent as a message; no traceback, no values
            write(("error", job, True, "", f"{type(exc).__name__}: {masked(str(exc))}"))
        finally:
            write(("end", job))
            tasks.pop(job, None)
            cancels.pop(job, None)

    def receive(message: tuple[Any, ...] | None) -> None:
        if message is None:
            finished.set()
        elif message[0] == "run":
            _, job, request = message
            cancels[job] = asyncio.Event()
            tasks[job] = loop.create_task(run(job, request))
        elif message[0] == "cancel" and message[1] in cancels:
            cancels[message[1]].set()

    def read_runs() -> None:
        while True:
            try:
                message = read_frame(runs_in)
            except (OSError, pickle.UnpicklingError, EOFError, ValueError):
                message = None
            loop.call_soon_threadsafe(receive, message)
            if message is None:
                return

    threading.Thread(target=read_runs, name="check-runs", daemon=True).start()
    write(("ready",))
    await finished.wait()
    # The parent has gone or closed us: cancel the runs the usual way (their clean-up runs:
    # temporary folders go), then leave.
    for event in cancels.values():
        event.set()
    if tasks:
        _, late = await asyncio.wait(list(tasks.values()), timeout=CLOSE_TIMEOUT_S - 1)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)


def yield_to_screen(autogroup: str = "/proc/self/autogroup") -> bool:
    """Let the screen's process have the CPU first when both want it; True when done.

    The child runs in a session of its own, which Linux schedules as one group (autogroup)
    against the TUI's: on two busy cores each got its share, and a repaint of the first
    burst of results took 2-3 times its idle CPU time (loop lag up to 140 ms). The group's
    nice value is raised to :data:`CHILD_GROUP_NICE` (anyone may lower their own priority):
    the screen, idle most of the time, gets a core as soon as it needs one, and the checks,
    mostly waiting on the network, lose next to nothing. Only this child's group is
    affected: the latency sampler (:mod:`launch_tui.net.sampler_process`) starts a session
    and a group of its own, at the normal priority. Without autogroups (another system, or
    ``kernel.sched_autogroup_enabled=0``) nothing changes.
    """
    try:
        with open(autogroup, "w", encoding="ascii") as group:
            group.write(str(CHILD_GROUP_NICE))
    except OSError:
        return False
    return True


def main() -> None:
    """The child's entry point: serve runs until stdin closes."""
    # Our stdout is the channel to the parent; anything printed goes to stderr instead.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    yield_to_screen()
    try:
        asyncio.run(_serve(sys.stdin.buffer, out))
    except KeyboardInterrupt:
        pass
    except Exception as exc:  # one line for the parent to show; never a traceback
        sys.stderr.write(f"{type(exc).__name__}: {masked(str(exc))}\n")
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()

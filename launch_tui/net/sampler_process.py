"""Latency sampling in a process of its own, so the checks' CPU does not land in the numbers.

An audit runs a hundred or more checks at once on one event loop: TLS handshakes, parsing,
merging, saving. A sample taken on that loop waits for all of it between an answer's arrival and
the moment it is noticed, and the sampler rightly flags its run client-bound (or the check gives
up: "not measured fairly"). Here the samples of every route run on the event loop of a child
process that does nothing else; the sampler's honesty rules (:mod:`launch_tui.net.sampler`) are
unchanged and now describe that process: its CPU share, its loop lag, its send lag. When the
machine itself has no CPU to spare, the run is still flagged.

::

    sampler = shared_sampler()            # started on first use, reused by later runs
    run = await sampler.sample(target, plan, tls=TlsSpec(verify=True, ca_bundle=None))

The child is ``python -m launch_tui.net.sampler_process``: it reads jobs from stdin and writes
runs to stdout, each a length-prefixed pickle (only between this process and the child it
spawned; nothing from the network is unpickled). SSL contexts cannot be pickled: the job says
how to build one (:class:`TlsSpec`), with the same functions the parent uses. A job cancelled in
the parent is cancelled in the child. The child exits when its stdin closes (the parent exited
or called :meth:`SamplerProcess.close`). When the child cannot be started, has not finished
importing yet (it says "ready"; a job sent earlier would lose the wait from its time budget) or
has died, :class:`SamplerUnavailable` is raised and the caller samples in its own process.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import gc
import itertools
import os
import pickle  # only between this process and the child it spawned
import queue
import ssl
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, replace
from typing import IO, Any

from launch_tui.net.pipe_frames import read_frame, write_frame
from launch_tui.net.sampler import SamplePlan, SampleRun, SampleTarget, sample_latency
from launch_tui.net.ssl_contexts import make_ssl_context, probe_context

__all__ = ["SamplerPool", "SamplerProcess", "SamplerUnavailable", "TlsSpec", "shared_sampler"]


class SamplerUnavailable(Exception):
    """The sampling process could not be started or has gone; sample in this process instead."""


@dataclass(frozen=True)
class TlsSpec:
    """How the child builds the SSL context for a job (contexts cannot cross processes)."""

    verify: bool
    """True: :func:`make_ssl_context` with ``ca_bundle``; False: :func:`probe_context`."""
    ca_bundle: str | None = None


class SamplerProcess:
    """The parent's end: start the child, send jobs, await their runs."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._jobs: dict[int, tuple[asyncio.AbstractEventLoop, asyncio.Future[SampleRun]]] = {}
        self._ids = itertools.count(1)
        self._gone = False
        self._ready = threading.Event()

    def start(self) -> None:
        """Spawn the child (returns at once; it imports while the caller goes on)."""
        with self._lock:
            if self._proc is not None or self._gone:
                return
            try:
                self._proc = subprocess.Popen(  # our own module, no shell
                    [sys.executable, "-m", "launch_tui.net.sampler_process"],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    # Nothing of it may reach a terminal the TUI draws on, and the terminal's
                    # signals (Ctrl-C, Ctrl-Z) are the parent's: it ends with its stdin.
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                    close_fds=True,
                )
            except OSError:
                self._gone = True
                return
        threading.Thread(target=self._read_runs, name="sampler-reader", daemon=True).start()

    @property
    def ready(self) -> bool:
        """The child has imported and serves jobs."""
        return self._ready.is_set() and not self._gone

    @property
    def gone(self) -> bool:
        """The child could not start, has died or was closed."""
        return self._gone

    @property
    def pid(self) -> int | None:
        """The child's process id (``None`` before it starts or after it is closed)."""
        proc = self._proc
        return None if proc is None else proc.pid

    @property
    def pending(self) -> int:
        """Jobs sent and not answered yet."""
        return len(self._jobs)

    def wait_ready(self, timeout: float) -> bool:
        """Block until the child has imported and says so (for callers that can wait)."""
        return self._ready.wait(timeout)

    async def sample(
        self, target: SampleTarget, plan: SamplePlan, *, tls: TlsSpec, wait_ready_s: float = 0.0
    ) -> SampleRun:
        """``sample_latency(target, plan)`` in the child (``target.ssl_context`` is rebuilt
        there from ``tls``). A child still starting is waited for up to ``wait_ready_s`` (the
        wait comes off the plan's time budget). Raises :class:`SamplerUnavailable` when there
        is no child, or it is not ready by then."""
        self.start()
        if not self._ready.is_set() and wait_ready_s > 0 and not self._gone:
            await asyncio.to_thread(self._ready.wait, wait_ready_s)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[SampleRun] = loop.create_future()
        job = next(self._ids)
        with self._lock:
            proc = self._proc
            if proc is None or proc.stdin is None or self._gone:
                raise SamplerUnavailable("no sampling process")
            if not self._ready.is_set():
                # Still importing: a job sent now would wait and lose that time from its budget.
                raise SamplerUnavailable("the sampling process is not ready yet")
            self._jobs[job] = (loop, future)
            try:
                bare = replace(target, ssl_context=None)
                write_frame(proc.stdin, ("sample", job, bare, plan, tls, time.monotonic()))
            except (OSError, ValueError):
                self._jobs.pop(job, None)
                self._gone = True
                raise SamplerUnavailable("the sampling process has gone") from None
        try:
            return await future
        except asyncio.CancelledError:
            with self._lock, contextlib.suppress(OSError, ValueError):
                if proc.stdin is not None and not self._gone:
                    write_frame(proc.stdin, ("cancel", job))
            raise
        finally:
            with self._lock:
                self._jobs.pop(job, None)

    def _read_runs(self) -> None:
        proc = self._proc
        assert proc is not None and proc.stdout is not None
        while True:
            try:
                message = read_frame(proc.stdout)
            except (OSError, pickle.UnpicklingError, EOFError):
                message = None
            if message is None:
                break
            if message[0] == "ready":
                self._ready.set()
                continue
            _, job, outcome = message
            with self._lock:
                waiting = self._jobs.get(job)
            if waiting is not None:
                self._settle(waiting, outcome)
        with self._lock:
            self._gone = True
            pending = list(self._jobs.values())
        for waiting in pending:
            self._settle(waiting, SamplerUnavailable("the sampling process has gone"))

    @staticmethod
    def _settle(
        waiting: tuple[asyncio.AbstractEventLoop, asyncio.Future[SampleRun]], outcome: object
    ) -> None:
        loop, future = waiting

        def settle() -> None:
            if future.done():
                return
            if isinstance(outcome, SampleRun):
                future.set_result(outcome)
            elif isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_exception(SamplerUnavailable(str(outcome)))

        with contextlib.suppress(RuntimeError):  # that loop has closed: nobody waits
            loop.call_soon_threadsafe(settle)

    def close(self) -> None:
        """Stop the child (closing its stdin ends it) and wait for it briefly."""
        with self._lock:
            proc, self._proc, self._gone = self._proc, None, True
        if proc is None:
            return
        with contextlib.suppress(OSError, ValueError):
            if proc.stdin is not None:
                proc.stdin.close()
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


class SamplerPool:
    """Up to ``size`` sampling processes, started as the load needs them.

    One event loop sampling a large site's routes all at once (a hundred routes on five
    connections each) is itself late to notice answers and flags its runs client-bound. A second
    process is started when every ready one has ``per_process`` jobs in flight; a job goes to the
    ready process with the fewest (a process still starting gets none: see
    :meth:`SamplerProcess.sample`). A small audit keeps to one process.
    """

    def __init__(self, size: int, per_process: int = 16) -> None:
        self._size = max(1, size)
        self._per_process = per_process
        self._procs: list[SamplerProcess] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the first process (returns at once)."""
        with self._lock:
            if not self._procs:
                self._procs.append(SamplerProcess())
            first = self._procs[0]
        first.start()

    @property
    def processes(self) -> int:
        """Processes started and not gone."""
        with self._lock:
            return sum(not p.gone for p in self._procs)

    def wait_ready(self, timeout: float) -> bool:
        """Block until the first process is ready (for callers that can wait)."""
        self.start()
        return self._procs[0].wait_ready(timeout)

    async def sample(
        self, target: SampleTarget, plan: SamplePlan, *, tls: TlsSpec, wait_ready_s: float = 0.0
    ) -> SampleRun:
        """As :meth:`SamplerProcess.sample`, on the least busy ready process."""
        self.start()
        return await self._pick().sample(target, plan, tls=tls, wait_ready_s=wait_ready_s)

    def _pick(self) -> SamplerProcess:
        with self._lock:
            live = [p for p in self._procs if not p.gone]
            ready = [p for p in live if p.ready]
            busy = bool(ready) and all(p.pending >= self._per_process for p in ready)
            if busy and len(live) == len(ready) and len(live) < self._size:
                fresh = SamplerProcess()
                fresh.start()
                self._procs.append(fresh)
            return min(ready or live or self._procs, key=lambda p: p.pending)

    def close(self) -> None:
        """Stop every process."""
        with self._lock:
            procs, self._procs = self._procs, []
        for proc in procs:
            proc.close()


_shared: SamplerPool | None = None
_shared_lock = threading.Lock()


def shared_sampler() -> SamplerPool:
    """This process's sampling processes (up to one per CPU, at most two), the first started
    on first use; all stopped at exit."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = SamplerPool(min(2, os.cpu_count() or 1))
            atexit.register(_shared.close)
        _shared.start()
        return _shared


# --- the child --------------------------------------------------------------------------------


def _context(tls: TlsSpec, cache: dict[TlsSpec, ssl.SSLContext]) -> ssl.SSLContext:
    if tls not in cache:
        cache[tls] = make_ssl_context(tls.ca_bundle) if tls.verify else probe_context()
    return cache[tls]


async def _serve(jobs_in: IO[bytes], runs_out: IO[bytes]) -> None:
    loop = asyncio.get_running_loop()
    finished = asyncio.Event()
    tasks: dict[int, asyncio.Task[None]] = {}
    contexts: dict[TlsSpec, ssl.SSLContext] = {}
    outbox: queue.SimpleQueue[tuple[Any, ...] | None] = queue.SimpleQueue()

    async def run(
        job: int, target: SampleTarget, plan: SamplePlan, tls: TlsSpec, sent_at: float
    ) -> None:
        outcome: object
        # A job that waited (the child still importing, a busy pipe) gets that much less time,
        # so the run still ends when the parent's deadline expects (CLOCK_MONOTONIC is shared).
        late = max(0.0, time.monotonic() - sent_at)
        if late > 0.01:
            plan = replace(
                plan,
                time_budget_s=max(0.1, plan.time_budget_s - late),
                request_timeout_s=max(0.1, plan.request_timeout_s - late),
            )
        try:
            if target.url.lower().startswith("https:"):
                target = replace(target, ssl_context=_context(tls, contexts))
            outcome = await sample_latency(target, plan)
        except asyncio.CancelledError:
            return
        except Exception as exc:  # reported to the parent, which decides
            outcome = f"sampling failed in the sampling process: {exc}"
        finally:
            tasks.pop(job, None)
        outbox.put(("done", job, outcome))

    def receive(message: tuple[Any, ...] | None) -> None:
        if message is None:
            finished.set()
        elif message[0] == "sample":
            _, job, target, plan, tls, sent_at = message
            tasks[job] = loop.create_task(run(job, target, plan, tls, sent_at))
        elif message[0] == "cancel" and message[1] in tasks:
            tasks[message[1]].cancel()

    def read_jobs() -> None:
        while True:
            try:
                message = read_frame(jobs_in)
            except (OSError, pickle.UnpicklingError, EOFError):
                message = None
            loop.call_soon_threadsafe(receive, message)
            if message is None:
                return

    def write_runs() -> None:
        # Pickled and written here, not on the loop: a parent slow to read (its own CPU busy)
        # fills the pipe, and a blocked write would hold up every run still sampling.
        while (message := outbox.get()) is not None:
            with contextlib.suppress(OSError, ValueError):
                write_frame(runs_out, message)

    writer = threading.Thread(target=write_runs, name="sampler-runs", daemon=True)
    writer.start()
    threading.Thread(target=read_jobs, name="sampler-jobs", daemon=True).start()
    outbox.put(("ready",))
    await finished.wait()
    for task in list(tasks.values()):
        task.cancel()
    await asyncio.gather(*tasks.values(), return_exceptions=True)
    outbox.put(None)
    await asyncio.to_thread(writer.join, 2.0)


def main() -> None:
    """The child's entry point: serve jobs until stdin closes."""
    # Our stdout is the channel to the parent; anything printed goes to stderr instead.
    runs_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    # What the imports made lives as long as the process: out of the collector's sight, a full
    # collection no longer walks ~35,000 objects (10-15 ms with the loop stopped, answers
    # waiting unnoticed), only what the runs allocate.
    gc.collect()
    gc.freeze()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(sys.stdin.buffer, runs_out))


if __name__ == "__main__":
    main()

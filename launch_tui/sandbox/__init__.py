"""A fake client infrastructure on loopback, described by data: the sandbox.

One world (``worlds/*.toml``) is an authoritative DNS server (UDP and TCP), HTTP and HTTPS hosts
on 127.0.0.x with certificates from a throwaway CA, an RDAP registry, a git repository and a
build folder. It serves ``launch-tui demo``, the integration tests and the benchmarks::

    async with start_world("demo") as running:
        session = session_for(running)      # a Session pointed at the running world
        print(describe(running))            # nameserver, CA bundle, host addresses

    with SandboxThread("demo") as running:  # the same, from code that is not async
        ...

Everything listens on loopback only and everything is closed and deleted on stop.
"""

from launch_tui.sandbox.dns_server import QueryLog
from launch_tui.sandbox.latency import (
    FixedDelay,
    Latency,
    LogNormalDelay,
    LongTailDelay,
    NoDelay,
    NormalDelay,
)
from launch_tui.sandbox.loader import (
    BUILTIN_WORLDS,
    builtin_world,
    load_world,
    parse_world,
    resolve_world,
)
from launch_tui.sandbox.responder import ServedRequest
from launch_tui.sandbox.running import (
    RunningHost,
    RunningWorld,
    SandboxThread,
    describe,
    start_world,
)
from launch_tui.sandbox.session import session_for
from launch_tui.sandbox.world import (
    ExpectedFinding,
    HostSpec,
    PlainHttp,
    RouteSpec,
    SandboxStartError,
    TlsCase,
    World,
    WorldError,
)

__all__ = [
    "BUILTIN_WORLDS",
    "ExpectedFinding",
    "FixedDelay",
    "HostSpec",
    "Latency",
    "LogNormalDelay",
    "LongTailDelay",
    "NoDelay",
    "NormalDelay",
    "PlainHttp",
    "QueryLog",
    "RouteSpec",
    "RunningHost",
    "RunningWorld",
    "SandboxStartError",
    "SandboxThread",
    "ServedRequest",
    "TlsCase",
    "World",
    "WorldError",
    "builtin_world",
    "describe",
    "load_world",
    "parse_world",
    "resolve_world",
    "session_for",
    "start_world",
]

"""Test-wide fixtures. The network guard keeps every test on loopback."""

from __future__ import annotations

import ipaddress
import os
import re
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import Phase, settings

# A failing property must be reported, not explained at length: Hypothesis's "explain" phase
# traces every shrunk example line by line, which once kept a CI run busy for many minutes on
# a single test. print_blob puts the failing example in the log so it can be replayed.
# In CI the examples are the same on every run (derandomize): a gate must not fail on a seed
# nobody has seen; runs on a developer's machine keep exploring new ones.
settings.register_profile(
    "launch-tui",
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    print_blob=True,
    derandomize=os.environ.get("CI") == "true",
)
settings.load_profile("launch-tui")

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_sendto = socket.socket.sendto


class OffLoopbackError(ConnectionRefusedError):
    """Raised when a test tries to reach an address outside 127.0.0.0/8 or ::1."""


def _check_address(sock: socket.socket, address: Any) -> None:
    if sock.family == socket.AF_UNIX:
        return
    if not isinstance(address, tuple) or not address:
        return
    host = str(address[0])
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        # A name: resolve it the way connect would and check every address it maps to.
        try:
            infos = socket.getaddrinfo(host, None)
        except OSError:
            raise OffLoopbackError(f"network guard: cannot vet host {host!r}") from None
        ips = {ipaddress.ip_address(info[4][0]) for info in infos}
        if ips and all(i.is_loopback for i in ips):
            return
        raise OffLoopbackError(f"network guard: {host!r} is not loopback") from None
    if ip.is_loopback or (ip.version == 6 and ip.ipv4_mapped and ip.ipv4_mapped.is_loopback):
        return
    raise OffLoopbackError(f"network guard: refused traffic to {host} (tests stay on loopback)")


def _guarded_connect(self: socket.socket, address: Any) -> None:
    _check_address(self, address)
    _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    _check_address(self, address)
    return _real_connect_ex(self, address)


def _guarded_sendto(self: socket.socket, data: Any, *args: Any) -> int:
    address = args[-1]
    _check_address(self, address)
    return _real_sendto(self, data, *args)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def network_guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Refuse TCP connects and UDP sends to anything but loopback, in every test."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)
    monkeypatch.setattr(socket.socket, "sendto", _guarded_sendto)
    yield


@pytest.fixture(autouse=True)
def fresh_scan_cache() -> Iterator[None]:
    """Each test scans for itself: no secret scan is reused from an earlier test's run (the
    cache's own tests fill it on purpose)."""
    from launch_tui.checks.secrets.scan_cache import SCAN_CACHE

    SCAN_CACHE.clear()
    yield
    SCAN_CACHE.clear()


# --- in CI, a test skipped for a missing tool is a failure ---------------------------------------

# Skip reasons that mean "a Debian package .ci/run installs is missing". On a developer's machine
# such a test skips with its reason; in CI (CI=true) it fails, so a broken install step cannot
# hide behind a green run.
_MISSING_TOOL = re.compile(
    r"not installed|\.ci/run|Debian package|needs Chromium|not on PATH", re.IGNORECASE
)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if os.environ.get("CI") != "true" or not report.skipped:
        return
    reason = (
        str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
    )
    if _MISSING_TOOL.search(reason):
        report.outcome = "failed"
        report.longrepr = f"CI must run this test, but it was skipped: {reason}"

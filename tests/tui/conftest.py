"""Fixtures for the TUI tests: a fixed clock, a sessions folder, and an app factory.

Sessions come from ``tests/data/tui/*.toml`` (deterministic results, written once) or are built
in the test. The app gets a registry of fake checks and services that need no network, unless a
test passes the sandbox's own.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from launch_tui.checks import CheckContext, CheckServices, Registry
from launch_tui.core.model import CheckResult, Severity, Status
from launch_tui.core.playbook import AppliesTo, builtin_playbook
from launch_tui.tui.app import AppOptions, LaunchApp
from launch_tui.tui.keymap import KeymapResult

DATA = Path(__file__).resolve().parent.parent / "data" / "tui"

#: A day into the Brightlane sprint (it started 2026-05-04 08:30 UTC).
FIXED_NOW = datetime(2026, 5, 5, 9, 0, tzinfo=UTC)


def fixed_clock() -> datetime:
    return FIXED_NOW


def copy_session(name: str, folder: Path) -> Path:
    """Copy ``tests/data/tui/<name>.toml`` into ``folder`` and return the copy."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.toml"
    shutil.copyfile(DATA / f"{name}.toml", target)
    target.chmod(0o600)
    return target


def fake_registry() -> Registry:
    """Two quick checks in stage 3 that need no network: proxy and certificate verdicts."""
    registry = Registry()

    @registry.register(
        "edge.cloudflare",
        stage="delivery",
        title="Traffic passes through Cloudflare",
        severity=Severity.HIGH,
        applies_to=AppliesTo.HOST,
    )
    async def cloudflare(ctx: CheckContext) -> CheckResult:
        proxied = not ctx.target.startswith("api.")
        return ctx.result(
            Status.PASS if proxied else Status.FAIL,
            "proxied" if proxied else "answers straight from the origin",
            evidence={"proxied": proxied},
        )

    @registry.register(
        "tls.certificate",
        stage="delivery",
        title="TLS certificate is trusted, matching, complete and current",
        severity=Severity.CRITICAL,
        applies_to=AppliesTo.HOST,
    )
    async def certificate(ctx: CheckContext) -> CheckResult:
        return ctx.result(Status.PASS, "trusted", evidence={"days_left": 90})

    return registry


def no_services(session: Any) -> CheckServices:
    return CheckServices()


AppFactory = Callable[..., LaunchApp]


@pytest.fixture
def sessions_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "sessions"
    folder.mkdir()
    return folder


@pytest.fixture
def make_app(sessions_dir: Path) -> AppFactory:
    """Build a :class:`LaunchApp` with test defaults; keyword arguments override them."""

    def build(**overrides: Any) -> LaunchApp:
        options = overrides.pop("options", AppOptions(cursor_blink=False, theme="textual-dark"))
        kwargs: dict[str, Any] = {
            "sessions_dir": sessions_dir,
            "playbook": builtin_playbook(),
            "registry": fake_registry(),
            "services_factory": no_services,
            "clock": fixed_clock,
            "keymap": KeymapResult({}),
            "options": options,
        }
        kwargs.update(overrides)
        return LaunchApp(**kwargs)

    return build

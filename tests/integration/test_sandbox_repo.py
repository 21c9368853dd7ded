"""The git repository and build folder fixtures: secrets in history, not in HEAD."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from launch_tui.sandbox import RunningWorld, fakes, start_world

pytest_plugins = ["sandbox_fixtures"]

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(repo: Path, *args: str) -> str:
    env = {"PATH": os.environ["PATH"], "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo)}
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, check=True, text=True
    )
    return done.stdout


def working_tree_text(repo: Path) -> str:
    return "\n".join(
        p.read_text()
        for p in sorted(repo.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(repo).parts
    )


async def test_secret_is_in_history_but_not_in_head(demo_world: RunningWorld) -> None:
    repo = demo_world.repo_path
    assert repo is not None
    history = git(repo, "log", "-p", "--all")
    for value in (fakes.STRIPE_LIVE_KEY, fakes.AWS_ACCESS_KEY_ID, fakes.AWS_SECRET_ACCESS_KEY):
        assert value in history
    tree = working_tree_text(repo)
    assert fakes.STRIPE_LIVE_KEY not in tree
    assert fakes.AWS_ACCESS_KEY_ID not in tree
    assert "process.env.STRIPE_SECRET_KEY" in (repo / "config" / "payments.js").read_text()
    assert git(repo, "status", "--porcelain") == ""
    assert demo_world.repo is not None
    added = git(repo, "show", demo_world.repo.secret_commit, "--", "config/payments.js")
    assert f"+const STRIPE_SECRET_KEY = '{fakes.STRIPE_LIVE_KEY}';" in added


async def test_env_example_lists_names_only(demo_world: RunningWorld) -> None:
    assert demo_world.repo_path is not None
    lines = (demo_world.repo_path / ".env.example").read_text().splitlines()
    entries = [line for line in lines if line and not line.startswith("#")]
    assert entries and all(line.endswith("=") for line in entries)
    assert "STRIPE_SECRET_KEY=" in entries


async def test_one_migration_lacks_a_down_step(
    demo_world: RunningWorld, clean_world: RunningWorld
) -> None:
    name = "migrations/20250115141500_add_quotes.js"
    assert demo_world.repo_path is not None and clean_world.repo_path is not None
    assert "exports.down" not in (demo_world.repo_path / name).read_text()
    assert "exports.down" in (clean_world.repo_path / name).read_text()
    first = "migrations/20250108093000_create_listings.js"
    assert "exports.down" in (demo_world.repo_path / first).read_text()


async def test_clean_history_has_no_secret(clean_world: RunningWorld) -> None:
    assert clean_world.repo_path is not None
    history = git(clean_world.repo_path, "log", "-p", "--all")
    for value in fakes.ALL:
        assert value not in history


async def test_history_is_deterministic() -> None:
    heads = []
    for _ in range(2):
        async with start_world("demo") as running:
            assert running.repo is not None
            heads.append(running.repo.head)
            log = git(running.repo.path, "log", "--format=%an %aI %s")
    assert heads[0] == heads[1]
    assert log.splitlines()[-1] == (
        "Priya Raman 2025-01-06T09:12:00+00:00 Initial commit: Next.js marketplace skeleton"
    )


async def test_demo_build_leaks_and_clean_build_does_not(
    demo_world: RunningWorld, clean_world: RunningWorld
) -> None:
    demo_build, clean_build = demo_world.build_path, clean_world.build_path
    assert demo_build is not None and clean_build is not None
    assert demo_build.name == ".next"
    demo_maps = list(demo_build.rglob("*.js.map"))
    assert len(demo_maps) == 1
    assert json.loads(demo_maps[0].read_text())["sourcesContent"]
    bundle = demo_build / "static/chunks/pages/_app-8d2e61b0c4a7f315.js"
    text = bundle.read_text()
    assert fakes.DATABASE_URL in text
    assert "debug:true" in text
    assert "sourceMappingURL=" in text
    assert not list(clean_build.rglob("*.js.map"))
    clean_text = "\n".join(p.read_text() for p in clean_build.rglob("*") if p.is_file())
    assert fakes.DATABASE_URL not in clean_text
    assert "debug:true" not in clean_text
    assert "sourceMappingURL" not in clean_text


async def test_ci_log_leaks_a_token_in_demo_only(
    demo_world: RunningWorld, clean_world: RunningWorld
) -> None:
    (demo_log,) = demo_world.ci_logs
    (clean_log,) = clean_world.ci_logs
    assert fakes.GITHUB_TOKEN in demo_log.read_text()
    assert fakes.GITHUB_TOKEN not in clean_log.read_text()

"""``deploy.env_separation`` on repositories written for the test: what keeps production apart,
and what gives it away. Values are read to be compared, never reported."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from launch_tui.checks.deploy.env_separation import (
    CHECKS,
    dotenv_environment,
    value_points_elsewhere,
)
from launch_tui.checks.engine.context import context_factory
from launch_tui.checks.engine.targets import WorkItem
from launch_tui.core.model import (
    CheckResult,
    Host,
    HostRole,
    Session,
    Sprint,
    Status,
    Targets,
)

NOW = datetime(2026, 5, 6, 10, 0, tzinfo=UTC)
SECRET_DB = "postgres://app:s3cr3t-pass@db.acme.test:5432/app"


def session(repo: Path | None, *hosts: Host, staging_url: str = "") -> Session:
    return Session(
        sprint=Sprint("acme", "Acme", "", "eng", datetime(2026, 5, 4, tzinfo=UTC)),
        targets=Targets(
            apex="acme.test",
            canonical_url="https://www.acme.test/",
            staging_url=staging_url,
            hosts=hosts,
            repo_path=str(repo) if repo else "",
        ),
    )


async def run(s: Session) -> CheckResult:
    definition = CHECKS.get("deploy.env_separation")
    ctx = context_factory(s, clock=lambda: NOW)(WorkItem(definition, ""))
    return await definition.func(ctx)


def repo_with(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


WWW = Host("www.acme.test", HostRole.WWW)
STAGING = Host("staging.acme.test", HostRole.STAGING)


async def test_nothing_to_measure_is_skipped() -> None:
    result = await run(session(None, WWW))
    assert result.status is Status.SKIPPED
    assert "targets.repo_path" in result.summary


async def test_own_hosts_and_own_production_variables_pass(tmp_path: Path) -> None:
    repo = repo_with(
        tmp_path,
        {
            ".env.example": "DATABASE_URL=\n",
            ".env.production": f"DATABASE_URL={SECRET_DB}\n",
            ".env.development": "DATABASE_URL=postgres://app:dev@localhost:5432/app\n",
        },
    )
    result = await run(session(repo, WWW, STAGING))
    assert result.status is Status.PASS, result.summary
    assert "staging runs on its own host (staging.acme.test)" in result.summary.lower()
    assert ".env.production" in result.summary
    assert result.evidence["values_read_from"] == [".env.development", ".env.production"]


async def test_a_production_value_on_localhost_or_shared_with_dev_fails_without_showing_it(
    tmp_path: Path,
) -> None:
    repo = repo_with(
        tmp_path,
        {
            ".env.production": (
                "DATABASE_URL=postgres://app:pw@localhost:5432/app\n"
                f"REDIS_URL='{SECRET_DB}'\n"
                "STRIPE_SECRET_KEY=sk_test_51abcdefghijklmnop\n"
                "NODE_ENV=production\n"
            ),
            ".env.local": f"REDIS_URL={SECRET_DB}\nNODE_ENV=production\n",
        },
    )
    result = await run(session(repo, WWW))
    assert result.status is Status.FAIL
    keys = {f["key"] for f in result.evidence["findings"]}  # type: ignore[index,union-attr]
    assert {"points:DATABASE_URL", "shared:REDIS_URL", "points:STRIPE_SECRET_KEY"} <= keys
    assert "shared:NODE_ENV" not in keys  # a mode, not a resource
    assert "DATABASE_URL in .env.production points at a local development host" in result.summary
    everything = result.summary + json.dumps(result.evidence)
    for leaked in ("s3cr3t", "localhost", "sk_test_51", "db.acme.test", ":pw@"):
        assert leaked not in everything


async def test_staging_on_the_production_site_fails(tmp_path: Path) -> None:
    result = await run(session(None, WWW, staging_url="https://www.acme.test/staging"))
    assert result.status is Status.FAIL
    assert "www.acme.test serves both staging and production" in result.summary


async def test_production_config_out_of_sight_and_dev_names_warn(tmp_path: Path) -> None:
    unseen = await run(session(repo_with(tmp_path, {".env.example": "DATABASE_URL=\n"}), STAGING))
    assert unseen.status is Status.WARN
    assert "no variables for production of its own" in unseen.summary
    fly = repo_with(tmp_path, {"fly.toml": '[env]\nSTAGING_DATABASE_URL = "x"\nPORT = "8080"\n'})
    named = await run(session(fly, STAGING))
    assert named.status is Status.WARN
    assert "STAGING_DATABASE_URL" in named.summary and "says staging" in named.summary


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("postgres://u:p@127.0.0.1/db", "points at a local development host"),
        ("redis://cache.local:6379", "points at a local development host"),
        ("https://api.sandbox.paypal.example/v1", "points at a host whose name says sandbox"),
        ("postgres://u:p@staging-db.acme.test/app", "points at a host whose name says staging"),
        ("pk_test_abc", "is a test-mode API key"),
        ("postgres://u:p@db.acme.test/app", None),  # `.test` is the sandbox's top-level domain
        ("production", None),
        ("http://[::1", None),  # unparsable: not invented
    ],
)
def test_what_a_production_value_gives_away(value: str, why: str | None) -> None:
    assert value_points_elsewhere(value) == why


@pytest.mark.parametrize(
    ("name", "env"),
    [
        (".env.production", "production"),
        (".env.production.local", "production"),
        (".env.staging", "staging"),
        (".env.local", "other"),
        (".env.development", "other"),
        (".env.example", None),
        (".env.production.example", None),
    ],
)
def test_which_dotenv_files_hold_values_of_an_environment(name: str, env: str | None) -> None:
    assert dotenv_environment(name) == env

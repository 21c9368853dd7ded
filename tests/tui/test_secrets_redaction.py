"""Redaction canary: planted secrets are found, and no full value appears anywhere.

Secrets are generated per run (no test file holds one) and planted where a client leaks them:
a key committed and deleted later, a token in the working tree behind an allow comment, a
token in a CI log, a database URL inlined in a client bundle. Then every output is read: the
session file, ``launch-tui check`` in text, JSON, JUnit and SARIF, the report in Markdown and
HTML, every log record, and the TUI's screens. Each must name the findings and hold no value.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from check_reports import Cli
from conftest import AppFactory
from git_repos import git, token

from launch_tui.checks import default_registry
from launch_tui.core.model import Session, Sprint, Targets, UiState
from launch_tui.store import create_session, load_session

SECRET_CHECKS = "secrets.repo,secrets.ci_logs,secrets.inventory,secrets.rotation"


def plant(root: Path) -> tuple[Targets, tuple[str, ...]]:
    """A repo, a CI log and a build with fresh secrets; the targets and the values."""
    repo = root / "client"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    deleted = token("sk_live_", 32)
    (repo / "pay.js").write_text(f'const STRIPE_SECRET_KEY = "{deleted}";\n')
    (repo / ".env.example").write_text("STRIPE_SECRET_KEY=\nDATABASE_URL=\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "pay")
    (repo / "pay.js").write_text("const STRIPE_SECRET_KEY = process.env.STRIPE_SECRET_KEY;\n")
    git(repo, "commit", "-qam", "read the key from the environment")
    in_tree = token("ghp_", 36)
    (repo / "deploy.sh").write_text(f"export GITHUB_TOKEN={in_tree}  # gitleaks:allow\n")
    logged = token("ghp_", 36)
    log = root / "ci.log"
    log.write_text(f"git clone https://x-access-token:{logged}@github.example/c/web.git\n")
    chunks = root / "build" / ".next" / "static" / "chunks"
    chunks.mkdir(parents=True)
    password = token("", 20)
    url = f"postgres://app:{password}@db.internal:5432/prod"
    (chunks / "app.js").write_text(f'var o={{DATABASE_URL:"{url}",debug:!0}};\n')
    targets = Targets(
        repo_path=str(repo), build_path=str(root / "build" / ".next"), ci_logs=(str(log),)
    )
    return targets, (deleted, in_tree, logged, url, password)


def assert_no_value(text: str, values: tuple[str, ...], where: str) -> None:
    for value in values:
        assert value not in text, f"a full secret value appears in {where}"
        assert value[5:17] not in text, f"a large part of a secret value appears in {where}"


async def test_no_secret_value_reaches_any_output(
    tmp_path: Path, make_app: AppFactory, sessions_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    targets, values = plant(tmp_path)
    sprint = Sprint("canary", "Canary Ltd", "Canary", "sam", datetime(2026, 5, 4, tzinfo=UTC))
    path = sessions_dir / "canary.toml"
    sessions_dir.mkdir(parents=True, exist_ok=True)
    create_session(path, Session(sprint=sprint, targets=targets, ui=UiState("audit"))).close()
    cli = Cli(tmp_path)
    outputs: dict[str, str] = {}
    for fmt in ("text", "json", "junit", "sarif"):
        # The CLI runs its own event loop: off this test's loop, in a thread.
        code = await asyncio.to_thread(
            cli, "check", str(path), "--only", SECRET_CHECKS, "--format", fmt
        )
        assert code == 1, cli.err
        outputs[f"check --format {fmt}"] = cli.out + cli.err
    assert "stripe-access-token" in outputs["check --format text"]
    for fmt in ("md", "html"):
        out = tmp_path / f"report.{fmt}"
        code = await asyncio.to_thread(cli, "report", str(path), "--format", fmt, "-o", str(out))
        assert code == 0, cli.err
        outputs[f"report {fmt}"] = out.read_text() + cli.out + cli.err
    outputs["session file"] = path.read_text()
    session = load_session(path)
    names = {s.name for s in session.secrets}
    assert {"STRIPE_SECRET_KEY", "DATABASE_URL"} <= names
    assert any(d.id == "rotate-stripe-secret-key" for d in session.decisions)
    app = make_app(open_path=path, registry=default_registry())
    screens: list[str] = []
    async with app.run_test(size=(140, 50)) as pilot:
        await app.wait_opened()
        for stage in ("1", "4"):
            await pilot.press(stage)
            for _ in range(5):
                await pilot.pause()
                screens.append(_screen_text(app))
                await pilot.press("down", "t")
            await pilot.press("tab")
    outputs["TUI"] = "\n".join(screens)
    assert "STRIPE_SECRET_KEY" in outputs["TUI"] or "secret" in outputs["TUI"].lower()
    outputs["logs"] = caplog.text + "\n".join(str(r.args) + r.getMessage() for r in caplog.records)
    for where, text in outputs.items():
        assert_no_value(text, values, where)
    # What is shown instead: four characters and a fingerprint.
    assert "sk_l…" in outputs["check --format text"] + outputs["session file"]
    assert "sha256:" in outputs["session file"]


def _screen_text(app: object) -> str:
    strips = app.screen._compositor.render_strips()  # type: ignore[attr-defined]
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)

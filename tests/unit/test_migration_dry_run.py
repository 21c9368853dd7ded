"""The migration dry run: a real shell command with a deadline, its output masked."""

from __future__ import annotations

import asyncio
from pathlib import Path

from launch_tui.checks.deploy.dry_run import mask, run_dry_run


def test_masking_hides_credentials_and_secret_values() -> None:
    line = "connecting to postgres://app:s3cr3t@db:5432/prod with DB_PASSWORD=hunter2 API_KEY: abc"
    masked = mask(line)
    assert "s3cr3t" not in masked and "hunter2" not in masked and "abc" not in masked
    assert "postgres://***@db:5432/prod" in masked and "DB_PASSWORD=***" in masked


async def test_a_passing_dry_run_keeps_its_tail(tmp_path: Path) -> None:
    (tmp_path / "m.txt").write_text("1 pending migration\n")
    result = await run_dry_run("cat m.txt; echo 'Batch 2 would run 1 migration'", tmp_path, 10)
    assert result.ok and result.tail == ("1 pending migration", "Batch 2 would run 1 migration")


async def test_a_failing_dry_run_says_how(tmp_path: Path) -> None:
    result = await run_dry_run(
        "echo 'error: relation \"quotes\" already exists' >&2; exit 3", tmp_path, 10
    )
    assert (result.exit_code, result.ok) == (3, False)
    assert result.tail == ('error: relation "quotes" already exists',)


async def test_a_dry_run_that_never_exits_is_stopped_with_its_children(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    result = await run_dry_run(
        f"sleep 300 & echo $! > {pidfile}; echo started; wait", tmp_path, 0.5
    )
    assert result.timed_out and result.seconds < 5
    child = int(pidfile.read_text())
    stat = Path(f"/proc/{child}/stat")
    # Killed, it is gone or a zombie waiting for a parent that reaps (PID 1 here may not). A
    # killed process on a busy machine can still show as running until it is next scheduled
    # to die: give it a moment (a process left alive would stay "S", sleeping, all along).
    state = ""
    for _ in range(40):
        try:
            state = stat.read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            state = "gone"
        if state in ("gone", "Z"):
            break
        await asyncio.sleep(0.05)
    assert state in ("gone", "Z"), f"the command's own children are killed too ({state})"

"""The wheel a user installs holds everything the app reads at run time, and runs.

Builds the wheel with ``uv build`` (hatchling, as pyproject.toml says) into a temp folder and
compares its file list with the package's data files in this checkout: the Jinja templates
(force-included from ``templates/``), the playbook, the sandbox worlds, the TUI stylesheet and
the checks' data snapshots. A data file missing from the wheel works from a checkout and fails
after ``pip install``.

Then installs it in a fresh virtual environment outside the source tree and runs
``launch-tui --version``, ``launch-tui sandbox`` and ``launch-tui check`` from there. Offline:
the dependencies are the locked ones (``uv export --format pylock.toml``, exact URLs and
hashes), which ``uv sync`` has already put in uv's cache, and ``uv pip install --offline`` takes
them from it.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest

import launch_tui

ROOT = Path(__file__).resolve().parents[2]
UV = shutil.which("uv")


@pytest.mark.skipif(UV is None, reason="uv is not on PATH")
def test_the_wheel_ships_templates_and_every_data_file(tmp_path: Path) -> None:
    assert UV is not None
    subprocess.run(
        [UV, "build", "--wheel", "--out-dir", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("launch_tui-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())

    templates = {
        "launch_tui/templates/" + p.relative_to(ROOT / "templates").as_posix()
        for p in (ROOT / "templates").rglob("*")
        if p.is_file()
    }
    data = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "launch_tui").rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    }
    assert any(t.endswith("report.md.j2") for t in templates)
    assert {"launch_tui/core/playbook.toml", "launch_tui/sandbox/worlds/demo.toml"} <= data
    missing = sorted((templates | data) - names)
    assert not missing, f"not in the wheel: {missing}"
    # The code too, and nothing from the tests or benchmarks.
    assert "launch_tui/cli/main.py" in names
    assert not any(n.startswith(("tests/", "bench/")) for n in names)


def _uv(*args: str, cwd: Path = ROOT) -> None:
    assert UV is not None
    done = subprocess.run(
        [UV, *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, f"uv {' '.join(args)}: {done.stderr[-2000:]}"


def _lines(stream: object) -> queue.Queue[str]:
    """Lines of a pipe, read on a thread so the test can wait for one with a deadline."""
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        try:
            for line in stream:  # type: ignore[attr-defined]
                lines.put(line)
        except (OSError, ValueError):  # closed under us after a failure: the test reports it
            pass
        lines.put("")  # end of output

    threading.Thread(target=pump, daemon=True).start()
    return lines


def _wait_for(lines: queue.Queue[str], text: str, seen: list[str]) -> None:
    while True:
        line = lines.get(timeout=120)
        seen.append(line)
        assert line, f"output ended before {text!r}: {''.join(seen)[-2000:]}"
        if text in line:
            return


@pytest.mark.slow
@pytest.mark.skipif(UV is None, reason="uv is not on PATH")
def test_the_installed_wheel_runs_outside_the_source_tree(tmp_path: Path) -> None:
    dist, venv, away = tmp_path / "dist", tmp_path / "venv", tmp_path / "elsewhere"
    away.mkdir()
    _uv("build", "--wheel", "--out-dir", str(dist), str(ROOT))
    (wheel,) = dist.glob("launch_tui-*.whl")
    lock = tmp_path / "pylock.toml"
    _uv(
        "export",
        "--frozen",
        "--no-dev",
        "--no-emit-project",
        "--format",
        "pylock.toml",
        "-o",
        str(lock),
    )
    _uv("venv", "--quiet", str(venv), "--python", sys.executable, cwd=away)
    python = venv / "bin" / "python"
    _uv(
        "pip", "install", "--quiet", "--offline", "--python", str(python), "-r", str(lock), cwd=away
    )
    _uv(
        "pip",
        "install",
        "--quiet",
        "--offline",
        "--no-deps",
        "--python",
        str(python),
        str(wheel),
        cwd=away,
    )

    # Nothing of the checkout may leak in: no PYTHONPATH, another working folder and HOME.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(HOME=str(away), XDG_DATA_HOME=str(away / "data"), PYTHONDONTWRITEBYTECODE="1")
    app = str(venv / "bin" / "launch-tui")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [app, *args],
            cwd=away,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    version = run("--version")
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"launch-tui {launch_tui.__version__}"
    where = subprocess.run(
        [str(python), "-c", "import launch_tui; print(launch_tui.__file__)"],
        cwd=away,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout

    session = away / "demo.toml"
    sandbox = subprocess.Popen(
        [app, "sandbox", "-o", str(session)],
        cwd=away,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen: list[str] = []
    try:
        assert sandbox.stdout is not None
        lines = _lines(sandbox.stdout)
        _wait_for(lines, "Serving until Ctrl-C", seen)
        checked = run(
            "check", str(session), "--only", "dns.records,tls.certificate", "--format", "json"
        )
        # The demo world has findings: exit 1, and a report naming them.
        assert checked.returncode == 1, checked.stderr[-2000:]
        report = json.loads(checked.stdout)
        failing = {(r["check_id"], r["target"]) for r in report["results"] if r["blocking"]}
        assert ("dns.records", "promo.brightlane.test") in failing
        sandbox.send_signal(signal.SIGINT)
        _wait_for(lines, "Sandbox stopped", seen)
        assert sandbox.wait(timeout=60) == 0
    finally:
        if sandbox.poll() is None:
            sandbox.kill()
            sandbox.wait(timeout=30)
        if sandbox.stdout is not None:
            sandbox.stdout.close()

"""The wheel a user installs holds everything the app reads at run time, not only the code.

Builds the wheel with ``uv build`` (hatchling, as pyproject.toml says) into a temp folder and
compares its file list with the package's data files in this checkout: the Jinja templates
(force-included from ``templates/``), the playbook, the sandbox worlds, the TUI stylesheet and
the checks' data snapshots. A data file missing from the wheel works from a checkout and fails
after ``pip install``.
"""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

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

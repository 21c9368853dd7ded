"""No bench or helper script is named like a standard-library module.

``python bench/x.py`` puts ``bench/`` first on ``sys.path``, so a ``bench/secrets.py`` is what
``import secrets`` finds in every bench process: ``monitor.request_id`` (``secrets.token_hex``)
crashed on every route in ``bench/audit.py``, about ten errors per copy of the world, and never
in ``launch-tui check``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("folder", ["bench", "scripts"])
def test_no_script_shadows_a_standard_module(folder: str) -> None:
    scripts = sorted((ROOT / folder).glob("*.py"))
    assert scripts or folder != "bench"
    shadowing = [p.name for p in scripts if p.stem in sys.stdlib_module_names]
    assert shadowing == []

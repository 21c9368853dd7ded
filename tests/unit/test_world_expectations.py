"""The sandbox worlds' expected findings name real playbook checks, so tests can compare exactly."""

from __future__ import annotations

import pytest

from launch_tui.core.playbook import builtin_playbook
from launch_tui.sandbox import BUILTIN_WORLDS, builtin_world


@pytest.mark.parametrize("name", sorted(BUILTIN_WORLDS))
def test_expected_findings_use_playbook_check_ids(name: str) -> None:
    playbook = builtin_playbook()
    world = builtin_world(name)
    unknown = sorted({f.check for f in world.expected if f.check and f.check not in playbook})
    assert unknown == [], f"{name}: expected findings name checks not in the playbook: {unknown}"

"""Nothing outside launch_tui.tui may pull in textual or rich, even indirectly."""

from __future__ import annotations

import subprocess
import sys

CORE_MODULES = [
    "launch_tui",
    "launch_tui.core",
    "launch_tui.store",
    "launch_tui.net",
    "launch_tui.checks",
    "launch_tui.report",
    "launch_tui.sandbox",
    "launch_tui.cli",
]


def test_core_packages_do_not_import_textual_or_rich() -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        f"roots = {CORE_MODULES!r}\n"
        "for root in roots:\n"
        "    mod = importlib.import_module(root)\n"
        "    for info in pkgutil.walk_packages(getattr(mod, '__path__', []), root + '.'):\n"
        "        if '.tui' in info.name or info.name.endswith('__main__'):\n"
        "            continue\n"
        "        importlib.import_module(info.name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "", f"textual/rich imported outside tui: {out.stdout.strip()}"

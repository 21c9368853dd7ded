"""Check ids are written in the catalogue, the playbook and tests, and nowhere else.

The report and the TUI read checks through the playbook's deliverable parts
(``[[stages.deliverable.reads]]``, :mod:`launch_tui.report.parts`), so renaming a check is an edit
to its family module and ``core/playbook.toml``, and a check id nobody defines cannot hide in a
report module (``secrets.history`` did).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from launch_tui.checks import default_registry
from launch_tui.core.playbook import builtin_playbook

PACKAGE = Path(__file__).resolve().parents[2] / "launch_tui"
CATALOGUE = PACKAGE / "checks"

#: Literals that look like check ids but are not, each with the reason.
NOT_CHECK_IDS = {
    ("sandbox/loader.py", "dns.zones"): "a key path of a sandbox world file, in its errors",
    ("sandbox/world_sections.py", "handover.sign_off"): "a key path of a world file, in its errors",
}
#: Session-file migrations name the checks older files hold: history, not the catalogue.
MIGRATIONS = "store/migrate"
#: Check ids still written outside the catalogue, each with the issue that removes them.
KNOWN: dict[tuple[str, str], str] = {}


def _families() -> set[str]:
    playbook = {c.id.split(".", 1)[0] for c in builtin_playbook().checks()}
    registered = {d.id.split(".", 1)[0] for d in default_registry()}
    return playbook | registered


def _command_ids(tree: ast.AST) -> set[int]:
    """The TUI's command ids (``Command("monitor.close", ...)``, ``command("stage.run")``): a
    command scope may share its name with a check family, and the id is not a check's."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("Command", "command"):
                found.add(id(node.args[0]))
    return found


def _id_literals(families: set[str]) -> dict[tuple[str, str], int]:
    """``(path relative to the package, literal) → line`` for every check-id-shaped string."""
    pattern = re.compile(rf"^(?:{'|'.join(sorted(families))})\.[a-z][a-z0-9_]*$")
    found: dict[tuple[str, str], int] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.is_relative_to(CATALOGUE):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        commands = _command_ids(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and id(node) not in commands
                and isinstance(node.value, str)
                and pattern.match(node.value)
            ):
                key = (path.relative_to(PACKAGE).as_posix(), node.value)
                found.setdefault(key, node.lineno)
    return found


def test_the_scan_sees_the_families_and_a_literal() -> None:
    families = _families()
    assert {"dns", "tls", "http", "perf", "email", "secrets", "monitor", "handover"} <= families
    found = _id_literals(families)
    assert ("sandbox/loader.py", "dns.zones") in found
    assert not any(literal == "monitor.close" for _, literal in found), "a command id"


def test_no_check_id_literal_outside_the_catalogue_the_playbook_and_tests() -> None:
    found = _id_literals(_families())
    stray = [
        f"launch_tui/{path}:{line}: {literal!r}"
        for (path, literal), line in sorted(found.items())
        if (path, literal) not in NOT_CHECK_IDS
        and (path, literal) not in KNOWN
        and not path.startswith(MIGRATIONS)
    ]
    assert stray == [], "read checks through the playbook's deliverable parts instead"


def test_the_exceptions_are_still_needed() -> None:
    found = _id_literals(_families())
    assert [key for key in (*NOT_CHECK_IDS, *KNOWN) if key not in found] == []

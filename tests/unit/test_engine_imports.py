"""The check engine knows no check, and its modules import each other without a cycle.

Type annotations may name each other (``CheckContext.check`` is a ``CheckDef``, a ``CheckDef``'s
function takes a ``CheckContext``): those imports are under ``TYPE_CHECKING`` and never run.
The engine reaches the checks only through ``CHECK_MODULES`` (by name, at run time): no engine
module imports a check family, whichever families exist. The store and the layers above are an
import-linter contract in ``pyproject.toml``.
"""

from __future__ import annotations

import itertools

import grimp

ENGINE = "launch_tui.checks.engine"
CHECKS = "launch_tui.checks"


def test_the_engine_has_no_runtime_import_cycle() -> None:
    graph = grimp.build_graph("launch_tui", exclude_type_checking_imports=True)
    modules = sorted(m for m in graph.modules if m == ENGINE or m.startswith(ENGINE + "."))
    assert f"{ENGINE}.registry" in modules and f"{ENGINE}.context" in modules
    cycles = [
        (a, b)
        for a, b in itertools.permutations(modules, 2)
        if graph.direct_import_exists(importer=a, imported=b)
        and graph.chain_exists(importer=b, imported=a)
    ]
    assert cycles == []


def test_the_engine_imports_no_check_family() -> None:
    graph = grimp.build_graph("launch_tui")
    families = sorted(graph.find_children(CHECKS) - {ENGINE})
    assert f"{CHECKS}.dns" in families and f"{CHECKS}.perf" in families
    reached = [
        family
        for family in families
        if graph.chain_exists(importer=ENGINE, imported=family, as_packages=True)
    ]
    assert reached == []

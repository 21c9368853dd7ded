"""The check engine's modules import each other without a cycle at run time.

Type annotations may name each other (``CheckContext.check`` is a ``CheckDef``, a ``CheckDef``'s
function takes a ``CheckContext``): those imports are under ``TYPE_CHECKING`` and never run.
What the engine must not import at all (a check family, the store) is an import-linter contract
in ``pyproject.toml``.
"""

from __future__ import annotations

import itertools

import grimp

ENGINE = "launch_tui.checks.engine"


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

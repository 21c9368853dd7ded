"""The checks: the engine that runs them, one room per check family, and their parsers.

Flow: ``default_registry()`` → ``expand_selection(registry, session, Selection(...))`` gives work
items → ``run_checks(items, context_factory(session, services))`` streams events (or ``run_all``
drains them) → ``merge_results(session, finished.results)`` → the caller saves the session
(``engine.session_run`` does all of it, given a save callable).

Layout: ``engine/`` runs checks and knows none of them (``registry``, ``context``, ``targets``,
``runner``, ``merging``, ``session_run``, ``services``, ``request_cache``, ``fetching``,
``findings``); each family is named by its check ids' prefix (``dns.py`` holds ``dns.*``,
``http/`` holds ``http.*``...) and registers its checks as described in
:mod:`launch_tui.checks.engine.registry`; ``parse/`` holds pure parsers the families share. This
package re-exports the engine's public surface.
"""

from launch_tui.checks.engine.context import CheckContext, CheckServices, context_factory, utc_now
from launch_tui.checks.engine.merging import merge_results
from launch_tui.checks.engine.registry import (
    CHECK_MODULES,
    CheckDef,
    CheckFunc,
    Registry,
    RegistryDrift,
    default_registry,
)
from launch_tui.checks.engine.runner import (
    CheckFinished,
    CheckStarted,
    MakeContext,
    RunEvent,
    RunFinished,
    run_all,
    run_checks,
)
from launch_tui.checks.engine.targets import Selection, WorkItem, expand_selection

__all__ = [
    "CHECK_MODULES",
    "CheckContext",
    "CheckDef",
    "CheckFinished",
    "CheckFunc",
    "CheckServices",
    "CheckStarted",
    "MakeContext",
    "Registry",
    "RegistryDrift",
    "RunEvent",
    "RunFinished",
    "Selection",
    "WorkItem",
    "context_factory",
    "default_registry",
    "expand_selection",
    "merge_results",
    "run_all",
    "run_checks",
    "utc_now",
]

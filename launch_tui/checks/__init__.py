"""The check engine: which checks exist, what to run, running it, folding results in.

Flow: ``default_registry()`` → ``expand_selection(registry, session, Selection(...))`` gives work
items → ``run_checks(items, context_factory(session, services))`` streams events (or ``run_all``
drains them) → ``merge_results(session, finished.results)`` → the caller saves the session.

Modules: ``registry`` (definitions, registration pattern), ``context`` (what a check receives),
``targets`` (selection → work items), ``runner`` (concurrency, deadlines, cancellation, events),
``merge`` (results into the session). Check modules (``dns``, ``http``...) register themselves as
described in :mod:`launch_tui.checks.engine.registry`.
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

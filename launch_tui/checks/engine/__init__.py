"""The check engine: knows how to find, run and fold in checks, and no check in particular.

Modules: ``registry`` (definitions, the registration pattern and each check's merge rule),
``context`` (what a check receives), ``targets`` (selection → work items), ``runner``
(concurrency, deadlines, cancellation, events), ``merging`` (results into the session, through
the rules the checks registered), ``session_run`` (the run over a session that the CLI and the
TUI share; the caller passes how to save), ``services`` (the outside world built from a
session's network settings), ``findings`` (a result as the worst of what a check found),
``fetching`` (HTTP within a check's budget) and ``request_cache`` (the run's one cache of shared
requests). An import-linter contract keeps the engine off every check family and the store.
"""

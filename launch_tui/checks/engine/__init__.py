"""The check engine: knows how to find, run and fold in checks, and no check in particular.

Modules: ``registry`` (definitions and the registration pattern), ``context`` (what a check
receives), ``targets`` (selection → work items), ``runner`` (concurrency, deadlines,
cancellation, events), ``merging`` (results into the session), ``session_run`` (the run over a
session that the CLI and the TUI share), ``services`` (the outside world built from a session's
network settings), ``fetching`` (HTTP within a check's budget) and ``request_cache`` (one run's
identical requests sent once).
"""

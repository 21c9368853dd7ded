"""Deploy rehearsal checks (stage 5): staging vs production, health after a deploy, reversible
migrations, and a build output free of secrets, source maps and debug flags.

``env_diff`` compares each staging/production pair of hosts; ``health`` judges health routes and
:mod:`.health_watch` polls one until healthy (``launch-tui watch-deploy``, the TUI's rollback
drill); ``migrations`` reads the repository's migrations; ``build_output`` scans the build folder.
"""

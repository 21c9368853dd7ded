"""The ``audit.*`` checks: the stack as the internet sees it against what the client declared."""

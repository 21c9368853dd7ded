"""Helpers for tests that build real git repositories in a temp folder and plant fresh secrets.

Secrets are generated per run (random, realistic shapes), so no test file holds one.
"""

from __future__ import annotations

import os
import secrets
import string
import subprocess
from pathlib import Path

_ALNUM = string.ascii_letters + string.digits


def token(prefix: str, length: int) -> str:
    """``prefix`` and ``length`` random letters and digits: a fresh secret of a realistic shape."""
    return prefix + "".join(secrets.choice(_ALNUM) for _ in range(length))


def git(repo: Path, *args: str) -> None:
    """Run git in ``repo`` with a fixed identity and no user or system configuration."""
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(repo),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.test",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.test",
    }
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)

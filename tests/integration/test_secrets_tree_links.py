"""The working-tree scan links whole folders where git leaves nothing in them out: it still
reads exactly what ``git add -A`` would take. Ignored files (one in an otherwise tracked folder,
an ignored folder), a symlink to a file outside the repository and a submodule-like nested
repository stay unread; tracked, untracked and deeply nested files are found, with paths
relative to the repository."""

from __future__ import annotations

import os
import secrets
import string
import subprocess
from pathlib import Path

from launch_tui.checks.secrets.report import ScanKind
from launch_tui.checks.secrets.scanner import _mirror_plan, scan

_ALNUM = string.ascii_letters + string.digits


def _token() -> str:
    return "ghp_" + "".join(secrets.choice(_ALNUM) for _ in range(36))


def _git(repo: Path, *args: str) -> None:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(repo),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.test",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.test",
    }
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def _put(path: Path, token: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"export GITHUB_TOKEN={token}\n")
    return token


async def test_the_tree_scan_reads_what_git_would_commit_and_nothing_else(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "client"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    (repo / ".gitignore").write_text("lib/local.env\nnode_modules/\n")
    found = {
        "src/deep/er/app.sh": _put(repo / "src/deep/er/app.sh", _token()),
        "lib/tracked.sh": _put(repo / "lib/tracked.sh", _token()),
        "tools/real.sh": _put(repo / "tools/real.sh", _token()),
    }
    hidden = [
        _put(repo / "lib/local.env", _token()),
        _put(repo / "node_modules/pkg/index.sh", _token()),
        _put(tmp_path / "outside.sh", _token()),
        _put(repo / "vendor/nested/secret.sh", _token()),
    ]
    (repo / "tools/link.sh").symlink_to(tmp_path / "outside.sh")
    _git(repo / "vendor/nested", "init", "-q")  # a repository of its own: not ours to read
    _git(repo, "add", ".gitignore", "src", "lib", "tools")
    _git(repo, "commit", "-qm", "start")
    found["web/new.sh"] = _put(repo / "web/new.sh", _token())  # untracked, not ignored

    outcome = await scan(ScanKind.TREE, repo)
    assert outcome.error == ""
    by_path = {f.path: f.value.fingerprint for f in outcome.findings}
    assert set(found) <= set(by_path), by_path
    assert all(
        not p.startswith(("lib/local", "node_modules", "vendor", "tools/link")) for p in by_path
    )
    shown = repr(outcome)
    for token in [*found.values(), *hidden]:
        assert token not in shown
    assert outcome.files == 5  # .gitignore and the four files above

    names = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    ignored = ["lib/local.env", "node_modules/"]
    files, links = _mirror_plan(repo, names, ignored)
    # Whole folders where nothing is left out; one link per file elsewhere.
    assert sorted(links) == [".gitignore", "lib/tracked.sh", "src", "tools/real.sh", "web"]
    assert sorted(files) == sorted([".gitignore", *found])

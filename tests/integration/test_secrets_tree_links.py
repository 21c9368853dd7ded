"""The working-tree scan links whole folders where git leaves nothing in them out: it still
reads exactly what ``git add -A`` would take. Ignored files (one in an otherwise tracked folder,
an ignored folder), a symlink to a file outside the repository and a submodule-like nested
repository stay unread; tracked, untracked and deeply nested files are found, with paths
relative to the repository."""

from __future__ import annotations

import subprocess
from pathlib import Path

from git_repos import git, token

from launch_tui.checks.secrets.mirror import mirror_plan
from launch_tui.checks.secrets.report import ScanKind
from launch_tui.checks.secrets.scanner import scan


def _put(path: Path, token: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"export GITHUB_TOKEN={token}\n")
    return token


async def test_the_tree_scan_reads_what_git_would_commit_and_nothing_else(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "client"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / ".gitignore").write_text("lib/local.env\nnode_modules/\n")
    found = {
        "src/deep/er/app.sh": _put(repo / "src/deep/er/app.sh", token("ghp_", 36)),
        "lib/tracked.sh": _put(repo / "lib/tracked.sh", token("ghp_", 36)),
        "tools/real.sh": _put(repo / "tools/real.sh", token("ghp_", 36)),
    }
    hidden = [
        _put(repo / "lib/local.env", token("ghp_", 36)),
        _put(repo / "node_modules/pkg/index.sh", token("ghp_", 36)),
        _put(tmp_path / "outside.sh", token("ghp_", 36)),
        _put(repo / "vendor/nested/secret.sh", token("ghp_", 36)),
    ]
    (repo / "tools/link.sh").symlink_to(tmp_path / "outside.sh")
    git(repo / "vendor/nested", "init", "-q")  # a repository of its own: not ours to read
    git(repo, "add", ".gitignore", "src", "lib", "tools")
    git(repo, "commit", "-qm", "start")
    found["web/new.sh"] = _put(repo / "web/new.sh", token("ghp_", 36))  # untracked, not ignored

    outcome = await scan(ScanKind.TREE, repo)
    assert outcome.error == ""
    by_path = {f.path: f.value.fingerprint for f in outcome.findings}
    assert set(found) <= set(by_path), by_path
    assert all(
        not p.startswith(("lib/local", "node_modules", "vendor", "tools/link")) for p in by_path
    )
    shown = repr(outcome)
    for value in [*found.values(), *hidden]:
        assert value not in shown
    assert outcome.files == 5  # .gitignore and the four files above

    names = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    ignored = ["lib/local.env", "node_modules/"]
    files, links = mirror_plan(repo, names, ignored)
    # Whole folders where nothing is left out; one link per file elsewhere.
    assert sorted(links) == [".gitignore", "lib/tracked.sh", "src", "tools/real.sh", "web"]
    assert sorted(files) == sorted([".gitignore", *found])

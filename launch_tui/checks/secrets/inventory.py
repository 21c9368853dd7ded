"""``secrets.inventory``: every secret the code reads is on the session's list, complete.

Names (never values) are discovered in the repository (:mod:`.names`: env templates, code
that reads the environment, framework config). Each secret-looking name must have an entry in
the session's ``[[secrets]]`` with where it is stored and who owns it; the results' merge
(:mod:`.tasks`) adds the names found as entries to complete. A server-only name published
under a client prefix (``NEXT_PUBLIC_..._SECRET``) is a failure: the framework compiles its
value into the browser bundle.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from launch_tui.checks.engine.context import CheckContext
from launch_tui.checks.engine.registry import Registry
from launch_tui.checks.secrets.names import (
    exposed_server_name,
    looks_secret,
)
from launch_tui.checks.secrets.scans import local_path, shared_names
from launch_tui.checks.secrets.tasks import fold_inventory
from launch_tui.core.model import CheckResult, JSONValue, Secret, Severity, Status
from launch_tui.core.playbook import AppliesTo
from launch_tui.core.sanitize import clean

CHECKS = Registry()

#: Names listed in a summary line.
_SUMMARY_ITEMS = 4


def _json_list(items: Iterable[str]) -> list[JSONValue]:
    return list(items)


def missing_fields(entry: Secret) -> list[str]:
    """What an inventory entry still lacks: where it is stored, and who owns it."""
    missing = []
    if not entry.stored_in.strip():
        missing.append("stored_in")
    if not entry.owner.strip():
        missing.append("owner")
    return missing


@CHECKS.register(
    "secrets.inventory",
    stage="email-secrets",
    title="Secrets inventoried",
    severity=Severity.HIGH,
    applies_to=AppliesTo.SESSION,
    merge=fold_inventory,
)
async def inventory(ctx: CheckContext) -> CheckResult:
    """Discover secret names in the repository and compare them with the session's list."""
    path = ctx.session.targets.repo_path.strip()
    entries = {s.name: s for s in ctx.session.secrets}
    if not path and not entries:
        return ctx.result(
            Status.SKIPPED, "No repository to read names from and no secrets inventoried"
        )
    found: dict[str, list[str]] = {}
    files = 0
    if path:
        root = local_path(path)
        if not await asyncio.to_thread(root.is_dir):
            return ctx.result(Status.ERROR, f"{clean(path, max_len=200)} is not a folder")
        found = await shared_names(ctx, root)
        files = len({p.rsplit(":", 1)[0] for places in found.values() for p in places})
    secret_names = {n: w for n, w in found.items() if looks_secret(n)}
    exposed = sorted(n for n in found if exposed_server_name(n))
    not_listed = [n for n in secret_names if n not in entries]
    incomplete = {
        name: missing_fields(entry)
        for name, entry in entries.items()
        if missing_fields(entry) and entry.name
    }
    evidence: dict[str, JSONValue] = {
        "files_naming_secrets": files,
        "names": [
            {
                "name": name,
                "found_in": [str(p) for p in places[:10]],
                "inventoried": name in entries,
                "public_exposure": name in exposed,
            }
            for name, places in secret_names.items()
        ],
        "settings": _json_list(n for n in sorted(found) if n not in secret_names),
        "not_inventoried": _json_list(not_listed),
        "incomplete": [{"name": n, "missing": _json_list(m)} for n, m in incomplete.items()],
        "exposed": _json_list(exposed),
        "inventory": len(entries),
    }
    if exposed:
        return ctx.result(
            Status.FAIL,
            clean(
                "Server-only value published to the browser through a public prefix: "
                + ", ".join(exposed[:_SUMMARY_ITEMS]),
                max_len=400,
            ),
            evidence=evidence,
        )
    todo = list(dict.fromkeys([*not_listed, *incomplete]))
    if todo:
        shown = ", ".join(todo[:_SUMMARY_ITEMS]) + (
            f" and {len(todo) - _SUMMARY_ITEMS} more" if len(todo) > _SUMMARY_ITEMS else ""
        )
        return ctx.result(
            Status.WARN,
            clean(
                f"{len(todo)} secret(s) to complete in the inventory (where stored, owner): "
                + shown,
                max_len=400,
            ),
            evidence=evidence,
        )
    return ctx.result(
        Status.PASS,
        f"{len(entries)} secret(s) inventoried with where they are stored and their owner",
        evidence=evidence,
    )

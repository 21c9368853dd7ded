"""Fold a run's results into the session, remembering what each check said last time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from launch_tui.core.model import CheckResult, Session, Stack


def _with_detected_stack(stack: Stack, incoming: dict[tuple[str, str], CheckResult]) -> Stack:
    """``stack`` with ``detected`` filled from this run's stack and registry answers."""
    # Imported here: the stack check loads its provider data, which plain merges never need.
    from launch_tui.checks.audit.stack import detected_stack

    found = incoming.get(("audit.stack", ""))
    if found is not None:
        stack = detected_stack(stack, found)
    expiry = incoming.get(("domain.expiry", ""))
    registrar = expiry.evidence.get("registrar") if expiry is not None else None
    if isinstance(registrar, str) and registrar:
        stack = replace(stack, registrar=replace(stack.registrar, detected=registrar))
    return stack


def merge_results(session: Session, results: Iterable[CheckResult]) -> Session:
    """``session`` with ``results`` merged in. Pure: the caller saves it through the store.

    - A result for a ``(check_id, target)`` already in the session replaces it in place, and its
      ``previous_status`` becomes the replaced result's status. It is always the status of the
      immediately preceding run, so ``CheckResult.changed`` means "changed since the last run";
      a re-run that gives the same status again is therefore no longer "changed".
    - A result for a new key is appended, in the order given, with ``previous_status=None``.
    - Results of checks not re-run are kept untouched.
    - If ``results`` holds the same key twice, the last one wins.
    - What ``audit.stack`` detected (DNS host, mail provider, hosting, CDN) and the registrar
      ``domain.expiry`` read from the registry fill the stack's ``detected`` values, beside the
      declared ones; a component not detected this run keeps its earlier value.
    """
    incoming: dict[tuple[str, str], CheckResult] = {}
    for result in results:
        incoming.pop(result.key, None)  # re-insert so the last duplicate also sets the order
        incoming[result.key] = result
    if not incoming:
        return session

    merged: list[CheckResult] = []
    replaced: set[tuple[str, str]] = set()
    for old in session.results:
        new = incoming.get(old.key)
        if new is None:
            merged.append(old)
        elif old.key not in replaced:
            merged.append(replace(new, previous_status=old.status))
            replaced.add(old.key)
        # else: a duplicate of a key just replaced (hand-edited file); the new result supersedes it.
    merged.extend(
        replace(new, previous_status=None) for key, new in incoming.items() if key not in replaced
    )
    return replace(
        session,
        results=tuple(merged),
        stack=_with_detected_stack(session.stack, incoming),
    )

"""Fold a run's results into the session, remembering what each check said last time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from launch_tui.checks.engine.registry import MergeRule, default_registry
from launch_tui.core.model import CheckResult, Session


def merge_results(
    session: Session,
    results: Iterable[CheckResult],
    rules: Mapping[str, MergeRule] | None = None,
) -> Session:
    """``session`` with ``results`` merged in. Pure: the caller saves it through the store.

    - A result for a ``(check_id, target)`` already in the session replaces it in place, and its
      ``previous_status`` becomes the replaced result's status. It is always the status of the
      immediately preceding run, so ``CheckResult.changed`` means "changed since the last run";
      a re-run that gives the same status again is therefore no longer "changed".
    - A result for a new key is appended, in the order given, with ``previous_status=None``.
    - Results of checks not re-run are kept untouched.
    - If ``results`` holds the same key twice, the last one wins.
    - Then each check's merge rule (``rules``, by check id: by default every registered check's,
      see :meth:`~launch_tui.checks.engine.registry.Registry.merge_rules`) is applied for its
      fresh result, in the order the results were given: this is how what ``audit.stack``
      detected and the registrar ``domain.expiry`` read fill the stack's ``detected`` values.
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
    session = replace(session, results=tuple(merged))
    if rules is None:
        rules = default_registry().merge_rules()
    for result in incoming.values():
        rule = rules.get(result.check_id)
        if rule is not None:
            session = rule(session, result)
    return session

"""Encoding a session for a save: validated plain data, re-encoding only what changed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from launch_tui.core.errors import SessionSaveError
from launch_tui.core.model import CheckResult, Evidence, Session, Severity, Status
from launch_tui.core.session_codec import (
    CodecError,
    result_from_data,
    result_to_data,
    session_from_data,
    session_to_data,
)
from launch_tui.core.session_table import is_plain

__all__ = ["SessionEncoder"]


_Memo = dict[int, tuple[CheckResult, dict[str, Any], CheckResult]]
_EvidenceMemo = dict[int, tuple[Evidence, dict[str, Any], Evidence]]


class SessionEncoder:
    """Session -> validated plain data, re-encoding only the results that changed.

    Results are most of a session's size and most saves change one or two of them. Results
    are frozen, so one that is the very same object as at the last save has the same data and
    the same validated form; those are kept here (with the object, so its id stays unique).
    A re-run makes new results whose evidence is often the very same object as before (only
    the timestamp and duration changed): that evidence's data and validated form are kept
    too, so only the new result's own few fields are encoded and checked.
    """

    def __init__(self, session: Session, data: Mapping[str, Any]) -> None:
        self._memo: _Memo = {}
        self._evidence: _EvidenceMemo = {}
        for result, entry in zip(session.results, data["results"], strict=True):
            self._memo[id(result)] = (result, entry, result)
            self._evidence[id(result.evidence)] = (
                result.evidence,
                entry["evidence"],
                result.evidence,
            )

    def encode(self, session: Session, path: Path) -> tuple[dict[str, Any], Session]:
        """``(data, saved)``: the plain data to write, and the session reopening will give.

        Raises :class:`SessionSaveError` when a value would not read back (a file that would
        not open again is never written).
        """
        data = session_to_data(replace(session, results=()))
        try:
            saved = session_from_data(data)
            memo: _Memo = {}
            evidence = self._evidence
            entries, results = [], []
            for index, result in enumerate(session.results):
                known = self._memo.get(id(result))
                if known is None or known[0] is not result:
                    known = self._encode(result, index)
                    found = (result.evidence, known[1]["evidence"], known[2].evidence)
                    evidence[id(result.evidence)] = found
                    if known[2].evidence is not result.evidence:
                        evidence[id(known[2].evidence)] = (known[2].evidence, *found[1:])
                memo[id(result)] = known
                # The saved result, handed back at the next save (one tuple, kept from save
                # to save).
                if known[0] is not known[2]:
                    memo[id(known[2])] = (known[2], known[1], known[2])
                entries.append(known[1])
                results.append(known[2])
        except CodecError as exc:
            raise SessionSaveError(f"{path}: not saved: {exc.key}: {exc.reason}", path) from None
        data["results"] = entries
        self._memo = memo
        if len(evidence) > 4 * len(results) + 64:
            # Keep the evidence of the results saved now, not of every result ever saved.
            self._evidence = {
                id(given.evidence): (given.evidence, entry["evidence"], saved_result.evidence)
                for given, entry, saved_result in memo.values()
            }
        return data, replace(saved, results=tuple(results))

    def _encode(
        self, result: CheckResult, index: int
    ) -> tuple[CheckResult, dict[str, Any], CheckResult]:
        known = self._evidence.get(id(result.evidence))
        # Still equal to its data (a dict is not frozen: one changed in place is encoded anew).
        if known is not None and known[0] is result.evidence and known[1] == result.evidence:
            entry = result_to_data(result, known[1])
            return result, entry, result_from_data(entry, index, known[2])
        entry = result_to_data(result)
        # Evidence that is plain data already is what reading its data back gives: kept as
        # it is (frozen results share it), not copied.
        if not is_plain(result.evidence):
            return result, entry, result_from_data(entry, index)
        if _canonical(result):
            return result, entry, result  # what reading its data back gives: itself
        return result, entry, result_from_data(entry, index, result.evidence)


def _canonical(result: CheckResult) -> bool:
    """Whether reading ``result``'s data back gives an equal result (its evidence aside): each
    field of exactly the type the reader makes, its time in UTC (``result_from_data``)."""
    measured = result.measured_at
    return (
        type(result.check_id) is str
        and type(result.target) is str
        and type(result.summary) is str
        and type(result.duration_ms) is int
        and type(result.status) is Status
        and type(result.severity) is Severity
        and (result.previous_status is None or type(result.previous_status) is Status)
        and (measured is None or (type(measured) is datetime and measured.tzinfo is UTC))
    )

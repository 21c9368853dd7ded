"""Encoding a session for a save: validated plain data, re-encoding only what changed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from launch_tui.core.errors import SessionSaveError
from launch_tui.core.model import CheckResult, Session
from launch_tui.core.session_codec import (
    CodecError,
    result_from_data,
    result_to_data,
    session_from_data,
    session_to_data,
)

__all__ = ["SessionEncoder"]


class SessionEncoder:
    """Session -> validated plain data, re-encoding only the results that changed.

    Results are most of a session's size and most saves change one or two of them. Results
    are frozen, so one that is the very same object as at the last save has the same data and
    the same validated form; those are kept here (with the object, so its id stays unique).
    """

    def __init__(self, session: Session, data: Mapping[str, Any]) -> None:
        self._memo: dict[int, tuple[CheckResult, dict[str, Any], CheckResult]] = {}
        for result, entry in zip(session.results, data["results"], strict=True):
            self._memo[id(result)] = (result, entry, result)

    def encode(self, session: Session, path: Path) -> tuple[dict[str, Any], Session]:
        """``(data, saved)``: the plain data to write, and the session reopening will give.

        Raises :class:`SessionSaveError` when a value would not read back (a file that would
        not open again is never written).
        """
        data = session_to_data(replace(session, results=()))
        try:
            saved = session_from_data(data)
            memo: dict[int, tuple[CheckResult, dict[str, Any], CheckResult]] = {}
            entries, results = [], []
            for index, result in enumerate(session.results):
                known = self._memo.get(id(result))
                if known is None or known[0] is not result:
                    entry = result_to_data(result)
                    known = (result, entry, result_from_data(entry, index))
                memo[id(result)] = known
                memo[id(known[2])] = (known[2], known[1], known[2])
                entries.append(known[1])
                results.append(known[2])
        except CodecError as exc:
            raise SessionSaveError(f"{path}: not saved: {exc.key}: {exc.reason}", path) from None
        data["results"] = entries
        self._memo = memo
        return data, replace(saved, results=tuple(results))

"""What the tests of the save's text check share: ``[[results]]`` entries written as text.

:func:`result_entry` is one result's plain data (as the codec makes it), :func:`written_entries`
writes entries the way a save does and pairs each text with the data it must read back as. Import
from here like any module (``tests/`` is on ``sys.path`` through the rootdir ``conftest.py``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from launch_tui.core.session_codec import ARRAYS
from launch_tui.store.entry_text import EntryWriter

RESULTS = ARRAYS["results"]


def written_entries(entries: list[dict[str, Any]], writer: EntryWriter | None = None) -> list[Any]:
    """Each entry written as text: ``("results", its EntryText, its data without defaults)``."""
    writer = writer or EntryWriter()
    texts = []
    for entry in entries:
        text = writer.entry("results", entry, RESULTS.defaults)
        assert text is not None, entry
        data = {k: v for k, v in entry.items() if RESULTS.defaults.get(k, object()) != v}
        texts.append(("results", text, data))
    return texts


def result_entry(n: int, **evidence: Any) -> dict[str, Any]:
    """A result's plain data, its evidence a fetch and ``evidence``'s keys."""
    return {
        "check": "http.cookies",
        "target": f"t{n}",
        "status": "pass",
        "severity": "high",
        "summary": f"No cookies set by GET https://x{n}.test/",
        "measured_at": datetime(2026, 12, 7, 6, n % 60, tzinfo=UTC),
        "duration_ms": n,
        "evidence": {"cookies": [], "fetch": {"url": f"https://x{n}.test/", "status": 200}}
        | evidence,
    }

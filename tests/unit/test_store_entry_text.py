"""New array-of-tables entries written as text: the same text as tomlkit writes for them, the
same file a save wrote before, and a parse check that refuses text that does not read back."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import tomlkit

from launch_tui.core.session_codec import ARRAYS
from launch_tui.core.session_encode import session_to_data
from launch_tui.store import create_session, load_session, open_session
from launch_tui.store.document_edit import _Updater
from launch_tui.store.entry_text import TextEntry, entry_text
from launch_tui.store.text_check import texts_read_back

DATA = Path(__file__).resolve().parent.parent / "data"
BRIGHTLANE = DATA / "tui" / "brightlane.toml"
RESULTS = ARRAYS["results"]

ODD_BUT_PLAIN: list[dict[str, Any]] = [
    {"check": "a.b", "target": 'say "hi"', "status": "pass", "summary": "back\\slash"},
    {"check": "a.b", "target": "ünïcødé ✓ 😀", "status": "warn", "duration_ms": 0},
    {"check": "a.b", "target": "t", "ratio": 0.1, "big": 1e20, "tiny": 1e-07, "neg": -0.0},
    {"check": "a.b", "target": "t", "at": datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)},
    {
        "check": "a.b",
        "target": "t",
        "at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2))),
    },
    {"check": "a.b", "target": "t", "on": date(2026, 1, 2), "flag": False},
    {"check": "a.b", "target": "t", "evidence": {"names": ["a", "b"], "n": [1, 2, 3, 4]}},
    {"check": "a.b", "target": "t", "evidence": {"long": ["x" * 20, "y" * 20, "z" * 20, "w"]}},
    {"check": "a.b", "target": "t", "evidence": {"routes": {"home": {"up": 99.5}, "x": {}}}},
    {"check": "a.b", "target": "t", "evidence": {"empty": {}, "list": []}},
    {"check": "a.b", "target": "t", "evidence": {"a": 1, "deep": {"b": {"c": {"d": True}}}}},
    {"check": "a.b", "target": "t", "evidence": {"t": {"a": 1}, "v": 2}},
    {"check": "a.b", "target": "t", "evidence": {"t": {"a": 1}, "u": {"b": 2}}},
    {"check": "a.b", "target": "t", "evidence": {"r": {"h": {"a": 1}}, "v": 1}},
    {"check": "a.b", "target": "t", "evidence": {"v": 1, "r": {"h": {"a": 1}, "k": {"b": 1}}}},
    {"check": "a.b", "target": "t", "evidence": {"r": {"h": {}, "v": 1}}},
    {"check": "a.b", "target": "t", "evidence": {"x": {}}},
    {
        "check": "a.b",
        "target": "t",
        "evidence": {"n": 3, "found": [{"f": "x", "l": 1}, {"f": "y"}]},
    },
    {"check": "a.b", "target": "t", "evidence": {"found": [{"f": "x"}], "n": 1}},
    {"check": "a.b", "target": "t", "evidence": {"found": [{"f": "x"}, {}], "t": {"a": 1}}},
    {"check": "a.b", "target": "t", "evidence": {"protocols": {"TLS 1.0": False, "TLS 1.3": True}}},
    {"check": "a.b", "target": "t", "evidence": {'k"q': 1, "sp ace": {"a b": 1}}},
    {
        "check": "a.b",
        "target": "t",
        "evidence": {
            "v": [
                {"a": 1, "l": [1, 2], "b": 2, "d": {"x": 1}, "h": [{"u": 1}, {"u": 2}], "c": 3},
                {"a": 2},
            ]
        },
    },
    {"check": "a.b", "target": "t", "evidence": {"v": [{"l": ["x"], "a": 1}]}},
    {"check": "a.b", "target": "t", "evidence": {"findings": [{"file": "x", "at": {"l": 1}}]}},
    {"check": "a.b", "target": "t", "evidence": {"findings": [{"file": "x", "l": [1]}]}},
]
NOT_PLAIN: list[dict[str, Any]] = [
    {"check": "a.b", "target": "line\nbreak"},
    {"check": "a.b", "target": "t", "evidence": {"v": [{"d": {"x": 1}, "l": [1]}]}},
    {"check": "a.b", "target": "t", "evidence": {"v": [{"d": {"e": {"x": 1}}}]}},
    {"check": "a.b", "target": "t", "evidence": {"tab\tkey": "x"}},
    {"check": "a.b", "target": "t", "evidence": {"nan": float("nan")}},
    {"check": "a.b", "target": "esc\x1b[31m"},
]


def _by_tomlkit(entry: dict[str, Any]) -> str:
    """The entry as the tomlkit route builds a new entry (the oracle)."""
    doc = tomlkit.document()
    aot = tomlkit.aot()
    aot.append(_Updater(doc).new_entry(aot, entry, RESULTS, "results[0]"))
    doc["results"] = aot
    return doc.as_string()


def _brightlane_entries() -> list[dict[str, Any]]:
    return list(session_to_data(load_session(BRIGHTLANE))["results"])


@pytest.mark.parametrize("entry", _brightlane_entries() + ODD_BUT_PLAIN)
def test_text_is_what_tomlkit_writes(entry: dict[str, Any]) -> None:
    text = entry_text("results", entry, RESULTS.defaults)
    assert text is not None
    assert "[[results]]\n" + text == _by_tomlkit(entry)
    assert texts_read_back(
        [
            (
                "results",
                text,
                {k: v for k, v in entry.items() if RESULTS.defaults.get(k, object()) != v},
            )
        ]
    )


@pytest.mark.parametrize("entry", NOT_PLAIN)
def test_what_only_tomlkit_writes_is_left_to_it(entry: dict[str, Any]) -> None:
    assert entry_text("results", entry, RESULTS.defaults) is None


def test_text_that_does_not_read_back_is_refused() -> None:
    good = entry_text("results", {"check": "a", "target": "b"}, {})
    assert good is not None
    assert texts_read_back([("results", good, {"check": "a", "target": "b"})])
    assert not texts_read_back([("results", good, {"check": "a", "target": "c"})])
    assert not texts_read_back([("results", 'check = "a\n', {"check": "a"})])


def test_a_text_entry_materializes_to_the_same_text() -> None:
    entry = {"check": "a.b", "target": "t", "evidence": {"a": 1, "deep": {"b": {"c": {"d": True}}}}}
    text = entry_text("results", entry, RESULTS.defaults)
    assert text is not None
    doc = tomlkit.document()
    aot = tomlkit.aot()
    made = TextEntry(text)
    aot.append(made)
    doc["results"] = aot
    before = doc.as_string()
    made.materialize("results")
    assert doc.as_string() == before
    assert made["evidence"]["deep"]["b"]["c"]["d"] is True


def test_saves_through_text_read_back_and_keep_hand_edits(tmp_path: Path) -> None:
    session = load_session(BRIGHTLANE)
    path = tmp_path / "s.toml"
    with create_session(path, dataclasses.replace(session, results=())) as handle:
        saved = handle.save(dataclasses.replace(handle.session, results=session.results))
        assert load_session(path).results == saved.results
        # Change every result (now text) and one of them to a value only tomlkit writes.
        changed = tuple(
            dataclasses.replace(r, duration_ms=r.duration_ms + 1, summary=r.summary + " again")
            for r in saved.results
        )
        changed = (dataclasses.replace(changed[0], summary="two\nlines"), *changed[1:])
        saved = handle.save(dataclasses.replace(handle.session, results=changed))
        assert load_session(path).results == saved.results
    # A comment added by hand survives the next save through text.
    text = path.read_text("utf-8")
    path.write_text(text.replace("[[results]]", "# checked by hand\n[[results]]", 1), "utf-8")
    with open_session(path) as handle:
        fewer = handle.session.results[1:]
        extra = dataclasses.replace(fewer[0], target="another")
        handle.save(dataclasses.replace(handle.session, results=(*fewer, extra)))
    assert "# checked by hand" in path.read_text("utf-8")
    assert load_session(path).results[-1].target == "another"


def test_a_new_array_of_entries_renders_as_tomlkit_appends_them() -> None:
    from launch_tui.store.document_edit import _extend_new

    def tables() -> list[Any]:
        writer_made = [
            TextEntry(entry_text("results", e, RESULTS.defaults) or "") for e in ODD_BUT_PLAIN[:3]
        ]
        built = tomlkit.table()
        built.add("check", "x")
        return [*writer_made, built, TextEntry('check = "y"\n')]

    by_append, at_once = tomlkit.document(), tomlkit.document()
    appended = tomlkit.aot()
    for table in tables():
        appended.append(table)
    extended = tomlkit.aot()
    _extend_new(extended, tables())
    by_append["results"] = appended
    at_once["results"] = extended
    assert at_once.as_string() == by_append.as_string()
    assert len(at_once["results"]) == 5

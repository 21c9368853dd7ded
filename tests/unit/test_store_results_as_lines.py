"""A session opened from disk keeps its [[results]] entries as their lines (no tomlkit parse of
them), and a save edits those lines: what was added by hand stays, the file reads back, and the
layouts where that is not proven fall back to parsing the whole file."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from launch_tui.core.model import CheckResult, Session, Severity, Status
from launch_tui.store import create_session, load_session, open_session
from launch_tui.store.document_split import split_document
from launch_tui.store.entry_text import TextEntry

BRIGHTLANE = Path(__file__).resolve().parent.parent / "data" / "tui" / "brightlane.toml"
T0 = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)


def _results(count: int) -> tuple[CheckResult, ...]:
    return tuple(
        CheckResult(
            "http.cookies",
            f"route-{n}",
            Status.PASS,
            Severity.HIGH,
            f"No cookies set by GET https://x{n}.test/",
            {"cookies": [], "fetch": {"url": f"https://x{n}.test/", "status": 200}},
            measured_at=T0 + timedelta(seconds=n),
            duration_ms=n,
        )
        for n in range(count)
    )


def _file(tmp_path: Path, count: int = 20) -> Path:
    path = tmp_path / "s.toml"
    base = load_session(BRIGHTLANE)
    create_session(path, dataclasses.replace(base, results=_results(count))).close()
    return path


def _rerun(session: Session, evidence: bool = False) -> Session:
    return dataclasses.replace(
        session,
        results=tuple(
            dataclasses.replace(
                r,
                measured_at=(r.measured_at or T0) + timedelta(minutes=1),
                duration_ms=0 if r.duration_ms == 3 else r.duration_ms + 1,
                evidence={**r.evidence, "run": 2} if evidence else r.evidence,
            )
            for r in session.results
        ),
    )


def test_the_results_of_a_file_are_kept_as_their_lines(tmp_path: Path) -> None:
    text = _file(tmp_path).read_text("utf-8")
    doc = split_document(text)
    assert doc is not None
    entries = doc["results"]
    assert len(entries) == 20 and all(isinstance(e, TextEntry) and e.from_file for e in entries)
    from launch_tui.store.document_render import Renderer

    assert Renderer().render(doc) == text


@pytest.mark.parametrize("evidence", [False, True], ids=["same evidence", "new evidence"])
def test_a_rerun_of_a_file_opened_from_disk_reads_back_and_keeps_hand_edits(
    tmp_path: Path, evidence: bool
) -> None:
    path = _file(tmp_path)
    text = path.read_text("utf-8")
    # By hand: a comment and a key launch-tui does not know inside the second entry, a comment
    # after the results (it introduces what follows).
    second = text.index('target = "route-1"')
    text = text[:second] + "# checked by hand\nticket = 12\n" + text[second:]
    text = text.replace("\n[[decisions]]", "\n# Decisions below\n[[decisions]]", 1)
    path.write_text(text, "utf-8")
    with open_session(path) as handle:
        saved = handle.save(_rerun(handle.session, evidence))
        again = handle.save(_rerun(saved, evidence))
        # Edited as lines, not parsed into items (the point: a save costs what changed).
        doc = handle._loaded.doc
        assert doc is not None
        assert all(isinstance(e, TextEntry) and e.text is not None for e in doc["results"])
    assert load_session(path).results == again.results
    written = path.read_text("utf-8")
    assert "# checked by hand\nticket = 12\n" in written
    assert "# Decisions below\n[[decisions]]" in written
    # 3 -> 0 (the line goes: the default is not written), 0 -> 1 (a line comes).
    assert [r.duration_ms for r in load_session(path).results][2:5] == [0, 1, 6]


def test_a_comment_among_the_evidence_is_kept_by_editing_that_entry_as_items(
    tmp_path: Path,
) -> None:
    path = _file(tmp_path)
    text = path.read_text("utf-8")
    at = text.index('url = "https://x2.test/"')
    path.write_text(text[:at] + "# the second try\n" + text[at:], "utf-8")
    with open_session(path) as handle:
        saved = handle.save(_rerun(handle.session, evidence=True))
    assert load_session(path).results == saved.results
    assert "# the second try" in path.read_text("utf-8")


def test_added_and_removed_results_of_a_file_opened_from_disk(tmp_path: Path) -> None:
    path = _file(tmp_path)
    with open_session(path) as handle:
        session = handle.session
        extra = dataclasses.replace(session.results[0], target="added")
        fewer = (*session.results[:5], extra, *session.results[7:])
        saved = handle.save(dataclasses.replace(session, results=fewer))
    assert load_session(path).results == saved.results
    assert [r.target for r in saved.results][5] == "added"


def _entries(count: int, body: str = 'check = "a"\nstatus = "pass"\nseverity = "info"\n') -> str:
    return "".join(f'[[results]]\ntarget = "t{n}"\n{body}' for n in range(count))


HEAD = 'schema_version = 3\n[sprint]\nid = "s"\nclient = "c"\nstarted_at = 2026-01-01T00:00:00Z\n'


@pytest.mark.parametrize(
    "text",
    [
        (HEAD + _entries(20)).replace("\n", "\r\n"),
        HEAD + _entries(5),  # few: parsed whole, that costs little
        HEAD + _entries(19) + '[[results]]\ncheck = "a"\nsummary = """two\n[[results]]\n"""\n',
        HEAD + _entries(20) + '[ui]\nstage = "audit"\n[results.evidence]\nx = 1\n',
        HEAD.replace("schema_version = 3", "schema_version = 2") + _entries(20),
    ],
    ids=["CRLF", "few entries", "a multi-line string", "results after another table", "old"],
)
def test_a_file_whose_results_cannot_be_split_for_certain_is_parsed_whole(text: str) -> None:
    assert split_document(text) is None


def test_a_split_file_saves_as_a_whole_parse_would(tmp_path: Path) -> None:
    text = HEAD + _entries(20) + '\n[ui]\nstage = "audit"\n'
    path = tmp_path / "s.toml"
    path.write_text(text, "utf-8")
    assert split_document(text) is not None
    with open_session(path) as handle:
        session = handle.session
        changed: list[Any] = list(session.results)
        changed[3] = dataclasses.replace(changed[3], summary="now with a summary", duration_ms=9)
        saved = handle.save(dataclasses.replace(session, results=tuple(changed)))
    assert load_session(path).results == saved.results
    written = path.read_text("utf-8")
    assert written.count("[[results]]") == 20
    assert 'target = "t3"\ncheck = "a"\nstatus = "pass"\nseverity = "info"\n' in written
    assert 'summary = "now with a summary"\nduration_ms = 9\n' in written


@pytest.mark.parametrize("evidence", [False, True], ids=["same evidence", "new evidence"])
def test_an_array_over_several_lines_among_the_values_is_kept(
    tmp_path: Path, evidence: bool
) -> None:
    path = _file(tmp_path)
    text = path.read_text("utf-8")
    # Last among the values, right above the evidence: lines that start with "[" in the
    # results make the file be parsed whole (where the values end would not be sure).
    at = text.index("[results.evidence]", text.index('target = "route-4"'))
    by_hand = 'tags = [\n  ["a"],\n  ["b"]\n]\n'
    path.write_text(text[:at] + by_hand + text[at:], "utf-8")
    with open_session(path) as handle:
        saved = handle.save(_rerun(handle.session, evidence))
    assert load_session(path).results == saved.results
    assert by_hand in path.read_text("utf-8")


def test_hand_edits_made_while_open_are_merged_into_a_split_file(tmp_path: Path) -> None:
    path = _file(tmp_path)
    with open_session(path) as handle:
        handle.prepare()  # the results are lines now
        text = path.read_text("utf-8")
        at = text.index('target = "route-7"')
        path.write_text(text[:at] + "# seen by hand\n" + text[at:], "utf-8")
        saved = handle.save(_rerun(handle.session, evidence=True))
    assert load_session(path).results == saved.results
    assert "# seen by hand" in path.read_text("utf-8")


_HAND_LINES = [
    "# by hand\n",
    "ticket = 7\n",
    "note = 'kept'\n",
    "# [results.evidence] in a comment\n",
]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    edits=st.dictionaries(st.integers(0, 19), st.sampled_from(_HAND_LINES), max_size=6),
    changes=st.lists(
        st.tuples(
            st.integers(0, 19),
            st.sampled_from(["duration", "status", "summary", "evidence", "no evidence"]),
        ),
        max_size=8,
    ),
)
def test_random_hand_edits_survive_random_reruns(
    tmp_path_factory: pytest.TempPathFactory,
    edits: dict[int, str],
    changes: list[tuple[int, str]],
) -> None:
    path = _file(tmp_path_factory.mktemp("s"))
    text = path.read_text("utf-8")
    for index, line in sorted(edits.items(), reverse=True):
        at = text.index(f'target = "route-{index}"')
        text = text[:at] + line + text[at:]
    path.write_text(text, "utf-8")
    with open_session(path) as handle:
        results = list(handle.session.results)
        for index, what in changes:
            r = results[index]
            results[index] = {
                "duration": lambda r: dataclasses.replace(r, duration_ms=r.duration_ms * 7 % 5),
                "status": lambda r: dataclasses.replace(r, status=Status.FAIL),
                "summary": lambda r: dataclasses.replace(r, summary=r.summary + ' "again"'),
                "evidence": lambda r: dataclasses.replace(r, evidence={**r.evidence, "n": 1}),
                "no evidence": lambda r: dataclasses.replace(r, evidence={}),
            }[what](r)
        saved = handle.save(dataclasses.replace(handle.session, results=tuple(results)))
    assert load_session(path).results == saved.results
    written = path.read_text("utf-8")
    for line in edits.values():
        assert line in written

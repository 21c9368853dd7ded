"""Saves of session files written by hand in odd but valid TOML, and of values from the network
with every kind of character: the file parses, reads back as saved, and keeps the hand edits.

Files of 20 results are opened with their results kept as lines (``store/document_split.py``);
the same file with CRLF line breaks is parsed whole by tomlkit, which is the oracle the property
test compares the lines' saves with (same data, same comments).
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from launch_tui.core.errors import SessionParseError, SessionSaveError
from launch_tui.core.model import CheckResult, Session, Severity, Status
from launch_tui.store import create_session, load_session, open_session
from launch_tui.store.document_split import split_document

BRIGHTLANE = Path(__file__).resolve().parent.parent / "data" / "tui" / "brightlane.toml"
T0 = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
DECIDED = "# What was decided about findings"


def _result(n: int, evidence: dict[str, Any] | None = None) -> CheckResult:
    return CheckResult(
        "http.cookies",
        f"route-{n}",
        Status.PASS,
        Severity.HIGH,
        f"summary {n}",
        {"fetch": {"url": f"https://x{n}.test/", "status": 200}} if evidence is None else evidence,
        measured_at=T0 + timedelta(seconds=n),
        duration_ms=n,
        previous_status=Status.FAIL if n % 4 == 0 else None,
    )


def _file(folder: Path, count: int = 20) -> Path:
    path = folder / "s.toml"
    base = load_session(BRIGHTLANE)
    results = tuple(_result(n) for n in range(count))
    create_session(path, dataclasses.replace(base, results=results)).close()
    return path


def _entry_end(text: str, index: int) -> int:
    """Where result ``index``'s lines end (its next header that is not its own)."""
    at = text.index(f'target = "route-{index}"')
    ends = [text.find(h, at) for h in ("\n[[results]]\n", "\n\n# What was decided")]
    return min(e for e in ends if e >= 0) + 1


def _rerun(session: Session, **changes: Any) -> Session:
    return dataclasses.replace(
        session,
        results=tuple(
            dataclasses.replace(
                r, measured_at=(r.measured_at or T0) + timedelta(minutes=1), **changes
            )
            for r in session.results
        ),
    )


def _raw(text: str) -> dict[str, Any]:
    """The file's data as tomllib reads it, hand-added keys included; NaN made comparable and
    the values a result may leave out (its defaults) filled in."""

    def plain(value: Any) -> Any:
        if type(value) is dict:
            return {k: plain(v) for k, v in value.items()}
        if type(value) is list:
            return [plain(v) for v in value]
        if type(value) is float and math.isnan(value):
            return "NaN"
        return value

    data: dict[str, Any] = plain(tomllib.loads(text.removeprefix("\ufeff")))
    for entry in data.get("results", []):
        entry.setdefault("duration_ms", 0)
        entry.setdefault("evidence", {})
    return data


def _comments(text: str) -> Counter[str]:
    return Counter(line.strip() for line in text.splitlines() if line.strip().startswith("#"))


# --- defects found by this review, one test each ----------------------------------------------


@pytest.mark.parametrize("count", [5, 20], ids=["parsed whole", "results as lines"])
def test_a_value_removed_from_an_entry_edited_as_items_is_removed(
    tmp_path: Path, count: int
) -> None:
    # A comment among the evidence makes the entry be parsed into items for the edit; the
    # items' mapping must know their keys, or removing one (previous_status gone on a re-run)
    # raised a KeyError through the save.
    path = _file(tmp_path, count)
    text = path.read_text("utf-8")
    at = text.index('url = "https://x4.test/"')
    path.write_text(text[:at] + "# the second try\n" + text[at:], "utf-8")
    with open_session(path) as handle:
        session = handle.session
        assert session.results[4].previous_status is Status.FAIL
        saved = handle.save(
            _rerun(session, previous_status=None, evidence={"fetch": {"status": 503}})
        )
    assert load_session(path).results == saved.results
    assert "# the second try" in path.read_text("utf-8")


def test_a_value_removed_from_an_entry_written_this_session_then_parsed_is_removed(
    tmp_path: Path,
) -> None:
    # An entry written as text by this session, then given a summary only tomlkit writes (a
    # line break): it is parsed into items, and its measured_at removed in the same save.
    path = _file(tmp_path, 3)
    with open_session(path) as handle:
        first = handle.save(
            dataclasses.replace(handle.session, results=(*handle.session.results, _result(9)))
        )
        changed = dataclasses.replace(
            first.results[-1], summary="two\nlines", measured_at=None, previous_status=None
        )
        saved = handle.save(dataclasses.replace(first, results=(*first.results[:-1], changed)))
    assert load_session(path).results == saved.results


@pytest.mark.parametrize(
    "table",
    ['[results.notes]\nby = "me"\n', "[[results.history]]\nrun = 1\n"],
    ids=["a table", "an array of tables"],
)
def test_a_table_added_by_hand_to_an_entry_is_kept_when_its_evidence_changes(
    tmp_path: Path, table: str
) -> None:
    path = _file(tmp_path)
    text = path.read_text("utf-8")
    end = _entry_end(text, 4)
    path.write_text(text[:end] + "\n" + table + text[end:], "utf-8")
    with open_session(path) as handle:
        saved = handle.save(_rerun(handle.session, evidence={"fetch": {"status": 500}}))
    written = path.read_text("utf-8")
    assert table in written
    assert load_session(path).results == saved.results
    assert _raw(written)["results"][4]["evidence"] == {"fetch": {"status": 500}}


@pytest.mark.parametrize("count", [5, 20], ids=["parsed whole", "results as lines"])
@pytest.mark.parametrize("removed", ["last", "first", "middle"])
def test_comments_above_what_follows_a_removed_result_are_kept(
    tmp_path: Path, count: int, removed: str
) -> None:
    path = _file(tmp_path, count)
    text = path.read_text("utf-8")
    # A note by hand above the result after the one removed (it introduces that one).
    index = {"last": count - 1, "first": 0, "middle": 2}[removed]
    note = f"# about route-{index + 1}\n"
    if index + 1 < count:
        end = _entry_end(text, index)
        text = text[:end] + "\n" + note + text[end:]
    path.write_text(text, "utf-8")
    with open_session(path) as handle:
        kept = tuple(r for r in handle.session.results if r.target != f"route-{index}")
        saved = handle.save(dataclasses.replace(handle.session, results=kept))
    written = path.read_text("utf-8")
    assert load_session(path).results == saved.results
    assert written.count(DECIDED) == 1
    assert (note in written) == (index + 1 < count)
    if index + 1 < count:
        assert f'{note}[[results]]\ncheck = "http.cookies"\ntarget = "route-{index + 1}"' in (
            written
        )


@pytest.mark.parametrize("count", [5, 20], ids=["parsed whole", "results as lines"])
def test_a_result_added_at_the_end_goes_below_the_comment_of_what_follows(
    tmp_path: Path, count: int
) -> None:
    # The comment above [[decisions]] is held at the end of the last result's last sub-table
    # ([results.evidence.fetch]) when the file is parsed whole: it stays above [[decisions]].
    path = _file(tmp_path, count)
    with open_session(path) as handle:
        session = handle.session
        saved = handle.save(dataclasses.replace(session, results=(*session.results, _result(99))))
    written = path.read_text("utf-8")
    assert load_session(path).results == saved.results
    at = written.index(DECIDED)
    assert written.index('target = "route-99"') < at
    assert written[written.index("\n", at) + 1 :].startswith("[[decisions]]\n")


@pytest.mark.parametrize("count", [5, 20], ids=["parsed whole", "results as lines"])
def test_the_last_results_evidence_removed_keeps_the_comment_of_what_follows(
    tmp_path: Path, count: int
) -> None:
    path = _file(tmp_path, count)
    with open_session(path) as handle:
        session = handle.session
        last = dataclasses.replace(session.results[-1], evidence={})
        saved = handle.save(dataclasses.replace(session, results=(*session.results[:-1], last)))
    written = path.read_text("utf-8")
    assert load_session(path).results == saved.results
    assert written.count(DECIDED) == 1
    assert written[written.index("\n", written.index(DECIDED)) + 1 :].startswith("[[decisions]]")


@pytest.mark.parametrize("count", [5, 20], ids=["parsed whole", "results as lines"])
@pytest.mark.parametrize(
    "written",
    [
        'evidence.fetch.url = "https://x2.test/"\nevidence.fetch.status = 200\n',
        'evidence = { fetch = { url = "https://x2.test/", status = 200 } }\n',
        '\n[results.evidence]\nfetch.url = "https://x2.test/"\nfetch.status = 200\n',
    ],
    ids=["dotted keys", "an inline table", "dotted keys in the table"],
)
def test_evidence_written_by_hand_in_another_form_is_changed(
    tmp_path: Path, count: int, written: str
) -> None:
    # tomlkit raised IndexError (through the save, on every save) changing a table written
    # as dotted keys two levels deep in an array's entry.
    path = _file(tmp_path, count)
    text = path.read_text("utf-8")
    block = '\n[results.evidence.fetch]\nurl = "https://x2.test/"\nstatus = 200\n'
    if written.startswith("\n"):
        text = text.replace(block, written, 1)
    else:
        text = text.replace(block, "\n", 1)
        end = text.index("\n", text.index("duration_ms =", text.index('target = "route-2"'))) + 1
        text = text[:end] + written + text[end:]
    path.write_text(text, "utf-8")
    assert _raw(text)["results"][2]["evidence"] == {
        "fetch": {"url": "https://x2.test/", "status": 200}
    }
    with open_session(path) as handle:
        session = handle.session
        changed = dataclasses.replace(
            session.results[2], evidence={"fetch": {"status": 503}, "more": [1]}
        )
        results = (*session.results[:2], changed, *session.results[3:])
        saved = handle.save(dataclasses.replace(session, results=results))
        again = handle.save(_rerun(saved))
    assert load_session(path).results == again.results
    assert _raw(path.read_text("utf-8"))["results"][2]["evidence"] == {
        "fetch": {"status": 503},
        "more": [1],
    }


def test_results_inside_a_multi_line_string_are_not_taken_for_the_results(
    tmp_path: Path,
) -> None:
    # The first lines that read [[results]] are inside a string (a pasted session): no
    # results at all; the split must not take them for entries (a save would write new
    # results into the string).
    path = _file(tmp_path, 0)
    text = path.read_text("utf-8")
    pasted = "".join(f'[[results]]\ncheck = "a"\ntarget = "t{n}"\n' for n in range(20))
    at = text.index("\n", text.index("deadline_hours =")) + 1
    text = text[:at] + f'pasted = """\n{pasted}[ui]\n"""\n' + text[at:]
    path.write_text(text, "utf-8")
    assert split_document(text) is None
    with open_session(path) as handle:
        saved = handle.save(dataclasses.replace(handle.session, results=(_result(1),)))
    data = _raw(path.read_text("utf-8"))
    assert data["sprint"]["pasted"] == pasted + "[ui]\n"
    assert load_session(path).results == saved.results


# --- odd but valid hand edits inside entries --------------------------------------------------

HAND_LINES = [
    '# a comment with [brackets] and "quotes"\n',
    "ticket = 7\n",
    "note = '[x] \"q\" \\n not an escape'\n",
    '"quoted key" = "v"\n',
    'tags = [\n  "a",\n  "b", # why\n]\n',
    'inline = { a = 1, b = [1, 2], c = { d = "e" } }\n',
    "day = 1979-05-27\n",
    "local = 1979-05-27T07:32:00\n",
    "clock = 07:32:00.5\n",
    "big = inf\nsmall = -inf\nnothing = nan\n",
    "hexa = 0xDEAD_BEEF\n",
    'escaped = "\\u00e9\\U0001F600\\t\\\\"\n',
    "\tindented = 1   \n",
    "dotted.key = 1\n",
    'nested = [[1, 2], ["x"]]\n',
    "deep = [\n  [1],\n  [2],\n]\n",
    'hash = "# not a comment"\n',
    "multi = '''\n[[results]]\nstatus = \"fail\"\n'''\n",
    'basic = """\nline \\\n  joined"""\n',
    "   \n",
]


@pytest.mark.parametrize("line", HAND_LINES)
@pytest.mark.parametrize("where", ["after the header", "above the evidence", "at the end"])
def test_odd_hand_edits_in_an_entry_survive_reruns(tmp_path: Path, line: str, where: str) -> None:
    path = _file(tmp_path)
    text = path.read_text("utf-8")
    if where == "after the header":
        at = text.index('check = "http.cookies"\ntarget = "route-5"')
    elif where == "above the evidence":
        at = text.index("[results.evidence", text.index('target = "route-5"'))
    else:
        at = _entry_end(text, 5)
    edited = text[:at] + line + text[at:]
    path.write_text(edited, "utf-8")
    hand = _raw(edited)["results"][5]
    with open_session(path) as handle:
        first = handle.save(_rerun(handle.session, duration_ms=3))
        evidence = {"fetch": {"status": 500, "why": 'a "b" \\ c'}}
        saved = handle.save(_rerun(first, evidence=evidence, previous_status=Status.PASS))
    written = path.read_text("utf-8")
    assert load_session(path).results == saved.results
    entry = _raw(written)["results"][5]
    for key, value in hand.items():
        if key not in {"measured_at", "duration_ms", "evidence", "previous_status"}:
            assert entry[key] == value
    assert entry["evidence"] == evidence
    if line.strip().startswith("#"):
        assert line in written


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda t: t.replace("\n", "\r\n"), id="CRLF"),
        pytest.param(lambda t: "\ufeff" + t, id="BOM"),
        pytest.param(lambda t: t.replace("[[results]]\n", "[[results]] # first\n", 1), id="hc"),
        pytest.param(lambda t: t.replace("[[results]]\n", "[[ results ]]\n", 3), id="spaced"),
        pytest.param(lambda t: t.replace("[[results]]\n", '[["results"]]\n', 2), id="quoted"),
        pytest.param(lambda t: t.replace("[[results]]\n", "[[results]]  \t\n"), id="trailing"),
        pytest.param(
            lambda t: t.replace(
                'status = "pass"\nseverity = "high"', 'severity = "high"\nstatus = "pass"'
            ),
            id="keys in another order",
        ),
        pytest.param(lambda t: t.replace("\n[results.evidence", "\n  [results.evidence"), id="ind"),
        pytest.param(lambda t: t.replace(' = "https', '="https'), id="no spaces"),
        pytest.param(lambda t: t.replace('status = "pass"', "status = 'pass'"), id="literals"),
        pytest.param(lambda t: t.rstrip("\n"), id="no final line break"),
    ],
)
def test_odd_layouts_of_the_results_survive_reruns(tmp_path: Path, edit: Any) -> None:
    path = _file(tmp_path)
    edited = edit(path.read_text("utf-8"))
    path.write_bytes(edited.encode("utf-8"))
    before = _raw(edited)
    with open_session(path) as handle:
        session = handle.session
        fewer = tuple(r for r in session.results if r.target not in {"route-3", "route-19"})
        changed = (*fewer[:5], dataclasses.replace(fewer[5], status=Status.FAIL), *fewer[6:])
        first = handle.save(dataclasses.replace(session, results=(*changed, _result(30))))
        saved = handle.save(_rerun(first, evidence={"n": [1, 2]}))
    written = path.read_bytes().decode("utf-8")
    assert load_session(path).results == saved.results
    after = _raw(written)
    assert {k: v for k, v in after.items() if k != "results"} == {
        k: v for k, v in before.items() if k != "results"
    }
    assert _comments(edited) - _comments(written) == Counter()


# --- values from the network ------------------------------------------------------------------

NASTY = [
    'quote " inside',
    "back\\slash \\u0041",
    "new\nline",
    "carriage\rreturn",
    "tab\there",
    "nul\x00 and bell\x07 and esc\x1b[31m",
    "del\x7f",
    "line sep\u2028para\u2029",
    "é ü 😀 \ufeff",
    "[[results]]",
    '"""',
    "'''",
    "%s %d %% %(x)s",
    "#hash",
    "",
    "\\",
    "a = 1\n[ui]\nstage = 'x'",
]


@pytest.mark.parametrize("value", NASTY)
def test_values_with_any_character_read_back(tmp_path: Path, value: str) -> None:
    path = _file(tmp_path)
    with open_session(path) as handle:
        session = handle.session
        evidence = {value or "empty": value, "list": [value, value], "t": {"v": value}}
        results = list(session.results)
        results[2] = dataclasses.replace(results[2], summary=value, evidence=evidence)
        results.append(dataclasses.replace(results[2], target=value))
        saved = handle.save(dataclasses.replace(session, results=tuple(results)))
        again = handle.save(_rerun(saved))
    assert load_session(path).results == again.results
    assert (
        split_document(path.read_text("utf-8")) is not None
        or "\r" in value
        or '"""' in (path.read_text("utf-8"))
    )


def test_a_lone_surrogate_is_refused_and_the_file_is_left_as_it_was(tmp_path: Path) -> None:
    path = _file(tmp_path)
    text = path.read_bytes()
    with open_session(path) as handle:
        session = handle.session
        bad = dataclasses.replace(session.results[3], summary="name \udcff.txt")
        with pytest.raises(SessionSaveError):
            handle.save(dataclasses.replace(session, results=(*session.results, bad)))
        assert path.read_bytes() == text
        # The handle still saves what can be saved.
        saved = handle.save(_rerun(session))
    assert load_session(path).results == saved.results


# --- the lines' saves against tomlkit's, at random ----------------------------------------------

_TEXT = st.sampled_from([*NASTY[:-1], "plain", "x" * 70]) | st.text(max_size=12)
_SCALAR = st.one_of(
    _TEXT,
    st.integers(-(2**63), 2**63 - 1),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False),
)
_KEY = st.sampled_from(["url", "status", "a b", "ü", "a.b", "list", "x", "", "%k", "1"])
_EVIDENCE = st.recursive(
    st.dictionaries(_KEY, _SCALAR | st.lists(_SCALAR, max_size=4), max_size=3),
    lambda inner: st.dictionaries(
        _KEY, inner | st.lists(inner.filter(bool), min_size=1, max_size=2), max_size=3
    ),
    max_leaves=8,
)
_CHANGE = st.tuples(
    st.integers(0, 24),
    st.sampled_from(["duration", "status", "summary", "evidence", "none", "drop", "add", "time"]),
    _TEXT,
    _EVIDENCE,
)
# Multi-line strings keep their line breaks as written: the CRLF oracle would differ there.
_HAND_TOP = st.sampled_from([h for h in HAND_LINES if "'''" not in h and '"""' not in h])
_HAND_END = st.sampled_from(
    ['\n[results.notes]\nby = "me"\n', "\n# note\n", "# under\n", "\n\n", "\n[[results.log]]\n"]
)


def _apply(session: Session, changes: list[tuple[int, str, str, dict[str, Any]]]) -> Session:
    results = list(session.results)
    for index, what, text, evidence in changes:
        if not results:
            break
        i = index % len(results)
        r = results[i]
        if what == "duration":
            results[i] = dataclasses.replace(r, duration_ms=index % 3)
        elif what == "status":
            results[i] = dataclasses.replace(r, status=Status.FAIL, previous_status=r.status)
        elif what == "summary":
            results[i] = dataclasses.replace(r, summary=text)
        elif what == "evidence":
            results[i] = dataclasses.replace(r, evidence=evidence)
        elif what == "none":
            results[i] = dataclasses.replace(r, evidence={}, previous_status=None)
        elif what == "drop":
            del results[i]
        elif what == "add":
            results.insert(i, dataclasses.replace(r, target=f"{text}+{index}", evidence=evidence))
        else:
            results[i] = dataclasses.replace(r, measured_at=None if index % 2 else T0)
    return dataclasses.replace(session, results=tuple(results))


def _saves(
    path: Path,
    runs: list[list[tuple[int, str, str, dict[str, Any]]]],
    while_open: dict[int, tuple[int, str]],
) -> list[Any]:
    """Each run's outcome: the file's data and comments, and whether it reads back as saved.
    ``while_open``: by run, a line written by hand above a result's target before that save
    (the save merges it). Such a line may repeat a key of that result: the file is then no
    longer TOML, a save that has something to write refuses ("refused"), and one with nothing
    to write leaves the file as written ("unreadable")."""
    outcomes: list[Any] = []
    with open_session(path) as handle:
        for run, changes in enumerate(runs):
            if run in while_open:
                index, line = while_open[run]
                text = path.read_bytes().decode("utf-8")
                at = text.find(f'target = "route-{index}"')
                if at >= 0:
                    if "\r\n" in text:
                        line = line.replace("\n", "\r\n")
                    path.write_bytes((text[:at] + line + text[at:]).encode("utf-8"))
            try:
                saved = handle.save(_apply(handle.session, changes))
            except SessionSaveError:
                outcomes.append("refused")
                continue
            text = path.read_bytes().decode("utf-8")
            try:
                read = load_session(path)
            except SessionParseError:
                outcomes.append("unreadable")
                continue
            outcomes.append((_raw(text), _comments(text), read.results == saved.results))
    return outcomes


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    hand=st.dictionaries(
        st.integers(0, 19),
        st.tuples(_HAND_TOP, st.just("top")) | st.tuples(_HAND_END, st.just("end")),
        max_size=5,
    ),
    runs=st.lists(st.lists(_CHANGE, max_size=6), min_size=1, max_size=3),
    while_open=st.dictionaries(
        st.integers(1, 2), st.tuples(st.integers(0, 19), _HAND_TOP), max_size=2
    ),
)
# A key written again by hand while open, and nothing to save: the file stays as written (CI).
@example(hand={0: ("ticket = 7\n", "top")}, runs=[[], []], while_open={1: (0, "ticket = 7\n")})
def test_saves_of_results_as_lines_are_saves_of_the_whole_file(
    tmp_path_factory: pytest.TempPathFactory,
    hand: dict[int, tuple[str, str]],
    runs: list[list[tuple[int, str, str, dict[str, Any]]]],
    while_open: dict[int, tuple[int, str]],
) -> None:
    folder = tmp_path_factory.mktemp("s")
    text = _file(folder).read_text("utf-8")
    for index, (line, where) in sorted(hand.items(), reverse=True):
        if where == "top":
            at = text.index(f'check = "http.cookies"\ntarget = "route-{index}"')
        else:
            at = _entry_end(text, index)
        text = text[:at] + line + text[at:]
    lines, whole = folder / "lines.toml", folder / "whole.toml"
    lines.write_text(text, "utf-8")
    whole.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))  # CRLF: parsed whole
    # (The lines' file is split unless a hand edit has a line that starts with "[" inside an
    # entry's values: then both are parsed whole, and must still agree.)
    expected = _saves(whole, runs, while_open)
    got = _saves(lines, runs, while_open)
    assert [o if isinstance(o, str) else o[2] for o in got] == [
        o if isinstance(o, str) else True for o in expected
    ]
    assert got == expected

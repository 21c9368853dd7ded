"""The save's check of entries written as text: by skeleton and literal, what it refuses, and the
files where checking the new entries alone would not prove the file parses (each saved and read
back, the hand edits kept)."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import tomlkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from launch_tui.core.errors import SessionValidationError
from launch_tui.core.model import CheckResult, Session, Severity, Status
from launch_tui.core.session_codec import result_from_data, session_from_data
from launch_tui.store import load_session, open_session
from launch_tui.store.document_render import _placed
from launch_tui.store.entry_text import EntryWriter, Literals
from launch_tui.store.text_check import TextCheck, _skeletons_hold
from tests.text_entries import RESULTS, result_entry, written_entries

_entry, _written = result_entry, written_entries
HEAD = 'schema_version = 3\n[sprint]\nid = "s"\nclient = "c"\nstarted_at = 2026-01-01T00:00:00Z\n\n'
ENTRY = '[[results]]\ncheck = "a.b"\ntarget = "t0"\nstatus = "pass"\nseverity = "info"\n'


def test_entries_sharing_a_layout_are_checked_by_their_literals() -> None:
    writer = EntryWriter()
    texts = _written([_entry(n) for n in range(1, 51)], writer)
    assert len({text.skeleton for _, text, _ in texts}) == 1
    assert TextCheck().verify(texts, writer.literals)
    assert writer.literals.new == []  # read back: the next save does not parse them again


def test_a_literal_is_read_back_once_per_open_session() -> None:
    writer = EntryWriter()
    check = TextCheck()
    assert check.verify(_written([_entry(1)], writer), writer.literals)
    again = _written([_entry(1) | {"duration_ms": 77}], writer)
    # Lists are not kept (a list cannot be looked up): the rest is known already.
    assert [value for _, value in writer.literals.new if type(value) is not list] == [77]
    assert check.verify(again, writer.literals)


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        ("2", 1),  # reads as another value
        ("1", True),  # the same in Python, not in TOML
        ("1\nx = 2", 1),  # a value and a line of its own
        ("\n1", 1),  # an array takes a line break first; a key/value line does not
        ("# hi\n1", 1),
        ("1, 2", 1),  # two values
        ('"a', "a"),  # not closed
        ("", ""),
    ],
)
def test_a_literal_that_does_not_read_back_as_its_value_is_refused(
    literal: str, value: Any
) -> None:
    writer = EntryWriter()
    texts = _written([_entry(1)], writer)
    writer.literals.new.append((literal, value))
    assert not TextCheck().verify(texts, writer.literals)


def test_a_failed_check_forgets_what_was_written_since_the_last_one() -> None:
    literals = Literals()
    writer = EntryWriter(literals)
    _written([_entry(1)], writer)
    assert literals.by_kind[str]
    writer.forget()
    assert literals.new == [] and not literals.by_kind[str]


def _entry_text(skeleton: str, literals: list[str], values: list[Any]) -> Any:
    from launch_tui.store.entry_text import Block, EntryText

    return EntryText("results", [Block(skeleton, literals, values)])


def test_a_skeleton_whose_holes_are_not_values_of_their_own_is_not_proven() -> None:
    # A hole inside a string: the numbered skeleton reads "0", a string, not a number.
    inside = _entry_text('check = "%s"\n', ["x"], ["x"])
    # A hole in a key.
    in_key = _entry_text("k%s = 1\n", ["x"], ["x"])
    fresh = {f"results\n{e.skeleton}": [("results", e, {})] for e in (inside, in_key)}
    assert _skeletons_hold(fresh) == set()
    # Such entries are parsed whole instead: right when the text reads back, refused if not.
    literals = Literals()
    assert TextCheck().verify([("results", inside, {"check": "x"})], literals)
    assert not TextCheck().verify([("results", inside, {"check": "y"})], literals)


def test_a_witness_that_does_not_read_back_as_its_data_fails_the_check() -> None:
    writer = EntryWriter()
    texts = _written([_entry(1)], writer)
    path, text, data = texts[0]
    assert not TextCheck().verify([(path, text, data | {"target": "other"})], writer.literals)
    assert not TextCheck().verify([(path, text, {**data, "extra": 1})], writer.literals)


plain = st.one_of(
    st.text(max_size=12),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes(timezones=st.just(UTC)),
    st.lists(st.text(max_size=5), max_size=5),
)
keys = st.text(alphabet="abcxyz_-", min_size=1, max_size=6)
evidence = st.recursive(
    st.dictionaries(keys, plain, max_size=4),
    lambda inner: st.dictionaries(
        keys,
        # Lists of tables too (a scanner's findings): long ones, mostly laid out alike.
        st.one_of(plain, inner, st.lists(inner, min_size=1, max_size=6)),
        max_size=3,
    ),
    max_leaves=16,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(evidence, min_size=1, max_size=6))
def test_what_the_writer_writes_passes_the_check_and_reads_back(
    evidences: list[dict[str, Any]],
) -> None:
    import tomli

    writer = EntryWriter()
    entries = [_entry(n) | {"evidence": ev} for n, ev in enumerate(evidences)]
    texts = _written_plain(entries, writer)
    assert TextCheck().verify(texts, writer.literals)
    parsed = tomli.loads("".join(f"[[results]]\n{text.text}" for _, text, _ in texts))
    assert len(parsed.get("results", [])) == len(texts)
    for got, (_, _, data) in zip(parsed.get("results", []), texts, strict=True):
        assert got == data


def _written_plain(entries: list[dict[str, Any]], writer: EntryWriter) -> list[Any]:
    out = []
    for entry in entries:
        text = writer.entry("results", entry, RESULTS.defaults)
        if text is not None:
            data = {k: v for k, v in entry.items() if RESULTS.defaults.get(k, object()) != v}
            out.append(("results", text, data))
    return out


# ---------------------------------------------------------------------------------------------
# Where appended entries land: files whose last section is [[results]], edited by hand.


def _result(target: str) -> CheckResult:
    return CheckResult("a.b", target, Status.PASS, Severity.INFO, "s", {"k": target, "n": 1})


CASES: dict[str, str] = {
    "a last line without a line break": HEAD + ENTRY.rstrip("\n"),
    "a comment at the end": HEAD + ENTRY + "# checked by hand\n",
    "a comment at the end, no line break": HEAD + ENTRY + "# checked by hand",
    "a dotted key last": HEAD + ENTRY + "evidence.by_hand = 1",
    "a sub-table last, no line break": HEAD + ENTRY + "[results.evidence]\nby_hand = 1",
    "an inline results = [...]": HEAD.replace(
        "[sprint]",
        'results = [{check = "a.b", target = "t0", status = "pass", severity = "info"}]\n[sprint]',
    ),
    "a sub-table of the last entry after another table": HEAD
    + ENTRY
    + '[ui]\nstage = "audit"\n[results.evidence]\nby_hand = 1\n',
    "entries on both sides of another table": HEAD
    + ENTRY
    + '[ui]\nstage = "audit"\n'
    + ENTRY.replace("t0", "t1"),
    "line breaks as CRLF, none at the end": (HEAD + ENTRY).replace("\n", "\r\n").rstrip("\r\n"),
    "trailing blanks after the last value": HEAD + ENTRY.rstrip("\n") + " \t",
}


@pytest.mark.parametrize("text", CASES.values(), ids=list(CASES))
def test_entries_appended_to_a_hand_edited_file_read_back(text: str, tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_bytes(text.encode("utf-8"))
    with open_session(path) as handle:
        saved: Session = handle.session
        for target in ("new0", "new1"):
            saved = handle.save(
                dataclasses.replace(saved, results=(*saved.results, _result(target)))
            )
    assert load_session(path).results == saved.results
    assert [r.target for r in saved.results][-2:] == ["new0", "new1"]
    written = path.read_text("utf-8")
    if "by hand" in text:
        assert "# checked by hand" in written
    if "by_hand" in text:
        assert load_session(path).results[0].evidence["by_hand"] == 1


def test_a_results_table_is_refused_and_the_file_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(HEAD + '[results]\ncheck = "a"\n', "utf-8")
    before = path.read_bytes()
    with pytest.raises(SessionValidationError, match="array of tables"):
        open_session(path)
    assert path.read_bytes() == before


def _doc_text(text: str) -> tuple[Any, str]:
    doc = tomlkit.parse(text)
    return doc, doc.as_string()


PLACEMENTS: list[tuple[str, str, Callable[[str], tuple[int, int]], bool]] = [
    (
        "a new entry between two sections",
        HEAD + ENTRY + ENTRY.replace("t0", "t1") + '\n[ui]\nstage = "audit"\n',
        lambda t: (t.rindex("[[results]]"), t.index("\n[ui]") + 1),
        True,
    ),
    (
        "a new entry at the end of the file",
        HEAD + ENTRY + ENTRY.replace("t0", "t1"),
        lambda t: (t.rindex("[[results]]"), len(t)),
        True,
    ),
    (
        "a header glued to the line before",
        HEAD + ENTRY.rstrip("\n") + ENTRY.replace("t0", "t1"),
        lambda t: (t.rindex("[[results]]"), len(t)),
        False,
    ),
    (
        "a key after the entry's text",
        HEAD + ENTRY + ENTRY.replace("t0", "t1") + "stray = 1\n",
        lambda t: (t.rindex("[[results]]"), t.index("stray")),
        False,
    ),
    (
        "an entry's text without its line break",
        HEAD + ENTRY + ENTRY.replace("t0", "t1").rstrip("\n") + '\n[ui]\nstage = "audit"\n',
        lambda t: (t.rindex("[[results]]"), t.index("\n[ui]")),
        False,
    ),
]


@pytest.mark.parametrize(
    ("text", "span", "proven"),
    [(text, span, proven) for _, text, span, proven in PLACEMENTS],
    ids=[name for name, *_ in PLACEMENTS],
)
def test_where_an_entry_lands_is_proven_or_not(
    text: str, span: Callable[[str], tuple[int, int]], proven: bool
) -> None:
    doc = tomlkit.parse(text.replace(ENTRY.rstrip("\n") + "[[", ENTRY + "[["))
    head, stop = span(text)
    end = stop if proven else len(text)
    assert _placed(doc, text, [("results", [(head, stop)], end)]) is proven


@pytest.mark.parametrize(
    "after",
    ["[results.evidence]\nx = 1\n", "[ results . evidence ]\nx = 1\n", '["results"]\nx = 1\n'],
)
def test_a_header_after_the_array_that_may_name_it_is_not_proven(after: str) -> None:
    text = HEAD + ENTRY + '[ui]\nstage = "audit"\n' + after
    doc = tomlkit.parse(HEAD + ENTRY + '[ui]\nstage = "audit"\n')
    head = text.index("[[results]]")
    stop = text.index("[ui]")
    assert not _placed(doc, text, [("results", [(head, stop)], stop)])


# ---------------------------------------------------------------------------------------------
# The encoder's shortcuts: the same results as the long way.


def test_a_rerun_result_with_the_same_evidence_is_saved_and_a_changed_one_anew(
    tmp_path: Path,
) -> None:
    from launch_tui.store import create_session

    evidence: dict[str, Any] = {"n": 1, "list": ["a"], "deep": {"x": True}}
    first = CheckResult("a.b", "t", Status.PASS, Severity.INFO, "s", evidence)
    base = load_session(Path(__file__).parent.parent / "data" / "tui" / "brightlane.toml")
    path = tmp_path / "s.toml"
    with create_session(path, dataclasses.replace(base, results=())) as handle:
        saved = handle.save(dataclasses.replace(handle.session, results=(first,)))
        rerun = dataclasses.replace(saved.results[0], duration_ms=5)
        saved = handle.save(dataclasses.replace(saved, results=(rerun,)))
        assert load_session(path).results == saved.results
        # A dict is not frozen: one changed in place is written as it now is.
        evidence["n"] = 2
        again = dataclasses.replace(first, duration_ms=6)
        saved = handle.save(dataclasses.replace(saved, results=(again,)))
    assert load_session(path).results[0].evidence["n"] == 2
    assert load_session(path).results == saved.results


ODD_RESULTS: list[dict[str, Any]] = [
    {"check": "a", "target": "t", "status": "pass", "severity": "info"},
    {"check": "a", "status": "PASS", "severity": " Info "},  # read by the table reader
    {"check": "a", "status": "pass", "severity": "info", "measured_at": datetime(2026, 1, 1)},
    {"check": "a", "status": "pass", "severity": "info", "measured_at": "2026-01-01T00:00:00Z"},
    {"check": "a", "status": "fail", "severity": "high", "previous_status": "pass"},
    {"check": "a", "status": "pass", "severity": "info", "duration_ms": 12, "summary": "x"},
    {"check": "a", "status": "pass", "severity": "info", "evidence": {"d": {"l": [1, {"x": 2}]}}},
    {
        "check": "a",
        "status": "pass",
        "severity": "info",
        "evidence": {"when": datetime(2026, 1, 1)},
    },
    {"check": "a", "status": "pass", "severity": "info", "target": None, "summary": None},
]


@pytest.mark.parametrize("entry", ODD_RESULTS)
def test_a_result_reads_back_as_the_session_reader_reads_it(entry: dict[str, Any]) -> None:
    data = {
        "sprint": {"id": "s", "client": "c", "started_at": datetime(2026, 1, 1, tzinfo=UTC)},
        "results": [{k: v for k, v in entry.items() if v is not None}],
    }
    whole = session_from_data(data).results[0]
    assert result_from_data(entry, 0) == whole


@pytest.mark.parametrize(
    "entry",
    [
        {"check": "a", "status": "nope", "severity": "info"},
        {"check": 1, "status": "pass", "severity": "info"},
        {"check": "a", "status": "pass", "severity": "info", "duration_ms": True},
        {"check": "a", "status": "pass", "severity": "info", "evidence": {"s": {1, 2}}},
    ],
)
def test_a_result_that_does_not_fit_is_refused_as_the_reader_refuses_it(
    entry: dict[str, Any],
) -> None:
    from launch_tui.core.session_codec import CodecError

    with pytest.raises(CodecError) as raised:
        result_from_data(entry, 3)
    assert raised.value.key.startswith("results[3]")


# ---------------------------------------------------------------------------------------------
# Literals of the simple forms are checked on their own: never passed unless tomli agrees.

_simple_values = st.one_of(
    st.text(max_size=8),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.booleans(),
    st.floats(),
    st.datetimes(timezones=st.one_of(st.none(), st.just(UTC))),
    st.dates(),
)
# What the writer writes, and what a broken writer might: near misses of each form.
_literal_texts = st.one_of(
    st.text(alphabet='"\\ab\x00\x7f\n\té0123456789.-+eE:TZ_ ', max_size=14),
    st.from_regex(r'"[^"\\]{0,6}"', fullmatch=True),
    st.from_regex(r"[-+]?[0-9_]{1,6}(\.[0-9_]{0,3})?([eE][-+]?[0-9]{1,3})?", fullmatch=True),
    st.from_regex(
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,7})?Z?)?",
        fullmatch=True,
    ),
)


def _tomli_reads_as(literal: str, want: Any) -> bool:
    import tomli

    from launch_tui.store.text_check import _equal

    try:
        got = tomli.loads(f"v = {literal}\n")["v"]
    except tomli.TOMLDecodeError:
        return False
    return _equal(got, want)


@settings(max_examples=400, deadline=None)
@given(_simple_values)
def test_a_simple_literal_the_writer_writes_is_passed_on_its_own(value: Any) -> None:
    from launch_tui.store.text_check import _reads_as

    literal = EntryWriter().line("v", value)
    if literal is None:  # not written as text (control characters, nan): tomlkit writes it
        return
    literal = literal.removeprefix("v = ").removesuffix("\n")
    assert _tomli_reads_as(literal, value)
    in_range = type(value) is not int or -(2**63) <= value < 2**63
    unescaped = type(value) is not str or ('"' not in value and "\\" not in value)
    if in_range and unescaped:
        assert _reads_as(literal, value), (literal, value)


def _readings(literal: str) -> list[Any]:
    """The values Python's own parsers read ``literal`` as (what a lax check might accept)."""
    out: list[Any] = [literal[1:-1], literal == "true", literal.strip() == "true"]
    for parse in (int, float, datetime.fromisoformat, date.fromisoformat):
        with contextlib.suppress(ValueError):
            out.append(parse(literal))
    return out


@settings(max_examples=1500, deadline=None)
@given(_literal_texts)
def test_a_simple_literal_passed_on_its_own_is_one_tomli_reads_as_the_value(
    literal: str,
) -> None:
    from launch_tui.store.text_check import _reads_as

    for value in _readings(literal):
        if _reads_as(literal, value):
            assert _tomli_reads_as(literal, value), (literal, value)


def _pairs_of(literals: list[str], values: list[Any]) -> list[tuple[str, Any]]:
    """Each literal with each value some reading of it gives, and with the given values."""
    pairs = [(lit, value) for lit in literals for value in _readings(lit)]
    return pairs + list(zip(literals, values, strict=False))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_literal_texts, max_size=8), st.lists(_simple_values, max_size=8))
def test_literals_checked_a_kind_at_a_time_pass_as_each_alone_would(
    literals: list[str], values: list[Any]
) -> None:
    from launch_tui.store.text_check import _not_simple, _reads_as

    written = []
    for value in values:  # what the writer writes for these values: mostly passes whole
        line = EntryWriter().line("v", value)
        if line is not None:
            written.append((line.removeprefix("v = ").removesuffix("\n"), value))
    pairs = _pairs_of(literals, values) + written
    left = _not_simple(pairs)
    alone = [pair for pair in pairs if not _reads_as(*pair)]
    key = repr  # -0.0 and 0.0, 1 and True: told apart
    assert sorted(map(key, left)) == sorted(map(key, alone))


@pytest.mark.parametrize(
    "odd",
    [
        ('"a"\n"b"', 'a"\n"b'),  # two lines of the rule, one literal: refused
        ('"a\\"b"', 'a\\"b'),  # an escape: left to tomli, which reads it otherwise
        ('"a', "a"),
        ("1\n2", 12),
        ("9223372036854775808", 2**63),  # past TOML's 64-bit integers
        ("1.5\n2.5", 1.5),
        ("2026-12-08T01:36:37Z\n2026-12-08T01:36:37Z", datetime(2026, 12, 8, 1, 36, 37)),
    ],
)
def test_a_literal_the_rule_refuses_among_many_is_checked_alone(odd: tuple[str, Any]) -> None:
    from launch_tui.store.text_check import _not_simple

    many: list[tuple[str, Any]] = [(f'"t{n}"', f"t{n}") for n in range(50)]
    many += [(str(n), n) for n in range(50)]
    many += [(f"{n}.5", n + 0.5) for n in range(50)]
    many += [
        (f"2026-12-08T01:36:{n:02}Z", datetime(2026, 12, 8, 1, 36, n, tzinfo=UTC))
        for n in range(50)
    ]
    pairs = [*many[:75], odd, *many[75:]]
    assert _not_simple(pairs) == [odd]


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        ('"a"', "a"),
        ('"é 🙂"', "é 🙂"),
        ("-12", -12),
        ("false", False),
        ("-0.0", -0.0),
        ("1e-05", 1e-05),
        ("2026-12-08T01:36:37.222863Z", datetime(2026, 12, 8, 1, 36, 37, 222863, tzinfo=UTC)),
        ("2026-12-08", datetime(2026, 12, 8).date()),
    ],
)
def test_simple_literals_pass_without_tomli(
    literal: str, value: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import launch_tui.store.text_check as text_check

    def refuse(_: str) -> None:
        raise AssertionError("parsed by tomli")

    monkeypatch.setattr(text_check.tomli, "loads", refuse)
    assert text_check._literals_read_back([(literal, value)])


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        ('"a\x7f"', "a\x7f"),  # DEL is not allowed in a TOML string
        ("1", 1.0),  # an integer, not a float
        ("0.0", -0.0),
        ("١٢", 12),  # Arabic-Indic digits: int() reads them, TOML does not
        ("9223372036854775808", 2**63),  # past TOML's 64-bit integers
        ("2026-02-30T00:00:00Z", datetime(2026, 3, 2, tzinfo=UTC)),
        ("2026-12-08 01:36:37Z", datetime(2026, 12, 8, 1, 36, 37, tzinfo=UTC)),
        ('"a"', "b"),
    ],
)
def test_a_near_miss_is_left_to_tomli(literal: str, value: Any) -> None:
    from launch_tui.store.text_check import _reads_as

    assert not _reads_as(literal, value)


@pytest.mark.parametrize(
    ("change", "kept"),
    [
        ({}, True),  # every field as the reader makes it: the result is its own saved form
        ({"measured_at": datetime(2026, 12, 7, 6, 0)}, False),  # naive: read back in UTC
        ({"evidence": {"when": datetime(2026, 1, 1, tzinfo=UTC)}}, False),  # not plain data
        ({"duration_ms": True}, None),  # a bool is not an int in the file: refused
    ],
)
def test_a_new_result_is_saved_as_itself_only_when_it_reads_back_so(
    change: dict[str, Any], kept: bool | None, tmp_path: Path
) -> None:
    from launch_tui.core.errors import SessionSaveError
    from launch_tui.store import create_session

    result = dataclasses.replace(
        CheckResult(
            "a.b",
            "t",
            Status.FAIL,
            Severity.HIGH,
            "s",
            {"n": 1, "deep": {"x": [1.5, "y"]}},
            measured_at=datetime(2026, 12, 7, 6, 0, 1, 5, tzinfo=UTC),
            duration_ms=12,
            previous_status=Status.PASS,
        ),
        **change,
    )
    base = load_session(Path(__file__).parent.parent / "data" / "tui" / "brightlane.toml")
    path = tmp_path / "s.toml"
    with create_session(path, dataclasses.replace(base, results=())) as handle:
        if kept is None:
            with pytest.raises(SessionSaveError, match="duration_ms"):
                handle.save(dataclasses.replace(handle.session, results=(result,)))
            return
        saved = handle.save(dataclasses.replace(handle.session, results=(result,)))
    assert (saved.results[0] is result) is kept
    assert load_session(path).results == saved.results

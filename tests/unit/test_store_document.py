"""The TOML document layer: in-place updates keep a hand-written file as it was, except the
values that changed; the renderer matches tomlkit; the locator finds keys; merges keep both
sides' edits."""

from __future__ import annotations

import dataclasses
import difflib
import tomllib
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import tomlkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_session_codec import (
    credentials,
    decisions,
    make_session,
    networks,
    people,
    results,
    secrets,
    services,
    sprints,
    stacks,
    stage_states,
    targets,
)

from launch_tui.core.errors import SessionParseError
from launch_tui.core.model import (
    STAGE_IDS,
    Action,
    CheckResult,
    Decision,
    Host,
    HostRole,
    Person,
    Session,
    Severity,
    StageState,
    StageStatus,
    Status,
    UiState,
)
from launch_tui.core.session_codec import session_from_data, session_to_data
from launch_tui.store.document import (
    Renderer,
    apply_changes,
    locate,
    merge_data,
    parse_document,
)
from launch_tui.store.plain_parse import parse_plain

DATA = Path(__file__).parents[1] / "data" / "sessions"
HANDWRITTEN = DATA / "handwritten.toml"


def _load(text: str) -> tuple[Any, Session]:
    doc = parse_document(text, Path("x.toml"))
    return doc, session_from_data(doc.unwrap())


def _save(text: str, change: Callable[[Session], Session]) -> tuple[str, Session]:
    """Apply ``change`` to the session in ``text`` the way the store does; return the new text."""
    doc, before = _load(text)
    after = change(before)
    changes = apply_changes(doc, session_to_data(before), session_to_data(after))
    out = Renderer().render(doc, None)
    assert out == doc.as_string()
    assert Renderer().render(doc, changes) == out
    return out, after


def _diff(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def _replace_in(items: tuple[Any, ...], index: int, **changes: Any) -> tuple[Any, ...]:
    out = list(items)
    out[index] = dataclasses.replace(out[index], **changes)
    return tuple(out)


SINGLE_FIELD_CHANGES: list[tuple[str, Callable[[Session], Session], str, str]] = [
    (
        "literal string with a comment",
        lambda s: dataclasses.replace(
            s, sprint=dataclasses.replace(s.sprint, client="Acme Freight")
        ),
        "client = 'Acme Logistics'  # literal string on purpose",
        'client = "Acme Freight"  # literal string on purpose',
    ),
    (
        "odd spacing around =",
        lambda s: dataclasses.replace(s, sprint=dataclasses.replace(s.sprint, id="acme-eu")),
        'id     = "acme"            # used in keyring references',
        'id     = "acme-eu"            # used in keyring references',
    ),
    (
        "stage status",
        lambda s: dataclasses.replace(
            s, stages={**s.stages, "request-path": StageState(StageStatus.DONE, owner="sam")}
        ),
        'status = "in_progress"',
        'status = "done"',
    ),
    (
        "indented array-of-tables entry",
        lambda s: dataclasses.replace(
            s,
            targets=dataclasses.replace(
                s.targets, hosts=_replace_in(s.targets.hosts, 1, role=HostRole.APP)
            ),
        ),
        '  role = "www"',
        '  role = "app"',
    ),
    (
        "second decision's owner",
        lambda s: dataclasses.replace(s, decisions=_replace_in(s.decisions, 1, owner="sam")),
        'owner = "priya"',
        'owner = "sam"',
    ),
    (
        "dotted key",
        lambda s: dataclasses.replace(
            s,
            stack=dataclasses.replace(
                s.stack, database=dataclasses.replace(s.stack.database, declared="Postgres 16")
            ),
        ),
        'database.declared = "Postgres 15"',
        'database.declared = "Postgres 16"',
    ),
    (
        "inline table",
        lambda s: dataclasses.replace(
            s,
            stack=dataclasses.replace(
                s.stack, hosting=dataclasses.replace(s.stack.hosting, detected="Render")
            ),
        ),
        'hosting = { declared = "Render", detected = "" }',
        'hosting = { declared = "Render", detected = "Render" }',
    ),
    (
        "inline evidence",
        lambda s: dataclasses.replace(
            s,
            results=_replace_in(s.results, 1, evidence={**s.results[1].evidence, "line": 13}),
        ),
        'evidence = { commit = "3f2a9c1", path = "config/settings.py", line = 12 }',
        'evidence = { commit = "3f2a9c1", path = "config/settings.py", line = 13 }',
    ),
    (
        "element of a commented multi-line array",
        lambda s: dataclasses.replace(
            s,
            targets=dataclasses.replace(
                s.targets, ci_logs=(s.targets.ci_logs[0], "ci/build-1191.log")
            ),
        ),
        '  "ci/build-1190.log",',
        '  "ci/build-1191.log",',
    ),
    (
        "decimal kept as a string until changed",
        lambda s: dataclasses.replace(
            s, services=_replace_in(s.services, 0, monthly_cost=Decimal("90"))
        ),
        'monthly_cost = "85.00"   # string on purpose: exact cents',
        "monthly_cost = 90.0   # string on purpose: exact cents",
    ),
    (
        "datetime",
        lambda s: dataclasses.replace(
            s,
            decisions=_replace_in(
                s.decisions, 0, decided_at=datetime(2026, 5, 4, 14, 15, 30, tzinfo=UTC)
            ),
        ),
        "decided_at = 2026-05-04T13:00:00Z",
        "decided_at = 2026-05-04T14:15:30Z",
    ),
    (
        "ui selection",
        lambda s: dataclasses.replace(s, ui=UiState(stage="request-path", selection="home")),
        'selection = "login"',
        'selection = "home"',
    ),
    (
        "entry with an unknown key",
        lambda s: dataclasses.replace(s, people=_replace_in(s.people, 1, role="CEO")),
        'role = "CTO"',
        'role = "CEO"',
    ),
]


@pytest.mark.parametrize(
    ("change", "old_line", "new_line"),
    [pytest.param(c, o, n, id=name) for name, c, o, n in SINGLE_FIELD_CHANGES],
)
def test_changing_one_field_changes_exactly_its_line(
    change: Callable[[Session], Session], old_line: str, new_line: str
) -> None:
    before = HANDWRITTEN.read_text("utf-8")
    after, expected = _save(before, change)
    assert _diff(before, after) == [f"-{old_line}", f"+{new_line}"]
    assert _load(after)[1] == expected


def _reshaped(change: Callable[[Session], Session]) -> bool:
    """Whether the store parse-checks what the change writes: the whole file after a reshape,
    or the entries written as text (store/entry_text.py)."""
    doc, before = _load(HANDWRITTEN.read_text("utf-8"))
    changes = apply_changes(doc, session_to_data(before), session_to_data(change(before)))
    return changes.reshaped or bool(changes.texts)


@pytest.mark.parametrize(
    "change",
    [pytest.param(c, id=name) for name, c, _old, _new in SINGLE_FIELD_CHANGES],
)
def test_a_value_changed_in_place_is_not_a_reshape(change: Callable[[Session], Session]) -> None:
    # The store parses what it is about to write only after reshaping edits (``reshaped``):
    # saves that change values in place (the cursor, a status, a note) stay cheap.
    assert not _reshaped(change)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda s: dataclasses.replace(s, people=s.people[1:]), id="entry removed"),
        pytest.param(
            lambda s: dataclasses.replace(s, people=(*s.people, Person("lee", "Lee", "dev"))),
            id="entry added",
        ),
        pytest.param(
            lambda s: dataclasses.replace(s, people=tuple(reversed(s.people))), id="reordered"
        ),
        pytest.param(
            lambda s: dataclasses.replace(
                s,
                results=_replace_in(s.results, 0, evidence={"records": [{"name": "a"}]}),
            ),
            id="evidence becomes a table",
        ),
    ],
)
def test_tables_and_arrays_added_removed_or_replaced_are_a_reshape(
    change: Callable[[Session], Session],
) -> None:
    assert _reshaped(change)


def test_nothing_changed_renders_the_same_bytes() -> None:
    before = HANDWRITTEN.read_text("utf-8")
    after, _ = _save(before, lambda s: s)
    assert after == before


def test_comments_and_unknown_keys_survive_many_changes() -> None:
    before = HANDWRITTEN.read_text("utf-8")

    def change(s: Session) -> Session:
        return dataclasses.replace(
            s,
            people=(*s.people[1:], Person("lee", "Lee Park", "designer")),
            results=(
                dataclasses.replace(s.results[0], status=Status.PASS, evidence={"records": []}),
                *s.results[1:],
                CheckResult("tls.expiry", "acme.example", Status.PASS, Severity.HIGH, "62 days"),
            ),
            decisions=s.decisions[:1],
            stages={**s.stages, "delivery": StageState()},
        )

    after, expected = _save(before, change)
    assert _load(after)[1] == expected
    for kept in [
        "# Acme launch-ready sprint — notes by hand.",
        "#   Keep this file in the client's private repo.",
        'billing_code = "ACME-7"    # not a launch-tui key: must survive saves',
        '  "ci/build-1187.log",   # the run that printed env vars',
        "  # Hosts, apex first.",
        'slack = "@priya"          # unknown key, kept',
        "p95_budget_ms = 700   # agreed with Priya on the kickoff call",
        "# Decisions agreed with Priya on day one.",
    ]:
        assert kept in after
    assert 'id = "sam"' not in after.split("[[people]]")[1]  # sam removed
    assert after.count("[[people]]") == 2
    assert "[stages.delivery]" in after
    assert 'id = "d2"' not in after


def test_new_entries_are_short_and_spaced_like_their_neighbours() -> None:
    before = HANDWRITTEN.read_text("utf-8")
    after, _ = _save(
        before,
        lambda s: dataclasses.replace(
            s,
            decisions=(
                *s.decisions,
                Decision(
                    "d3",
                    "delivery",
                    Action.DEFER,
                    "HSTS preload after launch",
                    due=date(2026, 7, 1),
                ),
            ),
        ),
    )
    assert len(_diff(before, after)) == 7  # six lines and a blank one, nothing else
    assert (
        'owner = "priya"\n'
        "\n"
        "[[decisions]]\n"
        'id = "d3"\n'
        'stage = "delivery"\n'
        'action = "defer"\n'
        'text = "HSTS preload after launch"\n'
        "due = 2026-07-01\n"
        "\n"
        "[[services]]\n"
    ) in after


def test_a_comment_introducing_the_next_section_stays_above_it() -> None:
    text = (
        '[sprint]\nid = "a"\nclient = "A"\nstarted_at = 2026-01-01T00:00:00Z\n\n'
        '[[people]]\nid = "ana"\nname = "Ana"\n# Ana is away in June\n\n'
        "# Where each stage stands.\n[stages.audit]\n"
    )
    after, expected = _save(
        text,
        lambda s: dataclasses.replace(
            s,
            people=(*s.people, Person("bo", "Bo")),
            stages={"audit": StageState(StageStatus.DONE)},
        ),
    )
    assert _load(after)[1] == expected
    assert after.endswith(
        '[[people]]\nid = "ana"\nname = "Ana"\n# Ana is away in June\n\n'
        '[[people]]\nid = "bo"\nname = "Bo"\n\n'
        '# Where each stage stands.\n[stages.audit]\nstatus = "done"\n'
    )


def test_a_renamed_entry_keeps_its_comments_and_extra_keys() -> None:
    before = HANDWRITTEN.read_text("utf-8")
    after, expected = _save(
        before, lambda s: dataclasses.replace(s, people=_replace_in(s.people, 1, id="priya.r"))
    )
    assert _diff(before, after) == ['-id = "priya"', '+id = "priya.r"']
    assert _load(after)[1] == expected


def test_reordered_entries_are_moved_with_their_text() -> None:
    before = HANDWRITTEN.read_text("utf-8")
    after, expected = _save(
        before,
        lambda s: dataclasses.replace(
            s, targets=dataclasses.replace(s.targets, hosts=tuple(reversed(s.targets.hosts)))
        ),
    )
    assert _load(after)[1] == expected
    assert after.index('name = "api.acme.example"') < after.index('name = "acme.example"')


def test_removing_every_entry_removes_the_array() -> None:
    before = HANDWRITTEN.read_text("utf-8")
    after, expected = _save(before, lambda s: dataclasses.replace(s, people=()))
    assert "people" not in after
    assert _load(after)[1] == expected


def test_values_becoming_none_are_removed() -> None:
    before = HANDWRITTEN.read_text("utf-8")
    after, _ = _save(
        before, lambda s: dataclasses.replace(s, decisions=_replace_in(s.decisions, 0, due=None))
    )
    assert _diff(before, after) == ["-due = 2026-05-06"]


def test_new_keys_go_after_the_last_key_not_after_trailing_comments() -> None:
    text = (
        '[sprint]\nid = "a"\nclient = "A"\nstarted_at = 2026-01-01T00:00:00Z\n'
        '\n# About targets\n[targets]\napex = "a"\n'
    )
    after, _ = _save(
        text,
        lambda s: dataclasses.replace(s, sprint=dataclasses.replace(s.sprint, product="Shop")),
    )
    assert after == (
        '[sprint]\nid = "a"\nclient = "A"\nstarted_at = 2026-01-01T00:00:00Z\nproduct = "Shop"\n'
        '\n# About targets\n[targets]\napex = "a"\n'
    )


def test_a_file_without_final_newline_stays_valid() -> None:
    text = (
        '[sprint]\nid = "a"\nclient = "A"\nstarted_at = 2026-01-01T00:00:00Z\n'
        '[[people]]\nid = "x"\nname = "X"'
    )
    after, expected = _save(
        text,
        lambda s: dataclasses.replace(
            s,
            people=(*s.people, Person("y", "Y")),
            targets=dataclasses.replace(s.targets, hosts=(Host("h"),)),
        ),
    )
    assert _load(after)[1] == expected
    assert tomllib.loads(after)["people"][1] == {"id": "y", "name": "Y"}


def test_tables_defined_in_several_places() -> None:
    text = (
        '[sprint]\nid = "a"\nclient = "A"\nstarted_at = 2026-01-01T00:00:00Z\n\n'
        '[stages.audit]\nstatus = "done"\n\n[[people]]\nid = "p"\nname = "P"\n\n'
        '[stages.deploy]\nstatus = "blocked"\n\n[targets]\napex = "x"\n\n'
        '[stages.observe]\nowner = "p"\n'
    )
    after, expected = _save(
        text,
        lambda s: dataclasses.replace(
            s,
            stages={
                "audit": StageState(StageStatus.TODO),
                "observe": StageState(owner="q"),
                "handover": StageState(StageStatus.DONE),
            },
        ),
    )
    assert _load(after)[1] == expected
    assert '[stages.handover]\nstatus = "done"\n\n[[people]]' in after
    assert "[stages.deploy]" not in after


def test_new_text_is_readable() -> None:
    text = '[sprint]\nid = "a"\nclient = "A"\nstarted_at = 2026-01-01T00:00:00Z\n'
    after, _ = _save(
        text,
        lambda s: dataclasses.replace(
            s,
            stages={"audit": StageState(notes="first line\nsecond line")},
            results=(
                CheckResult(
                    "http.redirects",
                    "a.example",
                    Status.FAIL,
                    Severity.MEDIUM,
                    "loop",
                    evidence={"hops": [{"url": "http://a"}, {"url": "https://a"}], "count": 2},
                    measured_at=datetime(2026, 1, 1, 9, 30, 0, 250000, tzinfo=UTC),
                ),
            ),
        ),
    )
    assert 'notes = """first line\nsecond line"""' in after
    assert "measured_at = 2026-01-01T09:30:00.250000Z" in after
    assert "[results.evidence]\ncount = 2\n" in after
    assert "[[results.evidence.hops]]" in after


# ---------------------------------------------------------------------------------------------
# Random edits: what is written reads back as the session, and the renderer matches tomlkit.

edits = st.fixed_dictionaries(
    {},
    optional={
        "sprint": sprints,
        "targets": targets,
        "stack": stacks,
        "people": st.lists(people, max_size=3, unique_by=lambda p: p.id).map(tuple),
        "stages": st.dictionaries(st.sampled_from(STAGE_IDS), stage_states, max_size=4),
        "results": st.lists(results, max_size=4).map(tuple),
        "decisions": st.lists(decisions, max_size=3, unique_by=lambda d: d.id).map(tuple),
        "services": st.lists(services, max_size=2).map(tuple),
        "secrets": st.lists(secrets, max_size=2).map(tuple),
        "credentials": st.lists(credentials, max_size=2).map(tuple),
        "network": networks,
    },
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(edits, min_size=1, max_size=3))
def test_random_edits_of_a_hand_written_file_read_back(steps: list[dict[str, Any]]) -> None:
    text = HANDWRITTEN.read_text("utf-8")
    doc, session = _load(text)
    renderer = Renderer()
    renderer.render(doc)
    for step in steps:
        new = dataclasses.replace(session, **step)
        changes = apply_changes(doc, session_to_data(session), session_to_data(new))
        text = renderer.render(doc, changes)
        assert text == doc.as_string()
        reread = session_from_data(tomllib.loads(text))
        assert reread == new
        session = new
    assert "# Acme launch-ready sprint — notes by hand." in text
    assert 'billing_code = "ACME-7"' in text


# ---------------------------------------------------------------------------------------------
# Locating keys


LOCATE_TEXT = """\
schema_version = 1
[sprint]
id = "a"
  "client" = "A"   # quoted key
[targets]
hosts = [{ name = "a" }, { name = "b", role = "x" }]
ci_logs = [
  "one",
  "two",
]
[[people]]
id = "p"
[[people]]
id = "q"
[results.evidence]
a.b = 1
[stages.'request-path']
status = "x"
"""


@pytest.mark.parametrize(
    ("key", "where"),
    [
        ("schema_version", (1, 18)),
        ("sprint", (2, 2)),
        ("sprint.client", (4, 14)),
        ("sprint.started_at", (2, 2)),  # missing: its table
        ("targets.hosts[1].role", (6, 47)),
        ("targets.hosts[1]", (6, 26)),
        ("targets.ci_logs[1]", (9, 3)),
        ("people[1]", (13, 3)),
        ("people[1].id", (14, 6)),
        ("people[1].name", (13, 3)),
        ("results.evidence.a.b", (16, 7)),
        ("stages.request-path", (17, 9)),
        ("stages.request-path.status", (18, 10)),
        ("nowhere.at.all", (0, 0)),
    ],
)
def test_locate(key: str, where: tuple[int, int]) -> None:
    assert locate(LOCATE_TEXT, key) == where


def test_locate_handles_multiline_strings_and_broken_text() -> None:
    text = 'a = """\n[fake]\nb = 1\n"""\nb = 2\nc = "unterminated\nd = [1,\n'
    assert locate(text, "b") == (5, 5)
    assert locate(text, "fake") == (0, 0)
    assert locate(text, "d") == (7, 5)


# ---------------------------------------------------------------------------------------------
# Parsing


def test_parse_errors_have_a_line_column_and_expectation() -> None:
    with pytest.raises(SessionParseError) as caught:
        parse_document('[sprint]\nid = "a"\nclient = "A\n', Path("s.toml"))
    assert (caught.value.line, caught.value.column) == (3, 10)
    assert "not closed" in caught.value.reason
    assert str(caught.value).startswith("s.toml:3:10: ")


def test_parse_plain_agrees_with_tomlkit() -> None:
    text = HANDWRITTEN.read_text("utf-8")
    assert parse_plain(text, HANDWRITTEN) == parse_document(text, HANDWRITTEN).unwrap()
    with pytest.raises(SessionParseError):
        parse_plain("a = 1\na = 2\n", HANDWRITTEN)


def test_deep_nesting_is_a_parse_error_not_a_crash() -> None:
    with pytest.raises(SessionParseError):
        parse_document("a = " + "[" * 5000 + "]" * 5000 + "\n", Path("deep.toml"))


# ---------------------------------------------------------------------------------------------
# Three-way merge (hand edits made while the app had the file open)


def _data(session: Session) -> dict[str, Any]:
    return session_to_data(session)


def test_merge_keeps_both_sides_edits() -> None:
    base = make_session(people=(Person("a", "A"), Person("b", "B")))
    ours = dataclasses.replace(
        base, ui=UiState(stage="delivery"), people=(*base.people, Person("c", "C"))
    )
    theirs = dataclasses.replace(
        base,
        sprint=dataclasses.replace(base.sprint, client="Acme Ltd"),
        people=(Person("a", "Ann"), Person("d", "D")),
    )
    merged = session_from_data(merge_data(_data(base), _data(ours), _data(theirs)))
    assert merged.ui.stage == "delivery"
    assert merged.sprint.client == "Acme Ltd"
    assert [p.id for p in merged.people] == ["a", "d", "c"]  # b removed by hand, c added by us
    assert merged.people[0].name == "Ann"


def test_merge_prefers_ours_when_both_changed_a_value() -> None:
    base = make_session()
    ours = dataclasses.replace(base, sprint=dataclasses.replace(base.sprint, client="Ours"))
    theirs = dataclasses.replace(base, sprint=dataclasses.replace(base.sprint, client="Theirs"))
    merged = session_from_data(merge_data(_data(base), _data(ours), _data(theirs)))
    assert merged.sprint.client == "Ours"


def test_merge_keeps_an_entry_one_side_edited_and_the_other_removed() -> None:
    base = make_session(people=(Person("a", "A"),))
    ours = dataclasses.replace(base, people=(Person("a", "A", role="lead"),))
    theirs = dataclasses.replace(base, people=())
    merged = session_from_data(merge_data(_data(base), _data(ours), _data(theirs)))
    assert merged.people == (Person("a", "A", role="lead"),)


def test_merge_of_identical_edits_is_that_edit() -> None:
    base = make_session()
    ours = theirs = dataclasses.replace(base, ui=UiState(stage="observe"))
    assert merge_data(_data(base), _data(ours), _data(theirs)) == _data(ours)


def test_tomlkit_version_supports_what_the_document_layer_uses() -> None:
    # The in-place insert relies on tomlkit's container internals; fail loudly if they move.
    doc = tomlkit.parse("[a]\nx = 1\n# trailing\n")
    assert hasattr(doc["a"].value, "_insert_at")
    assert hasattr(doc, "_render_aot_table")

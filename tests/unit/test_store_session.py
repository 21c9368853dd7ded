"""The session store: open, save, create, list, load, migrate; read-only handles; hand edits."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import tempfile
from collections.abc import MutableMapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from test_session_codec import make_session, sessions

from launch_tui.core.errors import (
    SessionError,
    SessionLockedError,
    SessionParseError,
    SessionReadOnlyError,
    SessionSaveError,
    SessionValidationError,
)
from launch_tui.core.model import (
    SCHEMA_VERSION,
    CheckResult,
    Person,
    Session,
    Severity,
    StageState,
    StageStatus,
    Status,
    UiState,
)
from launch_tui.store import (
    Migration,
    cleanup_temp_files,
    create_session,
    list_sessions,
    load_session,
    open_session,
)
from launch_tui.store.migrate import MIGRATIONS, migrate

DATA = Path(__file__).parents[1] / "data" / "sessions"
HANDWRITTEN = DATA / "handwritten.toml"
MALFORMED = sorted((DATA / "malformed").glob("*.toml"))
EXPECT = re.compile(r"^# expect: (\w+) (\d+):(\d+) (.*)$")


def _copy(source: Path, folder: Path, name: str | None = None) -> Path:
    target = folder / (name or source.name)
    shutil.copyfile(source, target)
    return target


def _leftovers(folder: Path) -> list[str]:
    return sorted(n for n in os.listdir(folder) if n.startswith("."))


# ---------------------------------------------------------------------------------------------
# Round trips through real files


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sessions, sessions)
def test_load_of_save_is_identity(first: Session, second: Session) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.toml"
        with create_session(path, first) as handle:
            assert handle.session == first
        assert load_session(path) == first
        with open_session(path) as handle:
            assert handle.session == first
            assert handle.save(second) == second
            assert handle.session == second
        assert load_session(path) == second
        assert _leftovers(Path(folder)) == []


def test_an_edit_tomlkit_cannot_render_is_saved_whole(tmp_path: Path) -> None:
    # Found by test_load_of_save_is_identity: evidence whose value goes from an array of tables
    # to an empty table came out of tomlkit as `[evidence."\""][[results]]` on one line.
    path = tmp_path / "s.toml"
    path.write_text(
        'schema_version = 1\n\n[sprint]\nid = "a"\nclient = ""\nproduct = ""\n'
        'engineer = ""\nstarted_at = 2000-01-01T00:00:00Z\ndeadline_hours = 1\n\n'
        '[[results]]\ncheck = "dns.records"\ntarget = "a"\nstatus = "pass"\n'
        'severity = "critical"\nsummary = ""\n\n[results.evidence]\n"" = ""\n\n'
        '[[results.evidence."\\""]]\n\n'
        '[[results]]\ncheck = "dns.records"\ntarget = "b"\nstatus = "pass"\n'
        'severity = "critical"\nsummary = ""\n',
        encoding="utf-8",
    )
    with open_session(path) as handle:
        first, second = handle.session.results
        assert first.evidence == {"": "", '"': [{}]}
        changed = dataclasses.replace(first, evidence={"": "", '"': {}})
        wanted = dataclasses.replace(handle.session, results=(changed, second))
        assert handle.save(wanted) == wanted
        assert handle.save(wanted) == wanted  # and the handle keeps working
    assert load_session(path) == wanted


def test_the_readme_example_is_a_valid_session() -> None:
    session = load_session(DATA / "readme_example.toml")
    assert session.sprint.id == "acme"
    assert len(session.results) == 2 and len(session.decisions) == 2


def test_save_changes_only_the_changed_line(tmp_path: Path) -> None:
    path = _copy(HANDWRITTEN, tmp_path)
    before = path.read_text("utf-8")
    with open_session(path) as handle:
        session = handle.session
        saved = handle.save(dataclasses.replace(session, ui=UiState("request-path", "home")))
    after = path.read_text("utf-8")
    assert before.replace('selection = "login"', 'selection = "home"') == after
    assert load_session(path) == saved


def test_saving_an_unchanged_session_writes_nothing(tmp_path: Path) -> None:
    path = _copy(HANDWRITTEN, tmp_path)
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    with open_session(path) as handle:
        handle.save(handle.session)
        handle.save(dataclasses.replace(handle.session))  # equal, not identical
    assert path.stat().st_mtime_ns == 1_000_000_000


def test_saved_file_is_private(tmp_path: Path) -> None:
    path = _copy(HANDWRITTEN, tmp_path)
    path.chmod(0o644)
    with open_session(path) as handle:
        handle.save(dataclasses.replace(handle.session, ui=UiState("observe")))
    assert path.stat().st_mode & 0o777 == 0o600


def test_save_returns_what_reopening_gives(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    naive = datetime(2026, 5, 4, 9, 0)  # the model wants UTC; a naive value is taken as UTC
    with create_session(path, make_session()) as handle:
        saved = handle.save(
            dataclasses.replace(handle.session, stages={"audit": StageState(started_at=naive)})
        )
    assert saved.stages["audit"].started_at == naive.replace(tzinfo=UTC)
    assert load_session(path) == saved


def test_a_symlinked_session_stays_a_symlink(tmp_path: Path) -> None:
    real = _copy(HANDWRITTEN, tmp_path, "real.toml")
    link = tmp_path / "link.toml"
    link.symlink_to(real)
    with open_session(link) as handle:
        handle.save(dataclasses.replace(handle.session, ui=UiState("observe")))
    assert link.is_symlink()
    assert load_session(real).ui.stage == "observe"


# ---------------------------------------------------------------------------------------------
# Malformed files: a titled error with line and column; the file is never touched


def _expectation(path: Path) -> tuple[str, int, int, str]:
    match = EXPECT.match(path.read_text("utf-8").splitlines()[0])
    assert match, f"{path.name} has no '# expect:' line"
    return match[1], int(match[2]), int(match[3]), match[4]


@pytest.mark.parametrize("source", MALFORMED, ids=[p.stem for p in MALFORMED])
def test_malformed_files_are_refused_with_line_and_column(source: Path, tmp_path: Path) -> None:
    kind, line, column, fragment = _expectation(source)
    path = _copy(source, tmp_path)
    original = path.read_bytes()

    for attempt in (open_session, load_session):
        with pytest.raises(SessionError) as caught:
            attempt(path)
        error = caught.value
        assert type(error).__name__ == kind
        assert isinstance(error, SessionParseError | SessionValidationError)
        assert (error.line, error.column) == (line, column), error.message
        assert fragment in error.message
        assert error.message.startswith(f"{path}:{line}:{column}: ")
        assert "Traceback" not in error.one_line()
        assert path.read_bytes() == original

    with pytest.raises(SessionError, match="already exists"):
        create_session(path, make_session())
    assert path.read_bytes() == original

    # A session open in the app, when the file is replaced by this broken one: no save lands.
    path.write_bytes(HANDWRITTEN.read_bytes())
    with open_session(path) as handle:
        path.write_bytes(original)
        with pytest.raises(SessionSaveError, match="changed outside launch-tui"):
            handle.save(dataclasses.replace(handle.session, ui=UiState("observe")))
        assert path.read_bytes() == original
    assert _leftovers(tmp_path) == []


def test_a_bad_file_does_not_break_the_listing(tmp_path: Path) -> None:
    for source in MALFORMED:
        _copy(source, tmp_path)
    good = _copy(HANDWRITTEN, tmp_path)
    summaries = {s.path.name: s for s in list_sessions(tmp_path)}
    assert set(summaries) == {p.name for p in [*MALFORMED, good]}
    assert summaries[good.name].ok
    for source in MALFORMED:
        summary = summaries[source.name]
        assert not summary.ok
        assert summary.error is not None
        assert summary.error.line == _expectation(source)[1]


def test_a_file_broken_by_hand_while_open_is_not_overwritten(tmp_path: Path) -> None:
    path = _copy(HANDWRITTEN, tmp_path)
    broken = (DATA / "malformed" / "unterminated_string.toml").read_bytes()
    with open_session(path) as handle:
        path.write_bytes(broken)  # someone saves a half-finished edit
        with pytest.raises(SessionSaveError, match="changed outside launch-tui"):
            handle.save(dataclasses.replace(handle.session, ui=UiState("observe")))
        assert path.read_bytes() == broken
        path.write_bytes(HANDWRITTEN.read_bytes())  # ... and then fixes it
        saved = handle.save(dataclasses.replace(handle.session, ui=UiState("observe")))
    assert load_session(path) == saved
    assert saved.ui.stage == "observe"


def test_non_utf8_file_is_a_parse_error(tmp_path: Path) -> None:
    path = tmp_path / "bin.toml"
    path.write_bytes(b'[sprint]\nid = "a"\nclient = "caf\xe9"\n')
    with pytest.raises(SessionParseError, match="not UTF-8") as caught:
        open_session(path)
    assert (caught.value.line, caught.value.column) == (3, 14)


def test_missing_file_and_directory_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(SessionError, match="no such session file") as caught:
        open_session(tmp_path / "nope.toml")
    assert caught.value.title == "Session not found"
    (tmp_path / "dir.toml").mkdir()
    with pytest.raises(SessionError, match="not a regular file"):
        load_session(tmp_path / "dir.toml")
    assert _leftovers(tmp_path) == []


# ---------------------------------------------------------------------------------------------
# Saves that must not happen


def test_an_invalid_session_is_not_saved(tmp_path: Path) -> None:
    path = _copy(HANDWRITTEN, tmp_path)
    original = path.read_bytes()
    with open_session(path) as handle:
        session = handle.session
        for bad, key in [
            (
                dataclasses.replace(session, people=(Person("x", "X"), Person("x", "Y"))),
                "people[1].id",
            ),
            (dataclasses.replace(session, stages={"launch": StageState()}), "stages.launch"),
        ]:
            with pytest.raises(SessionSaveError, match=re.escape(key)):
                handle.save(bad)
            assert path.read_bytes() == original
        assert handle.session == session


def test_text_that_cannot_be_utf8_fails_cleanly_and_the_handle_recovers(tmp_path: Path) -> None:
    path = _copy(HANDWRITTEN, tmp_path)
    original = path.read_bytes()
    with open_session(path) as handle:
        session = handle.session
        bad = dataclasses.replace(session, ui=UiState("audit", "file-\udcff.txt"))
        with pytest.raises(SessionSaveError, match="UTF-8"):
            handle.save(bad)
        assert path.read_bytes() == original
        good = handle.save(dataclasses.replace(session, ui=UiState("audit", "fine.txt")))
    assert load_session(path) == good
    assert _leftovers(tmp_path) == []


# ---------------------------------------------------------------------------------------------
# Read-only handles and locking (within one process; see tests/reliability for two)


def test_second_open_is_read_only_and_says_who_has_it(tmp_path: Path) -> None:
    path = _copy(HANDWRITTEN, tmp_path)
    with open_session(path) as first:
        assert not first.read_only
        with open_session(path) as second:
            assert second.read_only
            assert second.locked_by is not None
            assert second.locked_by.pid == os.getpid()
            assert second.notice is not None and "open in another launch-tui" in second.notice
            assert second.session == first.session
            with pytest.raises(SessionReadOnlyError):
                second.save(dataclasses.replace(second.session, ui=UiState("observe")))
        with pytest.raises(SessionLockedError):
            open_session(path, if_locked="raise")
    with open_session(path) as third:
        assert not third.read_only  # released on close


def test_read_only_on_request(tmp_path: Path) -> None:
    path = _copy(HANDWRITTEN, tmp_path)
    with open_session(path, read_only=True) as handle:
        assert handle.read_only and handle.locked_by is None and handle.notice is None
        with pytest.raises(SessionReadOnlyError):
            handle.save(handle.session)
        assert _leftovers(tmp_path) == []  # no lock taken
    with open_session(path) as writer:
        assert not writer.read_only


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_unwritable_file_opens_read_only(tmp_path: Path) -> None:
    path = _copy(HANDWRITTEN, tmp_path)
    path.chmod(0o400)
    with open_session(path) as handle:
        assert handle.read_only
        assert handle.notice is not None and "not writable" in handle.notice


def test_a_closed_handle_cannot_save(tmp_path: Path) -> None:
    path = _copy(HANDWRITTEN, tmp_path)
    handle = open_session(path)
    handle.close()
    handle.close()
    assert handle.closed
    with pytest.raises(SessionError, match="closed"):
        handle.save(handle.session)


def test_reload_sees_changes_made_elsewhere(tmp_path: Path) -> None:
    path = _copy(HANDWRITTEN, tmp_path)
    with open_session(path) as writer, open_session(path) as reader:
        writer.save(dataclasses.replace(writer.session, ui=UiState("observe")))
        assert reader.reload().ui.stage == "observe"


# ---------------------------------------------------------------------------------------------
# Hand edits made while the session is open are merged, not overwritten


def test_hand_edits_made_while_open_are_merged(tmp_path: Path) -> None:
    path = _copy(HANDWRITTEN, tmp_path)
    with open_session(path) as handle:
        session = handle.session
        text = path.read_text("utf-8")
        text = text.replace("client = 'Acme Logistics'", "client = 'Acme Freight'")
        text = text.replace("[network]", "# edited by hand\n[network]")
        path.write_text(text, "utf-8")
        saved = handle.save(
            dataclasses.replace(
                session,
                ui=UiState("delivery", ""),
                results=(
                    *session.results,
                    CheckResult("tls.expiry", "acme.example", Status.PASS, Severity.HIGH, "ok"),
                ),
            )
        )
        assert saved.sprint.client == "Acme Freight"
        assert saved.ui.stage == "delivery"
        assert len(saved.results) == 3
        assert handle.session == saved
        final = path.read_text("utf-8")
        assert "# edited by hand\n[network]" in final
        assert load_session(path) == saved
        # And the handle goes on from the merged state.
        again = handle.save(dataclasses.replace(saved, ui=UiState("observe")))
    assert load_session(path) == again


def test_a_file_deleted_while_open_is_written_again(tmp_path: Path) -> None:
    path = _copy(HANDWRITTEN, tmp_path)
    with open_session(path) as handle:
        path.unlink()
        saved = handle.save(dataclasses.replace(handle.session, ui=UiState("observe")))
    assert load_session(path) == saved
    assert "# Acme launch-ready sprint" in path.read_text("utf-8")


def test_a_touched_but_unchanged_file_is_not_merged(tmp_path: Path) -> None:
    path = _copy(HANDWRITTEN, tmp_path)
    with open_session(path) as handle:
        os.utime(path, ns=(5, 5))
        saved = handle.save(dataclasses.replace(handle.session, ui=UiState("observe")))
    assert load_session(path) == saved


# ---------------------------------------------------------------------------------------------
# Creating


def test_create_writes_a_commented_file(tmp_path: Path) -> None:
    path = tmp_path / "clients" / "acme.toml"
    session = make_session(people=(Person("sam", "Sam"),))
    with create_session(path, session) as handle:
        assert not handle.read_only
        assert handle.session == session
        text = path.read_text("utf-8")
        assert text.startswith("# launch-tui session file for Acme.\n")
        assert "edited by hand" in text
        assert "# Everyone with a role in the sprint" in text
        assert "[network]" not in text  # defaults are not written
        handle.save(dataclasses.replace(handle.session, ui=UiState("observe")))
    assert load_session(path).ui.stage == "observe"
    assert path.stat().st_mode & 0o777 == 0o600
    assert _leftovers(path.parent) == []


def test_create_refuses_to_overwrite_unless_asked(tmp_path: Path) -> None:
    path = _copy(HANDWRITTEN, tmp_path)
    original = path.read_bytes()
    with pytest.raises(SessionError, match="already exists") as caught:
        create_session(path, make_session())
    assert caught.value.title == "Session already exists"
    assert path.read_bytes() == original
    with create_session(path, make_session(), exist_ok=True):
        pass
    assert load_session(path) == make_session()


def test_create_never_replaces_a_session_open_elsewhere(tmp_path: Path) -> None:
    path = _copy(HANDWRITTEN, tmp_path)
    with open_session(path), pytest.raises(SessionLockedError):
        create_session(path, make_session(), exist_ok=True)
    assert path.read_bytes() == HANDWRITTEN.read_bytes()


def test_create_refuses_an_invalid_session(tmp_path: Path) -> None:
    bad = make_session(people=(Person("x", "X"), Person("x", "Y")))
    with pytest.raises(SessionSaveError, match=r"people\[1\]\.id"):
        create_session(tmp_path / "s.toml", bad)
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------------------------------------
# Listing


def test_list_sessions_summarises_and_sorts_by_last_save(tmp_path: Path) -> None:
    older = _copy(HANDWRITTEN, tmp_path, "older.toml")
    os.utime(older, (1_700_000_000, 1_700_000_000))
    with create_session(tmp_path / "newer.toml", make_session()) as handle:
        handle.save(
            dataclasses.replace(
                handle.session,
                stages={
                    "audit": StageState(StageStatus.DONE),
                    "delivery": StageState(StageStatus.BLOCKED),
                },
            )
        )
        (tmp_path / ".hidden.toml").write_text("x")
        (tmp_path / "notes.txt").write_text("x")
        summaries = list_sessions(tmp_path)
    assert [s.path.name for s in summaries] == ["newer.toml", "older.toml"]
    newer, old = summaries
    assert newer.client == "Acme" and newer.sprint_id == "acme"
    assert newer.stages_done == 1 and newer.stages_total == 7
    assert newer.stage_counts[StageStatus.BLOCKED] == 1
    assert newer.stage_counts[StageStatus.TODO] == 5
    assert newer.locked_by is not None and newer.locked_by.is_this_process
    assert not newer.locked  # open here, not elsewhere
    assert old.apex == "acme.example" and old.current_stage == "request-path"
    assert old.saved_at == datetime.fromtimestamp(1_700_000_000, UTC)
    assert old.locked_by is None


def test_list_of_a_missing_folder_is_empty(tmp_path: Path) -> None:
    assert list_sessions(tmp_path / "none") == []


# ---------------------------------------------------------------------------------------------
# Temporary files of interrupted saves


def test_leftover_temp_files_are_removed(tmp_path: Path) -> None:
    path = _copy(HANDWRITTEN, tmp_path)
    other = _copy(HANDWRITTEN, tmp_path, "other.toml")
    mine = tmp_path / f".{path.name}.tmp-0123456789ab"
    theirs = tmp_path / f".{other.name}.tmp-ba9876543210"
    mine.write_text("half a save")
    theirs.write_text("half a save")
    (tmp_path / ".not-ours.tmp-zz").write_text("keep")
    with open_session(path):
        assert not mine.exists()  # opening cleans up after the session opened
        assert theirs.exists()  # ... and only that one
        with open_session(other):
            assert not theirs.exists()
            theirs.write_text("a save in progress")
            assert cleanup_temp_files(tmp_path) == []  # other is open: not touched
        assert cleanup_temp_files(tmp_path) == [theirs]
    assert (tmp_path / ".not-ours.tmp-zz").exists()


# ---------------------------------------------------------------------------------------------
# Migrations


def _findings_to_results(data: MutableMapping[str, Any]) -> None:
    if "findings" in data:
        data["results"] = data.pop("findings")


V0 = Migration(0, "[[findings]] became [[results]]", _findings_to_results)

V0_FILE = """\
# a file from before version 1
schema_version = 0

[sprint]
id = "acme"
client = "Acme"
started_at = 2026-05-04T08:30:00Z

[[findings]]
check = "dns.records"   # kept
target = "acme.example"
status = "warn"
severity = "medium"
summary = "CAA missing"

[findings.evidence]
caa = []
"""


def test_an_old_file_is_migrated_on_open_and_written_on_save(tmp_path: Path) -> None:
    path = tmp_path / "old.toml"
    path.write_text(V0_FILE, "utf-8")
    with open_session(path, migrations=[V0, *MIGRATIONS]) as handle:
        assert handle.migrated_from == 0
        assert handle.session.schema_version == SCHEMA_VERSION
        assert handle.session.results[0].check_id == "dns.records"
        assert path.read_text("utf-8") == V0_FILE  # opening never writes
        handle.save(handle.session)  # nothing changed in the session, but the format did
    text = path.read_text("utf-8")
    assert f"schema_version = {SCHEMA_VERSION}\n" in text
    assert "[[results]]" in text and "findings" not in text
    assert 'check = "dns.records"   # kept' in text
    assert "# a file from before version 1" in text
    with open_session(path) as handle:
        assert handle.migrated_from is None
        assert handle.session.results[0].evidence == {"caa": []}


def test_an_old_file_without_a_migration_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "old.toml"
    path.write_text(V0_FILE, "utf-8")
    with pytest.raises(SessionValidationError, match="no upgrade from schema_version 0") as caught:
        open_session(path)
    assert (caught.value.line, caught.value.column) == (2, 18)
    assert path.read_text("utf-8") == V0_FILE


def test_migrations_chain_in_order() -> None:
    steps: list[int] = []

    def step(n: int) -> Migration:
        return Migration(n, f"step {n}", lambda data: steps.append(n))

    data: dict[str, Any] = {"schema_version": 0}
    assert migrate(data, target=3, migrations=[step(2), step(0), step(1)]) == 0
    assert steps == [0, 1, 2]
    assert data["schema_version"] == 3
    assert migrate({}, target=3, migrations=[]) == 3  # no version: current


def test_a_table_that_only_held_tables_survives_losing_its_last_child(tmp_path: Path) -> None:
    # Found by test_load_of_save_is_identity: evidence {"": {"": {}}} is written as the header
    # [results.evidence.""."" ] alone, so evidence."" is implicit; saving {"": {}} in place
    # removed the child and, with it, every trace of evidence."" from the file.
    from launch_tui.core.model import CheckResult, Sprint

    def session(evidence: dict[str, Any]) -> Session:
        sprint = Sprint(
            id="a", client="", product="", engineer="", started_at=datetime(2000, 1, 1, tzinfo=UTC)
        )
        result = CheckResult("dns.records", "a", Status.PASS, Severity.HIGH, "", evidence)
        return Session(sprint=sprint, results=(result,))

    path = tmp_path / "s.toml"
    create_session(path, session({"": {"": {}}})).close()
    with open_session(path) as handle:
        handle.save(session({"": {}}))
    assert load_session(path).results[0].evidence == {"": {}}

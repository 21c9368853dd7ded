"""The playbook: the builtin one is complete and consistent; bad ones fail with useful errors."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomlkit
from hypothesis import given, settings
from hypothesis import strategies as st

from launch_tui.core.errors import PlaybookError, UsageError
from launch_tui.core.model import STAGE_IDS, RouteKind, Severity
from launch_tui.core.playbook import (
    BUILTIN_SOURCE,
    AppliesTo,
    CheckMode,
    Playbook,
    builtin_playbook,
    parse_playbook,
)
from launch_tui.report import parts
from launch_tui.store.playbook_file import load_playbook

DATA = Path(__file__).resolve().parent.parent / "data" / "playbooks"
VALID_MINIMAL = DATA / "valid_minimal.toml"
BAD_FILES = sorted((DATA / "bad").glob("*.toml"))

A, M = CheckMode.AUTO, CheckMode.MANUAL
SES, HOST, ROUTE = AppliesTo.SESSION, AppliesTo.HOST, AppliesTo.ROUTE
CRIT, HIGH, MED, LOW, INFO = (
    Severity.CRITICAL,
    Severity.HIGH,
    Severity.MEDIUM,
    Severity.LOW,
    Severity.INFO,
)

# The check plan later issues implement against: id, mode, what a result is about, severity.
PLAN: dict[str, list[tuple[str, CheckMode, AppliesTo, Severity]]] = {
    "audit": [
        ("audit.stack", A, SES, MED),
        ("dns.records", A, HOST, HIGH),
        ("domain.expiry", A, SES, HIGH),
        ("http.redirects", A, HOST, MED),
        ("perf.first_response", A, ROUTE, MED),
        ("secrets.repo", A, SES, CRIT),
        ("secrets.ci_logs", A, SES, CRIT),
        ("access.admin_exposed", A, ROUTE, CRIT),
        ("access.webhook_unsigned", A, ROUTE, HIGH),
        ("audit.secrets_location", M, SES, HIGH),
        ("audit.staging_diff", M, SES, MED),
    ],
    "request-path": [
        ("perf.latency", A, ROUTE, HIGH),
        ("perf.slowest", A, SES, MED),
        ("http.caching", A, ROUTE, MED),
        ("perf.page_weight", A, ROUTE, MED),
        ("perf.server_timing", A, ROUTE, INFO),
        ("perf.duplicate_queries", M, SES, MED),
        ("perf.background_jobs", M, SES, MED),
    ],
    "delivery": [
        ("edge.cloudflare", A, HOST, HIGH),
        ("edge.origin_exposed", A, HOST, HIGH),
        ("tls.certificate", A, HOST, CRIT),
        ("http.https_forced", A, HOST, HIGH),
        ("http.canonical_redirect", A, SES, MED),
        ("http.hsts", A, HOST, MED),
        ("http.mixed_content", A, ROUTE, MED),
        ("http.cookies", A, ROUTE, HIGH),
        ("http.security_headers", A, HOST, MED),
        ("edge.ddos", M, SES, MED),
        ("edge.subdomain_owners", M, SES, LOW),
    ],
    "email-secrets": [
        ("email.spf", A, SES, HIGH),
        ("email.dkim", A, SES, HIGH),
        ("email.dmarc", A, SES, HIGH),
        ("email.mx", A, SES, HIGH),
        ("secrets.inventory", A, SES, HIGH),
        ("secrets.rotation", A, SES, CRIT),
        ("email.transactional_test", M, SES, MED),
    ],
    "deploy": [
        ("deploy.env_diff", A, SES, HIGH),
        ("deploy.health", A, ROUTE, HIGH),
        ("deploy.migrations", A, SES, MED),
        ("deploy.build_output", A, SES, CRIT),
        ("deploy.env_separation", A, SES, HIGH),
        ("deploy.rollback_drill", M, SES, HIGH),
        ("deploy.runbook", M, SES, MED),
    ],
    "observe": [
        ("monitor.coverage", A, SES, HIGH),
        ("monitor.request_id", A, ROUTE, MED),
        ("monitor.alerts", M, SES, HIGH),
        ("monitor.live", M, SES, HIGH),
        ("monitor.edge_analytics", M, SES, LOW),
    ],
    "handover": [
        ("handover.access_map", A, SES, HIGH),
        ("handover.renewals", A, SES, MED),
        ("handover.env_changes", A, SES, MED),
        ("handover.rollback_notes", A, SES, HIGH),
        ("handover.support_paths", A, SES, MED),
        ("handover.limitations", A, SES, LOW),
        ("handover.next_steps", A, SES, LOW),
    ],
}

BAR: dict[str, tuple[tuple[str, ...], tuple[RouteKind, ...]]] = {
    "core-reads": (("perf.latency",), (RouteKind.READ,)),
    "writes-auth": (("perf.latency",), (RouteKind.WRITE, RouteKind.AUTH)),
    "uptime-monitoring": (("monitor.coverage",), ()),
    "secrets-out-of-code": (
        ("secrets.repo", "secrets.ci_logs", "deploy.build_output", "secrets.rotation"),
        (),
    ),
    "dns-redirects": (("dns.records", "http.redirects", "http.canonical_redirect"), ()),
    "edge-tls": (("edge.cloudflare", "tls.certificate", "http.https_forced", "edge.ddos"), ()),
    "email-auth": (("email.spf", "email.dkim", "email.dmarc"), ()),
    "env-separation": (("deploy.env_diff", "deploy.env_separation"), ()),
    "handover": (
        (
            "handover.access_map",
            "handover.rollback_notes",
            "deploy.rollback_drill",
            "deploy.runbook",
            "secrets.inventory",
        ),
        (),
    ),
}


@pytest.fixture(scope="module")
def playbook() -> Playbook:
    return builtin_playbook()


# --- the builtin playbook ---------------------------------------------------------------------


def test_builtin_has_the_seven_stages_in_sprint_order(playbook: Playbook) -> None:
    assert tuple(s.id for s in playbook.stages) == STAGE_IDS
    assert [s.number for s in playbook.stages] == [1, 2, 3, 4, 5, 6, 7]
    assert playbook.source == BUILTIN_SOURCE


def test_builtin_declares_exactly_the_planned_checks(playbook: Playbook) -> None:
    actual = {
        stage.id: [(c.id, c.mode, c.applies_to, c.severity) for c in stage.checks]
        for stage in playbook.stages
    }
    assert actual == PLAN


def test_builtin_check_ids_are_unique_in_the_file() -> None:
    # Parsing rejects duplicates too; this reads the raw file so the test does not trust the parser.
    text = (Path(__file__).resolve().parents[2] / "launch_tui/core/playbook.toml").read_text()
    raw = tomllib.loads(text)
    ids = [c["id"] for s in raw["stages"] for c in s["checks"]]
    assert len(ids) == len(set(ids)) == 55


def test_every_stage_has_its_prose_and_deliverable(playbook: Playbook) -> None:
    for stage in playbook.stages:
        for text in (stage.title, stage.goal, stage.why, stage.failure_signal):
            assert text and "\n" not in text and "  " not in text
        assert stage.deliverable.name and stage.deliverable.description
        assert len(stage.why) > 200, f"{stage.id}: why should be a paragraph"


def test_every_check_says_why_and_how_to_fix(playbook: Playbook) -> None:
    for check in playbook.checks():
        assert check.title and check.why and check.fix
        assert len(check.why) <= 100, f"{check.id}: why should be one line"
        assert check.stage == playbook.stage_of(check.id).id


def test_every_manual_check_says_what_to_look_at(playbook: Playbook) -> None:
    manual = playbook.checks(CheckMode.MANUAL)
    assert manual
    assert all(c.look_at for c in manual)


def test_minimum_bar_is_the_nine_items(playbook: Playbook) -> None:
    assert {i.id: (i.checks, i.route_kinds) for i in playbook.minimum_bar} == BAR
    assert playbook.bar_item_ids == tuple(BAR)
    for item in playbook.minimum_bar:
        assert item.title
        for check_id in item.checks:
            assert check_id in playbook


def test_builtin_is_parsed_once(playbook: Playbook) -> None:
    assert builtin_playbook() is playbook


# --- deliverables are data ----------------------------------------------------------------------


def test_builtin_declares_every_part_the_code_reads_with_its_evidence(playbook: Playbook) -> None:
    for part in parts.ALL:
        declared = playbook.stage(part.stage).deliverable.reads
        assert part.id in [p.id for p in declared], f"{part.stage}: no part {part.id!r}"
        found = part.of(playbook)
        assert found.checks, f"{part.stage}.{part.id} names no check"
        assert {name for name, _ in found.evidence} == set(part.evidence), (
            f"{part.stage}.{part.id}: the code reads evidence {part.evidence}"
        )
        assert all(found.keys(name) for name in part.evidence)


def test_every_part_the_builtin_declares_is_read(playbook: Playbook) -> None:
    read = {(p.stage, p.id) for p in parts.ALL}
    declared = {(s.id, p.id) for s in playbook.stages for p in s.deliverable.reads}
    assert declared == read
    assert len(parts.ALL) == len(read), "a part is named twice in report/parts.py"


def test_every_part_in_report_parts_is_read_by_the_code() -> None:
    package = Path(__file__).resolve().parents[2] / "launch_tui"
    names = [n for n, v in vars(parts).items() if isinstance(v, parts.Part)]
    code = "\n".join(
        p.read_text(encoding="utf-8") for p in package.rglob("*.py") if p.name != "parts.py"
    )
    used = {n for n in names if re.search(rf"\bparts\.{n}\b", code)}
    source = (package / "report" / "parts.py").read_text(encoding="utf-8")
    for group in re.findall(r"\bparts\.([A-Z_]+)\b", code):
        # a tuple of parts (EMAIL_CHECKLIST) reads the parts it lists
        definition = re.search(rf"^{group}\b.*?\n\)", source, re.M | re.S)
        if definition and group not in names:
            used |= {n for n in names if re.search(rf"\b{n}\b", definition.group(0))}
    assert sorted(set(names) - used) == []


def test_every_check_a_builtin_part_names_is_declared(playbook: Playbook) -> None:
    # The parser refuses unknown checks; this reads the raw file so it does not trust the parser.
    text = (Path(__file__).resolve().parents[2] / "launch_tui/core/playbook.toml").read_text()
    raw = tomllib.loads(text)
    families = {c.id.split(".")[0] for c in playbook.checks()}
    for stage in raw["stages"]:
        for part in stage["deliverable"].get("reads", []):
            for check_id in part["checks"]:
                if check_id.endswith(".*"):
                    assert check_id[:-2] in families
                else:
                    assert check_id in playbook, f"{stage['id']}.{part['id']}: {check_id}"


def test_a_part_covers_its_checks_and_families_and_gives_its_keys(playbook: Playbook) -> None:
    hosts = parts.MAP_HOSTS.of(playbook)
    assert hosts.covers("dns.records") and hosts.covers("http.hsts")
    assert not hosts.covers("perf.latency") and not hosts.covers("dnsx.records")
    tls = parts.MAP_TLS.of(playbook)
    assert tls.checks == ("tls.certificate",)
    assert tls.keys("expires")[0] == "not_after"
    assert tls.keys("nothing") == ()


def test_a_playbook_without_reads_gives_empty_parts() -> None:
    minimal = parse_playbook(VALID_MINIMAL.read_text(), "valid_minimal.toml")
    part = minimal.reads("delivery", "tls")
    assert part.checks == () and part.evidence == ()
    assert not part.covers("tls.certificate")


# --- lookups ----------------------------------------------------------------------------------


def test_lookups(playbook: Playbook) -> None:
    assert playbook.stage("delivery").number == 3
    assert playbook.check("tls.certificate").severity is Severity.CRITICAL
    assert playbook.stage_of("email.dkim").id == "email-secrets"
    assert playbook.stage_by_number(7).id == "handover"
    assert playbook.bar_item("edge-tls").checks[-1] == "edge.ddos"
    assert "nope.nope" not in playbook
    every = playbook.checks()
    assert len(every) == 55
    assert every[0].id == "audit.stack" and every[-1].id == "handover.next_steps"
    auto, manual = playbook.checks(CheckMode.AUTO), playbook.checks(CheckMode.MANUAL)
    assert len(auto) + len(manual) == len(every)
    assert all(c.mode is CheckMode.AUTO for c in auto)


@pytest.mark.parametrize(
    "call",
    [
        lambda p: p.stage("launch"),
        lambda p: p.check("dns.nope"),
        lambda p: p.stage_of("dns.nope"),
        lambda p: p.stage_by_number(0),
        lambda p: p.stage_by_number(8),
        lambda p: p.bar_item("nope"),
    ],
)
def test_lookups_of_unknown_ids_raise_key_error(playbook: Playbook, call: Any) -> None:
    with pytest.raises(KeyError):
        call(playbook)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", "delivery"),
        (" 1 ", "audit"),
        ("delivery", "delivery"),
        ("Request-Path", "request-path"),
        ("harden   delivery", "delivery"),
        ("7", "handover"),
    ],
)
def test_resolve_stage(playbook: Playbook, text: str, expected: str) -> None:
    assert playbook.resolve_stage(text).id == expected


@pytest.mark.parametrize("text", ["0", "8", "", "launch", "3.0", "-1"])
def test_resolve_stage_refuses_with_the_choices(playbook: Playbook, text: str) -> None:
    with pytest.raises(UsageError) as info:
        playbook.resolve_stage(text)
    assert "1 to 7" in info.value.message
    assert "audit, request-path, delivery" in info.value.message


# --- parsing other playbooks ------------------------------------------------------------------


def test_minimal_playbook_parses_and_folds_whitespace() -> None:
    playbook = parse_playbook(VALID_MINIMAL.read_text(), "valid_minimal.toml")
    assert playbook.stage("audit").why == "Why audit matters, over two lines."
    assert playbook.check("audit.people").look_at == "Where to look."
    assert playbook.check("audit.stack").look_at == ""
    assert playbook.bar_item("core-reads").route_kinds == (RouteKind.READ,)
    assert playbook.source == "valid_minimal.toml"


def _expectations(path: Path) -> tuple[list[str], str | None]:
    expects: list[str] = []
    position = None
    for line in path.read_text().splitlines():
        if line.startswith("# expect: "):
            expects.append(line.removeprefix("# expect: "))
        elif line.startswith("# expect-position: "):
            position = line.removeprefix("# expect-position: ")
    return expects, position


def test_the_bad_corpus_is_there() -> None:
    assert len(BAD_FILES) >= 30
    assert any(_expectations(p)[1] for p in BAD_FILES), "corpus needs syntax errors too"


@pytest.mark.parametrize("path", BAD_FILES, ids=lambda p: p.stem)
def test_bad_playbook_fails_with_the_expected_message(path: Path) -> None:
    expects, position = _expectations(path)
    assert expects, f"{path.name} has no '# expect:' line"
    with pytest.raises(PlaybookError) as info:
        parse_playbook(path.read_text(encoding="utf-8"), path.name)
    message = info.value.message
    if position is None:
        assert message.startswith(f"{path.name}: ")
    else:
        assert message.startswith(f"{path.name}:{position}: invalid TOML: ")
    for expected in expects:
        assert expected in message
    assert info.value.title == "Bad playbook"
    assert "\x1b" not in message and "\n" not in message


def test_syntax_error_position_is_where_the_parser_stopped() -> None:
    text = 'version = 1\n\n[[stages]]\nid = "audit"\nnumber = = 1\n'
    with pytest.raises(PlaybookError) as info:
        parse_playbook(text, "mine.toml")
    assert info.value.message.startswith("mine.toml:5:10: invalid TOML: ")


def test_syntax_error_at_end_of_document_points_past_the_last_character() -> None:
    with pytest.raises(PlaybookError) as info:
        parse_playbook("version = 1\nstages = [", "mine.toml")
    assert info.value.message.startswith("mine.toml:2:11: invalid TOML: ")


# Values hypothesis may write over any key of a valid playbook.
_toml_values = st.one_of(
    st.text(max_size=12),
    st.integers(-3, 10),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.lists(st.text(max_size=6), max_size=3),
    st.just({}),
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = []
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        found.append((*prefix, key))
        if isinstance(value, dict | list):
            found.extend(_paths(value, (*prefix, key)))
    return found


_MINIMAL_DATA = tomllib.loads(VALID_MINIMAL.read_text())
_MINIMAL_PATHS = _paths(_MINIMAL_DATA)


@settings(max_examples=100, deadline=None)
@given(
    path=st.sampled_from(_MINIMAL_PATHS),
    delete=st.booleans(),
    value=_toml_values,
)
def test_any_single_damage_gives_a_playbook_error_or_a_valid_playbook(
    path: tuple[Any, ...], delete: bool, value: Any
) -> None:
    data = tomllib.loads(VALID_MINIMAL.read_text())
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    text = tomlkit.dumps(data)
    try:
        parse_playbook(text, "damaged.toml")
    except PlaybookError as exc:
        assert exc.message.startswith("damaged.toml")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_escapes_as_anything_but_a_playbook_error(text: str) -> None:
    with pytest.raises(PlaybookError):
        parse_playbook(text, "noise.toml")


# --- loading from a file ----------------------------------------------------------------------


def test_load_none_is_the_builtin() -> None:
    assert load_playbook(None) is builtin_playbook()


def test_load_a_file(tmp_path: Path) -> None:
    path = tmp_path / "team.toml"
    path.write_bytes(VALID_MINIMAL.read_bytes())
    playbook = load_playbook(path)
    assert playbook.source == str(path)
    assert playbook.check("audit.people").mode is CheckMode.MANUAL


def test_load_accepts_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + VALID_MINIMAL.read_bytes())
    assert load_playbook(path).stage("audit").number == 1


def test_load_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(PlaybookError) as info:
        load_playbook(path)
    assert info.value.message == f"{path}: no such file"


def test_load_a_folder(tmp_path: Path) -> None:
    with pytest.raises(PlaybookError) as info:
        load_playbook(tmp_path)
    assert info.value.message.startswith(f"{tmp_path}: ")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any file")
def test_load_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "locked.toml"
    path.write_bytes(VALID_MINIMAL.read_bytes())
    path.chmod(0)
    try:
        with pytest.raises(PlaybookError) as info:
            load_playbook(path)
        assert info.value.message.startswith(f"{path}: cannot read the file")
    finally:
        path.chmod(0o600)


def test_load_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes("version = 1\n# caf\u00e9\n".encode("latin-1"))
    with pytest.raises(PlaybookError) as info:
        load_playbook(path)
    assert info.value.message == f"{path}: not UTF-8 text (undecodable byte at offset 17)"


def test_load_bad_file_names_the_path_and_key(tmp_path: Path) -> None:
    path = tmp_path / "team.toml"
    path.write_text(VALID_MINIMAL.read_text().replace('severity = "high"', 'severity = "hi"', 1))
    with pytest.raises(PlaybookError) as info:
        load_playbook(path)
    assert info.value.message.startswith(
        f"{path}: stages[audit].checks[audit.stack].severity: 'hi' is not one of"
    )


def test_load_syntax_error_names_path_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "team.toml"
    path.write_text("version = 1\nstages = [\n  { id = 'audit' ,, }\n]\n")
    with pytest.raises(PlaybookError) as info:
        load_playbook(path)
    assert re.match(rf"^{re.escape(str(path))}:3:\d+: invalid TOML: ", info.value.message)

"""What the ``launch-tui check`` report tests share: hand-built reports and the CLI in process.

The unit tests of the JUnit and SARIF renderers build a :class:`CheckReport` by hand with
:func:`result` and :func:`make_report`; the integration tests run ``main`` against a sandbox world
with :class:`Cli`. Each test module keeps its own results: what differs between them is what the
module tests. Import from here like any module (``tests/`` is on ``sys.path`` through the rootdir
``conftest.py``). It is not a plugin, so pytest does not rewrite its asserts; they carry their
own messages.
"""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator

from launch_tui.cli import main
from launch_tui.cli.check_output import CheckReport, build_check_report
from launch_tui.cli.context import CliEnv
from launch_tui.core.model import (
    Action,
    CheckResult,
    Decision,
    Host,
    JSONValue,
    Person,
    Route,
    RouteKind,
    Session,
    Severity,
    Sprint,
    Status,
    Targets,
)
from launch_tui.core.playbook import builtin_playbook
from launch_tui.store import create_session

DATA = Path(__file__).parent / "data"
PLAYBOOK = builtin_playbook()
#: When a hand-built run starts; its results are measured a second in and it ends at two.
AT = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)

#: The shared corpus of strings a session or a server could carry.
HOSTILE: list[str] = json.loads((DATA / "report" / "hostile_strings.json").read_text("utf-8"))
#: Strings only a hand-built report can carry (no TOML session file holds them).
EXTRA_HOSTILE = ["nul\x00 esc\x1b bel\x07", "\ufffe\uffff noncharacters", "lone \ud800 surrogate"]
_CONTROL = "\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
#: Anything a terminal could act on: C0 but newline, DEL, C1, bidi embeddings and isolates.
CONTROL = re.compile(f"[{_CONTROL}]")
#: CONTROL and the bidi marks: a JUnit or SARIF report (read in a CI log viewer) shows neither.
CONTROL_OR_MARK = re.compile(f"[{_CONTROL}\u200e\u200f]")

#: The demo's accepted risk on the expiring certificate of app.brightlane.test.
D3 = Decision(
    id="D3",
    stage="delivery",
    action=Action.ACCEPT_RISK,
    text="Renewal is booked for Monday",
    check_id="tls.certificate",
    target="app.brightlane.test",
    owner="priya",
    due=date(2025, 6, 9),
)
#: An accepted risk with no target: it covers every target of dns.records.
D4 = Decision(
    "D4",
    "audit",
    Action.ACCEPT_RISK,
    "promo record goes with the DNS clean-up",
    check_id="dns.records",
    owner="maya",
)

# --- reports built by hand --------------------------------------------------------------------

#: The hosts of the demo session, in its order.
DEMO_HOSTS = ("promo.brightlane.test", "www.brightlane.test", "app.brightlane.test")


def result(
    check_id: str,
    target: str,
    status: Status,
    severity: Severity,
    summary: str = "",
    evidence: dict[str, JSONValue] | None = None,
    *,
    previous_status: Status | None = None,
) -> CheckResult:
    """A result measured a second into the run, taking 40 ms; ``summary`` defaults to one
    naming the check, the target and the status."""
    return CheckResult(
        check_id=check_id,
        target=target,
        status=status,
        severity=severity,
        summary=summary or f"{check_id} on {target or 'the session'}: {status.value}",
        evidence=evidence or {},
        measured_at=AT + timedelta(seconds=1),
        duration_ms=40,
        previous_status=previous_status,
    )


def make_session(
    decisions: tuple[Decision, ...] = (D3,),
    *,
    hosts: tuple[str, ...] = DEMO_HOSTS,
    client: str = "Brightlane Ltd",
    sprint_id: str = "demo",
) -> Session:
    """The demo sprint for Brightlane, with one POST login route and Priya as the one person."""
    return Session(
        sprint=Sprint(
            id=sprint_id,
            client=client,
            product="Brightlane marketplace",
            engineer="",
            started_at=AT,
        ),
        targets=Targets(
            apex="brightlane.test",
            hosts=tuple(Host(name) for name in hosts),
            routes=(Route("login", "https://app.brightlane.test/login", RouteKind.AUTH, "POST"),),
        ),
        people=(Person("priya", "Priya Raman"),),
        decisions=decisions,
    )


def make_report(
    results: tuple[CheckResult, ...],
    decisions: tuple[Decision, ...] = (D3,),
    *,
    hosts: tuple[str, ...] = DEMO_HOSTS,
    fail_on: Severity = Severity.HIGH,
    path: Path = Path("sessions/demo.toml"),
    **options: Any,
) -> CheckReport:
    """``results`` judged for :func:`make_session`: a run of 2 s (1.25 s of wall time) from AT.

    ``options`` go to :func:`build_check_report` (``stages``, ``cancelled``, ``timed_out``).
    """
    return build_check_report(
        make_session(decisions, hosts=hosts),
        results,
        PLAYBOOK,
        fail_on=fail_on,
        path=path,
        wall_s=1.25,
        started_at=AT,
        finished_at=AT + timedelta(seconds=2),
        **options,
    )


def hostile_finding(
    hostile: str, evidence: dict[str, JSONValue], *, previous_status: Status | None = None
) -> CheckResult:
    """A high FAIL of tls.certificate on ``app{hostile}``, summary ``hostile``: the finding
    that the accepted risk of :func:`hostile_report` covers."""
    return result(
        "tls.certificate",
        f"app{hostile}",
        Status.FAIL,
        Severity.HIGH,
        hostile,
        evidence,
        previous_status=previous_status,
    )


def hostile_report(
    hostile: str,
    results: tuple[CheckResult, ...],
    *,
    hosts: tuple[str, ...] = DEMO_HOSTS,
    sprint_id: str = "demo",
) -> CheckReport:
    """``results`` for a session whose client, accepted risk (D3 moved to target
    ``app{hostile}``), its owner's name and the file name all are ``hostile``, and which puts
    the custom check ``probe.custom`` in a stage named ``hostile``. No times: none is needed."""
    decision = replace(D3, text=hostile, owner="mallory", target=f"app{hostile}")
    session = make_session((decision,), hosts=hosts, client=hostile, sprint_id=sprint_id)
    return build_check_report(
        replace(session, people=(Person("mallory", hostile),)),
        results,
        PLAYBOOK,
        fail_on=Severity.HIGH,
        path=Path(f"{hostile}.toml"),
        stages={"probe.custom": hostile},
    )


# --- the SARIF schema -------------------------------------------------------------------------


@cache
def sarif_validator() -> Draft4Validator:
    """The official SARIF 2.1.0 schema (``tests/data/sarif-schema-2.1.0.json``), checked once."""
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text("utf-8"))
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


def assert_valid_sarif(document: Any) -> None:
    """Fail with the first five schema errors, by path, unless ``document`` is a valid log."""
    errors = sorted(sarif_validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, [(list(e.absolute_path), e.message) for e in errors[:5]]


# --- JUnit documents ---------------------------------------------------------------------------


def junit_cases_with(root: ET.Element, child: str) -> set[tuple[str | None, str | None]]:
    """(classname, name) of each testcase that holds a ``child`` element (failure, skipped)."""
    return {
        (c.get("classname"), c.get("name"))
        for c in root.iter("testcase")
        if c.find(child) is not None
    }


# --- the command line, in process -------------------------------------------------------------

#: The two checks whose demo verdicts are pinned: other issues add checks to the default
#: registry, and counts and exit codes must stay exact as it grows.
MINE = ("--only", "dns.records,tls.certificate")
#: The demo's findings for MINE: (check, target) → (status, severity).
DEMO_FINDINGS = {
    ("dns.records", "promo.brightlane.test"): ("fail", "high"),
    ("tls.certificate", "app.brightlane.test"): ("fail", "high"),
    ("tls.certificate", "staging.brightlane.test"): ("fail", "medium"),
    ("tls.certificate", "api.brightlane.test"): ("fail", "medium"),
}


class Cli:
    """``launch-tui`` in process, with its output captured afresh for each call.

    ``stderr`` may be a stream that says it is a terminal; sessions live in ``cwd/sessions``.
    """

    def __init__(self, cwd: Path, stderr: io.StringIO | None = None) -> None:
        self.cwd = cwd
        self.stdout = io.StringIO()
        self.stderr = stderr or io.StringIO()

    def __call__(self, *argv: str) -> int:
        """Run ``launch-tui ARGV``; return its exit code."""
        # Emptied, not replaced: a terminal-like stderr has to stay one.
        for stream in (self.stdout, self.stderr):
            stream.seek(0)
            stream.truncate()
        env = CliEnv(
            environ={"LAUNCH_TUI_SESSIONS": str(self.cwd / "sessions")},
            cwd=self.cwd,
            stdout=self.stdout,
            stderr=self.stderr,
        )
        return main(list(argv), env=env)

    @property
    def out(self) -> str:
        """What the last call printed on stdout."""
        return self.stdout.getvalue()

    @property
    def err(self) -> str:
        """What the last call printed on stderr."""
        return self.stderr.getvalue()

    def json(self) -> dict[str, Any]:
        """The last call's stdout, parsed as JSON."""
        data: dict[str, Any] = json.loads(self.out)
        return data

    def run(self, path: Path, fmt: str, *more: str) -> tuple[int, str]:
        """``check PATH`` on MINE in format ``fmt``: its exit code and stdout (no stderr)."""
        code = self("check", str(path), *MINE, "--format", fmt, *more)
        assert self.err == "", self.err
        return code, self.out


def write(path: Path, session: Session) -> Path:
    """Save ``session`` as a new session file at ``path``; return ``path``."""
    create_session(path, session).close()
    return path

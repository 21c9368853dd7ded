"""The stage playbook: the seven stages, their checks and the minimum bar, as validated data.

The playbook lives in ``playbook.toml`` beside this module so that titles, rationale and
remediation hints can be read and edited without touching check code, and so that a team can run
with its own playbook file (see ``store/playbook_file.py``). Parsing is strict: a typo in a
hand-written playbook is a :class:`~launch_tui.core.errors.PlaybookError` naming the source and
the key path (``stages[delivery].checks[tls.certificate].severity``), never a key silently
ignored. TOML syntax errors carry ``source:line:column``.

Prose fields may wrap over several lines in the file; runs of whitespace are folded into single
spaces, so every title, goal and hint is one line of text once parsed.

Deliverables are data too: each stage's deliverable lists the parts it is built from
(:class:`DeliverablePart`: the checks it reads and the evidence keys it takes from them). The
report and the TUI ask for a part by stage and id and never name a check themselves; a part that
names a check the playbook lacks is an error here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from launch_tui.core import toml_read
from launch_tui.core.errors import PlaybookError, UsageError
from launch_tui.core.model import STAGE_IDS, RouteKind, Severity
from launch_tui.core.toml_schema import Table, Wording

#: The playbook format this parser understands (the file's top-level ``version``).
PLAYBOOK_VERSION = 1

#: The ``source`` of the playbook shipped with the package, as shown in errors and reports.
BUILTIN_SOURCE = "builtin playbook (launch_tui/core/playbook.toml)"


class CheckMode(StrEnum):
    """Who decides a check: the app measures it, or the engineer confirms it by hand."""

    AUTO = "auto"
    MANUAL = "manual"


class AppliesTo(StrEnum):
    """What one result of a check is about, and so what its ``CheckResult.target`` names."""

    SESSION = "session"  # one result for the whole sprint; target ""
    HOST = "host"  # one result per hostname; target is the hostname
    ROUTE = "route"  # one result per configured route; target is the route name


@dataclass(frozen=True)
class CheckSpec:
    """What a check is, as the playbook declares it. Check code implements the ``auto`` ones."""

    id: str
    """Stable dotted id (``dns.records``) used by check modules, session files and reports."""
    stage: str
    """Id of the stage the check belongs to."""
    title: str
    """A few words naming what must hold."""
    mode: CheckMode
    severity: Severity
    """Launch impact when the check fails."""
    applies_to: AppliesTo
    why: str
    """One line: why it matters."""
    fix: str
    """Remediation hint, one or two sentences."""
    look_at: str = ""
    """For manual checks: what the engineer should look at before confirming."""
    absent: str = ""
    """What having no result of this check means, in a few words the readiness view shows
    (``rollback never drilled``); empty for the plain ``no result yet``."""


@dataclass(frozen=True)
class DeliverablePart:
    """One thing a stage's deliverable reads: the checks behind it and the evidence keys it takes.

    The report and the TUI ask for a part by id (``domain map → tls``) and read exactly these
    checks' results, and these evidence keys from them, so which check feeds which column is
    declared in the playbook rather than written into the code.
    """

    id: str
    checks: tuple[str, ...]
    """Check ids in the order they are shown or preferred; ``family.*`` stands for every check
    whose id starts with ``family.``."""
    evidence: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Named evidence lookups: each name with the keys tried in order (``expires`` →
    ``not_after``, ``expires``...)."""

    def keys(self, name: str) -> tuple[str, ...]:
        """The evidence keys declared under ``name``; ``()`` when the part declares none."""
        for declared, keys in self.evidence:
            if declared == name:
                return keys
        return ()

    def covers(self, check_id: str) -> bool:
        """Whether ``check_id`` is one of :attr:`checks`, by id or by a ``family.*`` entry."""
        return any(
            check_id == wanted or (wanted.endswith(".*") and check_id.startswith(wanted[:-1]))
            for wanted in self.checks
        )


@dataclass(frozen=True)
class Deliverable:
    """The client-facing artefact a stage produces, and what it reads."""

    name: str
    description: str
    reads: tuple[DeliverablePart, ...] = ()
    """The parts it is built from (``[[stages.deliverable.reads]]``)."""

    def part(self, part_id: str) -> DeliverablePart:
        """The part with this id; an empty part (no checks, no keys) when none is declared, so a
        playbook without the declaration gives a deliverable that shows nothing checked."""
        for part in self.reads:
            if part.id == part_id:
                return part
        return DeliverablePart(part_id, ())


@dataclass(frozen=True)
class StageSpec:
    """One stage of the sprint."""

    id: str
    """One of ``model.STAGE_IDS``."""
    number: int
    """1 to 7, the position in the sprint."""
    title: str
    goal: str
    why: str
    """A paragraph on why the stage matters."""
    deliverable: Deliverable
    failure_signal: str
    """What it looks like when this stage was skipped or done badly."""
    checks: tuple[CheckSpec, ...]


@dataclass(frozen=True)
class BarItem:
    """One line of the minimum bar and the checks whose results decide it."""

    id: str
    title: str
    checks: tuple[str, ...]
    """Ids of the checks that must all hold (or be accepted as risks) for the item to hold."""
    route_kinds: tuple[RouteKind, ...] = ()
    """When set, only results on configured routes of these kinds count (per-route checks)."""


@dataclass(frozen=True)
class Playbook:
    """The validated playbook, with lookups by stage and check id."""

    stages: tuple[StageSpec, ...]
    """The seven stages in sprint order."""
    minimum_bar: tuple[BarItem, ...]
    source: str = field(default="", compare=False)
    """Where the playbook came from (a path, or :data:`BUILTIN_SOURCE`)."""
    _stage_index: Mapping[str, StageSpec] = field(init=False, repr=False, compare=False)
    _check_index: Mapping[str, CheckSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Indexes are derived once; the dataclass is frozen, hence object.__setattr__.
        object.__setattr__(self, "_stage_index", {s.id: s for s in self.stages})
        object.__setattr__(self, "_check_index", {c.id: c for s in self.stages for c in s.checks})

    def stage(self, stage_id: str) -> StageSpec:
        """The stage with this id; ``KeyError`` when there is none."""
        return self._stage_index[stage_id]

    def check(self, check_id: str) -> CheckSpec:
        """The check with this id; ``KeyError`` when there is none (test with ``in`` first)."""
        return self._check_index[check_id]

    def __contains__(self, check_id: object) -> bool:
        """``"dns.records" in playbook``: whether the playbook declares this check."""
        return check_id in self._check_index

    def stage_of(self, check_id: str) -> StageSpec:
        """The stage a check belongs to; ``KeyError`` for an unknown check."""
        return self._stage_index[self._check_index[check_id].stage]

    def checks(self, mode: CheckMode | None = None) -> tuple[CheckSpec, ...]:
        """Every check in sprint order, or only the ``auto`` or ``manual`` ones."""
        return tuple(c for c in self._check_index.values() if mode is None or c.mode == mode)

    def stage_by_number(self, number: int) -> StageSpec:
        """The stage at position ``number`` (1-based); ``KeyError`` when out of range."""
        if not 1 <= number <= len(self.stages):
            raise KeyError(number)
        return self.stages[number - 1]

    def resolve_stage(self, text: str) -> StageSpec:
        """The stage a person meant by ``"3"``, ``"delivery"`` or ``"Harden delivery"``.

        Raises :class:`UsageError` listing the valid choices when nothing matches.
        """
        wanted = " ".join(text.split()).casefold()
        if wanted.isdecimal():
            number = int(wanted)
            if 1 <= number <= len(self.stages):
                return self.stages[number - 1]
        for stage in self.stages:
            if wanted in (stage.id, stage.title.casefold()):
                return stage
        choices = ", ".join(s.id for s in self.stages)
        raise UsageError(
            f"unknown stage {text!r}: give a number from 1 to {len(self.stages)} "
            f"or one of {choices}"
        )

    @property
    def bar_item_ids(self) -> tuple[str, ...]:
        """Ids of the minimum-bar items, in order."""
        return tuple(item.id for item in self.minimum_bar)

    def reads(self, stage_id: str, part_id: str) -> DeliverablePart:
        """Part ``part_id`` of stage ``stage_id``'s deliverable (empty when not declared)."""
        return self._stage_index[stage_id].deliverable.part(part_id)

    def bar_item(self, item_id: str) -> BarItem:
        """The minimum-bar item with this id; ``KeyError`` when there is none."""
        for item in self.minimum_bar:
            if item.id == item_id:
                return item
        raise KeyError(item_id)


# --- parsing -----------------------------------------------------------------------------------

_CHECK_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
_SLUG = re.compile(r"^[a-z][a-z0-9-]*$")
_EVIDENCE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# Only ids this tame are used as labels in key paths; anything else is shown by position.
_LABEL = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_TOML_POSITION = re.compile(r"^(?P<reason>.*) \(at line (?P<line>\d+), column (?P<col>\d+)\)$")
_TOML_AT_END = " (at end of document)"

_E = TypeVar("_E", bound=StrEnum)


def parse_playbook(text: str, source: str) -> Playbook:
    """Parse and validate a playbook from TOML ``text``; ``source`` names it in errors.

    Raises :class:`PlaybookError` for TOML syntax errors (``source:line:column: ...``) and for
    any content that does not validate (``source: key.path: reason``).
    """
    try:
        data = toml_read.loads(text)
    except toml_read.TOMLDecodeError as exc:
        line, column, reason = _syntax_position(str(exc), text)
        raise PlaybookError(f"{source}:{line}:{column}: invalid TOML: {reason}") from None
    return _parse_root(_Node(data, _wording(source)), source)


@cache
def builtin_playbook() -> Playbook:
    """The playbook shipped with the package (parsed once, then cached)."""
    # Beside this module, read as a plain file: importlib.resources (and zipfile with it) costs
    # milliseconds at every start, and the package is always installed as files.
    text = Path(__file__).with_name("playbook.toml").read_text(encoding="utf-8")
    return parse_playbook(text, BUILTIN_SOURCE)


def _syntax_position(message: str, text: str) -> tuple[int, int, str]:
    """Line, column and reason from a ``TOMLDecodeError`` message (3.11 has no attributes)."""
    match = _TOML_POSITION.match(message)
    if match:
        return int(match["line"]), int(match["col"]), match["reason"]
    reason = message.removesuffix(_TOML_AT_END)
    lines = text.split("\n")
    return len(lines), len(lines[-1]) + 1, reason


def _parse_root(root: _Node, source: str) -> Playbook:
    root.only("version", "stages", "minimum_bar")
    version = root.integer("version")
    if version != PLAYBOOK_VERSION:
        root.fail(
            "version",
            f"this launch-tui reads playbook version {PLAYBOOK_VERSION}, found {version}",
        )

    stages: list[StageSpec] = []
    stage_nodes: list[_Node] = []
    check_stage: dict[str, str] = {}
    for node in root.entries("stages"):
        stage = _parse_stage(node, check_stage)
        if any(s.id == stage.id for s in stages):
            node.fail("id", f"duplicate stage id {stage.id!r}")
        stages.append(stage)
        stage_nodes.append(node)
    ids = tuple(s.id for s in stages)
    for expected in STAGE_IDS:
        if expected not in ids:
            root.fail("stages", f"stage {expected!r} is missing")
    if ids != STAGE_IDS:
        root.fail(
            "stages",
            f"stages must appear in sprint order ({', '.join(STAGE_IDS)}), found {', '.join(ids)}",
        )
    checks = {c.id: c for s in stages for c in s.checks}
    stages = [
        _with_reads(stage, node, checks) for stage, node in zip(stages, stage_nodes, strict=True)
    ]

    bar: list[BarItem] = []
    for node in root.entries("minimum_bar"):
        item = _parse_bar_item(node, checks)
        if any(b.id == item.id for b in bar):
            node.fail("id", f"duplicate minimum-bar item id {item.id!r}")
        bar.append(item)
    return Playbook(stages=tuple(stages), minimum_bar=tuple(bar), source=source)


def _parse_stage(node: _Node, check_stage: dict[str, str]) -> StageSpec:
    node.only("id", "number", "title", "goal", "why", "deliverable", "failure_signal", "checks")
    stage_id = node.text("id")
    if stage_id not in STAGE_IDS:
        node.fail("id", f"unknown stage id {stage_id!r}; expected one of {', '.join(STAGE_IDS)}")
    number = node.integer("number")
    expected_number = STAGE_IDS.index(stage_id) + 1
    if number != expected_number:
        node.fail("number", f"stage {stage_id!r} is number {expected_number}, found {number}")
    title = node.text("title")
    goal = node.text("goal")
    why = node.text("why")
    deliverable_node = node.table("deliverable")
    deliverable_node.only("name", "description", "reads")
    failure_signal = node.text("failure_signal")
    checks: list[CheckSpec] = []
    for check_node in node.entries("checks"):
        check = _parse_check(check_node, stage_id)
        if check.id in check_stage:
            check_node.fail(
                "id",
                f"duplicate check id {check.id!r} (already in stage {check_stage[check.id]!r})",
            )
        check_stage[check.id] = stage_id
        checks.append(check)
    deliverable = Deliverable(
        name=deliverable_node.text("name"),
        description=deliverable_node.text("description"),
    )
    return StageSpec(
        id=stage_id,
        number=number,
        title=title,
        goal=goal,
        why=why,
        deliverable=deliverable,
        failure_signal=failure_signal,
        checks=tuple(checks),
    )


def _parse_check(node: _Node, stage_id: str) -> CheckSpec:
    node.only("id", "title", "mode", "severity", "applies_to", "why", "fix", "look_at", "absent")
    check_id = node.text("id")
    if not _CHECK_ID.match(check_id):
        node.fail(
            "id",
            f"{check_id!r} is not a check id (lower-case words joined by dots, like dns.records)",
        )
    title = node.text("title")
    mode = node.choice("mode", CheckMode)
    severity = node.choice("severity", Severity)
    applies_to = node.choice("applies_to", AppliesTo)
    why = node.text("why")
    fix = node.text("fix")
    if mode is CheckMode.MANUAL:
        if "look_at" not in node.data:
            node.fail("look_at", "required for a manual check (what the engineer should look at)")
        look_at = node.text("look_at")
    else:
        look_at = node.text("look_at") if "look_at" in node.data else ""
    return CheckSpec(
        id=check_id,
        stage=stage_id,
        title=title,
        mode=mode,
        severity=severity,
        applies_to=applies_to,
        why=why,
        fix=fix,
        look_at=look_at,
        absent=node.text("absent") if "absent" in node.data else "",
    )


def _with_reads(stage: StageSpec, node: _Node, checks: Mapping[str, CheckSpec]) -> StageSpec:
    """``stage`` with its deliverable's parts, checked against every check of the playbook."""
    deliverable_node = node.table("deliverable")
    if "reads" not in deliverable_node.data:
        return stage
    families = {check_id.split(".", 1)[0] for check_id in checks}
    parts: list[DeliverablePart] = []
    for part_node in deliverable_node.entries("reads"):
        part = _parse_part(part_node, checks, families)
        if any(p.id == part.id for p in parts):
            part_node.fail("id", f"duplicate part id {part.id!r}")
        parts.append(part)
    deliverable = replace(stage.deliverable, reads=tuple(parts))
    return replace(stage, deliverable=deliverable)


def _parse_part(
    node: _Node, checks: Mapping[str, CheckSpec], families: set[str]
) -> DeliverablePart:
    node.only("id", "checks", "evidence")
    part_id = node.text("id")
    if not _SLUG.match(part_id):
        node.fail("id", f"{part_id!r} is not an id (lower-case words joined by hyphens)")
    check_ids = node.strings("checks")
    for check_id in check_ids:
        if check_id.endswith(".*"):
            if check_id[:-2] not in families:
                node.fail("checks", f"no check of the playbook is in family {check_id[:-2]!r}")
        elif check_id not in checks:
            node.fail("checks", f"unknown check {check_id!r}: the playbook declares no such check")
    evidence: list[tuple[str, tuple[str, ...]]] = []
    if "evidence" in node.data:
        table = node.table("evidence")
        for name in table.data:
            if not _EVIDENCE_NAME.match(name):
                table.fail(_printable(name), "not a name (lower-case words joined by underscores)")
            evidence.append((name, table.strings(name)))
    return DeliverablePart(id=part_id, checks=check_ids, evidence=tuple(evidence))


def _parse_bar_item(node: _Node, checks: Mapping[str, CheckSpec]) -> BarItem:
    node.only("id", "title", "checks", "route_kinds")
    item_id = node.text("id")
    if not _SLUG.match(item_id):
        node.fail("id", f"{item_id!r} is not an id (lower-case words joined by hyphens)")
    title = node.text("title")
    check_ids = node.strings("checks")
    for check_id in check_ids:
        if check_id not in checks:
            node.fail("checks", f"unknown check {check_id!r}")
    route_kinds: tuple[RouteKind, ...] = ()
    if "route_kinds" in node.data:
        allowed = ", ".join(k.value for k in RouteKind)
        kinds: list[RouteKind] = []
        for value in node.strings("route_kinds"):
            try:
                kinds.append(RouteKind(value))
            except ValueError:
                node.fail(
                    "route_kinds", f"{value!r} is not a route kind; expected one of {allowed}"
                )
        route_kinds = tuple(kinds)
        for check_id in check_ids:
            applies_to = checks[check_id].applies_to
            if applies_to is not AppliesTo.ROUTE:
                node.fail(
                    "route_kinds",
                    f"only per-route checks can be narrowed by route kind, "
                    f"but {check_id!r} applies to {applies_to.value}",
                )
    return BarItem(id=item_id, title=title, checks=check_ids, route_kinds=route_kinds)


class _Node(Table):
    """A playbook table being validated: every key required unless said otherwise."""

    __slots__ = ()

    def text(self, key: str) -> str:
        """A required, non-blank string with whitespace folded."""
        value: str = self.value(key, (str,), "a string")
        folded = " ".join(value.split())
        if not folded:
            self.fail(key, "must not be empty")
        return folded

    def choice(self, key: str, enum: type[_E]) -> _E:
        value = self.value(key, (str,), "a string")
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(member.value for member in enum)
            self.fail(key, f"{value!r} is not one of {allowed}")

    def table(self, key: str, required: bool = True, *, what: str = "a table") -> _Node:
        found = super().table(key, required, what=what)
        assert found is not None  # required
        return found

    def entries(self, key: str) -> Iterator[_Node]:
        """The tables of a non-empty array of tables, each labelled by its id when it has one.

        Read one by one: an error in an entry is found before a wrong type further on.
        """
        if self.value(key, (list,), "an array of tables") == []:
            self.fail(key, "must list at least one entry")
        return self.each_table(key, required=True, label=_label)

    def strings(self, key: str, *, what: str = "an array of strings") -> tuple[str, ...]:
        """A non-empty array of distinct strings."""
        value = self.value(key, (list,), what)
        if not value:
            self.fail(key, "must list at least one entry")
        seen: list[str] = []
        for element in value:
            if not isinstance(element, str):
                self.fail(key, f"expected strings only, found {_toml_type(element)}")
            if element in seen:
                self.fail(key, f"{element!r} is listed twice")
            seen.append(element)
        return tuple(seen)


def _label(element: Any, index: int) -> str:
    element_id = element.get("id") if isinstance(element, dict) else None
    if isinstance(element_id, str) and _LABEL.match(element_id):
        return element_id
    return f"#{index + 1}"


def _wording(source: str) -> Wording:
    def error(path: str, reason: str) -> PlaybookError:
        return PlaybookError(f"{source}: {path or '(top level)'}: {reason}")

    return Wording(
        error=error,
        describe=_toml_type,
        found="found",
        missing=lambda _what: "required key is missing",
        show_key=_printable,
    )


def _toml_type(value: object) -> str:
    """How TOML calls the type of ``value``, with an article, for error messages."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, datetime | date | time):
        return "a date or time"
    return type(value).__name__


def _printable(key: str) -> str:
    """A key from the file made safe to print: quoted when it is not a plain bare key."""
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else repr(key)

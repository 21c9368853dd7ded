"""Turning view values into rich ``Text`` for tables and labels, never through markup.

``Text(...)`` is literal: brackets in a hostname such as ``[::1]`` or a server's
``[@click=app.quit]`` stay characters on screen. Values are cleaned of control characters by the
views already; :func:`plain` cleans again, because a widget must be safe whatever it is handed.

Status glyphs are single-cell characters, and every state has a glyph as well as a colour, so the
screen reads the same with ``NO_COLOR`` set.
"""

from __future__ import annotations

from rich.text import Text

from launch_tui.core.model import Action, Severity, StageStatus, Status
from launch_tui.core.readiness import BarState, Verdict
from launch_tui.core.sanitize import clean

STATUS_GLYPH: dict[Status | None, str] = {
    Status.PASS: "✓",
    Status.WARN: "!",
    Status.FAIL: "✗",
    Status.ERROR: "?",
    Status.SKIPPED: "-",
    Status.MANUAL: "○",
    None: "·",
}

#: ANSI colour names so the terminal's own palette (and theme) decides the shade.
STATUS_STYLE: dict[Status | None, str] = {
    Status.PASS: "green",
    Status.WARN: "yellow",
    Status.FAIL: "bold red",
    Status.ERROR: "magenta",
    Status.SKIPPED: "dim",
    Status.MANUAL: "cyan",
    None: "dim",
}

STATUS_WORD: dict[Status | None, str] = {
    Status.PASS: "pass",
    Status.WARN: "warning",
    Status.FAIL: "fail",
    Status.ERROR: "could not check",
    Status.SKIPPED: "skipped",
    Status.MANUAL: "waiting for you",
    None: "not run",
}

BAR_GLYPH: dict[BarState, str] = {
    BarState.MET: "✓",
    BarState.ACCEPTED: "~",
    BarState.NOT_MET: "✗",
    BarState.PENDING: "·",
}

BAR_STYLE: dict[BarState, str] = {
    BarState.MET: "green",
    BarState.ACCEPTED: "yellow",
    BarState.NOT_MET: "bold red",
    BarState.PENDING: "dim",
}

BAR_WORD: dict[BarState, str] = {
    BarState.MET: "met",
    BarState.ACCEPTED: "accepted risk",
    BarState.NOT_MET: "not met",
    BarState.PENDING: "pending",
}

VERDICT_WORD: dict[Verdict, str] = {
    Verdict.READY: "READY",
    Verdict.READY_WITH_ACCEPTED_RISKS: "READY, RISKS ACCEPTED",
    Verdict.NOT_READY: "NOT READY",
}

VERDICT_STYLE: dict[Verdict, str] = {
    Verdict.READY: "bold green",
    Verdict.READY_WITH_ACCEPTED_RISKS: "bold yellow",
    Verdict.NOT_READY: "bold red",
}

STAGE_GLYPH: dict[StageStatus, str] = {
    StageStatus.DONE: "✓",
    StageStatus.IN_PROGRESS: "▸",
    StageStatus.BLOCKED: "✗",
    StageStatus.TODO: " ",
}

ACTION_WORD: dict[Action, str] = {
    Action.FIX: "fix",
    Action.ACCEPT_RISK: "accept risk",
    Action.DEFER: "defer",
}

SEVERITY_STYLE: dict[Severity, str] = {
    Severity.CRITICAL: "bold red",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "",
    Severity.INFO: "dim",
}


def plain(value: object, style: str = "", *, max_len: int | None = None) -> Text:
    """Literal text (cleaned of control characters), optionally styled; never markup."""
    return Text(clean(str(value), max_len=max_len), style=style, no_wrap=False)


def status_cell(status: Status | None) -> Text:
    """A status glyph in its colour."""
    return Text(STATUS_GLYPH[status], style=STATUS_STYLE[status])


def status_text(status: Status | None) -> Text:
    """Glyph and word: ``✓ pass``."""
    return Text(f"{STATUS_GLYPH[status]} {STATUS_WORD[status]}", style=STATUS_STYLE[status])


def bar_text(state: BarState) -> Text:
    return Text(BAR_GLYPH[state], style=BAR_STYLE[state])


def verdict_text(verdict: Verdict | None) -> Text:
    """The readiness verdict in capitals and colour; ``—`` when unknown."""
    if verdict is None:
        return Text("—", style="dim")
    return Text(VERDICT_WORD[verdict], style=VERDICT_STYLE[verdict])


def join(*parts: Text | str) -> Text:
    """Concatenate literal parts (plain strings are cleaned, never parsed as markup)."""
    out = Text()
    for part in parts:
        out.append_text(part if isinstance(part, Text) else plain(part))
    return out

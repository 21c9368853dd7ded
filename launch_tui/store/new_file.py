"""The text of a brand-new session file: commented, short and readable.

A new file explains itself in a header comment (it may be edited by hand; what never goes in it)
and puts a one-line comment above each section. Only values that differ from the defaults are
written, except the sprint's, which are all shown so a person sees what can be filled in.
Afterwards the file is only ever changed in place (see :mod:`launch_tui.store.document`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import tomlkit
from tomlkit.items import AoT, Table

from launch_tui.core.model import Session, Sprint
from launch_tui.core.session_codec import session_to_data
from launch_tui.store.document import apply_changes, render

__all__ = ["SECTION_COMMENTS", "render_new_file"]

HEADER = (
    "launch-tui session file{about}.",
    "",
    "Plain TOML, meant to be read, diffed and edited by hand. launch-tui rewrites only the",
    "values it changes: your comments, blank lines, key order and extra keys stay as you left",
    "them. Edits made while launch-tui has the file open are merged into its next save.",
    "Times are UTC (2026-05-01T09:30:00Z); dates are plain dates (2026-06-01).",
    "Never write a secret's value here: [[secrets]] records names and places only, and",
    "[[credentials]] holds keyring:launch-tui/<session>/<name> references.",
    'Every key is described in the "Session files" section of launch-tui\'s README.',
)

SECTION_COMMENTS: dict[str, str] = {
    "sprint": "Who the sprint is for, and when it started (deadline_hours counts from then).",
    "targets": "What the checks point at: hosts, routes, the repository and the build output.",
    "stack": "What the client says it uses (declared) and what the checks found (detected).",
    "people": "Everyone with a role in the sprint; owner fields refer to a person's id.",
    "stages": "Where each of the seven stages stands.",
    "results": "What the checks found, with the evidence. Written by launch-tui on each run.",
    "decisions": "What was decided about findings (fix, accept-risk, defer), by whom, by when.",
    "services": "External services: purpose, admins, renewal dates and monthly costs.",
    "secrets": "Secrets by name and location only; their values are never recorded.",
    "credentials": "Credentials the checks use, as OS keyring references (never the value).",
    "network": (
        "Network overrides: nameservers, fixed resolutions, an extra CA bundle, timeout, "
        "RDAP base URL."
    ),
    "monitoring": "The last in-app monitoring run, summarized (written by launch-tui).",
    "sampling": "How the latency sampler loads each route: requests, connections, seconds.",
    "owners": "Who makes each check hold, by check and target (a person's id).",
    "handover": (
        "The handover: env var changes, rollback, support paths, limitations, next steps, "
        "monitoring links, sign-off."
    ),
    "ui": "Where you were, so reopening the session returns there.",
}
"""The comment written above each section of a new file, by section name."""

_BLANK = Session(
    sprint=Sprint(
        id="", client="", product="", engineer="", started_at=datetime(1970, 1, 1, tzinfo=UTC)
    )
)


def render_new_file(session: Session) -> str:
    """The text of a new session file holding ``session``."""
    data = session_to_data(session)
    baseline: dict[str, Any] = session_to_data(_BLANK)
    baseline["sprint"] = {}  # every sprint value is written, even empty ones
    doc = tomlkit.document()
    about = _one_line(session.sprint.client)
    for line in HEADER:
        text = line.format(about=f" for {about}" if about else "")
        doc.add(tomlkit.comment(text) if text else tomlkit.comment("").indent(0))
    doc.add(tomlkit.nl())
    doc.add(tomlkit.comment("Version of this file's format; launch-tui upgrades older files."))
    doc.add("schema_version", data["schema_version"])
    for section, comment in SECTION_COMMENTS.items():
        if section not in data:  # optional sections, written only when set
            continue
        scratch = tomlkit.document()
        apply_changes(scratch, {section: baseline.get(section, {})}, {section: data[section]})
        if section not in scratch:
            continue
        item = scratch[section]
        doc.add(section, item)
        # The comment goes in the raw text before the section's first header, so that it sits
        # right above it (tomlkit would put a blank line between a comment item and a table).
        _first_header(item).trivia.indent = f"\n# {comment}\n"
    return render(doc)


def _first_header(item: Any) -> Any:
    """The table whose header is written first for a section."""
    if isinstance(item, AoT):
        return item[0]
    if isinstance(item, Table) and item.is_super_table():
        item.trivia.indent = ""  # a super table writes no header, only a "\n" indent if set
        for _, child in item.value.body:
            if isinstance(child, Table | AoT):
                return _first_header(child)
    return item


def _one_line(text: str) -> str:
    # Comments end at a line break; anything that is not plain printable text is left out.
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())[:80]

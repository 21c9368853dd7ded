"""The handover form's text: each list of the handover as editable lines, and back. Pure.

The form shows each list as one text area, one entry a line, columns separated by ``|``::

    production | Vercel project settings | priya, maya | edit, redeploy, check /health
    incident | #brightlane-incidents | 24/7 | sam | 30 minutes

A ``|`` inside a value is written ``\\|``, a line break ``\\n`` and a backslash ``\\\\``, so any
value survives the round trip. :func:`parse_form` reads every area and names the section and
line of the first problem (:class:`FormProblem`), so the dialog can point at it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TypeVar

from launch_tui.core.handover import (
    EnvChange,
    Handover,
    Limitation,
    MonitoringLink,
    NextStep,
    Rollback,
    SupportKind,
    SupportPath,
)

__all__ = ["SECTIONS", "FormProblem", "Section", "form_texts", "parse_form"]

T = TypeVar("T")


@dataclass(frozen=True)
class Section:
    """One list of the form."""

    key: str
    title: str
    columns: tuple[str, ...]
    """Column names, in order; the first is required."""

    @property
    def hint(self) -> str:
        return " | ".join(self.columns)


SECTIONS = (
    Section(
        "env_changes",
        "Changing environment variables, one environment a line",
        ("environment", "where they are set", "who may change them", "steps: apply, check, undo"),
    ),
    Section(
        "support",
        "Support paths (incident or feature-request)",
        ("incident|feature-request", "channel", "hours", "who answers", "response time"),
    ),
    Section("limitations", "Known limitations", ("limitation", "its risk")),
    Section("next_steps", "Next steps, most important first", ("step", "owner", "why")),
    Section("monitoring_links", "Monitoring links", ("name", "url")),
)


class FormProblem(ValueError):
    """A line of the form that cannot be read."""

    def __init__(self, section: str, line: int, message: str) -> None:
        where = f"line {line}: " if line else ""
        super().__init__(f"{where}{message}")
        self.section = section
        self.line = line
        self.message = message


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "\\n")


def _split(line: str) -> list[str]:
    """Columns of one line, unescaped and stripped."""
    parts: list[str] = []
    current: list[str] = []
    chars = iter(line)
    for char in chars:
        if char == "\\":
            following = next(chars, "")
            current.append({"n": "\n", "|": "|", "\\": "\\"}.get(following, "\\" + following))
        elif char == "|":
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return parts


def _line(*values: str) -> str:
    cells = [_escape(v) for v in values]
    while len(cells) > 1 and not cells[-1]:
        cells.pop()
    return " | ".join(cells)


def form_texts(handover: Handover) -> dict[str, str]:
    """The text of every area of the form (the section keys, ``rollback`` and ``rollback_who``).

    Links of entries carried over from free-text notes are kept out of the lines; saving the
    form keeps them (see :func:`parse_form`).
    """
    return {
        "env_changes": "\n".join(
            _line(e.environment, e.where, e.who, e.steps) for e in handover.env_changes
        ),
        "support": "\n".join(
            _line(p.kind.value, p.channel, p.hours, p.who, p.response) for p in handover.support
        ),
        "limitations": "\n".join(_line(x.text, x.risk) for x in handover.limitations),
        "next_steps": "\n".join(_line(s.text, s.owner, s.why) for s in handover.next_steps),
        "monitoring_links": "\n".join(_line(m.name, m.url) for m in handover.monitoring_links),
        "rollback": handover.rollback.steps,
        "rollback_who": handover.rollback.who,
    }


def _rows(section: Section, text: str, make: Callable[[list[str], int], T]) -> tuple[T, ...]:
    items: list[T] = []
    width = len(section.columns)
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        cells = _split(raw)
        if len(cells) > width:
            raise FormProblem(
                section.key,
                number,
                f"{len(cells)} columns, expected at most {width}: {section.hint} "
                "(write a | inside a value as \\|)",
            )
        cells += [""] * (width - len(cells))
        if not cells[0]:
            raise FormProblem(section.key, number, f"the {section.columns[0]} is empty")
        items.append(make(cells, number))
    return tuple(items)


def _kind(cells: list[str], number: int) -> SupportKind:
    word = cells[0].casefold().replace(" ", "-")
    aliases = {"feature": "feature-request", "features": "feature-request", "incidents": "incident"}
    try:
        return SupportKind(aliases.get(word, word))
    except ValueError:
        raise FormProblem(
            "support", number, f"{cells[0]!r} is not incident or feature-request"
        ) from None


def parse_form(texts: Mapping[str, str], base: Handover) -> Handover:
    """``base`` with every list replaced by what the form says; raises :class:`FormProblem`.

    Entries that match one of ``base`` keep what the form does not show (links, notes), so a
    form saved without changes gives ``base`` back. The sign-off is never touched here.
    """
    by = {s.key: s for s in SECTIONS}

    def kept(old: tuple[T, ...], index: int) -> T | None:
        return old[index] if index < len(old) else None

    env_old = base.env_changes
    env = _rows(
        by["env_changes"],
        texts.get("env_changes", ""),
        lambda c, n: EnvChange(c[0], c[1], c[2], c[3]),
    )
    env = tuple(
        replace(e, links=prev.links)
        if (prev := kept(env_old, i)) is not None and prev.environment == e.environment
        else e
        for i, e in enumerate(env)
    )
    support_old = base.support
    support = _rows(
        by["support"],
        texts.get("support", ""),
        lambda c, n: SupportPath(_kind(c, n), c[1], c[2], c[3], c[4]),
    )
    support = tuple(
        replace(p, notes=path.notes, links=path.links)
        if (path := kept(support_old, i)) is not None and path.kind is p.kind
        else p
        for i, p in enumerate(support)
    )
    limitations = _rows(
        by["limitations"], texts.get("limitations", ""), lambda c, n: Limitation(c[0], c[1])
    )
    next_steps = _rows(
        by["next_steps"], texts.get("next_steps", ""), lambda c, n: NextStep(c[0], c[1], c[2])
    )

    def link(cells: list[str], number: int) -> MonitoringLink:
        if not cells[1]:
            raise FormProblem("monitoring_links", number, "the url is empty")
        return MonitoringLink(cells[0], cells[1])

    links = _rows(by["monitoring_links"], texts.get("monitoring_links", ""), link)
    rollback = Rollback(
        steps=texts.get("rollback", "").strip(),
        who=texts.get("rollback_who", "").strip(),
        links=base.rollback.links,
    )
    return replace(
        base,
        env_changes=env,
        rollback=rollback,
        support=support,
        limitations=limitations,
        next_steps=next_steps,
        monitoring_links=links,
    )

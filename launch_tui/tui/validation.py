"""Field checks for the new-session wizard: each returns ``None`` when fine, else the reason.

Pure functions, so the wizard shows the same reasons the tests assert on. The reasons are
complete sentences short enough to sit beside an input at 80 columns.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from launch_tui.core.errors import UsageError
from launch_tui.core.factory import normalize_hostname

Check = Callable[[str], str | None]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SELECTOR = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9_-]{0,62})$")


def required(what: str) -> Check:
    """A non-blank value."""

    def check(value: str) -> str | None:
        return None if value.strip() else f"{what} is required"

    return check


def hostname(value: str) -> str | None:
    """A plausible DNS name (``acme.example``)."""
    if not value.strip():
        return "the apex domain is required"
    if "://" in value or "/" in value:
        return "just the domain, without https:// or a path"
    if "." not in value.strip().rstrip("."):
        return "a domain has at least one dot (acme.example)"
    try:
        normalize_hostname(value)
    except UsageError:
        return "letters, digits, dots and hyphens only"
    return None


def url(value: str, *, optional: bool = True) -> str | None:
    """``http://`` or ``https://`` followed by a host; blank is fine when optional."""
    text = value.strip()
    if not text:
        return None if optional else "a URL is required"
    if not re.match(r"^https?://", text):
        return "must start with https:// (or http://)"
    if not re.match(r"^https?://[^/\s?#]+", text) or " " in text:
        return "needs a host after the scheme, and no spaces"
    return None


def email(value: str) -> str | None:
    """Blank, or something shaped like an address."""
    text = value.strip()
    if not text:
        return None
    return None if _EMAIL.match(text) else "not an email address (name@company.example)"


def selectors(value: str) -> str | None:
    """Comma- or space-separated DKIM selectors (``google, s1``)."""
    for selector in split_list(value):
        if not _SELECTOR.match(selector):
            return f"{selector!r} is not a DKIM selector (letters, digits, - and _)"
    return None


def folder(value: str) -> str | None:
    """Blank, or an existing folder (``~`` is expanded)."""
    text = value.strip()
    if not text:
        return None
    path = Path(text).expanduser()
    if not path.exists():
        return "no such folder on this machine"
    if not path.is_dir():
        return "this is a file, not a folder"
    return None


def split_list(value: str) -> tuple[str, ...]:
    """``"a, b c"`` → ``("a", "b", "c")``, without blanks or repeats."""
    seen: list[str] = []
    for part in re.split(r"[,\s]+", value):
        if part and part not in seen:
            seen.append(part)
    return tuple(seen)


def first_problem(value: str, *checks: Check) -> str | None:
    """The first reason any of ``checks`` gives, or ``None``."""
    for check in checks:
        reason = check(value)
        if reason is not None:
            return reason
    return None


def parse_due(value: str, today: date) -> date | None:
    """``2026-05-08``, ``+3`` / ``+3d`` (days from today), ``+2w``, or blank (no due date).

    Raises ``ValueError`` with a reason fit to show beside the input.
    """
    text = value.strip().lower()
    if not text:
        return None
    relative = re.fullmatch(r"\+(\d{1,3})\s*([dw]?)", text)
    if relative:
        days = int(relative.group(1)) * (7 if relative.group(2) == "w" else 1)
        return today + timedelta(days=days)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError("a date like 2026-05-08, or +3d / +1w from today") from None


def due_date(value: str) -> str | None:
    """Check for :func:`parse_due` (the day itself does not matter for the format)."""
    try:
        parse_due(value, date(2000, 1, 1))
    except ValueError as exc:
        return str(exc)
    return None

"""Where session files live. Every path the app uses for sessions is decided here.

The sessions folder is, in order: the ``--sessions-dir`` option; the ``LAUNCH_TUI_SESSIONS``
environment variable; ``./sessions`` when launch-tui runs from its own checkout (a ``sessions/``
folder beside a ``pyproject.toml`` naming launch-tui); else ``$XDG_DATA_HOME/launch-tui/sessions``
(``~/.local/share/launch-tui/sessions`` when ``XDG_DATA_HOME`` is unset).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from launch_tui.core import toml_read
from launch_tui.core.errors import UsageError

__all__ = ["SESSIONS_ENV", "is_checkout", "session_path", "sessions_dir"]

SESSIONS_ENV = "LAUNCH_TUI_SESSIONS"
"""Environment variable naming the sessions folder."""

SUFFIX = ".toml"

_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


def sessions_dir(explicit: Path | None, env: Mapping[str, str], cwd: Path) -> Path:
    """The folder that holds session files (not created here).

    ``explicit`` is the ``--sessions-dir`` option; ``env`` the process environment; ``cwd`` the
    working directory, against which relative paths are resolved.
    """
    if explicit is not None:
        return _absolute(explicit, env, cwd)
    configured = env.get(SESSIONS_ENV, "").strip()
    if configured:
        return _absolute(Path(configured), env, cwd)
    if is_checkout(cwd):
        return cwd / "sessions"
    return _data_home(env) / "launch-tui" / "sessions"


def is_checkout(folder: Path) -> bool:
    """True when ``folder`` is a launch-tui source checkout with a ``sessions/`` folder."""
    if not (folder / "sessions").is_dir():
        return False
    try:
        project = toml_read.loads((folder / "pyproject.toml").read_text("utf-8"))
    except (OSError, UnicodeDecodeError, toml_read.TOMLDecodeError):
        return False
    table = project.get("project")
    return isinstance(table, dict) and table.get("name") == "launch-tui"


def session_path(folder: Path, slug: str) -> Path:
    """The file for the session named ``slug`` in ``folder`` (``<folder>/<slug>.toml``).

    ``slug`` may already end in ``.toml``. Raises :class:`UsageError` for names that are not a
    plain file name (path separators, a leading dot, spaces, control characters).
    """
    name = slug[: -len(SUFFIX)] if slug.endswith(SUFFIX) else slug
    if not _SLUG.fullmatch(name):
        raise UsageError(
            f"{slug!r} is not a usable session name; expected letters, digits, '.', '_' or '-', "
            "starting with a letter or digit (for example acme-2026)"
        )
    return folder / f"{name}{SUFFIX}"


def _absolute(path: Path, env: Mapping[str, str], cwd: Path) -> Path:
    text = str(path)
    if text == "~" or text.startswith("~/"):
        path = _home(env) / text[2:]
    return path if path.is_absolute() else cwd / path


def _home(env: Mapping[str, str]) -> Path:
    home = env.get("HOME", "").strip()
    return Path(home) if home else Path.home()


def _data_home(env: Mapping[str, str]) -> Path:
    # The XDG spec says relative values are invalid and must be ignored.
    configured = env.get("XDG_DATA_HOME", "").strip()
    if configured and Path(configured).is_absolute():
        return Path(configured)
    return _home(env) / ".local" / "share"

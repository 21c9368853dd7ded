"""The user's key overrides: ``$XDG_CONFIG_HOME/launch-tui/keymap.toml``.

The file maps command ids (see :mod:`launch_tui.tui.commands` or the help screen) to keys::

    # ~/.config/launch-tui/keymap.toml
    "stage.run" = "f5"
    "app.quit" = "ctrl+q,q"

    [stage]          # the same thing, as a table: stage.decide
    decide = "ctrl+d"

A broken file never stops the app: what can be used is used, and every problem becomes a warning
shown once at start (unknown ids, values that are not key names, TOML syntax errors with their
line and column).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from launch_tui.core import toml_read
from launch_tui.core.sanitize import clean
from launch_tui.tui.commands import COMMAND_IDS, COMMANDS

KEYMAP_FILE = "keymap.toml"

# Textual key names: letters, digits, punctuation names, modifiers joined with "+".
_KEY = re.compile(r"^[A-Za-z0-9_+-]{1,40}$")


@dataclass(frozen=True)
class KeymapResult:
    """The overrides that could be read, and what was wrong with the rest."""

    keymap: dict[str, str]
    """Command id → comma-separated keys."""
    warnings: tuple[str, ...] = ()
    path: Path | None = None


def keymap_path(env: Mapping[str, str]) -> Path:
    """``$XDG_CONFIG_HOME/launch-tui/keymap.toml`` (``~/.config`` when unset or relative)."""
    configured = env.get("XDG_CONFIG_HOME", "").strip()
    if configured and Path(configured).is_absolute():
        base = Path(configured)
    else:
        home = env.get("HOME", "").strip()
        base = (Path(home) if home else Path.home()) / ".config"
    return base / "launch-tui" / KEYMAP_FILE


def load_keymap(path: Path) -> KeymapResult:
    """Read the keymap at ``path``; a missing file is an empty keymap."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return KeymapResult({}, (), path)
    except (OSError, UnicodeDecodeError) as exc:
        return KeymapResult({}, (f"{path}: cannot be read ({type(exc).__name__})",), path)
    return parse_keymap(text, path)


def parse_keymap(text: str, path: Path) -> KeymapResult:
    """Parse keymap TOML; see the module docstring for the format."""
    try:
        data = toml_read.loads(text)
    except toml_read.TOMLDecodeError as exc:
        return KeymapResult({}, (f"{path}: not valid TOML: {clean(str(exc), max_len=200)}",), path)
    flat: dict[str, Any] = {}
    _flatten("", data, flat)
    keymap: dict[str, str] = {}
    warnings: list[str] = []
    for command_id, value in flat.items():
        shown = clean(command_id, max_len=60)
        if command_id not in COMMAND_IDS:
            warnings.append(f"{path}: unknown command id {shown!r} (see the help screen)")
            continue
        if not isinstance(value, str):
            warnings.append(f"{path}: {shown}: expected a key name in quotes")
            continue
        keys = [k.strip() for k in value.split(",") if k.strip()]
        bad = [k for k in keys if not _KEY.match(k)]
        if not keys or bad:
            warnings.append(
                f"{path}: {shown}: {clean(value, max_len=40)!r} is not a key name "
                "(examples: r, f5, ctrl+r, shift+tab)"
            )
            continue
        keymap[command_id] = ",".join(keys)
    warnings.extend(_clashes(keymap, path))
    return KeymapResult(keymap, tuple(warnings), path)


def _flatten(prefix: str, data: Mapping[str, Any], out: dict[str, Any]) -> None:
    for key, value in data.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping) and name not in COMMAND_IDS:
            _flatten(name, value, out)
        else:
            out[name] = value


def _clashes(keymap: Mapping[str, str], path: Path) -> list[str]:
    """Two commands of the same scope (or one app-wide) on the same key: warn, keep both."""
    warnings = []
    by_scope_key: dict[tuple[str, str], str] = {}
    for cmd in COMMANDS:
        if cmd.builtin:
            continue
        for key in keymap.get(cmd.id, cmd.key).split(","):
            slot = (cmd.scope, key.strip())
            other = by_scope_key.get(slot)
            if other is not None and (cmd.id in keymap or other in keymap):
                warnings.append(f"{path}: {cmd.id} and {other} are both on {key.strip()!r}")
            by_scope_key[slot] = cmd.id
    return warnings

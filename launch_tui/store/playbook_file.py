"""Load the playbook a session runs with: the builtin one, or a team's own file."""

from __future__ import annotations

from pathlib import Path

from launch_tui.core.errors import PlaybookError
from launch_tui.core.playbook import Playbook, builtin_playbook, parse_playbook


def load_playbook(path: Path | None) -> Playbook:
    """The builtin playbook when ``path`` is ``None``, else the playbook file at ``path``.

    Raises :class:`PlaybookError` naming the path when the file is missing, unreadable, not
    UTF-8, not valid TOML or not a valid playbook.
    """
    if path is None:
        return builtin_playbook()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise PlaybookError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise PlaybookError(f"{path}: is a folder, not a playbook file") from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise PlaybookError(f"{path}: cannot read the file: {reason}") from None
    try:
        # utf-8-sig: editors on Windows may save with a byte-order mark; TOML itself has none.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PlaybookError(
            f"{path}: not UTF-8 text (undecodable byte at offset {exc.start})"
        ) from None
    return parse_playbook(text, str(path))

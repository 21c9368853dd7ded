"""Forward migrations of session files between ``schema_version`` numbers.

A migration upgrades the data of one version to the next by editing the mapping it is given: the
tomlkit document when a session is opened for editing (so hand formatting survives the upgrade),
or plain parsed data when it is only read. Migrations do no I/O; the upgraded document is written
on the next save, never on open. A file written by a newer launch-tui than this one is refused
and left alone.

Version 1 is the first released format, so :data:`MIGRATIONS` is empty; the mechanism is tested
with a made-up version 0.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

from launch_tui.core.model import SCHEMA_VERSION
from launch_tui.core.session_codec import CodecError

__all__ = ["MIGRATIONS", "Migration", "migrate", "schema_version_of"]


@dataclass(frozen=True)
class Migration:
    """Upgrades session data from ``from_version`` to ``from_version + 1``."""

    from_version: int
    description: str
    """One line, for release notes and error messages."""
    apply: Callable[[MutableMapping[str, Any]], None]
    """Edits the data in place. Must not touch ``schema_version``: :func:`migrate` sets it."""


MIGRATIONS: tuple[Migration, ...] = ()
"""Every migration, oldest first."""


def schema_version_of(data: MutableMapping[str, Any], *, default: int = SCHEMA_VERSION) -> int:
    """The ``schema_version`` of session data; a file without one is taken as current."""
    version = data.get("schema_version")
    if version is None:
        return default
    if isinstance(version, bool) or not isinstance(version, int):
        raise CodecError(
            "schema_version", f"expected an integer like {SCHEMA_VERSION}, got {version!r}"
        )
    return int(version)


def migrate(
    data: MutableMapping[str, Any],
    *,
    target: int = SCHEMA_VERSION,
    migrations: Sequence[Migration] = MIGRATIONS,
) -> int:
    """Upgrade ``data`` in place to ``target``; return the version it had.

    Raises :class:`CodecError` (key ``schema_version``) when the data is newer than ``target``
    or no chain of migrations leads from its version to ``target``.
    """
    original = version = schema_version_of(data, default=target)
    if version > target:
        raise CodecError(
            "schema_version",
            f"this file has schema_version {version}, written by a newer launch-tui; this "
            f"version reads up to schema_version {target}. Upgrade launch-tui to open it",
        )
    steps = {m.from_version: m for m in migrations}
    while version < target:
        step = steps.get(version)
        if step is None:
            raise CodecError(
                "schema_version",
                f"no upgrade from schema_version {version} to {target} is known; "
                f"expected a schema_version between {min(steps, default=target)} and {target}",
            )
        step.apply(data)
        version += 1
        data["schema_version"] = version
    return original

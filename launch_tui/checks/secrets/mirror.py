"""The folder one scanner run reads: links to exactly the files each place gives it.

A folder scan (working tree, build output, CI logs) runs ``betterleaks fs --follow-symlinks``
in a temporary folder of links, never in the place itself. Each place is a numbered folder
(``0/``, ``1/``...) holding the fewest links that show exactly its files (:func:`mirror_plan`):
what git would commit for the working tree, every regular file for a build folder, the file
itself for a log. A symlink of the client's own is never linked, so following links reads
nothing outside the places.

The scanner names a file it reached through a folder link by the link's path (``0/src/a.js``)
and one reached through a file link by the file's real path; :func:`place_of` turns either
back into (place number, path inside the place), for every place whose links show that file
(the scanner reads a file two places share once).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Part:
    """One place's share of a mirror."""

    index: int
    root: Path
    """The place's folder, resolved (for a file: its folder)."""
    links: tuple[tuple[str, Path], ...]
    """(name inside the place, what the link points to), one per link."""
    files: int
    """Regular files the links show."""
    size: int
    """Their bytes on disk."""


def nul_names(listing: bytes) -> list[str]:
    """The names in a ``git ls-files -z`` listing."""
    return [p for p in listing.decode("utf-8", "surrogateescape").split("\0") if p]


def regular_files(root: Path, names: list[str]) -> list[str]:
    """The names that are regular files (a symlink could point outside the place)."""
    return [n for n in names if (root / n).is_file() and not (root / n).is_symlink()]


def mirror_plan(root: Path, names: list[str], ignored: list[str]) -> tuple[list[str], list[str]]:
    """The regular files among ``names``, and the fewest links that show exactly them.

    A folder is linked whole when nothing in it is left out: no ignored entry, nothing listed
    that is not a regular file (a symlink, a submodule, a nested repository, a deleted file).
    Anything else gets a link per file. So the scanner, following links, reads the same files
    as with one link each, in a few hundred fewer ``symlink`` calls, and never a symlink of the
    place's own.
    """
    files = regular_files(root, names)
    regular = set(files)
    mixed = {""}  # the root is never linked whole (a repository's holds .git)
    for name in [*(n for n in names if n not in regular), *ignored]:
        parts = name.rstrip("/").split("/")
        for depth in range(1, len(parts) + 1):
            mixed.add("/".join(parts[:depth]))
    links: dict[str, None] = {}
    for name in files:
        parts = name.split("/")
        top = next(
            (
                "/".join(parts[:depth])
                for depth in range(1, len(parts))
                if "/".join(parts[:depth]) not in mixed
            ),
            name,
        )
        links[top] = None
    return files, list(links)


def walk_names(root: Path) -> list[str]:
    """Every entry under ``root`` (files, symlinks, special files), relative to it; a symlink
    to a folder is listed, never entered."""
    names: list[str] = []
    pending = [""]
    while pending:
        folder = pending.pop()
        try:
            entries = list(os.scandir(root / folder if folder else root))
        except OSError:
            continue  # unreadable: nothing of it is linked, so nothing of it is read
        for entry in entries:
            name = f"{folder}/{entry.name}" if folder else entry.name
            if not entry.is_symlink() and entry.is_dir(follow_symlinks=False):
                pending.append(name)
            else:
                names.append(name)
    return names


def size_of(root: Path, files: Iterable[str]) -> int:
    """Bytes on disk of ``files`` under ``root``."""
    total = 0
    for name in files:
        try:
            total += (root / name).lstat().st_size
        except OSError:
            continue
    return total


def folder_part(index: int, root: Path, names: list[str], ignored: list[str]) -> Part:
    """The part for the folder ``root`` (resolved) holding ``names``, less ``ignored``."""
    files, links = mirror_plan(root, names, ignored)
    return Part(index, root, tuple((n, root / n) for n in links), len(files), size_of(root, files))


def file_part(index: int, shown: str, resolved: Path) -> Part:
    """The part for one file, shown by the name it was given as (``resolved`` is its target)."""
    size = size_of(resolved.parent, [resolved.name])
    return Part(index, resolved.parent, ((shown, resolved),), 1, size)


def make_mirror(parts: Iterable[Part], mirror: Path) -> dict[str, list[tuple[int, str]]]:
    """Link every part into ``mirror``; returns, for each file linked on its own, its real
    path -> [(part, name)], which is how the scanner reports a file it reached that way (a
    file two places share, a tracked build folder, belongs to both)."""
    by_target: dict[str, list[tuple[int, str]]] = {}
    made: set[Path] = {mirror}
    for part in parts:
        for name, target in part.links:
            link = mirror / str(part.index) / name
            if link.parent not in made:
                link.parent.mkdir(parents=True, exist_ok=True)
                made.add(link.parent)
            link.symlink_to(target)
            if not target.is_dir():
                by_target.setdefault(os.path.realpath(target), []).append((part.index, name))
    return by_target


def place_of(
    path: str, parts: list[Part], by_target: dict[str, list[tuple[int, str]]]
) -> list[tuple[int, str]]:
    """Which part(s) a reported ``path`` belongs to, and its path there.

    A file two parts link (a tracked build folder is in the working tree's part and the
    build's) is read once, under whichever link the scanner reaches first: it goes to every
    part one of whose links shows it, each under its own name. A path the mirror cannot
    explain (it never should) goes to every part whose root holds it, or to every part: a
    finding is never dropped for want of a place.
    """
    real: str | None = path if path in by_target else None
    first, _, rest = path.partition("/")
    if real is None and rest and first.isdigit():
        real = _linked_file(int(first), rest, parts)
    if real is not None:
        found = dict.fromkeys([*by_target.get(real, ()), *_showing(real, parts)])
        if found:
            return list(found)
    holding = [
        (p.index, path.removeprefix(f"{p.root}/")) for p in parts if path.startswith(f"{p.root}/")
    ]
    return holding or [(p.index, path) for p in parts]


def _linked_file(index: int, rest: str, parts: list[Part]) -> str | None:
    """The file ``rest`` names inside part ``index``'s links (``None``: no link holds it)."""
    for part in parts:
        if part.index != index:
            continue
        for name, target in part.links:
            if rest == name:
                return str(target)
            if rest.startswith(f"{name}/"):
                return f"{target}{rest[len(name) :]}"
    return None


def _showing(real: str, parts: list[Part]) -> list[tuple[int, str]]:
    """Every (part, name in it) whose links show the file ``real``: the link itself, or one
    to a folder holding it."""
    shown: list[tuple[int, str]] = []
    for part in parts:
        for name, target in part.links:
            linked = str(target)
            if real == linked:
                shown.append((part.index, name))
            elif real.startswith(f"{linked}/"):
                shown.append((part.index, f"{name}{real[len(linked) :]}"))
    return shown

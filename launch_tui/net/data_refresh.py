"""Download fresh copies of the dated data files into the user's data folder.

Each file is fetched from its published source through the HTTP client (so ``--resolve``, the
CA bundle and the deadline apply), checked the way the loaders check it, dated, and written
atomically; a file that fails any step keeps its previous copy and says why. See
:mod:`launch_tui.net.data_files` for the files and where they are read from.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from launch_tui.core.sanitize import clean
from launch_tui.net import data_files
from launch_tui.net.data_files import DataFile
from launch_tui.net.http import HttpClient

#: Larger than IANA's registry (about 80 KiB) and Cloudflare's lists by far.
MAX_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Refreshed:
    """What refreshing one file did."""

    file: DataFile
    ok: bool
    message: str
    """``written 2026-12-07 copy to ...`` or why not."""


async def refresh(
    client: HttpClient, folder: Path, today: date, files: Iterable[DataFile] | None = None
) -> list[Refreshed]:
    """Refresh ``files`` (default: every one with a source) into ``folder``."""
    chosen = data_files.DATA_FILES if files is None else tuple(files)
    return [await _refresh_one(client, folder, today, f) for f in chosen]


async def _refresh_one(client: HttpClient, folder: Path, today: date, file: DataFile) -> Refreshed:
    if not file.urls:
        return Refreshed(file, False, "kept by hand (no published source); left as it is")
    bodies: list[bytes] = []
    for url in file.urls:
        result = await client.fetch(url, headers={"Accept": "*/*"})
        if result.failure is not None:
            return Refreshed(file, False, result.failure.message)
        if result.status != 200:
            return Refreshed(file, False, f"{url} answered {result.status}")
        decoded = result.decoded(MAX_BYTES)
        if decoded.truncated:
            return Refreshed(file, False, f"{url} sent more than {MAX_BYTES // 1024} KiB")
        bodies.append(decoded.data)
    content = _compose(file, bodies, today)
    try:
        data_files.validate(file, content)
    except ValueError as exc:
        return Refreshed(file, False, f"not used: {clean(str(exc), max_len=200)}")
    when = data_files.dated(file, content)
    if when is None:
        return Refreshed(file, False, "not used: the download carries no date")
    path = folder / file.filename
    try:
        _write_atomically(path, content)
    except OSError as exc:
        return Refreshed(file, False, f"cannot write {path}: {exc.strerror or exc}")
    return Refreshed(file, True, f"{when.isoformat()} copy written to {path}")


def _compose(file: DataFile, bodies: list[bytes], today: date) -> bytes:
    if file.kind == "json":
        try:
            value = json.loads(bodies[0])
        except (UnicodeDecodeError, json.JSONDecodeError):
            return bodies[0]  # validate() names the problem
        if isinstance(value, dict):
            value.setdefault("description", "")
            value["description"] = (
                f"{value['description']} Downloaded from {file.urls[0]} on {today.isoformat()} "
                "by `launch-tui data refresh`; refresh again the same way."
            ).strip()
        return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    lines = [
        f"# Snapshot date: {today.isoformat()}. {file.title}, one range per line.",
        f"# Downloaded from {' and '.join(file.urls)} by `launch-tui data refresh`.",
        "",
    ]
    for body in bodies:
        text = body.decode("utf-8", errors="replace")
        lines += [line.strip() for line in text.splitlines() if line.strip()]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _write_atomically(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temp.open("wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)

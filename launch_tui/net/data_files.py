"""The dated data files the app ships, where a refreshed copy lives, and how old each one is.

Three files describe the outside world and go stale:

* ``rdap-bootstrap``: ``net/data/rdap_dns_bootstrap.json``, IANA's registry, refreshed from
  https://data.iana.org/rdap/dns.json;
* ``rdap-overrides``: ``net/data/rdap_overrides.json``, servers of TLDs IANA does not list (kept
  by hand: no registry publishes it);
* ``cloudflare-ips``: ``net/data/cloudflare_ips.txt``, refreshed from
  https://www.cloudflare.com/ips-v4 and ``/ips-v6``.

Each carries its date inside (a JSON ``publication``, a ``# Snapshot date:`` line).
``launch-tui data refresh`` (:mod:`launch_tui.net.data_refresh`) writes fresh copies into the
user's data folder (``$XDG_DATA_HOME/launch-tui/data``); :func:`read` returns that copy when it
exists and is valid, else the shipped one, and :func:`status` says which and how old it is.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path

__all__ = [
    "CLOUDFLARE_IPS",
    "DATA_FILES",
    "RDAP_BOOTSTRAP",
    "RDAP_OVERRIDES",
    "DataFile",
    "DataStatus",
    "data_dir",
    "dated",
    "read",
    "status",
    "validate",
]

_SNAPSHOT_LINE = re.compile(r"^#\s*Snapshot date:\s*(\d{4}-\d{2}-\d{2})", re.MULTILINE)


@dataclass(frozen=True)
class DataFile:
    """One dated data file."""

    key: str
    """Short name for commands and evidence (``rdap-bootstrap``)."""
    title: str
    filename: str
    """Its name in ``launch_tui/net/data`` and in the user's data folder."""
    urls: tuple[str, ...] = ()
    """Where ``launch-tui data refresh`` downloads it from; empty when it is kept by hand."""

    @property
    def kind(self) -> str:
        return "json" if self.filename.endswith(".json") else "cidr"


RDAP_BOOTSTRAP = DataFile(
    "rdap-bootstrap",
    "IANA RDAP bootstrap (DNS)",
    "rdap_dns_bootstrap.json",
    ("https://data.iana.org/rdap/dns.json",),
)
RDAP_OVERRIDES = DataFile(
    "rdap-overrides", "RDAP servers IANA does not list", "rdap_overrides.json"
)
CLOUDFLARE_IPS = DataFile(
    "cloudflare-ips",
    "Cloudflare edge IP ranges",
    "cloudflare_ips.txt",
    ("https://www.cloudflare.com/ips-v4", "https://www.cloudflare.com/ips-v6"),
)
DATA_FILES: tuple[DataFile, ...] = (RDAP_BOOTSTRAP, RDAP_OVERRIDES, CLOUDFLARE_IPS)


def data_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where refreshed copies live: ``$XDG_DATA_HOME/launch-tui/data`` (``~/.local/share``)."""
    env = os.environ if env is None else env
    base = env.get("XDG_DATA_HOME", "").strip()
    if base and Path(base).is_absolute():
        return Path(base) / "launch-tui" / "data"
    home = env.get("HOME", "").strip() or str(Path.home())
    return Path(home) / ".local" / "share" / "launch-tui" / "data"


def shipped(file: DataFile) -> bytes:
    """The copy that came with the package."""
    return resources.files("launch_tui.net").joinpath("data", file.filename).read_bytes()


def validate(file: DataFile, content: bytes) -> None:
    """Raise ``ValueError`` (with a reason) unless ``content`` is a usable copy of ``file``."""
    if file.kind == "json":
        try:
            value = json.loads(content)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"not JSON: {exc}") from None
        if not isinstance(value, dict) or not isinstance(value.get("services"), list):
            raise ValueError("no services array")
        if not value["services"]:
            raise ValueError("the services array is empty")
        return
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None
    entries = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    networks = [entry for entry in entries if entry]
    if not networks:
        raise ValueError("no address ranges")
    for entry in networks:
        try:
            ipaddress.ip_network(entry)
        except ValueError:
            raise ValueError(f"{entry[:60]!r} is not an address range") from None


def read(file: DataFile, env: Mapping[str, str] | None = None) -> tuple[bytes, str]:
    """``file``'s content and where it came from: ``refreshed`` (the user's data folder, when
    that copy exists and is valid) or ``shipped``."""
    path = data_dir(env) / file.filename
    try:
        content = path.read_bytes()
    except OSError:
        return shipped(file), "shipped"
    try:
        validate(file, content)
    except ValueError:
        return shipped(file), "shipped"
    return content, "refreshed"


def dated(file: DataFile, content: bytes) -> date | None:
    """The date ``content`` says it is from (JSON ``publication``, ``# Snapshot date:``)."""
    text = content.decode("utf-8", errors="replace")
    if file.kind == "json":
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            return None
        publication = value.get("publication") if isinstance(value, dict) else None
        if not isinstance(publication, str):
            return None
        try:
            return datetime.fromisoformat(publication.replace("Z", "+00:00")).date()
        except ValueError:
            return None
    match = _SNAPSHOT_LINE.search(text)
    return date.fromisoformat(match.group(1)) if match else None


@dataclass(frozen=True)
class DataStatus:
    """Which copy of a data file is in use and how old it is."""

    file: DataFile
    origin: str
    """``refreshed`` or ``shipped``."""
    dated: date | None
    age_days: int | None

    def describe(self) -> str:
        """``2026-05-24 (197 days old, shipped)``."""
        if self.dated is None:
            return f"undated ({self.origin})"
        return f"{self.dated.isoformat()} ({self.age_days} days old, {self.origin})"


def status(file: DataFile, today: date, env: Mapping[str, str] | None = None) -> DataStatus:
    """The copy :func:`read` would use, with its date and age on ``today``."""
    content, origin = read(file, env)
    when = dated(file, content)
    age = None if when is None else max(0, (today - when).days)
    return DataStatus(file, origin, when, age)

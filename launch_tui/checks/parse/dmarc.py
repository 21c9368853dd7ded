"""DMARC policy records (RFC 7489 6.3), read from ``_dmarc.<domain>`` TXT.

:func:`parse_dmarc` turns a record into :class:`DmarcRecord` with the defaults the RFC gives
(``pct=100``, relaxed alignment), or raises :class:`DmarcError` when receivers would ignore it.
Oddities receivers tolerate are listed in ``problems``. Pure: no DNS, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from launch_tui.checks.parse.taglist import TagListError, parse_tag_list

POLICIES = ("none", "quarantine", "reject")


class DmarcError(ValueError):
    """A record receivers would discard (no ``v=DMARC1`` first, unparseable tags)."""


class Alignment(StrEnum):
    """How closely the authenticated domain must match the From domain (RFC 7489 3.1)."""

    RELAXED = "r"
    """Same organizational domain."""
    STRICT = "s"
    """Exactly the same domain."""


@dataclass(frozen=True)
class ReportUri:
    """One ``rua``/``ruf`` destination."""

    uri: str
    """As written, without the ``!size`` suffix."""
    scheme: str
    """Lower-case scheme (``mailto`` in practice)."""
    address: str
    """For ``mailto:``, the mailbox; otherwise the rest of the URI."""

    @property
    def domain(self) -> str:
        """The mailbox's domain (lower-case) for ``mailto:``, else ``""``."""
        if self.scheme != "mailto":
            return ""
        return self.address.rpartition("@")[2].lower().rstrip(".")


@dataclass(frozen=True)
class DmarcRecord:
    """One DMARC policy record."""

    policy: str
    """``p=``: ``none``, ``quarantine`` or ``reject``."""
    subdomain_policy: str
    """``sp=``, defaulting to ``p``."""
    pct: int = 100
    adkim: Alignment = Alignment.RELAXED
    aspf: Alignment = Alignment.RELAXED
    rua: tuple[ReportUri, ...] = ()
    ruf: tuple[ReportUri, ...] = ()
    problems: tuple[str, ...] = ()
    """Mistakes receivers work around (an invalid ``pct``, an unknown ``p``...)."""

    @property
    def monitoring_only(self) -> bool:
        """``p=none``: reports are collected but nothing is quarantined or rejected."""
        return self.policy == "none"


def parse_dmarc(text: str) -> DmarcRecord:
    """Parse a record; raise :class:`DmarcError` when it is not a usable DMARC record."""
    try:
        tags = {name.lower(): value for name, value in parse_tag_list(text).items()}
    except TagListError as exc:
        raise DmarcError(f"The DMARC record is malformed: {exc}") from None
    if not tags or next(iter(tags)) != "v" or tags["v"] != "DMARC1":
        raise DmarcError("A DMARC record must start with v=DMARC1")
    problems: list[str] = []
    rua = _uris(tags.get("rua", ""), "rua", problems)
    ruf = _uris(tags.get("ruf", ""), "ruf", problems)
    policy = tags.get("p", "").lower()
    if policy not in POLICIES:
        if not rua:
            raise DmarcError("The DMARC record has no valid p= (none, quarantine or reject)")
        problems.append(
            f"p={policy[:20]!r} is not a policy; receivers act as if p=none (RFC 7489 6.6.3)"
        )
        policy = "none"
    subdomain = tags.get("sp", policy).lower()
    if subdomain not in POLICIES:
        problems.append(f"sp={subdomain[:20]!r} is not a policy; p={policy} applies")
        subdomain = policy
    pct = 100
    if "pct" in tags:
        if tags["pct"].isdigit() and 0 <= int(tags["pct"]) <= 100:
            pct = int(tags["pct"])
        else:
            problems.append(f"pct={tags['pct'][:10]!r} is not 0-100; 100 applies")
    return DmarcRecord(
        policy=policy,
        subdomain_policy=subdomain,
        pct=pct,
        adkim=_alignment(tags, "adkim", problems),
        aspf=_alignment(tags, "aspf", problems),
        rua=rua,
        ruf=ruf,
        problems=tuple(problems),
    )


def _alignment(tags: dict[str, str], name: str, problems: list[str]) -> Alignment:
    value = tags.get(name, "r").lower()
    try:
        return Alignment(value)
    except ValueError:
        problems.append(f"{name}={value[:10]!r} is not r or s; relaxed applies")
        return Alignment.RELAXED


def _uris(value: str, tag: str, problems: list[str]) -> tuple[ReportUri, ...]:
    found: list[ReportUri] = []
    for raw in value.split(","):
        uri = raw.strip().split("!", 1)[0]
        if not uri:
            continue
        scheme, colon, rest = uri.partition(":")
        if not colon or not scheme.isalpha() or not rest:
            problems.append(f"{tag} has an entry that is not a URI: {uri[:60]!r}")
            continue
        found.append(ReportUri(uri, scheme.lower(), rest))
    return tuple(found)

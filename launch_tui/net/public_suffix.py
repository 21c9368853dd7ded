"""Registrable domains (eTLD+1) from the Public Suffix List, to tell first from third parties.

``cdn.brightlane.test`` and ``www.brightlane.test`` are one party (``brightlane.test``);
``a.github.io`` and ``b.github.io`` are two, because ``github.io`` is a public suffix under
which anyone can register. The rules are the full list (ICANN and private sections) as shipped
by the ``publicsuffixlist`` package, whose releases follow the list's; its ``VERSION`` line dates
it (:func:`list_version`). The matching is the list's algorithm
(https://publicsuffix.org/list/): the longest matching rule wins, ``*`` matches one label, an
``!`` exception wins over everything, and a name no rule matches has its last label as suffix.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import publicsuffixlist

__all__ = [
    "SuffixRules",
    "builtin_rules",
    "list_version",
    "public_suffix",
    "registrable_domain",
    "same_site",
]


@dataclass(frozen=True)
class SuffixRules:
    """Parsed list rules, each a tuple of labels from the right (``co.uk`` -> ``("uk", "co")``)."""

    rules: frozenset[tuple[str, ...]]
    exceptions: frozenset[tuple[str, ...]]
    """Exception rules without their ``!``."""

    @classmethod
    def parse(cls, text: str) -> SuffixRules:
        """Rules from list text: one per line, ``//`` comments, blank lines ignored."""
        rules: set[tuple[str, ...]] = set()
        exceptions: set[tuple[str, ...]] = set()
        for raw in text.splitlines():
            line = raw.strip().split(None, 1)[0] if raw.strip() else ""
            if not line or line.startswith("//"):
                continue
            target = exceptions if line.startswith("!") else rules
            labels = line.lstrip("!").lower().rstrip(".").split(".")
            target.add(tuple(reversed(labels)))
        return cls(frozenset(rules), frozenset(exceptions))

    def suffix_length(self, labels: tuple[str, ...]) -> int:
        """How many of ``labels`` (right to left) form the public suffix."""
        for depth in range(len(labels), 0, -1):
            if labels[:depth] in self.exceptions:
                return depth - 1  # an exception's suffix is the rule minus its leftmost label
        best = 1  # the default rule "*"
        for depth in range(1, len(labels) + 1):
            head = labels[:depth]
            wildcard = (*labels[: depth - 1], "*")
            if head in self.rules or wildcard in self.rules:
                best = depth
        return best


def _list_text() -> str:
    return Path(publicsuffixlist.PSLFILE).read_text(encoding="utf-8")


@cache
def builtin_rules() -> SuffixRules:
    """The full list shipped with the ``publicsuffixlist`` package (read once, ~60 ms)."""
    return SuffixRules.parse(_list_text())


@cache
def list_version() -> str:
    """The shipped list's ``VERSION`` line (``2026-10-22_08-36-41_UTC``), or ``""``."""
    for line in _list_text().splitlines()[:40]:
        if line.startswith("// VERSION:"):
            return line.split(":", 1)[1].strip()
    return ""


def _labels(host: str) -> tuple[str, ...] | None:
    """Labels right to left, or ``None`` for an IP literal or an empty name."""
    name = host.strip().lower().rstrip(".")
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if not name:
        return None
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return tuple(reversed(name.split(".")))
    return None


def public_suffix(host: str, rules: SuffixRules | None = None) -> str:
    """The public suffix of ``host`` (``co.uk`` for ``shop.example.co.uk``); ``""`` for an IP."""
    labels = _labels(host)
    if labels is None:
        return ""
    depth = (rules or builtin_rules()).suffix_length(labels)
    return ".".join(reversed(labels[:depth]))


def registrable_domain(host: str, rules: SuffixRules | None = None) -> str:
    """The registrable domain of ``host``: its public suffix plus one label.

    ``www.example.co.uk`` -> ``example.co.uk``; ``a.github.io`` -> ``a.github.io``. A host
    that is itself a public suffix, and an IP literal, are their own "domain" (lower-cased,
    without a trailing dot or brackets), so two of them compare equal only when identical.
    """
    labels = _labels(host)
    if labels is None:
        return host.strip().lower().rstrip(".").strip("[]")
    depth = (rules or builtin_rules()).suffix_length(labels)
    return ".".join(reversed(labels[: min(len(labels), depth + 1)]))


def same_site(host_a: str, host_b: str, rules: SuffixRules | None = None) -> bool:
    """True when both hosts have the same registrable domain (one party)."""
    return registrable_domain(host_a, rules) == registrable_domain(host_b, rules)

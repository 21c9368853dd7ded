"""Is the provider the client named the one a registry or a header names? Compared as names.

RDAP says "Namewise Registrar, Inc." where the client wrote "Namewise": the same company. Names
are compared after folding case, dropping punctuation and the words that only say what kind of
company it is (legal forms such as Inc., LLC, GmbH; trade words such as Registrar, Hosting).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["normalized_provider", "same_provider"]

#: Legal forms and generic trade words that do not tell two providers apart.
_NOISE = frozenset(
    {
        # legal forms
        "inc", "incorporated", "llc", "llp", "lp", "ltd", "limited", "corp", "corporation",
        "co", "company", "plc", "gmbh", "ag", "sa", "sas", "sarl", "bv", "nv", "ab", "as",
        "oy", "pty", "pte", "kk", "srl", "spa", "se", "ug",
        # what kind of provider it is
        "registrar", "registrars", "registry", "domains", "domain", "hosting", "host",
        "technologies", "technology", "services", "service", "group", "holdings", "internet",
        "online", "the", "com", "net",
    }
)  # fmt: skip


def normalized_provider(name: str) -> str:
    """``"Namewise Registrar, Inc."`` → ``"namewise"``; a name made only of noise words keeps
    them (``"Domains Inc."`` → ``"domains inc"``)."""
    folded = unicodedata.normalize("NFKD", name).casefold()
    words = re.findall(r"[a-z0-9]+", folded)
    kept = [w for w in words if w not in _NOISE]
    return " ".join(kept or words)


def same_provider(a: str, b: str) -> bool:
    """Whether two provider names name the same provider (empty names never do)."""
    left, right = normalized_provider(a), normalized_provider(b)
    return bool(left) and left == right

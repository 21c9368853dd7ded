"""Personal mailboxes: is an address at a consumer mail provider rather than the company's?

An account whose owner (or sole admin) signs in with ``someone@gmail.com`` belongs to a person,
not to the company: it leaves with them, and its password resets go to a private inbox. The
consumer domains are a list shipped with the package (``free_mail_domains.txt`` beside this
module, vendored from a maintained registry package and dated in its header), never fetched at
run time. Pure but for reading that list once; the handover checks and the report's access map
both use it.
"""

from __future__ import annotations

import functools
from pathlib import Path

__all__ = ["email_domain", "free_mail_domains", "parse_domains", "personal_domain"]

#: The shipped list, beside this module.
DATA_FILE = Path(__file__).with_name("free_mail_domains.txt")


@functools.cache
def free_mail_domains() -> frozenset[str]:
    """Every consumer mail domain in the shipped list, lower case; read once."""
    # A plain file read, as for the playbook: the package is always installed as files.
    return parse_domains(DATA_FILE.read_text(encoding="utf-8"))


def parse_domains(text: str) -> frozenset[str]:
    """Domains of a list with one per line; blank lines and ``#`` comments are ignored."""
    domains = set()
    for line in text.splitlines():
        entry = line.split("#", 1)[0].strip().lower().rstrip(".")
        if entry:
            domains.add(entry)
    return frozenset(domains)


def email_domain(address: str) -> str:
    """The lower-cased domain of an e-mail address; ``""`` when ``address`` is not one."""
    local, at, domain = address.strip().rpartition("@")
    domain = domain.strip().lower().rstrip(".")
    if not at or not local.strip() or "." not in domain or " " in domain:
        return ""
    return domain


def personal_domain(address: str, domains: frozenset[str] | None = None) -> str:
    """The consumer mail domain of ``address`` (``gmail.com``); ``""`` for a company address,
    a blank one or something that is not an address."""
    domain = email_domain(address)
    known = free_mail_domains() if domains is None else domains
    return domain if domain and domain in known else ""

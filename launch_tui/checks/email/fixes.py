"""The exact record to paste at the DNS host for an SPF or DMARC finding. Pure.

Built from the published record, changed only where a finding says so, so that a person can
paste it as is: ``+all``/``?all``/no ``all`` become ``~all``, ``ptr`` is dropped, terms after
``all`` are dropped, a missing provider include is added before ``all``; a DMARC record gets a
``rua`` when it has none, and ``p=none`` is shown tightened to ``p=quarantine`` (for when the
reports look clean). When a finding has no mechanical fix (more than 10 lookups: which include
to flatten is a decision) nothing is recommended and the report shows its template.
"""

from __future__ import annotations

from launch_tui.checks.parse.spf import SpfSyntaxError, parse_record
from launch_tui.core.sanitize import clean

_MAX = 900


def spf_fix(published: str, apex: str, provider_include: str = "") -> str:
    """The SPF record to publish instead of ``published`` (``""``: no record yet), or ``""``
    when there is nothing mechanical to change."""
    if not published.strip():
        if not provider_include:
            return ""
        return f"v=spf1 include:{provider_include} ~all"
    try:
        record = parse_record(published)
    except SpfSyntaxError:
        return ""
    terms: list[str] = []
    for mechanism in record.mechanisms:
        if mechanism.name == "all":
            break  # terms after all are never evaluated: dropped
        if mechanism.name != "ptr":
            terms.append(mechanism.text)
    if provider_include and not any(
        t.lstrip("+").lower() == f"include:{provider_include}" for t in terms
    ):
        terms.append(f"include:{provider_include}")
    ending = (
        "-all"
        if any(m.name == "all" and m.qualifier.value == "-" for m in record.mechanisms)
        else "~all"
    )
    if record.redirect is not None and not any(m.name == "all" for m in record.mechanisms):
        terms.append(f"redirect={record.redirect}")
        ending = ""
    fixed = " ".join(["v=spf1", *terms, *([ending] if ending else [])])
    if fixed == " ".join(published.split()):
        return ""
    return clean(fixed, max_len=_MAX)


def dmarc_fix(tags: dict[str, str], apex: str) -> str:
    """The DMARC record to publish: ``tags`` of the published record (``{}``: none yet) with a
    report address added when missing and ``p=none`` tightened to ``p=quarantine``."""
    out = {"v": "DMARC1", "p": "none", **{k: v for k, v in tags.items() if k != "v"}}
    if out.get("p", "none").lower() == "none":
        out["p"] = "quarantine"
    out.setdefault("rua", f"mailto:dmarc-reports@{apex}")
    order = ["v", "p", *[k for k in out if k not in ("v", "p")]]
    return clean("; ".join(f"{k}={out[k]}" for k in order), max_len=_MAX)

"""``email.spf``: the apex's SPF record, evaluated per RFC 7208 rather than grepped.

The record is evaluated for :data:`~.spf_eval.PROBE_IP`, an address nothing authorizes, so
every term up to ``all`` is visited: the lookup tree then shows what each include costs, and
the term that makes it 11 (or the third void lookup) is named. On top of the RFC verdict the
check flags what receivers and attackers exploit: ``+all`` (anyone may send), ``?all`` and no
``all`` (no protection), ``ptr`` (deprecated, slow), terms after ``all`` (never evaluated).
When the session names its sending provider, the provider's include must be reached and must
``pass`` for an address the provider sends from.
"""

from __future__ import annotations

from launch_tui.checks.email.fixes import spf_fix
from launch_tui.checks.email.senders import find_sender, senders_in_record
from launch_tui.checks.email.spf_eval import (
    MAX_LOOKUPS,
    PROBE_IP,
    LookupNode,
    SpfResult,
    check_host,
)
from launch_tui.checks.engine.context import CheckContext
from launch_tui.checks.engine.registry import Registry
from launch_tui.checks.parse.spf import SpfSyntaxError, parse_record
from launch_tui.core.model import STATUS_ORDER, CheckResult, JSONValue, Severity, Status
from launch_tui.core.playbook import AppliesTo
from launch_tui.core.sanitize import clean

CHECKS = Registry()


@CHECKS.register(
    "email.spf",
    stage="email-secrets",
    title="SPF authorizes the sending provider",
    severity=Severity.HIGH,
    applies_to=AppliesTo.SESSION,
)
async def spf(ctx: CheckContext) -> CheckResult:
    """Evaluate the apex's SPF record and lint what the RFC allows but should not be there."""
    resolver = ctx.services.resolver
    apex = ctx.session.targets.apex.strip().rstrip(".").lower()
    if resolver is None:
        return ctx.result(Status.ERROR, "No DNS resolver is configured for this run")
    if not apex:
        return ctx.result(Status.SKIPPED, "The session names no apex domain")
    outcome = await check_host(
        PROBE_IP, apex, f"postmaster@{apex}", resolver, time_limit=ctx.services.deadline_s * 2
    )
    evidence: dict[str, JSONValue] = {
        "record": outcome.tree.record,
        "result_for_unlisted_ip": outcome.result.value,
        "lookups": outcome.lookups,
        "lookup_limit": MAX_LOOKUPS,
        "void_lookups": outcome.void_lookups,
        "lookup_tree": list(outcome.tree.lines()),
        "tree": _tree_json(outcome.tree),
    }
    if outcome.over_limit:
        evidence["over_limit"] = outcome.over_limit
    provider = ctx.session.stack.email_provider
    sender = find_sender(provider.declared or provider.detected)
    include = sender.spf_include if sender is not None else ""
    if outcome.result is SpfResult.NONE:
        if recommended := spf_fix("", apex, include):
            evidence["recommended"] = recommended
        return ctx.result(Status.FAIL, f"{apex} publishes no SPF record", evidence=evidence)
    if outcome.result is SpfResult.TEMPERROR:
        return ctx.result(
            Status.ERROR, f"SPF could not be evaluated: {outcome.reason}", evidence=evidence
        )
    if outcome.result is SpfResult.PERMERROR:
        return ctx.result(
            Status.FAIL, f"SPF is broken (permerror): {outcome.reason}", evidence=evidence
        )
    findings = _lint(outcome.record)
    includes = _includes(outcome.tree)
    evidence["includes"] = list(includes)
    detected = [s.name for s in senders_in_record(includes)]
    evidence["providers_in_record"] = list(detected)
    if sender is not None:
        evidence["provider"] = sender.name
        if sender.spf_include not in includes:
            findings.append(
                (Status.FAIL, f"the record does not include {sender.spf_include} ({sender.name})")
            )
    if outcome.lookups >= MAX_LOOKUPS - 1:
        findings.append(
            (
                Status.WARN,
                f"{outcome.lookups} of {MAX_LOOKUPS} DNS lookups used: one more include breaks SPF",
            )
        )
    evidence["findings"] = [text for _status, text in findings]
    if not findings:
        summary = f"One valid SPF record, {outcome.lookups} of {MAX_LOOKUPS} lookups"
        if sender is not None:
            summary += f", includes {sender.name}"
        return ctx.result(Status.PASS, summary, evidence=evidence)
    if recommended := spf_fix(outcome.record, apex, include):
        evidence["recommended"] = recommended
    worst = min((status for status, _ in findings), key=STATUS_ORDER.index)
    return ctx.result(worst, "; ".join(text for _s, text in findings), evidence=evidence)


def _lint(record: str) -> list[tuple[Status, str]]:
    try:
        parsed = parse_record(record)
    except SpfSyntaxError as exc:  # already a permerror above; kept for safety
        return [(Status.FAIL, exc.message)]
    found: list[tuple[Status, str]] = []
    alls = [m for m in parsed.mechanisms if m.name == "all"]
    if any(m.qualifier.value == "+" for m in alls):
        found.append((Status.FAIL, "+all lets any server on the internet send as the domain"))
    elif any(m.qualifier.value == "?" for m in alls):
        found.append((Status.WARN, "?all is neutral: forged mail is not rejected"))
    elif not alls and parsed.redirect is None:
        found.append((Status.WARN, "no all mechanism: unlisted servers get neutral, not fail"))
    if any(m.name == "ptr" for m in parsed.mechanisms):
        found.append((Status.WARN, "ptr is deprecated (RFC 7208 5.5) and slow; list the IPs"))
    if parsed.after_all:
        found.append(
            (
                Status.WARN,
                "terms after all are never evaluated: "
                + clean(" ".join(parsed.after_all), max_len=200),
            )
        )
    return found


def _includes(node: LookupNode) -> list[str]:
    found: list[str] = []
    for child in node.children:
        if child.term.lower().lstrip("+-~?").startswith("include:"):
            found.append(child.domain.lower())
        found += _includes(child)
    return found


def _tree_json(node: LookupNode) -> dict[str, JSONValue]:
    out: dict[str, JSONValue] = {"term": node.term, "domain": node.domain, "count": node.count}
    if node.outcome:
        out["outcome"] = node.outcome
    if node.note:
        out["note"] = node.note
    if node.children:
        out["children"] = [_tree_json(child) for child in node.children]
    return out

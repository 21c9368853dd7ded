"""``audit.stack``: what the stack is, as the internet sees it, against what the client declared.

Four components are detected, each from the evidence that proves it:

==================  ==========================================================================
component           detected from
==================  ==========================================================================
``dns_host``        the apex's NS records
``email_provider``  the apex's MX records, best preference first; who sends (SPF includes,
                    DKIM keys at selectors) confirms a declared sending provider
``hosting``         response headers of the canonical URL, then of every other host
``cdn``             the same headers (a CDN in front hides the hosting; reported separately)
==================  ==========================================================================

The fingerprints are data (``data/providers.toml``, matched by :mod:`.stack_match`). Database,
sign-in provider and registrar cannot be seen from outside (the registrar is RDAP's business,
``domain.expiry``), so they are not judged here.

Verdict per component (``declared`` is the session's ``[stack]`` value, compared alias-aware:
"G Suite" is Google Workspace):

==========================================================  ========  ========================
finding                                                     status    why
==========================================================  ========  ========================
detected, and it is what was declared                       pass
detected, nothing declared: "X (not declared)"              pass      an unwritten stack item
                                                                      is the inventory's gap,
                                                                      not a launch risk
declared X, detected Y (or Y on another host, NS split      warn      the issue: a mismatch is
between providers, or NS/MX that are not those of the                 a finding
provider X names)
records/headers exist but name no known provider, the       skipped   nothing proves or
hosting is hidden behind a CDN or mail relay, or there is             disproves the declared
nothing to look at                                                    value: never a mismatch
the NS or MX lookup failed                                  error
==========================================================  ========  ========================

A provider the data does not know still passes when its host is named after the declared one
(MX ``mx1.postbird.example`` for "Postbird"); the evidence says so (``matched_by: name``).

The check applies to the session, so the runner takes one result: its status is the worst
component's, its summary every component's, worst first, and each component's
``{declared, detected, source, status, summary}`` is in the evidence under its name (``dns_host``,
``email_provider``, ``hosting``, ``cdn``), with what each host answered under ``sites``.
:func:`detected_stack` folds those into :class:`~launch_tui.core.model.Stack`'s ``detected``;
it is the check's merge rule, so a fresh result updates the session's stack when merged in.

This module holds the check and :func:`detected_stack`; the verdicts are pure functions in
:mod:`.stack_judge`, and visiting the hosts and reading their headers is :mod:`.stack_sites`.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

from launch_tui.checks.audit.fingerprints import builtin_providers
from launch_tui.checks.audit.stack_judge import judge_cdn, judge_dns, judge_email, judge_hosting
from launch_tui.checks.audit.stack_sites import site_urls, visit_site
from launch_tui.checks.email.senders import SendingSign, find_senders
from launch_tui.checks.engine.context import CheckContext
from launch_tui.checks.engine.fetching import no_http_result
from launch_tui.checks.engine.findings import Finding, combine
from launch_tui.checks.engine.registry import Registry
from launch_tui.core.model import (
    CheckResult,
    JSONValue,
    Severity,
    Stack,
    StackComponent,
    StackItem,
    Status,
)
from launch_tui.core.playbook import AppliesTo
from launch_tui.core.sanitize import clean

__all__ = ["CHECKS", "COMPONENTS", "detected_stack", "stack"]

CHECKS = Registry()

#: Components judged, in the order the evidence and summary list them.
COMPONENTS = ("dns_host", "email_provider", "hosting", "cdn")


@CHECKS.register(
    "audit.stack",
    stage="audit",
    title="Stack inventory",
    severity=Severity.MEDIUM,
    applies_to=AppliesTo.SESSION,
    merge=lambda session, result: replace(session, stack=detected_stack(session.stack, result)),
)
async def stack(ctx: CheckContext) -> CheckResult:
    """Detect DNS host (NS), mail provider (MX), hosting and CDN (headers); compare."""
    resolver = ctx.services.resolver
    if ctx.services.http is None:
        return no_http_result(ctx)
    if resolver is None:
        return ctx.result(
            Status.ERROR,
            "No DNS resolver is configured for this run",
            evidence={"failure": "no-resolver"},
        )
    providers = builtin_providers()
    apex = ctx.session.targets.apex.strip().rstrip(".").lower()
    declared = ctx.session.stack
    ns, mx, sites, senders = await asyncio.gather(
        resolver.resolve(apex, "NS") if apex else _nothing(),
        resolver.resolve(apex, "MX") if apex else _nothing(),
        asyncio.gather(
            *(visit_site(ctx, host, url, c, providers) for host, url, c in site_urls(ctx))
        ),
        find_senders(ctx, resolver, apex) if apex else _no_senders(),
    )
    verdicts = (
        judge_dns(declared.dns_host.declared, ns, providers, apex=apex),
        judge_email(declared.email_provider.declared, mx, providers, apex=apex, senders=senders),
        judge_hosting(declared.hosting.declared, sites),
        judge_cdn(sites),
    )
    evidence: dict[str, JSONValue] = {v.component: v.evidence() for v in verdicts}
    evidence["sites"] = [s.evidence() for s in sites]
    evidence["fingerprints"] = "data/providers.toml"
    judged = [v for v in verdicts if v.status is not Status.SKIPPED]
    if not judged:
        return ctx.result(
            Status.SKIPPED,
            clean("Nothing to detect the stack from: " + "; ".join(v.summary for v in verdicts)),
            evidence=evidence,
        )
    findings = [Finding(v.status, ctx.check.severity, v.summary) for v in verdicts]
    status, severity, summary = combine(findings)
    return ctx.result(status, summary, evidence=evidence, severity=severity)


async def _nothing() -> None:
    return None


async def _no_senders() -> list[SendingSign]:
    return []


def detected_stack(stack_value: Stack, result: CheckResult) -> Stack:
    """``stack_value`` with ``detected`` filled from an ``audit.stack`` result's evidence.

    Components the result did not judge, or judged without identifying anything, keep their
    previous ``detected`` value.
    """
    items: dict[str, StackItem] = {}
    for component in StackComponent:
        entry = result.evidence.get(component.value)
        if not isinstance(entry, dict):
            continue
        detected = entry.get("detected")
        if isinstance(detected, str) and detected:
            items[component.value] = replace(stack_value.get(component), detected=detected)
    return replace(stack_value, **items)

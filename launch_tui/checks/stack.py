"""``audit.stack``: what the stack is, as the internet sees it, against what the client declared.

Four components are detected, each from the evidence that proves it:

==================  ==========================================================================
component           detected from
==================  ==========================================================================
``dns_host``        the apex's NS records
``email_provider``  the apex's MX records, best preference first
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
:func:`detected_stack` folds those into :class:`~launch_tui.core.model.Stack`'s ``detected``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace

from launch_tui.checks.context import CheckContext
from launch_tui.checks.public_suffix import registrable_domain
from launch_tui.checks.registry import Registry
from launch_tui.checks.stack_match import (
    Provider,
    Providers,
    Sighting,
    builtin_providers,
    declared_as,
    find_declared,
    header_sightings,
    identify_host,
    mx_hosts,
    named_after,
)
from launch_tui.checks.web import (
    Finding,
    absent_reason,
    combine,
    fetch_https,
    host_of,
    host_url,
    no_http_result,
)
from launch_tui.core.model import (
    CheckResult,
    HostRole,
    JSONValue,
    Severity,
    Stack,
    StackComponent,
    StackItem,
    Status,
)
from launch_tui.core.playbook import AppliesTo
from launch_tui.core.sanitize import clean
from launch_tui.net import DnsAnswer, DnsResult

__all__ = [
    "CHECKS",
    "COMPONENTS",
    "Site",
    "Verdict",
    "detected_stack",
    "judge_cdn",
    "judge_dns",
    "judge_email",
    "judge_hosting",
    "read_site",
    "stack",
]

CHECKS = Registry()

#: Components judged, in the order the evidence and summary list them.
COMPONENTS = ("dns_host", "email_provider", "hosting", "cdn")
_LABELS = {"dns_host": "DNS host", "email_provider": "Email", "hosting": "Hosting", "cdn": "CDN"}
_SIGN_CAP = 80  # characters of a header value quoted as proof
_SHOWN = 60  # characters of a declared value or host name in a summary


@dataclass(frozen=True)
class Verdict:
    """What ``audit.stack`` concluded about one component."""

    component: str
    """``dns_host``, ``email_provider``, ``hosting`` or ``cdn``."""
    status: Status
    declared: str
    """The session's value, as written (``""`` when nothing is declared)."""
    detected: str
    """The provider(s) found, ``", "``-joined; ``""`` when none was identified."""
    source: str
    """What proved it: ``NS ada.ns.cloudflare.com``, ``www.example.com: x-vercel-id: …``."""
    summary: str
    """One line starting with the component's label."""
    matched_by: str = ""
    """``fingerprint`` (the provider data) or ``name`` (the host is named after the declared
    provider); ``""`` when nothing matched."""

    def evidence(self) -> dict[str, JSONValue]:
        """The component's evidence entry (plain JSON values)."""
        entry: dict[str, JSONValue] = {
            "declared": self.declared,
            "detected": self.detected,
            "source": self.source,
            "status": self.status.value,
            "summary": self.summary,
        }
        if self.matched_by:
            entry["matched_by"] = self.matched_by
        return entry


@dataclass(frozen=True)
class Site:
    """What one URL's response headers say about where it runs."""

    host: str
    url: str
    status: int | None
    """HTTP status of the answer; ``None`` when nothing answered."""
    hosting: tuple[Sighting, ...] = ()
    cdn: tuple[Sighting, ...] = ()
    server: tuple[Sighting, ...] = ()
    canonical: bool = False
    """The session's canonical URL: its hosting is *the* hosting."""
    failure: str = ""
    """Why nothing answered (sanitized)."""

    def evidence(self) -> dict[str, JSONValue]:
        """The site's evidence entry (plain JSON values)."""
        entry: dict[str, JSONValue] = {"host": self.host, "url": self.url, "status": self.status}
        if self.canonical:
            entry["canonical"] = True
        entry["hosting"] = [s.provider.name for s in self.hosting]
        entry["cdn"] = [s.provider.name for s in self.cdn]
        entry["server"] = [s.provider.name for s in self.server]
        entry["signs"] = [_sign(s) for s in (*self.hosting, *self.cdn, *self.server)]
        if self.failure:
            entry["failure"] = self.failure
        return entry


def read_site(
    host: str,
    url: str,
    status: int | None,
    headers: Sequence[tuple[str, str]],
    providers: Providers,
    *,
    canonical: bool = False,
) -> Site:
    """Sort the web providers ``headers`` show into hosting, CDN and server software."""
    sightings = header_sightings(headers, providers.web)
    return Site(
        host=host,
        url=url,
        status=status,
        hosting=tuple(s for s in sightings if s.provider.kind == "hosting"),
        cdn=tuple(s for s in sightings if s.provider.kind == "cdn"),
        server=tuple(s for s in sightings if s.provider.kind == "server"),
        canonical=canonical,
    )


# --- judging: pure functions of what was found ------------------------------------------------


def judge_dns(
    declared: str, ns: DnsResult | None, providers: Providers, *, apex: str = ""
) -> Verdict:
    """The DNS host, from the apex's NS lookup (``None``: no apex to look up).

    ``apex`` tells nameservers of the domain's own (``ns1.<apex>``) from an unknown provider's.
    """
    component = "dns_host"
    if ns is None:
        return _verdict(component, Status.SKIPPED, declared, "", "", "no apex to look NS up for")
    if not isinstance(ns, DnsAnswer):
        if ns.is_negative:
            return _verdict(
                component, Status.SKIPPED, declared, "", "", "no NS records at the apex"
            )
        return _verdict(
            component, Status.ERROR, declared, "", "", f"NS lookup failed: {clean(ns.message)}"
        )
    names = sorted({r.strip().rstrip(".").lower() for r in ns.records})
    return _by_records(component, "NS", declared, names, providers.dns_hosts, apex=apex)


def judge_email(
    declared: str, mx: DnsResult | None, providers: Providers, *, apex: str = ""
) -> Verdict:
    """The mail provider, from the apex's MX lookup, best preference first (``apex`` as for
    :func:`judge_dns`)."""
    component = "email_provider"
    if mx is None:
        return _verdict(component, Status.SKIPPED, declared, "", "", "no apex to look MX up for")
    if not isinstance(mx, DnsAnswer):
        if mx.is_negative:
            return _verdict(
                component, Status.SKIPPED, declared, "", "", "no MX records at the apex"
            )
        return _verdict(
            component, Status.ERROR, declared, "", "", f"MX lookup failed: {clean(mx.message)}"
        )
    hosts = [host for _, host in mx_hosts(mx.records)]
    if hosts == [""]:
        return _verdict(
            component, Status.SKIPPED, declared, "none", "MX .", "null MX: the domain takes no mail"
        )
    named = [h for h in hosts if h]
    relays = [(p, h) for p, h in _identified(named, providers.email) if p.kind == "relay"]
    # A gateway or forwarder in front says nothing about the mailbox behind it: judge the rest.
    behind = [h for h in named if not _is_relay(h, providers)]
    if relays and not _identified(behind, providers.email):
        relay, host = relays[0]
        if not declared or declared_as(declared, relay):
            return _found(component, declared, relay.name, f"MX {host}")
        return _verdict(
            component,
            Status.SKIPPED,
            declared,
            "",
            f"MX {host}",
            f"mail passes through {relay.name} first (MX {clean(host)}), which hides the "
            f"mailbox provider: cannot confirm {_shown(declared)}",
        )
    verdict = _by_records(
        component, "MX", declared, behind, providers.email, apex=apex, first_wins=True
    )
    if verdict.status is Status.WARN:
        sender = find_declared(declared, providers.email)
        if sender is not None and sender.kind == "transactional":
            return replace(
                verdict,
                summary=f"{verdict.summary}; {sender.name} mainly sends mail, so both may be in "
                "use: record both",
            )
    return verdict


def judge_hosting(declared: str, sites: Sequence[Site]) -> Verdict:
    """The hosting platform: the canonical URL's, and any other host's that differs."""
    component = "hosting"
    answered = [s for s in sites if s.status is not None]
    if not answered:
        return _verdict(component, Status.SKIPPED, declared, "", "", "no host answered over HTTP")
    # Each platform once, with the first host showing it; the canonical URL comes first.
    ordered = sorted(answered, key=lambda s: not s.canonical)
    platforms: dict[str, tuple[Site, Sighting]] = {}
    for site in ordered:
        if site.hosting:
            platforms.setdefault(site.hosting[0].provider.name, (site, site.hosting[0]))
    detected = ", ".join(platforms)
    if not platforms:
        return _hidden(component, declared, ordered[0])
    if not declared:
        site, sighting = next(iter(platforms.values()))
        return _found(component, declared, detected, _proof(site, sighting))
    canonical = next((s for s in answered if s.canonical and s.hosting), None)
    contrary = [
        (site, sighting)
        for site, sighting in platforms.values()
        if not declared_as(declared, sighting.provider)
    ]
    # The canonical URL's platform is the one that counts most, so it is named first.
    contrary.sort(key=lambda pair: pair[0] is not canonical)
    if contrary:
        site, sighting = contrary[0]
        summary = (
            f"declared {_shown(declared)}, detected {sighting.provider.name} on "
            f"{_shown(site.host)} ({_sign(sighting)})"
        )
        confirmed = [pair for pair in platforms.values() if pair not in contrary]
        if confirmed:
            summary += f"; {_shown(declared)} confirmed on {_shown(confirmed[0][0].host)}"
        return _verdict(
            component,
            Status.WARN,
            declared,
            detected,
            _proof(site, sighting),
            summary,
            "fingerprint",
        )
    site, sighting = next(iter(platforms.values()))
    return _found(component, declared, detected, _proof(site, sighting))


def judge_cdn(sites: Sequence[Site]) -> Verdict:
    """The CDN in front: seen on the canonical URL first, then on any host."""
    ordered = sorted((s for s in sites if s.status is not None), key=lambda s: not s.canonical)
    seen: dict[str, tuple[Site, Sighting]] = {}
    for site in ordered:
        for sighting in site.cdn:
            seen.setdefault(sighting.provider.name, (site, sighting))
    if not seen:
        why = "no CDN in front of any host" if ordered else "no host answered over HTTP"
        return _verdict("cdn", Status.SKIPPED, "", "", "", why)
    site, sighting = next(iter(seen.values()))
    proof = _proof(site, sighting)
    # The stack has no CDN field to declare: saying "not declared" would only be noise.
    return _verdict(
        "cdn",
        Status.PASS,
        "",
        ", ".join(seen),
        proof,
        f"{', '.join(seen)} in front ({clean(proof, max_len=120)})",
        "fingerprint",
    )


def _by_records(
    component: str,
    rdtype: str,
    declared: str,
    hosts: Sequence[str],
    providers: Sequence[Provider],
    *,
    apex: str = "",
    first_wins: bool = False,
) -> Verdict:
    """Judge NS or MX hosts. With ``first_wins`` (MX) the best-preference provider is the one;
    otherwise (NS) hosts of several providers are a finding in themselves."""
    found = _identified(hosts, providers)
    if not found:
        by_name = next((h for h in hosts if declared and named_after(declared, h)), None)
        if by_name is not None:
            return _verdict(
                component,
                Status.PASS,
                declared,
                declared,
                f"{rdtype} {by_name}",
                f"{_shown(declared)} ({rdtype} {clean(by_name)} is named after it)",
                "name",
            )
        return _unknown(component, rdtype, declared, hosts, providers, apex)
    provider, host = found[0]
    if len(found) > 1 and not first_wins:
        names = " + ".join(p.name for p, _ in found)
        proof = ", ".join(f"{rdtype} {h}" for _, h in found)
        lead = f"declared {_shown(declared)}, detected {names}" if declared else f"{names}"
        return _verdict(
            component,
            Status.WARN,
            declared,
            ", ".join(p.name for p, _ in found),
            proof,
            f"{lead} ({clean(proof)}): nameservers of more than one provider must all serve "
            "the same zone",
            "fingerprint",
        )
    if not declared or declared_as(declared, provider):
        return _found(component, declared, provider.name, f"{rdtype} {host}")
    also = next((p for p, _ in found[1:] if declared_as(declared, p)), None)
    tail = f"; {also.name} only at a lower preference" if also is not None else ""
    return _verdict(
        component,
        Status.WARN,
        declared,
        provider.name,
        f"{rdtype} {host}",
        f"declared {_shown(declared)}, detected {provider.name} ({rdtype} {clean(host)}){tail}",
        "fingerprint",
    )


def _unknown(
    component: str,
    rdtype: str,
    declared: str,
    hosts: Sequence[str],
    providers: Sequence[Provider],
    apex: str,
) -> Verdict:
    """Records no fingerprint matches. Known providers' NS and MX names are reliable, so
    records that are not a *declared known* provider's contradict it; otherwise nothing can be
    concluded."""
    listed = ", ".join(clean(h) for h in hosts[:2]) or "none"
    own = bool(apex and hosts) and all(h == apex or h.endswith("." + apex) for h in hosts)
    where = "self-hosted" if own else clean(registrable_domain(hosts[0]) if hosts else "")
    known = find_declared(declared, providers) if declared else None
    if known is not None and where:
        return _verdict(
            component,
            Status.WARN,
            declared,
            where,
            f"{rdtype} {listed}",
            f"declared {_shown(declared)}, detected {where} ({rdtype} {listed}, not "
            f"{known.name}'s)",
            "fingerprint",
        )
    text = f"{where or 'unknown'} ({rdtype} {listed}), not a provider the fingerprints know"
    if declared:
        text += f": cannot confirm {_shown(declared)}"
    return _verdict(component, Status.SKIPPED, declared, "", f"{rdtype} {listed}", text)


def _identified(hosts: Sequence[str], providers: Sequence[Provider]) -> list[tuple[Provider, str]]:
    """Each recognised provider once, with the first of ``hosts`` that is its, in order."""
    found: dict[str, tuple[Provider, str]] = {}
    for host in hosts:
        provider = identify_host(host, providers)
        if provider is not None:
            found.setdefault(provider.name, (provider, host))
    return list(found.values())


def _is_relay(host: str, providers: Providers) -> bool:
    provider = identify_host(host, providers.email)
    return provider is not None and provider.kind == "relay"


def _hidden(component: str, declared: str, site: Site) -> Verdict:
    """No platform identified: say what is in the way, never call it a mismatch."""
    if site.cdn:
        cdn = site.cdn[0]
        why = f"hidden behind {cdn.provider.name} on {_shown(site.host)} ({_sign(cdn)})"
        source = _proof(site, cdn)
    elif site.server:
        server = site.server[0]
        why = f"{_shown(site.host)} answers from {server.provider.name} ({_sign(server)}), not a "
        why += "platform the headers identify"
        source = _proof(site, server)
    else:
        why, source = f"no platform identified from {_shown(site.host)}'s headers", ""
    if declared:
        why += f": cannot confirm {_shown(declared)}"
    return _verdict(component, Status.SKIPPED, declared, "", source, why)


def _found(component: str, declared: str, detected: str, source: str) -> Verdict:
    text = f"{detected} ({clean(source, max_len=120)})"
    if not declared:
        text = f"{detected} (not declared; {clean(source, max_len=120)})"
    return _verdict(component, Status.PASS, declared, detected, source, text, "fingerprint")


def _verdict(
    component: str,
    status: Status,
    declared: str,
    detected: str,
    source: str,
    text: str,
    matched_by: str = "",
) -> Verdict:
    return Verdict(
        component=component,
        status=status,
        declared=declared,
        detected=detected,
        source=clean(source, max_len=200),
        summary=clean(f"{_LABELS[component]}: {text}", max_len=300),
        matched_by=matched_by,
    )


def _proof(site: Site, sighting: Sighting) -> str:
    return f"{site.host}: {_sign(sighting)}"


def _sign(sighting: Sighting) -> str:
    return f"{sighting.header}: {clean(sighting.value, max_len=_SIGN_CAP)}"


def _shown(text: str) -> str:
    return clean(text, max_len=_SHOWN)


# --- the check ---------------------------------------------------------------------------------


@CHECKS.register(
    "audit.stack",
    stage="audit",
    title="Stack inventory",
    severity=Severity.MEDIUM,
    applies_to=AppliesTo.SESSION,
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
    ns, mx, sites = await asyncio.gather(
        resolver.resolve(apex, "NS") if apex else _nothing(),
        resolver.resolve(apex, "MX") if apex else _nothing(),
        asyncio.gather(*(_visit(ctx, host, url, c, providers) for host, url, c in _urls(ctx))),
    )
    verdicts = (
        judge_dns(declared.dns_host.declared, ns, providers, apex=apex),
        judge_email(declared.email_provider.declared, mx, providers, apex=apex),
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


def _urls(ctx: CheckContext) -> list[tuple[str, str, bool]]:
    """``(host, url, canonical)``: the canonical URL, then each other host's root.

    Mail hostnames are left out: they serve no web pages to identify a platform by.
    """
    targets = ctx.session.targets
    found: list[tuple[str, str, bool]] = []
    canonical = targets.canonical_url.strip()
    if host_of(canonical):
        found.append((host_of(canonical), canonical, True))
    for host in targets.hosts:
        name = host.name.strip().rstrip(".").lower()
        if host.role is HostRole.MAIL or not name or any(name == h for h, _, _ in found):
            continue
        found.append((name, host_url("https", name), False))
    return found


async def _visit(
    ctx: CheckContext, host: str, url: str, canonical: bool, providers: Providers
) -> Site:
    """Fetch ``url`` (and its plain-http twin, in case TLS is missing) and read the headers."""
    urls = [url]
    if url.startswith("https://"):
        urls.append("http://" + url.removeprefix("https://"))
    answers = await asyncio.gather(
        *(fetch_https(ctx, u, follow=False, head_only=True) for u in urls)
    )
    answer = next((a for a in answers if a.headed), None)
    if answer is None:
        first = answers[0].result
        failure = first.failure
        why = absent_reason(first) or (failure.message if failure is not None else "no answer")
        return Site(host, url, None, canonical=canonical, failure=clean(why, max_len=200))
    result = answer.result
    return read_site(
        host, result.url, result.status, result.headers, providers, canonical=canonical
    )


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

"""``audit.stack``'s verdicts: pure functions from what was found to one :class:`Verdict` each.

``judge_dns`` reads the apex's NS answer, ``judge_email`` its MX answer (relays and
transactional senders taken into account), ``judge_hosting`` and ``judge_cdn`` the
:class:`~launch_tui.checks.audit.stack_sites.Site` list. The verdict table is in :mod:`.stack`'s
docstring; the fingerprints are matched by :mod:`.stack_match`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from launch_tui.checks.audit.fingerprints import (
    Provider,
    Providers,
    Sighting,
    declared_as,
    find_declared,
    identify_host,
    mx_hosts,
    named_after,
)
from launch_tui.checks.audit.stack_sites import Site, proof_of, sign_of
from launch_tui.checks.email.senders import SendingSign, find_sender
from launch_tui.core.model import JSONValue, Status
from launch_tui.core.sanitize import clean
from launch_tui.net import DnsAnswer, DnsFailure, DnsResult
from launch_tui.net.public_suffix import registrable_domain

__all__ = ["Verdict", "judge_cdn", "judge_dns", "judge_email", "judge_hosting"]

_LABELS = {"dns_host": "DNS host", "email_provider": "Email", "hosting": "Hosting", "cdn": "CDN"}
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


def _no_answer(component: str, rtype: str, declared: str, failure: DnsFailure | None) -> Verdict:
    """No apex to look ``rtype`` up for (``None``), no such records, or a failed lookup."""
    if failure is None:
        why = f"no apex to look {rtype} up for"
        return _verdict(component, Status.SKIPPED, declared, "", "", why)
    if failure.is_negative:
        why = f"no {rtype} records at the apex"
        return _verdict(component, Status.SKIPPED, declared, "", "", why)
    why = f"{rtype} lookup failed: {clean(failure.message)}"
    return _verdict(component, Status.ERROR, declared, "", "", why)


def judge_dns(
    declared: str, ns: DnsResult | None, providers: Providers, *, apex: str = ""
) -> Verdict:
    """The DNS host, from the apex's NS lookup (``None``: no apex to look up).

    ``apex`` tells nameservers of the domain's own (``ns1.<apex>``) from an unknown provider's.
    """
    component = "dns_host"
    if not isinstance(ns, DnsAnswer):
        return _no_answer(component, "NS", declared, ns)
    names = sorted({r.strip().rstrip(".").lower() for r in ns.records})
    return _by_records(component, "NS", declared, names, providers.dns_hosts, apex=apex)


def judge_email(
    declared: str,
    mx: DnsResult | None,
    providers: Providers,
    *,
    apex: str = "",
    senders: Sequence[SendingSign] = (),
) -> Verdict:
    """The mail provider, from the apex's MX lookup, best preference first (``apex`` as for
    :func:`judge_dns`), and from who sends: ``senders`` found in the SPF record's includes and
    at DKIM selectors. A domain that receives mail elsewhere but sends through the declared
    provider is not a mismatch."""
    verdict = _judge_mx(declared, mx, providers, apex=apex)
    if not senders or verdict.status is Status.ERROR:
        return verdict
    wanted = find_sender(declared)
    confirmed = next((s for s in senders if wanted is not None and s.sender == wanted), None)
    if confirmed is not None and verdict.status is not Status.PASS:
        received = f"; mail is received at {verdict.detected}" if verdict.detected else ""
        return _verdict(
            "email_provider",
            Status.PASS,
            declared,
            confirmed.sender.name,
            confirmed.source,
            f"{confirmed.sender.name} sends the mail ({confirmed.source}){received}",
            "fingerprint",
        )
    if verdict.status is Status.SKIPPED and not declared:
        first = senders[0]
        return _found("email_provider", declared, first.sender.name, first.source)
    return verdict


def _judge_mx(
    declared: str, mx: DnsResult | None, providers: Providers, *, apex: str = ""
) -> Verdict:
    component = "email_provider"
    if not isinstance(mx, DnsAnswer):
        return _no_answer(component, "MX", declared, mx)
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
        return _found(component, declared, detected, proof_of(site, sighting))
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
            f"{_shown(site.host)} ({sign_of(sighting)})"
        )
        confirmed = [pair for pair in platforms.values() if pair not in contrary]
        if confirmed:
            summary += f"; {_shown(declared)} confirmed on {_shown(confirmed[0][0].host)}"
        return _verdict(
            component,
            Status.WARN,
            declared,
            detected,
            proof_of(site, sighting),
            summary,
            "fingerprint",
        )
    site, sighting = next(iter(platforms.values()))
    return _found(component, declared, detected, proof_of(site, sighting))


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
    proof = proof_of(site, sighting)
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
        why = f"hidden behind {cdn.provider.name} on {_shown(site.host)} ({sign_of(cdn)})"
        source = proof_of(site, cdn)
    elif site.server:
        server = site.server[0]
        why = f"{_shown(site.host)} answers from {server.provider.name} ({sign_of(server)}), not a "
        why += "platform the headers identify"
        source = proof_of(site, server)
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


def _shown(text: str) -> str:
    return clean(text, max_len=_SHOWN)

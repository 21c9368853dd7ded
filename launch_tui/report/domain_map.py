"""The domain map (stage 3's deliverable), assembled from whatever host results exist. Pure.

One row per hostname: the configured hosts, plus any hostname that only appears as the target of
a check of the delivery deliverable's ``hosts`` part (``dns.*``, ``tls.*``, ``edge.*``,
``http.*``). Each column reads one part of that deliverable, as the playbook declares it
(:mod:`launch_tui.report.parts`), and says "not checked" when its check has no result for the
host, so a half-run sprint still gives a useful map:

* destination (``dns.records``): evidence ``name`` (a CNAME target), else ``addresses`` and
  ``aaaa`` (lists), else ``records`` (strings like ``"CNAME x.y"`` or ``"A 203.0.113.10"``);
* proxy (``edge.cloudflare``): evidence ``proxied`` (bool) and ``provider``, or the status;
  ``origin`` (``edge.origin_exposed``) adds a warning when the origin answers directly;
* TLS (``tls.certificate``): the status plus ``expires`` (a date) or ``days_left``;
* redirect (``https``: ``http.https_forced``, and ``redirect``: ``http.redirects``): evidence
  ``final_url``, or the ``hop_url`` of the last of the ``hops``; ``hsts`` (``http.hsts``) adds a
  warning when HSTS is missing or weak.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from launch_tui.core.model import CheckResult, HostRole, JSONValue, Session, Status
from launch_tui.core.playbook import DeliverablePart, Playbook, builtin_playbook
from launch_tui.report import evidence as ev
from launch_tui.report import parts
from launch_tui.report.cleaning import clean
from launch_tui.report.views import ManualNote, ResultView

if TYPE_CHECKING:
    from launch_tui.report.inputs import ReportInputs

__all__ = ["DomainMapView", "DomainRow", "domain_map", "domain_map_view", "host_targets"]

_ROLE_ORDER = tuple(role.value for role in HostRole)
_RECORD_TYPES = ("CNAME", "ALIAS", "ANAME", "A", "AAAA")
NOT_CHECKED = "not checked"


@dataclass(frozen=True)
class DomainRow:
    """One hostname's line in the domain map; every text is cleaned and one line."""

    host: str
    role: str
    """The configured role (``apex``, ``www``...), or ``"unlisted"`` for a result-only host."""
    destination: str
    proxy: str
    tls: str
    tls_status: Status | None
    """The TLS certificate check's status, for colouring; ``None`` when not checked."""
    redirect: str
    warnings: tuple[str, ...]
    """Short problems worth a flag (origin exposed, certificate expiring, no HSTS...)."""
    checked: bool
    """Whether any host check has a result for this host."""


def host_targets(session: Session, playbook: Playbook | None = None) -> tuple[tuple[str, str], ...]:
    """``(hostname, role)`` for configured hosts, then result-only hosts; sorted, no repeats."""
    host_checks = parts.MAP_HOSTS.of(playbook or builtin_playbook())
    hosts: dict[str, str] = {}
    for host in session.targets.hosts:
        hosts.setdefault(host.name, host.role.value)
    route_names = {r.name for r in session.targets.routes}
    for result in session.results:
        if (
            result.target
            and result.target not in route_names
            and host_checks.covers(result.check_id)
        ):
            hosts.setdefault(result.target, "unlisted")

    def order(item: tuple[str, str]) -> tuple[int, str]:
        name, role = item
        rank = _ROLE_ORDER.index(role) if role in _ROLE_ORDER else len(_ROLE_ORDER)
        return (rank, name)

    return tuple(sorted(hosts.items(), key=order))


def domain_map(
    session: Session, today: date, playbook: Playbook | None = None
) -> tuple[DomainRow, ...]:
    """The domain map rows, in role order (apex, www, app, api...) then by name."""
    playbook = playbook or builtin_playbook()
    by_key = {(r.check_id, r.target): r for r in session.results}
    destination_part = parts.MAP_DESTINATION.of(playbook)
    proxy_part = parts.MAP_PROXY.of(playbook)
    tls_part = parts.MAP_TLS.of(playbook)
    redirect_part = parts.MAP_REDIRECT.of(playbook)
    rows = []
    for host, role in host_targets(session, playbook):

        def get(part: parts.Part, host: str = host) -> CheckResult | None:
            checks = part.of(playbook).checks
            return by_key.get((checks[0], host)) if checks else None

        warnings: list[str] = []
        dns = get(parts.MAP_DESTINATION)
        edge = get(parts.MAP_PROXY)
        origin = get(parts.MAP_ORIGIN)
        tls = get(parts.MAP_TLS)
        forced = get(parts.MAP_HTTPS)
        redirects = get(parts.MAP_REDIRECT)
        hsts = get(parts.MAP_HSTS)
        if origin is not None and origin.status is Status.FAIL:
            warnings.append("origin reachable directly")
        tls_text = _tls(tls, tls_part, today, warnings)
        if hsts is not None and hsts.status in (Status.FAIL, Status.WARN):
            warnings.append("HSTS missing or weak")
        if dns is not None and dns.status is Status.FAIL:
            warnings.append(clean(dns.summary, max_len=80) or "DNS records fail")
        checked = any(
            r is not None for r in (dns, edge, origin, tls, forced, redirects, hsts)
        ) or any(r.target == host for r in session.results)
        rows.append(
            DomainRow(
                host=clean(host, max_len=253),
                role=role,
                destination=_destination(dns, destination_part),
                proxy=_proxy(edge, proxy_part),
                tls=tls_text,
                tls_status=tls.status if tls is not None else None,
                redirect=_redirect(forced, redirects, redirect_part),
                warnings=tuple(warnings),
                checked=checked,
            )
        )
    return tuple(rows)


def _destination(result: CheckResult | None, part: DeliverablePart) -> str:
    if result is None:
        return NOT_CHECKED
    e = result.evidence
    name = ev.text_of(e, *part.keys("name"))
    if name:
        return name
    addresses = ev.texts_of(e, *part.keys("addresses")) + ev.texts_of(e, *part.keys("aaaa"))
    if not addresses:
        addresses = _from_records(ev.texts_of(e, *part.keys("records")))
    if addresses:
        shown = ", ".join(addresses[:3])
        return shown + (f" (+{len(addresses) - 3} more)" if len(addresses) > 3 else "")
    if result.status is Status.ERROR:
        return "could not resolve"
    return clean(result.summary, max_len=80) or "no address records"


def _from_records(records: tuple[str, ...]) -> tuple[str, ...]:
    """Values of the most telling record type among ``"TYPE value"`` strings."""
    parsed = []
    for record in records:
        kind, _, value = record.strip().partition(" ")
        if value:
            parsed.append((kind.upper(), value.strip()))
    for wanted in _RECORD_TYPES:
        values = tuple(value for kind, value in parsed if kind == wanted)
        if values:
            return tuple(
                f"{wanted} {v}" if wanted in ("CNAME", "ALIAS", "ANAME") else v for v in values
            )
    return ()


def _proxy(result: CheckResult | None, part: DeliverablePart) -> str:
    if result is None:
        return NOT_CHECKED
    proxied = ev.first(result.evidence, *part.keys("proxied"))
    if isinstance(proxied, bool):
        return "Cloudflare (proxied)" if proxied else "not proxied (DNS only)"
    provider = ev.text_of(result.evidence, *part.keys("provider"), limit=60)
    if result.status is Status.PASS:
        return provider or "Cloudflare (proxied)"
    if result.status in (Status.FAIL, Status.WARN):
        return f"not proxied ({provider})" if provider else "not proxied"
    if result.status is Status.ERROR:
        return "could not check"
    return result.status.value


def _tls(
    result: CheckResult | None, part: DeliverablePart, today: date, warnings: list[str]
) -> str:
    if result is None:
        return NOT_CHECKED
    e = result.evidence
    expires = ev.day_of(e, *part.keys("expires"))
    days = (expires - today).days if expires is not None else None
    if days is None:
        left = ev.number_of(e, *part.keys("days_left"))
        days = int(left) if left is not None else None
    if days is not None and days < 0:
        warnings.append("certificate expired")
        when = f" on {expires.isoformat()}" if expires is not None else ""
        return f"expired{when} ({-days} d ago)"
    if days is not None and days < 30:
        warnings.append("certificate expires within 30 days")
    until = f" until {expires.isoformat()}" if expires is not None else ""
    left_text = f" ({days} d left)" if days is not None else ""
    if result.status is Status.PASS:
        return f"valid{until}{left_text}"
    if result.status is Status.ERROR:
        return "could not check"
    # The finding in its own words, then the certificate's dates as a second clause, unless
    # the finding already gives them ("Expires in 5 days (on 2026-12-12)").
    state = clean(result.summary, max_len=80) or result.status.value
    if not until or (expires is not None and expires.isoformat() in state):
        return state
    return f"{state}; certificate valid{until}{left_text}"


def _redirect(
    forced: CheckResult | None, redirects: CheckResult | None, part: DeliverablePart
) -> str:
    if forced is None and redirects is None:
        return NOT_CHECKED
    parts = []
    if forced is not None:
        if forced.status is Status.PASS:
            parts.append("http → https")
        elif forced.status is Status.ERROR:
            parts.append("http → https not checked (error)")
        else:
            parts.append("http not forced to https")
    if redirects is not None:
        final = _final_url(redirects.evidence, part)
        if final:
            parts.append(f"→ {final}")
        elif redirects.status in (Status.FAIL, Status.ERROR):
            parts.append(clean(redirects.summary, max_len=80) or "redirects fail")
        elif not parts:
            parts.append("no redirect")
    return "; ".join(parts)


def _final_url(evidence: Mapping[str, JSONValue], part: DeliverablePart) -> str:
    direct = ev.text_of(evidence, *part.keys("final_url"), limit=120)
    if direct:
        return direct
    chain = ev.first(evidence, *part.keys("hops"))
    if isinstance(chain, list) and chain:
        last = chain[-1]
        if isinstance(last, str):
            return clean(last, max_len=120)
        if isinstance(last, Mapping):
            return ev.text_of(last, *part.keys("hop_url"), limit=120)
    return ""


# --- the report section -------------------------------------------------------------------------


@dataclass(frozen=True)
class DomainMapView:
    canonical: ResultView | None
    rows: tuple[DomainRow, ...]
    notice: str
    subdomain_owners: ManualNote


def domain_map_view(b: ReportInputs) -> DomainMapView:
    rows = domain_map(b.session, b.today, b.playbook)
    canonical_checks = parts.MAP_CANONICAL.of(b.playbook).checks
    canonical = b.session.result(canonical_checks[0]) if canonical_checks else None
    notice = ""
    if not rows:
        notice = b.missing(
            "delivery", "No hostnames configured yet", "add [[targets.hosts]] and run its checks"
        )
    elif not any(r.checked for r in rows):
        notice = b.missing(
            "delivery",
            "The hostnames have not been checked yet",
            "run its DNS, TLS, edge and redirect checks",
        )
    return DomainMapView(
        canonical=b.view(canonical) if canonical is not None else None,
        rows=rows,
        notice=notice,
        subdomain_owners=b.manual(parts.MAP_SUBDOMAIN_OWNERS),
    )

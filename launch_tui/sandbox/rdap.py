"""An RDAP registry (RFC 9083) for a world's domains: ``/domain/<name>``.

Dates are relative to the world's start time, so "expires in 24 days" stays true whenever the
demo runs. ``/bootstrap/dns.json`` answers like IANA's bootstrap file (RFC 9224) for the TLDs
of the domains served, so a client with a configurable bootstrap URL finds this server.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from launch_tui.core.model import JSONValue
from launch_tui.sandbox.world import RdapDomain, RdapSpec

CONTENT_TYPE = "application/rdap+json"


def rdap_answer(spec: RdapSpec, path: str, now: datetime) -> tuple[int, JSONValue]:
    """Status and JSON body for a request to ``path`` on the registry."""
    base = f"https://{spec.host}/"
    if path == "/bootstrap/dns.json":
        tlds = sorted({d.name.rsplit(".", 1)[-1] for d in spec.domains})
        services: list[JSONValue] = [[list(tlds), [base]]]
        return 200, {
            "version": "1.0",
            "publication": _date(now),
            "description": "launch-tui sandbox RDAP bootstrap",
            "services": services,
        }
    if path.startswith("/domain/"):
        name = path.removeprefix("/domain/").strip("/").rstrip(".").lower()
        for domain in spec.domains:
            if domain.name == name:
                return 200, _domain(domain, now, base)
        return 404, _error(404, "Not Found", f"{name} is not registered here")
    if path in ("/", "/help"):
        return 200, {
            "rdapConformance": ["rdap_level_0"],
            "notices": [_notice()],
        }
    return 400, _error(400, "Bad Request", "this registry answers /domain/<name> queries")


def _domain(domain: RdapDomain, now: datetime, base: str) -> JSONValue:
    registered = now - timedelta(days=domain.registered_days_ago)
    expires = now + timedelta(days=domain.expires_in_days, hours=12)
    changed = min(now - timedelta(days=30), registered + timedelta(days=1))
    self_url = f"{base}domain/{domain.name}"
    return {
        "rdapConformance": ["rdap_level_0", "icann_rdap_response_profile_0"],
        "objectClassName": "domain",
        "handle": domain.name.upper().replace(".", "-") + "-SANDBOX",
        "ldhName": domain.name,
        "status": list(domain.status),
        "events": [
            {"eventAction": "registration", "eventDate": _date(registered)},
            {"eventAction": "expiration", "eventDate": _date(expires)},
            {"eventAction": "last changed", "eventDate": _date(changed)},
        ],
        "entities": [
            {
                "objectClassName": "entity",
                "handle": str(domain.registrar_iana_id),
                "roles": ["registrar"],
                "publicIds": [
                    {"type": "IANA Registrar ID", "identifier": str(domain.registrar_iana_id)}
                ],
                "vcardArray": [
                    "vcard",
                    [["version", {}, "text", "4.0"], ["fn", {}, "text", domain.registrar]],
                ],
            }
        ],
        "nameservers": [
            {"objectClassName": "nameserver", "ldhName": ns} for ns in domain.nameservers
        ],
        "secureDNS": {"delegationSigned": False},
        "links": [
            {"value": self_url, "rel": "self", "href": self_url, "type": CONTENT_TYPE},
        ],
        "notices": [_notice()],
    }


def _error(code: int, title: str, text: str) -> JSONValue:
    return {
        "rdapConformance": ["rdap_level_0"],
        "errorCode": code,
        "title": title,
        "description": [text],
    }


def _notice() -> JSONValue:
    return {
        "title": "Sandbox registry",
        "description": ["A launch-tui sandbox registry on loopback. Nothing here is real."],
    }


def _date(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

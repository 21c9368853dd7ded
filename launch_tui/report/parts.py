"""The parts of each stage's deliverable that the report and the TUI read, named once. Pure.

The playbook says what fills a part (``[[stages.deliverable.reads]]``: the checks and the evidence
keys); this module says which parts the code asks for, and which evidence names it takes from
each. Neither the report nor the TUI names a check id: they call ``PART.of(playbook)`` and read
the checks and keys it declares. ``tests/unit/test_playbook.py`` holds the two sides together:
every part here is declared by the builtin playbook with these evidence names, and every part the
builtin playbook declares is read here.
"""

from __future__ import annotations

from dataclasses import dataclass

from launch_tui.core.playbook import DeliverablePart, Playbook

__all__ = ["ALL", "Part"]


@dataclass(frozen=True)
class Part:
    """A part of ``stage``'s deliverable, by id, and the evidence names the code reads from it."""

    stage: str
    id: str
    evidence: tuple[str, ...] = ()

    def of(self, playbook: Playbook) -> DeliverablePart:
        """What ``playbook`` declares for this part (empty when it declares nothing)."""
        return playbook.reads(self.stage, self.id)


# --- stage 1: the risk list --------------------------------------------------------------------
#: The checks of each launch-impact category, in the seed's order (the rest are "Other").
RISK_AUTH = Part("audit", "auth")
RISK_SECRETS = Part("audit", "secrets")
RISK_EMAIL = Part("audit", "email")
RISK_SLOW = Part("audit", "slow")
RISK_REDIRECTS = Part("audit", "redirects")

# --- stage 2: the prioritized fix list ---------------------------------------------------------
#: Checks whose findings the fix list ranks.
FIX_FINDINGS = Part("request-path", "findings")
#: Per-route timing: the first check is the full measurement, the others fallbacks.
ROUTE_TIMING = Part(
    "request-path", "timing", ("p50", "p95", "p99", "single", "budget", "samples", "series")
)
#: Manual questions shown beside the fix list.
FIX_QUESTIONS = Part("request-path", "questions")

# --- stage 3: the domain map -------------------------------------------------------------------
#: Checks whose targets are hostnames of the map.
MAP_HOSTS = Part("delivery", "hosts")
MAP_DESTINATION = Part("delivery", "destination", ("name", "addresses", "aaaa", "records"))
MAP_PROXY = Part("delivery", "proxy", ("proxied", "provider"))
MAP_ORIGIN = Part("delivery", "origin")
MAP_TLS = Part("delivery", "tls", ("expires", "days_left"))
MAP_HTTPS = Part("delivery", "https")
MAP_REDIRECT = Part("delivery", "redirect", ("final_url", "hops", "hop_url"))
MAP_HSTS = Part("delivery", "hsts")
MAP_CANONICAL = Part("delivery", "canonical")
MAP_SUBDOMAIN_OWNERS = Part("delivery", "subdomain-owners")

# --- stage 4: secrets inventory and email deliverability checklist -----------------------------
SECRET_SCANS = Part("email-secrets", "scans")
EMAIL_SPF = Part("email-secrets", "spf", ("record", "records", "recommended"))
EMAIL_DKIM = Part(
    "email-secrets",
    "dkim",
    ("selectors", "entry_selector", "entry_record", "selector", "record"),
)
EMAIL_DMARC = Part("email-secrets", "dmarc", ("record", "records", "recommended"))
EMAIL_MX = Part("email-secrets", "mx")
EMAIL_INBOX = Part("email-secrets", "inbox")
#: The checklist's lines, in order, with the short label each is shown under.
EMAIL_CHECKLIST: tuple[tuple[Part, str], ...] = (
    (EMAIL_SPF, "SPF"),
    (EMAIL_DKIM, "DKIM"),
    (EMAIL_DMARC, "DMARC"),
    (EMAIL_MX, "MX"),
    (EMAIL_INBOX, "Inbox test"),
)

# --- stage 5: the deploy runbook ---------------------------------------------------------------
#: The rehearsal's checks; ``frameworks`` and ``dry_run`` (the migrations' evidence) fill in the
#: migration steps of release and rollback.
RUNBOOK_CHECKS = Part("deploy", "checks", ("frameworks", "dry_run"))
RUNBOOK_STEPS = Part("deploy", "runbook")
RUNBOOK_ROLLBACK_DRILL = Part("deploy", "rollback-drill")
RUNBOOK_ALERTS = Part("deploy", "alerts")

# --- stage 6: the monitoring summary -----------------------------------------------------------
#: Checks whose results on a route make it monitored, with its uptime and error figures.
ROUTE_MONITORS = Part(
    "observe",
    "monitors",
    ("uptime_pct", "uptime", "error_pct", "error_rate", "errors", "samples"),
)
#: A session-wide result listing per-route figures.
MONITOR_COVERAGE = Part("observe", "coverage", ("routes",))
MONITOR_CHECKS = Part("observe", "checks")
MONITOR_LINKS = Part("observe", "links")
MONITOR_CONFIRMED = Part("observe", "confirmed")

# --- stage 7: the handover checklist -----------------------------------------------------------
#: The rollback notes and the drill's record, shown beside the handover's own rollback fields.
HANDOVER_ROLLBACK = Part("handover", "rollback")
DOMAIN_RENEWAL = Part("handover", "domain-renewal", ("expires",))
CERTIFICATE_RENEWALS = Part("handover", "certificate-renewals", ("expires",))

#: Every part the code reads.
ALL: tuple[Part, ...] = tuple(
    value for value in tuple(globals().values()) if isinstance(value, Part)
)

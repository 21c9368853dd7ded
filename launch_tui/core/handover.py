"""The handover's own fields: what the client needs to run without the contractor. Frozen values.

The access map and renewals come from the session's services and people; this is the rest of
stage 7 written as data instead of free text in manual-check notes: how to change environment
variables safely, per environment; rollback notes (the stage 5 drill is linked to them by the
checks and the report, not copied); support paths for incidents and for feature requests;
known limitations, each with its risk; next steps in order, each with an owner; monitoring links;
and the sign-off. ``who``/``owner`` fields hold person ids (or a name typed in).

A session with a sign-off is read-only for check results until it is reopened explicitly
(:attr:`Handover.signed_off`); reopening keeps the sign-off record, stamped with when and by
whom it was reopened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

__all__ = [
    "EnvChange",
    "Handover",
    "Limitation",
    "MonitoringLink",
    "NextStep",
    "Rollback",
    "SignOff",
    "SupportKind",
    "SupportPath",
]


class SupportKind(StrEnum):
    """Which queue a support path is for: an outage must not wait behind a wish-list item."""

    INCIDENT = "incident"
    FEATURE_REQUEST = "feature-request"


@dataclass(frozen=True)
class EnvChange:
    """How environment variables are changed safely in one environment."""

    environment: str
    """``production``, ``staging``... (empty only in data carried over from a free-text note)."""
    where: str = ""
    """Where the variables are set (``Vercel project settings → Environment Variables``)."""
    who: str = ""
    """Who may change them: person ids or names, comma-separated."""
    steps: str = ""
    """How to apply, check and undo a change."""
    links: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rollback:
    """How to roll back a release; the stage 5 drill's timing is linked, not copied."""

    steps: str = ""
    """The tested steps and commands."""
    who: str = ""
    """Who is allowed to run it: person ids or names."""
    links: tuple[str, ...] = ()


@dataclass(frozen=True)
class SupportPath:
    """Where to go for one kind of request, when, and who answers."""

    kind: SupportKind
    channel: str = ""
    """How to reach them (``#brightlane-incidents``, ``pager +44...``, a form's URL)."""
    hours: str = ""
    """When it is answered (``24/7``, ``Mon-Fri 9-17 UK``)."""
    who: str = ""
    """Who answers: person ids or names."""
    response: str = ""
    """The response time to expect (``30 minutes``)."""
    notes: str = ""
    links: tuple[str, ...] = ()


@dataclass(frozen=True)
class Limitation:
    """A prototype shortcut the client should know about."""

    text: str
    risk: str = ""
    """What can go wrong because of it, and when (``breaks above ~50 concurrent users``)."""


@dataclass(frozen=True)
class NextStep:
    """One recommended piece of work; the list's order is the priority."""

    text: str
    owner: str = ""
    """Person id (or name) who takes it on."""
    why: str = ""
    """The risk or finding it answers."""


@dataclass(frozen=True)
class MonitoringLink:
    """A dashboard, status page or alert configuration the client should bookmark."""

    name: str
    url: str


@dataclass(frozen=True)
class SignOff:
    """Who handed the launch over, who received it, and when."""

    handed_over_by: str
    """Person id of the engineer handing over."""
    received_by: str
    """Person id of the client person receiving it."""
    signed_at: datetime
    reopened_at: datetime | None = None
    """Set when the session was reopened after the sign-off; results are writable again."""
    reopened_by: str = ""


@dataclass(frozen=True)
class Handover:
    """Stage 7's fields."""

    env_changes: tuple[EnvChange, ...] = ()
    rollback: Rollback = field(default_factory=Rollback)
    support: tuple[SupportPath, ...] = ()
    limitations: tuple[Limitation, ...] = ()
    next_steps: tuple[NextStep, ...] = ()
    """In priority order."""
    monitoring_links: tuple[MonitoringLink, ...] = ()
    sign_off: SignOff | None = None

    @property
    def signed_off(self) -> bool:
        """True while a sign-off stands (not reopened): check results are then read-only."""
        return self.sign_off is not None and self.sign_off.reopened_at is None

    def support_for(self, kind: SupportKind) -> tuple[SupportPath, ...]:
        """The support paths of one kind, in order."""
        return tuple(p for p in self.support if p.kind is kind)

    @property
    def empty(self) -> bool:
        """True when nothing has been written (the sign-off aside)."""
        return self == Handover(sign_off=self.sign_off)

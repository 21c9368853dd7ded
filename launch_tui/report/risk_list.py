"""The risk list: findings ranked by launch impact (stage 1's deliverable). Pure.

The seed ranks what hurts a launch most: broken auth, then leaked secrets, failed email delivery,
slow core routes and bad redirects, then the rest. Which checks fall in each category is the
playbook's risk-list declaration (the audit deliverable's parts, :mod:`launch_tui.report.parts`);
a finding on a sign-in route counts as broken auth whatever its check. Within each category the
worse severity comes first, then ``fail`` before ``error`` before ``warn``, then check id and
target so the order is stable.

An ``accept-risk`` decision with an owner moves a finding out of the open list into the accepted
one (the same rule the readiness verdict uses); it stays visible there with its owner and review
date. An accept-risk without an owner, a ``fix`` or a ``defer`` leaves the finding open, attached
to it so the reader sees what was decided.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

from launch_tui.core.model import Action, CheckResult, Decision, RouteKind, Session, Status
from launch_tui.core.playbook import DeliverablePart, Playbook
from launch_tui.report import parts

__all__ = ["RankedFinding", "RiskCategory", "RiskList", "categorize", "rank_findings"]


class RiskCategory(IntEnum):
    """Launch-impact categories, in the seed's order; lower is worse."""

    AUTH = 0
    SECRETS = 1
    EMAIL = 2
    SLOW = 3
    REDIRECTS = 4
    OTHER = 5

    @property
    def label(self) -> str:
        """A few words for the reader."""
        return _LABELS[self]


_LABELS = {
    RiskCategory.AUTH: "Broken auth",
    RiskCategory.SECRETS: "Leaked secrets",
    RiskCategory.EMAIL: "Failed email delivery",
    RiskCategory.SLOW: "Slow core routes",
    RiskCategory.REDIRECTS: "Bad redirects",
    RiskCategory.OTHER: "Other",
}

#: The playbook part that lists each category's checks, in the order they are tried.
_CATEGORY_PARTS = (
    (RiskCategory.AUTH, parts.RISK_AUTH),
    (RiskCategory.SECRETS, parts.RISK_SECRETS),
    (RiskCategory.EMAIL, parts.RISK_EMAIL),
    (RiskCategory.SLOW, parts.RISK_SLOW),
    (RiskCategory.REDIRECTS, parts.RISK_REDIRECTS),
)
#: Results that count as findings: something does not hold, or could not be checked.
FINDING_STATUSES = (Status.FAIL, Status.ERROR, Status.WARN)


@dataclass(frozen=True)
class RankedFinding:
    """One finding with its place in the list and what was decided about it."""

    result: CheckResult
    category: RiskCategory
    decisions: tuple[Decision, ...]
    """Every decision covering this result, in the session's order."""
    accepted_by: tuple[Decision, ...]
    """The owned accept-risk decisions among ``decisions``; non-empty means accepted."""

    @property
    def accepted(self) -> bool:
        return bool(self.accepted_by)

    @property
    def sort_key(self) -> tuple[int, int, int, str, str]:
        r = self.result
        return (
            self.category,
            r.severity.rank,
            r.status.rank,
            r.check_id,
            r.target,
        )


@dataclass(frozen=True)
class RiskList:
    """The ranked findings, split by whether an owned accepted risk covers them."""

    open: tuple[RankedFinding, ...]
    accepted: tuple[RankedFinding, ...]

    @property
    def total(self) -> int:
        return len(self.open) + len(self.accepted)


def _categories(playbook: Playbook) -> tuple[tuple[RiskCategory, DeliverablePart], ...]:
    return tuple((category, part.of(playbook)) for category, part in _CATEGORY_PARTS)


def categorize(result: CheckResult, session: Session, playbook: Playbook) -> RiskCategory:
    """The launch-impact category of ``result`` (see the module docstring)."""
    return _categorize(result, session, _categories(playbook))


def _categorize(
    result: CheckResult,
    session: Session,
    categories: tuple[tuple[RiskCategory, DeliverablePart], ...],
) -> RiskCategory:
    for category, part in categories:
        if part.covers(result.check_id):
            return category
    route = session.route(result.target) if result.target else None
    if route is not None and route.kind is RouteKind.AUTH:
        # Anything else wrong on a sign-in route (cookies, mixed content, health) breaks auth.
        return RiskCategory.AUTH
    return RiskCategory.OTHER


def rank_findings(
    session: Session, playbook: Playbook, statuses: Iterable[Status] = FINDING_STATUSES
) -> RiskList:
    """Every result with one of ``statuses``, ranked by ``playbook``'s risk categories, split
    into open and accepted."""
    wanted = frozenset(statuses)
    categories = _categories(playbook)
    ranked: list[RankedFinding] = []
    for result in session.results:
        if result.status not in wanted:
            continue
        decisions = session.decisions_covering(result)
        owned = tuple(d for d in decisions if d.action is Action.ACCEPT_RISK and d.owner.strip())
        ranked.append(
            RankedFinding(
                result=result,
                category=_categorize(result, session, categories),
                decisions=decisions,
                accepted_by=owned,
            )
        )
    ranked.sort(key=lambda f: f.sort_key)
    return RiskList(
        open=tuple(f for f in ranked if not f.accepted),
        accepted=tuple(f for f in ranked if f.accepted),
    )

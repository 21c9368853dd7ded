"""The secrets inventory (stage 4): each secret by name and place, never its value; the scans. Pure.

Secrets and credentials come from the session's ``[[secrets]]`` and ``[[credentials]]``; the scan
results are those of the email-secrets deliverable's ``scans`` part. A leaked secret becomes a
rotation task.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from launch_tui.core.model import (
    Exposure,
)
from launch_tui.report import parts
from launch_tui.report.views import (
    ResultView,
    person_name,
    text,
)

if TYPE_CHECKING:
    from launch_tui.report.inputs import ReportInputs

__all__ = [
    "CredentialView",
    "SecretView",
    "SecretsInventoryView",
    "credential_views",
    "secret_views",
    "secrets_inventory_view",
]


@dataclass(frozen=True)
class SecretView:
    name: str
    stored_in: str
    environments: str
    owner: str
    last_rotated: str
    exposure: str
    found_in: tuple[str, ...]
    flags: tuple[str, ...]


@dataclass(frozen=True)
class CredentialView:
    name: str
    ref: str
    purpose: str


@dataclass(frozen=True)
class SecretsInventoryView:
    secrets: tuple[SecretView, ...]
    credentials: tuple[CredentialView, ...]
    rotation_tasks: tuple[SecretView, ...]
    scans: tuple[ResultView, ...]
    notice: str


def secret_views(b: ReportInputs) -> tuple[SecretView, ...]:
    views = []
    for s in sorted(b.session.secrets, key=lambda s: (s.name.casefold(), s.name)):
        flags: list[str] = []
        if s.exposure is Exposure.LEAKED:
            flags.append("leaked: rotate now")
        if not s.owner.strip():
            flags.append("no owner")
        if not s.stored_in.strip():
            flags.append("location unknown")
        if s.exposure is not Exposure.LEAKED and s.last_rotated is None:
            flags.append("never rotated on record")
        views.append(
            SecretView(
                name=text(s.name, 120),
                stored_in=text(s.stored_in, 200),
                environments=", ".join(text(e, 60) for e in s.environments),
                owner=person_name(b.session, s.owner),
                last_rotated=s.last_rotated.isoformat() if s.last_rotated else "",
                exposure=s.exposure.value,
                found_in=tuple(text(f, 200) for f in s.found_in),
                flags=tuple(flags),
            )
        )
    return tuple(views)


def credential_views(b: ReportInputs) -> tuple[CredentialView, ...]:
    return tuple(
        CredentialView(name=text(c.name, 120), ref=text(c.ref, 200), purpose=text(c.purpose, 200))
        for c in sorted(b.session.credentials, key=lambda c: c.name)
    )


def secrets_inventory_view(b: ReportInputs) -> SecretsInventoryView:
    secrets = secret_views(b)
    scans = b.results(parts.SECRET_SCANS)
    return SecretsInventoryView(
        secrets=secrets,
        credentials=credential_views(b),
        rotation_tasks=tuple(s for s in secrets if s.exposure == Exposure.LEAKED.value),
        scans=scans,
        notice=""
        if secrets
        else b.missing(
            "email-secrets",
            "No secrets inventoried yet",
            "list each secret the code reads, by name, with where it is stored",
        ),
    )

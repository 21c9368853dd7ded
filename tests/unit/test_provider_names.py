"""Provider names compare as names: legal forms, trade words, case and punctuation aside."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from launch_tui.checks.audit.provider_names import normalized_provider, same_provider
from launch_tui.checks.domain import detected_registrar
from launch_tui.core.model import (
    CheckResult,
    Session,
    Severity,
    Sprint,
    Stack,
    StackItem,
    Status,
    Targets,
)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Namewise", "Namewise Registrar, Inc."),
        ("namewise", "NAMEWISE, INC"),
        ("Gandi", "Gandi SAS"),
        ("Tucows", "Tucows Domains Inc."),
        ("Cloudflare", "Cloudflare, Inc."),
    ],
)
def test_the_same_provider_in_other_words(a: str, b: str) -> None:
    assert same_provider(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [("Namewise", "GoDaddy.com, LLC"), ("Namecheap", "Namewise Registrar, Inc."), ("", "")],
)
def test_other_providers_differ(a: str, b: str) -> None:
    assert not same_provider(a, b)


def test_a_name_of_noise_words_only_is_kept() -> None:
    assert normalized_provider("Domains Inc.") == "domains inc"


def _session(declared: str) -> Session:
    return Session(
        sprint=Sprint("s", "Client", "", "eng", datetime(2026, 5, 4, tzinfo=UTC)),
        targets=Targets(apex="acme.test"),
        stack=Stack(registrar=StackItem(declared=declared)),
    )


def test_rdap_naming_the_declared_registrar_is_no_mismatch() -> None:
    result = CheckResult(
        "domain.expiry",
        "",
        Status.PASS,
        Severity.HIGH,
        "ok",
        {"registrar": "Namewise Registrar, Inc."},
    )
    same = detected_registrar(_session("Namewise"), result).stack.registrar
    assert not same.mismatch
    other = detected_registrar(_session("GoDaddy"), result).stack.registrar
    assert other.mismatch and other.detected == "Namewise Registrar, Inc."

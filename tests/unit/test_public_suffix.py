"""The full Public Suffix List (from the publicsuffixlist package), not a hand-picked subset."""

from __future__ import annotations

import re

import pytest

from launch_tui.net.public_suffix import list_version, public_suffix, registrable_domain


@pytest.mark.parametrize(
    ("host", "domain"),
    [
        ("shop.example.com.au", "example.com.au"),
        ("a.b.example.kawasaki.jp", "b.example.kawasaki.jp"),  # *.kawasaki.jp
        ("city.kawasaki.jp", "city.kawasaki.jp"),  # !city.kawasaki.jp
        ("my-app.vercel.app", "my-app.vercel.app"),  # private section
        ("x.my-site.pages.dev", "my-site.pages.dev"),
        ("www.example.ac.ke", "example.ac.ke"),  # absent from the old subset
        ("a.b.example.nom.br", "b.example.nom.br"),  # *.nom.br, absent from it too
        ("api.brightlane.test", "brightlane.test"),  # no rule: the last label
    ],
)
def test_rules_the_hand_written_subset_lacked(host: str, domain: str) -> None:
    assert registrable_domain(host) == domain


def test_the_list_is_dated() -> None:
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}_.+", list_version())
    assert public_suffix("example.co.uk") == "co.uk"

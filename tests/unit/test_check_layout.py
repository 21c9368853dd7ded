"""The check catalogue is laid out so a check is found from its id.

A check ``http.caching`` lives in the ``http`` family: ``launch_tui/checks/http.py`` or a module
of the ``launch_tui/checks/http/`` package. The engine and the parsers hold no check.
"""

from __future__ import annotations

import importlib

from launch_tui.checks import CHECK_MODULES, default_registry

PACKAGE = "launch_tui.checks"


def test_every_registered_check_lives_in_its_family() -> None:
    misplaced = []
    for definition in default_registry():
        family = definition.id.split(".", 1)[0]
        module = definition.func.__module__
        home = f"{PACKAGE}.{family}"
        if module != home and not module.startswith(home + "."):
            misplaced.append(f"{definition.id} is in {module}, not under {home}")
    assert misplaced == []


def test_catalogue_lists_only_family_modules() -> None:
    for name in CHECK_MODULES:
        family = name.removeprefix(PACKAGE + ".").split(".", 1)[0]
        assert family not in {"engine", "parse"}, name
        assert hasattr(importlib.import_module(name), "CHECKS"), name


def test_engine_and_parsers_register_no_check() -> None:
    registered = {d.func.__module__ for d in default_registry()}
    assert not [m for m in registered if m.startswith((f"{PACKAGE}.engine", f"{PACKAGE}.parse"))]

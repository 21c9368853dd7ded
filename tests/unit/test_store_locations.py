"""Where session files live."""

from __future__ import annotations

from pathlib import Path

import pytest

from launch_tui.core.errors import UsageError
from launch_tui.store import SESSIONS_ENV, session_path, sessions_dir, slugify


def _checkout(folder: Path, name: str = "launch-tui", sessions: bool = True) -> Path:
    (folder / "pyproject.toml").write_text(f'[project]\nname = "{name}"\n', "utf-8")
    if sessions:
        (folder / "sessions").mkdir()
    return folder


def test_explicit_option_wins(tmp_path: Path) -> None:
    cwd = _checkout(tmp_path)
    env = {SESSIONS_ENV: "/from/env", "XDG_DATA_HOME": "/xdg"}
    assert sessions_dir(Path("/explicit"), env, cwd) == Path("/explicit")
    assert sessions_dir(Path("rel"), env, cwd) == cwd / "rel"


def test_environment_variable_next(tmp_path: Path) -> None:
    cwd = _checkout(tmp_path)
    assert sessions_dir(None, {SESSIONS_ENV: "/from/env"}, cwd) == Path("/from/env")
    assert sessions_dir(None, {SESSIONS_ENV: "~/s", "HOME": "/home/u"}, cwd) == Path("/home/u/s")
    assert sessions_dir(None, {SESSIONS_ENV: "  "}, cwd) == cwd / "sessions"  # blank: unset


def test_checkout_sessions_folder_next(tmp_path: Path) -> None:
    assert sessions_dir(None, {}, _checkout(tmp_path)) == tmp_path / "sessions"


@pytest.mark.parametrize(("name", "sessions"), [("other-project", True), ("launch-tui", False)])
def test_not_a_checkout_falls_back_to_xdg(tmp_path: Path, name: str, sessions: bool) -> None:
    cwd = _checkout(tmp_path, name, sessions)
    env = {"XDG_DATA_HOME": "/xdg", "HOME": "/home/u"}
    assert sessions_dir(None, env, cwd) == Path("/xdg/launch-tui/sessions")


def test_xdg_default_and_relative_values(tmp_path: Path) -> None:
    home = {"HOME": "/home/u"}
    expected = Path("/home/u/.local/share/launch-tui/sessions")
    assert sessions_dir(None, home, tmp_path) == expected
    assert sessions_dir(None, {**home, "XDG_DATA_HOME": "relative"}, tmp_path) == expected


def test_broken_pyproject_is_not_a_checkout(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project\n", "utf-8")
    (tmp_path / "sessions").mkdir()
    assert sessions_dir(None, {"HOME": "/h"}, tmp_path) == Path(
        "/h/.local/share/launch-tui/sessions"
    )


def test_session_path() -> None:
    assert session_path(Path("/s"), "acme") == Path("/s/acme.toml")
    assert session_path(Path("/s"), "acme.toml") == Path("/s/acme.toml")
    assert session_path(Path("/s"), "acme-2026_v1.2") == Path("/s/acme-2026_v1.2.toml")


@pytest.mark.parametrize("bad", ["", "../x", "a/b", ".hidden", "with space", "x\n", "é"])
def test_session_path_refuses_names_that_are_not_plain(bad: str) -> None:
    with pytest.raises(UsageError, match="not a usable session name"):
        session_path(Path("/s"), bad)


@pytest.mark.parametrize(
    ("text", "slug"),
    [("Acme Corp (EU)", "acme-corp-eu"), ("Café Ünïcode", "cafe-unicode"), ("!!!", "session")],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug
    session_path(Path("/s"), slug)  # always usable

"""Where routes are monitored, the dry-run command and the last monitoring run, in session files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from launch_tui.core.model import RouteMonitor, Session, Sprint, Targets
from launch_tui.core.session_codec import CodecError, session_from_data, session_to_data
from launch_tui.store import create_session, load_session

AT = datetime(2025, 6, 1, 9, 30, tzinfo=UTC)


def session() -> Session:
    return Session(
        sprint=Sprint("acme", "Acme", "Portal", "dana", AT),
        targets=Targets(
            apex="acme.example",
            migration_dry_run="npx knex migrate:list",
            monitors=(
                RouteMonitor("home", "prometheus", "/srv/exports/prometheus", AT),
                RouteMonitor("login", "UptimeRobot", "https://stats.uptimerobot.com/abc"),
            ),
        ),
        monitoring={
            "interval_s": 5.0,
            "duration_s": 3600.0,
            "routes": [
                {"route": "home", "samples": 720, "p95_ms": 96.5, "hours": [[0, 720, 1, 402.5]]}
            ],
        },
    )


def test_round_trip_through_data_and_a_file(tmp_path: Path) -> None:
    original = session()
    assert session_from_data(session_to_data(original)) == original
    path = tmp_path / "acme.toml"
    create_session(path, original).close()
    text = path.read_text()
    assert "[[targets.monitors]]" in text and "[monitoring]" in text
    assert load_session(path) == original


def test_sessions_without_them_write_nothing_new() -> None:
    bare = Session(sprint=Sprint("a", "A", "", "", AT))
    data = session_to_data(bare)
    assert "monitoring" not in data
    assert "monitors" not in data["targets"] and "migration_dry_run" not in data["targets"]
    assert session_from_data(data) == bare


def test_a_monitor_without_its_route_is_refused() -> None:
    data = session_to_data(session())
    del data["targets"]["monitors"][1]["route"]
    with pytest.raises(CodecError) as caught:
        session_from_data(data)
    assert caught.value.key == "targets.monitors[1].route"


def test_an_open_session_saves_them_in_place(tmp_path: Path) -> None:
    from dataclasses import replace

    from launch_tui.store import open_session

    path = tmp_path / "acme.toml"
    bare = Session(sprint=Sprint("acme", "Acme", "Portal", "dana", AT))
    create_session(path, bare).close()
    full = session()
    with open_session(path) as handle:
        handle.save(replace(handle.session, targets=full.targets, monitoring=full.monitoring))
    loaded = load_session(path)
    assert loaded.targets.monitors == full.targets.monitors
    assert loaded.monitoring == full.monitoring

"""Schema version 2: check ownership, a host's origin IP and the sampler's settings.

A version-1 file kept a check's owner as the ``fix`` decision the app wrote when the check was
assigned; opening it reads the owner into ``[[owners]]`` and the next save writes version 2 in
place: hand formatting and comments survive, the app's decision goes, real decisions stay.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from launch_tui.core.errors import SessionValidationError
from launch_tui.core.model import SCHEMA_VERSION, CheckOwner, Host, HostRole, SamplingSettings
from launch_tui.store import load_session, open_session
from launch_tui.store.migrate import MIGRATIONS, migrate

V1_FILE = """\
# Acme, by hand
schema_version = 1

[sprint]
id = "acme"
client = "Acme"
started_at = 2026-05-04T08:30:00Z

[targets]
apex = "acme.example"

[[targets.hosts]]
name = "www.acme.example"
role = "www"

[[people]]
id = "priya"
name = "Priya"

[[people]]
id = "maya"
name = "Maya"

[[decisions]]
id = "D1"
stage = "delivery"
action = "fix"
text = "Owner makes 'Session cookie flags' on login hold."   # written by the app
check = "http.cookies"
target = "login"
owner = "priya"

[[decisions]]
id = "D2"
stage = "email-secrets"
action = "fix"
text = "Rotate the Stripe key and purge it from the history."
check = "secrets.repo"
owner = "maya"
due = 2026-05-06

[[decisions]]
id = "D3"
stage = "delivery"
action = "accept-risk"
text = "Renewal is booked"
check = "tls.certificate"
target = "www.acme.example"
owner = "priya"
"""


def test_a_version_1_file_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "acme.toml"
    path.write_text(V1_FILE, "utf-8")
    with open_session(path) as handle:
        assert handle.migrated_from == 1
        session = handle.session
        assert session.schema_version == SCHEMA_VERSION
        assert set(session.owners) == {
            CheckOwner("http.cookies", "login", "priya"),
            CheckOwner("secrets.repo", "", "maya"),
        }
        assert [d.id for d in session.decisions] == ["D2", "D3"]
        assert session.check_owner("secrets.repo", "any target") == "maya"
        assert session.check_owner("tls.certificate", "www.acme.example") == ""
        assert path.read_text("utf-8") == V1_FILE  # opening never writes
        handle.save(session)
    text = path.read_text("utf-8")
    assert f"schema_version = {SCHEMA_VERSION}\n" in text
    assert "# Acme, by hand" in text
    assert "Owner makes" not in text and 'id = "D1"' not in text
    assert 'text = "Rotate the Stripe key and purge it from the history."' in text
    assert "[[owners]]" in text
    reopened = load_session(path)
    assert reopened.owners == session.owners and reopened.decisions == session.decisions


def test_the_migration_works_on_plain_data_and_keeps_owners_already_there() -> None:
    data: dict[str, Any] = {
        "schema_version": 1,
        "decisions": [
            {"id": "D1", "action": "defer", "check": "perf.latency", "owner": "sam"},
            {
                "id": "D2",
                "action": "fix",
                "check": "perf.latency",
                "owner": "ana",
                "text": "Owner makes 'p95 latency' hold.",
            },
            {"id": "D3", "action": "fix", "check": "", "owner": "sam", "text": "stage-wide"},
        ],
    }
    assert migrate(data) == 1
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["owners"] == [{"check": "perf.latency", "target": "", "owner": "ana"}]
    assert [d["id"] for d in data["decisions"]] == ["D1", "D3"]
    kept = {
        "schema_version": 1,
        "owners": [{"check": "x", "owner": "y"}],
        "decisions": [
            {"id": "D1", "action": "fix", "check": "x", "owner": "z", "text": "real work"}
        ],
    }
    migrate(kept, migrations=MIGRATIONS)
    assert kept["owners"] == [{"check": "x", "owner": "y"}]


def test_origin_ip_and_sampling_are_read_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "v2.toml"
    path.write_text(
        V1_FILE.replace("schema_version = 1", f"schema_version = {SCHEMA_VERSION}").replace(
            'role = "www"', 'role = "www"\norigin_ip = "203.0.113.7"'
        )
        + "\n[sampling]\nrequests = 50\nconcurrency = 2\nduration_s = 4.5\n",
        "utf-8",
    )
    session = load_session(path)
    assert session.targets.hosts == (Host("www.acme.example", HostRole.WWW, "203.0.113.7"),)
    assert session.sampling == SamplingSettings(requests=50, concurrency=2, duration_s=4.5)
    path.write_text(path.read_text("utf-8").replace("concurrency = 2", "concurrency = 0"))
    with pytest.raises(SessionValidationError, match=r"sampling\.concurrency: expected 1 to 100"):
        load_session(path)

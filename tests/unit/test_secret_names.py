"""Secret names from code and templates, server-only names behind public prefixes, which
inventory name a finding belongs to, and how the secrets checks' results fold into a session."""

from __future__ import annotations

from datetime import UTC, date, datetime

from launch_tui.checks.secrets.names import (
    assigned_name,
    collect,
    exposed_server_name,
    is_template,
    looks_secret,
    names_in,
    wanted,
)
from launch_tui.checks.secrets.tasks import (
    decision_id,
    fold_inventory,
    fold_rotation,
    secret_name,
    sprint_due,
)
from launch_tui.core.model import (
    Action,
    CheckResult,
    Decision,
    Exposure,
    JSONValue,
    Secret,
    Session,
    Severity,
    Sprint,
    Status,
)


def names(path: str, text: str) -> list[str]:
    return [s.name for s in names_in(path, text)]


def test_templates_list_names_and_real_env_files_are_not_read() -> None:
    assert is_template(".env.example") and is_template("apps/web/.env.sample")
    assert is_template(".env.production.template")
    assert not is_template(".env") and not is_template(".env.local")
    text = "# comment\nDATABASE_URL=\nexport STRIPE_SECRET_KEY=sk_test_x\nnot a line\n"
    assert names(".env.example", text) == ["DATABASE_URL", "STRIPE_SECRET_KEY"]
    assert not wanted(".env") and wanted(".env.example")
    assert not wanted("node_modules/x/index.js") and wanted("src/pay.ts")


def test_code_that_reads_the_environment_names_it() -> None:
    js = (
        "const a = process.env.STRIPE_SECRET_KEY;\n"
        "const b = process.env['SUPABASE_SERVICE_ROLE_KEY'];\n"
        "const c = import.meta.env.VITE_API_URL;\n"
    )
    assert names("src/a.ts", js) == [
        "STRIPE_SECRET_KEY",
        "SUPABASE_SERVICE_ROLE_KEY",
        "VITE_API_URL",
    ]
    py = (
        'x = os.environ["DATABASE_URL"]\ny = os.getenv("SENTRY_DSN")\nz = os.environ.get("A_KEY")\n'
    )
    assert names("app/settings.py", py) == ["DATABASE_URL", "SENTRY_DSN", "A_KEY"]
    rb = 'ENV["RAILS_MASTER_KEY"]; ENV.fetch("REDIS_URL")\n'
    assert names("config/app.rb", rb) == ["RAILS_MASTER_KEY", "REDIS_URL"]
    php = "env('APP_KEY'); getenv('MAIL_PASSWORD');\n"
    assert names("config/app.php", php) == ["APP_KEY", "MAIL_PASSWORD"]
    # A lower-case name or a method on something else is not an environment read.
    assert names("a.js", "process.env.path; myenv('X_KEY'); obj.env('Y_KEY')") == []


def test_next_config_env_block_keys_are_names() -> None:
    text = "module.exports = {\n  env: {\n    DATABASE_URL: process.env.DATABASE_URL,\n  },\n};\n"
    found = names_in("next.config.js", text)
    assert ("DATABASE_URL", 3) in [(s.name, s.line) for s in found]
    assert collect(found) == {"DATABASE_URL": ["next.config.js:3"]}


def test_server_only_names_behind_public_prefixes() -> None:
    for name in (
        "NEXT_PUBLIC_SUPABASE_SERVICE_ROLE_KEY",
        "VITE_STRIPE_SECRET_KEY",
        "REACT_APP_DATABASE_URL",
        "NEXT_PUBLIC_PRIVATE_KEY",
    ):
        assert exposed_server_name(name), name
    for name in ("NEXT_PUBLIC_SUPABASE_ANON_KEY", "VITE_API_URL", "STRIPE_SECRET_KEY"):
        assert not exposed_server_name(name), name
    assert looks_secret("SENTRY_DSN") and looks_secret("AWS_ACCESS_KEY_ID")
    assert not looks_secret("NEXTAUTH_URL") and not looks_secret("S3_BUCKET")


def test_the_name_a_value_is_assigned_to_is_read_before_the_value() -> None:
    line = "const STRIPE_SECRET_KEY = 'sk_live_abc';"
    assert assigned_name(line, line.index("sk_") + 1) == "STRIPE_SECRET_KEY"
    bundle = 'o={apiBase:"x",DATABASE_URL:"postgres://u:p@h/db"}'
    assert assigned_name(bundle, bundle.index("postgres") + 1) == "DATABASE_URL"
    assert assigned_name("  accessKeyId: 'AKIA...'", 16) == "accessKeyId"
    assert assigned_name("echo abc", 6) == ""


def test_a_finding_maps_to_the_inventory_name() -> None:
    known = ["DATABASE_URL", "STRIPE_SECRET_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]
    assert secret_name("stripe-access-token", "STRIPE_SECRET_KEY", known) == "STRIPE_SECRET_KEY"
    assert secret_name("aws-access-token", "accessKeyId", known) == "AWS_ACCESS_KEY_ID"
    assert secret_name("aws-secret-access-key", "secretAccessKey", known) == (
        "AWS_SECRET_ACCESS_KEY"
    )
    assert secret_name("stripe-access-token", "", known) == "STRIPE_SECRET_KEY"
    assert secret_name("github-pat", "token", known) == "GITHUB_PAT"


def _session(**kw: object) -> Session:
    sprint = Sprint("s", "c", "p", "sam", datetime(2026, 3, 2, 9, tzinfo=UTC), deadline_hours=48)
    return Session(sprint=sprint, **kw)  # type: ignore[arg-type]


def _result(check: str, evidence: dict[str, JSONValue]) -> CheckResult:
    return CheckResult(
        check, "", Status.FAIL, Severity.CRITICAL, "x", evidence, datetime(2026, 3, 2, tzinfo=UTC)
    )


def _task(name: str, rotated: bool = False) -> dict[str, JSONValue]:
    return {
        "name": name,
        "leaked_in": ["config/pay.js:6@abc"],
        "owner": "priya",
        "due": "2026-03-04",
        "rotated": rotated,
        "decision": decision_id(name),
    }


def test_rotation_tasks_become_fix_decisions_once() -> None:
    session = _session(secrets=(Secret("STRIPE_SECRET_KEY", owner="priya"),))
    result = _result("secrets.rotation", {"tasks": [_task("STRIPE_SECRET_KEY"), _task("GH_PAT")]})
    once = fold_rotation(session, result)
    assert [d.id for d in once.decisions] == ["rotate-stripe-secret-key", "rotate-gh-pat"]
    task = once.decisions[0]
    assert task.action is Action.FIX and task.owner == "priya" and task.due == date(2026, 3, 4)
    assert task.check_id == "secrets.rotation" and "config/pay.js:6@abc" in task.text
    assert {s.name: s.exposure for s in once.secrets} == {
        "STRIPE_SECRET_KEY": Exposure.LEAKED,
        "GH_PAT": Exposure.LEAKED,
    }
    # The engineer reassigns the task; a second run keeps the edit instead of adding another.
    edited = Decision("rotate-gh-pat", "email-secrets", Action.FIX, "mine", owner="maya")
    twice = fold_rotation(once.__class__(**{**once.__dict__, "decisions": (edited,)}), result)
    assert [d.owner for d in twice.decisions if d.id == "rotate-gh-pat"] == ["maya"]


def test_a_rotated_secret_stays_rotated_and_gets_no_task() -> None:
    session = _session(secrets=(Secret("STRIPE_SECRET_KEY", exposure=Exposure.ROTATED),))
    result = _result("secrets.rotation", {"tasks": [_task("STRIPE_SECRET_KEY", rotated=True)]})
    folded = fold_rotation(session, result)
    assert folded.decisions == ()
    assert folded.secrets[0].exposure is Exposure.ROTATED
    assert folded.secrets[0].found_in == ("config/pay.js:6@abc",)


def test_discovered_names_become_entries_to_complete() -> None:
    session = _session(secrets=(Secret("DATABASE_URL", stored_in="Vercel", owner="priya"),))
    result = _result(
        "secrets.inventory",
        {
            "names": [
                {"name": "DATABASE_URL", "found_in": [".env.example:2"]},
                {"name": "SENTRY_DSN", "found_in": ["sentry.js:1", ".env.example:9"]},
            ]
        },
    )
    folded = fold_inventory(session, result)
    assert [(s.name, s.stored_in, s.found_in) for s in folded.secrets] == [
        ("DATABASE_URL", "Vercel", (".env.example:2",)),
        ("SENTRY_DSN", "", ("sentry.js:1", ".env.example:9")),
    ]


def test_rotation_is_due_at_the_end_of_the_sprint() -> None:
    session = _session()
    assert sprint_due(session, date(2026, 3, 3)) == date(2026, 3, 4)
    assert sprint_due(session, date(2026, 3, 9)) == date(2026, 3, 10)

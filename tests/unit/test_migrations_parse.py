"""Migrations per framework: detected, down steps found or missed, destructive forward steps."""

from __future__ import annotations

from pathlib import Path

from launch_tui.checks.parse.migrations import Framework, classify, judge, newest

PATHS = [
    "alembic/versions/1a2b_add_users.py",
    "alembic/versions/__init__.py",
    "shop/migrations/0001_initial.py",
    "prisma/migrations/20250101_init/migration.sql",
    "prisma/migrations/20250102_drop/migration.sql",
    "prisma/migrations/20250102_drop/down.sql",
    "db/migrate/20250101000000_create_users.rb",
    "migrations/20250101_create.js",
    "drizzle/0000_init.sql",
    "db/migration/V1__init.sql",
    "db/migration/V2__drop.sql",
    "db/migration/U1__init.sql",
    "node_modules/x/migrations/1.js",
    "src/app.js",
]


def test_frameworks_are_told_apart_by_layout() -> None:
    found = classify(PATHS)
    assert {fw: len(v) for fw, v in found.items()} == {
        Framework.ALEMBIC: 1,
        Framework.DJANGO: 1,
        Framework.PRISMA: 2,
        Framework.RAILS: 1,
        Framework.KNEX: 1,
        Framework.DRIZZLE: 1,
        Framework.FLYWAY: 2,
    }


def test_down_steps_per_framework() -> None:
    siblings = frozenset(PATHS)
    knex_up_only = (
        "exports.up = async (knex) => "
        "{ await knex.schema.alterTable('q', t => t.dropColumn('x')) };"
    )
    knex = judge(Framework.KNEX, "migrations/1.js", knex_up_only, siblings)
    assert (knex.has_down, knex.destructive) == (False, ("dropColumn('x')",))
    both = (
        knex_up_only.replace(".dropColumn('x')", ".integer('x')")
        + "\nexports.down = async (knex) => { await knex.schema.dropTable('q') };"
    )
    knex_both = judge(Framework.KNEX, "migrations/1.js", both, siblings)
    assert (knex_both.has_down, knex_both.destructive) == (True, ()), "a drop in down is fine"
    alembic = "def upgrade():\n    op.drop_column('users', 'age')\n\n\ndef downgrade():\n    pass\n"
    judged = judge(Framework.ALEMBIC, "a/versions/1.py", alembic, siblings)
    assert (judged.has_down, judged.destructive) == (False, ("op.drop_column('users', 'age')",))
    django = "operations = [migrations.RunPython(forwards), migrations.RemoveField('m', 'f')]"
    assert not judge(Framework.DJANGO, "a/migrations/0002_x.py", django, siblings).has_down
    rails = (
        "class X < ActiveRecord::Migration[7.1]\n"
        "  def up\n    remove_column :users, :age\n  end\nend\n"
    )
    assert not judge(Framework.RAILS, "db/migrate/1_x.rb", rails, siblings).has_down
    assert judge(
        Framework.PRISMA, "prisma/migrations/20250102_drop/migration.sql", "DROP TABLE x;", siblings
    ).has_down
    assert not judge(
        Framework.PRISMA, "prisma/migrations/20250101_init/migration.sql", "", siblings
    ).has_down
    assert judge(Framework.FLYWAY, "db/migration/V1__init.sql", "", siblings).has_down
    flyway = judge(
        Framework.FLYWAY,
        "db/migration/V2__drop.sql",
        "ALTER TABLE users DROP COLUMN age;",
        siblings,
    )
    assert (flyway.has_down, flyway.destructive) == (False, ("ALTER TABLE users DROP COLUMN age",))
    assert not judge(Framework.DRIZZLE, "drizzle/0000_init.sql", "", siblings).has_down


def test_newest_follows_timestamps_and_flyway_versions() -> None:
    siblings = frozenset(PATHS)
    items = [
        judge(Framework.FLYWAY, p, "", siblings)
        for p in ("db/migration/V10__b.sql", "db/migration/V9__a.sql", "db/migration/V2_1__c.sql")
    ]
    last = newest(items)
    assert last is not None and last.path == "db/migration/V10__b.sql"


def test_a_folder_with_thousands_of_migrations_is_read_up_to_the_cap(tmp_path: Path) -> None:
    from launch_tui.checks.deploy.migrations import MAX_FILES, read_migrations

    folder = tmp_path / "migrations"
    folder.mkdir()
    for i in range(MAX_FILES + 500):
        (folder / f"{i:06d}_step.js").write_text(
            "exports.up = async () => {};\nexports.down = async () => {};\n"
        )
    (folder / f"{MAX_FILES + 500:06d}_drop.js").write_text(
        "exports.up = async (k) => { await k.schema.dropTable('x') };\n"
    )
    judged, skipped = read_migrations(tmp_path, 10)
    knex = judged[Framework.KNEX]
    assert len(knex) == MAX_FILES and skipped == 501
    last = newest(knex)
    assert last is not None and last.path.endswith("_drop.js") and not last.has_down

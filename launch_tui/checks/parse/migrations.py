"""Schema migrations in a repository: which framework, which have a way back, which destroy data.

Pure functions over file names and texts; :mod:`launch_tui.checks.deploy.migrations` reads the
files. Per framework, what counts as a down step and where migrations live:

==========  ===============================================  =====================================
framework   migrations                                       down step
==========  ===============================================  =====================================
Alembic     ``*/versions/*.py`` with ``def upgrade``         ``def downgrade`` that does something
Django      ``*/migrations/NNNN_*.py``                       every ``RunPython``/``RunSQL`` has a
                                                             reverse (other operations reverse)
Prisma      ``prisma/migrations/*/migration.sql``            a ``down.sql`` beside it (Prisma
                                                             writes none by default)
Rails       ``db/migrate/*.rb``                              ``def change`` or ``def down``
Knex        ``migrations/*.{js,ts,cjs,mjs}`` with ``up``     ``exports.down``/``function down``
Drizzle     ``drizzle/*.sql`` (+ ``meta/_journal.json``)     none: Drizzle has no down migrations
Flyway      ``**/V<ver>__*.sql``                             ``U<ver>__*.sql`` (undo migration)
==========  ===============================================  =====================================

Destructive means the *forward* step drops a table or a column (``DROP TABLE``, ``dropColumn``,
``remove_column``, ``op.drop_table``, ``RemoveField``...): data that a rollback cannot bring back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Framework(StrEnum):
    ALEMBIC = "alembic"
    DJANGO = "django"
    PRISMA = "prisma"
    RAILS = "rails"
    KNEX = "knex"
    DRIZZLE = "drizzle"
    FLYWAY = "flyway"


@dataclass(frozen=True)
class Migration:
    """One migration file and what its text says."""

    framework: Framework
    path: str
    """Relative to the repository root."""
    has_down: bool
    destructive: tuple[str, ...]
    """The drop statements of the forward step (``dropColumn('quote_count')``), at most 5."""


_SQL_DROP = re.compile(
    r"\b(DROP\s+TABLE(?:\s+IF\s+EXISTS)?\s+[\w.\"`]+|ALTER\s+TABLE\s+[\w.\"`]+\s+DROP\s+(?:COLUMN\s+)?[\w\"`]+)",
    re.IGNORECASE,
)
_JS_DROP = re.compile(r"\.(dropTable(?:IfExists)?|dropColumns?)\(\s*[^)]{0,80}\)")
_PY_DROP = re.compile(r"\bop\.(drop_table|drop_column)\([^)]{0,80}\)")
_DJANGO_DROP = re.compile(r"\bmigrations\.(RemoveField|DeleteModel)\(")
_RAILS_DROP = re.compile(r"\b(drop_table|remove_column|remove_columns)\b[^\n]{0,80}")
_KNEX_DOWN = re.compile(
    r"exports\.down\s*=|export\s+(?:async\s+)?function\s+down\b|export\s+const\s+down\b|\bdown\s*:"
)
_KNEX_UP = re.compile(
    r"exports\.up\s*=|export\s+(?:async\s+)?function\s+up\b|export\s+const\s+up\b|\bup\s*:"
)
_ALEMBIC_DOWN = re.compile(r"^def downgrade\(\)[^:]*:\s*\n((?:[ \t]+.*\n?|\s*\n)*)", re.MULTILINE)
_RUN_PYTHON = re.compile(r"migrations\.RunPython\(([^()]|\([^()]*\))*\)", re.DOTALL)
_RUN_SQL = re.compile(r"migrations\.RunSQL\(([^()]|\([^()]*\))*\)", re.DOTALL)
_FLYWAY = re.compile(r"(?:^|/)([VU])(\d+(?:[._]\d+)*)__[^/]*\.sql$")
_DJANGO_FILE = re.compile(r"(?:^|/)migrations/\d{4}_[^/]*\.py$")
_KNEX_FILE = re.compile(r"(?:^|/)migrations/[^/]+\.(?:js|ts|cjs|mjs)$")


def classify(paths: list[str]) -> dict[Framework, list[str]]:
    """Migration files per framework, from the repository's file list (``/`` separators)."""
    found: dict[Framework, list[str]] = {}

    def add(framework: Framework, path: str) -> None:
        found.setdefault(framework, []).append(path)

    for path in paths:
        if "node_modules/" in path or path.startswith("."):
            continue
        if re.search(r"(?:^|/)versions/[^/]+\.py$", path) and "__init__" not in path:
            add(Framework.ALEMBIC, path)
        elif _DJANGO_FILE.search(path):
            add(Framework.DJANGO, path)
        elif re.search(r"(?:^|/)prisma/migrations/[^/]+/migration\.sql$", path):
            add(Framework.PRISMA, path)
        elif re.search(r"(?:^|/)db/migrate/[^/]+\.rb$", path):
            add(Framework.RAILS, path)
        elif re.search(r"(?:^|/)drizzle/[^/]+\.sql$", path):
            add(Framework.DRIZZLE, path)
        elif _FLYWAY.search(path) and path.rsplit("/", 1)[-1].startswith("V"):
            add(Framework.FLYWAY, path)
        elif _KNEX_FILE.search(path):
            add(Framework.KNEX, path)
    for paths_of in found.values():
        paths_of.sort()
    return found


def judge(framework: Framework, path: str, text: str, siblings: frozenset[str]) -> Migration:
    """What one migration's text says; ``siblings`` is the set of every repo path (for the
    Prisma ``down.sql`` and Flyway undo files)."""
    has_down: bool
    forward = text
    if framework is Framework.KNEX:
        down = _KNEX_DOWN.search(text)
        has_down = down is not None
        if down is not None and _KNEX_UP.search(text[: down.start()]):
            forward = text[: down.start()]
        drops = [m.group(0).lstrip(".") for m in _JS_DROP.finditer(forward)]
    elif framework is Framework.ALEMBIC:
        match = _ALEMBIC_DOWN.search(text)
        body = match.group(1) if match else ""
        statements = [
            line.strip()
            for line in body.splitlines()
            if line.strip() and not line.strip().startswith(("#", '"""', "'''"))
        ]
        has_down = any(s not in ("pass", "...") for s in statements)
        forward = text[: match.start()] if match else text
        drops = [m.group(0) for m in _PY_DROP.finditer(forward)]
    elif framework is Framework.DJANGO:
        irreversible = [
            m.group(0) for m in _RUN_PYTHON.finditer(text) if "reverse_code" not in m.group(0)
        ]
        irreversible += [
            m.group(0) for m in _RUN_SQL.finditer(text) if "reverse_sql" not in m.group(0)
        ]
        has_down = not irreversible
        drops = [f"{m.group(1)}(...)" for m in _DJANGO_DROP.finditer(text)]
    elif framework is Framework.RAILS:
        has_down = bool(re.search(r"^\s*def (change|down)\b", text, re.MULTILINE))
        down = re.search(r"^\s*def down\b", text, re.MULTILINE)
        forward = text[: down.start()] if down else text
        drops = [m.group(0).strip() for m in _RAILS_DROP.finditer(forward)]
    elif framework is Framework.PRISMA:
        has_down = path.rsplit("/", 1)[0] + "/down.sql" in siblings
        drops = [m.group(0) for m in _SQL_DROP.finditer(text)]
    elif framework is Framework.DRIZZLE:
        has_down = False
        drops = [m.group(0) for m in _SQL_DROP.finditer(text)]
    else:
        match = _FLYWAY.search(path)
        version = match.group(2) if match else ""
        folder = path.rsplit("/", 1)[0] + "/" if "/" in path else ""
        has_down = any(
            p.startswith(f"{folder}U{version}__") and p.endswith(".sql") for p in siblings
        )
        drops = [m.group(0) for m in _SQL_DROP.finditer(text)]
    return Migration(framework, path, has_down, tuple(" ".join(d.split()) for d in drops[:5]))


def newest(migrations: list[Migration]) -> Migration | None:
    """The newest migration: the last in name order (every framework names them by time or
    sequence number)."""
    return max(migrations, key=lambda m: _sort_key(m.path)) if migrations else None


def _sort_key(path: str) -> tuple[str, str]:
    name = path.rsplit("/", 1)[-1]
    if name == "migration.sql":  # prisma: the folder carries the timestamp
        name = path.rsplit("/", 2)[-2]
    match = _FLYWAY.search(path)
    if match:
        parts = re.split(r"[._]", match.group(2))
        return ("".join(p.zfill(8) for p in parts), path)
    return (name, path)


def summary_counts(migrations: Mapping[Framework, list[Migration]]) -> dict[str, int]:
    """Migration count per framework, for evidence."""
    return {fw.value: len(items) for fw, items in migrations.items()}

"""Env var names per environment from config files: names only, never values."""

from __future__ import annotations

from launch_tui.checks.parse.env_names import (
    ALL,
    PRODUCTION,
    STAGING,
    TEMPLATE,
    by_environment,
    name_differences,
    read_config,
)

RENDER = """\
services:
  - type: web
    name: brightlane-api
    envVars:
      - key: DATABASE_URL
        fromDatabase:
          name: main-db
          property: connectionString
      - key: STRIPE_SECRET_KEY
        sync: false
  - type: web
    name: brightlane-api-staging
    envVars:
      - key: DATABASE_URL
        value: postgres://u:sekrit@db/staging
      - key: DEBUG
        value: "1"
"""

COMPOSE = """\
services:
  app:
    image: app
    environment:
      - NODE_ENV=production
      - "SENTRY_DSN=https://k@o/1"
  worker:
    environment:
      REDIS_URL: redis://r
"""


def test_each_format_gives_names_and_the_environment_it_speaks_for() -> None:
    assert read_config(".env.production", "A=1\nexport B=two\n# C=3\n")[0].names == ("A", "B")
    assert read_config(".env.staging.example", "A=\n")[0].environment == STAGING
    assert read_config(".env.example", "A=\n")[0].environment == TEMPLATE
    assert read_config(".env.prod.local", "A=\n")[0].environment == PRODUCTION
    vercel = read_config("vercel.json", '{"env": {"X": "1"}, "build": {"env": {"Y": "2"}}}')
    assert (vercel[0].environment, vercel[0].names) == (ALL, ("X", "Y"))
    fly = read_config("fly.staging.toml", 'app = "x"\n[env]\nPORT = "8080"\nLOG = "debug"\n')
    assert (fly[0].environment, fly[0].names) == (STAGING, ("PORT", "LOG"))
    compose = read_config("docker-compose.prod.yml", COMPOSE)[0]
    assert (compose.environment, compose.names) == (
        PRODUCTION,
        ("NODE_ENV", "SENTRY_DSN", "REDIS_URL"),
    )
    render = {e.file: (e.environment, e.names) for e in read_config("render.yaml", RENDER)}
    assert render == {
        "render.yaml (brightlane-api)": (PRODUCTION, ("DATABASE_URL", "STRIPE_SECRET_KEY")),
        "render.yaml (brightlane-api-staging)": (STAGING, ("DATABASE_URL", "DEBUG")),
    }


def test_values_never_come_back() -> None:
    found = read_config("render.yaml", RENDER) + read_config(".env.production", "K=sekrit\n")
    assert "sekrit" not in repr(found) and "postgres" not in repr(found)


def test_differences_need_both_environments_and_count_shared_names() -> None:
    found = read_config("render.yaml", RENDER) + read_config("vercel.json", '{"env": {"S": "1"}}')
    assert name_differences(by_environment(found)) == (("DEBUG",), ("STRIPE_SECRET_KEY",))
    template = read_config(".env.example", "STRIPE_SECRET_KEY=\n")
    assert name_differences(by_environment(found + template)) == (
        ("DEBUG",),
        ("STRIPE_SECRET_KEY",),
    )
    assert name_differences(by_environment(read_config(".env.example", "A=\n"))) is None


def test_broken_files_give_no_names() -> None:
    assert read_config("vercel.json", "{not json")[0].names == ()
    assert read_config("fly.toml", "[env\n")[0].names == ()
    assert read_config("README.md", "A=1") == []

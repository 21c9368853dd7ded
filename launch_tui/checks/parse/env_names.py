"""Environment variable NAMES each environment defines, read from a repository's config files.

Values are never kept: each reader returns names only. Files and the environment they speak for:

=====================================  =============================================
file                                   environment
=====================================  =============================================
``.env.production``, ``.env.prod``,    production (``.example``/``.template``/``.sample``
``.env.staging``, ``.env.preview``...  suffixes allowed); ``.env``/``.env.example``: template
``vercel.json`` (``env``, ``build.env``) all (Vercel sets per-environment values in its UI)
``render.yaml`` (``envVars[].key``)    the service's: staging when its name says so
``fly.toml``, ``fly.<env>.toml``       production, or ``<env>`` (``[env]`` keys)
``docker-compose*.yml``, ``compose*``  from the file name (``.prod``, ``.staging``), else all
=====================================  =============================================

"all" names are defined the same for every environment; only names tied to one environment can
differ between staging and production. A "template" (``.env.example``) lists what the app reads,
not what an environment defines: it is reported, not compared. YAML is read line by line (no
YAML library at runtime): enough for the flat shapes these files use; a name we cannot read is not
invented.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from launch_tui.core import toml_read

ALL = "all"
TEMPLATE = "template"
PRODUCTION = "production"
STAGING = "staging"
OTHER = "other"

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
_ENV_ALIASES = {
    "production": PRODUCTION,
    "prod": PRODUCTION,
    "live": PRODUCTION,
    "staging": STAGING,
    "stage": STAGING,
    "preview": STAGING,
    "uat": STAGING,
}
_TEMPLATE_SUFFIXES = ("example", "template", "sample", "dist")
_DOTENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=")

#: File names (at the repository root) this module reads.
CONFIG_GLOBS: tuple[str, ...] = (
    ".env",
    ".env.*",
    "vercel.json",
    "render.yaml",
    "fly.toml",
    "fly.*.toml",
    "docker-compose*.yml",
    "docker-compose*.yaml",
    "compose*.yml",
    "compose*.yaml",
)


@dataclass(frozen=True)
class EnvNames:
    """Names one file defines for one environment."""

    file: str
    environment: str
    """``production``, ``staging``, ``all`` or ``other`` (development, test...)."""
    names: tuple[str, ...]


def environment_of(word: str) -> str:
    """``production``/``staging`` for a word naming one (``prod``, ``preview``...), else other."""
    return _ENV_ALIASES.get(word.lower(), OTHER)


def read_config(path: str, text: str) -> list[EnvNames]:
    """The names ``path`` (a file name relative to the repo) defines, per environment."""
    name = path.rsplit("/", 1)[-1]
    if name == ".env" or name.startswith(".env."):
        return [EnvNames(path, _dotenv_environment(name), _dotenv_names(text))]
    if name == "vercel.json":
        return [EnvNames(path, ALL, _vercel_names(text))]
    if name == "render.yaml":
        return _render_names(path, text)
    if name.startswith("fly.") and name.endswith(".toml"):
        middle = name[4:-5]
        env = PRODUCTION if not middle else environment_of(middle)
        return [EnvNames(path, env, _fly_names(text))]
    if name.startswith(("docker-compose", "compose")) and name.endswith((".yml", ".yaml")):
        words = re.split(r"[.\-_]", name.rsplit(".", 1)[0])
        envs = {environment_of(w) for w in words} - {OTHER}
        env = envs.pop() if len(envs) == 1 else ALL
        return [EnvNames(path, env, _compose_names(text))]
    return []


def by_environment(found: Iterable[EnvNames]) -> dict[str, dict[str, tuple[str, ...]]]:
    """``{environment: {name: files defining it}}`` over every file read."""
    out: dict[str, dict[str, list[str]]] = {}
    for entry in found:
        for name in entry.names:
            out.setdefault(entry.environment, {}).setdefault(name, []).append(entry.file)
    return {
        env: {n: tuple(files) for n, files in sorted(names.items())} for env, names in out.items()
    }


def name_differences(
    envs: Mapping[str, Mapping[str, tuple[str, ...]]],
) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """Names only staging defines, and names only production defines; ``None`` when the repo
    does not tie names to both environments (nothing to compare)."""
    if STAGING not in envs or PRODUCTION not in envs:
        return None
    shared = set(envs.get(ALL, {}))
    staging = set(envs[STAGING]) | shared
    production = set(envs[PRODUCTION]) | shared
    return tuple(sorted(staging - production)), tuple(sorted(production - staging))


def _dotenv_environment(name: str) -> str:
    parts = [p for p in name.split(".")[2:] if p.lower() not in _TEMPLATE_SUFFIXES]
    if not parts:
        return TEMPLATE
    if parts[-1].lower() == "local":
        parts = parts[:-1]
    return environment_of(parts[0]) if parts else OTHER


def _dotenv_names(text: str) -> tuple[str, ...]:
    names = []
    for line in text.splitlines():
        match = _DOTENV_LINE.match(line)
        if match:
            names.append(match.group(1))
    return _unique(names)


def _vercel_names(text: str) -> tuple[str, ...]:
    import json

    try:
        data = json.loads(text)
    except ValueError:
        return ()
    if not isinstance(data, dict):
        return ()
    names: list[str] = []
    for table in (
        data.get("env"),
        (data.get("build") or {}).get("env") if isinstance(data.get("build"), dict) else None,
    ):
        if isinstance(table, dict):
            names.extend(str(k) for k in table)
    return _unique(names)


def _fly_names(text: str) -> tuple[str, ...]:
    try:
        data = toml_read.loads(text)
    except toml_read.TOMLDecodeError:
        return ()
    env = data.get("env")
    return _unique(str(k) for k in env) if isinstance(env, dict) else ()


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _render_names(path: str, text: str) -> list[EnvNames]:
    """``envVars`` keys per service of a Render blueprint."""
    found: dict[str, list[str]] = {}
    service = ""
    service_indent = -1
    in_vars = -1
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        indent = _indent(raw)
        line = raw.strip()
        if in_vars >= 0 and indent <= in_vars and not line.startswith("- "):
            in_vars = -1
        item = line[2:].strip() if line.startswith("- ") else line
        if item.startswith("name:") and (service_indent < 0 or indent <= service_indent):
            service = item[5:].strip().strip("'\"")
            service_indent = indent
            continue
        if item.startswith("envVars:"):
            in_vars = indent
            continue
        if in_vars >= 0 and item.startswith("key:"):
            key = item[4:].strip().strip("'\"")
            if _NAME.match(key):
                found.setdefault(service, []).append(key)
    out = []
    for service_name, names in found.items():
        words = re.split(r"[.\-_ ]", service_name)
        envs = {environment_of(w) for w in words} - {OTHER}
        env = envs.pop() if len(envs) == 1 else PRODUCTION
        label = f"{path} ({service_name})" if service_name else path
        out.append(EnvNames(label, env, _unique(names)))
    return out


def _compose_names(text: str) -> tuple[str, ...]:
    """Keys under every ``environment:`` block (mapping or ``- KEY=value`` list)."""
    names: list[str] = []
    block = -1
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        indent = _indent(raw)
        line = raw.strip()
        if block >= 0 and indent <= block:
            block = -1
        if line.startswith("environment:"):
            block = indent
            continue
        if block < 0:
            continue
        entry = line[2:].strip() if line.startswith("- ") else line
        key = re.split(r"[=:]", entry, maxsplit=1)[0].strip().strip("'\"")
        if _NAME.match(key):
            names.append(key)
    return _unique(names)


def _unique(names: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for name in names:
        if _NAME.match(name):
            seen.setdefault(name, None)
    return tuple(seen)

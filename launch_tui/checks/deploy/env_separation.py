"""``deploy.env_separation``: is production kept apart from development and staging?

The minimum bar's environments item ("production deployment separated from local dev with
environment variables per environment"), measured from what the session and the repository show:

================================================================  ======  =====================
what is found                                                     status  finding key
================================================================  ======  =====================
a staging host that is also a production host (or the staging     fail    ``host:<name>``
URL on the production site)
a production value pointing at a local or a dev/staging/test      fail    ``points:<NAME>``
host (``DATABASE_URL=postgres://localhost/...`` in
``.env.production``), or a test-mode API key (``sk_test_``)
a production value equal to the development or staging value of   fail    ``shared:<NAME>``
the same name (a shared database URL, key or bucket)
a production variable whose name says dev, staging or test        warn    ``name:<NAME>``
(``STAGING_DATABASE_URL``)
no configuration of production's own in the repository (its       warn    ``unseen``
names may live in the platform's dashboard: not measured)
================================================================  ======  =====================

Names come from the same files ``deploy.env_diff`` reads (:mod:`..parse.env_names`). Values are
read only from ``.env.<environment>`` files (not templates), only in memory, and only to classify
a URL's host or compare two values by digest: no value, digest or host from a value is kept in
the result, which names variables, files and environments. No staging host and no configuration
in the repository: skipped (nothing to measure).
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from launch_tui.checks.deploy.env_diff import read_env_names
from launch_tui.checks.engine.context import CheckContext
from launch_tui.checks.engine.fetching import host_of
from launch_tui.checks.engine.registry import Registry
from launch_tui.checks.parse.env_names import (
    PRODUCTION,
    STAGING,
    TEMPLATE,
    EnvNames,
    by_environment,
    environment_of,
)
from launch_tui.core.model import CheckResult, HostRole, JSONValue, Session, Severity, Status
from launch_tui.core.playbook import AppliesTo
from launch_tui.core.sanitize import clean

CHECKS = Registry()

_MAX_DOTENV_BYTES = 256 * 1024
_DOTENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")
_TEMPLATE_SUFFIXES = frozenset({"example", "template", "sample", "dist"})
#: Words in a host label or a variable name that say "not production".
_NOT_PRODUCTION = frozenset(
    {"dev", "develop", "development", "local", "staging", "stage", "test", "testing", "sandbox"}
)
_LOCAL_HOSTS = frozenset({"localhost", "host.docker.internal", "0.0.0.0"})  # noqa: S104
#: Names whose value is a resource (a database, a key, a bucket): a shared value is a shared
#: resource. Flags, modes and ports are left alone.
_RESOURCE_WORDS = frozenset(
    {"url", "uri", "dsn", "host", "key", "secret", "token", "password", "bucket", "database"}
)
_TEST_KEY_PREFIXES = ("sk_test_", "pk_test_", "rk_test_")


@dataclass(frozen=True)
class EnvValues:
    """One ``.env.<environment>`` file's variables, held only while the check runs."""

    file: str
    environment: str
    values: dict[str, str]


@dataclass(frozen=True)
class Finding:
    key: str
    """Stable: ``host:<name>``, ``points:<NAME>``, ``shared:<NAME>``, ``name:<NAME>``,
    ``unseen``."""
    problem: str
    """One line, names only."""
    blocks: bool
    """A failure (production is not apart); else a warning."""

    def as_evidence(self) -> dict[str, JSONValue]:
        return {
            "key": clean(self.key, max_len=200),
            "problem": clean(self.problem, max_len=300),
            "blocks": self.blocks,
        }


@dataclass(frozen=True)
class HostSplit:
    staging: tuple[str, ...]
    production: tuple[str, ...]


def host_split(session: Session) -> HostSplit:
    """Staging hosts (role staging, the staging URL's host) and every other host the session
    names (hosts, the canonical URL's, the routes' outside staging)."""
    targets = session.targets
    staging = [h.name.lower() for h in targets.hosts if h.role is HostRole.STAGING]
    if targets.staging_url and host_of(targets.staging_url):
        staging.append(host_of(targets.staging_url).lower())
    declared_staging = {h.name.lower() for h in targets.hosts if h.role is HostRole.STAGING}
    production = [h.name.lower() for h in targets.hosts if h.role is not HostRole.STAGING]
    if targets.canonical_url and host_of(targets.canonical_url):
        production.append(host_of(targets.canonical_url).lower())
    for route in targets.routes:
        host = host_of(route.url).lower()
        if host and host not in declared_staging and host not in staging:
            production.append(host)
    return HostSplit(tuple(dict.fromkeys(staging)), tuple(dict.fromkeys(production)))


def dotenv_environment(name: str) -> str | None:
    """The environment a ``.env.<env>[.local]`` file sets; ``None`` for templates and ``.env``."""
    parts = [p for p in name.split(".")[2:] if p and p.lower() not in _TEMPLATE_SUFFIXES]
    if len(parts) != len(name.split(".")[2:]) or not parts:
        return None
    return environment_of(parts[0]) if parts[0].lower() != "local" else "other"


def parse_dotenv_values(file: str, environment: str, text: str) -> EnvValues:
    """``NAME=value`` lines of a dotenv file (quotes stripped, comments skipped)."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        match = _DOTENV_LINE.match(line)
        if not match:
            continue
        value = match.group(2)
        if value[:1] in ("'", '"') and value[-1:] == value[:1] and len(value) >= 2:
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[match.group(1)] = value
    return EnvValues(file, environment, values)


def read_env_values(repo: Path) -> list[EnvValues]:
    """Values of the per-environment dotenv files at the repository root (not templates)."""
    out: list[EnvValues] = []
    for path in sorted(repo.glob(".env.*")):
        environment = dotenv_environment(path.name)
        if environment is None or not path.is_file() or path.is_symlink():
            continue
        try:
            with path.open("rb") as handle:
                data = handle.read(_MAX_DOTENV_BYTES)
        except OSError:
            continue
        out.append(parse_dotenv_values(path.name, environment, data.decode("utf-8", "replace")))
    return out


def _words(text: str) -> set[str]:
    return {w for w in re.split(r"[^a-z0-9]+", text.lower()) if w}


def value_points_elsewhere(value: str) -> str | None:
    """Why a production value points away from production (``a local host``...), or ``None``."""
    if value.startswith(_TEST_KEY_PREFIXES):
        return "is a test-mode API key"
    if "://" not in value:
        return None
    try:
        host = (urlsplit(value).hostname or "").lower()
    except ValueError:
        return None
    if not host:
        return None
    if host in _LOCAL_HOSTS or host.endswith((".localhost", ".local")):
        return "points at a local development host"
    try:
        if ipaddress.ip_address(host).is_loopback:
            return "points at a local development host"
    except ValueError:
        pass
    labels = host.split(".")[:-1]  # the top-level label is no environment (``.test`` sandboxes)
    said = sorted({w for label in labels for w in _words(label)} & _NOT_PRODUCTION)
    if said:
        return f"points at a host whose name says {said[0]}"
    return None


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()


def _is_resource(name: str) -> bool:
    return bool(_words(name) & _RESOURCE_WORDS)


def separation_findings(
    hosts: HostSplit, names: Iterable[EnvNames], values: Iterable[EnvValues]
) -> list[Finding]:
    """Every way production is not kept apart, from hosts, variable names and values."""
    found: list[Finding] = []
    production_hosts = set(hosts.production)
    for host in hosts.staging:
        if host in production_hosts:
            found.append(
                Finding(
                    f"host:{host}",
                    f"{host} serves both staging and production",
                    blocks=True,
                )
            )
    envs = by_environment(names)
    for name, files in envs.get(PRODUCTION, {}).items():
        said = sorted(_words(name) & _NOT_PRODUCTION)
        if said:
            found.append(
                Finding(
                    f"name:{name}",
                    f"production defines {name} ({', '.join(files)}), a name that says {said[0]}",
                    blocks=False,
                )
            )
    env_values = list(values)
    production = [v for v in env_values if v.environment == PRODUCTION]
    others = [v for v in env_values if v.environment != PRODUCTION]
    for prod in production:
        for name, value in prod.values.items():
            why = value_points_elsewhere(value) if value else None
            if why is not None:
                found.append(Finding(f"points:{name}", f"{name} in {prod.file} {why}", True))
            if len(value) < 8 or not _is_resource(name):
                continue
            digest = _digest(value)
            sharing = [o for o in others if name in o.values and _digest(o.values[name]) == digest]
            if sharing:
                where = ", ".join(f"{_env_word(o.environment)} ({o.file})" for o in sharing)
                found.append(
                    Finding(
                        f"shared:{name}",
                        f"{name} has the same value in production ({prod.file}) and {where}",
                        blocks=True,
                    )
                )
    if PRODUCTION not in envs:
        found.append(
            Finding(
                "unseen",
                "the repository defines no variables for production of its own (set in the "
                "platform's dashboard?): their separation is not measured",
                blocks=False,
            )
        )
    unique: dict[str, Finding] = {}
    for finding in found:
        unique.setdefault(finding.key, finding)
    return list(unique.values())


def _env_word(environment: str) -> str:
    return {STAGING: "staging", "other": "development", "all": "every environment"}.get(
        environment, environment
    )


def _strings(items: Iterable[str]) -> list[JSONValue]:
    return [clean(item, max_len=200) for item in items]


def _read(repo: Path) -> tuple[list[EnvNames], list[EnvValues]]:
    return read_env_names(repo), read_env_values(repo)


@CHECKS.register(
    "deploy.env_separation",
    stage="deploy",
    title="Production is separated from development",
    severity=Severity.HIGH,
    applies_to=AppliesTo.SESSION,
)
async def env_separation(ctx: CheckContext) -> CheckResult:
    """Staging and production hosts distinct, production's own variables, none pointing back."""
    hosts = host_split(ctx.session)
    repo = ctx.session.targets.repo_path
    names, values = await asyncio.to_thread(_read, Path(repo)) if repo else ([], [])
    configured = [n for n in names if n.environment != TEMPLATE]
    if not hosts.staging and not configured:
        return ctx.result(
            Status.SKIPPED,
            "No staging host (role staging or the staging URL) and no per-environment "
            "configuration in the repository (targets.repo_path): nothing to measure",
        )
    findings = separation_findings(hosts, configured, values)
    envs = by_environment(configured)
    evidence: dict[str, JSONValue] = {
        "staging_hosts": _strings(hosts.staging),
        "production_hosts": _strings(hosts.production),
        "environments": {
            env: _strings(sorted({f for files in found.values() for f in files}))
            for env, found in envs.items()
        },
        "values_read_from": _strings(v.file for v in values),
        "findings": [f.as_evidence() for f in findings],
    }
    blocking = [f for f in findings if f.blocks]
    if blocking:
        shown = "; ".join(f.problem for f in blocking[:4])
        more = f" (and {len(blocking) - 4} more)" if len(blocking) > 4 else ""
        return ctx.result(
            Status.FAIL, clean(f"Production is not apart: {shown}{more}"), evidence=evidence
        )
    seen: list[str] = []
    if hosts.staging:
        seen.append(f"staging runs on its own host ({', '.join(hosts.staging)})")
    production_files = sorted(
        {f for files in envs.get(PRODUCTION, {}).values() for f in files}, key=str.lower
    )
    if production_files:
        seen.append(f"production defines its own variables ({', '.join(production_files)})")
    if any(v.environment == PRODUCTION for v in values):
        seen.append("no production value points at or is shared with another environment")
    if findings:
        shown = "; ".join(f.problem for f in findings[:3])
        lead = (seen[0][0].upper() + "; ".join(seen)[1:] + "; but ") if seen else ""
        return ctx.result(
            Status.WARN, clean(f"{lead}{shown}"), evidence=evidence, severity=Severity.MEDIUM
        )
    summary = "; ".join(seen)
    return ctx.result(Status.PASS, clean(summary[:1].upper() + summary[1:]), evidence=evidence)

"""``deploy.env_diff``: does staging run like production?

**Pairs.** A staging host is one with the ``staging`` role or the host of the session's staging
URL. Each of its routes is paired with the production route that has the same method and path
(``staging-health`` ``/health`` with ``health`` ``/health`` on the API host); a staging host
without such routes is compared with the canonical site at ``/``.

**What is compared**, per pair of routes, both fetched at the same time:

=========================  =====================================================================
aspect                     a difference
=========================  =====================================================================
status                     the two answer different statuses
version                    they report different releases (version header or health JSON)
software                   ``Server`` / ``X-Powered-By`` values differ
protections                production sends HSTS, CSP, X-Frame-Options, X-Content-Type-Options,
                           Referrer-Policy or Permissions-Policy and staging does not
caching                    the route's ``Cache-Control`` differs
debug                      either sends a header whose name says debug
TLS                        one certificate verifies and the other does not
env var names              names only one environment defines (``.env.*``, ``vercel.json``,
                           ``render.yaml``, ``fly*.toml``, compose files; values never read)
=========================  =====================================================================

Each difference has a key (``staging.example.test:version``, ``env:STRIPE_KEY``). The engineer
marks an expected one with an accept-risk decision on this check whose target is that key; the
rest stay findings (warn, low; medium when a route answers differently). No staging host and no
per-environment names: skipped.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from launch_tui.checks.deploy.health_probe import reported_version
from launch_tui.checks.engine.context import CheckContext
from launch_tui.checks.engine.fetching import Answer, fetch_https, host_of, no_http_result
from launch_tui.checks.engine.registry import Registry
from launch_tui.checks.parse.env_names import (
    CONFIG_GLOBS,
    EnvNames,
    by_environment,
    name_differences,
    read_config,
)
from launch_tui.core.model import (
    Action,
    CheckResult,
    HostRole,
    JSONValue,
    Session,
    Severity,
    Status,
)
from launch_tui.core.playbook import AppliesTo
from launch_tui.core.sanitize import clean

CHECKS = Registry()

PROTECTIONS: tuple[str, ...] = (
    "Strict-Transport-Security",
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Permissions-Policy",
)
SOFTWARE: tuple[str, ...] = ("Server", "X-Powered-By")
_MAX_CONFIG_BYTES = 512 * 1024


@dataclass(frozen=True)
class RoutePair:
    """The same request to staging and to production."""

    name: str
    """The production route's name (or ``/`` for the fallback pair)."""
    method: str
    staging_url: str
    production_url: str


@dataclass(frozen=True)
class HostPair:
    staging: str
    production: str
    routes: tuple[RoutePair, ...]


@dataclass(frozen=True)
class Difference:
    key: str
    """Stable: what an accept-risk decision's target names."""
    aspect: str
    label: str
    """Short, for the summary (``version 1.9.0 vs 1.8.2``)."""
    staging: str
    production: str
    route: str = ""
    severity: Severity = Severity.LOW

    def as_evidence(self, expected: bool) -> dict[str, JSONValue]:
        return {
            "key": self.key,
            "aspect": self.aspect,
            "route": self.route,
            "staging": self.staging,
            "production": self.production,
            "expected": expected,
        }


def environment_pairs(session: Session) -> tuple[HostPair, ...]:
    """Staging hosts paired with the production hosts that serve the same routes."""
    targets = session.targets
    staging_hosts = [h.name for h in targets.hosts if h.role is HostRole.STAGING]
    if targets.staging_url:
        named = host_of(targets.staging_url)
        if named and named not in staging_hosts:
            staging_hosts.append(named)
    production_routes = [r for r in targets.routes if host_of(r.url) not in staging_hosts]
    pairs: list[HostPair] = []
    for staging in staging_hosts:
        by_host: dict[str, list[RoutePair]] = {}
        for route in targets.routes:
            if host_of(route.url) != staging:
                continue
            path = _path(route.url)
            twin = next(
                (
                    r
                    for r in production_routes
                    if _path(r.url) == path and r.method.upper() == route.method.upper()
                ),
                None,
            )
            if twin is not None:
                by_host.setdefault(host_of(twin.url), []).append(
                    RoutePair(twin.name, route.method.upper(), route.url, twin.url)
                )
        if not by_host and targets.canonical_url:
            scheme = targets.canonical_url.split(":", 1)[0]
            by_host[host_of(targets.canonical_url)] = [
                RoutePair("/", "GET", f"{scheme}://{staging}/", targets.canonical_url)
            ]
        pairs.extend(HostPair(staging, host, tuple(routes)) for host, routes in by_host.items())
    return tuple(pairs)


def _path(url: str) -> str:
    rest = url.split("://", 1)[-1]
    return "/" + rest.split("/", 1)[1] if "/" in rest else "/"


def compare(
    pair: HostPair, route: RoutePair, staging: Answer, production: Answer
) -> list[Difference]:
    """Every difference between the two answers of one route pair."""
    out: list[Difference] = []
    s, p = staging.result, production.result
    host = pair.staging
    if s.status != p.status:
        out.append(
            Difference(
                f"{host}:status:{route.name}",
                "status",
                f"{route.name} answers {s.status} vs {p.status}",
                str(s.status),
                str(p.status),
                route.name,
                Severity.MEDIUM,
            )
        )
    sv, pv = reported_version(s), reported_version(p)
    if sv != pv:
        out.append(
            Difference(
                f"{host}:version",
                "version",
                f"version {sv or 'none'} vs {pv or 'none'}",
                sv,
                pv,
                route.name,
            )
        )
    for name in SOFTWARE:
        a, b = (s.header(name) or "").strip(), (p.header(name) or "").strip()
        if a != b:
            out.append(
                Difference(
                    f"{host}:header:{name.lower()}",
                    "software",
                    name,
                    clean(a, max_len=80),
                    clean(b, max_len=80),
                    route.name,
                )
            )
    for name in PROTECTIONS:
        if p.header(name) and not s.header(name):
            out.append(
                Difference(
                    f"{host}:header:{name.lower()}",
                    "protections",
                    f"no {name}",
                    "",
                    clean(p.header(name) or "", max_len=80),
                    route.name,
                )
            )
    a, b = (s.header("cache-control") or "").strip(), (p.header("cache-control") or "").strip()
    if a != b:
        out.append(
            Difference(
                f"{host}:cache-control:{route.name}",
                "caching",
                "Cache-Control",
                clean(a, max_len=80),
                clean(b, max_len=80),
                route.name,
            )
        )
    debug = sorted({k for k, _ in (*s.headers, *p.headers) if "debug" in k.lower()}, key=str.lower)
    for name in debug:
        out.append(
            Difference(
                f"{host}:header:{name.lower()}",
                "debug",
                f"{clean(name, max_len=40)} header",
                clean(s.header(name) or "", max_len=80),
                clean(p.header(name) or "", max_len=80),
                route.name,
            )
        )
    if staging.verified != production.verified:
        out.append(
            Difference(
                f"{host}:tls",
                "tls",
                "TLS certificate",
                _tls_words(staging),
                _tls_words(production),
                route.name,
            )
        )
    return out


def _tls_words(answer: Answer) -> str:
    if answer.verified:
        return "verifies"
    failure = answer.tls_failure
    return clean(
        f"does not verify: {failure.message}" if failure else "does not verify", max_len=160
    )


def read_env_names(repo: Path) -> list[EnvNames]:
    """Names defined per environment by the config files at the repository root."""
    found: list[EnvNames] = []
    seen: set[Path] = set()
    for pattern in CONFIG_GLOBS:
        for path in sorted(repo.glob(pattern)):
            if path in seen or not path.is_file() or path.is_symlink():
                continue
            seen.add(path)
            try:
                with path.open("rb") as handle:
                    data = handle.read(_MAX_CONFIG_BYTES)
            except OSError:
                continue
            found.extend(read_config(path.name, data.decode("utf-8", errors="replace")))
    return found


def _json_list(items: list[str] | tuple[str, ...] | dict[str, tuple[str, ...]]) -> list[JSONValue]:
    out: list[JSONValue] = []
    out.extend(items)
    return out


def env_differences(found: list[EnvNames]) -> tuple[list[Difference], dict[str, JSONValue]]:
    envs = by_environment(found)
    evidence: dict[str, JSONValue] = {
        "files": _json_list(sorted({e.file for e in found})),
        "names": {env: _json_list(names) for env, names in envs.items()},
    }
    diff = name_differences(envs)
    if diff is None:
        evidence["compared"] = False
        return [], evidence
    evidence["compared"] = True
    only_staging, only_production = diff
    out = [
        Difference(f"env:{n}", "env", f"{n} only in staging", "defined", "") for n in only_staging
    ]
    out += [
        Difference(f"env:{n}", "env", f"{n} only in production", "", "defined")
        for n in only_production
    ]
    return out, evidence


@CHECKS.register(
    "deploy.env_diff",
    stage="deploy",
    title="Staging matches production",
    severity=Severity.HIGH,
    applies_to=AppliesTo.SESSION,
)
async def env_diff(ctx: CheckContext) -> CheckResult:
    """Compare each staging/production pair of hosts and the env var names of each environment."""
    pairs = environment_pairs(ctx.session)
    repo = ctx.session.targets.repo_path
    found = await asyncio.to_thread(read_env_names, Path(repo)) if repo else []
    env_diffs, env_evidence = env_differences(found)
    if not pairs and not env_evidence.get("compared"):
        return ctx.result(
            Status.SKIPPED,
            "No staging host (role staging or the staging URL) and no per-environment variable "
            "names in the repository: nothing to compare",
            evidence={"env": env_evidence},
        )
    if pairs and ctx.services.http is None:
        return no_http_result(ctx)
    differences: list[Difference] = []
    compared: list[JSONValue] = []
    # Every route of every pair at once: one after another, a client with many pairs ran out
    # of the check's time before the last ones were asked.
    routes = [(pair, route) for pair in pairs for route in pair.routes]
    answers = await asyncio.gather(
        *(
            fetch_https(ctx, url, route.method)
            for _, route in routes
            for url in (route.staging_url, route.production_url)
        )
    )
    for index, (pair, route) in enumerate(routes):
        staging, production = answers[2 * index], answers[2 * index + 1]
        compared.append(
            {
                "staging": route.staging_url,
                "production": route.production_url,
                "status": [staging.result.status, production.result.status],
            }
        )
        if staging.result.status is None or production.result.status is None:
            failed = staging if staging.result.status is None else production
            message = failed.result.failure.message if failed.result.failure else "no answer"
            return ctx.result(
                Status.ERROR,
                f"Could not compare: {clean(failed.result.url)}: {clean(message)}",
                evidence={"compared": compared},
            )
        differences.extend(compare(pair, route, staging, production))
    differences.extend(env_diffs)
    unique: dict[str, Difference] = {}
    for diff in differences:
        unique.setdefault(diff.key, diff)
    marked = {
        d.target
        for d in ctx.session.decisions
        if d.check_id == ctx.check.id and d.target and d.action is Action.ACCEPT_RISK
    }
    evidence: dict[str, JSONValue] = {
        "pairs": [f"{p.staging} vs {p.production}" for p in pairs],
        "compared": compared,
        "differences": [d.as_evidence(d.key in marked) for d in unique.values()],
        "env": env_evidence,
    }
    open_diffs = [d for d in unique.values() if d.key not in marked]
    if not unique:
        return ctx.result(
            Status.PASS,
            f"Staging matches production on {len(compared)} compared route(s)",
            evidence=evidence,
        )
    if not open_diffs:
        return ctx.result(
            Status.PASS,
            f"{len(unique)} difference(s) between staging and production, all marked expected",
            evidence=evidence,
        )
    severity = min((d.severity for d in open_diffs), key=lambda s: s.rank)
    shown = ", ".join(d.label for d in open_diffs[:6])
    more = f" and {len(open_diffs) - 6} more" if len(open_diffs) > 6 else ""
    hosts = ", ".join(sorted({p.staging for p in pairs})) or "staging"
    return ctx.result(
        Status.WARN,
        f"{clean(hosts)} differs from production: {clean(shown)}{more} "
        f"({len(open_diffs)} not marked expected)",
        evidence=evidence,
        severity=severity,
    )

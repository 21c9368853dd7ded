"""``deploy.build_output``: does the production build ship secrets, source maps or debug flags?

Secrets come from the stage 4 scanner (:func:`launch_tui.checks.secrets.scanner.scan` over the
build folder, findings already redacted); source maps and debug flags are read here:

=========================================================  ======  ========
what the build holds                                       status  severity
=========================================================  ======  ========
a secret (the scanner's rules)                             fail    critical
``*.map`` files or ``sourceMappingURL`` comments           fail    medium
``debug: true`` / ``NODE_ENV: "development"`` in a client  fail    low
bundle (server-side files are not sent to browsers)
none of these                                              pass
=========================================================  ======  ========

Paths are given from the build folder's own name (``.next/static/...``). At most
:data:`MAX_FILES` files are read, each at most :data:`MAX_READ` bytes from its start and end.
"""

from __future__ import annotations

import asyncio
import os
import re
from dataclasses import dataclass
from pathlib import Path

from launch_tui.checks.engine.context import CheckContext
from launch_tui.checks.engine.registry import Registry
from launch_tui.checks.secrets.report import ScanKind
from launch_tui.checks.secrets.scans import local_path, shared_scan
from launch_tui.core.model import CheckResult, JSONValue, Severity, Status
from launch_tui.core.playbook import AppliesTo
from launch_tui.core.sanitize import clean

CHECKS = Registry()

MAX_FILES = 50_000
MAX_READ = 2 * 1024 * 1024
_BUNDLE = (".js", ".mjs", ".cjs", ".css")
_MAP_COMMENT = re.compile(rb"[#@]\s*sourceMappingURL\s*=\s*(?!data:)([^\s*'\"]{1,300})")
_DEBUG = re.compile(
    rb"""\bdebug["']?\s*[:=]\s*(?:true|!0)\b|NODE_ENV["']?\s*[:=]\s*["']development["']""",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class BuildFinding:
    kind: str
    """``secret``, ``source-map`` or ``debug-flag``."""
    path: str
    detail: str
    severity: Severity

    def as_evidence(self) -> dict[str, JSONValue]:
        return {
            "kind": self.kind,
            "path": self.path,
            "detail": self.detail,
            "severity": self.severity.value,
        }


def exposures(build: Path) -> tuple[list[BuildFinding], int]:
    """Source maps and client debug flags in ``build``, and the number of files read."""
    found: list[BuildFinding] = []
    label = build.name
    read = 0
    for root, dirs, files in os.walk(build):
        dirs.sort()
        rel_root = os.path.relpath(root, build)
        for name in sorted(files):
            if read >= MAX_FILES:
                return found, read
            rel = name if rel_root == "." else f"{rel_root}/{name}".replace(os.sep, "/")
            shown = f"{label}/{rel}"
            if name.endswith(".map"):
                found.append(BuildFinding("source-map", shown, "source map file", Severity.MEDIUM))
                continue
            if not name.endswith(_BUNDLE):
                continue
            path = Path(root) / name
            if path.is_symlink():
                continue
            read += 1
            data = _head_and_tail(path)
            for match in _MAP_COMMENT.finditer(data):
                target = match.group(1).decode("utf-8", "replace")
                found.append(
                    BuildFinding(
                        "source-map",
                        shown,
                        f"sourceMappingURL={clean(target, max_len=120)}",
                        Severity.MEDIUM,
                    )
                )
                break
            client = "server" not in rel.split("/")
            debug = _DEBUG.search(data) if client else None
            if debug is not None:
                found.append(
                    BuildFinding(
                        "debug-flag",
                        shown,
                        clean(debug.group(0).decode("utf-8", "replace"), max_len=80),
                        Severity.LOW,
                    )
                )
    return found, read


def _head_and_tail(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            head = handle.read(MAX_READ)
            if len(head) < MAX_READ:
                return head
            handle.seek(max(MAX_READ, path.stat().st_size - 4096))
            return head + b"\n" + handle.read(4096)
    except OSError:
        return b""


@CHECKS.register(
    "deploy.build_output",
    stage="deploy",
    title="Build output holds no secrets, source maps or debug flags",
    severity=Severity.CRITICAL,
    applies_to=AppliesTo.SESSION,
)
async def build_output(ctx: CheckContext) -> CheckResult:
    """Scan the build folder for secrets; list source maps and client debug flags."""
    configured = ctx.session.targets.build_path
    if not configured.strip():
        return ctx.result(Status.SKIPPED, "No build folder configured (targets.build_path)")
    build = local_path(configured)
    if not await asyncio.to_thread(build.is_dir):
        return ctx.result(Status.ERROR, f"Build folder {clean(configured)} is not a folder")
    (exposed, files_read), outcome = await asyncio.gather(
        asyncio.to_thread(exposures, build),
        # The same scan secrets.rotation reads: one scanner run per build folder per run.
        shared_scan(ctx, ScanKind.BUILD, build),
    )
    findings = [
        BuildFinding(
            "secret",
            f.path,  # already shown as ``<build folder>/...``
            f"{f.description} ({f.rule}, {f.value.preview})",
            Severity.CRITICAL,
        )
        for f in outcome.findings
    ]
    findings.extend(exposed)
    evidence: dict[str, JSONValue] = {
        "build": configured,
        "files_read": files_read,
        "findings": [f.as_evidence() for f in findings[:200]],
        "scanner": outcome.error
        or f"{len(outcome.findings)} secret(s) in {outcome.bytes_scanned} bytes"
        + (" (an earlier run's scan of the same files)" if outcome.reused else ""),
    }
    if not findings:
        if outcome.error:
            return ctx.result(
                Status.ERROR,
                f"No source maps or debug flags, but the secret scan failed: {outcome.error}",
                evidence=evidence,
            )
        return ctx.result(
            Status.PASS,
            f"No secrets, source maps or debug flags in {files_read} bundle file(s)",
            evidence=evidence,
        )
    parts = []
    for kind, words in (
        ("secret", "secret(s)"),
        ("source-map", "source map(s)"),
        ("debug-flag", "debug flag(s)"),
    ):
        of_kind = [f for f in findings if f.kind == kind]
        if of_kind:
            parts.append(f"{len(of_kind)} {words} ({clean(of_kind[0].path)})")
    note = f"; the secret scan failed: {outcome.error}" if outcome.error else ""
    worst = min((f.severity for f in findings), key=lambda s: s.rank)
    return ctx.result(
        Status.FAIL,
        f"The build ships {', '.join(parts)}{note}",
        evidence=evidence,
        severity=worst,
    )

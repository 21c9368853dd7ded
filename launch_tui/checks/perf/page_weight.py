"""``perf.page_weight``: what it costs a browser to load a page.

Judged on the route's first answer: the body's size, text sent without compression, and for HTML
the scripts it loads (parsed by :mod:`.page_scan`): their weight (the first
:data:`MAX_WEIGHED_SCRIPTS` fetched and weighed), how many are third-party (by registrable
domain) and which of those block rendering from ``<head>``.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from launch_tui.checks.engine.context import CheckContext
from launch_tui.checks.engine.registry import Registry
from launch_tui.checks.parse.page_scan import PageScan, scan_page
from launch_tui.checks.perf.probes import RouteProbes, time_left
from launch_tui.checks.perf.route_fetch import fetch_error, probes_or_result, route_of
from launch_tui.core.model import CheckResult, JSONValue, RouteKind, Severity, Status
from launch_tui.core.playbook import AppliesTo
from launch_tui.core.sanitize import clean
from launch_tui.net import FailureKind
from launch_tui.net.public_suffix import registrable_domain

__all__ = [
    "CHECKS",
    "COMPRESS_MIN_BYTES",
    "MAX_WEIGHED_SCRIPTS",
    "PAGE_FAIL_BYTES",
    "PAGE_WARN_BYTES",
    "SCRIPTS_WARN_BYTES",
    "THIRD_PARTY_WARN",
    "page_weight",
]

CHECKS = Registry()

#: Text responses smaller than this are not worth compressing.
COMPRESS_MIN_BYTES = 10 * 1024
PAGE_WARN_BYTES = 1024 * 1024
PAGE_FAIL_BYTES = 4 * 1024 * 1024
SCRIPTS_WARN_BYTES = 1024 * 1024
THIRD_PARTY_WARN = 3
#: Scripts fetched to weigh them; the rest are counted, not weighed.
MAX_WEIGHED_SCRIPTS = 12
#: Decoded HTML parsed for scripts.
_HTML_CAP = 2 * 1024 * 1024

_COMPRESSIBLE = re.compile(
    r"^(text/|application/(json|javascript|ecmascript|xml|x-javascript)|image/svg\+xml"
    r"|application/[\w.+-]+\+(json|xml))",
    re.IGNORECASE,
)


def _compressible(content_type: str) -> bool:
    return bool(_COMPRESSIBLE.match(content_type.strip()))


@dataclass(frozen=True)
class _Weighed:
    url: str
    third_party: bool
    blocking: bool
    bytes: int | None


async def _weigh_scripts(
    probes: RouteProbes, scan: PageScan, page_site: str, within: float
) -> list[_Weighed]:
    scripts = scan.external_scripts
    weighed = scripts[:MAX_WEIGHED_SCRIPTS]
    fetched = await asyncio.gather(*(probes.asset(s.url, within) for s in weighed))
    out = []
    for index, script in enumerate(scripts):
        host = urlsplit(script.url).hostname or ""
        size: int | None = None
        if index < len(fetched):
            result = fetched[index]
            if result.status is not None and 200 <= result.status < 300 and result.ok:
                size = len(result.body)
        out.append(
            _Weighed(
                url=script.url,
                third_party=registrable_domain(host) != page_site,
                blocking=script.blocking,
                bytes=size,
            )
        )
    return out


@CHECKS.register(
    "perf.page_weight",
    stage="request-path",
    title="Pages are not bloated",
    severity=Severity.MEDIUM,
    applies_to=AppliesTo.ROUTE,
    route_kinds=(RouteKind.READ,),
    pages=True,
)
async def page_weight(ctx: CheckContext) -> CheckResult:
    """Transfer size, compression, scripts (weight, third parties, render-blocking in <head>)."""
    probes = await probes_or_result(ctx)
    if isinstance(probes, CheckResult):
        return probes
    route = route_of(ctx)
    fetched = (await probes.first(route, time_left(ctx))).result
    if fetched.status is None:
        return fetch_error(ctx, route, fetched)
    if not 200 <= fetched.status < 300:
        return ctx.result(
            Status.SKIPPED,
            f"Answered {fetched.status}: no page to weigh",
            evidence={"status": fetched.status},
        )
    content_type = (fetched.header("content-type") or "").lower()
    encoding = (fetched.header("content-encoding") or "").strip().lower()
    decoded = fetched.decoded()
    body_bytes = len(fetched.body)
    evidence: dict[str, JSONValue] = {
        "transfer_bytes": len(fetched.raw_head) + body_bytes,
        "body_bytes": body_bytes,
        "decoded_bytes": len(decoded.data),
        "content_type": clean(content_type, max_len=100),
        "content_encoding": clean(encoding, max_len=40) or None,
        "truncated": fetched.body_truncated or decoded.truncated,
    }
    failure = fetched.failure
    if failure is not None and failure.kind is not FailureKind.BODY_TOO_LARGE:
        # Half a page weighs nothing useful: say why it did not arrive.
        return ctx.result(
            Status.ERROR,
            f"{route.name}: {failure.message}",
            evidence={**evidence, "failure": failure.kind.value},
        )
    findings: list[tuple[Status, str]] = []
    if decoded.bomb:
        # A browser tab inflating this would freeze or crash: the page is broken, not heavy.
        findings.append((Status.FAIL, decoded.bomb[:1].upper() + decoded.bomb[1:]))
        evidence["compression_ratio"] = None if decoded.ratio is None else round(decoded.ratio)
        evidence["decoded_cap_bytes"] = decoded.cap
    if failure is not None:
        findings.append((Status.FAIL, f"Response body is over the {_size(body_bytes)} cap"))
    elif body_bytes > PAGE_FAIL_BYTES:
        findings.append((Status.FAIL, f"Response body is {_size(body_bytes)}"))
    elif body_bytes > PAGE_WARN_BYTES:
        findings.append((Status.WARN, f"Response body is {_size(body_bytes)}"))
    uncompressed = encoding in ("", "identity")
    if uncompressed and _compressible(content_type) and len(decoded.data) >= COMPRESS_MIN_BYTES:
        findings.append(
            (Status.WARN, f"{_size(len(decoded.data))} of text sent without compression")
        )
    if "html" in content_type:
        page_host = urlsplit(fetched.final_url).hostname or ""
        page_site = registrable_domain(page_host)
        scan = scan_page(fetched.text(_HTML_CAP), fetched.final_url)
        scripts = await _weigh_scripts(probes, scan, page_site, time_left(ctx))
        findings += _script_findings(scripts)
        evidence.update(_script_evidence(scan, scripts, page_site))
    return _weight_result(ctx, findings, evidence)


def _script_findings(scripts: list[_Weighed]) -> list[tuple[Status, str]]:
    findings: list[tuple[Status, str]] = []
    third = [s for s in scripts if s.third_party]
    blocking_third = [s for s in third if s.blocking]
    if blocking_third:
        noun = "script" if len(blocking_third) == 1 else f"{len(blocking_third)} scripts"
        findings.append((Status.WARN, f"Render-blocking third-party {noun} in <head>"))
    if len(third) >= THIRD_PARTY_WARN:
        findings.append((Status.WARN, f"{len(third)} third-party scripts"))
    weight = sum(s.bytes or 0 for s in scripts)
    if weight > SCRIPTS_WARN_BYTES:
        findings.append((Status.WARN, f"{_size(weight)} of scripts"))
    return findings


def _script_evidence(
    scan: PageScan, scripts: list[_Weighed], page_site: str
) -> dict[str, JSONValue]:
    third = [s for s in scripts if s.third_party]
    domains = sorted({registrable_domain(urlsplit(s.url).hostname or "") for s in third})
    listed: list[JSONValue] = [
        {
            "url": clean(s.url, max_len=200),
            "third_party": s.third_party,
            "render_blocking": s.blocking,
            "bytes": s.bytes,
        }
        for s in scripts[:50]
    ]
    return {
        "site": clean(page_site, max_len=100),
        "scripts": len(scripts),
        "inline_scripts": len(scan.scripts) - len(scripts),
        "inline_script_bytes": scan.inline_script_bytes,
        "scripts_third_party": len(third),
        "third_party_domains": [clean(d, max_len=100) for d in domains],
        "render_blocking_scripts": sum(1 for s in scripts if s.blocking),
        "render_blocking_third_party": sum(1 for s in third if s.blocking),
        "script_bytes": sum(s.bytes or 0 for s in scripts),
        "scripts_weighed": sum(1 for s in scripts if s.bytes is not None),
        "stylesheets": scan.stylesheets,
        "images": scan.images,
        "script_list": listed,
    }


def _weight_result(
    ctx: CheckContext, findings: list[tuple[Status, str]], evidence: dict[str, JSONValue]
) -> CheckResult:
    size = _size(int(evidence["body_bytes"] or 0))  # type: ignore[arg-type]
    coding = evidence["content_encoding"]
    sent = f"{size}{f' {coding}' if coding else ''}"
    scripts = evidence.get("scripts")
    tally = ""
    if isinstance(scripts, int):
        noun = "script" if scripts == 1 else "scripts"
        tally = f"; {scripts} {noun}, {evidence['scripts_third_party']} third-party"
    if not findings:
        return ctx.result(Status.PASS, f"Light: {sent}{tally}", evidence=evidence)
    worst = Status.FAIL if any(s is Status.FAIL for s, _ in findings) else Status.WARN
    summary = "; ".join(text for _, text in findings) + f" ({sent})"
    return ctx.result(
        worst, summary, evidence=evidence, severity=Severity.LOW if worst is Status.WARN else None
    )


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MiB"
    if n >= 1024:
        return f"{n / 1024:.0f} KiB"
    return f"{n} B"

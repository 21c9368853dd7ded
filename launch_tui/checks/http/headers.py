"""Response-header and page checks: ``http.security_headers`` and ``http.mixed_content``.

``http.security_headers`` (per host) reads the headers of ``https://host/`` (following redirects
on the same host; a host that redirects elsewhere is ``skipped``, its target is checked in its
own right). A page should carry:

* ``Content-Security-Policy`` (enforced, not only ``-Report-Only``);
* ``X-Content-Type-Options: nosniff``;
* frame protection: ``X-Frame-Options: DENY|SAMEORIGIN`` or CSP ``frame-ancestors``;
* ``Referrer-Policy`` that does not leak full URLs (not ``unsafe-url``).

An API host (role ``api``, or a JSON/XML answer) needs only ``nosniff``: CSP and framing rules
do nothing for responses a browser never renders. Findings:

==========================================================================  ======  ========
finding                                                                     status  severity
==========================================================================  ======  ========
CORS reflects any ``Origin`` with ``Access-Control-Allow-Credentials: true``  fail    medium
a recommended header missing or ineffective                                 warn    low
``Server`` with a version, or ``X-Powered-By``: the stack is advertised     warn    info
==========================================================================  ======  ========

Missing headers are a warning, not a failure: each is defence in depth, and their absence is
not by itself an exploitable hole. A credentialed CORS reflection is one: any website can read
the host's responses as the signed-in visitor. The request carries ``Origin:`` :data:`PROBE_ORIGIN`
to see whether the host echoes it.

``http.mixed_content`` (per page route) parses the route's HTML, served over HTTPS, for
``http://`` subresources. Active content (scripts, stylesheets, frames, objects, form targets)
is blocked by browsers, which breaks the page: fail, high. Passive content (images, media) is
upgraded or flagged "not secure": warn, medium. With CSP ``upgrade-insecure-requests`` the
browser upgrades everything itself: warn, low. Routes that are not GET pages, not HTML or not
served over HTTPS are ``skipped``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from launch_tui.checks.engine.context import CheckContext
from launch_tui.checks.engine.fetching import (
    Answer,
    Finding,
    absent_reason,
    answer_evidence,
    fetch_https,
    host_of,
    host_url,
    no_http_result,
    outcome,
    target_host,
    unanswered_verdict,
)
from launch_tui.checks.engine.registry import Registry
from launch_tui.core.model import CheckResult, HostRole, JSONValue, RouteKind, Severity, Status
from launch_tui.core.playbook import AppliesTo
from launch_tui.core.sanitize import clean
from launch_tui.net import FailureKind, FetchResult

CHECKS = Registry()

#: The Origin sent to see whether a host reflects arbitrary origins in CORS answers.
PROBE_ORIGIN = "https://cors-probe.launch-tui.invalid"
_VERSION = re.compile(r"\d+(?:\.\d+)+|/\s*\d")
_DISCLOSING = ("x-powered-by", "x-aspnet-version", "x-aspnetmvc-version")
_WEAK_REFERRER = ("unsafe-url", "no-referrer-when-downgrade")


@CHECKS.register(
    "http.security_headers",
    stage="delivery",
    title="Security headers present",
    severity=Severity.MEDIUM,
    applies_to=AppliesTo.HOST,
)
async def security_headers(ctx: CheckContext) -> CheckResult:
    """Judge the security headers of the host's front page (or of its API answers)."""
    if ctx.services.http is None:
        return no_http_result(ctx)
    host = target_host(ctx)
    probe = [("Origin", PROBE_ORIGIN)]
    answer = await fetch_https(ctx, host_url("https", host), headers=probe, head_only=True)
    if not answer.headed and _no_https(answer.result):
        # No HTTPS at all: the headers of the plain-HTTP answer still protect its visitors.
        plain = await fetch_https(ctx, host_url("http", host), headers=probe, head_only=True)
        if plain.headed:
            answer = plain
    evidence: dict[str, JSONValue] = {"fetch": answer_evidence(answer)}
    result = answer.result
    if not answer.headed:
        gone = absent_reason(result)
        if gone or _no_https(result):
            reason = gone or "no HTTPS and no HTTP answer"
            return ctx.result(Status.SKIPPED, f"Nothing answers: {reason}", evidence=evidence)
        message = result.failure.message if result.failure is not None else "no answer"
        return ctx.result(Status.ERROR, f"Could not check: {message}", evidence=evidence)
    final_host = host_of(result.final_url)
    if final_host and final_host != host:
        return ctx.result(
            Status.SKIPPED,
            f"{clean(host)} redirects to {clean(result.final_url)}; that host's headers are "
            "checked in its own right",
            evidence=evidence,
        )

    api = _is_api(ctx, result)
    headers = {name.lower(): value for name, value in reversed(result.headers)}
    evidence["kind"] = "api" if api else "page"
    shown_headers: dict[str, JSONValue] = {
        name: headers[name]
        for name in (
            "content-security-policy",
            "content-security-policy-report-only",
            "x-content-type-options",
            "x-frame-options",
            "referrer-policy",
            "permissions-policy",
            "access-control-allow-origin",
            "access-control-allow-credentials",
            "server",
            *_DISCLOSING,
        )
        if name in headers
    }
    evidence["headers"] = shown_headers
    findings = [*_cors(headers), *_missing(headers, api), *_disclosure(result)]
    present = [clean(n) for n in shown_headers if n not in ("server", *_DISCLOSING)]
    summary = (
        f"{'API answer' if api else 'Page'} {clean(result.final_url)} sends "
        f"{', '.join(present) or 'the headers it needs'}"
    )
    return outcome(ctx, findings, evidence, summary)


def _no_https(result: FetchResult) -> bool:
    failure = result.failure
    return failure is not None and (failure.kind in (FailureKind.TLS, FailureKind.CONNECT_REFUSED))


def _is_api(ctx: CheckContext, result: FetchResult) -> bool:
    if ctx.host is not None and ctx.host.role is HostRole.API:
        return True
    kind = (result.header("content-type") or "").split(";")[0].strip().lower()
    return kind.endswith(("/json", "+json", "/xml", "+xml"))


def _cors(headers: dict[str, str]) -> list[Finding]:
    allowed = headers.get("access-control-allow-origin", "").strip()
    credentials = headers.get("access-control-allow-credentials", "").strip().lower() == "true"
    if credentials and allowed in (PROBE_ORIGIN, "null"):
        return [
            Finding(
                Status.FAIL,
                Severity.MEDIUM,
                f"CORS allows any origin with credentials (Access-Control-Allow-Origin: "
                f"{clean(allowed)} for a request from {PROBE_ORIGIN}): any website can read "
                "responses as the signed-in visitor",
            )
        ]
    return []


def _missing(headers: dict[str, str], api: bool) -> list[Finding]:
    nosniff = headers.get("x-content-type-options", "").strip().lower() == "nosniff"
    if api:
        if nosniff:
            return []
        return [Finding(Status.WARN, Severity.LOW, "No X-Content-Type-Options: nosniff")]
    csp = headers.get("content-security-policy", "").strip()
    frame_option = headers.get("x-frame-options", "").strip().upper()
    framed = frame_option in ("DENY", "SAMEORIGIN") or "frame-ancestors" in csp.lower()
    referrer = _referrer_policy(headers.get("referrer-policy", ""))
    # (name for the all-missing summary, phrase when only some are missing)
    gaps: list[tuple[str, str]] = []
    if not csp:
        if "content-security-policy-report-only" in headers:
            gaps.append(("", "Content-Security-Policy is report-only: nothing is enforced"))
        else:
            gaps.append(("Content-Security-Policy", "no Content-Security-Policy"))
    if not nosniff:
        gaps.append(("X-Content-Type-Options", "no X-Content-Type-Options: nosniff"))
    if not framed:
        gaps.append(
            (
                "X-Frame-Options or frame-ancestors",
                "no frame protection (X-Frame-Options or CSP frame-ancestors)",
            )
        )
    if not referrer:
        gaps.append(("Referrer-Policy", "no Referrer-Policy"))
    if not gaps:
        weak = _weak_referrer(headers.get("referrer-policy", ""))
        if weak:
            return [
                Finding(
                    Status.WARN,
                    Severity.LOW,
                    f"Referrer-Policy {clean(weak)} sends full URLs to other sites: use "
                    "strict-origin-when-cross-origin",
                )
            ]
        return []
    if len(gaps) == 4 and all(name for name, _ in gaps):
        names = ", ".join(name for name, _ in gaps)
        return [Finding(Status.WARN, Severity.LOW, f"No security headers ({names})")]
    text = "; ".join(phrase for _, phrase in gaps)
    return [Finding(Status.WARN, Severity.LOW, text[0].upper() + text[1:])]


def _referrer_policy(value: str) -> str:
    """The policy browsers apply: the last recognised token of the (comma-separated) value."""
    known = {
        "no-referrer",
        "no-referrer-when-downgrade",
        "origin",
        "origin-when-cross-origin",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
        "unsafe-url",
    }
    tokens = [t.strip().lower() for t in value.split(",") if t.strip().lower() in known]
    return tokens[-1] if tokens else ""


def _weak_referrer(value: str) -> str:
    policy = _referrer_policy(value)
    return policy if policy in _WEAK_REFERRER else ""


def _disclosure(result: FetchResult) -> list[Finding]:
    names: list[str] = []
    values: list[str] = []
    server = result.header("server") or ""
    if server and _VERSION.search(server):
        names.append("Server")
        values.append(server)
    for name in _DISCLOSING:
        value = result.header(name)
        if value:
            names.append(next(k for k, _ in result.headers if k.lower() == name))
            values.append(value)
    if not names:
        return []
    verb, them = ("reveals", "it") if len(names) == 1 else ("reveal", "them")
    shown = " and ".join(clean(v, max_len=60) for v in values)
    return [
        Finding(
            Status.WARN,
            Severity.INFO,
            f"{' and '.join(clean(n) for n in names)} {verb} {shown}: drop {them} so scanners "
            "cannot match the stack to known vulnerabilities",
        )
    ]


# --- http.mixed_content --------------------------------------------------------------------------


@dataclass(frozen=True)
class Subresource:
    """One URL a page loads or submits to."""

    kind: str
    """``script``, ``stylesheet``, ``frame``, ``object``, ``form``, ``image``, ``media``..."""
    url: str
    """Resolved against the page (and its ``<base>``)."""

    @property
    def active(self) -> bool:
        """Active content can act on the page; browsers block it outright over http."""
        return self.kind in _ACTIVE


_ACTIVE = frozenset({"script", "stylesheet", "frame", "object", "form", "preload"})
_PAGE_KINDS = (RouteKind.READ, RouteKind.AUTH, RouteKind.ADMIN)


class _SubresourceParser(HTMLParser):
    """Collects every subresource URL of a page, in document order."""

    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = page_url
        self.found: list[Subresource] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): (value or "") for name, value in attrs}
        if tag == "base" and values.get("href"):
            self.base = urljoin(self.base, values["href"].strip())
            return
        for kind, attr in _kinds(tag, values):
            if attr == "srcset":
                for candidate in values.get("srcset", "").split(","):
                    url = candidate.strip().split(" ")[0] if candidate.strip() else ""
                    self._add(kind, url)
            else:
                self._add(kind, values.get(attr, ""))

    handle_startendtag = handle_starttag

    def _add(self, kind: str, value: str) -> None:
        value = value.strip()
        if value:
            self.found.append(Subresource(kind, urljoin(self.base, value)))


def _kinds(tag: str, values: dict[str, str]) -> list[tuple[str, str]]:
    """``(kind, attribute)`` pairs naming the URLs a tag loads."""
    if tag == "script":
        return [("script", "src")]
    if tag == "link":
        rel = values.get("rel", "").lower().split()
        if "stylesheet" in rel:
            return [("stylesheet", "href")]
        if "preload" in rel or "modulepreload" in rel:
            return [("preload", "href")]
        if "icon" in rel:
            return [("image", "href")]
        return []
    if tag in ("iframe", "frame"):
        return [("frame", "src")]
    if tag == "object":
        return [("object", "data")]
    if tag == "embed":
        return [("object", "src")]
    if tag == "form":
        return [("form", "action")]
    if tag == "img":
        return [("image", "src"), ("image", "srcset")]
    if tag in ("audio", "video", "source", "track"):
        pairs = [("media", "src"), ("media", "srcset")]
        return [*pairs, ("image", "poster")] if tag == "video" else pairs
    if tag == "input" and values.get("type", "").lower() == "image":
        return [("image", "src")]
    return []


def find_subresources(html_text: str, page_url: str) -> list[Subresource]:
    """Every subresource URL of ``html_text``, resolved against ``page_url``."""
    parser = _SubresourceParser(page_url)
    parser.feed(html_text)
    parser.close()
    return parser.found


@CHECKS.register(
    "http.mixed_content",
    stage="delivery",
    title="No mixed content",
    severity=Severity.MEDIUM,
    applies_to=AppliesTo.ROUTE,
    route_kinds=_PAGE_KINDS,
    pages=True,
)
async def mixed_content(ctx: CheckContext) -> CheckResult:
    """Look for ``http://`` subresources in the route's HTML served over HTTPS."""
    if ctx.services.http is None:
        return no_http_result(ctx)
    route = ctx.route
    assert route is not None
    if route.method.upper() != "GET":
        return ctx.result(Status.SKIPPED, f"Not a page: the route is a {route.method} endpoint")
    answer = await fetch_https(ctx, route.url)
    result = answer.result
    evidence: dict[str, JSONValue] = {"fetch": answer_evidence(answer)}
    skipped = _not_a_page(answer)
    if skipped is not None:
        status, summary = skipped
        return ctx.result(status, summary, evidence=evidence)

    text = result.text()
    insecure = [r for r in find_subresources(text, result.final_url) if _is_http(r.url)]
    evidence["insecure"] = [{"kind": r.kind, "url": r.url} for r in insecure]
    if not insecure:
        count = len(find_subresources(text, result.final_url))
        return ctx.result(
            Status.PASS,
            f"No http:// subresources among the {count} on {clean(result.final_url)}",
            evidence=evidence,
        )
    csp = " ".join(result.header_values("content-security-policy")).lower()
    upgraded = "upgrade-insecure-requests" in csp
    evidence["upgrade_insecure_requests"] = upgraded
    return outcome(ctx, [_mixed_finding(insecure, upgraded)], evidence, "")


def _not_a_page(answer: Answer) -> tuple[Status, str] | None:
    result = answer.result
    if not answer.ok:
        return unanswered_verdict(result)
    if urlsplit(result.final_url).scheme != "https":
        return (
            Status.SKIPPED,
            f"{clean(result.final_url)} is served over plain HTTP, so nothing is mixed: "
            "http.https_forced reports it",
        )
    kind = (result.header("content-type") or "").split(";")[0].strip().lower()
    if kind not in ("text/html", "application/xhtml+xml"):
        return Status.SKIPPED, f"Not an HTML page ({clean(kind) or 'no Content-Type'})"
    return None


def _mixed_finding(insecure: Sequence[Subresource], upgraded: bool) -> Finding:
    kinds = list(dict.fromkeys(r.kind for r in insecure))
    listed = ", ".join(clean(r.url, max_len=120) for r in insecure[:4])
    if len(insecure) > 4:
        listed += f" and {len(insecure) - 4} more"
    what = f"http:// {_and(kinds)} on an https page ({listed})"
    if upgraded:
        return Finding(
            Status.WARN,
            Severity.LOW,
            f"Mixed content: {what}; upgrade-insecure-requests makes browsers fetch them over "
            "HTTPS, so fix the URLs before relying on it",
        )
    if any(r.active for r in insecure):
        return Finding(
            Status.FAIL,
            Severity.HIGH,
            f"Mixed content: {what}; browsers block active content, breaking the page",
        )
    return Finding(
        Status.WARN,
        Severity.MEDIUM,
        f"Mixed content: {what}; browsers flag the page as not secure",
    )


def _is_http(url: str) -> bool:
    try:
        return urlsplit(url).scheme.lower() == "http"
    except ValueError:
        return False


def _and(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]

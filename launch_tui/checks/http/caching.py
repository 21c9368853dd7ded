"""``http.caching``: whether a public page can be cached, and whether something caches it.

Reads Cache-Control, validators (ETag, Last-Modified), Age and the CDN's cache status of the
route's first answer (judged by
:func:`~launch_tui.checks.parse.response_facts.caching_verdict`), then,
when the first answer came back whole and time is left, asks again to see a cache hit. Only
``GET``/``HEAD`` read routes that answer 2xx are judged.
"""

from __future__ import annotations

from launch_tui.checks.engine.context import CheckContext
from launch_tui.checks.engine.registry import Registry
from launch_tui.checks.parse.response_facts import cache_facts, caching_verdict, header_text
from launch_tui.checks.perf.probes import time_left
from launch_tui.checks.perf.route_fetch import fetch_error, probes_or_result, route_of
from launch_tui.core.model import CheckResult, JSONValue, RouteKind, Severity, Status
from launch_tui.core.playbook import AppliesTo

__all__ = ["CHECKS", "caching"]

CHECKS = Registry()

#: Seconds a check needs left to make a second request for the cache-hit test.
_MIN_SECOND_S = 0.3


@CHECKS.register(
    "http.caching",
    stage="request-path",
    title="Public pages can be cached",
    severity=Severity.MEDIUM,
    applies_to=AppliesTo.ROUTE,
    route_kinds=(RouteKind.READ,),
)
async def caching(ctx: CheckContext) -> CheckResult:
    """Cache-Control, validators, Age and CDN status; a second request to see a cache hit."""
    probes = await probes_or_result(ctx)
    if isinstance(probes, CheckResult):
        return probes
    route = route_of(ctx)
    if route.method.upper() not in ("GET", "HEAD"):
        return ctx.result(
            Status.SKIPPED, f"{route.method.upper()} answers are not cached by browsers or CDNs"
        )
    first_fetch = await probes.first(route, time_left(ctx))
    fetched = first_fetch.result
    if fetched.status is None:
        return fetch_error(ctx, route, fetched)
    if not 200 <= fetched.status < 300:
        return ctx.result(
            Status.SKIPPED,
            f"Answered {fetched.status}: no page to cache",
            evidence={"status": fetched.status},
        )
    first = cache_facts(fetched)
    # A second request shows whether something cached the first; only when the first came
    # back whole, may be cached by a shared cache at all (not private, not no-store: its
    # second answer would say nothing), and the check has time left for it.
    again = None
    cacheable = not (first.private or first.no_store)
    if cacheable and fetched.failure is None and time_left(ctx) > _MIN_SECOND_S:
        again = await probes.again(route, first_fetch, time_left(ctx))
    second = cache_facts(again) if again is not None and again.status is not None else None
    status, summary = caching_verdict(first)
    if second is not None and second.hit is not None:
        summary += "; second request: " + ("a cache hit" if second.hit else "not a cache hit")
    evidence: dict[str, JSONValue] = {
        "cache_control": first.cache_control,
        "etag": first.etag,
        "last_modified": first.last_modified,
        "age": first.age,
        "cdn_cache_status": first.cdn_status,
        "max_age_s": first.max_age_s,
        "s_maxage_s": first.s_maxage_s,
        "private": first.private,
        "no_store": first.no_store,
        "no_cache": first.no_cache,
        "vary": header_text(fetched.header("vary")),
        "sets_cookie": bool(fetched.header_values("set-cookie")),
        "second_status": again.status if again is not None else None,
        "second_cdn_cache_status": second.cdn_status if second else None,
        "second_age": second.age if second else None,
        "second_hit": second.hit if second else None,
    }
    severity = Severity.LOW if status is Status.WARN else None
    return ctx.result(status, summary, evidence=evidence, severity=severity)

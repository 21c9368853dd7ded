"""Judging one health answer: statuses, HTML catch-alls, JSON statuses, where the version is."""

from __future__ import annotations

from launch_tui.checks.deploy.health_probe import judge, reported_version
from launch_tui.net import FetchResult


def answer(status: int | None, body: bytes = b"", *headers: tuple[str, str]) -> FetchResult:
    return FetchResult(
        url="https://api.x.test/health",
        method="GET",
        final_url="https://api.x.test/health",
        status=status,
        headers=tuple(headers),
        body=body,
    )


def test_a_json_ok_with_a_version_is_healthy() -> None:
    seen = judge(
        answer(200, b'{"status": "ok", "version": "1.2.3"}', ("Content-Type", "application/json")),
        200,
    )
    assert (seen.healthy, seen.version) == (True, "1.2.3")


def test_a_version_header_wins_over_the_body() -> None:
    result = answer(200, b'{"version": "body"}', ("X-App-Version", "2.0.0"))
    assert reported_version(result) == "2.0.0"


def test_an_html_page_is_not_a_health_document_nor_a_version() -> None:
    page = answer(200, b"<html><body>version 9</body></html>", ("Content-Type", "text/html"))
    seen = judge(page, 200)
    assert not seen.healthy and "HTML page" in seen.reason
    assert seen.version == ""


def test_a_degraded_status_a_wrong_status_and_no_answer() -> None:
    degraded = judge(
        answer(200, b'{"status": "degraded"}', ("Content-Type", "application/json")), 200
    )
    assert not degraded.healthy and "'degraded'" in degraded.reason
    assert judge(answer(503), 200).reason == "answers 503, not 200"
    assert not judge(answer(None), 200).healthy


def test_hostile_values_are_cleaned() -> None:
    result = answer(
        200, b"{}", ("X-App-Version", "1.0\x1b[31m"), ("Content-Type", "application/json")
    )
    assert "\x1b" not in reported_version(result)
    body = answer(200, b'{"status": "\\u001b[2Jbad"}', ("Content-Type", "application/json"))
    assert "\x1b" not in judge(body, 200).reason

"""The sampler's arithmetic: nearest-rank quantiles, summaries, client-bound rules, verdicts."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from launch_tui.checks.perf.timing import latency_evidence, latency_verdict, sample_notes
from launch_tui.core.errors import UsageError
from launch_tui.core.model import Route, RouteKind, Severity, Status
from launch_tui.net.sampler import (
    LatencySummary,
    Sample,
    SamplePlan,
    SampleRun,
    SampleTarget,
    client_bound_reasons,
    lag_limit_ms,
    quantile,
    summarize,
)

latencies = st.lists(
    st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=300,
)


def reference(values: list[float], permille: int) -> float:
    """The ceil(q * n)-th smallest, with q = permille / 1000 in exact integer arithmetic."""
    ordered = sorted(values)
    rank = max(1, -(-permille * len(ordered) // 1000))
    return ordered[rank - 1]


# --- quantiles ---------------------------------------------------------------------------------


@given(latencies, st.integers(min_value=0, max_value=1000))
def test_quantile_is_the_nearest_rank_of_the_sorted_list(
    values: list[float], permille: int
) -> None:
    assert quantile(values, permille / 1000) == reference(values, permille)


@given(latencies, st.floats(min_value=0, max_value=1), st.floats(min_value=0, max_value=1))
def test_quantile_is_an_observed_value_and_monotone_in_q(
    values: list[float], q1: float, q2: float
) -> None:
    low, high = sorted((q1, q2))
    assert quantile(values, low) in values
    assert quantile(values, low) <= quantile(values, high)
    assert min(values) <= quantile(values, low) <= max(values)


@given(latencies, st.floats(min_value=0.001, max_value=1))
def test_at_least_q_of_the_values_are_at_or_below_it(values: list[float], q: float) -> None:
    result = quantile(values, q)
    n = len(values)
    wanted = math.ceil(q * n - 1e-9)
    assert sum(1 for v in values if v <= result) >= wanted
    assert sum(1 for v in values if v < result) < max(1, wanted)


def test_quantile_ends_and_float_ranks() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert quantile(values, 0) == 1.0
    assert quantile(values, 1) == 100.0
    assert quantile(values, 0.5) == 50.0
    assert quantile(values, 0.95) == 95.0
    assert quantile(values, 0.99) == 99.0
    # 0.07 * 100 is 7.000000000000001 in floating point: still the 7th value, not the 8th.
    assert quantile(values, 0.07) == 7.0
    assert quantile([5.0, 1.0, 3.0], 0.5) == 3.0  # unsorted input


def test_quantile_refuses_nothing_and_bad_q() -> None:
    with pytest.raises(ValueError, match="no values"):
        quantile([], 0.5)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        quantile([1.0], 1.5)


@given(latencies)
def test_summary_matches_the_quantile_function(values: list[float]) -> None:
    s = summarize(values)
    assert s.count == len(values)
    assert (s.p50_ms, s.p95_ms, s.p99_ms) == (
        quantile(values, 0.5),
        quantile(values, 0.95),
        quantile(values, 0.99),
    )
    assert (s.min_ms, s.max_ms) == (min(values), max(values))
    assert s.mean_ms == pytest.approx(sum(values) / len(values))


def test_summary_of_nothing_is_empty() -> None:
    assert summarize([]) == LatencySummary(count=0)


# --- client-bound ------------------------------------------------------------------------------


def test_lag_limit_is_max_of_2ms_and_5_percent() -> None:
    assert lag_limit_ms(None) == 2.0
    assert lag_limit_ms(20.0) == 2.0
    assert lag_limit_ms(100.0) == 5.0


def test_client_bound_reasons() -> None:
    summary = summarize([20.0] * 10)
    assert client_bound_reasons(summary, cpu_share=0.5, loop_lag_ms=1.0, send_lag_ms=0.5) == ()
    reasons = client_bound_reasons(summary, cpu_share=0.95, loop_lag_ms=3.0, send_lag_ms=4.0)
    assert len(reasons) == 3
    assert reasons[0] == "client CPU at 95% of one core"
    assert reasons[1].startswith("event loop late by 3.0 ms (p95, as answers arrived), over 2.0 ms")
    assert reasons[2] == "requests sent 4.0 ms behind schedule (p95)"
    # A slow route tolerates more lag: 5 % of a 1 s median is 50 ms.
    slow = summarize([1000.0] * 10)
    assert client_bound_reasons(slow, cpu_share=0.2, loop_lag_ms=30.0, send_lag_ms=0.0) == ()


def test_a_lag_mostly_spent_waiting_for_a_cpu_says_so() -> None:
    summary = summarize([20.0] * 10)
    (busy,) = client_bound_reasons(summary, cpu_share=0.1, loop_lag_ms=8.0, send_lag_ms=0.0)
    assert busy.endswith("this process was busy or waiting for a CPU")
    (starved,) = client_bound_reasons(
        summary, cpu_share=0.1, loop_lag_ms=8.0, send_lag_ms=0.0, cpu_wait_ms=6.0
    )
    assert starved.startswith("event loop late by 8.0 ms (p95, as answers arrived), over 2.0 ms")
    assert starved.endswith("6.0 ms of it waiting for a CPU, which the machine had none of")


def test_running_out_of_retakes_flags_a_run_whose_kept_answers_were_on_time() -> None:
    summary = summarize([20.0] * 30)
    calm = {"cpu_share": 0.1, "loop_lag_ms": 0.5, "send_lag_ms": 0.0}
    assert client_bound_reasons(summary, **calm, retaken=14, retake_cap=15) == ()
    (reason,) = client_bound_reasons(summary, **calm, retaken=15, retake_cap=15)
    assert reason.startswith("event loop late as 15 answers arrived, the most a run retakes")
    assert client_bound_reasons(summary, **calm, retaken=0, retake_cap=0) == ()


def test_retakes_are_bounded_and_closed_loop_only() -> None:
    assert SamplePlan(samples=30).max_retakes == 0  # none unless asked
    assert SamplePlan(samples=30, retake_share=0.5).max_retakes == 15
    assert SamplePlan(samples=30, retake_share=0.5, rate_per_s=10).max_retakes == 0
    with pytest.raises(UsageError):
        SamplePlan(retake_share=1.5)


# --- plans and targets ------------------------------------------------------------------------


def test_plan_validation_and_mode() -> None:
    assert SamplePlan().mode == "closed"
    assert SamplePlan(rate_per_s=100).mode == "open"
    assert SamplePlan(samples=3, concurrency=10).workers == 3
    with pytest.raises(UsageError):
        SamplePlan(samples=0)
    with pytest.raises(UsageError):
        SamplePlan(concurrency=0)
    with pytest.raises(UsageError):
        SamplePlan(rate_per_s=0)
    with pytest.raises(UsageError):
        SamplePlan(time_budget_s=0)


def test_target_builds_one_exact_request() -> None:
    target = SampleTarget.from_url("http://api.example.com:8080/v1/items?page=2", "127.0.0.2")
    assert target.port == 8080
    assert target.request.startswith(
        b"GET /v1/items?page=2 HTTP/1.1\r\nHost: api.example.com:8080\r\n"
    )
    assert target.request.endswith(b"\r\n\r\n")
    assert b"Content-Length" not in target.request
    post = SampleTarget.from_url(
        "http://example.com/login", "127.0.0.2", 9000, method="post", headers=[("X-A", "1")]
    )
    assert post.port == 9000
    assert post.request.startswith(b"POST /login HTTP/1.1\r\nHost: example.com\r\n")
    assert b"X-A: 1\r\nContent-Length: 0\r\n\r\n" in post.request
    assert not target.is_ok(404) and target.is_ok(301)
    assert SampleTarget.from_url("http://a.test/", "127.0.0.1", ok_statuses=[401]).is_ok(401)


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        ("ftp://example.com/", ()),
        ("http:///nohost", ()),
        ("http://example.com/a b", ()),
        ("http://example.com/caf\u00e9", ()),
        ("http://example.com/", (("X-Evil", "a\r\nInjected: yes"),)),
    ],
)
def test_target_refuses_what_a_request_line_cannot_carry(
    url: str, headers: tuple[tuple[str, str], ...]
) -> None:
    with pytest.raises(UsageError):
        SampleTarget.from_url(url, "127.0.0.1", headers=headers)


def test_https_needs_a_context() -> None:
    with pytest.raises(UsageError, match="SSL context"):
        SampleTarget.from_url("https://example.com/", "127.0.0.1")


# --- verdicts ----------------------------------------------------------------------------------


def run_of(
    latencies_ms: list[float],
    *,
    failed: int = 0,
    loop_lag: float = 0.0,
    reasons: tuple[str, ...] = (),
) -> SampleRun:
    samples = [
        Sample(index=i, worker=0, latency_ms=ms, status=200, ok=True)
        for i, ms in enumerate(latencies_ms)
    ]
    samples += [
        Sample(
            index=len(samples) + i,
            worker=0,
            latency_ms=5.0,
            status=503,
            ok=False,
            failure="status 503",
        )
        for i in range(failed)
    ]
    return SampleRun(
        url="https://www.example.com/",
        plan=SamplePlan(),
        samples=tuple(samples),
        summary=summarize(latencies_ms),
        wall_s=2.0,
        client_cpu_s=0.1,
        loop_lag_p95_ms=loop_lag,
        send_lag_mean_ms=0.0,
        send_lag_p95_ms=0.0,
        connects=5,
        budget_exhausted=False,
        client_bound_reasons=reasons,
    )


READ = Route(name="home", url="https://www.example.com/")
AUTH = Route(name="login", url="https://app.example.com/login", kind=RouteKind.AUTH, method="POST")


def test_verdict_bands_for_reads_and_sign_in() -> None:
    assert latency_verdict(run_of([100.0] * 30), READ).status is Status.PASS
    warn = latency_verdict(run_of([470.0] * 30), READ)
    assert (warn.status, warn.severity) == (Status.WARN, Severity.MEDIUM)
    assert warn.summary.startswith("p95 470 ms, close to the 500 ms read budget (94%)")
    fail = latency_verdict(run_of([100.0] * 27 + [1400.0] * 3), READ)
    assert fail.status is Status.FAIL
    assert fail.summary.startswith("p95 1.40 s, over the 500 ms read budget (280%)")
    # The same 700 ms p95 fails a read and passes sign-in (800 ms)... at 88 %.
    assert latency_verdict(run_of([700.0] * 30), READ).status is Status.FAIL
    assert latency_verdict(run_of([700.0] * 30), AUTH).status is Status.PASS
    assert "the 800 ms sign-in budget" in latency_verdict(run_of([700.0] * 30), AUTH).summary


def test_route_budget_overrides_the_bar() -> None:
    tight = Route(name="search", url="https://x.test/s", p95_budget_ms=200)
    verdict = latency_verdict(run_of([250.0] * 30), tight)
    assert verdict.status is Status.FAIL
    assert "the route's 200 ms budget" in verdict.summary
    evidence = latency_evidence(run_of([250.0] * 30), tight)
    assert (evidence["budget_ms"], evidence["budget_share_pct"]) == (200, 125.0)


def test_failed_requests_warn_then_fail() -> None:
    one = latency_verdict(run_of([100.0] * 29, failed=1), READ)
    assert one.status is Status.WARN and one.summary.startswith("1 of 30 requests failed")
    many = latency_verdict(run_of([100.0] * 27, failed=3), READ)
    assert many.status is Status.FAIL
    assert many.summary.startswith("3 of 30 requests failed (status 503 x3)")
    none = latency_verdict(run_of([], failed=4), READ)
    assert none.status is Status.ERROR


def test_too_few_answers_is_no_verdict() -> None:
    assert latency_verdict(run_of([100.0] * 4), READ).status is Status.ERROR


def test_client_bound_run_keeps_verdicts_its_lag_cannot_change() -> None:
    busy = ("event loop late by 30.0 ms (p95), over 5.0 ms",)
    clear_pass = latency_verdict(run_of([100.0] * 30, loop_lag=30.0, reasons=busy), READ)
    assert clear_pass.status is Status.PASS
    assert "the client was busy (figures high by up to 30 ms)" in clear_pass.summary
    clear_fail = latency_verdict(run_of([1400.0] * 30, loop_lag=30.0, reasons=busy), READ)
    assert clear_fail.status is Status.FAIL
    # 510 ms could be 480 ms without the client's 30 ms of lag: not the server's figure.
    unclear = latency_verdict(run_of([510.0] * 30, loop_lag=30.0, reasons=busy), READ)
    assert unclear.status is Status.ERROR
    assert unclear.summary.startswith("Not measured fairly: this client was the bottleneck")


def test_evidence_uses_the_report_key_names() -> None:
    evidence = latency_evidence(run_of([100.0] * 28 + [300.0, 900.0]), READ)
    for key in (
        "p50_ms",
        "p95_ms",
        "p99_ms",
        "max_ms",
        "samples",
        "errors",
        "error_rate",
        "budget_ms",
        "client_bound",
        "client_cpu_pct",
        "requests_per_s",
    ):
        assert key in evidence, key
    assert (evidence["p50_ms"], evidence["p95_ms"], evidence["p99_ms"]) == (100.0, 300.0, 900.0)
    assert evidence["samples"] == 30 and evidence["quantile_method"] == "nearest-rank"


def test_retaken_answers_are_counted_and_named_not_timed() -> None:
    run = run_of([100.0] * 30)
    late = tuple(
        Sample(
            index=30 + i,
            worker=0,
            latency_ms=160.0,
            status=200,
            ok=True,
            answer_lag_ms=lag,
            retaken=True,
        )
        for i, lag in enumerate((40.0, 60.0, 55.0))
    )
    run = replace(run, samples=run.samples + late)
    evidence = latency_evidence(run, READ)
    assert (evidence["retaken"], evidence["retaken_lag_p50_ms"]) == (3, 55.0)
    assert (evidence["sent"], evidence["samples"]) == (33, 30)
    (note,) = sample_notes(run)
    assert note == (
        "3 answers arrived while this machine kept the sampler waiting (typically 55 ms): "
        "sent again, left out of the timings"
    )

"""Nearest-rank quantiles and the latency summary the sampler reports.

The q-quantile of n values is the ``ceil(q * n)``-th smallest, so every reported percentile is a
latency some request really had. Shared by :mod:`launch_tui.net.sampler` (which re-exports these
names) and the checks that read its runs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: Floor of the lag that flags a run as client-bound (the accuracy target's absolute part).
LAG_FLOOR_MS = 2.0
#: ... and its relative part, against the run's median latency.
LAG_SHARE = 0.05


def _rank(n: int, q: float) -> int:
    """0-based index of the nearest-rank q-quantile among ``n`` sorted values."""
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile must be within [0, 1], got {q}")
    # q * n in floating point can land a hair above a whole number (0.07 * 100 is 7.000...01);
    # the tolerance keeps ceil() on the rank a person means.
    return min(n, max(1, math.ceil(q * n - 1e-9))) - 1


def quantile(values: Iterable[float], q: float) -> float:
    """The nearest-rank ``q``-quantile of ``values``: the ``ceil(q * n)``-th smallest.

    ``q = 0`` gives the minimum, ``q = 1`` the maximum. Raises ``ValueError`` for no values or
    ``q`` outside [0, 1].
    """
    ordered = sorted(values)
    if not ordered:
        raise ValueError("quantile of no values")
    return ordered[_rank(len(ordered), q)]


@dataclass(frozen=True)
class LatencySummary:
    """Quantiles of the successful requests' latencies, in milliseconds (``None``: none)."""

    count: int
    """Requests timed (successful ones)."""
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    min_ms: float | None = None
    max_ms: float | None = None
    mean_ms: float | None = None


def summarize(latencies_ms: Sequence[float]) -> LatencySummary:
    """Nearest-rank p50/p95/p99, min, max and mean of ``latencies_ms``."""
    ordered = sorted(latencies_ms)
    n = len(ordered)
    if n == 0:
        return LatencySummary(count=0)
    return LatencySummary(
        count=n,
        p50_ms=ordered[_rank(n, 0.50)],
        p95_ms=ordered[_rank(n, 0.95)],
        p99_ms=ordered[_rank(n, 0.99)],
        min_ms=ordered[0],
        max_ms=ordered[-1],
        mean_ms=math.fsum(ordered) / n,
    )


def lag_limit_ms(p50_ms: float | None) -> float:
    """Client lag above which a run is client-bound: ``max(2 ms, 5 % of the median)``."""
    return max(LAG_FLOOR_MS, LAG_SHARE * (p50_ms or 0.0))

"""Latency distributions for sandbox routes: their exact quantiles and a seeded sampler.

A route's latency is a delay the server waits (``asyncio.sleep``) before answering. Benchmarks
compare what a sampler measured with the distribution's *true* quantiles, so every distribution
here can say exactly what its quantiles are, and draws come from a seeded ``random.Random`` so two
runs of the same world apply the same delays in the same order.

All values are milliseconds. Negative draws are clamped to 0 (a server cannot answer early), and
the quantile functions account for that clamp.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from statistics import NormalDist
from typing import TypeAlias


@dataclass(frozen=True)
class NoDelay:
    """Answer at once."""

    def sample(self, rng: random.Random) -> float:
        return 0.0

    def cdf(self, ms: float) -> float:
        return 1.0 if ms >= 0 else 0.0

    def quantile(self, q: float) -> float:
        _check_q(q)
        return 0.0

    @property
    def mean(self) -> float:
        return 0.0


@dataclass(frozen=True)
class FixedDelay:
    """The same delay on every request."""

    ms: float
    """Delay in milliseconds."""

    def sample(self, rng: random.Random) -> float:
        return self.ms

    def cdf(self, ms: float) -> float:
        return 1.0 if ms >= self.ms else 0.0

    def quantile(self, q: float) -> float:
        _check_q(q)
        return self.ms

    @property
    def mean(self) -> float:
        return self.ms


@dataclass(frozen=True)
class NormalDelay:
    """Normally distributed delay, clamped at 0."""

    mean_ms: float
    """Mean of the underlying normal distribution."""
    sd_ms: float
    """Standard deviation of the underlying normal distribution (> 0)."""

    def sample(self, rng: random.Random) -> float:
        return max(0.0, rng.gauss(self.mean_ms, self.sd_ms))

    def cdf(self, ms: float) -> float:
        if ms < 0:
            return 0.0
        return NormalDist(self.mean_ms, self.sd_ms).cdf(ms)

    def quantile(self, q: float) -> float:
        _check_q(q)
        if q in (0.0, 1.0):
            return 0.0 if q == 0.0 else math.inf
        return max(0.0, NormalDist(self.mean_ms, self.sd_ms).inv_cdf(q))

    @property
    def mean(self) -> float:
        # Mean of max(0, X) for X ~ N(mu, sd): mu * Phi(mu/sd) + sd * phi(mu/sd).
        z = self.mean_ms / self.sd_ms
        unit = NormalDist()
        return self.mean_ms * unit.cdf(z) + self.sd_ms * unit.pdf(z)


@dataclass(frozen=True)
class LogNormalDelay:
    """Log-normally distributed delay: a realistic long right tail."""

    median_ms: float
    """Median delay (> 0); ``exp(mu)`` of the underlying normal."""
    sigma: float
    """Standard deviation of ``log(delay)`` (> 0); 0.5 is mild, 1.0 a heavy tail."""

    def sample(self, rng: random.Random) -> float:
        return rng.lognormvariate(math.log(self.median_ms), self.sigma)

    def cdf(self, ms: float) -> float:
        if ms <= 0:
            return 0.0
        return NormalDist(math.log(self.median_ms), self.sigma).cdf(math.log(ms))

    def quantile(self, q: float) -> float:
        _check_q(q)
        if q in (0.0, 1.0):
            return 0.0 if q == 0.0 else math.inf
        return math.exp(NormalDist(math.log(self.median_ms), self.sigma).inv_cdf(q))

    @property
    def mean(self) -> float:
        return self.median_ms * math.exp(self.sigma**2 / 2)


@dataclass(frozen=True)
class LongTailDelay:
    """A fast path most of the time and a slow path for a fraction ``p`` of requests.

    The classic "p95 hides in the average" shape: with ``p = 0.1`` and ``slow_ms = 1400`` the
    median is fast while p95 and p99 are 1.4 s.
    """

    fast_ms: float
    """Delay of the fast path (its mean when ``jitter_ms`` > 0)."""
    slow_ms: float
    """Delay of the slow path (fixed)."""
    p: float
    """Fraction of requests that take the slow path, 0 < p < 1."""
    jitter_ms: float = 0.0
    """Standard deviation of the fast path; 0 makes it fixed."""

    def _fast(self) -> FixedDelay | NormalDelay:
        return (
            NormalDelay(self.fast_ms, self.jitter_ms)
            if self.jitter_ms > 0
            else FixedDelay(self.fast_ms)
        )

    def sample(self, rng: random.Random) -> float:
        # Draw the fast value on both paths, so the sequence never depends on the path taken.
        slow = rng.random() < self.p
        fast = self._fast().sample(rng)
        return self.slow_ms if slow else fast

    def cdf(self, ms: float) -> float:
        slow = 1.0 if ms >= self.slow_ms else 0.0
        return (1 - self.p) * self._fast().cdf(ms) + self.p * slow

    def quantile(self, q: float) -> float:
        _check_q(q)
        if self.jitter_ms <= 0:
            # Two point masses: exact, no search.
            low, high = sorted((self.fast_ms, self.slow_ms))
            low_mass = (1 - self.p) if low == self.fast_ms else self.p
            return low if q <= low_mass else high
        if q == 1.0:
            return max(self.slow_ms, self._fast().quantile(1.0))
        found = _bisect_quantile(self.cdf, q, hi=max(self.slow_ms, self.fast_ms) * 2 + 1000)
        # The search lands a hair above a step; snap to the slow path's exact value.
        return self.slow_ms if abs(found - self.slow_ms) < 1e-3 else found

    @property
    def mean(self) -> float:
        return (1 - self.p) * self._fast().mean + self.p * self.slow_ms


#: Every latency distribution a route can have.
Latency: TypeAlias = NoDelay | FixedDelay | NormalDelay | LogNormalDelay | LongTailDelay

#: Names used in world files (``latency = { kind = "fixed", ms = 20 }``).
LATENCY_KINDS: tuple[str, ...] = ("none", "fixed", "normal", "lognormal", "long-tail")


class LatencySampler:
    """Draws delays for one route from a seeded generator, in request order."""

    def __init__(self, latency: Latency, seed: int) -> None:
        self.latency = latency
        self._rng = random.Random(seed)  # noqa: S311 - simulation, not security

    def next_ms(self) -> float:
        """The delay to apply to the next request, in milliseconds."""
        return self.latency.sample(self._rng)


def route_seed(world_seed: int, *parts: str) -> int:
    """A stable per-route seed (``hash()`` is salted per process, so it cannot be used)."""
    text = ":".join((str(world_seed), *parts)).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big")


def _check_q(q: float) -> None:
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile must be within [0, 1], got {q}")


def _bisect_quantile(cdf: Callable[[float], float], q: float, hi: float) -> float:
    """Smallest x with cdf(x) >= q, to within a microsecond."""
    lo = 0.0
    if cdf(lo) >= q:
        return lo
    while cdf(hi) < q:
        hi *= 2
    while hi - lo > 1e-6:
        mid = (lo + hi) / 2
        if cdf(mid) >= q:
            hi = mid
        else:
            lo = mid
    return hi

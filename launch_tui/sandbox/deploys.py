"""Releases on sandbox hosts: deploy a version, roll back, make a deploy go bad.

A world's ``[[deploys]]`` tables name the hosts whose release can change
(:class:`~launch_tui.sandbox.world.DeploySpec`). :class:`Deployments` keeps each one's release
history and what its current rollout does; the host's :class:`~.responder.Responder` asks it,
request by request, which version to report (the version header on every answer, the ``version``
key of the health route's JSON) and how the health route answers:

- ``unhealthy_s``: the health route answers 503 for this long after the deploy (``inf``: it
  never recovers), the way an app that cannot reach its database does;
- ``lag_s``: the version header and health JSON keep reporting the previous release for this
  long (a load balancer still draining old instances, a cache in front of the version route);
- ``flap_s``: the health route alternates 200 and 503, request by request, for this long;
- ``hang_s``: health requests get no answer for this long (each is held until then).

State changes come from any thread (the admin port runs on the sandbox's loop, tests call the
methods directly): each change swaps one frozen :class:`Rollout` under a lock, and readers take
the current value. Times are ``time.monotonic`` seconds, so they mean the same in every thread.
"""

from __future__ import annotations

import asyncio
import json
import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from launch_tui.core.errors import LaunchError
from launch_tui.core.model import JSONValue
from launch_tui.sandbox.http11 import Response
from launch_tui.sandbox.world import DeploySpec, RouteSpec


class DeployError(LaunchError):
    """A deploy request the sandbox cannot carry out (unknown host, nothing to roll back)."""

    title = "Sandbox deploy refused"


class Health(StrEnum):
    """How the health route answers right now."""

    OK = "ok"
    FAILING = "failing"
    HANG = "hang"


@dataclass(frozen=True)
class BadRollout:
    """What goes wrong after a deploy or rollback, each for so many seconds (0: nothing)."""

    unhealthy_s: float = 0.0
    """Health answers 503 this long; ``math.inf`` means until the next deploy."""
    lag_s: float = 0.0
    """Version header and health JSON report the previous release this long."""
    flap_s: float = 0.0
    """Health alternates 200 and 503 this long."""
    hang_s: float = 0.0
    """Health requests are held without an answer this long."""

    def __post_init__(self) -> None:
        for name in ("unhealthy_s", "lag_s", "flap_s", "hang_s"):
            value = getattr(self, name)
            if math.isnan(value) or value < 0:
                raise DeployError(f"{name} must be a number of seconds >= 0, not {value}")


@dataclass(frozen=True)
class Rollout:
    """One host's release state: what is live, what came before, what its rollout does."""

    history: tuple[str, ...]
    """Releases in the order they went live; the last one is live."""
    reported_before: str
    """What the host reported before this rollout (shown while the version lags)."""
    started: float
    """Monotonic time the rollout began."""
    bad: BadRollout = BadRollout()

    @property
    def version(self) -> str:
        return self.history[-1]


@dataclass(frozen=True)
class DeployStatus:
    """What a host runs and reports right now, for people and the admin port."""

    host: str
    version: str
    """The release deployed (what a correct version endpoint would report)."""
    reported: str
    """What the host reports now (differs from ``version`` while the version lags)."""
    health: Health
    history: tuple[str, ...]
    seconds_since_deploy: float

    def as_json(self) -> dict[str, str | float | list[str]]:
        return {
            "host": self.host,
            "version": self.version,
            "reported": self.reported,
            "health": self.health.value,
            "history": list(self.history),
            "seconds_since_deploy": round(self.seconds_since_deploy, 3),
        }


class Deployments:
    """The release state of every deployable host of a running world."""

    def __init__(
        self, specs: Iterable[DeploySpec], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._specs = {s.host: s for s in specs}
        now = clock()
        self._rollouts = {
            s.host: Rollout(
                history=(s.previous, s.version) if s.previous else (s.version,),
                reported_before=s.version,
                started=now - 1e6,  # long settled
            )
            for s in self._specs.values()
        }
        self._flaps: dict[str, int] = {}

    def hosts(self) -> tuple[str, ...]:
        return tuple(self._specs)

    def spec(self, host: str) -> DeploySpec | None:
        """The host's deploy declaration; ``None`` when its release never changes."""
        return self._specs.get(host)

    def deploy(self, host: str, version: str, bad: BadRollout | None = None) -> DeployStatus:
        """Make ``version`` live on ``host``; ``bad`` says what goes wrong while it rolls out."""
        version = version.strip()
        if not version or len(version) > 100 or not version.isprintable():
            raise DeployError(f"not a release name: {version!r}")
        with self._lock:
            current = self._rollout(host)
            self._rollouts[host] = Rollout(
                history=(*current.history, version)[-50:],
                reported_before=self._reported(current),
                started=self._clock(),
                bad=bad or BadRollout(),
            )
            self._flaps[host] = 0
        return self.status(host)

    def rollback(self, host: str, bad: BadRollout | None = None) -> DeployStatus:
        """Return ``host`` to the release before the live one."""
        with self._lock:
            current = self._rollout(host)
            if len(current.history) < 2:
                raise DeployError(f"{host} has no earlier release to roll back to")
            self._rollouts[host] = Rollout(
                history=current.history[:-1],
                reported_before=self._reported(current),
                started=self._clock(),
                bad=bad or BadRollout(),
            )
            self._flaps[host] = 0
        return self.status(host)

    def status(self, host: str) -> DeployStatus:
        rollout = self._rollout(host)
        return DeployStatus(
            host=host,
            version=rollout.version,
            reported=self._reported(rollout),
            health=self._health(rollout, host, count=False),
            history=rollout.history,
            seconds_since_deploy=max(0.0, self._clock() - rollout.started),
        )

    def statuses(self) -> tuple[DeployStatus, ...]:
        return tuple(self.status(h) for h in self._specs)

    # --- asked by the responder, per request --------------------------------------------------

    def reported_version(self, host: str) -> str:
        """The release ``host`` reports now."""
        return self._reported(self._rollout(host))

    def health(self, host: str) -> tuple[Health, float]:
        """How the health route answers this request, and for a hang, how long to hold it."""
        rollout = self._rollout(host)
        state = self._health(rollout, host, count=True)
        held = rollout.started + rollout.bad.hang_s - self._clock()
        return state, max(0.0, held)

    def _rollout(self, host: str) -> Rollout:
        try:
            return self._rollouts[host]
        except KeyError:
            known = ", ".join(self._specs) or "none"
            raise DeployError(f"no deployable host {host!r}; deployable: {known}") from None

    def _reported(self, rollout: Rollout) -> str:
        lagging = self._clock() - rollout.started < rollout.bad.lag_s
        return rollout.reported_before if lagging else rollout.version

    def _health(self, rollout: Rollout, host: str, *, count: bool) -> Health:
        age = self._clock() - rollout.started
        bad = rollout.bad
        if age < bad.hang_s:
            return Health.HANG
        if age < bad.unhealthy_s:
            return Health.FAILING
        if age < bad.flap_s:
            flaps = self._flaps.get(host, 0)
            if count:
                self._flaps[host] = flaps + 1
            return Health.FAILING if flaps % 2 else Health.OK
        return Health.OK


async def released(
    deploys: Deployments, host: str, route: RouteSpec, response: Response
) -> Response:
    """``response`` as the host's current rollout shapes it: the reported release in the version
    header, and for the health route, its status and JSON (held first during a hang)."""
    spec = deploys.spec(host)
    if spec is None:
        return response
    is_health = route.path == spec.health_path and route.method == "GET"
    state = Health.OK
    if is_health:
        state, held = deploys.health(host)
        if state is Health.HANG:
            await asyncio.sleep(held)
            state, _ = deploys.health(host)
            if state is Health.HANG:  # a redeploy started another hang meanwhile
                state = Health.FAILING
    version = deploys.reported_version(host)
    wanted = spec.version_header.lower()
    headers = [(k, version if k.lower() == wanted else v) for k, v in response.headers]
    if not any(k.lower() == wanted for k, _ in headers):
        headers.append((spec.version_header, version))
    response.headers = headers
    if is_health:
        body: dict[str, JSONValue] = dict(route.json) if isinstance(route.json, dict) else {}
        body["version"] = version
        if state is Health.FAILING:
            response.status = 503
            body["status"] = "unavailable"
        response.body = json.dumps(body, indent=2).encode()
    return response

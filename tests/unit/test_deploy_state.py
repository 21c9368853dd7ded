"""Release state of sandbox hosts, on a fake clock: deploys, rollbacks and bad rollouts."""

from __future__ import annotations

import math

import pytest

from launch_tui.sandbox.deploys import BadRollout, DeployError, Deployments, Health
from launch_tui.sandbox.world import DeploySpec


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def deployments(clock: Clock) -> Deployments:
    return Deployments([DeploySpec("api.x.test", "1.2.0", previous="1.1.0")], clock=clock)


def test_a_deploy_reports_the_new_release_and_a_rollback_the_old_one() -> None:
    clock = Clock()
    deploys = deployments(clock)
    assert deploys.reported_version("api.x.test") == "1.2.0"
    deploys.deploy("api.x.test", "1.3.0")
    assert deploys.status("api.x.test").history == ("1.1.0", "1.2.0", "1.3.0")
    assert deploys.reported_version("api.x.test") == "1.3.0"
    status = deploys.rollback("api.x.test")
    assert (status.version, status.health) == ("1.2.0", Health.OK)
    deploys.rollback("api.x.test")
    with pytest.raises(DeployError, match="no earlier release"):
        deploys.rollback("api.x.test")


def test_a_bad_rollout_fails_health_then_recovers_and_the_version_lags() -> None:
    clock = Clock()
    deploys = deployments(clock)
    deploys.deploy("api.x.test", "1.3.0", BadRollout(unhealthy_s=10, lag_s=4))
    assert deploys.health("api.x.test")[0] is Health.FAILING
    assert deploys.reported_version("api.x.test") == "1.2.0"
    clock.now += 5
    assert deploys.reported_version("api.x.test") == "1.3.0"
    assert deploys.health("api.x.test")[0] is Health.FAILING
    clock.now += 5
    assert deploys.health("api.x.test")[0] is Health.OK


def test_flapping_alternates_and_a_hang_says_how_long_to_hold() -> None:
    clock = Clock()
    deploys = deployments(clock)
    deploys.deploy("api.x.test", "1.3.0", BadRollout(flap_s=10))
    seen = [deploys.health("api.x.test")[0] for _ in range(4)]
    assert seen == [Health.OK, Health.FAILING, Health.OK, Health.FAILING]
    deploys.deploy("api.x.test", "1.4.0", BadRollout(hang_s=3))
    clock.now += 1
    assert deploys.health("api.x.test") == (Health.HANG, 2.0)


def test_never_healthy_and_bad_input() -> None:
    clock = Clock()
    deploys = deployments(clock)
    deploys.deploy("api.x.test", "1.3.0", BadRollout(unhealthy_s=math.inf))
    clock.now += 1e9
    assert deploys.health("api.x.test")[0] is Health.FAILING
    with pytest.raises(DeployError, match=r"no deployable host 'www\.x\.test'"):
        deploys.deploy("www.x.test", "1.0")
    with pytest.raises(DeployError, match="not a release name"):
        deploys.deploy("api.x.test", "\x1b[2J")
    with pytest.raises(DeployError, match="lag_s must be"):
        BadRollout(lag_s=-1)

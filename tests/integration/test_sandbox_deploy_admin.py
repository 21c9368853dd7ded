"""The sandbox's deploy admin port changes what the demo's hosts report, over real sockets."""

from __future__ import annotations

import json
import time

import httpx
from sandbox_fixtures import fetch

from launch_tui.sandbox import RunningWorld

pytest_plugins = ["sandbox_fixtures"]

API = "api.brightlane.test"


async def admin(running: RunningWorld, method: str, path: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=running.deploy_admin_url, trust_env=False) as client:
        return await client.request(method, path)


async def health(running: RunningWorld) -> tuple[int, str, dict[str, object]]:
    answer = await fetch(running, f"https://{API}/health")
    body = json.loads(answer.body) if answer.body else {}
    return answer.status, answer.header("x-app-version") or "", body


async def test_deploy_go_bad_and_roll_back_through_the_admin_port(
    demo_world: RunningWorld,
) -> None:
    listed = (await admin(demo_world, "GET", "/deploys")).json()["hosts"]
    assert {h["host"]: h["version"] for h in listed} == {
        API: "1.8.2",
        "staging.brightlane.test": "1.9.0-rc.2",
    }
    assert await health(demo_world) == (
        200,
        "1.8.2",
        {"status": "ok", "version": "1.8.2", "db": "ok"},
    )

    deployed = await admin(demo_world, "POST", f"/deploys/{API}?version=1.9.0&unhealthy_s=never")
    assert deployed.status_code == 200 and deployed.json()["health"] == "failing"
    status, header, body = await health(demo_world)
    assert (status, header, body["version"], body["status"]) == (
        503,
        "1.9.0",
        "1.9.0",
        "unavailable",
    )
    # The version header is on every route of the host, not only health.
    listings = await fetch(demo_world, f"https://{API}/v1/listings")
    assert listings.header("x-app-version") == "1.9.0"

    rolled = await admin(demo_world, "POST", f"/deploys/{API}/rollback?lag_s=3600")
    assert rolled.json()["version"] == "1.8.2" and rolled.json()["reported"] == "1.9.0"
    status, header, body = await health(demo_world)
    assert (status, header, body["version"]) == (200, "1.9.0", "1.9.0"), "the version lags"


async def test_a_hanging_health_route_answers_only_after_the_hang(demo_world: RunningWorld) -> None:
    await admin(demo_world, "POST", f"/deploys/{API}?version=2.0.0&hang_s=0.3")
    began = time.monotonic()
    status, header, _ = await health(demo_world)
    assert time.monotonic() - began >= 0.25
    assert (status, header) == (200, "2.0.0")


async def test_the_admin_port_refuses_what_it_cannot_do(demo_world: RunningWorld) -> None:
    unknown = await admin(demo_world, "POST", "/deploys/www.brightlane.test?version=1")
    assert (
        unknown.status_code == 404 and "deployable: api.brightlane.test" in unknown.json()["error"]
    )
    no_version = await admin(demo_world, "POST", f"/deploys/{API}")
    assert no_version.status_code == 400
    bad_number = await admin(demo_world, "POST", f"/deploys/{API}?version=2&lag_s=soon")
    assert bad_number.status_code == 400 and "lag_s" in bad_number.json()["error"]
    await admin(demo_world, "POST", f"/deploys/{API}/rollback")
    nothing_left = await admin(demo_world, "POST", f"/deploys/{API}/rollback")
    assert nothing_left.status_code == 409
    assert (await admin(demo_world, "GET", "/nope")).status_code == 404

"""``perf.first_response`` does not blame the server for this client's own lag.

One request says little, and on a loaded machine (a CI runner, many checks at once) the answer
can sit unnoticed while the event loop is busy. The first fetch records how late the loop ran;
an answer that is over the budget only by that much is not a finding.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from typing import Any

from check_runs import run_checks, select

from launch_tui.checks.engine.services import open_check_services
from launch_tui.core.model import Status
from launch_tui.net import FetchResult, HttpClient
from launch_tui.sandbox import RunningWorld, session_for

pytest_plugins = ["sandbox_fixtures"]

#: The demo's dashboard answers in about 180 ms, well inside its 500 ms read budget.
ROUTE = "dashboard"


class BusyClient:
    """The run's HTTP client on a busy machine: the loop stalls while an answer is on its way.

    The sandbox serves from its own thread, so the answer arrives on time; this client only
    notices it when the stall ends (``time.sleep`` holds the loop, as CPU work would).
    """

    def __init__(self, http: HttpClient, *, after_s: float, stall_s: float) -> None:
        self._http = http
        self._after_s = after_s
        self._stall_s = stall_s

    def __getattr__(self, name: str) -> Any:
        return getattr(self._http, name)

    async def fetch(self, *args: Any, **kwargs: Any) -> FetchResult:
        task = asyncio.ensure_future(self._http.fetch(*args, **kwargs))
        await asyncio.sleep(self._after_s)
        time.sleep(self._stall_s)  # the point: this loop is held
        return await task


async def _first_response(running: RunningWorld, stall_s: float) -> tuple[Status, str, dict]:
    session = session_for(running)
    async with open_check_services(session.network) as services:
        assert services.http is not None
        busy = BusyClient(services.http, after_s=0.1, stall_s=stall_s)
        done = await run_checks(
            session,
            select("perf.first_response", targets=[ROUTE]),
            services=replace(services, http=busy),  # type: ignore[arg-type]
        )
    result = done.by_key()[("perf.first_response", ROUTE)]
    return result.status, result.summary, dict(result.evidence)


async def test_an_answer_late_only_by_our_own_stall_is_not_a_finding(
    demo_world_thread: RunningWorld,
) -> None:
    status, summary, evidence = await _first_response(demo_world_thread, stall_s=0.7)
    assert evidence["ms"] > evidence["budget_ms"], "the stall must push the figure over budget"
    assert evidence["client_lag_ms"] >= 500
    assert status is Status.PASS, summary
    assert "lag" in summary and "discounted" in summary


async def test_a_quiet_client_reports_no_lag_worth_discounting(
    demo_world_thread: RunningWorld,
) -> None:
    status, summary, evidence = await _first_response(demo_world_thread, stall_s=0.0)
    assert status is Status.PASS, summary
    assert evidence["ms"] <= evidence["budget_ms"]
    assert "discounted" not in summary

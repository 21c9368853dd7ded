"""The rollback drill (stage 5): note the live release, roll back, time the recovery.

1. ``n`` notes the release the health route reports now (the one to roll back from);
2. the engineer triggers the rollback in their platform (the sandbox: its deploy admin port),
   then presses ``g``: the app polls the health route until it reports another release and is
   healthy, showing each poll;
3. the outcome (time until the release changed, time until healthy, or why not) is handed to
   :attr:`DrillScreen.on_record`, which the app stores in the session.

``w`` is the same watch after a deploy (``launch-tui watch-deploy`` in the TUI): poll the health
route until it is healthy and show the time to healthy.

Polling runs in a worker; ``x`` cancels it. Nothing here blocks the event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import ClassVar
from urllib.parse import quote, urlsplit

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll

from launch_tui.checks.deploy.drill import DrillRecord, note_release, watch_rollback
from launch_tui.checks.deploy.health_probe import HealthProbe, probe, production_health_route
from launch_tui.checks.deploy.health_watch import Poll, WatchOutcome, watch_health
from launch_tui.core.errors import LaunchError
from launch_tui.core.model import Route
from launch_tui.core.sanitize import clean
from launch_tui.sandbox.deploy_admin import call_admin
from launch_tui.tui import commands
from launch_tui.tui.screens.base import LaunchScreen
from launch_tui.tui.widgets.footer import KeyFooter
from launch_tui.tui.widgets.plain import Plain
from launch_tui.tui.workers import open_services

MAX_LINES = 200


def poll_text(poll: Poll) -> Text:
    seen = poll.probe
    status = str(seen.status) if seen.status is not None else "---"
    style = "green" if seen.healthy else "red"
    return Text.assemble(
        (f"{poll.at_s:7.1f} s  ", "dim"),
        (f"{status}  ", style),
        (clean(seen.version or "no version", max_len=40), "bold"),
        ("  " + clean(seen.reason, max_len=120), "dim"),
    )


def record_text(record: DrillRecord) -> Text:
    if record.ok:
        return Text.assemble(
            ("Rolled back ", "bold green"),
            (f"{clean(record.from_version)} -> {clean(record.to_version)}: ", "bold"),
            f"release changed after {record.version_changed_s:.1f} s, "
            f"healthy after {record.healthy_s:.1f} s.",
        )
    words = {
        "no-change": f"the route still reports {clean(record.from_version)}: the rollback did "
        "not happen (or the version lags)",
        "unhealthy": f"the release changed to {clean(record.to_version)} but health did not "
        "recover",
        "cancelled": "cancelled",
    }
    return Text.assemble(
        ("Drill not passed: ", "bold red"),
        f"{words.get(record.outcome.value, record.outcome.value)} "
        f"(watched {record.watched_s:.1f} s).",
    )


def watch_text(outcome: WatchOutcome) -> Text:
    if outcome.cancelled:
        return Text("Cancelled.", style="yellow")
    release = f" running {clean(outcome.version)}" if outcome.version else ""
    if outcome.healthy:
        return Text.assemble(("Healthy ", "bold green"), f"after {outcome.seconds:.1f} s{release}.")
    return Text.assemble(
        ("Not healthy ", "bold red"),
        f"after {outcome.seconds:.1f} s: {clean(outcome.reason)}.",
    )


class DrillScreen(LaunchScreen):
    """A timed, recorded rollback."""

    SCOPE: ClassVar[str] = commands.DRILL
    BINDINGS = commands.bindings(commands.DRILL)

    def __init__(
        self,
        *,
        timeout_s: float = 600.0,
        interval_s: float = 1.0,
        on_record: Callable[[DrillRecord], None] | None = None,
    ) -> None:
        super().__init__()
        self.timeout_s = timeout_s
        self.interval_s = interval_s
        self.on_record = on_record
        self.route: Route | None = None
        self.noted: HealthProbe | None = None
        self.record: DrillRecord | None = None
        self.watched: WatchOutcome | None = None
        self._cancel = asyncio.Event()
        self._lines: list[Text] = []

    def compose(self) -> ComposeResult:
        yield Plain("", id="drill-title")
        yield Plain("", id="drill-step")
        with VerticalScroll(id="drill-log"):
            yield Plain("", id="drill-polls")
        yield KeyFooter()

    def on_mount(self) -> None:
        try:
            self.route = production_health_route(self.session)
        except LaunchError as exc:
            self._step(Text(exc.message, style="bold red"))
            return
        self.query_one("#drill-title", Plain).show(
            Text.assemble(
                (" Rollback drill ", "bold"),
                (f"on {clean(self.route.method)} {clean(self.route.url)}", "dim"),
            )
        )
        self._step(
            Text(
                "Rollback drill: press n to note the release live now. "
                "After a deploy: w watches health until healthy."
            )
        )

    def on_screen_resume(self) -> None:
        if self.launch.options.sandbox_deploys and self.route is not None:
            self.notify(
                "Demo: B deploys a bad release to the sandbox, b rolls it back.",
                title="Rollback drill",
            )

    def _step(self, text: Text) -> None:
        self.query_one("#drill-step", Plain).show(text)

    def _log(self, line: Text) -> None:
        self._lines = [*self._lines, line][-MAX_LINES:]
        self.query_one("#drill-polls", Plain).show(Text("\n").join(self._lines))

    def action_note(self) -> None:
        if self.route is None:
            return
        self.run_worker(self._note(), exclusive=True, group="drill", name="drill-note")

    async def _note(self) -> None:
        route = self.route
        assert route is not None
        async with open_services(self.launch.services_factory, self.session) as services:
            http = services.http
            assert http is not None
            seen = await note_release(lambda within: probe(http, route, within))
        self.noted = seen
        state = "healthy" if seen.healthy else f"not healthy ({clean(seen.reason)})"
        if not seen.version:
            self._step(
                Text(
                    f"The route reports no release version ({state}): a drill needs one to see "
                    "the rollback happen (a version header or a 'version' key).",
                    style="bold red",
                )
            )
            return
        self._step(
            Text.assemble(
                ("Live: ", "bold"),
                (clean(seen.version), "bold"),
                f", {state}. Roll back in your platform now, then press g to time the recovery.",
            )
        )

    def action_go(self) -> None:
        if self.noted is None or not self.noted.version or self.route is None:
            self._step(Text("Note the live release first (n).", style="yellow"))
            return
        self._cancel = asyncio.Event()
        self._lines = []
        self._step(Text(f"Watching for up to {self.timeout_s:g} s; x cancels."))
        self.run_worker(self._watch(), exclusive=True, group="drill", name="drill-watch")

    async def _watch(self) -> None:
        route, noted = self.route, self.noted
        assert noted is not None and route is not None
        async with open_services(self.launch.services_factory, self.session) as services:
            http = services.http
            assert http is not None
            record = await watch_rollback(
                lambda within: probe(http, route, within),
                route=route.name,
                from_version=noted.version,
                started_at=datetime.now(UTC),
                timeout_s=self.timeout_s,
                interval_s=self.interval_s,
                on_poll=lambda poll: self._log(poll_text(poll)),
                cancel=self._cancel,
            )
        self.record = record
        self._step(record_text(record))
        if self.on_record is not None:
            self.on_record(record)

    def action_watch(self) -> None:
        if self.route is None:
            return
        self._cancel = asyncio.Event()
        self._lines = []
        self._step(
            Text(f"Watching health after the deploy, up to {self.timeout_s:g} s; x cancels.")
        )
        self.run_worker(self._watch_deploy(), exclusive=True, group="drill", name="deploy-watch")

    async def _watch_deploy(self) -> None:
        route = self.route
        assert route is not None
        async with open_services(self.launch.services_factory, self.session) as services:
            http = services.http
            assert http is not None
            outcome = await watch_health(
                lambda within: probe(http, route, within),
                timeout_s=self.timeout_s,
                interval_s=self.interval_s,
                on_poll=lambda poll: self._log(poll_text(poll)),
                cancel=self._cancel,
            )
        self.watched = outcome
        self._step(watch_text(outcome))

    def action_sandbox_bad_deploy(self) -> None:
        self._sandbox("POST", "?version=9.9.9-bad&unhealthy_s=20", "deployed 9.9.9-bad")

    def action_sandbox_rollback(self) -> None:
        self._sandbox("POST", "/rollback?lag_s=2&unhealthy_s=3", "rolled back")

    def _sandbox(self, method: str, suffix: str, done: str) -> None:
        admin = self.launch.options.sandbox_deploys
        if not admin or self.route is None:
            self._step(Text("Only the demo's sandbox can be deployed from here.", style="yellow"))
            return
        host = urlsplit(self.route.url).hostname or ""
        self.run_worker(
            self._call_sandbox(admin, method, f"/deploys/{quote(host)}{suffix}", done),
            group="sandbox",
            name="sandbox-deploy",
        )

    async def _call_sandbox(self, admin: str, method: str, target: str, done: str) -> None:
        try:
            status, data = await call_admin(admin, method, target)
        except (OSError, TimeoutError, LaunchError) as exc:
            self._log(Text(f"sandbox: {clean(str(exc), max_len=120)}", style="red"))
            return
        if status != 200:
            self._log(Text(f"sandbox: {clean(str(data.get('error', status)))}", style="red"))
            return
        self._log(Text(f"sandbox: {done} ({clean(str(data.get('version', '')))})", style="cyan"))

    def action_cancel(self) -> None:
        self._cancel.set()

    async def action_close(self) -> None:
        self._cancel.set()
        await self.workers.wait_for_complete()
        self.dismiss()

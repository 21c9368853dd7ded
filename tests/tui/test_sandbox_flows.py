"""The TUI against the sandbox's demo world: real DNS, real TLS, real HTTP on loopback.

Checks the lead has registered by now run as they are; for the stage-3 ids the registry does not
have yet, small sandbox-backed checks stand in (they use the same services the CLI builds), so the
flow from key press to domain map is exercised end to end either way.
"""

from __future__ import annotations

from pathlib import Path

from conftest import AppFactory
from textual.widgets import SelectionList

from launch_tui.checks import CheckContext, Registry, default_registry
from launch_tui.cli.cmd_demo import demo_session
from launch_tui.cli.cmd_open import services_factory
from launch_tui.core.model import CheckResult, Severity, Status
from launch_tui.core.playbook import AppliesTo
from launch_tui.net import inspect_tls, net_config
from launch_tui.sandbox import RunningWorld, session_for
from launch_tui.store import create_session
from launch_tui.tui.app import AppOptions
from launch_tui.tui.deliverables import domain_map_table
from launch_tui.tui.screens.stage import StageScreen
from launch_tui.tui.screens.wizard import WizardScreen
from launch_tui.tui.widgets.deliverable import DeliverablePane, ViewTable
from launch_tui.tui.widgets.fields import Field

pytest_plugins = ["sandbox_fixtures"]


def stage3_registry() -> Registry:
    """The default registry, with sandbox-backed stand-ins for missing stage-3 checks."""
    registry = default_registry()
    stand_ins = Registry()
    if "edge.cloudflare" not in registry:

        @stand_ins.register(
            "edge.cloudflare",
            stage="delivery",
            title="Traffic passes through Cloudflare",
            severity=Severity.HIGH,
            applies_to=AppliesTo.HOST,
        )
        async def cloudflare(ctx: CheckContext) -> CheckResult:
            fetched = await ctx.services.http.fetch(f"https://{ctx.target}/", follow=False)
            names = {name.lower() for name, _ in fetched.headers}
            proxied = "cf-ray" in names
            return ctx.result(
                Status.PASS if proxied else Status.FAIL,
                "cf-ray present" if proxied else "no cf-ray: not behind Cloudflare",
                evidence={"proxied": proxied},
            )

    if "tls.certificate" not in registry:

        @stand_ins.register(
            "tls.certificate",
            stage="delivery",
            title="TLS certificate is trusted, matching, complete and current",
            severity=Severity.CRITICAL,
            applies_to=AppliesTo.HOST,
        )
        async def certificate(ctx: CheckContext) -> CheckResult:
            config = net_config(ctx.session.network)
            report = await inspect_tls(
                ctx.target,
                443,
                now=ctx.clock(),
                connect_to=config.connect_to(ctx.target, 443),
                ca_bundle=config.ca_bundle,
                timeout=5.0,
                probe_protocols=False,
            )
            ok = report.verified
            summary = "trusted" if ok else (report.verify_message or "not verified")
            return ctx.result(
                Status.PASS if ok else Status.FAIL,
                summary,
                evidence={"days_left": report.days_to_expiry},
            )

    registry.extend(stand_ins.all())
    return registry


async def test_stage_three_against_the_sandbox_fills_the_domain_map(
    make_app: AppFactory, sessions_dir: Path, demo_world: RunningWorld
) -> None:
    path = sessions_dir / "demo.toml"
    create_session(path, demo_session(session_for(demo_world))).close()
    app = make_app(
        open_path=path,
        registry=stage3_registry(),
        services_factory=services_factory(),
        clock=lambda: demo_world.started_at,
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.wait_opened()
        await pilot.press("3")
        await pilot.pause()
        assert isinstance(app.screen, StageScreen) and app.screen.stage_id == "delivery"
        await pilot.press("r")
        await app.wait_for_run()
        await pilot.pause()
        assert app.controller is not None
        session = app.controller.session
        hosts = [h.name for h in session.targets.hosts]
        tls = {h: session.result("tls.certificate", h) for h in hosts}
        assert all(result is not None for result in tls.values()), tls
        assert tls["www.brightlane.test"].status is Status.PASS  # type: ignore[union-attr]
        assert tls["staging.brightlane.test"].status is not Status.PASS  # type: ignore[union-attr]
        await pilot.press("t")
        # The tab mounts its pane, which then starts the worker that fills it: wait for both
        # (a worker not started yet is not waited for by wait_for_complete).
        domain = None
        for _ in range(100):
            await pilot.pause()
            await app.workers.wait_for_complete()
            panes = list(app.screen.query(DeliverablePane))
            tables = [t for pane in panes for t in pane.query(ViewTable)]
            domain = next((t for t in tables if t.view.title == "Domain map"), None)
            if domain is not None:
                break
        assert domain is not None, "the deliverable tab never showed its domain map"
        shown = [row[0].text for row in domain.view.rows]
        assert shown == [
            row[0].text for row in domain_map_table(session, pilot.app.now().date()).rows
        ]
        assert "www.brightlane.test" in shown and "api.brightlane.test" in shown
        www = next(row for row in domain.view.rows if row[0].text == "www.brightlane.test")
        assert www[3].status is Status.PASS and www[3].text != "not checked"
        assert demo_world.errors() == ()


async def test_wizard_proposes_the_sandbox_hostnames_from_dns(
    make_app: AppFactory, demo_world: RunningWorld
) -> None:
    network = session_for(demo_world).network
    app = make_app(
        services_factory=services_factory(),
        options=AppOptions(cursor_blink=False, theme="textual-dark", default_network=network),
    )
    async with app.run_test(size=(100, 34)) as pilot:
        await pilot.pause()
        await app.wait_opened()
        await pilot.press("n")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, WizardScreen)
        values = {"client": "Brightlane Ltd", "engineer": "Sam", "apex": "brightlane.test"}
        for field in screen.query(Field):
            if field.id in values:
                field.input.value = values[field.id]
        await pilot.pause()
        await pilot.press("ctrl+n")
        await app.workers.wait_for_complete()
        await pilot.pause()
        found = {name: ok for name, ok, _ in screen.proposals}
        assert found == {
            "www.brightlane.test": True,
            "app.brightlane.test": True,
            "api.brightlane.test": True,
            "admin.brightlane.test": True,
            "staging.brightlane.test": True,
        }
        assert len(screen.query_one("#hosts", SelectionList).selected) == 5

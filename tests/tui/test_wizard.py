"""The new-session wizard: validated as typed, hosts proposed from DNS, session file written."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from conftest import AppFactory
from textual.widgets import SelectionList

from launch_tui.checks import CheckServices
from launch_tui.core.model import HostRole, RouteKind, Session
from launch_tui.store import load_session
from launch_tui.tui.screens.stage import StageScreen
from launch_tui.tui.screens.wizard import WizardScreen
from launch_tui.tui.widgets.fields import Field


@dataclass(frozen=True)
class Answer:
    records: tuple[str, ...]
    cname_chain: tuple[str, ...] = ()


@dataclass(frozen=True)
class Failure:
    message: str


class FakeResolver:
    """www, app and api exist; admin and staging do not."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def resolve(self, name: str, rdtype: str = "A") -> Answer | Failure:
        self.asked.append(name)
        if name.split(".")[0] in {"www", "app", "api"}:
            return Answer(("203.0.113.7",))
        return Failure(f"{name} does not exist (NXDOMAIN)")


async def type_into(pilot: object, field: Field, text: str) -> None:
    """Put ``text`` in a field as if typed (the input's Changed event validates it)."""
    field.input.focus()
    field.input.value = text
    await pilot.pause()  # type: ignore[attr-defined]


def fields(app: object) -> dict[str, Field]:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, WizardScreen)
    return {f.id or "": f for f in screen.query(Field)}


async def test_wizard_creates_a_session_with_hosts_from_dns(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    resolver = FakeResolver()

    def services(session: Session) -> CheckServices:
        return CheckServices(resolver=resolver)

    app = make_app(services_factory=services)
    async with app.run_test(size=(100, 34)) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        f = fields(app)
        await type_into(pilot, f["client"], "Brightlane Ltd")
        await type_into(pilot, f["product"], "Brightlane marketplace")
        await type_into(pilot, f["engineer"], "Sam Carter")
        await type_into(pilot, f["apex"], "brightlane.test")
        await pilot.press("ctrl+n")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, WizardScreen) and screen.step == 1
        assert sorted(resolver.asked) == sorted(
            f"{label}.brightlane.test" for label in ("www", "app", "api", "admin", "staging")
        )
        hosts = screen.query_one("#hosts", SelectionList)
        assert sorted(hosts.selected) == [
            "api.brightlane.test",
            "app.brightlane.test",
            "www.brightlane.test",
        ]
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert screen.step == 2
        assert f["route-home"].value == "https://www.brightlane.test/"
        assert f["route-login"].value == "https://app.brightlane.test/login"
        await type_into(pilot, f["route-webhook"], "https://api.brightlane.test/webhooks/stripe")
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert screen.step == 3
        await type_into(pilot, f["person-name"], "Priya Raman")
        await type_into(pilot, f["person-role"], "CTO")
        await pilot.press("enter")
        await pilot.pause()
        assert [p.name for p in screen.people] == ["Priya Raman"]
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert screen.step == 4
        await type_into(pilot, f["email-provider"], "Postbird")
        await type_into(pilot, f["dkim"], "pb1, s2")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, StageScreen)
        await app.wait_saved()
    session = load_session(sessions_dir / "brightlane-ltd.toml")
    assert session.sprint.client == "Brightlane Ltd"
    assert [(h.name, h.role) for h in session.targets.hosts] == [
        ("brightlane.test", HostRole.APEX),
        ("www.brightlane.test", HostRole.WWW),
        ("app.brightlane.test", HostRole.APP),
        ("api.brightlane.test", HostRole.API),
    ]
    kinds = {r.name: r.kind for r in session.targets.routes}
    assert kinds == {
        "home": RouteKind.READ,
        "login": RouteKind.AUTH,
        "signup": RouteKind.WRITE,
        "health": RouteKind.HEALTH,
        "webhook": RouteKind.WEBHOOK,
    }
    assert [p.name for p in session.people] == ["Sam Carter", "Priya Raman"]
    assert session.targets.dkim_selectors == ("pb1", "s2")
    assert session.stack.email_provider.declared == "Postbird"


async def test_each_field_says_why_it_is_refused(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(100, 34)) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        f = fields(app)
        f["apex"].input.focus()
        await pilot.press(*"https://a.b/")  # typed key by key: the reason follows each key
        await pilot.pause()
        reason = str(f["apex"].query_one(".field-reason").render())
        assert "without https://" in reason
        await type_into(pilot, f["engineer-email"], "sam-at-example")
        await pilot.press("ctrl+n")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, WizardScreen) and screen.step == 0  # refused
        assert "required" in str(f["client"].query_one(".field-reason").render())
        assert "not an email" in str(f["engineer-email"].query_one(".field-reason").render())
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, WizardScreen)


async def test_dns_unavailable_still_lets_hosts_be_typed(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    app = make_app()  # no resolver at all
    async with app.run_test(size=(100, 34)) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        f = fields(app)
        await type_into(pilot, f["client"], "Acme")
        await type_into(pilot, f["engineer"], "Sam")
        await type_into(pilot, f["apex"], "acme.example")
        await pilot.press("ctrl+n")
        await app.workers.wait_for_complete()
        await pilot.pause()
        status = str(app.screen.query_one("#dns-status").render())
        assert "could not be asked" in status
        await type_into(pilot, f["extra-hosts"], "shop, status.acme.example")
        await pilot.press("ctrl+s")
        await pilot.pause()
        await app.wait_saved()
    session = load_session(sessions_dir / "acme.toml")
    assert [h.name for h in session.targets.hosts] == [
        "acme.example",
        "shop.acme.example",
        "status.acme.example",
    ]

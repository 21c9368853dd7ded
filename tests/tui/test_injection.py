"""Hostile text in every widget that shows outside data: literal on screen, no control bytes.

The corpus is what a server, a zone file, a certificate or a commit message can carry: console
markup that would restyle or *act* (``[@click=app.quit]``), markup that would break a parser
(``[/``), IPv6 literals that look like markup (``[::1]``), terminal escapes (OSC title change,
CSI clear screen, BEL), C1 controls, bidi overrides and NULs. Every screen and tab is visited
with a session full of it, then with the sandbox's hostile world after a real audit; what would
be written to the terminal must hold no control character and show the markup as text.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from conftest import FIXED_NOW, AppFactory
from textual.pilot import Pilot

from launch_tui.checks import default_registry
from launch_tui.cli.cmd_demo import demo_session
from launch_tui.cli.cmd_open import services_factory
from launch_tui.core.model import (
    Action,
    CheckResult,
    Decision,
    Exposure,
    Host,
    HostRole,
    Person,
    Route,
    RouteKind,
    Secret,
    Service,
    Session,
    Severity,
    Sprint,
    StageState,
    StageStatus,
    Status,
    Targets,
    UiState,
)
from launch_tui.sandbox import RunningWorld, session_for
from launch_tui.store import create_session
from launch_tui.tui.app import LaunchApp

pytest_plugins = ["sandbox_fixtures"]

CORPUS = (
    "[/",
    "[@click=app.quit]quit[/]",
    "\x1b]0;pwned\x07",
    "[::1]",
    "[b]bold[/b]",
    "\x1b[2J\x1b[31mred",
    "\x9b31m",
    "\u202eevil.exe",
    "nul\x00byte",
    "$client",
    "[link=https://evil.example]x[/link]",
)
HOSTILE = " ".join(CORPUS)
#: Pieces that must appear on screen exactly as written.
LITERALS = ("[@click=app.quit]", "[::1]", "[b]bold[/b]")


def hostile_session() -> Session:
    """A session whose every free-text field carries the corpus."""
    people = (
        Person("sam", f"Sam {HOSTILE}", role=HOSTILE, email="sam@x.example"),
        Person("eve", "[@click=app.quit]Eve", role="[/"),
    )
    results = []
    for index, text in enumerate(CORPUS):
        for check, status in (
            ("dns.records", Status.FAIL),
            ("tls.certificate", Status.WARN),
            ("edge.cloudflare", Status.ERROR),
            ("perf.latency", Status.FAIL),
            ("secrets.repo", Status.FAIL),
            ("http.cookies", Status.FAIL),
        ):
            results.append(
                CheckResult(
                    check_id=check,
                    target="" if check == "secrets.repo" and index else f"{text}-{index}",
                    status=status,
                    severity=Severity.HIGH,
                    summary=f"{text} {HOSTILE}",
                    evidence={
                        text: text,
                        "header": HOSTILE,
                        "list": [text, {"nested": text}],
                        "proxied": False,
                        "days_left": 3,
                        "p95_ms": 900,
                        "samples_ms": [10, 20, 900],
                        "final_url": f"https://[::1]/{text}",
                    },
                    measured_at=FIXED_NOW,
                    duration_ms=12,
                    previous_status=Status.PASS,
                )
            )
    return Session(
        sprint=Sprint(
            id="hostile",
            client=f"Client {HOSTILE}",
            product=HOSTILE,
            engineer="sam",
            started_at=datetime(2026, 5, 4, 8, 30, tzinfo=UTC),
        ),
        targets=Targets(
            apex="hostile.test",
            hosts=(Host("hostile.test", HostRole.APEX), Host("www.hostile.test", HostRole.WWW)),
            routes=(Route(f"route {HOSTILE}", "https://www.hostile.test/", RouteKind.READ),),
        ),
        people=people,
        stages={
            "audit": StageState(StageStatus.IN_PROGRESS, owner="eve", notes=HOSTILE),
            "delivery": StageState(notes=f"line one\n{HOSTILE}"),
        },
        results=tuple(results),
        decisions=(
            Decision(
                "d1",
                "audit",
                Action.ACCEPT_RISK,
                HOSTILE,
                check_id="dns.records",
                owner="eve",
                due=date(2026, 5, 9),
            ),
        ),
        services=(Service(f"svc {HOSTILE}", purpose=HOSTILE, owner="eve", admins=("eve",)),),
        secrets=(Secret(f"KEY_{'[/b]'}", stored_in=HOSTILE, exposure=Exposure.LEAKED),),
        ui=UiState(stage="audit"),
    )


def screen_text(app: LaunchApp) -> str:
    """What the screen would write to the terminal, as text (segments of every line)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


def assert_clean(text: str, where: str) -> None:
    bad = sorted({f"U+{ord(c):04X}" for c in text if _control(c)})
    assert not bad, f"{where}: control characters would reach the terminal: {bad}"


def _control(char: str) -> bool:
    code = ord(char)
    return (code < 0x20 and char != "\n") or 0x7F <= code <= 0x9F or char in "\u202e\u202d"


async def visit(
    app: LaunchApp,
    pilot: Pilot[object],
    seen: list[str],
    *,
    stages: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7),
    tabs: int = 4,
    overlays: bool = True,
) -> None:
    """Stages with their tabs, then the overlays, an error and a toast; record screen text."""

    async def look(where: str) -> None:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running, f"the app stopped at {where}"
        text = screen_text(app)
        assert_clean(text, where)
        seen.append(text)

    await app.wait_opened()
    for number in stages:
        await pilot.press(str(number))
        await look(f"stage {number}")
        for tab in range(tabs):
            await pilot.press("down")
            await pilot.press("t")
            await look(f"stage {number} tab {tab + 1}")
        await pilot.press("tab")  # leave the notes area
        for _ in range(5 - tabs):
            await pilot.press("t")
    if not overlays:
        return
    for key in ("v", "p"):
        await pilot.press(key)
        await look(f"overlay {key}")
        await pilot.press("f", "down")
        await look(f"overlay {key} moved")
        await pilot.press("escape")
    await pilot.press("f1")
    await look("help")
    await pilot.press("escape")
    app.show_error(HOSTILE, HOSTILE)
    await look("error dialog")
    await pilot.press("enter")
    app.say(HOSTILE, title=HOSTILE)
    await look("notification")
    await pilot.press("h")
    await look("home")


async def test_corpus_renders_literally_everywhere(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    """Every stage, tab and overlay at 120 columns (the sidebar shows there too)."""
    path = sessions_dir / "hostile.toml"
    create_session(path, hostile_session()).close()
    app = make_app(open_path=path)
    seen: list[str] = []
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await visit(app, pilot, seen)
        assert app.is_running
    everything = "\n".join(seen)
    for literal in LITERALS:
        assert literal in everything, literal
    assert "␛]0;pwned␇" in everything  # escapes shown as control pictures, not executed


async def test_corpus_renders_literally_at_80_columns(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    """The narrow layouts: the sprint strip and the stacked deliverable tables."""
    path = sessions_dir / "hostile.toml"
    create_session(path, hostile_session()).close()
    app = make_app(open_path=path)
    seen: list[str] = []
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await visit(app, pilot, seen, stages=(1, 2, 3, 7), tabs=1, overlays=False)
    assert "[@click=app.quit]" in "\n".join(seen)


async def test_hostile_world_audit_renders_safely(
    make_app: AppFactory, sessions_dir: Path, hostile_world: RunningWorld
) -> None:
    session = demo_session(session_for(hostile_world))
    path = sessions_dir / "hostile-world.toml"
    create_session(path, replace(session, ui=UiState(stage="audit"))).close()
    app = make_app(
        open_path=path,
        registry=default_registry(),
        services_factory=services_factory(),
        clock=lambda: hostile_world.started_at,
    )
    seen: list[str] = []
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause()
        await app.wait_opened()
        await pilot.press("A")
        await app.wait_for_run()
        await pilot.pause()
        assert app.controller is not None and app.controller.session.results
        await visit(app, pilot, seen, stages=(1, 3), tabs=1)
    assert "[@click=app.quit]" in "\n".join(seen)  # the client's name, from the world file

"""Edit one route's settings in the app: kind, method, expected status, and whether the client
agreed that it may be repeated (load-sampled), with that consent recorded.

A write or sign-in route is only load-sampled once it is marked safe to repeat; until then
``perf.latency`` skips it and the write/auth item of the minimum bar cannot be met. Marking it
needs who agreed and when, written into the request-path stage's notes with the change.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Select

from launch_tui.core.model import Route, RouteKind, Session
from launch_tui.core.sanitize import clean
from launch_tui.tui.screens.modals import _CLOSE, _FormModal
from launch_tui.tui.widgets.fields import Field
from launch_tui.tui.widgets.plain import Plain

#: The stage whose notes keep the consent to repeat a route.
CONSENT_STAGE = "request-path"

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


@dataclass(frozen=True)
class RouteDraft:
    """What the route form returns."""

    kind: RouteKind
    method: str
    expect_status: int
    safe_to_repeat: bool
    consent: str
    """Who agreed the route may be repeated, and when (required to turn it on)."""


def _method(value: str) -> str | None:
    return None if value.strip().upper() in _METHODS else "one of " + ", ".join(sorted(_METHODS))


def _status(value: str) -> str | None:
    text = value.strip()
    if text.isdigit() and 100 <= int(text) <= 599:
        return None
    return "an HTTP status from 100 to 599"


def apply_route(session: Session, name: str, draft: RouteDraft, now: datetime) -> Session:
    """``session`` with route ``name`` changed as ``draft`` says; consent to repeat it (newly
    given) is appended to the request-path stage's notes with the date."""
    routes = session.targets.routes
    old = next(r for r in routes if r.name == name)
    new = replace(
        old,
        kind=draft.kind,
        method=draft.method.strip().upper(),
        expect_status=int(draft.expect_status),
        safe_to_repeat=draft.safe_to_repeat,
    )
    updated = replace(
        session,
        targets=replace(
            session.targets, routes=tuple(new if r.name == name else r for r in routes)
        ),
    )
    if new.safe_to_repeat and not old.safe_to_repeat:
        state = updated.stage(CONSENT_STAGE)
        line = (
            f"{now.date().isoformat()}: route {name} marked safe to repeat (load sampling); "
            f"consent: {' '.join(draft.consent.split())}"
        )
        notes = f"{state.notes.rstrip()}\n{line}".lstrip("\n")
        stages = dict(updated.stages)
        stages[CONSENT_STAGE] = replace(state, notes=notes)
        updated = replace(updated, stages=stages)
    return updated


class RouteForm(_FormModal[RouteDraft]):
    """The settings of one route."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *_CLOSE,
        Binding("ctrl+s", "save", "Save", show=False, priority=True),
    ]

    def __init__(self, route: Route) -> None:
        super().__init__(classes="dialog-screen")
        self.route = route

    def compose(self) -> ComposeResult:
        r = self.route
        with Vertical(classes="dialog", id="route-form"):
            yield Plain(Text("Route settings", style="bold"), classes="dialog-title")
            heading = f"{clean(r.name, max_len=60)}  {clean(r.url, max_len=120)}"
            yield Plain(Text(heading, style="dim"), classes="dialog-text")
            with Horizontal(classes="field"):
                yield Plain(Text("Kind"), classes="field-label")
                yield Select(
                    [(Text(k.value), k.value) for k in RouteKind],
                    value=r.kind.value,
                    allow_blank=False,
                    compact=True,
                    id="route-kind",
                )
                yield Plain("", classes="field-reason")
            yield Field("Method", id="route-method", value=r.method, checks=(_method,))
            yield Field("Expect", id="route-expect", value=str(r.expect_status), checks=(_status,))
            yield Checkbox(
                "Safe to repeat: the client agreed it may be load-sampled",
                value=r.safe_to_repeat,
                id="route-safe",
                compact=True,
            )
            yield Field(
                "Consent",
                id="route-consent",
                placeholder="who agreed, and when",
                hint="needed to turn it on",
            )
            yield Plain("", id="route-reason", classes="dialog-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", variant="primary", id="save", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#route-safe", Checkbox).focus()

    def action_save(self) -> None:
        method = self.query_one("#route-method", Field)
        expect = self.query_one("#route-expect", Field)
        consent = self.query_one("#route-consent", Field)
        problems = [method.show_problem(force=True), expect.show_problem(force=True)]
        safe = self.query_one("#route-safe", Checkbox).value
        needs_consent = safe and not self.route.safe_to_repeat and not consent.value.strip()
        reason = "✗ say who agreed to repeat it, and when" if needs_consent else ""
        self.query_one("#route-reason", Plain).show(Text(reason, style="red"))
        if any(problems) or needs_consent:
            return
        kind = self.query_one("#route-kind", Select).value
        self.dismiss(
            RouteDraft(
                kind=RouteKind(kind) if isinstance(kind, str) else self.route.kind,
                method=method.value,
                expect_status=int(expect.value.strip()),
                safe_to_repeat=safe,
                consent=consent.value,
            )
        )

"""Forms that edit a session's targets beyond routes: the hosts (name and role), the DKIM
selectors and the ``[network]`` settings. Each field shows why a value is not accepted beside
its label; the edits themselves are the pure functions of ``tui/target_edits.py``."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Select

from launch_tui.core.model import HostRole, Session
from launch_tui.tui.screens.modals import _CLOSE, _FormModal
from launch_tui.tui.target_edits import (
    HostDraft,
    NetworkDraft,
    ca_bundle_problem,
    host_name_problem,
    nameservers_problem,
    resolve_problem,
    selectors_problem,
    timeout_problem,
)
from launch_tui.tui.widgets.fields import Field
from launch_tui.tui.widgets.plain import Plain

_SAVE: list[BindingType] = [
    *_CLOSE,
    Binding("ctrl+s", "save", "Save", show=False, priority=True),
]


def _buttons() -> ComposeResult:
    with Horizontal(classes="dialog-buttons"):
        yield Button("Save", variant="primary", id="save", compact=True)
        yield Button("Cancel", id="cancel", compact=True)


class HostsForm(_FormModal[tuple[HostDraft, ...]]):
    """Every host's name and role, and a blank line to add one; a cleared name removes it."""

    BINDINGS: ClassVar[list[BindingType]] = _SAVE
    DEFAULT_CSS = """
    HostsForm #hosts-rows { height: auto; max-height: 55vh; }
    HostsForm .host-row { height: auto; }
    HostsForm .host-row .field { width: 1fr; }
    HostsForm .host-role { width: 12; }
    """

    def __init__(self, session: Session, focus: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self.hosts = session.targets.hosts
        self.apex = session.targets.apex
        self.focus_host = focus

    def compose(self) -> ComposeResult:
        check = host_name_problem(self.apex)
        roles = [(Text(r.value), r.value) for r in HostRole]
        with Vertical(classes="dialog", id="hosts-form"):
            yield Plain(Text("Hosts", style="bold"), classes="dialog-title")
            yield Plain(
                Text(
                    "A bare name (www) is under the apex; clear a name to remove the host.",
                    style="dim",
                ),
                classes="dialog-text",
            )
            with VerticalScroll(id="hosts-rows"):
                for index, host in enumerate((*self.hosts, None)):
                    with Horizontal(classes="host-row"):
                        yield Field(
                            f"Host {index + 1}" if host else "New host",
                            id=f"host-{index}",
                            value=host.name if host else "",
                            placeholder="" if host else "name, e.g. staging",
                            checks=(check,),
                        )
                        yield Select(
                            roles,
                            value=(host.role if host else HostRole.OTHER).value,
                            allow_blank=False,
                            compact=True,
                            id=f"host-{index}-role",
                            classes="host-role",
                        )
            yield Plain("", id="hosts-reason", classes="dialog-text")
            yield from _buttons()

    def on_mount(self) -> None:
        names = [h.name for h in self.hosts]
        index = names.index(self.focus_host) if self.focus_host in names else len(names)
        self.query_one(f"#host-{index}", Field).input.focus()

    def action_save(self) -> None:
        drafts: list[HostDraft] = []
        problems: list[str] = []
        for index, host in enumerate((*self.hosts, None)):
            field = self.query_one(f"#host-{index}", Field)
            problem = field.show_problem(force=True)
            if problem:
                problems.append(f"{field.label}: {problem}")
            role = self.query_one(f"#host-{index}-role", Select).value
            drafts.append(
                HostDraft(
                    old=host.name if host else "",
                    name=field.value,
                    role=HostRole(role) if isinstance(role, str) else HostRole.OTHER,
                )
            )
        names = [d.name.strip().lower() for d in drafts if d.name.strip()]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            problems.append(f"{repeated[0]} is listed twice")
        reason = f"✗ {problems[0]}" if problems else ""
        self.query_one("#hosts-reason", Plain).show(Text(reason, style="red"))
        if not problems:
            self.dismiss(tuple(drafts))


class SelectorsForm(_FormModal[str]):
    """The DKIM selectors the email checks look up."""

    BINDINGS: ClassVar[list[BindingType]] = _SAVE

    def __init__(self, session: Session) -> None:
        super().__init__(classes="dialog-screen")
        self.selectors = session.targets.dkim_selectors

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="selectors-form"):
            yield Plain(Text("DKIM selectors", style="bold"), classes="dialog-title")
            yield Plain(
                Text("The provider's selectors (google, s1, k1), comma-separated.", style="dim"),
                classes="dialog-text",
            )
            yield Field(
                "Selectors",
                id="dkim-selectors",
                value=", ".join(self.selectors),
                checks=(selectors_problem,),
            )
            yield from _buttons()

    def on_mount(self) -> None:
        self.query_one("#dkim-selectors", Field).input.focus()

    def action_save(self) -> None:
        field = self.query_one("#dkim-selectors", Field)
        if field.show_problem(force=True) is None:
            self.dismiss(field.value)


class NetworkForm(_FormModal[NetworkDraft]):
    """The ``[network]`` settings: nameservers, resolve overrides, CA bundle, timeout."""

    BINDINGS: ClassVar[list[BindingType]] = _SAVE

    def __init__(self, session: Session) -> None:
        super().__init__(classes="dialog-screen")
        self.network = session.network

    def compose(self) -> ComposeResult:
        n = self.network
        with Vertical(classes="dialog", id="network-form"):
            yield Plain(Text("Network settings", style="bold"), classes="dialog-title")
            yield Field(
                "Nameservers",
                id="net-nameservers",
                value=", ".join(n.nameservers),
                placeholder="127.0.0.1:5353 (blank: the system's)",
                checks=(nameservers_problem,),
            )
            yield Field(
                "Resolve",
                id="net-resolve",
                value=", ".join(n.resolve),
                placeholder="app.example.com=127.0.0.2:8443",
                checks=(resolve_problem,),
            )
            yield Field(
                "CA bundle",
                id="net-ca-bundle",
                value=n.ca_bundle,
                placeholder="PEM file trusted besides the system's",
                checks=(ca_bundle_problem,),
            )
            yield Field(
                "Timeout",
                id="net-timeout",
                value=f"{n.timeout:g}",
                hint="seconds",
                checks=(timeout_problem,),
            )
            yield Plain("", id="network-reason", classes="dialog-text")
            yield from _buttons()

    def on_mount(self) -> None:
        self.query_one("#net-nameservers", Field).input.focus()

    def action_save(self) -> None:
        fields = [
            self.query_one(f"#net-{name}", Field)
            for name in ("nameservers", "resolve", "ca-bundle", "timeout")
        ]
        problems = [(f.label, f.show_problem(force=True)) for f in fields]
        first = next(((label, p) for label, p in problems if p), None)
        reason = f"✗ {first[0]}: {first[1]}" if first else ""
        self.query_one("#network-reason", Plain).show(Text(reason, style="red"))
        if first is None:
            self.dismiss(NetworkDraft(*(f.value for f in fields)))

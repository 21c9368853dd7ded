"""The new-session wizard: client, hosts from DNS, routes, people, email and repository.

Five steps, each validated as it is typed with the reason beside the field. Hostnames are
proposed from DNS (which of www/app/api/admin/staging answer) and confirmed by the engineer.
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, ContentSwitcher, Input, Select, SelectionList
from textual.widgets.selection_list import Selection

from launch_tui.core.errors import LaunchError
from launch_tui.core.factory import NewSessionRequest, build_session, normalize_hostname
from launch_tui.core.model import RouteKind, Session
from launch_tui.core.sanitize import clean
from launch_tui.tui import commands, edits, validation
from launch_tui.tui.messages import HostProposals
from launch_tui.tui.screens.base import LaunchScreen
from launch_tui.tui.screens.modals import PersonDraft
from launch_tui.tui.widgets.fields import Field
from launch_tui.tui.widgets.footer import KeyFooter
from launch_tui.tui.widgets.plain import Plain
from launch_tui.tui.workers import USUAL_SUBDOMAINS, probe_hostnames

STEPS = ("Client", "Hosts", "Routes", "People", "Email & repo")

#: The routes the wizard asks for: (field id, label, route name, kind).
ROUTES: tuple[tuple[str, str, str, RouteKind], ...] = (
    ("route-home", "Homepage", "home", RouteKind.READ),
    ("route-login", "Login", "login", RouteKind.AUTH),
    ("route-signup", "Signup", "signup", RouteKind.WRITE),
    ("route-flow", "Request flow", "request-flow", RouteKind.WRITE),
    ("route-health", "Health", "health", RouteKind.HEALTH),
    ("route-webhook", "Webhook", "webhook", RouteKind.WEBHOOK),
)


class WizardScreen(LaunchScreen):
    """Create a session step by step."""

    SCOPE: ClassVar[str] = commands.WIZARD
    BINDINGS = commands.bindings(commands.WIZARD)

    def __init__(self) -> None:
        super().__init__(classes="wizard-screen")
        self.step = 0
        self.people: list[PersonDraft] = []
        self.proposals: tuple[tuple[str, bool, str], ...] = ()
        self._probed_apex = ""

    def compose(self) -> ComposeResult:
        yield Plain("", id="wizard-title")
        with ContentSwitcher(initial="step-0", id="steps"):
            with VerticalScroll(id="step-0", classes="step"):
                yield Field("Client", id="client", checks=(validation.required("the client"),))
                yield Field("Product", id="product", hint="optional")
                yield Field("Engineer", id="engineer", checks=(validation.required("your name"),))
                yield Field(
                    "Your email", id="engineer-email", checks=(validation.email,), hint="optional"
                )
                yield Field(
                    "Apex domain",
                    id="apex",
                    placeholder="acme.example",
                    checks=(validation.hostname,),
                )
            with VerticalScroll(id="step-1", classes="step"):
                yield Plain("", id="dns-status")
                yield SelectionList[str](id="hosts")
                yield Field(
                    "Other hosts",
                    id="extra-hosts",
                    placeholder="shop, status.acme.example",
                    checks=(_hosts_check,),
                    hint="optional, comma separated",
                )
            with VerticalScroll(id="step-2", classes="step"):
                yield Plain(
                    Text("Routes to measure (kind in brackets); leave blank to skip.", style="dim")
                )
                for field_id, label, _name, kind in ROUTES:
                    yield Field(
                        f"{label} ({kind.value})",
                        id=field_id,
                        placeholder="https://…",
                        checks=(validation.url,),
                    )
            with VerticalScroll(id="step-3", classes="step"):
                yield Plain("", id="people-list")
                yield Field("Name", id="person-name", hint="then Enter to add")
                yield Field("Role", id="person-role", placeholder="CTO, founder…")
                with Horizontal(classes="field"):
                    yield Plain(Text("Organisation"), classes="field-label")
                    yield Select(
                        [(Text("client"), "client"), (Text("contractor"), "contractor")],
                        value="client",
                        allow_blank=False,
                        compact=True,
                        id="person-org",
                    )
                    yield Plain("", classes="field-reason")
                yield Field("Email", id="person-email", checks=(validation.email,), hint="optional")
                yield Button("Add person", id="add-person", compact=True)
            with VerticalScroll(id="step-4", classes="step"):
                yield Field("Email provider", id="email-provider", placeholder="Postmark, SES…")
                yield Field(
                    "DKIM selectors",
                    id="dkim",
                    placeholder="google, s1",
                    checks=(validation.selectors,),
                    hint="optional",
                )
                yield Field(
                    "Repository",
                    id="repo",
                    placeholder="~/clients/acme/app",
                    checks=(validation.folder,),
                    hint="local checkout",
                )
                yield Field(
                    "Build output",
                    id="build",
                    placeholder="~/clients/acme/app/.next",
                    checks=(validation.folder,),
                    hint="optional",
                )
        with Horizontal(id="wizard-buttons"):
            yield Button("Back", id="back", compact=True)
            yield Button("Next", variant="primary", id="next", compact=True)
            yield Button("Create", variant="success", id="create", compact=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self._show_step(0)
        self._show_people()

    # --- steps ---------------------------------------------------------------------------

    def _show_step(self, step: int) -> None:
        self.step = step
        self.query_one("#steps", ContentSwitcher).current = f"step-{step}"
        title = Text(" New session", style="bold")
        for index, name in enumerate(STEPS):
            title.append("  ")
            style = "reverse bold" if index == step else "dim"
            title.append(f"{index + 1} {name}", style=style)
        self.query_one("#wizard-title", Plain).show(title)
        self.query_one("#back", Button).disabled = False
        self.query_one("#next", Button).display = step < len(STEPS) - 1
        if step == 1:
            self._propose_hosts()
        if step == 2:
            self._prefill_routes()
        if step == 3:
            self._show_people()
        first = self.query_one(f"#step-{step}").query("Input, SelectionList").first()
        first.focus()

    def _step_fields(self, step: int) -> list[Field]:
        return list(self.query_one(f"#step-{step}").query(Field))

    def _step_problems(self, step: int) -> bool:
        problems = [f.show_problem(force=True) for f in self._step_fields(step)]
        if step == 3:
            return False  # the people form is only checked when a person is added
        return any(p is not None for p in problems)

    def action_next(self) -> None:
        if self._step_problems(self.step):
            return
        if self.step < len(STEPS) - 1:
            self._show_step(self.step + 1)

    def action_back(self) -> None:
        if self.step == 0:
            self.app.pop_screen()
        else:
            self._show_step(self.step - 1)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "next":
            self.action_next()
        elif event.button.id == "back":
            self.action_back()
        elif event.button.id == "create":
            self.action_create()
        elif event.button.id == "add-person":
            self._add_person()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id and event.input.id.startswith("person-"):
            self._add_person()
            return
        self.action_next()

    # --- hosts from DNS ------------------------------------------------------------------

    def _value(self, field_id: str) -> str:
        return self.query_one(f"#{field_id}", Field).value.strip()

    def _apex(self) -> str:
        try:
            return normalize_hostname(self._value("apex"))
        except LaunchError:
            return ""

    def _propose_hosts(self) -> None:
        apex = self._apex()
        if not apex or apex == self._probed_apex:
            return
        self._probed_apex = apex
        self.proposals = tuple(
            (f"{label}.{apex}", False, "asking DNS…") for label in USUAL_SUBDOMAINS
        )
        self._show_proposals()
        self.query_one("#dns-status", Plain).show(
            Text(f"Asking DNS which usual hostnames of {apex} exist…", style="dim")
        )
        session = self._draft_session(apex)
        self.run_worker(
            probe_hostnames(apex, session, self.launch.services_factory, self.post_message),
            group="dns",
            exclusive=True,
            exit_on_error=False,
            description="DNS lookups",
        )

    def _draft_session(self, apex: str) -> Session:
        request = NewSessionRequest(client="draft", apex=apex, engineer="draft")
        session = build_session(request, self.launch.now())
        return replace(session, network=self.launch.options.default_network)

    def on_host_proposals(self, message: HostProposals) -> None:
        if message.apex != self._probed_apex:
            return
        status = self.query_one("#dns-status", Plain)
        if message.error:
            status.show(
                Text(f"DNS could not be asked ({message.error}); pick by hand.", style="yellow")
            )
            return
        self.proposals = message.found
        found = sum(1 for _, ok, _ in message.found if ok)
        status.show(
            Text(
                f"{found} of {len(message.found)} usual hostnames answer in DNS; "
                "space toggles, found ones are ticked.",
                style="dim",
            )
        )
        self._show_proposals()

    def _show_proposals(self) -> None:
        hosts = self.query_one("#hosts", SelectionList)
        hosts.clear_options()
        options: list[Selection[str]] = []
        for name, ok, said in self.proposals:
            mark = "found" if ok else "not found"
            label = Text(f"{name}  ", style="bold" if ok else "")
            label.append(f"{mark}: {clean(said, max_len=40)}", style="green" if ok else "dim")
            options.append(Selection(label, name, ok))
        hosts.add_options(options)

    def _selected_hosts(self) -> tuple[str, ...]:
        chosen = list(self.query_one("#hosts", SelectionList).selected)
        chosen.extend(validation.split_list(self._value("extra-hosts")))
        return tuple(dict.fromkeys(str(c) for c in chosen))

    # --- routes --------------------------------------------------------------------------

    def _prefill_routes(self) -> None:
        apex = self._apex()
        if not apex:
            return
        hosts = set(self._selected_hosts())

        def host(*labels: str) -> str:
            for label in labels:
                if f"{label}.{apex}" in hosts:
                    return f"{label}.{apex}"
            return apex

        defaults = {
            "route-home": f"https://{host('www')}/",
            "route-login": f"https://{host('app', 'www')}/login",
            "route-signup": f"https://{host('app', 'www')}/signup",
            "route-health": f"https://{host('api', 'app')}/health",
        }
        for field_id, value in defaults.items():
            field = self.query_one(f"#{field_id}", Field)
            if not field.value:
                field.input.value = value

    # --- people --------------------------------------------------------------------------

    def _add_person(self) -> None:
        name = self.query_one("#person-name", Field)
        email = self.query_one("#person-email", Field)
        if not name.value.strip():
            name.touched = True
            name.checks = (validation.required("a name"),)
            name.show_problem(force=True)
            return
        if email.show_problem(force=True):
            return
        org = self.query_one("#person-org", Select).value
        self.people.append(
            PersonDraft(
                name=name.value.strip(),
                role=self._value("person-role"),
                org=org if isinstance(org, str) else "client",
                email=email.value.strip(),
            )
        )
        for field_id in ("person-name", "person-role", "person-email"):
            self.query_one(f"#{field_id}", Field).input.value = ""
        name.checks = ()
        name.show_problem()
        name.input.focus()
        self._show_people()

    def _show_people(self) -> None:
        text = Text("People: ", style="bold")
        engineer = self._value("engineer") or "you"
        text.append(f"{engineer} (launch engineer)")
        for person in self.people:
            text.append(", ")
            text.append(person.name)
            if person.role:
                text.append(f" ({person.role})", style="dim")
        self.query_one("#people-list", Plain).show(text)

    @on(Input.Changed, "#engineer-input")
    def _engineer_changed(self) -> None:
        self._show_people()

    # --- create --------------------------------------------------------------------------

    def build(self) -> Session:
        """The session the wizard describes; raises ``UsageError`` when it cannot be built."""
        routes = []
        for field_id, _label, name, kind in ROUTES:
            url = self._value(field_id)
            if url:
                routes.append(f"{name}:{kind.value}={url}")
        request = NewSessionRequest(
            client=self._value("client"),
            apex=self._value("apex"),
            engineer=self._value("engineer"),
            product=self._value("product"),
            engineer_email=self._value("engineer-email"),
            hosts=self._selected_hosts(),
            routes=tuple(routes),
        )
        session = build_session(request, self.launch.now())
        provider = self._value("email-provider")
        session = replace(
            session,
            targets=replace(
                session.targets,
                dkim_selectors=validation.split_list(self._value("dkim")),
                repo_path=self._value("repo"),
                build_path=self._value("build"),
            ),
            stack=replace(
                session.stack,
                email_provider=replace(session.stack.email_provider, declared=provider),
            ),
            network=self.launch.options.default_network,
        )
        for person in self.people:
            session = edits.add_person(session, person.name, person.role, person.email, person.org)
        return session

    def action_create(self) -> None:
        for step in range(len(STEPS)):
            if self._step_problems(step):
                self._show_step(step)
                self.launch.say("Fix the fields marked ✗ first.", title="Not created")
                return
        try:
            session = self.build()
        except LaunchError as exc:
            self.launch.show_error(exc.title, exc.message)
            return
        self.launch.create_session_file(session)


def _hosts_check(value: str) -> str | None:
    for host in validation.split_list(value):
        name = host.partition(":")[0]
        try:
            normalize_hostname(name if "." in name else f"{name}.example")
        except LaunchError:
            return f"{host!r} is not a hostname"
    return None

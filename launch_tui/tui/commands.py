"""The one list of commands: key bindings, footer, help screen and command palette all read it.

Each :class:`Command` has a stable ``id`` (what a user's keymap file remaps), a default key, the
action it runs, a short description (footer, palette) and a tooltip (footer hover, help screen).
A screen declares its ``SCOPE`` and takes ``BINDINGS = bindings(SCOPE)``; the app takes the
``app`` scope. The palette offers the commands of the active screen's scope plus the app's, and
runs them exactly as the key would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.binding import Binding, BindingType

if TYPE_CHECKING:
    from textual.screen import Screen

APP = "app"
HOME = "home"
STAGE = "stage"
READINESS = "readiness"
PEOPLE = "people"
WIZARD = "wizard"
OVERLAY = "overlay"
"""Full screens shown over a session (help, readiness, people): they close with escape."""
MONITOR = "monitor"
DRILL = "drill"

SCOPE_TITLES = {
    APP: "Everywhere",
    HOME: "Saved sessions",
    STAGE: "Stage screens",
    READINESS: "Readiness view",
    PEOPLE: "People and owners",
    WIZARD: "New-session wizard",
    OVERLAY: "Overlays",
    MONITOR: "Live monitors",
    DRILL: "Rollback drill",
}


@dataclass(frozen=True)
class Command:
    """One thing the user can do, by key or from the palette."""

    id: str
    """Stable binding id; a keymap file maps it to other keys."""
    scope: str
    """Where it applies: :data:`APP` or one screen's scope."""
    key: str
    """Default key(s), Textual key names, comma-separated for alternatives."""
    action: str
    """The Textual action string it runs (``app.`` prefix for app actions)."""
    description: str
    """A word or two for the footer and the palette."""
    tooltip: str
    """One sentence for the footer tooltip and the help screen."""
    show: bool = True
    """Shown in the footer."""
    key_display: str | None = None
    """How the key is written when Textual's own rendering would be unclear (``1-7``)."""
    in_palette: bool = True
    priority: bool = False
    """Checked before focused widgets (for keys that inputs would otherwise swallow)."""
    builtin: bool = False
    """Provided by Textual itself (listed for help, never bound twice)."""

    def binding(self) -> Binding:
        """The Textual binding for this command."""
        return Binding(
            self.key,
            self.action,
            self.description,
            show=self.show,
            key_display=self.key_display,
            priority=self.priority,
            tooltip=self.tooltip,
            id=self.id,
        )


def _goto(number: int) -> Command:
    # The key bar shows the first as "1-7 Stages"; the palette names each stage (see
    # CommandsProvider), since a playbook file may rename them.
    first = number == 1
    return Command(
        f"stage.goto{number}",
        STAGE,
        str(number),
        f"goto_stage({number})",
        "Stages" if first else f"Stage {number}",
        f"Go to stage {number}." if not first else "Go to stage 1 (keys 1 to 7: stages 1 to 7).",
        show=first,
        key_display="1-7" if first else None,
        in_palette=True,
    )


#: Key bar entries that make way, first one first, when the bar is too narrow for every key
#: (the status line names them then).
SPARE_IN_KEY_BAR: tuple[str, ...] = ("stage.prev", "stage.goto1", "stage.next_failing")

#: The action of a stage key; the palette names such a command after its stage.
GOTO_ACTION = re.compile(r"goto_stage\((\d+)\)")


COMMANDS: tuple[Command, ...] = (
    # everywhere
    Command(
        "app.help",
        APP,
        "f1,question_mark",
        "app.show_help",
        "Help",
        "Every key and command on this screen, with what it does.",
        key_display="?",
    ),
    Command(
        "app.palette",
        APP,
        "ctrl+p",
        "app.command_palette",
        "Commands",
        "Search every command by name.",
        show=False,
        in_palette=False,
        builtin=True,
    ),
    Command(
        "app.readiness",
        APP,
        "v",
        "app.show_readiness",
        "Readiness",
        "The nine minimum-bar items, why each holds or not, and the launch verdict.",
    ),
    Command(
        "app.people",
        APP,
        "p",
        "app.show_people",
        "People",
        "Who owns which stage, check, decision, service and secret; assign owners.",
    ),
    Command(
        "app.home",
        APP,
        "h",
        "app.go_home",
        "Sessions",
        "Save and close this session and go back to the list of saved sessions.",
        show=False,
    ),
    Command(
        "app.quit",
        APP,
        "q",
        "app.quit_app",
        "Quit",
        "Save everything and quit (a running check is cancelled first).",
    ),
    # home
    Command(
        "home.open",
        HOME,
        "enter",
        "open_selected",
        "Open",
        "Open the selected session where it was left.",
    ),
    Command("home.new", HOME, "n", "new_session", "New", "Start a new sprint with the wizard."),
    Command(
        "home.duplicate",
        HOME,
        "c",
        "duplicate",
        "Copy",
        "Start a new sprint from the selected one: same hosts, routes and people, no findings.",
    ),
    Command(
        "home.archive",
        HOME,
        "a",
        "archive",
        "Archive",
        "Move the selected session file into the archive folder beside it.",
    ),
    Command(
        "home.demo",
        HOME,
        "d",
        "demo",
        "Demo",
        "Start the loopback sandbox and open a demo sprint on a realistic client.",
    ),
    Command(
        "home.refresh",
        HOME,
        "ctrl+r",
        "refresh",
        "Refresh",
        "Read the sessions folder again.",
        show=False,
    ),
    # stage screens
    Command(
        "stage.run",
        STAGE,
        "r",
        "run_stage",
        "Run",
        "Run this stage's automated checks against the client's hosts, routes and repository.",
    ),
    Command(
        "stage.audit",
        STAGE,
        "A",
        "run_all",
        "Full audit",
        "Run every automated check of all seven stages.",
        show=False,
    ),
    Command(
        "stage.cancel",
        STAGE,
        "x",
        "cancel_run",
        "Cancel",
        "Stop the running checks; results that arrived are kept.",
        show=False,
    ),
    Command(
        "stage.confirm",
        STAGE,
        "m",
        "confirm_manual",
        "Confirm",
        "Tick a manual check as holding (or not), with a note or an evidence link.",
    ),
    Command(
        "stage.mark",
        STAGE,
        "space",
        "toggle_mark",
        "Mark",
        "Mark the row (and move down) to decide about several rows at once with d; space "
        "again unmarks.",
        show=False,
    ),
    Command(
        "stage.edit_target",
        STAGE,
        "e",
        "edit_target",
        "Edit target",
        "Edit what the selected row points at: its route (kind, method, expected status, safe "
        "to repeat with the client's consent recorded), the hosts (name, role), the DKIM "
        "selectors or the network settings; a skipped row opens the setting it names.",
        show=False,
    ),
    Command(
        "stage.decide",
        STAGE,
        "d",
        "decide",
        "Decide",
        "Record fix, accept risk or defer for the selected check, with owner and due date.",
    ),
    Command(
        "stage.assign",
        STAGE,
        "o",
        "assign_owner",
        "Owner",
        "Assign the selected check to a person from the session's people.",
        show=False,
    ),
    Command(
        "stage.notes",
        STAGE,
        "n",
        "edit_notes",
        "Notes",
        "Write the stage's notes; they are saved as you type.",
        show=False,
    ),
    Command(
        "stage.tab",
        STAGE,
        "t",
        "next_tab",
        "Tab",
        "Cycle checks, deliverable, decisions, notes and about.",
    ),
    Command(
        "stage.tab_back",
        STAGE,
        "T",
        "previous_tab",
        "Tab back",
        "Cycle the tabs the other way.",
        show=False,
    ),
    Command(
        "stage.next_failing",
        STAGE,
        "f",
        "next_failing",
        "Failing",
        "Jump to the next failing, erroring or warning row (wraps around).",
    ),
    Command(
        "stage.prev_failing",
        STAGE,
        "F",
        "previous_failing",
        "Prev failing",
        "Jump to the previous failing, erroring or warning row.",
        show=False,
    ),
    Command(
        "stage.filter",
        STAGE,
        "slash",
        "cycle_filter",
        "Filter",
        "Show all rows, only failing ones, only undecided ones, or only yours (cycles).",
        key_display="/",
        show=False,
    ),
    Command(
        "stage.report",
        STAGE,
        "w",
        "write_report",
        "Write docs",
        "Write the report as <session>-handover.md and .html next to the session file "
        "(the demo: in the current folder).",
        # Kept out of the footer: at 80 columns it would push Quit off the edge.
        show=False,
    ),
    Command(
        "stage.done",
        STAGE,
        "D",
        "toggle_done",
        "Done",
        "Mark this stage done, or back in progress.",
        show=False,
    ),
    Command(
        "stage.handover",
        STAGE,
        "H",
        "edit_handover",
        "Handover",
        "Write the handover's own fields: env-var changes, rollback notes, support paths, "
        "limitations, next steps, monitoring links.",
        show=False,
    ),
    Command(
        "stage.paste_mail",
        STAGE,
        "P",
        "paste_message",
        "Paste mail",
        "On the email stage: paste a received message's raw source to verify its DKIM, SPF and "
        "DMARC alignment; kept as the transactional email check's result.",
        show=False,
    ),
    Command(
        "stage.sign_off",
        STAGE,
        "S",
        "sign_off",
        "Sign off",
        "Sign the handover off (who handed over, who received): results become read-only; "
        "on a signed-off session, reopen it.",
        show=False,
    ),
    Command(
        "stage.prev",
        STAGE,
        "left_square_bracket",
        "prev_stage",
        "Prev/next",
        "Go to the previous stage ([) or the next one (]).",
        key_display="[ ]",
    ),
    Command(
        "stage.next",
        STAGE,
        "right_square_bracket",
        "next_stage",
        "Next stage",
        "Go to the next stage.",
        show=False,
    ),
    *(_goto(n) for n in range(1, 8)),
    # readiness / people / help overlays
    Command(
        "overlay.close",
        OVERLAY,
        "escape",
        "close",
        "Close",
        "Go back to the screen underneath.",
    ),
    Command(
        "people.assign",
        PEOPLE,
        "o",
        "assign",
        "Assign",
        "Give the selected item (stage, check, decision, service, secret) an owner.",
    ),
    Command(
        "people.add",
        PEOPLE,
        "a",
        "add_person",
        "Add",
        "Add a person (name, role, organisation, email) to the session.",
    ),
    Command(
        "people.filter",
        PEOPLE,
        "f",
        "toggle_filter",
        "Filter",
        "Show only what the selected person owns, or everything.",
    ),
    Command("people.close", PEOPLE, "escape", "close", "Close", "Back to the stage screen."),
    Command(
        "app.monitor",
        APP,
        "L",
        "app.show_monitor",
        "Monitors",
        "Probe the homepage, login, health and webhook routes live: uptime, p50/p95/p99, errors.",
        show=False,
    ),
    Command(
        "app.drill",
        APP,
        "R",
        "app.show_drill",
        "Rollback drill",
        "Note the live release, roll back in your platform, and time the recovery.",
        show=False,
    ),
    Command(
        "monitor.close",
        MONITOR,
        "escape",
        "close",
        "Close",
        "Stop the monitors and save their summary in the session.",
    ),
    Command("monitor.up", MONITOR, "up,k", "cursor_up", "Up", "Show the previous route's chart."),
    Command(
        "monitor.down", MONITOR, "down,j", "cursor_down", "Down", "Show the next route's chart."
    ),
    Command("drill.note", DRILL, "n", "note", "Note release", "Note the release live now."),
    Command(
        "drill.go",
        DRILL,
        "g",
        "go",
        "Time rollback",
        "After triggering the rollback: watch the release change and health recover.",
    ),
    Command(
        "drill.watch",
        DRILL,
        "w",
        "watch",
        "Watch deploy",
        "After a deploy: poll the health route until healthy and show the time to healthy.",
    ),
    Command("drill.cancel", DRILL, "x", "cancel", "Cancel", "Stop watching."),
    Command(
        "drill.sandbox_bad",
        DRILL,
        "B",
        "sandbox_bad_deploy",
        "Bad deploy",
        "Demo only: deploy a release to the sandbox whose health fails for 20 seconds.",
        show=False,
    ),
    Command(
        "drill.sandbox_rollback",
        DRILL,
        "b",
        "sandbox_rollback",
        "Roll back",
        "Demo only: roll the sandbox back, as the engineer's platform would.",
        show=False,
    ),
    Command("drill.close", DRILL, "escape", "close", "Close", "Back to the screen underneath."),
    Command("readiness.close", READINESS, "escape", "close", "Close", "Back to the stage screen."),
    Command(
        "wizard.back",
        WIZARD,
        "escape",
        "back",
        "Back",
        "The previous step (or leave the wizard from the first).",
    ),
    Command(
        "wizard.next",
        WIZARD,
        "ctrl+n",
        "next",
        "Next",
        "Validate this step and go to the next one.",
        priority=True,
    ),
    Command(
        "wizard.create",
        WIZARD,
        "ctrl+s",
        "create",
        "Create",
        "Create the session from what has been entered so far.",
        priority=True,
    ),
)

COMMAND_IDS = frozenset(c.id for c in COMMANDS)


def commands_for(*scopes: str) -> tuple[Command, ...]:
    """The commands of ``scopes``, in declaration order."""
    return tuple(c for c in COMMANDS if c.scope in scopes)


def bindings(scope: str) -> list[BindingType]:
    """The Textual bindings of one scope (Textual's built-in commands excluded)."""
    return [c.binding() for c in commands_for(scope) if not c.builtin]


def command(command_id: str) -> Command:
    """The command with this id; ``KeyError`` when there is none."""
    for candidate in COMMANDS:
        if candidate.id == command_id:
            return candidate
    raise KeyError(command_id)


def effective_key(cmd: Command, keymap: dict[str, str]) -> str:
    """The key that runs ``cmd`` once the user's keymap is applied."""
    return keymap.get(cmd.id, cmd.key)


def key_label(cmd: Command, keymap: dict[str, str]) -> str:
    """How to write the key in help: ``r``, ``ctrl+p``, ``f1 / ?``."""
    key = effective_key(cmd, keymap)
    if cmd.id not in keymap and cmd.key_display:
        if cmd.key_display == "?":
            return "? / f1"
        return cmd.key_display
    names = {
        "question_mark": "?",
        "left_square_bracket": "[",
        "right_square_bracket": "]",
        "escape": "esc",
    }
    return " / ".join(names.get(k.strip(), k.strip()) for k in key.split(","))


def screen_scope(screen: Screen[object]) -> str:
    """The command scope a screen declares (``SCOPE``), or the app scope."""
    scope = getattr(screen, "SCOPE", APP)
    return scope if isinstance(scope, str) else APP

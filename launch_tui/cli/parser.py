"""The command-line grammar: one parser, one sub-parser per command.

Each command module exposes ``run(args, env) -> int``; this module only declares arguments.
"""

from __future__ import annotations

import argparse
import difflib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

DESCRIPTION = (
    "launch-tui runs a 48-hour launch-readiness sprint: checks against the client's real hosts, "
    "decisions with owners and due dates, and the handover, kept in a TOML session file."
)

EPILOG = (
    "exit codes: 0 ok, 1 findings at or above --fail-on, 2 usage error, 3 session or playbook "
    "file error, 4 tool error, 130 interrupted"
)


class _VersionAction(argparse.Action):
    """``--version``: the version is looked up only when asked for.

    argparse's own version action needs the string up front, and reading the installed
    package's metadata costs tens of milliseconds on every start.
    """

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> NoReturn:
        import sys

        import launch_tui

        sys.stdout.write(f"launch-tui {launch_tui.__version__}\n")  # as argparse's own does
        parser.exit()


class _Parser(argparse.ArgumentParser):
    """argparse that says what went wrong in one line and exits with the usage code.

    The line has the shape of every other error (``launch-tui: Usage error: ...``). An option
    the command does not have is named first, with the closest one it does have: a mistyped
    ``--clinet`` would otherwise surface as "the following arguments are required: --client".
    """

    _given: tuple[str, ...] = ()

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        import sys

        self._given = tuple(args) if args is not None else tuple(sys.argv[1:])
        parsed, extras = super().parse_known_args(args, namespace)
        if extras and self._subparsers is None:
            # A command's parser judges its own leftovers, so the error names the command
            # (and the closest option) instead of the top parser's "unrecognized arguments".
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras

    def error(self, message: str) -> NoReturn:
        unknown = self._unknown_option()
        if unknown:
            message = unknown
        command = self.prog.removeprefix("launch-tui").strip()
        where = f"{command}: " if command else ""
        self.exit(2, f"launch-tui: Usage error: {where}{message} (see {self.prog} --help)\n")

    def _unknown_option(self) -> str:
        """``unknown option --clinet (did you mean --client?)`` for the first option given that
        this command does not have; empty when every option is known."""
        known = [o for o in self._option_string_actions if o.startswith("--")]
        for word in self._given:
            if word == "--":
                break
            if not word.startswith("-") and self._subparsers is not None:
                break  # the command's own options are its parser's to judge
            if not word.startswith("--"):
                continue
            name = word.split("=", 1)[0]
            if name in self._option_string_actions or any(o.startswith(name) for o in known):
                continue  # argparse takes unambiguous abbreviations
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]}?)" if close else ""
            return f"unknown option {name}{hint}"
        return ""


def _add_common(p: argparse.ArgumentParser, *, top: bool = False) -> None:
    # On sub-commands the default is SUPPRESS so that `launch-tui --sessions-dir X list` keeps X.
    default = None if top else argparse.SUPPRESS
    p.add_argument(
        "--sessions-dir",
        type=Path,
        default=default,
        metavar="DIR",
        help="where session files live (default: $LAUNCH_TUI_SESSIONS, ./sessions in a checkout, "
        "else the XDG data folder)",
    )
    p.add_argument(
        "--playbook",
        type=Path,
        default=default,
        metavar="FILE",
        help="use your own playbook TOML instead of the built-in seven stages",
    )


def _add_network(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("network overrides (also storable in the session's [network] table)")
    g.add_argument(
        "--nameserver",
        action="append",
        default=[],
        metavar="HOST[:PORT]",
        help="ask this DNS server instead of the system resolver (repeatable)",
    )
    g.add_argument(
        "--resolve",
        action="append",
        default=[],
        metavar="HOST=IP[:PORT]",
        help="connect to IP[:PORT] for HOST, keeping HOST for SNI and Host (repeatable)",
    )
    g.add_argument("--ca-bundle", type=Path, metavar="PEM", help="extra CA certificates to trust")
    g.add_argument(
        "--timeout", type=float, metavar="SECONDS", help="total deadline per network operation"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="launch-tui", description=DESCRIPTION, epilog=EPILOG)
    parser.add_argument("--version", action=_VersionAction, help="print the version and exit")
    _add_common(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser(
        "new",
        help="start a new sprint session file",
        description="Create a commented session file for a new sprint. Hosts and routes can be "
        "added now or later by editing the file.",
        epilog="example: launch-tui new --client 'Acme Freight' --apex acme.example "
        "--engineer 'Dana Reyes' --host www --host app --route 'home=https://www.acme.example/' "
        "--route 'login:auth:POST=https://app.acme.example/login'",
    )
    _add_common(p)
    p.add_argument("--client", required=True, help="the client's company name")
    p.add_argument("--apex", required=True, metavar="DOMAIN", help="apex domain, e.g. acme.example")
    p.add_argument("--engineer", required=True, metavar="NAME", help="who runs the sprint")
    p.add_argument("--engineer-email", default="", metavar="EMAIL")
    p.add_argument("--product", default="", help="the product's name")
    p.add_argument(
        "--id",
        dest="session_id",
        default="",
        metavar="SLUG",
        help="session id (default: from client)",
    )
    p.add_argument(
        "--host",
        action="append",
        default=[],
        metavar="NAME[:ROLE]",
        help="a hostname, or a label relative to the apex (www, app, api...); repeatable",
    )
    p.add_argument(
        "--route",
        action="append",
        default=[],
        metavar="NAME[:KIND[:METHOD]]=URL[|expect=STATUS][|safe_to_repeat]",
        help="a route to measure; KIND is read|write|auth|webhook|health|admin; expect= the "
        "status a healthy route answers (401 for a protected admin route); safe_to_repeat lets "
        "load sampling repeat it; repeatable",
    )
    p.add_argument(
        "--stack",
        action="append",
        default=[],
        metavar="COMPONENT=NAME",
        help="the declared stack, e.g. email=Postmark, hosting=Fly.io (components: hosting, "
        "database, email, auth, registrar, dns); repeatable",
    )
    p.add_argument(
        "--dkim-selector",
        action="append",
        default=[],
        metavar="SELECTOR",
        help="a DKIM selector the email checks look up (s1, google...); repeatable",
    )
    _add_network(p)
    p.add_argument("--deadline-hours", type=int, default=48, metavar="N")
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here instead")

    p = sub.add_parser("list", help="list saved sessions with progress and verdict")
    _add_common(p)

    p = sub.add_parser(
        "show",
        help="print a plain-text summary of a session",
        description="Stage by stage progress, open decisions with owners and due dates, and the "
        "nine minimum-bar items. Never prints secret values.",
    )
    _add_common(p)
    p.add_argument("file", metavar="FILE", help="session file, or a session id in the sessions dir")

    p = sub.add_parser("open", help="resume a session in the terminal UI")
    _add_common(p)
    p.add_argument("file", metavar="FILE", help="session file, or a session id")
    _add_network(p)

    p = sub.add_parser(
        "demo",
        help="start the loopback sandbox and open a demo sprint in the terminal UI",
        description="Runs a fake but realistic client infrastructure on 127.0.0.x (DNS, HTTPS "
        "hosts, a git repository) and opens a session against it. Needs no network and no "
        "configuration.",
    )
    _add_common(p)
    p.add_argument(
        "--keep",
        action="store_true",
        help="keep the demo session as <sessions>/demo-<date>.toml instead of a temporary file",
    )

    p = sub.add_parser(
        "report",
        help="render the handover and stage deliverables (Markdown, HTML or PDF)",
        description="Render the client's documents from the session alone (no network).",
    )
    _add_common(p)
    p.add_argument("file", metavar="FILE", help="session file, or a session id")
    p.add_argument("--format", choices=("md", "html", "pdf"), default="md")
    p.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="SECTION",
        help="render only this document or section (repeatable)",
    )
    p.add_argument(
        "-o", "--output", type=Path, metavar="PATH", help="file to write (default stdout for md)"
    )
    p.add_argument(
        "--templates", type=Path, metavar="DIR", help="your own templates, overriding ours by name"
    )

    p = sub.add_parser(
        "check",
        help="run checks headless, save the results, exit non-zero on findings (for CI)",
        description="Run the session's automated checks, save their results into the session "
        "file and print them, with the ranked risk list. Exits 1 when a check at or above "
        "--fail-on fails (or could not run) and no accept-risk decision with an owner covers it.",
        epilog="examples: launch-tui check sessions/acme.toml --stage 1 --format json "
        "--fail-on medium; launch-tui check sessions/acme.toml --format junit > report.xml; "
        "launch-tui check sessions/acme.toml --format sarif > launch-tui.sarif",
    )
    _add_common(p)
    p.add_argument("file", metavar="FILE", help="session file, or a session id")
    p.add_argument(
        "--stage", metavar="N", help="only this stage: a number (1-7) or an id such as delivery"
    )
    p.add_argument(
        "--only",
        action="append",
        metavar="IDS",
        help="only these checks: comma-separated ids such as dns.records,tls.certificate",
    )
    p.add_argument(
        "--format",
        choices=("text", "json", "junit", "sarif"),
        default="text",
        help="text for people; json (launch-tui/check-v1), junit (JUnit XML test report) or "
        "sarif (SARIF 2.1.0) for CI (default: text)",
    )
    p.add_argument(
        "--fail-on",
        choices=("critical", "high", "medium", "low", "info"),
        default="high",
        metavar="SEVERITY",
        help="lowest severity whose failures fail the run: critical|high|medium|low|info "
        "(default: high)",
    )
    _add_network(p)

    p = sub.add_parser(
        "sandbox",
        help="run a loopback sandbox world in the foreground and write a session for it",
        description="Start a fake client infrastructure on 127.0.0.x (DNS, HTTPS hosts with "
        "good and bad certificates, a git repository), print its nameserver, CA bundle and hosts, "
        "and write a ready session file pointed at it. Runs until Ctrl-C.",
        epilog="worlds: demo (default), clean, hostile, tls_cases, bench, or a world .toml file",
    )
    _add_common(p)
    p.add_argument("world", nargs="?", default="demo", metavar="WORLD", help="world to run")
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE",
        help="session file to write (default: sandbox-<world>.toml in the sessions dir)",
    )
    p.add_argument(
        "--dns-port", type=int, metavar="PORT", help="serve DNS on this port (default: any free)"
    )
    p.add_argument(
        "--session",
        metavar="FILE",
        help="bring back the world a kept session points at (launch-tui demo --keep): the same "
        "ports, and its files remade in the folder the session records",
    )
    p.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="network deadline stored in the written session (default: 5)",
    )

    p = sub.add_parser(
        "watch-deploy",
        help="poll the health route after a deploy until healthy; exit 0 healthy, 1 not",
        description="Poll the session's health route (status, not an HTML page, a JSON status "
        "that says ok) until it is healthy or the timeout passes; print each poll and the time "
        "to healthy. For deploy scripts: deploy && launch-tui watch-deploy SESSION || rollback.",
    )
    _add_common(p)
    p.add_argument("file", metavar="SESSION", help="session file, or a session id")
    p.add_argument(
        "--timeout",
        dest="watch_timeout",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="give up after this long (default: 120)",
    )
    p.add_argument(
        "--interval", type=float, default=1.0, metavar="SECONDS", help="between polls (default: 1)"
    )
    p.add_argument(
        "--route", metavar="NAME", help="the route to poll (default: the first health route)"
    )
    p.add_argument("--version", metavar="V", help="also wait until the route reports release V")
    p.add_argument(
        "--settle", type=int, default=1, metavar="N", help="healthy answers in a row (default: 1)"
    )
    g = p.add_argument_group("network overrides (also storable in the session's [network] table)")
    g.add_argument("--nameserver", action="append", default=[], metavar="HOST[:PORT]")
    g.add_argument("--resolve", action="append", default=[], metavar="HOST=IP[:PORT]")
    g.add_argument("--ca-bundle", type=Path, metavar="PEM", help="extra CA certificates to trust")

    p = sub.add_parser(
        "export",
        help="export monitors and load scripts for Prometheus (blackbox_exporter), Gatus or k6",
        description="Write monitor definitions for the session's key routes in the tool's own "
        "layout: Prometheus (blackbox_exporter modules, scrape config, alert rules), Gatus "
        "(config.yaml) or k6 (one load script per route, p95 budget as threshold).",
    )
    _add_common(p)
    p.add_argument("file", metavar="SESSION", help="session file, or a session id")
    p.add_argument("--to", required=True, choices=("prometheus", "gatus", "k6"))
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="DIR",
        help="folder to write into (default: <session>-exports beside the session file)",
    )
    p.add_argument(
        "--blackbox",
        default="127.0.0.1:9115",
        metavar="HOST:PORT",
        help="where Prometheus reaches the blackbox exporter (default: 127.0.0.1:9115)",
    )
    p.add_argument(
        "--down-minutes",
        type=int,
        default=5,
        metavar="N",
        help="alert when a route has been down this long (default: 5)",
    )

    p = sub.add_parser(
        "data",
        help="list the dated data files (RDAP bootstrap, Cloudflare ranges) or refresh them",
        description="Without an action, list each data file with its date, age and whether the "
        "shipped or a refreshed copy is in use. 'refresh' downloads fresh copies into the user's "
        "data folder (needs the network; exit 4 when a file could not be refreshed).",
    )
    p.add_argument("action", nargs="?", choices=("list", "refresh"), default="list")
    p.add_argument(
        "--only", action="append", metavar="KEY", help="refresh only this file (repeatable)"
    )
    _add_network(p)

    p = sub.add_parser(
        "email-check",
        help="verify a real message (.eml): DKIM signature, SPF for its sender, DMARC alignment",
        description="Verify a message as it arrived (the raw .eml source): its DKIM signature, "
        "SPF for the server that handed it over (from the Received chain) and DMARC alignment "
        "of both with the From domain, through the session's DNS settings. The outcome is "
        "kept as the session's email.transactional_test result. Exit 0 the message "
        "authenticates, 1 it does not.",
    )
    _add_common(p)
    p.add_argument("file", metavar="SESSION", help="session file, or a session id")
    p.add_argument("message", metavar="MESSAGE", help="the message's raw source (.eml)")
    _add_network(p)

    _add_credential(sub)

    return parser


def _add_credential(sub: Any) -> None:
    p = sub.add_parser(
        "credential",
        help="keep a credential the checks use in the OS keyring (the session holds a reference)",
        description="Store, remove or list credentials launch-tui itself uses (API tokens, a "
        "test login). The value goes to the OS keyring only, read from a prompt that does not "
        "echo or from standard input, never from the command line; the session's "
        "[[credentials]] holds keyring:launch-tui/<session>/<name>. With no keyring, exit 4 "
        "naming the environment variable that may hold the value instead.",
        epilog="example: printf '%s' \"$TOKEN\" | launch-tui credential set acme cloudflare "
        "--purpose 'read the DNS zone'",
    )
    _add_common(p)
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    for action, text in (
        ("set", "store a value (prompted, or piped on stdin) and reference it in the session"),
        ("delete", "remove the value from the keyring and the reference from the session"),
        ("list", "the session's credentials and where each value would come from"),
    ):
        a = actions.add_parser(action, help=text, description=text)
        _add_common(a)
        a.add_argument("file", metavar="SESSION", help="session file, or a session id")
        if action == "list":
            a.add_argument("name", metavar="NAME", nargs="?", help="only this credential")
        else:
            a.add_argument("name", metavar="NAME", help="credential name (letters, digits . _ -)")
        if action == "set":
            a.add_argument("--purpose", default="", help="what the checks use it for")


NETWORK_COMMANDS = ("check", "sandbox", "demo", "open")


def add_network_options(p: argparse.ArgumentParser) -> None:
    """For commands that touch the network; kept public for commands added later."""
    _add_network(p)

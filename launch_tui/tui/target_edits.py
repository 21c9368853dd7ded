"""Changes to a session's targets the app makes: hosts (name, role), DKIM selectors and the
``[network]`` settings, as pure functions (``Session`` in, new ``Session`` out), with the field
checks their forms show. The checks reuse the command line's parsers (``core.factory``,
``net.settings``), so a value the app accepts is one ``launch-tui new`` accepts too.

Nothing here imports textual; route settings are in ``screens/route_form.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

from launch_tui.core.errors import UsageError
from launch_tui.core.factory import normalize_hostname, parse_selector
from launch_tui.core.model import Host, HostRole, NetworkSettings, Session
from launch_tui.tui.validation import Check, split_list


class TargetForm(StrEnum):
    """The forms that edit a session's targets."""

    ROUTE = "route"
    HOSTS = "hosts"
    SELECTORS = "selectors"
    NETWORK = "network"


#: What each form is called where a row's detail offers it.
FORM_LABEL = {
    TargetForm.ROUTE: "the route's settings",
    TargetForm.HOSTS: "the hosts",
    TargetForm.SELECTORS: "the DKIM selectors",
    TargetForm.NETWORK: "the network settings",
}

# Words a skipped result's summary uses for the setting that would unblock it, per form.
_NAMED: tuple[tuple[TargetForm, tuple[str, ...]], ...] = (
    (TargetForm.ROUTE, ("safe to repeat",)),
    (TargetForm.SELECTORS, ("dkim selector", "dkim_selectors")),
    (
        TargetForm.NETWORK,
        ("nameserver", "resolve", "ca bundle", "ca_bundle", "timeout", "[network]", "no address"),
    ),
    (TargetForm.HOSTS, ("staging host", "role staging", "targets.hosts")),
)


def form_named_by(summary: str) -> TargetForm | None:
    """The form whose setting ``summary`` (a skipped result's) names, if any."""
    text = summary.lower()
    for form, words in _NAMED:
        if any(word in text for word in words):
            return form
    return None


def _reason(exc: UsageError) -> str:
    """A parser's message without the command-line option it starts with."""
    text = str(exc)
    for option in ("--nameserver ", "--resolve "):
        text = text.removeprefix(option)
    return text


# --- hosts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HostDraft:
    """One host as the hosts form returns it: ``old`` is its name before (``""`` for a new
    host); a blank ``name`` removes the host."""

    old: str
    name: str
    role: HostRole


def host_name(value: str, apex: str) -> str:
    """A host name as typed (``www`` is taken relative to the apex), normalised; raises
    :class:`UsageError` when it is not one."""
    name = value.strip()
    if "://" in name or "/" in name:
        raise UsageError(f"host {name!r}: just the name, without https:// or a path")
    if name and "." not in name and apex:
        name = f"{name}.{apex}"
    return normalize_hostname(name)


def host_name_problem(apex: str) -> Check:
    """A field check for a host name (blank is allowed: it removes the host)."""

    def check(value: str) -> str | None:
        if not value.strip():
            return None
        try:
            host_name(value, apex)
        except UsageError as exc:
            return str(exc)
        return None

    return check


def apply_hosts(session: Session, drafts: tuple[HostDraft, ...]) -> Session:
    """``session`` with its hosts as ``drafts`` say, in their order.

    A renamed host takes its decisions and owners along; its results are dropped (they measured
    the old name). Raises :class:`UsageError` on a bad or repeated name."""
    apex = session.targets.apex
    hosts: list[Host] = []
    renamed: dict[str, str] = {}
    removed: set[str] = set()
    old_hosts = {h.name: h for h in session.targets.hosts}
    for draft in drafts:
        if not draft.name.strip():
            if draft.old:
                removed.add(draft.old)
            continue
        name = host_name(draft.name, apex)
        if any(h.name == name for h in hosts):
            raise UsageError(f"host {name} is listed twice")
        before = old_hosts.get(draft.old)
        host = replace(before, name=name, role=draft.role) if before else Host(name, draft.role)
        hosts.append(host)
        if draft.old and draft.old != name:
            renamed[draft.old] = name
    gone = removed | set(renamed)
    targets = replace(session.targets, hosts=tuple(hosts))
    if targets == session.targets:
        return session
    return replace(
        session,
        targets=targets,
        results=tuple(r for r in session.results if r.target not in gone),
        decisions=tuple(
            replace(d, target=renamed[d.target]) if d.target in renamed else d
            for d in session.decisions
        ),
        owners=tuple(
            replace(o, target=renamed[o.target]) if o.target in renamed else o
            for o in session.owners
        ),
    )


# --- DKIM selectors --------------------------------------------------------------------------


def selectors_problem(value: str) -> str | None:
    """A field check for comma- or space-separated DKIM selectors."""
    for text in split_list(value):
        try:
            parse_selector(text)
        except UsageError as exc:
            return str(exc)
    return None


def apply_selectors(session: Session, value: str) -> Session:
    """``session`` with the DKIM selectors ``value`` lists (comma- or space-separated)."""
    selectors = tuple(dict.fromkeys(parse_selector(t) for t in split_list(value)))
    if selectors == session.targets.dkim_selectors:
        return session
    return replace(session, targets=replace(session.targets, dkim_selectors=selectors))


# --- network settings ------------------------------------------------------------------------


@dataclass(frozen=True)
class NetworkDraft:
    """What the network form returns (each field as typed)."""

    nameservers: str
    resolve: str
    ca_bundle: str
    timeout: str


def nameservers_problem(value: str) -> str | None:
    # The network layer loads when a form is checked, not with the first screen (which shows
    # :func:`form_named_by`'s hints).
    from launch_tui.net.settings import parse_nameserver

    for text in split_list(value):
        try:
            parse_nameserver(text)
        except UsageError as exc:
            return _reason(exc)
    return None


def resolve_problem(value: str) -> str | None:
    from launch_tui.net.settings import parse_resolve

    for text in split_list(value):
        try:
            parse_resolve(text)
        except UsageError as exc:
            return _reason(exc)
    return None


def ca_bundle_problem(value: str) -> str | None:
    text = value.strip()
    if not text:
        return None
    return None if Path(text).expanduser().is_file() else "no such file on this machine"


def timeout_problem(value: str) -> str | None:
    try:
        seconds = float(value.strip())
    except ValueError:
        return "a number of seconds, like 10"
    return None if 0 < seconds <= 600 else "more than 0 and at most 600 seconds"


def network_problems(draft: NetworkDraft) -> tuple[tuple[str, str], ...]:
    """``(field, reason)`` for each field of ``draft`` that is not accepted."""
    found = (
        ("Nameservers", nameservers_problem(draft.nameservers)),
        ("Resolve", resolve_problem(draft.resolve)),
        ("CA bundle", ca_bundle_problem(draft.ca_bundle)),
        ("Timeout", timeout_problem(draft.timeout)),
    )
    return tuple((name, reason) for name, reason in found if reason is not None)


def apply_network(session: Session, draft: NetworkDraft) -> Session:
    """``session`` with the ``[network]`` settings of ``draft``; raises :class:`UsageError`
    naming the first field that is not accepted."""
    problems = network_problems(draft)
    if problems:
        name, reason = problems[0]
        raise UsageError(f"{name}: {reason}")
    bundle = draft.ca_bundle.strip()
    network: NetworkSettings = replace(
        session.network,
        nameservers=split_list(draft.nameservers),
        resolve=split_list(draft.resolve),
        ca_bundle=str(Path(bundle).expanduser()) if bundle else "",
        timeout=float(draft.timeout.strip()),
    )
    return session if network == session.network else replace(session, network=network)

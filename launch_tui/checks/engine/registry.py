"""What checks exist: their definitions and the registry that holds them.

A check is an ``async def`` taking a :class:`~launch_tui.checks.engine.context.CheckContext` and
returning a frozen :class:`~launch_tui.core.model.CheckResult`. Its id, stage, title, severity and
the targets it applies to are declared next to it, once, by registering it.

How check modules register (the one pattern to follow)::

    # launch_tui/checks/dns.py
    from launch_tui.checks.engine.registry import Registry

    CHECKS = Registry()

    @CHECKS.register("dns.records", stage="audit", title="DNS records are sane",
                     severity=Severity.HIGH, applies_to=AppliesTo.HOST)
    async def records(ctx: CheckContext) -> CheckResult:
        ...

then add ``"launch_tui.checks.dns"`` to :data:`CHECK_MODULES`.

A check whose result means more to the session than the result itself declares how with
``merge=``: a :data:`MergeRule` applied when a fresh result of the check is merged in
(``audit.stack`` fills the stack's detected providers, ``domain.expiry`` its registrar). The
engine applies the rules it is given and knows no check by name.

:func:`default_registry` builds a fresh :class:`Registry` from every listed module's ``CHECKS``
each time it is called, so there is no process-wide registry to mutate or patch: tests build their
own ``Registry`` and pass it in. ``register`` returns the function unchanged, so a check can still
be awaited directly in a test.

The declaration must agree with the playbook (``core/playbook.toml``) on stage, title, severity
and ``applies_to``: :meth:`Registry.drift_from` lists every disagreement, and a test holds the
default registry to it.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias, TypeVar

from launch_tui.core.errors import CheckError
from launch_tui.core.model import STAGE_IDS, CheckResult, HostRole, RouteKind, Session, Severity
from launch_tui.core.playbook import AppliesTo, CheckMode, Playbook

if TYPE_CHECKING:
    from launch_tui.checks.engine.context import CheckContext

#: The shape of every check.
CheckFunc: TypeAlias = Callable[["CheckContext"], Awaitable[CheckResult]]
F = TypeVar("F", bound=CheckFunc)
#: What a fresh result of a check changes in the session besides the result itself; pure.
MergeRule: TypeAlias = Callable[[Session, CheckResult], Session]

# What a check declares that the playbook declares too; the two must agree.
_DECLARED = ("stage", "title", "severity", "applies_to")

#: Modules holding checks, each with a module-level ``CHECKS: Registry``.
CHECK_MODULES: tuple[str, ...] = (
    "launch_tui.checks.dns",
    "launch_tui.checks.tls",
    "launch_tui.checks.http.redirects",
    "launch_tui.checks.http.hsts",
    "launch_tui.checks.http.cookies",
    "launch_tui.checks.http.headers",
    "launch_tui.checks.access",
    "launch_tui.checks.edge",
    "launch_tui.checks.perf.timing",
    # perf's other request-path checks, in the order they registered when perf held them all.
    "launch_tui.checks.perf.server_timing",
    "launch_tui.checks.http.caching",
    "launch_tui.checks.perf.page_weight",
    "launch_tui.checks.domain",
    "launch_tui.checks.audit.stack",
    "launch_tui.checks.email.spf",
    "launch_tui.checks.email.records",
    "launch_tui.checks.secrets.leaks",
    "launch_tui.checks.secrets.inventory",
    "launch_tui.checks.secrets.rotation",
    "launch_tui.checks.handover.access_map",
    "launch_tui.checks.handover.renewals",
    "launch_tui.checks.handover.fields",
    "launch_tui.checks.deploy.env_diff",
    "launch_tui.checks.deploy.env_separation",
    "launch_tui.checks.deploy.health",
    "launch_tui.checks.deploy.migrations",
    "launch_tui.checks.deploy.build_output",
    "launch_tui.checks.monitor.coverage",
    "launch_tui.checks.monitor.request_id",
)


@dataclass(frozen=True)
class CheckDef:
    """One check's declaration: what it is, where it belongs, what it runs against."""

    id: str
    """Stable dotted id from the playbook (``dns.records``); the key of results and decisions."""
    stage: str
    """One of :data:`~launch_tui.core.model.STAGE_IDS`."""
    title: str
    """One line for a person (``"HSTS header with a long max-age"``)."""
    severity: Severity
    """Launch impact when the check fails; results inherit it unless the check says otherwise."""
    applies_to: AppliesTo
    """``SESSION`` runs once (target ``""``); ``HOST`` once per host; ``ROUTE`` once per route."""
    func: CheckFunc
    """The ``async def`` doing the work."""
    route_kinds: frozenset[RouteKind] | None = None
    """For route checks: only routes of these kinds (``None``: every route)."""
    host_roles: frozenset[HostRole] | None = None
    """For host checks: only hosts with these roles (``None``: every host)."""
    merge: MergeRule | None = None
    """Applied to the session when a fresh result of this check is merged in (``None``: the
    result is only stored)."""
    pages: bool = False
    """For route checks that read a page: also run on every web host's homepage and the
    canonical URL, declared as routes or not (see ``targets.page_routes``)."""

    def __post_init__(self) -> None:
        # The id's spelling is the playbook's business; drift_from holds the two together.
        if not self.id or self.id != self.id.strip():
            raise CheckError(f"Check id {self.id!r} is empty or padded with spaces.")
        if self.stage not in STAGE_IDS:
            raise CheckError(
                f"Check {self.id!r} names unknown stage {self.stage!r}; "
                f"valid stages: {', '.join(STAGE_IDS)}."
            )
        if not self.title.strip():
            raise CheckError(f"Check {self.id!r} has an empty title.")
        if not isinstance(self.applies_to, AppliesTo):
            raise CheckError(
                f"Check {self.id!r} applies to {self.applies_to!r}; "
                f"expected one of {', '.join(a.value for a in AppliesTo)}."
            )
        if self.route_kinds is not None and self.applies_to is not AppliesTo.ROUTE:
            raise CheckError(f"Check {self.id!r} filters route kinds but is not a route check.")
        if self.host_roles is not None and self.applies_to is not AppliesTo.HOST:
            raise CheckError(f"Check {self.id!r} filters host roles but is not a host check.")
        if not inspect.iscoroutinefunction(self.func):
            raise CheckError(f"Check {self.id!r} must be an 'async def' function.")


@dataclass(frozen=True)
class RegistryDrift:
    """Where the playbook's auto checks and the implemented checks disagree."""

    missing: tuple[str, ...] = ()
    """Auto checks in the playbook with no implementation."""
    unlisted: tuple[str, ...] = ()
    """Implemented checks the playbook does not declare as auto checks."""
    mismatched: tuple[tuple[str, str, str, str], ...] = ()
    """``(id, field, implemented value, playbook value)`` where a declaration differs."""

    @property
    def ok(self) -> bool:
        """True when playbook and registry agree."""
        return not (self.missing or self.unlisted or self.mismatched)

    def describe(self) -> str:
        """One line per disagreement, for a test failure message."""
        lines = [f"no implementation for playbook auto check {i!r}" for i in self.missing]
        lines += [
            f"implemented check {i!r} is not an auto check in the playbook" for i in self.unlisted
        ]
        lines += [
            f"check {i!r}: {name} is {got!r} in the code but {want!r} in the playbook"
            for i, name, got, want in self.mismatched
        ]
        return "\n".join(lines)


class Registry:
    """An ordered collection of check definitions with unique ids.

    Order is registration order; selections and runs keep it, so output is deterministic.
    """

    def __init__(self, definitions: Iterable[CheckDef] = ()) -> None:
        self._defs: dict[str, CheckDef] = {}
        self.extend(definitions)

    def add(self, definition: CheckDef) -> CheckDef:
        """Add one definition; a second check with the same id is a :class:`CheckError`."""
        existing = self._defs.get(definition.id)
        if existing is not None:
            raise CheckError(
                f"Check id {definition.id!r} is registered twice "
                f"({_qualname(existing.func)} and {_qualname(definition.func)})."
            )
        self._defs[definition.id] = definition
        return definition

    def extend(self, definitions: Iterable[CheckDef]) -> None:
        """Add several definitions, in order."""
        for definition in definitions:
            self.add(definition)

    def register(
        self,
        check_id: str,
        *,
        stage: str,
        title: str,
        severity: Severity,
        applies_to: AppliesTo,
        route_kinds: Iterable[RouteKind] | None = None,
        host_roles: Iterable[HostRole] | None = None,
        merge: MergeRule | None = None,
        pages: bool = False,
    ) -> Callable[[F], F]:
        """Decorator factory: declare the decorated ``async def`` as check ``check_id``.

        The function is returned unchanged. ``merge`` is the check's :data:`MergeRule`, if any.
        """

        def decorate(func: F) -> F:
            self.add(
                CheckDef(
                    id=check_id,
                    stage=stage,
                    title=title,
                    severity=severity,
                    applies_to=applies_to,
                    func=func,
                    route_kinds=None if route_kinds is None else frozenset(route_kinds),
                    host_roles=None if host_roles is None else frozenset(host_roles),
                    merge=merge,
                    pages=pages,
                )
            )
            return func

        return decorate

    def get(self, check_id: str) -> CheckDef:
        """The definition of ``check_id``; an unknown id is a :class:`CheckError`."""
        return self.require([check_id])[0]

    def require(self, check_ids: Iterable[str]) -> tuple[CheckDef, ...]:
        """The definitions of ``check_ids`` in the order given.

        Every unknown id is named in one :class:`CheckError`, with the valid ids and, where one is
        close, a suggestion.
        """
        wanted = tuple(check_ids)
        unknown = [i for i in wanted if i not in self._defs]
        if unknown:
            raise CheckError(_unknown_ids_message(unknown, self.ids()), title="Unknown check")
        return tuple(self._defs[i] for i in wanted)

    def all(self) -> tuple[CheckDef, ...]:
        """Every definition, in registration order."""
        return tuple(self._defs.values())

    def ids(self) -> tuple[str, ...]:
        """Every check id, in registration order."""
        return tuple(self._defs)

    def merge_rules(self) -> dict[str, MergeRule]:
        """The :data:`MergeRule` of every check that declares one, by check id, in order."""
        return {d.id: d.merge for d in self._defs.values() if d.merge is not None}

    def for_stage(self, stage: str) -> tuple[CheckDef, ...]:
        """The checks of one stage; an unknown stage is a :class:`CheckError`."""
        if stage not in STAGE_IDS:
            raise CheckError(
                f"Unknown stage {stage!r}. Valid stages: {', '.join(STAGE_IDS)}.",
                title="Unknown stage",
            )
        return tuple(d for d in self._defs.values() if d.stage == stage)

    def drift_from(self, playbook: Playbook) -> RegistryDrift:
        """How this registry and ``playbook``'s auto checks disagree (ids, stage, title, ...)."""
        specs = {spec.id: spec for spec in playbook.checks(CheckMode.AUTO)}
        mismatched: list[tuple[str, str, str, str]] = []
        for check_id, definition in self._defs.items():
            spec = specs.get(check_id)
            if spec is None:
                continue
            for name in _DECLARED:
                got, want = str(getattr(definition, name)), str(getattr(spec, name))
                if got != want:
                    mismatched.append((check_id, name, got, want))
        return RegistryDrift(
            missing=tuple(i for i in specs if i not in self._defs),
            unlisted=tuple(i for i in self._defs if i not in specs),
            mismatched=tuple(mismatched),
        )

    def __contains__(self, check_id: object) -> bool:
        return check_id in self._defs

    def __iter__(self) -> Iterator[CheckDef]:
        return iter(self.all())

    def __len__(self) -> int:
        return len(self._defs)

    def __repr__(self) -> str:
        return f"Registry({len(self._defs)} checks)"


def default_registry(modules: Iterable[str] = CHECK_MODULES) -> Registry:
    """A new registry holding the checks of every module in ``modules``.

    Each module must define ``CHECKS: Registry``. Built afresh on each call, so callers may add to
    the result without affecting anyone else.
    """
    registry = Registry()
    for name in modules:
        checks = getattr(importlib.import_module(name), "CHECKS", None)
        if not isinstance(checks, Registry):
            raise CheckError(f"Check module {name!r} does not define CHECKS = Registry().")
        registry.extend(checks.all())
    return registry


def _unknown_ids_message(unknown: list[str], valid: tuple[str, ...]) -> str:
    noun = "id" if len(unknown) == 1 else "ids"
    parts = [f"Unknown check {noun}: {', '.join(repr(i) for i in unknown)}."]
    for check_id in unknown:
        close = difflib.get_close_matches(check_id, valid, n=1)
        if close:
            parts.append(f"Did you mean {close[0]!r} for {check_id!r}?")
    parts.append(f"Valid ids: {', '.join(valid)}." if valid else "No checks are registered.")
    return " ".join(parts)


def _qualname(func: object) -> str:
    module = getattr(func, "__module__", "?")
    name = getattr(func, "__qualname__", repr(func))
    return f"{module}.{name}"

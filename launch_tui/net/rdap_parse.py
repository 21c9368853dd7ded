"""Reading RDAP answers (RFC 9083) and the IANA DNS bootstrap registry (RFC 9224): pure functions.

Everything here works on bytes or decoded JSON values and does no I/O, so hostile shapes are
table- and fuzz-tested without a server. Any input gives either a value or an
:class:`RdapParseError` naming the JSON path that was wrong (``$.events[2].eventDate: ...``);
nothing else is raised.

What a domain answer must get right depends on what the verdict reads: ``events`` (the
expiration date decides the verdict) and ``status`` (redemption, pending delete) are read
strictly, a wrong type there is an error. The registrar's name and IANA id and the nameservers
only decorate the result, so a malformed piece of them is skipped and noted
(:attr:`DomainRecord.notes`) rather than costing the verdict.

Every string kept is cut to :data:`MAX_TEXT` characters and stays a plain string: it is data
from the network, cleaned by whoever displays it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from launch_tui.core.model import JSONValue

__all__ = [
    "MAX_TEXT",
    "Bootstrap",
    "DomainRecord",
    "RdapParseError",
    "error_text",
    "parse_bootstrap",
    "parse_date",
    "parse_domain",
    "parse_json",
    "status_key",
]

#: Characters kept of any string from an answer.
MAX_TEXT = 200
#: Items read from the answer's lists; a registry has a handful of each.
MAX_EVENTS = 64
MAX_STATUSES = 32
MAX_NAMESERVERS = 26
MAX_ENTITIES = 64
#: How deep nested ``entities`` are searched for the registrar (it is normally at depth 0).
MAX_ENTITY_DEPTH = 3


class RdapParseError(ValueError):
    """An answer that cannot be read, with the JSON path of the first thing that was wrong."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        """``$`` for the whole document, else like ``$.events[2].eventDate``."""
        self.reason = reason


@dataclass(frozen=True)
class DomainRecord:
    """What the registry says about one domain."""

    name: str
    """``ldhName`` lower-cased without a trailing dot; the name asked for when absent."""
    expires_at: datetime | None = None
    """The ``expiration`` event (UTC); ``None`` when the registry publishes none."""
    registered_at: datetime | None = None
    """The ``registration`` event (UTC)."""
    last_changed_at: datetime | None = None
    """The ``last changed`` event (UTC)."""
    registrar: str = ""
    """``fn`` of the vCard of the entity with the ``registrar`` role; ``""`` when unknown."""
    registrar_iana_id: str = ""
    """The registrar entity's ``IANA Registrar ID`` public id; ``""`` when absent."""
    statuses: tuple[str, ...] = ()
    """RDAP status values as sent (``client transfer prohibited``, ``redemption period``...)."""
    nameservers: tuple[str, ...] = ()
    """Nameserver host names, lower-cased, without trailing dots."""
    notes: tuple[str, ...] = ()
    """Parts skipped because they were malformed, each ``<JSON path>: <why>``."""

    def has_status(self, *keys: str) -> str:
        """The first status whose :func:`status_key` is one of ``keys``; ``""`` if none."""
        return next((s for s in self.statuses if status_key(s) in keys), "")


def status_key(status: str) -> str:
    """A status compared regardless of spelling: RDAP's ``redemption period`` and EPP's
    ``redemptionPeriod`` both give ``redemptionperiod``."""
    return re.sub(r"[^a-z]", "", status.lower())


# --- the document -------------------------------------------------------------------------------


def parse_json(data: bytes) -> JSONValue:
    """Decode a UTF-8 JSON document; anything else is an :class:`RdapParseError` at ``$``."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RdapParseError("$", f"not UTF-8 text (byte {exc.start})") from None
    try:
        value: JSONValue = json.loads(text)
    except RecursionError:
        raise RdapParseError("$", "JSON nested too deeply to read") from None
    except json.JSONDecodeError as exc:
        raise RdapParseError(
            "$", f"not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise RdapParseError("$", f"not readable JSON ({_clip(str(exc), 80)})") from None
    return value


def error_text(value: JSONValue) -> str:
    """An RDAP error object's ``title`` and ``description`` on one line; ``""`` if not one."""
    if not isinstance(value, dict):
        return ""
    parts: list[str] = []
    title = value.get("title")
    if isinstance(title, str) and title.strip():
        parts.append(title.strip())
    description = value.get("description")
    lines = description if isinstance(description, list) else [description]
    parts += [line.strip() for line in lines[:4] if isinstance(line, str) and line.strip()]
    return _clip(": ".join(parts), MAX_TEXT)


# --- domain answers -------------------------------------------------------------------------------


def parse_domain(value: JSONValue, expected: str | None = None) -> DomainRecord:
    """Read a ``/domain/<name>`` answer. With ``expected``, the answer must be about that name."""
    if not isinstance(value, dict):
        raise RdapParseError("$", f"expected a JSON object, got {_kind(value)}")
    if "errorCode" in value:
        code = value.get("errorCode")
        detail = error_text(value)
        raise RdapParseError(
            "$",
            f"the server answered with an RDAP error ({_clip(str(code), 12)}"
            + (f": {detail})" if detail else ")"),
        )
    kind = value.get("objectClassName")
    if kind is not None and not (isinstance(kind, str) and kind.strip().lower() == "domain"):
        shown = repr(_clip(kind, 40)) if isinstance(kind, str) else _kind(kind)
        raise RdapParseError("$.objectClassName", f"expected 'domain', got {shown}")
    name = _domain_name(value, expected)
    notes: list[str] = []
    events = _events(value.get("events"))
    registrar, iana_id = _registrar(value.get("entities"), notes)
    return DomainRecord(
        name=name,
        expires_at=events.get("expiration"),
        registered_at=events.get("registration"),
        last_changed_at=events.get("last changed"),
        registrar=registrar,
        registrar_iana_id=iana_id,
        statuses=_statuses(value.get("status")),
        nameservers=_nameservers(value.get("nameservers"), notes),
        notes=tuple(notes),
    )


def _domain_name(value: Mapping[str, JSONValue], expected: str | None) -> str:
    want = _norm_name(expected) if expected else ""
    name = value.get("ldhName")
    if name is None:
        return want
    if not isinstance(name, str):
        raise RdapParseError("$.ldhName", f"expected a string, got {_kind(name)}")
    got = _norm_name(_clip(name, 300))
    if want and got != want:
        raise RdapParseError("$.ldhName", f"the answer is about {_clip(got, 80)!r}, not {want!r}")
    return _clip(got, MAX_TEXT)


def _events(events: JSONValue) -> dict[str, datetime]:
    """The earliest date of each event we read, by action (``expiration``, ...)."""
    found: dict[str, datetime] = {}
    for i, event in enumerate(_array(events, "$.events")[:MAX_EVENTS]):
        path = f"$.events[{i}]"
        if not isinstance(event, dict):
            raise RdapParseError(path, f"expected an object, got {_kind(event)}")
        action = event.get("eventAction")
        if not isinstance(action, str):
            raise RdapParseError(f"{path}.eventAction", f"expected a string, got {_kind(action)}")
        key = " ".join(action.lower().split())
        if key not in ("expiration", "registration", "last changed"):
            continue
        text = event.get("eventDate")
        if not isinstance(text, str):
            raise RdapParseError(f"{path}.eventDate", f"expected a string, got {_kind(text)}")
        when = parse_date(text, f"{path}.eventDate")
        # Two dates for one event is odd; the earlier is the one that bites first.
        found[key] = min(when, found.get(key, when))
    return found


def parse_date(text: str, path: str = "$") -> datetime:
    """An RFC 3339 date-time (or a plain date) as aware UTC; naive values are taken as UTC."""
    if len(text) > 64:
        raise RdapParseError(path, f"not a date: {len(text)} characters long")
    cleaned = text.strip().upper()
    try:
        moment = datetime.fromisoformat(cleaned)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise RdapParseError(path, f"not an RFC 3339 date: {_clip(text, 40)!r}") from None


def _statuses(statuses: JSONValue) -> tuple[str, ...]:
    kept: list[str] = []
    for i, status in enumerate(_array(statuses, "$.status")[:MAX_STATUSES]):
        if not isinstance(status, str):
            raise RdapParseError(f"$.status[{i}]", f"expected a string, got {_kind(status)}")
        kept.append(_clip(status.strip(), 64))
    return tuple(kept)


def _registrar(entities: JSONValue, notes: list[str]) -> tuple[str, str]:
    """Name and IANA id of the first entity with the ``registrar`` role, breadth first."""
    if entities is None:
        return "", ""
    queue: list[tuple[JSONValue, str, int]] = [(entities, "$.entities", 0)]
    seen = 0
    while queue and seen < MAX_ENTITIES:
        group, path, depth = queue.pop(0)
        if not isinstance(group, list):
            notes.append(f"{path}: expected an array, got {_kind(group)}")
            continue
        for i, entity in enumerate(group):
            seen += 1
            if seen > MAX_ENTITIES:
                notes.append(f"{path}: more than {MAX_ENTITIES} entities; the rest not read")
                break
            here = f"{path}[{i}]"
            if not isinstance(entity, dict):
                notes.append(f"{here}: expected an object, got {_kind(entity)}")
                continue
            if _has_role(entity.get("roles"), "registrar"):
                return _vcard_fn(entity.get("vcardArray"), here, notes), _iana_id(entity)
            if depth + 1 <= MAX_ENTITY_DEPTH and "entities" in entity:
                queue.append((entity.get("entities"), f"{here}.entities", depth + 1))
    return "", ""


def _has_role(roles: JSONValue, wanted: str) -> bool:
    return isinstance(roles, list) and any(
        isinstance(r, str) and r.strip().lower() == wanted for r in roles[:16]
    )


def _vcard_fn(vcard: JSONValue, path: str, notes: list[str]) -> str:
    """The ``fn`` of a jCard (RFC 7095): ``["vcard", [[name, params, type, value], ...]]``."""
    if vcard is None:
        return ""
    here = f"{path}.vcardArray"
    if not (
        isinstance(vcard, list)
        and len(vcard) >= 2
        and vcard[0] == "vcard"
        and isinstance(vcard[1], list)
    ):
        notes.append(f"{here}: not a jCard array; registrar name unknown")
        return ""
    for j, prop in enumerate(vcard[1][:64]):
        if not (isinstance(prop, list) and len(prop) >= 4 and isinstance(prop[0], str)):
            continue
        if prop[0].lower() != "fn":
            continue
        if isinstance(prop[3], str) and prop[3].strip():
            return _clip(" ".join(prop[3].split()), MAX_TEXT)
        notes.append(f"{here}[1][{j}][3]: fn is not text; registrar name unknown")
        return ""
    return ""


def _iana_id(entity: Mapping[str, JSONValue]) -> str:
    ids = entity.get("publicIds")
    if not isinstance(ids, list):
        return ""
    for public_id in ids[:16]:
        if not isinstance(public_id, dict):
            continue
        kind = public_id.get("type")
        if not (isinstance(kind, str) and "iana registrar id" in kind.lower()):
            continue
        identifier = public_id.get("identifier")
        # RFC 9083 says a string; some registries send a number.
        if isinstance(identifier, str):
            return _clip(identifier.strip(), 32)
        if isinstance(identifier, int) and not isinstance(identifier, bool):
            return _clip(str(identifier), 32)
    return ""


def _nameservers(nameservers: JSONValue, notes: list[str]) -> tuple[str, ...]:
    if nameservers is None:
        return ()
    if not isinstance(nameservers, list):
        notes.append(f"$.nameservers: expected an array, got {_kind(nameservers)}")
        return ()
    names: list[str] = []
    for i, server in enumerate(nameservers[:MAX_NAMESERVERS]):
        name = server.get("ldhName") if isinstance(server, dict) else None
        if not isinstance(name, str) or not name.strip():
            notes.append(f"$.nameservers[{i}]: no ldhName string; skipped")
            continue
        names.append(_clip(_norm_name(name), MAX_TEXT))
    return tuple(names)


# --- the bootstrap registry ---------------------------------------------------------------------


@dataclass(frozen=True)
class Bootstrap:
    """RFC 9224's DNS registry: which RDAP base URLs serve which domain suffixes."""

    publication: str = ""
    """When the registry was published (``publication`` as given)."""
    description: str = ""
    entries: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Suffix (``com``, ``co.uk``) → base URLs in the registry's order, each ending in ``/``."""

    def base_urls(self, domain: str) -> tuple[str, ...]:
        """The base URLs for ``domain``: the longest matching suffix wins (RFC 9224 §4)."""
        labels = _norm_name(domain).split(".")
        for start in range(len(labels)):
            urls = self.entries.get(".".join(labels[start:]))
            if urls is not None:
                return urls
        return ()

    def https_base(self, domain: str) -> str:
        """The first ``https://`` base URL for ``domain``; ``""`` when there is none."""
        return next((u for u in self.base_urls(domain) if u.lower().startswith("https://")), "")


def parse_bootstrap(value: JSONValue) -> Bootstrap:
    """Read a bootstrap document: ``{"services": [[[suffix, ...], [url, ...]], ...], ...}``."""
    if not isinstance(value, dict):
        raise RdapParseError("$", f"expected a JSON object, got {_kind(value)}")
    services = value.get("services")
    if not isinstance(services, list):
        raise RdapParseError("$.services", f"expected an array, got {_kind(services)}")
    entries: dict[str, tuple[str, ...]] = {}
    for i, service in enumerate(services):
        path = f"$.services[{i}]"
        if not (isinstance(service, list) and len(service) >= 2):
            raise RdapParseError(path, "expected [[suffixes], [urls]]")
        suffixes = _strings(service[0], f"{path}[0]")
        urls = tuple(u if u.endswith("/") else u + "/" for u in _strings(service[1], f"{path}[1]"))
        for suffix in suffixes:
            # The first service naming a suffix wins; a registry lists each suffix once.
            entries.setdefault(_norm_name(suffix), urls)
    publication = value.get("publication")
    description = value.get("description")
    return Bootstrap(
        publication=_clip(publication, 40) if isinstance(publication, str) else "",
        description=_clip(description, 1000) if isinstance(description, str) else "",
        entries=entries,
    )


# --- helpers ------------------------------------------------------------------------------------


def _array(value: JSONValue, path: str) -> list[JSONValue]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise RdapParseError(path, f"expected an array, got {_kind(value)}")
    return value


def _strings(value: JSONValue, path: str) -> list[str]:
    items = _array(value, path)
    for j, item in enumerate(items):
        if not isinstance(item, str):
            raise RdapParseError(f"{path}[{j}]", f"expected a string, got {_kind(item)}")
    return [str(item) for item in items]


def _norm_name(name: str) -> str:
    return name.strip().lower().rstrip(".")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _kind(value: object) -> str:
    """A JSON type name for messages: ``object``, ``array``, ``string``, ``number``..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__

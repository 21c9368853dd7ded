"""Provider fingerprints for ``audit.stack``: the data, its validation, and pure matching.

The fingerprints live in ``data/providers.toml`` (what each pattern and header means is written
there, with where it comes from), so a provider that renames its nameservers is fixed by editing
data. :func:`builtin_providers` loads and validates the shipped file once per process;
:func:`parse_providers` does the same for any text, which is how tests feed it broken data. A
bad file is a :class:`~launch_tui.core.errors.CheckError` naming the key, never an entry
silently skipped.

Matching is pure and works on plain strings: :func:`identify_host` names the provider of an NS
or MX host, :func:`header_sightings` the platforms whose headers a response carries,
:func:`declared_as` decides whether the client's own word for a provider ("G Suite") names a
provider ("Google Workspace"), and :func:`named_after` is the weak fallback for providers the
data does not know (``mx1.postbird.example`` is evidently Postbird's).

Header values are untrusted: they are cut to :data:`VALUE_CAP` characters before matching and
kept as strings; nothing here interprets them beyond a case-insensitive comparison.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources

from launch_tui.core import toml_read
from launch_tui.core.errors import CheckError
from launch_tui.core.toml_schema import Table, Wording

__all__ = [
    "BUILTIN_SOURCE",
    "VALUE_CAP",
    "HeaderSign",
    "Provider",
    "Providers",
    "Sighting",
    "builtin_providers",
    "declared_as",
    "find_declared",
    "header_sightings",
    "identify_host",
    "mx_hosts",
    "named_after",
    "parse_providers",
]

#: The format of ``providers.toml`` this module reads (its top-level ``version``).
PROVIDERS_VERSION = 1
#: How the shipped file is named in errors.
BUILTIN_SOURCE = "launch_tui/checks/data/providers.toml"
#: Header values are cut to this many characters before matching: no fingerprint needs more,
#: and a hostile server may send megabytes.
VALUE_CAP = 512
#: Headers of one response looked at; a flood of thousands adds nothing but work.
MAX_HEADERS = 200

_TESTS = ("equals", "starts_with", "contains")
# Lower-case labels of letters, digits, hyphens and `*`; a leading `*.` is allowed.
_PATTERN = re.compile(r"^(\*\.)?([a-z0-9*-]+\.)+[a-z0-9*-]+$")
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9a-z-]+$")
_WORD = re.compile(r"[a-z0-9]+")
# Words too common in provider names to identify one by themselves in a hostname.
_GENERIC = frozenset(
    {"and", "cloud", "com", "dns", "email", "host", "hosting", "inc", "llc", "ltd", "mail"}
    | {"managed", "net", "org", "server", "servers", "smtp", "the", "web"}
)


@dataclass(frozen=True)
class _Category:
    key: str
    hosts_key: str
    """``ns`` / ``mx`` for record patterns, ``headers`` for header signs."""
    kind_key: str
    kinds: tuple[str, ...]
    default_kind: str | None


_CATEGORIES = (
    _Category("dns_host", "ns", "", ("dns",), "dns"),
    _Category("email_provider", "mx", "kind", ("mailbox", "transactional", "relay"), "mailbox"),
    _Category("web", "headers", "role", ("hosting", "cdn", "server"), None),
)


@dataclass(frozen=True)
class HeaderSign:
    """A response header that identifies a provider, and optionally a test of its value."""

    name: str
    """Header name, lower case."""
    test: str = ""
    """``equals``, ``starts_with``, ``contains``, or ``""`` for "present"."""
    value: str = ""
    """The value tested against, case-folded."""

    def matches(self, value: str) -> bool:
        """True when a header of this name with ``value`` shows the provider."""
        seen = value[:VALUE_CAP].strip().casefold()
        if self.test == "equals":
            return seen == self.value
        if self.test == "starts_with":
            return seen.startswith(self.value)
        if self.test == "contains":
            return self.value in seen
        return True


@dataclass(frozen=True)
class Provider:
    """One provider's fingerprint."""

    name: str
    """How the provider is shown (``"Google Workspace"``)."""
    kind: str
    """``dns``; ``mailbox``/``transactional``/``relay`` for mail; ``hosting``/``cdn``/``server``
    for the web."""
    aliases: tuple[str, ...] = ()
    """Other names people write for it (``"G Suite"``)."""
    hosts: tuple[str, ...] = ()
    """NS or MX host patterns (``*.ns.cloudflare.com``)."""
    headers: tuple[HeaderSign, ...] = ()
    """Response headers that show it."""
    source: str = ""
    """Where the fingerprint comes from."""
    _compiled: tuple[re.Pattern[str], ...] = field(
        init=False, default=(), repr=False, compare=False
    )

    def __post_init__(self) -> None:
        # Compiled once; the dataclass is frozen, hence object.__setattr__.
        object.__setattr__(self, "_compiled", tuple(_compile(p) for p in self.hosts))

    def matches_host(self, host: str) -> bool:
        """True when ``host`` (an NS or MX name) is one of this provider's."""
        name = _hostname(host)
        return any(p.fullmatch(name) for p in self._compiled)


@dataclass(frozen=True)
class Providers:
    """The validated fingerprints, by what they identify."""

    dns_hosts: tuple[Provider, ...]
    email: tuple[Provider, ...]
    web: tuple[Provider, ...]
    source: str = field(default="", compare=False)


@dataclass(frozen=True)
class Sighting:
    """A provider recognised in a response, and the header that showed it."""

    provider: Provider
    header: str
    """Header name, lower case."""
    value: str
    """The header's value as sent, cut to :data:`VALUE_CAP` (untrusted: clean it to show it)."""


# --- matching ----------------------------------------------------------------------------------


def identify_host(host: str, providers: Sequence[Provider]) -> Provider | None:
    """The first provider whose NS/MX patterns match ``host``; ``None`` when none does."""
    return next((p for p in providers if p.matches_host(host)), None)


def mx_hosts(records: Iterable[str]) -> list[tuple[int, str]]:
    """``(preference, host)`` of each MX record (``"10 mx1.example.com."``), best first.

    A null MX (``0 .``, RFC 7505) gives host ``""``; unparseable records are left out.
    """
    found: list[tuple[int, str]] = []
    for record in records:
        parts = record.split()
        if len(parts) != 2 or not parts[0].isdecimal():
            continue
        found.append((int(parts[0]), _hostname(parts[1])))
    return sorted(found)


def header_sightings(
    headers: Iterable[tuple[str, str]], providers: Sequence[Provider]
) -> tuple[Sighting, ...]:
    """Each provider the ``headers`` show, in data order, with the first header showing it."""
    index: dict[str, list[str]] = {}
    for count, (name, value) in enumerate(headers):
        if count >= MAX_HEADERS:
            break
        index.setdefault(name.strip().lower(), []).append(value[:VALUE_CAP])
    found: list[Sighting] = []
    for provider in providers:
        sighting = next(
            (
                Sighting(provider, sign.name, value)
                for sign in provider.headers
                for value in index.get(sign.name, ())
                if sign.matches(value)
            ),
            None,
        )
        if sighting is not None:
            found.append(sighting)
    return tuple(found)


def declared_as(declared: str, provider: Provider) -> bool:
    """True when the client's ``declared`` value names ``provider``.

    Case, spacing and punctuation do not count ("GSuite" is "G Suite"), and a name or alias may
    appear as whole words within the declared value ("Vercel (Pro plan)" is Vercel).
    """
    words = _words(declared)
    if not words:
        return False
    for alias in (provider.name, *provider.aliases):
        wanted = _words(alias)
        if wanted and ("".join(words) == "".join(wanted) or _contains(words, wanted)):
            return True
    return False


def find_declared(declared: str, providers: Sequence[Provider]) -> Provider | None:
    """The first provider ``declared`` names; ``None`` when it names none the data knows."""
    return next((p for p in providers if declared_as(declared, p)), None)


def named_after(declared: str, host: str) -> bool:
    """True when ``host``'s name carries the declared provider's name (``mx1.postbird.example``
    for "Postbird").

    The fallback for providers the data does not know: weaker than a fingerprint, because
    anyone can name a host anything. Generic words ("mail", "cloud") never count.
    """
    labels = _hostname(host).split(".")[:-1]  # the last label is the TLD
    parts = set(labels) | {piece for label in labels for piece in label.split("-")}
    words = _words(declared)
    joined = "".join(words)
    if len(joined) >= 3 and joined not in _GENERIC and joined in parts:
        return True
    return any(len(w) >= 3 and w not in _GENERIC and w in parts for w in words)


@functools.lru_cache(maxsize=4096)
def _words(text: str) -> tuple[str, ...]:
    # Cached: matching every declared service against every provider's names and aliases
    # splits the same few hundred strings tens of thousands of times per audit.
    return tuple(_WORD.findall(text.casefold()))


def _contains(words: Sequence[str], wanted: Sequence[str]) -> bool:
    size = len(wanted)
    return any(tuple(words[i : i + size]) == tuple(wanted) for i in range(len(words) - size + 1))


def _hostname(text: str) -> str:
    return text.strip().rstrip(".").lower()


def _compile(pattern: str) -> re.Pattern[str]:
    labels = pattern.split(".")
    parts = []
    for position, label in enumerate(labels):
        if label == "*":
            # A leading `*` stands for one or more labels, any other for exactly one.
            parts.append(r"(?:[a-z0-9_-]+\.)*[a-z0-9_-]+" if position == 0 else r"[a-z0-9_-]+")
        else:
            parts.append("[a-z0-9_-]*".join(re.escape(piece) for piece in label.split("*")))
    return re.compile(r"\.".join(parts))


# --- loading and validation --------------------------------------------------------------------


@functools.cache
def builtin_providers() -> Providers:
    """The fingerprints shipped in ``data/providers.toml``, parsed and validated once."""
    text = resources.files("launch_tui.checks").joinpath("data/providers.toml").read_text()
    return parse_providers(text, BUILTIN_SOURCE)


def parse_providers(text: str, source: str = "providers.toml") -> Providers:
    """Parse and validate fingerprint data; a mistake is a :class:`CheckError` naming the key."""
    wording = _wording(source)
    try:
        data = toml_read.loads(text)
    except toml_read.TOMLDecodeError as exc:
        raise wording.error("", f"not valid TOML: {exc}") from None
    root = Table(data, wording)
    _only_keys(root, {"version", *(c.key for c in _CATEGORIES)})
    if root.raw("version") != PROVIDERS_VERSION:
        root.fail("version", f"expected {PROVIDERS_VERSION}, got {root.raw('version')!r}")
    found: list[tuple[Provider, ...]] = []
    for category in _CATEGORIES:
        entries = root.raw(category.key)
        if entries is not None and (
            not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries)
        ):
            root.fail(category.key, "expected an array of tables ([[...]])")
        providers = tuple(_provider(entry, category) for entry in root.tables(category.key))
        names = [p.name.casefold() for p in providers]
        twice = sorted({p.name for p in providers if names.count(p.name.casefold()) > 1})
        if twice:
            root.fail(category.key, f"provider listed twice: {', '.join(twice)}")
        found.append(providers)
    return Providers(dns_hosts=found[0], email=found[1], web=found[2], source=source)


def _provider(entry: Table, category: _Category) -> Provider:
    allowed = {"name", "aliases", "source", category.hosts_key}
    if category.kind_key:
        allowed.add(category.kind_key)
    _only_keys(entry, allowed)
    name = _text(entry, "name")
    source = _text(entry, "source")
    aliases = entry.raw("aliases")
    if aliases is None:
        aliases = []
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        entry.fail("aliases", "expected an array of non-empty strings")
    kind = category.default_kind
    if category.kind_key:
        given = entry.raw(category.kind_key)
        kind = category.default_kind if given is None else given
        if kind not in category.kinds:
            entry.fail(
                category.kind_key, f"expected one of {', '.join(category.kinds)}, got {kind!r}"
            )
    assert isinstance(kind, str)
    items = entry.raw(category.hosts_key)
    if not isinstance(items, list) or not items:
        entry.fail(category.hosts_key, "missing or empty; expected a non-empty array")
    array = entry.sub({}, category.hosts_key)
    hosts: tuple[str, ...] = ()
    headers: tuple[HeaderSign, ...] = ()
    if category.hosts_key == "headers":
        headers = tuple(_sign(array, i, s) for i, s in enumerate(items))
    else:
        hosts = tuple(_pattern(array, i, p) for i, p in enumerate(items))
    return Provider(
        name=name.strip(),
        kind=kind,
        aliases=tuple(a.strip() for a in aliases),
        hosts=hosts,
        headers=headers,
        source=source.strip(),
    )


def _pattern(array: Table, index: int, value: object) -> str:
    if not isinstance(value, str) or not _PATTERN.fullmatch(value) or "**" in value:
        array.fail(
            index, f"expected a lower-case host pattern like '*.ns.example.com', got {value!r}"
        )
    if "*" in value.rsplit(".", 1)[1]:
        # A wildcard top-level domain would match anyone's hosts.
        array.fail(index, f"the last label must be fixed, got {value!r}")
    return value


def _sign(array: Table, index: int, value: object) -> HeaderSign:
    if not isinstance(value, dict):
        array.fail(index, 'expected a table like { name = "server", equals = "x" }')
    sign = array.sub(value, index)
    _only_keys(sign, {"name", *_TESTS})
    name = _text(sign, "name").strip().lower()
    if not _TOKEN.fullmatch(name):
        sign.fail("name", f"not a header name: {name!r}")
    tests = [t for t in _TESTS if sign.has(t)]
    if len(tests) > 1:
        sign.fail(None, f"give at most one of {', '.join(_TESTS)}, not {tests}")
    if not tests:
        return HeaderSign(name)
    wanted = _text(sign, tests[0])
    return HeaderSign(name, tests[0], wanted.strip().casefold())


def _text(table: Table, key: str) -> str:
    value = table.raw(key)
    if not isinstance(value, str) or not value.strip():
        got = "nothing" if value is None else repr(value)
        table.fail(key, f"expected a non-empty string, got {got}")
    return value


def _only_keys(table: Table, allowed: set[str]) -> None:
    unknown = sorted(table.unknown(allowed))
    if unknown:
        table.fail(unknown[0], f"unknown key; expected one of {', '.join(sorted(allowed))}")


def _wording(source: str) -> Wording:
    def error(path: str, reason: str) -> CheckError:
        where = f"{source}: {path}" if path else source
        return CheckError(f"{where}: {reason}", title="Bad provider data")

    return Wording(error=error)

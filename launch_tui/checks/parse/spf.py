"""SPF records read per RFC 7208: record selection, terms, modifiers and macro expansion.

Pure functions over text; the evaluator (``launch_tui.checks.email.spf``) does the DNS.

* :func:`is_spf_record` says whether a TXT string is an SPF record at all (4.5: it starts with
  the version ``v=spf1`` followed by a space or nothing).
* :func:`parse_record` turns a record into :class:`SpfRecord` or raises :class:`SpfSyntaxError`:
  RFC 7208 4.6 makes any syntax error anywhere a ``permerror`` before anything is evaluated,
  so the whole record is checked here, macros included.
* :func:`expand` expands a macro-string (section 7) given :class:`MacroVars`.

Everything follows the ABNF of section 12; names are compared case-insensitively.
"""

from __future__ import annotations

import ipaddress
import re
import urllib.parse
from dataclasses import dataclass
from enum import StrEnum

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Terms that cause DNS queries when evaluated; RFC 7208 4.6.4 limits them to 10.
DNS_TERMS = frozenset({"include", "a", "mx", "ptr", "exists", "redirect"})
MECHANISMS = frozenset({"all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"})
#: The longest domain name used in a query; longer expansions lose labels on the left (7.3).
MAX_DOMAIN = 253

_VERSION = "v=spf1"
_MODIFIER = re.compile(r"([A-Za-z][A-Za-z0-9\-_.]*)=(.*)", re.DOTALL)
_MECHANISM = re.compile(r"([+\-~?]?)([A-Za-z][A-Za-z0-9\-_.]*)(.*)", re.DOTALL)
_CIDR = re.compile(r"(?:/(0|[1-9][0-9]*))?(?://(0|[1-9][0-9]*))?\Z")
_MACRO_EXPAND = re.compile(r"%\{([A-Za-z])([0-9]*)(r?)([.\-+,/_=]*)\}|%%|%_|%-", re.IGNORECASE)
_QNUM = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
_IP4 = re.compile(rf"{_QNUM}\.{_QNUM}\.{_QNUM}\.{_QNUM}\Z")
_TOPLABEL = re.compile(
    r"(?:[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9\-]*[A-Za-z0-9])"
)
_DOMAIN_END = re.compile(rf"\.{_TOPLABEL.pattern}\.?\Z")
_MACRO_LETTERS = frozenset("slodiphvcrt")
_EXP_ONLY_LETTERS = frozenset("crt")


class Qualifier(StrEnum):
    """What a matching mechanism makes the result (RFC 7208 4.6.2)."""

    PASS = "+"  # noqa: S105 - an SPF qualifier, not a password
    FAIL = "-"
    SOFTFAIL = "~"
    NEUTRAL = "?"


class SpfSyntaxError(ValueError):
    """A record (or macro-string) that does not follow RFC 7208's grammar: a ``permerror``."""

    def __init__(self, message: str, term: str = "") -> None:
        super().__init__(message)
        self.message = message
        """One line for a person (the term is quoted in it when there is one)."""
        self.term = term
        """The offending term as written, or ``""``."""


@dataclass(frozen=True)
class Mechanism:
    """One directive: a qualifier and a mechanism (RFC 7208 5)."""

    text: str
    """The term as written in the record."""
    qualifier: Qualifier
    name: str
    """Mechanism name, lower-case: ``all``, ``include``, ``a``, ``mx``, ``ptr``, ``ip4``, ``ip6``,
    ``exists``."""
    domain_spec: str | None = None
    """The macro-string after ``:``; ``None`` when absent (``a`` and ``mx`` then use the
    current domain)."""
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None
    """For ``ip4``/``ip6``: the network to match (host bits cleared)."""
    cidr4: int | None = None
    """IPv4 prefix length for ``a``/``mx`` (``/N``); ``None`` means 32."""
    cidr6: int | None = None
    """IPv6 prefix length for ``a``/``mx`` (``//N``); ``None`` means 128."""

    @property
    def queries_dns(self) -> bool:
        """True when evaluating this term costs one of the 10 DNS lookups."""
        return self.name in DNS_TERMS


@dataclass(frozen=True)
class Modifier:
    """A ``name=value`` term (RFC 7208 6): ``redirect``, ``exp`` or one we ignore."""

    text: str
    name: str
    """Lower-case modifier name."""
    value: str
    """The macro-string after ``=``."""


@dataclass(frozen=True)
class SpfRecord:
    """A parsed, syntactically valid SPF record."""

    text: str
    mechanisms: tuple[Mechanism, ...]
    redirect: str | None = None
    """The ``redirect=`` domain-spec, if any."""
    exp: str | None = None
    """The ``exp=`` domain-spec, if any."""
    unknown_modifiers: tuple[Modifier, ...] = ()
    """Modifiers RFC 7208 says to ignore (6: unrecognized modifiers MUST be ignored)."""
    after_all: tuple[str, ...] = ()
    """Terms written after an ``all`` mechanism: never evaluated, usually a mistake."""

    @property
    def dns_terms(self) -> int:
        """How many terms of this record (not its includes) cost a DNS lookup."""
        return sum(1 for m in self.mechanisms if m.queries_dns) + (self.redirect is not None)


@dataclass(frozen=True)
class MacroVars:
    """The values macros expand to (RFC 7208 7.2)."""

    sender: str
    """``<sender>``: ``local-part@domain`` (``postmaster`` substituted for an empty local-part)."""
    domain: str
    """``<domain>``: the domain whose record is being evaluated (``%{d}``)."""
    ip: IPAddress
    helo: str
    """The HELO/EHLO domain (``%{h}``)."""
    validated: str = "unknown"
    """``%{p}``: a validated domain name of ``ip``; the evaluator fills it when needed."""
    receiver: str = "unknown"
    """``%{r}`` (explanations only): the checking host's domain."""
    timestamp: int = 0
    """``%{t}`` (explanations only): seconds since the epoch."""


def is_spf_record(text: str) -> bool:
    """True when ``text`` is an SPF version 1 record (RFC 7208 4.5)."""
    head = text[: len(_VERSION)]
    return head.lower() == _VERSION and (len(text) == len(_VERSION) or text[len(_VERSION)] == " ")


def parse_record(text: str) -> SpfRecord:
    """Parse a whole record (one that :func:`is_spf_record` accepted); raise on any error."""
    if not is_spf_record(text):
        raise SpfSyntaxError("The record does not start with v=spf1")
    _check_ascii(text, "")
    mechanisms: list[Mechanism] = []
    unknown: list[Modifier] = []
    redirect: str | None = None
    exp: str | None = None
    after_all: list[str] = []
    seen_all = False
    for term in text[len(_VERSION) :].split(" "):
        if not term:
            continue  # terms are separated by one or more spaces
        modifier = _MODIFIER.match(term)
        if modifier is not None:
            parsed = _parse_modifier(term, modifier.group(1).lower(), modifier.group(2))
            if parsed.name == "redirect":
                if redirect is not None:
                    raise SpfSyntaxError("The record has more than one redirect= modifier", term)
                redirect = parsed.value
            elif parsed.name == "exp":
                if exp is not None:
                    raise SpfSyntaxError("The record has more than one exp= modifier", term)
                exp = parsed.value
            else:
                unknown.append(parsed)
            if seen_all and parsed.name != "exp":
                after_all.append(term)
            continue
        mechanism = parse_mechanism(term)
        if seen_all:
            after_all.append(term)
        mechanisms.append(mechanism)
        seen_all = seen_all or mechanism.name == "all"
    return SpfRecord(
        text=text,
        mechanisms=tuple(mechanisms),
        redirect=redirect,
        exp=exp,
        unknown_modifiers=tuple(unknown),
        after_all=tuple(after_all),
    )


def parse_mechanism(term: str) -> Mechanism:
    """One directive (``[qualifier] name [":" domain-spec | ":" ip] [cidr]``)."""
    match = _MECHANISM.match(term)
    if match is None:
        raise SpfSyntaxError(f"'{term}' is not a valid SPF term", term)
    qualifier = Qualifier(match.group(1) or "+")
    name = match.group(2).lower()
    rest = match.group(3)
    if name not in MECHANISMS:
        raise SpfSyntaxError(f"'{term}' is not a known SPF mechanism", term)
    if name == "all":
        if rest:
            raise SpfSyntaxError(f"'all' takes no argument: '{term}'", term)
        return Mechanism(term, qualifier, name)
    if name in ("ip4", "ip6"):
        return _parse_ip(term, qualifier, name, rest)
    domain_spec: str | None = None
    cidr4: int | None = None
    cidr6: int | None = None
    if name in ("a", "mx"):
        cidr = _CIDR.search(rest)
        assert cidr is not None  # both groups are optional: it always matches at the end
        cidr4 = int(cidr.group(1)) if cidr.group(1) is not None else None
        cidr6 = int(cidr.group(2)) if cidr.group(2) is not None else None
        if cidr4 is not None and cidr4 > 32:
            raise SpfSyntaxError(f"IPv4 prefix length over 32 in '{term}'", term)
        if cidr6 is not None and cidr6 > 128:
            raise SpfSyntaxError(f"IPv6 prefix length over 128 in '{term}'", term)
        rest = rest[: cidr.start()]
    if rest:
        if not rest.startswith(":"):
            raise SpfSyntaxError(f"'{term}' is not a valid SPF term", term)
        domain_spec = rest[1:]
        check_domain_spec(domain_spec, term)
    elif name in ("include", "exists"):
        raise SpfSyntaxError(f"'{name}' needs a domain: '{term}'", term)
    return Mechanism(term, qualifier, name, domain_spec, None, cidr4, cidr6)


def _parse_ip(term: str, qualifier: Qualifier, name: str, rest: str) -> Mechanism:
    if not rest.startswith(":"):
        raise SpfSyntaxError(f"'{name}' needs an address: '{term}'", term)
    address, slash, length_text = rest[1:].partition("/")
    limit = 32 if name == "ip4" else 128
    length = limit
    if slash:
        if not re.fullmatch(r"0|[1-9][0-9]*", length_text) or int(length_text) > limit:
            raise SpfSyntaxError(f"Bad prefix length in '{term}'", term)
        length = int(length_text)
    try:
        if name == "ip4":
            if not _IP4.match(address):
                raise ValueError(address)
            network: ipaddress.IPv4Network | ipaddress.IPv6Network = ipaddress.IPv4Network(
                f"{address}/{length}", strict=False
            )
        else:
            if "%" in address or ("." in address and not _IP4.match(address.rsplit(":", 1)[-1])):
                raise ValueError(address)
            network = ipaddress.IPv6Network(f"{address}/{length}", strict=False)
    except ValueError:
        raise SpfSyntaxError(f"'{address}' is not a valid address in '{term}'", term) from None
    return Mechanism(term, qualifier, name, None, network)


def _parse_modifier(term: str, name: str, value: str) -> Modifier:
    if name in ("redirect", "exp"):
        if not value:
            raise SpfSyntaxError(f"'{name}=' needs a domain: '{term}'", term)
        check_domain_spec(value, term)
    else:
        check_macro_string(value, term, explanation=False)
    return Modifier(term, name, value)


def check_macro_string(value: str, term: str = "", *, explanation: bool = False) -> None:
    """Raise :class:`SpfSyntaxError` unless ``value`` is a valid macro-string (7.1)."""
    _check_ascii(value, term)
    position = 0
    while True:
        percent = value.find("%", position)
        if percent < 0:
            return
        match = _MACRO_EXPAND.match(value, percent)
        if match is None:
            raise SpfSyntaxError(f"Bad macro at '{value[percent : percent + 8]}'", term or value)
        letter = match.group(1)
        if letter is not None:
            lower = letter.lower()
            if lower not in _MACRO_LETTERS:
                raise SpfSyntaxError(f"Unknown macro letter '%{{{letter}' in '{value}'", term)
            if lower in _EXP_ONLY_LETTERS and not explanation:
                raise SpfSyntaxError(
                    f"Macro '%{{{letter}}}' is allowed only in exp= text: '{value}'", term
                )
            if match.group(2) and int(match.group(2)) == 0:
                raise SpfSyntaxError(f"A macro cannot keep 0 parts: '{value}'", term)
        position = match.end()


def check_domain_spec(value: str, term: str = "") -> None:
    """Raise unless ``value`` is a domain-spec: a macro-string ending in a top label or macro."""
    check_macro_string(value, term)
    if _DOMAIN_END.search(value):
        return
    if any(m.end() == len(value) for m in _MACRO_EXPAND.finditer(value)):
        return
    raise SpfSyntaxError(f"'{value}' does not end in a valid top-level label", term or value)


def _check_ascii(value: str, term: str) -> None:
    for char in value:
        if not "\x21" <= char <= "\x7e" and char != " ":
            raise SpfSyntaxError(
                f"Character U+{ord(char):04X} is not allowed in an SPF record", term or value
            )


def expand(value: str, variables: MacroVars, *, explanation: bool = False) -> str:
    """Expand ``value`` (already checked); a domain-spec's result is cut to 253 characters."""
    check_macro_string(value, explanation=explanation)
    parts: list[str] = []
    position = 0
    for match in _MACRO_EXPAND.finditer(value):
        parts.append(value[position : match.start()])
        position = match.end()
        whole = match.group(0)
        if whole == "%%":
            parts.append("%")
        elif whole == "%_":
            parts.append(" ")
        elif whole == "%-":
            parts.append("%20")
        else:
            parts.append(_expand_one(match, variables))
    parts.append(value[position:])
    result = "".join(parts)
    if explanation:
        return result
    return truncate_domain(result)


def truncate_domain(name: str) -> str:
    """Drop labels from the left until ``name`` fits in 253 characters (RFC 7208 7.3)."""
    while len(name.rstrip(".")) > MAX_DOMAIN and "." in name:
        name = name.split(".", 1)[1]
    return name


def _expand_one(match: re.Match[str], variables: MacroVars) -> str:
    letter = match.group(1)
    digits = match.group(2)
    reverse = bool(match.group(3))
    delimiters = match.group(4) or "."
    raw = _macro_value(letter.lower(), variables)
    pieces = re.split("[" + re.escape(delimiters) + "]", raw)
    if reverse:
        pieces.reverse()
    if digits:
        pieces = pieces[-int(digits) :]
    text = ".".join(pieces)
    if letter.isupper():
        text = urllib.parse.quote(text, safe="~")
    return text


def _macro_value(letter: str, v: MacroVars) -> str:
    local, _, sender_domain = v.sender.rpartition("@")
    if letter == "s":
        return v.sender
    if letter == "l":
        return local
    if letter == "o":
        return sender_domain
    if letter == "d":
        return v.domain
    if letter == "i":
        return ip_macro(v.ip)
    if letter == "p":
        return v.validated
    if letter == "v":
        return "in-addr" if v.ip.version == 4 else "ip6"
    if letter == "h":
        return v.helo
    if letter == "c":
        return str(v.ip)
    if letter == "r":
        return v.receiver
    return str(v.timestamp)  # "t"


def ip_macro(ip: IPAddress) -> str:
    """``%{i}``: dotted quad for IPv4, dot-separated nibbles for IPv6 (RFC 7208 7.3).

    Nibbles are upper-case hex, as the RFC 7208 test suite expects in explanation text
    (``v-macro-ip6``); the RFC's own example is lower-case, and DNS names compare either way.
    """
    if ip.version == 4:
        return str(ip)
    return ".".join(ip.exploded.replace(":", "").upper())


def reverse_name(ip: IPAddress) -> str:
    """The ``in-addr.arpa``/``ip6.arpa`` name to look up PTR records for ``ip``."""
    return ip.reverse_pointer


def uses_validated_name(value: str) -> bool:
    """True when ``value`` contains a ``%{p}`` macro (its expansion costs DNS lookups)."""
    return any(
        m.group(1) is not None and m.group(1).lower() == "p" for m in _MACRO_EXPAND.finditer(value)
    )

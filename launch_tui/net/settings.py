"""Limits and overrides for the network layer, parsed from the session's ``NetworkSettings``.

:class:`NetLimits` holds every cap the layer enforces (deadlines, body, headers, redirects, DNS).
:class:`NetConfig` is what the resolver, HTTP client and TLS inspector are built from: the
nameservers, the ``HOST=IP[:PORT]`` overrides, the extra CA bundle and the limits. The parse
functions raise :class:`~launch_tui.core.errors.UsageError` with a message a person can act on.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from launch_tui.core.errors import UsageError
from launch_tui.core.model import NetworkSettings

KIB = 1024
MIB = 1024 * KIB


@dataclass(frozen=True)
class NetLimits:
    """Every limit the network layer enforces; the defaults are what a user would expect."""

    total_deadline: float = 10.0
    """Seconds for one whole request: DNS, connect, TLS, every redirect hop and the body."""
    connect_timeout: float = 5.0
    """Seconds to establish one TCP connection."""
    dns_timeout: float = 2.0
    """Seconds to wait for one nameserver's answer before trying again or another server."""
    dns_lifetime: float = 5.0
    """Seconds for one whole DNS lookup, retries and CNAME chasing included."""
    max_body_bytes: int = 5 * MIB
    """Bytes of response body read off the wire (before any decompression)."""
    max_decoded_bytes: int = 10 * MIB
    """Bytes a compressed body may inflate to when a caller asks for its text."""
    max_header_bytes: int = 64 * KIB
    """Bytes of status line plus headers."""
    max_headers: int = 200
    """Number of response header lines."""
    max_redirects: int = 10
    """Redirects followed before giving up with ``too_many_redirects``."""
    max_cname_chain: int = 16
    """CNAME hops followed before a lookup is declared a loop."""

    def __post_init__(self) -> None:
        for name in ("total_deadline", "connect_timeout", "dns_timeout", "dns_lifetime"):
            value = getattr(self, name)
            if not value > 0:
                raise UsageError(f"{name} must be a positive number of seconds, not {value!r}")
        for name in (
            "max_body_bytes",
            "max_decoded_bytes",
            "max_header_bytes",
            "max_headers",
            "max_cname_chain",
        ):
            if getattr(self, name) < 1:
                raise UsageError(f"{name} must be at least 1, not {getattr(self, name)!r}")
        if self.max_redirects < 0:
            raise UsageError(f"max_redirects must be 0 or more, not {self.max_redirects!r}")

    @classmethod
    def from_timeout(cls, timeout: float) -> NetLimits:
        """Defaults, with ``timeout`` as the total deadline and inner timeouts kept within it."""
        if not timeout > 0:
            raise UsageError(f"--timeout must be a positive number of seconds, not {timeout!r}")
        return cls(
            total_deadline=timeout,
            connect_timeout=min(cls.connect_timeout, timeout),
            dns_timeout=min(cls.dns_timeout, timeout),
            dns_lifetime=min(cls.dns_lifetime, timeout),
        )


@dataclass(frozen=True)
class Nameserver:
    """A DNS server to ask: an IP address and a port."""

    address: str
    port: int = 53

    def __str__(self) -> str:
        return join_host_port(self.address, self.port)


@dataclass(frozen=True)
class ResolveOverride:
    """``HOST[:PORT]=IP[:PORT]``: connect to ``ip`` instead of looking ``host`` up.

    ``host_port`` narrows the override to URLs on that port (so ``http`` and ``https`` of one
    name can go to two loopback ports); ``port`` replaces the URL's port when given.
    """

    host: str
    ip: str
    port: int | None = None
    host_port: int | None = None

    def __str__(self) -> str:
        left = self.host if self.host_port is None else f"{self.host}:{self.host_port}"
        right = self.ip if self.port is None else join_host_port(self.ip, self.port)
        return f"{left}={right}"


@dataclass(frozen=True)
class NetConfig:
    """What the resolver, the HTTP client and the TLS inspector are built from."""

    nameservers: tuple[Nameserver, ...] = ()
    """Empty means the system resolver configuration."""
    overrides: tuple[ResolveOverride, ...] = ()
    """Name-to-address overrides applied before DNS for HTTP and TLS."""
    ca_bundle: str | None = None
    """PEM file trusted in addition to the system store."""
    limits: NetLimits = field(default_factory=NetLimits)

    def override_for(self, host: str, port: int) -> tuple[str, int] | None:
        """The ``(ip, port)`` to connect to for ``host:port``, or ``None`` to use DNS.

        An override naming the port wins over one that does not.
        """
        name = normalize_host(host)
        general: ResolveOverride | None = None
        for override in self.overrides:
            if override.host != name:
                continue
            if override.host_port == port:
                return override.ip, override.port or port
            if override.host_port is None and general is None:
                general = override
        if general is None:
            return None
        return general.ip, general.port or port

    def connect_to(self, host: str, port: int) -> str | None:
        """:meth:`override_for` as ``"IP:PORT"`` text, the form :func:`inspect_tls` takes."""
        target = self.override_for(host, port)
        return None if target is None else join_host_port(*target)


def net_config(settings: NetworkSettings, *, limits: NetLimits | None = None) -> NetConfig:
    """Parse the session's network settings; ``limits`` defaults to ones built from its timeout."""
    return NetConfig(
        nameservers=tuple(parse_nameserver(text) for text in settings.nameservers),
        overrides=tuple(parse_resolve(text) for text in settings.resolve),
        ca_bundle=settings.ca_bundle or None,
        limits=limits if limits is not None else NetLimits.from_timeout(settings.timeout),
    )


def normalize_host(host: str) -> str:
    """Lower-case a host name and drop a trailing dot and IPv6 brackets."""
    host = host.strip().lower().rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host


def parse_nameserver(text: str) -> Nameserver:
    """Parse ``--nameserver`` text: ``IP``, ``IP:PORT``, ``IPv6`` or ``[IPv6]:PORT``."""
    address, port = _split_host_port(text, what="--nameserver", example="127.0.0.1:5353")
    if not _is_ip(address):
        raise UsageError(
            f"--nameserver {text!r}: give the nameserver's IP address, like 127.0.0.1:5353 "
            "or [::1]:53 (names are not looked up, to keep DNS on the server you chose)"
        )
    return Nameserver(address, 53 if port is None else port)


def parse_resolve(text: str) -> ResolveOverride:
    """Parse ``--resolve`` text: ``HOST=IP``, ``HOST=IP:PORT``, ``HOST:PORT=IP[:PORT]``."""
    example = "app.example.com=127.0.0.2:8443"
    if text.count("=") != 1:
        raise UsageError(f"--resolve {text!r}: expected HOST=IP[:PORT], like {example}")
    left, right = (part.strip() for part in text.split("="))
    if not left or not right:
        raise UsageError(f"--resolve {text!r}: expected HOST=IP[:PORT], like {example}")
    host, host_port = _split_host_port(left, what="--resolve", example=example)
    if not _is_host_name(host) and not _is_ip(host):
        raise UsageError(f"--resolve {text!r}: {host!r} is not a host name")
    ip, port = _split_host_port(right, what="--resolve", example=example)
    if not _is_ip(ip):
        raise UsageError(
            f"--resolve {text!r}: {ip!r} is not an IP address (the right side of = is where "
            f"to connect, like {example})"
        )
    return ResolveOverride(host=normalize_host(host), ip=ip, port=port, host_port=host_port)


def parse_connect_to(text: str, default_port: int) -> tuple[str, int]:
    """Parse ``IP[:PORT]`` (or ``[IPv6]:PORT``) into ``(ip, port)``, the port defaulting."""
    ip, port = _split_host_port(text, what="connect-to", example="127.0.0.2:8443")
    if not _is_ip(ip):
        raise UsageError(f"connect-to {text!r}: {ip!r} is not an IP address")
    return ip, default_port if port is None else port


def _split_host_port(text: str, *, what: str, example: str) -> tuple[str, int | None]:
    text = text.strip()
    if not text:
        raise UsageError(f"{what}: empty value; expected something like {example}")
    port_text: str | None = None
    if text.startswith("["):
        end = text.find("]")
        if end == -1:
            raise UsageError(f"{what} {text!r}: missing ']' after the IPv6 address")
        host, rest = text[1:end], text[end + 1 :]
        if rest:
            if not rest.startswith(":"):
                raise UsageError(f"{what} {text!r}: expected ':PORT' after ']'")
            port_text = rest[1:]
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    else:
        # No colon, or a bare IPv6 address (more than one colon): no port given.
        host = text
    host = normalize_host(host)
    if not host:
        raise UsageError(f"{what} {text!r}: missing host; expected something like {example}")
    if port_text is None:
        return host, None
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise UsageError(f"{what} {text!r}: port {port_text!r} is not a number from 1 to 65535")
    return host, int(port_text)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _is_host_name(text: str) -> bool:
    if len(text) > 253:
        return False
    labels = text.split(".")
    return all(
        0 < len(label) <= 63
        and all(ch.isalnum() or ch in "-_" for ch in label)
        and label.isascii()
        and not label.startswith("-")
        and not label.endswith("-")
        for label in labels
    )


def join_host_port(host: str, port: int) -> str:
    """``host:port``, with IPv6 addresses in brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

"""The one place that talks to the network: DNS, HTTP, TLS, and the limits on all three.

Public surface (everything else in this package is private)::

    settings   NetLimits, NetConfig, Nameserver, ResolveOverride, net_config,
               parse_nameserver, parse_resolve, parse_connect_to, join_host_port
    resolver   Resolver; dns_answer: DnsAnswer, DnsResult; failures: DnsFailure, DnsFailureKind
    http       make_http_client, HttpClient (fetch, config, variant, aclose), DEFAULT_USER_AGENT
    results    FetchResult, Hop, Timing
    decode     decode_body, DecodedBody
    tls        inspect_tls, TlsReport, TlsProblem; certinfo: CertInfo, cert_info, hostname_matches
    ssl        make_ssl_context
    failures   NetFailure, FailureKind, Phase

Nothing here raises on a transport problem: results carry a ``failure`` value instead. Errors a
user causes (a malformed ``--resolve``, a missing CA bundle) raise ``UsageError``.
"""

from launch_tui.net.certinfo import CertInfo, cert_info, hostname_matches
from launch_tui.net.decode import DecodedBody, decode_body
from launch_tui.net.dns_answer import DnsAnswer, DnsResult
from launch_tui.net.failures import DnsFailure, DnsFailureKind, FailureKind, NetFailure, Phase
from launch_tui.net.http import DEFAULT_USER_AGENT, HttpClient, make_http_client
from launch_tui.net.resolver import Resolver
from launch_tui.net.results import FetchResult, Hop, Timing
from launch_tui.net.settings import (
    Nameserver,
    NetConfig,
    NetLimits,
    ResolveOverride,
    join_host_port,
    net_config,
    parse_connect_to,
    parse_nameserver,
    parse_resolve,
)
from launch_tui.net.ssl_contexts import make_ssl_context
from launch_tui.net.tls import TlsProblem, TlsReport, inspect_tls

__all__ = [
    "DEFAULT_USER_AGENT",
    "CertInfo",
    "DecodedBody",
    "DnsAnswer",
    "DnsFailure",
    "DnsFailureKind",
    "DnsResult",
    "FailureKind",
    "FetchResult",
    "Hop",
    "HttpClient",
    "Nameserver",
    "NetConfig",
    "NetFailure",
    "NetLimits",
    "Phase",
    "ResolveOverride",
    "Resolver",
    "Timing",
    "TlsProblem",
    "TlsReport",
    "cert_info",
    "decode_body",
    "hostname_matches",
    "inspect_tls",
    "join_host_port",
    "make_http_client",
    "make_ssl_context",
    "net_config",
    "parse_connect_to",
    "parse_nameserver",
    "parse_resolve",
]

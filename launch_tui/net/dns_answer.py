"""What a DNS lookup gives back: :class:`DnsAnswer` (records found) or, with
:class:`~launch_tui.net.failures.DnsFailure` (why there are none), a :data:`DnsResult`.

Made by :class:`~launch_tui.net.resolver.Resolver`; plain frozen data that checks judge and
results keep as evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

from launch_tui.net.failures import DnsFailure


@dataclass(frozen=True)
class DnsAnswer:
    """Records found for one name and type."""

    name: str
    """The name asked for, without the trailing dot."""
    rdtype: str
    """Record type asked for, e.g. ``A``, ``TXT``."""
    records: tuple[str, ...]
    """Each record in DNS presentation format (``10 mx.example.com.``, ``"v=spf1 -all"``)."""
    ttl: int
    """TTL of the answer record set, in seconds."""
    canonical_name: str
    """The name the records belong to: ``name`` itself, or the end of the CNAME chain."""
    cname_chain: tuple[str, ...] = ()
    """Names reached through CNAMEs, in order, ending with ``canonical_name``; empty if none."""
    nameserver: str = ""
    """``IP:PORT`` of the nameserver that gave the final answer."""
    via_tcp: bool = False
    """The final answer came over TCP."""
    truncated: bool = False
    """A UDP answer came back truncated (TC) and the query was retried over TCP."""
    elapsed_ms: float = 0.0
    txt: tuple[str, ...] = ()
    """For TXT records: each record's strings joined (as SPF/DMARC readers do), UTF-8 decoded."""
    shortest_ttl: int | None = None
    """The smallest TTL of the records and of every CNAME followed to them: how long the
    answer as a whole may be reused. ``None`` means ``ttl`` (no CNAME was followed)."""

    @property
    def reuse_ttl(self) -> int:
        """Seconds the whole answer (CNAME chain included) may be reused."""
        return self.ttl if self.shortest_ttl is None else min(self.ttl, self.shortest_ttl)


DnsResult = DnsAnswer | DnsFailure

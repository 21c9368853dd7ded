"""``Resolver.resolve_address`` shares concurrent lookups and reuses answers for their TTL;
``Resolver.resolve`` shares a question while it is in flight and keeps nothing after.

Every test asks the sandbox's authoritative DNS server (real UDP on loopback) and counts the
queries it answered (``RunningWorld.dns_queries()``). Time is the resolver's injected ``clock``,
advanced by hand, so "after the TTL" costs no waiting. The zone's TTLs are chosen per name:

=================  ==========================  ==================================
name               records                     what it pins down
=================  ==========================  ==================================
short.dns.test     A, TTL 10                   reuse for the TTL, then ask again
long.dns.test      A, TTL 300                  reuse capped at 30 s
both.dns.test      A TTL 60, AAAA TTL 20       the smaller TTL of the two wins
zero.dns.test      A, TTL 0                    TTL 0 is never reused
alias.dns.test     CNAME (TTL 2) to long       the chain's TTL counts too
nope.dns.test      (nothing)                   NXDOMAIN, never reused
broken.dns.test    SERVFAIL                    never reused
silent.dns.test    never answered              timeout, never reused
=================  ==========================  ==================================
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from launch_tui.net import DnsAnswer, DnsFailure, DnsFailureKind, Nameserver, NetLimits, Resolver
from launch_tui.sandbox import RunningWorld, parse_world, start_world

DNS_LAB = """
name = "dnslab"
[sprint]
id = "dnslab"
client = "DNS Lab"
product = "Lookups"

[[dns.zones]]
origin = "dns.test"
records = [
  ["@", "NS", "ns1.dns.test."],
  ["ns1", "A", "127.0.0.1"],
  ["short", "A", "127.0.0.20", 10],
  ["long", "A", "127.0.0.21", 300],
  ["both", "A", "127.0.0.22", 60],
  ["both", "AAAA", "::1", 20],
  ["zero", "A", "127.0.0.23", 0],
  ["alias", "CNAME", "long.dns.test.", 2],
]

[dns]
servfail = ["broken.dns.test"]
timeout = ["silent.dns.test"]
"""

#: Short enough that a lookup of the silent name gives up quickly.
# Loopback answers in well under a millisecond; the margin is for a loaded CI machine (0.1 s
# timed out there). Only silent.dns.test waits the whole lifetime.
LIMITS = NetLimits(dns_timeout=0.5, dns_lifetime=1.0)


class FakeClock:
    """The resolver's clock: stands still until a test moves it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
async def dns_lab() -> AsyncIterator[RunningWorld]:
    async with start_world(parse_world(DNS_LAB, source="dnslab.toml")) as running:
        yield running
        assert running.errors() == ()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def resolver(dns_lab: RunningWorld, clock: FakeClock) -> Resolver:
    address, port = dns_lab.nameserver
    return Resolver([Nameserver(address, port)], limits=LIMITS, clock=clock)


def asked(running: RunningWorld, name: str) -> tuple[int, int]:
    """How many A and AAAA queries for ``name`` the sandbox's DNS server received."""
    queries = [q for q in running.dns_queries() if q.name.lower().rstrip(".") == name]
    return (
        sum(1 for q in queries if q.rdtype == "A"),
        sum(1 for q in queries if q.rdtype == "AAAA"),
    )


# -- sharing and reuse ---------------------------------------------------------------------------


async def test_twenty_concurrent_lookups_of_one_name_send_one_a_and_one_aaaa_query(
    dns_lab: RunningWorld, resolver: Resolver
) -> None:
    found = await asyncio.gather(*(resolver.resolve_address("short.dns.test") for _ in range(20)))
    assert found == [["127.0.0.20"]] * 20
    assert asked(dns_lab, "short.dns.test") == (1, 1)


async def test_an_answer_is_reused_within_its_ttl_and_looked_up_again_after(
    dns_lab: RunningWorld, resolver: Resolver, clock: FakeClock
) -> None:
    first = await resolver.resolve_address("short.dns.test")
    assert first == ["127.0.0.20"]
    # A caller changing its list changes nobody else's.
    assert isinstance(first, list)
    first.append("192.0.2.1")

    clock.advance(9.9)
    assert await resolver.resolve_address("short.dns.test") == ["127.0.0.20"]
    assert asked(dns_lab, "short.dns.test") == (1, 1)

    clock.advance(0.2)  # 10.1 s after the answer: its TTL of 10 s is over
    again = await asyncio.gather(*(resolver.resolve_address("short.dns.test") for _ in range(20)))
    assert again == [["127.0.0.20"]] * 20
    assert asked(dns_lab, "short.dns.test") == (2, 2)

    clock.advance(9.9)  # within the fresh answer's TTL
    assert await resolver.resolve_address("short.dns.test") == ["127.0.0.20"]
    assert asked(dns_lab, "short.dns.test") == (2, 2)


async def test_names_differing_only_in_case_or_a_trailing_dot_share_the_answer(
    dns_lab: RunningWorld, resolver: Resolver
) -> None:
    assert await resolver.resolve_address("Short.DNS.test.") == ["127.0.0.20"]
    assert await resolver.resolve_address("short.dns.test") == ["127.0.0.20"]
    assert asked(dns_lab, "short.dns.test") == (1, 1)


async def test_a_ttl_above_thirty_seconds_is_reused_for_thirty_seconds_only(
    dns_lab: RunningWorld, resolver: Resolver, clock: FakeClock
) -> None:
    assert await resolver.resolve_address("long.dns.test") == ["127.0.0.21"]
    clock.advance(29.9)
    assert await resolver.resolve_address("long.dns.test") == ["127.0.0.21"]
    assert asked(dns_lab, "long.dns.test") == (1, 1)
    clock.advance(0.2)  # 30.1 s: well within the record's 300 s, past the 30 s cap
    assert await resolver.resolve_address("long.dns.test") == ["127.0.0.21"]
    assert asked(dns_lab, "long.dns.test") == (2, 2)
    # The record really does say 300 s: the cap, not the zone, ended the reuse.
    answer = await resolver.resolve("long.dns.test", "A")
    assert isinstance(answer, DnsAnswer) and answer.ttl == 300


async def test_the_smaller_ttl_of_the_a_and_aaaa_answers_decides(
    dns_lab: RunningWorld, resolver: Resolver, clock: FakeClock
) -> None:
    assert await resolver.resolve_address("both.dns.test") == ["127.0.0.22", "::1"]
    clock.advance(19.9)
    assert await resolver.resolve_address("both.dns.test") == ["127.0.0.22", "::1"]
    assert asked(dns_lab, "both.dns.test") == (1, 1)
    clock.advance(0.2)  # past the AAAA's 20 s, within the A's 60 s
    assert await resolver.resolve_address("both.dns.test") == ["127.0.0.22", "::1"]
    assert asked(dns_lab, "both.dns.test") == (2, 2)


async def test_a_ttl_of_zero_is_never_reused(dns_lab: RunningWorld, resolver: Resolver) -> None:
    for _ in range(3):
        assert await resolver.resolve_address("zero.dns.test") == ["127.0.0.23"]
    assert asked(dns_lab, "zero.dns.test") == (3, 3)


async def test_a_cname_with_a_shorter_ttl_than_its_target_limits_the_reuse(
    dns_lab: RunningWorld, resolver: Resolver, clock: FakeClock
) -> None:
    assert await resolver.resolve_address("alias.dns.test") == ["127.0.0.21"]
    clock.advance(3)  # past the CNAME's 2 s, within the A record's 300 s
    assert await resolver.resolve_address("alias.dns.test") == ["127.0.0.21"]
    assert asked(dns_lab, "alias.dns.test")[0] == 2


# -- what is never reused ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("nope.dns.test", DnsFailureKind.NXDOMAIN),
        ("broken.dns.test", DnsFailureKind.SERVFAIL),
        ("silent.dns.test", DnsFailureKind.TIMEOUT),
    ],
)
async def test_a_failed_lookup_is_not_reused(
    dns_lab: RunningWorld, resolver: Resolver, name: str, kind: DnsFailureKind
) -> None:
    first = await resolver.resolve_address(name)
    assert isinstance(first, DnsFailure) and first.kind is kind
    a_queries, _ = asked(dns_lab, name)
    assert a_queries >= 1
    # Same instant: any reuse at all would answer this one from memory.
    second = await resolver.resolve_address(name)
    assert isinstance(second, DnsFailure) and second.kind is kind
    assert asked(dns_lab, name)[0] > a_queries


async def test_a_failure_is_shared_by_concurrent_callers_but_not_kept(
    dns_lab: RunningWorld, resolver: Resolver
) -> None:
    found = await asyncio.gather(*(resolver.resolve_address("nope.dns.test") for _ in range(10)))
    assert all(isinstance(f, DnsFailure) and f.is_negative for f in found)
    assert asked(dns_lab, "nope.dns.test") == (1, 1)
    await resolver.resolve_address("nope.dns.test")
    assert asked(dns_lab, "nope.dns.test") == (2, 2)


@pytest.mark.parametrize("literal", ["127.0.0.9", "::1", "[::1]", "[2001:db8::7]", "10.1.2.3"])
async def test_ip_literals_are_returned_without_any_query(
    dns_lab: RunningWorld, resolver: Resolver, literal: str
) -> None:
    found = await asyncio.gather(*(resolver.resolve_address(literal) for _ in range(5)))
    assert found == [[literal.strip("[]")]] * 5
    assert dns_lab.dns_queries() == ()


async def test_resolve_itself_is_never_cached(dns_lab: RunningWorld, resolver: Resolver) -> None:
    for _ in range(2):
        answer = await resolver.resolve("short.dns.test", "A")
        assert isinstance(answer, DnsAnswer) and answer.records == ("127.0.0.20",)
    assert asked(dns_lab, "short.dns.test") == (2, 0)
    # Nor does a connection-time answer held for its TTL stand in for it.
    assert await resolver.resolve_address("short.dns.test") == ["127.0.0.20"]
    assert asked(dns_lab, "short.dns.test") == (3, 1)
    await resolver.resolve("short.dns.test", "A")
    assert asked(dns_lab, "short.dns.test") == (4, 1)


async def test_resolve_shares_a_question_only_while_it_is_in_flight(
    dns_lab: RunningWorld, resolver: Resolver
) -> None:
    same = await asyncio.gather(*(resolver.resolve("short.dns.test", "A") for _ in range(12)))
    assert all(isinstance(a, DnsAnswer) and a.records == ("127.0.0.20",) for a in same)
    assert asked(dns_lab, "short.dns.test") == (1, 0)
    # Another type, or a name that differs, is a question of its own.
    mixed = await asyncio.gather(
        resolver.resolve("short.dns.test", "A"),
        resolver.resolve("short.dns.test", "aaaa"),
        resolver.resolve("both.dns.test", "A"),
    )
    assert [type(m) for m in mixed] == [DnsAnswer, DnsFailure, DnsAnswer]
    assert asked(dns_lab, "short.dns.test") == (2, 1)
    assert asked(dns_lab, "both.dns.test") == (1, 0)
    # A failure is shared the same way, and asked again once it is out.
    nope = await asyncio.gather(*(resolver.resolve("nope.dns.test", "A") for _ in range(5)))
    assert all(isinstance(f, DnsFailure) and f.kind is DnsFailureKind.NXDOMAIN for f in nope)
    assert asked(dns_lab, "nope.dns.test") == (1, 0)
    await resolver.resolve("nope.dns.test", "A")
    assert asked(dns_lab, "nope.dns.test") == (2, 0)


async def test_a_cancelled_resolve_caller_leaves_the_shared_query_to_the_others(
    dns_lab: RunningWorld, resolver: Resolver
) -> None:
    quitter = asyncio.create_task(resolver.resolve("long.dns.test", "A"))
    stayer = asyncio.create_task(resolver.resolve("long.dns.test", "A"))
    await asyncio.sleep(0)  # both have joined; the answer needs more turns of the loop
    assert not stayer.done()
    quitter.cancel()
    answer = await stayer
    assert isinstance(answer, DnsAnswer) and answer.records == ("127.0.0.21",)
    assert quitter.cancelled()
    assert asked(dns_lab, "long.dns.test") == (1, 0)


# -- cancellation --------------------------------------------------------------------------------


async def test_a_cancelled_caller_does_not_cancel_the_lookup_others_share(
    dns_lab: RunningWorld, resolver: Resolver
) -> None:
    quitter = asyncio.create_task(resolver.resolve_address("short.dns.test"))
    stayer = asyncio.create_task(resolver.resolve_address("short.dns.test"))
    # One turn of the loop: both callers have joined the lookup; its queries are not answered
    # yet (that takes socket I/O, which needs more turns).
    await asyncio.sleep(0)
    assert not stayer.done()
    quitter.cancel()
    assert await stayer == ["127.0.0.20"]
    assert quitter.cancelled()
    assert asked(dns_lab, "short.dns.test") == (1, 1)


async def test_a_lookup_whose_only_caller_gave_up_still_finishes_for_the_next_one(
    clock: FakeClock,
) -> None:
    # Every answer takes 100 ms, so the caller's 50 ms deadline lands with the queries sent and
    # not yet answered: giving up must leave them running for whoever asks next.
    world = parse_world(DNS_LAB, source="dnslab.toml")
    async with start_world(world, rtt_ms=100) as running:
        address, port = running.nameserver
        limits = NetLimits(dns_timeout=1.0, dns_lifetime=2.0)
        resolver = Resolver([Nameserver(address, port)], limits=limits, clock=clock)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(resolver.resolve_address("short.dns.test"), timeout=0.05)
        # The next caller joins the lookup still under way instead of starting another...
        assert await resolver.resolve_address("short.dns.test") == ["127.0.0.20"]
        # ...and its answer is kept for the TTL.
        assert await resolver.resolve_address("short.dns.test") == ["127.0.0.20"]
        assert asked(running, "short.dns.test") == (1, 1)
        assert running.errors() == ()

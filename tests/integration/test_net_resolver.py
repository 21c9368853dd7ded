"""The resolver against a real DNS server on loopback (UDP and TCP)."""

from __future__ import annotations

import time

import pytest
from net_fixtures import DnsServer, Zone, closed_port

from launch_tui.net import (
    DnsAnswer,
    DnsFailure,
    DnsFailureKind,
    Nameserver,
    NetLimits,
    Resolver,
)

FAST = NetLimits(dns_timeout=0.3, dns_lifetime=0.6)


def make_zone() -> Zone:
    zone = Zone()
    zone.add("example.test", "A", "127.0.0.10")
    zone.add("example.test", "TXT", '"v=spf1 " "include:_spf.example.test -all"')
    zone.add("example.test", "MX", "10 mail.example.test.")
    zone.add("lb.example.test", "A", "127.0.0.11", "127.0.0.12")
    zone.cnames["www.example.test"] = "edge.example.test"
    zone.cnames["edge.example.test"] = "lb.example.test"
    zone.cnames["dangling.example.test"] = "gone.elsewhere.test"
    zone.cnames["loop-a.example.test"] = "loop-b.example.test"
    zone.cnames["loop-b.example.test"] = "loop-a.example.test"
    zone.add("big.example.test", "TXT", *(f'"{i:03d}-' + "x" * 200 + '"' for i in range(40)))
    zone.servfail.add("broken.example.test")
    zone.refused.add("private.example.test")
    zone.silent.add("slow.example.test")
    return zone


def resolver_for(server: DnsServer, limits: NetLimits = FAST) -> Resolver:
    return Resolver([Nameserver("127.0.0.1", server.port)], limits=limits)


async def test_answers_carry_records_ttl_and_nameserver() -> None:
    async with DnsServer(make_zone()) as server:
        answer = await resolver_for(server).resolve("example.test", "A")
    assert isinstance(answer, DnsAnswer)
    assert answer.records == ("127.0.0.10",)
    assert answer.ttl == 300
    assert answer.nameserver == server.address
    assert answer.canonical_name == "example.test"
    assert answer.cname_chain == ()
    assert not answer.truncated


async def test_txt_strings_are_joined_for_spf_readers() -> None:
    async with DnsServer(make_zone()) as server:
        answer = await resolver_for(server).resolve("example.test", "txt")
    assert isinstance(answer, DnsAnswer)
    assert answer.txt == ("v=spf1 include:_spf.example.test -all",)
    assert answer.records == ('"v=spf1 " "include:_spf.example.test -all"',)


async def test_cname_chain_is_followed_across_responses() -> None:
    async with DnsServer(make_zone()) as server:
        answer = await resolver_for(server).resolve("www.example.test", "A")
    assert isinstance(answer, DnsAnswer)
    assert answer.cname_chain == ("edge.example.test", "lb.example.test")
    assert answer.canonical_name == "lb.example.test"
    assert sorted(answer.records) == ["127.0.0.11", "127.0.0.12"]


async def test_cname_chain_inside_one_response() -> None:
    zone = make_zone()
    zone.chase = True
    async with DnsServer(zone) as server:
        answer = await resolver_for(server).resolve("www.example.test", "A")
    assert isinstance(answer, DnsAnswer)
    assert answer.cname_chain == ("edge.example.test", "lb.example.test")


async def test_nxdomain() -> None:
    async with DnsServer(make_zone()) as server:
        failure = await resolver_for(server).resolve("nope.example.test", "A")
    assert isinstance(failure, DnsFailure)
    assert failure.kind is DnsFailureKind.NXDOMAIN
    assert failure.is_negative
    assert failure.message == "nope.example.test does not exist (NXDOMAIN)"


async def test_dangling_cname_names_its_target() -> None:
    async with DnsServer(make_zone()) as server:
        failure = await resolver_for(server).resolve("dangling.example.test", "A")
    assert isinstance(failure, DnsFailure)
    assert failure.kind is DnsFailureKind.NXDOMAIN
    assert failure.cname_chain == ("gone.elsewhere.test",)
    assert "dangling CNAME" in failure.message


async def test_nodata_when_the_name_has_other_types_only() -> None:
    async with DnsServer(make_zone()) as server:
        failure = await resolver_for(server).resolve("example.test", "CAA")
    assert isinstance(failure, DnsFailure)
    assert failure.kind is DnsFailureKind.NODATA
    assert failure.is_negative


async def test_servfail() -> None:
    async with DnsServer(make_zone()) as server:
        failure = await resolver_for(server).resolve("broken.example.test", "A")
    assert isinstance(failure, DnsFailure)
    assert failure.kind is DnsFailureKind.SERVFAIL
    assert "SERVFAIL" in failure.message
    assert failure.nameserver == server.address


async def test_refused() -> None:
    async with DnsServer(make_zone()) as server:
        failure = await resolver_for(server).resolve("private.example.test", "A")
    assert isinstance(failure, DnsFailure)
    assert failure.kind is DnsFailureKind.REFUSED


async def test_timeout_within_the_lifetime() -> None:
    async with DnsServer(make_zone()) as server:
        started = time.perf_counter()
        failure = await resolver_for(server).resolve("slow.example.test", "A")
        elapsed = time.perf_counter() - started
    assert isinstance(failure, DnsFailure)
    assert failure.kind is DnsFailureKind.TIMEOUT
    assert "within 0.6 seconds" in failure.message
    assert 0.5 <= elapsed <= 0.66 + 0.1


@pytest.mark.parametrize("chase", [False, True], ids=["across-responses", "in-one-response"])
async def test_cname_loop(chase: bool) -> None:
    zone = make_zone()
    zone.chase = chase
    async with DnsServer(zone) as server:
        failure = await resolver_for(server).resolve("loop-a.example.test", "A")
    assert isinstance(failure, DnsFailure)
    assert failure.kind is DnsFailureKind.LOOP
    assert "loop-b.example.test" in failure.message


async def test_long_cname_chain_is_cut_at_the_limit() -> None:
    zone = Zone()
    for i in range(20):
        zone.cnames[f"c{i}.example.test"] = f"c{i + 1}.example.test"
    zone.add("c20.example.test", "A", "127.0.0.1")
    async with DnsServer(zone) as server:
        limits = NetLimits(dns_timeout=0.3, dns_lifetime=2.0, max_cname_chain=5)
        failure = await resolver_for(server, limits).resolve("c0.example.test", "A")
    assert isinstance(failure, DnsFailure)
    assert failure.kind is DnsFailureKind.LOOP
    assert "longer than 5" in failure.message


async def test_truncated_udp_answer_is_retried_over_tcp() -> None:
    async with DnsServer(make_zone()) as server:
        answer = await resolver_for(server).resolve("big.example.test", "TXT")
        log = [entry for entry in server.log if entry[1] == "big.example.test"]
    assert isinstance(answer, DnsAnswer)
    assert len(answer.records) == 40
    assert answer.truncated
    assert answer.via_tcp
    assert [transport for transport, _, _ in log] == ["udp", "tcp"]


async def test_resolve_address_returns_ips_or_the_failure() -> None:
    async with DnsServer(make_zone()) as server:
        resolver = resolver_for(server)
        addresses = await resolver.resolve_address("lb.example.test")
        assert isinstance(addresses, list)
        assert sorted(addresses) == ["127.0.0.11", "127.0.0.12"]
        assert await resolver.resolve_address("127.0.0.5") == ["127.0.0.5"]
        assert await resolver.resolve_address("[::1]") == ["::1"]
        failure = await resolver.resolve_address("nope.example.test")
    assert isinstance(failure, DnsFailure)
    assert failure.kind is DnsFailureKind.NXDOMAIN


async def test_a_silent_aaaa_does_not_hold_up_addresses() -> None:
    zone = make_zone()
    zone.silent_types.add(("example.test", "AAAA"))
    limits = NetLimits(dns_timeout=1.0, dns_lifetime=2.0)
    async with DnsServer(zone) as server:
        started = time.perf_counter()
        addresses = await resolver_for(server, limits).resolve_address("example.test")
        elapsed = time.perf_counter() - started
    assert addresses == ["127.0.0.10"]
    assert elapsed < 0.5


async def test_unreachable_nameserver_is_a_failure_not_a_traceback() -> None:
    resolver = Resolver([Nameserver("127.0.0.1", closed_port())], limits=FAST)
    failure = await resolver.resolve("example.test", "A")
    assert isinstance(failure, DnsFailure)
    assert failure.kind in (DnsFailureKind.ERROR, DnsFailureKind.TIMEOUT)
    assert failure.message


@pytest.mark.parametrize(
    ("name", "rdtype"), [("bad..name", "A"), ("example.test", "NOTATYPE"), ("x" * 70, "A")]
)
async def test_bad_questions_are_failures(name: str, rdtype: str) -> None:
    resolver = Resolver([Nameserver("127.0.0.1", closed_port())], limits=FAST)
    failure = await resolver.resolve(name, rdtype)
    assert isinstance(failure, DnsFailure)
    assert failure.kind is DnsFailureKind.ERROR

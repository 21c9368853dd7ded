"""The sandbox DNS server, queried with dnspython directly over UDP and TCP."""

from __future__ import annotations

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.resolver
import pytest

from launch_tui.sandbox import RunningWorld

pytest_plugins = ["sandbox_fixtures"]


def ask(
    running: RunningWorld,
    name: str,
    rdtype: str,
    *,
    tcp: bool = False,
    edns: int | None = None,
    timeout: float = 2.0,
) -> dns.message.Message:
    address, port = running.nameserver
    if edns is None:
        query = dns.message.make_query(name, rdtype, use_edns=False)
    else:
        query = dns.message.make_query(name, rdtype, use_edns=0, payload=edns)
    if tcp:
        return dns.query.tcp(query, address, port=port, timeout=timeout)
    return dns.query.udp(query, address, port=port, timeout=timeout, ignore_trailing=True)


def values(response: dns.message.Message, rdtype: str) -> list[str]:
    wanted = dns.rdatatype.from_text(rdtype)
    return sorted(
        rd.to_text() for rrset in response.answer if rrset.rdtype == wanted for rd in rrset
    )


@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_a_record_is_the_hosts_loopback_address(demo_world_thread: RunningWorld, tcp: bool) -> None:
    response = ask(demo_world_thread, "www.brightlane.test", "A", tcp=tcp)
    assert response.rcode() == dns.rcode.NOERROR
    assert response.flags & dns.flags.AA
    assert values(response, "A") == ["127.0.0.3"]


def test_cname_chain_is_followed_into_the_platform_zone(demo_world_thread: RunningWorld) -> None:
    response = ask(demo_world_thread, "app.brightlane.test", "A")
    assert values(response, "CNAME") == ["brightlane-app.pagehost.example."]
    assert values(response, "A") == ["127.0.0.4"]


def test_mail_and_delegation_records(demo_world_thread: RunningWorld) -> None:
    world = demo_world_thread
    assert values(ask(world, "brightlane.test", "MX"), "MX") == [
        "10 mx1.postbird.example.",
        "20 mx2.postbird.example.",
    ]
    assert values(ask(world, "brightlane.test", "NS"), "NS") == [
        "ada.ns.cloudflare.com.",
        "rob.ns.cloudflare.com.",
    ]
    assert '0 issue "letsencrypt.org"' in values(ask(world, "brightlane.test", "CAA"), "CAA")
    soa = values(ask(world, "brightlane.test", "SOA"), "SOA")
    assert soa and soa[0].startswith("ada.ns.cloudflare.com. dns.cloudflare.com.")
    dmarc = values(ask(world, "_dmarc.brightlane.test", "TXT"), "TXT")
    assert dmarc == ['"v=DMARC1; p=none; rua=mailto:dmarc-reports@brightlane.test; fo=1"']
    spf = values(ask(world, "_spf.postbird.example", "TXT"), "TXT")
    assert spf == ['"v=spf1 ip4:198.51.100.0/24 ip4:203.0.113.0/25 -all"']


def test_dkim_key_longer_than_255_bytes_is_split_into_strings(
    demo_world_thread: RunningWorld,
) -> None:
    response = ask(demo_world_thread, "pb1._domainkey.brightlane.test", "TXT", tcp=True)
    (rdata,) = [rd for rrset in response.answer for rd in rrset]
    assert len(rdata.strings) == 2
    assert b"".join(rdata.strings).startswith(b"v=DKIM1; k=rsa; p=MIIBIjAN")


@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_nxdomain_carries_the_soa(demo_world_thread: RunningWorld, tcp: bool) -> None:
    response = ask(demo_world_thread, "nope.brightlane.test", "A", tcp=tcp)
    assert response.rcode() == dns.rcode.NXDOMAIN
    assert not response.answer
    (soa,) = response.authority
    assert soa.rdtype == dns.rdatatype.SOA
    assert soa.ttl == 1800  # min(SOA TTL, SOA minimum), RFC 2308


def test_nodata_is_noerror_with_soa(demo_world_thread: RunningWorld) -> None:
    response = ask(demo_world_thread, "www.brightlane.test", "AAAA")
    assert response.rcode() == dns.rcode.NOERROR
    assert not response.answer
    assert [r.rdtype for r in response.authority] == [dns.rdatatype.SOA]


def test_empty_non_terminal_is_nodata_not_nxdomain(demo_world_thread: RunningWorld) -> None:
    response = ask(demo_world_thread, "_domainkey.brightlane.test", "TXT")
    assert response.rcode() == dns.rcode.NOERROR
    assert not response.answer


def test_dangling_cname_answers_the_cname_and_nxdomain(demo_world_thread: RunningWorld) -> None:
    response = ask(demo_world_thread, "promo.brightlane.test", "A")
    assert values(response, "CNAME") == ["brightlane-promo.pagehost.example."]
    assert response.rcode() == dns.rcode.NXDOMAIN


def test_large_answer_sets_tc_over_udp_and_is_whole_over_tcp(
    demo_world_thread: RunningWorld,
) -> None:
    udp = ask(demo_world_thread, "brightlane.test", "TXT")
    assert udp.flags & dns.flags.TC
    tcp = ask(demo_world_thread, "brightlane.test", "TXT", tcp=True)
    assert not tcp.flags & dns.flags.TC
    assert len(tcp.to_wire()) > 512
    assert '"v=spf1 include:_spf.postbird.example ~all"' in values(tcp, "TXT")
    # A large EDNS buffer fits the whole answer in one datagram.
    assert not ask(demo_world_thread, "brightlane.test", "TXT", edns=4096).flags & dns.flags.TC


def test_truncation_makes_a_client_fall_back_to_tcp(demo_world_thread: RunningWorld) -> None:
    address, port = demo_world_thread.nameserver
    query = dns.message.make_query("brightlane.test", "TXT", use_edns=False)
    response, used_tcp = dns.query.udp_with_fallback(query, address, port=port, timeout=2)
    assert used_tcp
    assert len(values(response, "TXT")) == 7
    transports = [q.transport for q in demo_world_thread.dns_queries() if q.rdtype == "TXT"]
    assert transports[-2:] == ["udp", "tcp"]


def test_a_resolver_pointed_at_the_sandbox_resolves_through_it(
    demo_world_thread: RunningWorld,
) -> None:
    address, port = demo_world_thread.nameserver
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [address]
    resolver.port = port
    answer = resolver.resolve("app.brightlane.test", "A", lifetime=2)
    assert [rd.to_text() for rd in answer] == ["127.0.0.4"]
    with pytest.raises(dns.resolver.NXDOMAIN):
        resolver.resolve("promo.brightlane.test", "A", lifetime=2)


def test_names_outside_the_zones_are_refused(demo_world_thread: RunningWorld) -> None:
    response = ask(demo_world_thread, "example.com", "A")
    assert response.rcode() == dns.rcode.REFUSED
    assert not response.flags & dns.flags.AA


def test_cname_loop_answers_the_chain_once(hostile_world_thread: RunningWorld) -> None:
    response = ask(hostile_world_thread, "loop1.hostile.test", "A")
    assert response.rcode() == dns.rcode.NOERROR
    assert values(response, "CNAME") == ["loop1.hostile.test.", "loop2.hostile.test."]
    assert not values(response, "A")


def test_servfail_name(hostile_world_thread: RunningWorld) -> None:
    assert ask(hostile_world_thread, "broken.hostile.test", "A").rcode() == dns.rcode.SERVFAIL


@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_timeout_name_never_answers(hostile_world_thread: RunningWorld, tcp: bool) -> None:
    with pytest.raises(dns.exception.Timeout):
        ask(hostile_world_thread, "blackhole.hostile.test", "A", tcp=tcp, timeout=0.3)
    # The server is still fine for everyone else.
    assert ask(hostile_world_thread, "big.hostile.test", "TXT", tcp=True).answer


def test_escape_sequences_are_served_as_data(hostile_world_thread: RunningWorld) -> None:
    response = ask(hostile_world_thread, "evil.hostile.test", "TXT", tcp=True)
    (rdata,) = [rd for rrset in response.answer for rd in rrset]
    assert b"\x1b]0;pwned\x07" in b"".join(rdata.strings)
